"""The least a correct line must do, in the line's stack: the yardstick for a dialog turn.

Every webhook is checked with twilio's RequestValidator against the public URL, writes the
call and the turn durably in one transaction (the line's own engine settings: SQLite in WAL
with the writer lock, or PostgreSQL with its pool) and answers TwiML built with twilio's
VoiceResponse. It answers the same webhooks a call makes (/voice, /voice/turn, /voice/status)
and asks as many questions as the line does for the benchmark's callers, so the same
simulated callers place the same number of requests against it as against the line.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    update,
)
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from ivr.core.db import make_engine

metadata = MetaData()
calls = Table("yardstick_calls", metadata,
              Column("call_sid", String(64), primary_key=True),
              Column("from_number", String(32), nullable=False),
              Column("status", String(16), nullable=False),
              Column("turns", Integer, nullable=False, default=0),
              Column("updated_at", DateTime(timezone=True), server_default=func.now()))
turns = Table("yardstick_turns", metadata,
              Column("id", Integer, primary_key=True, autoincrement=True),
              Column("call_sid", String(64), nullable=False, index=True),
              Column("turn", Integer, nullable=False),
              Column("heard", Text, nullable=False))
# As many questions as the benchmark's scripted caller answers (need, place, SMS, goodbye).
QUESTIONS = int(os.environ.get("YARDSTICK_QUESTIONS", "4"))


def create_app() -> Flask:
    """The yardstick app, on DATABASE_URL with the line's engine settings."""
    app = Flask(__name__)
    # The tables are made by the benchmark before the workers start (bench/turns.py).
    engine = make_engine(os.environ["DATABASE_URL"])
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"]

    def signed() -> None:
        query = request.query_string.decode("ascii", "replace")
        url = base + request.path + (f"?{query}" if query else "")
        if not validator.validate(url, request.form, request.headers.get(
                "X-Twilio-Signature", "")):
            abort(403)

    def ask(number: int) -> Response:
        answer = VoiceResponse()
        if number > QUESTIONS:
            answer.say("再见", language="cmn-CN")
            answer.hangup()
        else:
            gather = answer.gather(action=f"/voice/turn?t={number}", input="dtmf speech",
                                   language="cmn-CN", timeout=5, speech_timeout="auto")
            gather.say(f"请回答第{number}个问题", language="cmn-CN")
            answer.redirect(f"/voice/turn?t={number}")
        return Response(str(answer), mimetype="application/xml")

    @app.post("/voice")
    def incoming() -> Response:
        signed()
        form = request.form
        with engine.begin() as conn:
            conn.execute(insert(calls).values(call_sid=form["CallSid"],
                                              from_number=form.get("From", ""),
                                              status=form.get("CallStatus", "ringing"), turns=0))
            conn.execute(insert(turns).values(call_sid=form["CallSid"], turn=0, heard=""))
        return ask(1)

    @app.post("/voice/turn")
    def turn() -> Response:
        signed()
        form = request.form
        number = int(request.args.get("t", "0"))
        with engine.begin() as conn:
            conn.execute(insert(turns).values(
                call_sid=form["CallSid"], turn=number,
                heard=form.get("SpeechResult") or form.get("Digits") or ""))
            conn.execute(update(calls).where(calls.c.call_sid == form["CallSid"])
                         .values(turns=number, updated_at=func.now()))
        return ask(number + 1)

    @app.post("/voice/status")
    def status() -> Response:
        signed()
        with engine.begin() as conn:
            conn.execute(update(calls).where(calls.c.call_sid == request.form["CallSid"])
                         .values(status=request.form.get("CallStatus", ""),
                                 updated_at=func.now()))
        return Response(str(VoiceResponse()), mimetype="application/xml")

    @app.get("/healthz")
    def health() -> str:
        return "ok"

    return app
