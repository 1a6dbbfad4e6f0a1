"""With the database unreachable the line still answers, and every path reaches a person."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

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


def test_calls_during_an_outage_are_written_when_the_database_returns(
        app: Flask, tmp_path: object) -> None:
    from pathlib import Path

    from sqlalchemy import func, select

    from ivr.core.models import Call, Conversation
    from ivr.voice import spool

    path = str(Path(str(tmp_path)) / "spool.jsonl")
    down = create_app(base_config(UNREACHABLE["postgresql"], SPOOL_PATH=path))
    client = down.test_client()
    for n in range(50):
        sid = f"CA{n:032d}"
        root = twiml(post_signed(client, "/voice", call_form(sid, CallStatus="ringing")))
        assert dialled(root) == [DUTY]
        twiml(post_signed(client, "/voice/status",
                          call_form(sid, CallStatus="completed", CallDuration="30")))
    down.extensions["ivr.db"].dispose()
    app.config["SPOOL_PATH"] = path
    db = app.extensions["ivr.db"]
    with db.sessions() as s:
        assert spool.replay(s, app.config) == 100
        assert spool.replay(s, app.config) == 0  # nothing left, nothing twice
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 50
        assert s.scalar(select(func.count()).select_from(Conversation)) == 50
        assert {c.status for c in s.scalars(select(Call))} == {"completed"}
        assert {c.outcome for c in s.scalars(select(Conversation))} == {"outage"}


def test_a_spool_every_host_reaches_is_replayed_by_one_worker_at_a_time(
        app: Flask, tmp_path: object) -> None:
    import fcntl
    from pathlib import Path

    from sqlalchemy import func, select

    from ivr.core.models import Call
    from ivr.voice import spool

    path = Path(str(tmp_path)) / "shared" / "spool.jsonl"
    down = create_app(base_config(UNREACHABLE["postgresql"], SPOOL_PATH=str(path)))
    post_signed(down.test_client(), "/voice", call_form("CA" + "7" * 32, CallStatus="ringing"))
    down.extensions["ivr.db"].dispose()
    app.config["SPOOL_PATH"] = str(path)
    db = app.extensions["ivr.db"]
    # Another host's worker is replaying: this one leaves the spool to it, untouched.
    with path.with_suffix(".lock").open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        with db.sessions() as s:
            assert spool.replay(s, app.config) == 0
        assert path.exists() and not path.with_suffix(".replaying").exists()
    with db.sessions() as s:
        assert spool.replay(s, app.config) == 1
        assert s.scalar(select(func.count()).select_from(Call)) == 1
