"""The hand-off to a person on the phone: queue, place in line, whisper, accept, callbacks."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ivr.core.db import Database
from ivr.core.models import CallbackTask, QueueEntry, Resident, User
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

from .conftest import DUTY, PUBLIC, TOKEN, load_demo

OPERATOR_PHONE = "+8613800000999"
CALLER = "+8613912345678"


@pytest.fixture
def line(app: Flask) -> Database:
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    with db.sessions() as s:
        s.add(Resident(phone=CALLER, name="王秀英", division_code="340111400001",
                       groups=["elderly"], needs=["meal"]))
        s.commit()
    return db


def operator(db: Database, status: str) -> None:
    with db.sessions() as s:
        s.add(User(username="op1", password_hash=generate_password_hash("pw"), role="operator",
                   name="小李", phone=OPERATOR_PHONE, status=status))
        s.commit()


def call(app: Flask, answers: list[str], **kwargs: str) -> tuple[ScriptedCaller, object]:
    caller = ScriptedCaller(answers)
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER,
                   **kwargs).run()
    return caller, result


def test_pressing_zero_queues_and_the_whisper_names_village_and_need(app: Flask,
                                                                     line: Database) -> None:
    operator(line, "available")
    caller, result = call(app, ["1", "送饭", "0"])
    heard = "\n".join(caller.heard)
    assert result.enqueued == ["operators"]  # type: ignore[attr-defined]
    assert result.dialled == [OPERATOR_PHONE]  # type: ignore[attr-defined]
    assert "[to the operator] 住在包河区琼临社区" in heard
    assert "需要助餐" in heard and "老年人或残疾人" in heard
    with line.sessions() as s:
        entry = s.scalars(select(QueueEntry)).one()
        assert entry.status == "done" and entry.answered_at is not None
        assert entry.priority == 1  # elderly callers are taken first
        assert s.scalars(select(User)).one().status == "wrap_up"


def test_a_busy_line_tells_the_caller_their_place(app: Flask, line: Database) -> None:
    operator(line, "busy")
    caller, result = call(app, ["0"], queue_outcome="hangup")
    assert "您是下一位" in "\n".join(caller.heard)
    assert result.ended_by == "caller-hung-up-in-queue"  # type: ignore[attr-defined]


def test_hanging_up_in_the_queue_creates_a_callback_task(app: Flask, line: Database) -> None:
    operator(line, "busy")
    call(app, ["0"], queue_outcome="hangup")
    with line.sessions() as s:
        task = s.scalars(select(CallbackTask)).one()
        assert (task.phone, task.reason) == (CALLER, "missed")
        assert s.scalars(select(QueueEntry)).one().status == "abandoned"


def test_after_the_wait_limit_the_caller_can_ask_for_a_call_back(app: Flask,
                                                                  line: Database) -> None:
    app.config["QUEUE_WAIT_LIMIT_S"] = 60
    operator(line, "busy")
    caller, _ = call(app, ["0", "2"])
    assert "工作人员都在忙" in "\n".join(caller.heard)
    with line.sessions() as s:
        assert s.scalars(select(CallbackTask)).one().reason == "asked"


def test_after_the_wait_limit_a_voice_message_is_kept(app: Flask, line: Database) -> None:
    app.config["QUEUE_WAIT_LIMIT_S"] = 60
    operator(line, "busy")
    call(app, ["0", "1", "我家水管坏了请回电话"])
    with line.sessions() as s:
        from ivr.core.models import Conversation

        conversation = s.scalars(select(Conversation)).one()
        assert conversation.recording_url.startswith("https://api.twilio.com/")
        assert s.scalars(select(CallbackTask)).one().reason == "voicemail"


def test_nobody_on_duty_the_duty_number_answers(app: Flask, line: Database) -> None:
    _, result = call(app, ["0"])
    assert result.dialled == [DUTY]  # type: ignore[attr-defined]


def test_outside_operator_hours_messages_callbacks_or_the_duty_officer(app: Flask,
                                                                     line: Database) -> None:
    app.config["OPERATOR_HOURS"] = "off"
    operator(line, "available")
    caller, result = call(app, ["0", "0"])
    heard = "\n".join(caller.heard)
    assert "非工作时间" in heard
    assert "正在为您转接人工服务" in heard.split("非工作时间")[-1]  # 0: told before the dial
    assert result.dialled == [DUTY]  # type: ignore[attr-defined]


def test_help_said_at_the_after_hours_choices_dials_the_emergency_number(
        app: Flask, line: Database) -> None:
    # The after-hours choices are keys, but 救命 said there is heard like at any question.
    app.config["OPERATOR_HOURS"] = "off"
    caller, result = call(app, ["0", "救命"], dial_outcome="no-answer")
    heard = "\n".join(caller.heard)
    assert "非工作时间" in heard and "这是紧急情况" in heard
    assert result.dialled[:3] == [app.config["EMERGENCY_NUMBER"]] * 2 + [  # type: ignore[attr-defined]
        DUTY]
    assert "[the line hangs up]" not in heard
    with line.sessions() as s:
        task = s.scalars(select(CallbackTask).where(CallbackTask.phone == CALLER)).one()
        assert task.category == "emergency"


def test_an_operator_who_does_not_accept_sends_the_caller_back_to_the_queue(
        app: Flask, line: Database) -> None:
    operator(line, "available")
    call(app, ["0"], dial_outcome="no-answer")
    with line.sessions() as s:
        assert s.scalars(select(User)).one().status == "off"
        assert s.scalars(select(QueueEntry)).one().status in ("abandoned", "waiting")
