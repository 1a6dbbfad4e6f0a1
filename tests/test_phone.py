"""The terminal phone follows TwiML as Twilio does and signs every request."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Flask

from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller, _gather_fields

from .conftest import DUTY, EMERGENCY, PUBLIC, TOKEN


def test_cli_call_hears_mandarin_greeting_and_zero_dials_duty(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["call"], input="0\n")
    assert result.exit_code == 0, result.output
    assert "您好，合肥市社会服务热线" in result.output
    assert f"dialling {DUTY}" in result.output
    assert f"dialled: {DUTY}" in result.output


def test_scripted_call_three_silences_reach_a_person(app: Flask) -> None:
    caller = ScriptedCaller(["", "", ""])
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, caller).run()
    assert result.dialled == [DUTY]
    assert not result.errors
    assert result.ended_by == "hangup"


def test_emergency_words_in_the_first_turn(app: Flask) -> None:
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, ScriptedCaller(["救命"])).run()
    assert result.dialled == [EMERGENCY]


def test_a_wrong_token_is_an_application_error(app: Flask) -> None:
    caller = ScriptedCaller([])
    result = Phone(FlaskTransport(app), "wrong", PUBLIC, caller).run()
    assert result.ended_by == "application-error"
    assert "application error" in caller.heard[-1]


def test_caller_hanging_up_mid_menu(app: Flask) -> None:
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, ScriptedCaller([])).run()
    assert result.ended_by == "caller-hung-up"


def test_gather_fields_follow_twilio_rules() -> None:
    gather = ET.fromstring('<Gather input="dtmf speech" numDigits="1"/>')
    assert _gather_fields("12", ["dtmf", "speech"], gather) == {"Digits": "1"}
    assert _gather_fields("", ["dtmf"], gather) == {}
    assert _gather_fields("#", ["dtmf"], gather) == {}
    assert _gather_fields("人工", ["dtmf"], gather) == {}
    assert _gather_fields("人工", ["dtmf", "speech"], gather)["SpeechResult"] == "人工"


def test_unanswered_dial_is_retried_then_apologised(app: Flask) -> None:
    phone = Phone(FlaskTransport(app), TOKEN, PUBLIC, ScriptedCaller(["0"]),
                  dial_outcome="no-answer")
    result = phone.run()
    assert result.dialled == [DUTY, DUTY]
    assert result.ended_by == "hangup"
