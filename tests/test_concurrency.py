"""Requests racing each other on a real database: a turn and its retries arriving together."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialogs import engine
from ivr.core.models import OutboxMessage, Referral

from .conftest import call_form, post_signed, twiml
from .voicecall import VoiceCall

RACERS = 8


def _race(app: Flask, path: str, form: dict[str, str]) -> list[ET.Element]:
    """Post the same signed form from RACERS threads released at the same instant."""
    start = threading.Barrier(RACERS)
    answers: list[Any] = [None] * RACERS

    def one(index: int) -> None:
        client = app.test_client()
        start.wait()
        answers[index] = twiml(post_signed(client, path, form))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers), "a racing request got no answer"
    return answers


def _spoken(root: ET.Element) -> list[str]:
    return ["".join(s.itertext()) for s in root.iter("Say")]


def test_a_referral_turn_and_its_retries_at_once_make_one_referral(
        app: Flask, demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    call = VoiceCall(app.test_client(), from_number="+8613911112222")
    call.say("我想找人帮忙做饭")
    call.say("我住在包河区滨湖世纪社区")
    step = engine.step

    def slow_step(*args: Any) -> Any:
        # Widen the race: every copy has read the conversation before any of them writes.
        result = step(*args)
        time.sleep(0.2)
        return result

    monkeypatch.setattr(engine, "step", slow_step)
    action = call.gather.get("action", "")
    answers = _race(app, action, call_form(call.sid, From=call.from_number, Digits="2"))
    # Every copy hears the one answer the first of them wrote.
    assert all(_spoken(a) == _spoken(answers[0]) for a in answers)
    with demo.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.purpose == "referral_to_resident")) == 1


def test_calls_starting_at_once_each_get_their_greeting(app: Flask, demo: Any) -> None:
    sid = "CA" + "7" * 32
    answers = _race(app, "/voice", call_form(sid, From="+8613911113333", CallStatus="ringing"))
    assert all(a.find("Gather") is not None for a in answers)
    assert all(_spoken(a) == _spoken(answers[0]) for a in answers)
