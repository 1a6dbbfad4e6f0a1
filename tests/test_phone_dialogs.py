"""Whole calls in the terminal phone, against the demo directory in a real database."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from ivr.core.db import Database
from ivr.core.models import CallbackTask, Conversation, OutboxMessage
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

from .conftest import DUTY, EMERGENCY, PUBLIC, TOKEN

MEAL_BY_SMS = ["我想找人帮忙做饭", "我住在包和区滨湖世纪社区", "2", "2"]


def call(app: Flask, answers: list[str]) -> tuple[ScriptedCaller, object]:
    caller = ScriptedCaller(answers)
    return caller, Phone(FlaskTransport(app), TOKEN, PUBLIC, caller,
                         from_number="+8613912345678").run()


def test_a_spoken_need_leads_to_a_route_and_an_sms(app: Flask, demo: Database) -> None:
    caller, result = call(app, MEAL_BY_SMS)
    heard = "\n".join(caller.heard)
    assert "为您找助餐服务" in heard
    assert "可以为您提供助餐服务的是" in heard
    assert result.ended_by == "hangup"  # type: ignore[attr-defined]
    with demo.sessions() as s:
        messages = {m.purpose: m for m in s.scalars(select(OutboxMessage))}
        assert set(messages) == {"referral_to_provider", "referral_to_resident"}
        to_resident = messages["referral_to_resident"]
        assert to_resident.to_number == "+8613912345678" and "0551-" in to_resident.body
        assert "+8613912345678" in messages["referral_to_provider"].body
        conversation = s.scalars(select(Conversation)).one()
        understood = conversation.state["understood"]
        assert understood[0]["code"] == "meal"
        assert understood[1]["code"] == "340111400" and understood[1]["decision"] == "accept"


def test_a_spoken_need_can_be_put_through_to_the_provider(app: Flask, demo: Database) -> None:
    _, result = call(app, ["我想找人帮忙做饭", "包河区滨湖世纪社区", "1"])
    assert len(result.dialled) == 1  # type: ignore[attr-defined]
    assert result.dialled[0] not in (DUTY, EMERGENCY)  # type: ignore[attr-defined]


def test_three_silences_lead_to_a_person(app: Flask, demo: Database) -> None:
    _, result = call(app, ["", "", ""])
    assert result.dialled == [DUTY]  # type: ignore[attr-defined]


@pytest.mark.parametrize("turn", range(len(MEAL_BY_SMS)))
def test_emergency_words_in_any_turn(app: Flask, demo: Database, turn: int) -> None:
    _, result = call(app, [*MEAL_BY_SMS[:turn], "救命"])
    assert result.dialled == [EMERGENCY]  # type: ignore[attr-defined]
    with demo.sessions() as s:
        assert s.scalars(select(Conversation)).one().emergency


def test_callback_request_creates_a_task(app: Flask, demo: Database) -> None:
    call(app, ["3", "1", "2"])
    with demo.sessions() as s:
        task = s.scalars(select(CallbackTask)).one()
        assert task.phone == "+8613912345678" and task.reason == "asked"


def _resident(db: Database, **fields: object) -> None:
    from ivr.core.models import Resident

    with db.sessions() as s:
        s.add(Resident(phone="+8613912345678", name="王秀英", division_code="340111400001",
                       groups=["elderly"], needs=["meal"], **fields))
        s.commit()


def test_a_known_elderly_caller_is_greeted_by_name_slowly(app: Flask, demo: Database) -> None:
    from .conftest import call_form, post_signed, twiml

    _resident(demo)
    root = twiml(post_signed(app.test_client(), "/voice",
                             call_form("CA" + "9" * 32, From="+8613912345678")))
    says = list(root.iter("Say"))
    assert "王秀英您好" in "".join(says[0].itertext())
    gather = root.find("Gather")
    assert gather is not None and int(gather.get("timeout", "0")) >= 8
    assert gather.find("Say/prosody") is not None


def test_known_place_is_confirmed_not_asked(app: Flask, demo: Database) -> None:
    _resident(demo)
    caller, result = call(app, ["1", "送饭", "1", "2", "2"])
    assert "琼临社区吗" in "\n".join(caller.heard)
    assert result.ended_by == "hangup"  # type: ignore[attr-defined]


def test_setting_puts_known_elderly_callers_straight_through(app: Flask, demo: Database) -> None:
    _resident(demo)
    app.config["ELDERLY_DIRECT_TO_HUMAN"] = True
    _, result = call(app, [])
    assert result.dialled == [DUTY]  # type: ignore[attr-defined]


def test_opted_out_caller_is_not_named(app: Flask, demo: Database) -> None:
    _resident(demo, greet_by_name=False)
    caller, _ = call(app, ["0"])
    assert "王秀英" not in "\n".join(caller.heard)
