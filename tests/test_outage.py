"""With the database unreachable the line still answers, and every path reaches a person."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app
from ivr.phone import FlaskTransport, Phone, ScriptedCaller

from .conftest import DUTY, PUBLIC, TOKEN, base_config, call_form, dialled, post_signed, twiml

UNREACHABLE = {
    # Nothing listens on port 1; the connect timeout keeps the answer fast.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/test",
    "sqlite": "sqlite:////nonexistent-directory/for/sure/line.sqlite3",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = create_app(base_config(UNREACHABLE[request.param]))
    yield app
    app.extensions["ivr.db"].dispose()


def test_incoming_call_reaches_the_duty_operator(down_app: Flask) -> None:
    client: FlaskClient = down_app.test_client()
    root = twiml(post_signed(client, "/voice", call_form(CallStatus="ringing")))
    assert dialled(root) == [DUTY]


@pytest.mark.parametrize("path", ["/voice/status", "/voice/fallback", "/voice/dial-done",
                                  "/voice/turn?t=2"])
def test_every_route_answers_valid_twiml(down_app: Flask, path: str) -> None:
    twiml(post_signed(down_app.test_client(), path, call_form(CallStatus="completed")))


@pytest.mark.parametrize("answers", [["0"], ["", "", ""], ["7", "7", "7"], ["1"], ["救命"]])
def test_a_whole_call_ends_with_a_person(down_app: Flask, answers: list[str]) -> None:
    phone = Phone(FlaskTransport(down_app), TOKEN, PUBLIC, ScriptedCaller(answers))
    result = phone.run()
    assert not result.errors
    assert result.dialled
