"""Status callbacks: one row per CallSid, a status that only moves forward."""

from __future__ import annotations

import itertools

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.core.db import Database
from ivr.core.models import Call, CallStatusEvent

from .conftest import call_form, post_signed, twiml

LIFECYCLE = ["initiated", "ringing", "in-progress", "completed"]


def callback(client: FlaskClient, sid: str, status: str, seq: int) -> None:
    fields = {"CallStatus": status, "SequenceNumber": str(seq)}
    if status == "completed":
        fields["CallDuration"] = "42"
    response = post_signed(client, "/voice/status", call_form(sid, **fields))
    assert response.status_code in (200, 204)
    twiml(response)


def calls(app: Flask) -> list[Call]:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        return list(s.scalars(select(Call).order_by(Call.call_sid)))


def final_state(call: Call) -> tuple[object, ...]:
    return (call.status, call.status_rank, call.duration_s, call.from_number, call.to_number)


def test_ten_duplicates_leave_one_row(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "d" * 32
    for _ in range(10):
        twiml(post_signed(client, "/voice", call_form(sid, CallStatus="ringing")))
        callback(client, sid, "completed", 3)
    rows = calls(app)
    assert len(rows) == 1
    assert final_state(rows[0]) == ("completed", 9, 42, "+8613900000001", "+8655112345")
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        assert len(s.scalars(select(CallStatusEvent)).all()) == 2  # ringing, completed


def test_every_order_of_callbacks_gives_the_same_final_row(app: Flask,
                                                           client: FlaskClient) -> None:
    orders = list(itertools.permutations(LIFECYCLE))
    assert len(orders) == 24
    for n, order in enumerate(orders):
        sid = f"CA{n:032d}"
        for status in order:
            callback(client, sid, status, LIFECYCLE.index(status))
        callback(client, sid, order[0], 0)  # and a late duplicate of the first
    rows = calls(app)
    assert len(rows) == 24
    assert {final_state(r) for r in rows} == {
        ("completed", 9, 42, "+8613900000001", "+8655112345")
    }


def test_status_never_moves_back(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "b" * 32
    callback(client, sid, "in-progress", 2)
    callback(client, sid, "ringing", 1)
    assert calls(app)[0].status == "in-progress"


def test_unknown_status_is_ignored_not_an_error(app: Flask, client: FlaskClient) -> None:
    sid = "CA" + "e" * 32
    twiml(post_signed(client, "/voice/status", call_form(sid, CallStatus="exploded")))
    assert calls(app)[0].status == ""


def test_local_date_bucket_is_stored_in_shanghai_time(app: Flask, client: FlaskClient) -> None:
    from datetime import UTC, datetime

    from ivr.voice import calls as call_ops

    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        # 16:30 UTC on 31 March is 00:30 on 1 April in Hefei: the next quarter.
        call_ops.record(s, "CA" + "f" * 32, "ringing", from_number="+86139",
                        to_number="+86551", timezone="Asia/Shanghai",
                        now=datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
        s.commit()
        row = s.scalars(select(Call)).one()
    assert (str(row.local_date), row.local_hour) == ("2026-04-01", 0)
