"""Twilio voice webhooks: route functions only translate form -> dialog turn -> TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, has_request_context, request, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from dialogs.dialing import DIAL_ATTEMPTS, URGENT_QUEUE, after_dial, unanswered_emergency
from dialogs.outputs import Connect, Hangup, Output, Say, Target
from ivr.conversations import handoff, turns
from ivr.core import db, logs
from ivr.core.models import Conversation
from ivr.providers.voice import voice_provider
from ivr.residents import records
from ivr.voice import calls, spool
from ivr.voice.render import VoiceRenderer, apology_response
from ivr.webhooks.forms import (
    caller_event,
    dial_status,
    field,
    int_arg,
    int_field,
    number_field,
    sequence_number,
)
from ivr.webhooks.signature import twilio_only

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
CHANNEL = "voice"
# Twilio's final call statuses: the call is over.
ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def twiml(response: VoiceResponse) -> Response:
    """Serve a TwiML document."""
    return Response(str(response), status=200, mimetype="application/xml")


def renderer_for(language: str = "zh-CN", slow: bool = False,
                 handoff_mode: str = "duty", turn_path: str | None = None) -> VoiceRenderer:
    """The renderer of this line's TwiML for the configured voice provider; `turn_path` for
    a conversation whose turns come back elsewhere (a care call's)."""
    paths = _paths()
    return VoiceRenderer(
        current_app.config, turn_path=turn_path or paths["turn"],
        dial_done_path=paths["dial_done"], language=language, slow=slow,
        handoff=handoff_mode,
        queue_paths={"wait": paths["queue_wait"], "done": paths["queue_done"],
                     "options": paths["queue_options"], "hold": paths["queue_hold"]},
        capabilities=voice_provider(current_app.config).capabilities)


_PATHS = "ivr.voice.paths"


def _paths() -> dict[str, str]:
    """The voice routes' paths, built once per script root (six url_for calls a webhook
    before); outside a request url_for builds them afresh (external, from SERVER_NAME)."""
    names = ("turn", "dial_done", "queue_wait", "queue_done", "queue_options", "queue_hold")
    if not has_request_context():
        return {name: url_for(f"voice.{name}") for name in names}
    known: dict[str, dict[str, str]] = current_app.extensions.setdefault(_PATHS, {})
    paths = known.get(request.script_root)
    if paths is None:
        paths = known[request.script_root] = {name: url_for(f"voice.{name}") for name in names}
    return paths


def speak(outputs: list[Output], language: str | None = None, slow: bool | None = None,
          handoff_mode: str = "duty") -> Response:
    """Render a dialog turn's outputs as this line's TwiML; without a language, in the one
    this call's conversation speaks (after a dial or in the queue, an English caller is
    still answered in English, an elderly one still slowly)."""
    if language is None or slow is None:  # a turn knows both: no query on its hot path
        known_language, known_slow = call_profile()
        language = language or known_language
        slow = known_slow if slow is None else slow
    return twiml(renderer_for(language, slow, handoff_mode).render(outputs))


_PROFILE = select(Conversation.state).where(
    Conversation.channel.in_(("voice", "care")),
    Conversation.key == bindparam("key")).limit(1)


_PROFILE_KEY = "ivr.call_profile"


def call_profile() -> tuple[str, bool]:
    """The language and slowness of this call's conversation (once per request)."""
    if not has_request_context():
        return "zh-CN", False
    # Kept in the request's environ, not flask.g: the terminal phone runs a whole call in one
    # application context, where g would outlive the request.
    cached = request.environ.get(_PROFILE_KEY)
    if cached is None:
        state = None
        sid = field("CallSid")
        if sid:
            try:
                state = db.session().scalar(_PROFILE, {"key": sid})
            except SQLAlchemyError:  # the database down: Mandarin, as the apology is
                log.warning("call profile not read")
        state = state if isinstance(state, dict) else {}
        cached = request.environ[_PROFILE_KEY] = (str(state.get("language") or "zh-CN"),
                                                  bool(state.get("elderly")))
    profile: tuple[str, bool] = cached
    return profile


def _hand_off(outputs: list[Output]) -> str:
    """How this call reaches a person if the turn asked for one (see handoff.for_turn)."""
    return handoff.for_turn(db.session(), current_app.config, outputs,
                            field("CallSid") or "anonymous", number_field())


def _record_call(status: str) -> str:
    """Make sure the call has its row; return its CallSid ('' when Twilio sent none)."""
    call_sid = field("CallSid")
    if call_sid:
        session = db.session()
        calls.record(session, call_sid, status, from_number=number_field(),
                     to_number=field("To", 32), timezone=current_app.config["TIMEZONE"],
                     duration_s=int_field("CallDuration"),
                     sequence_number=sequence_number())
    return call_sid


@bp.post("")
@twilio_only
def incoming() -> Response:
    """A call comes in: record it, look the caller up, greet them and open the main menu."""
    call_sid = _record_call(field("CallStatus", 16) or "ringing")
    session = db.session()
    turn = turns.begin(session, current_app.config, CHANNEL,
                       call_sid or "anonymous", number_field())
    mode = _hand_off(turn.outputs)
    session.commit()
    logs.event(log, "call.started", call_sid=call_sid, caller=number_field(),
               known=turn.state.caller.known, handoff=mode)
    return speak(turn.outputs, turn.language, turn.state.elderly, mode)


@bp.post("/turn")
@twilio_only
def turn() -> Response:
    """The caller answered (or stayed silent at) whatever the line last asked."""
    number = request.args.get("t", "")
    return answer_turn(int(number) if number.isdigit() and len(number) < 6 else None)


def answer_turn(number: int | None) -> Response:
    """Take the caller's keys or words as turn `number` of the conversation (None: whatever
    turn it is) and speak the answer: /voice/turn, and words heard outside the dialog's own
    questions (救命 at the after-hours choices)."""
    session = db.session()
    result = turns.take_turn(
        session, current_app.config, CHANNEL, field("CallSid") or "anonymous",
        number_field(), number, caller_event(), reader=db.turn_reader())
    mode = _hand_off(result.outputs)
    session.commit()
    return speak(result.outputs, result.language, result.state.elderly, mode)


@bp.post("/dial-done")
@twilio_only
def dial_done() -> Response:
    """A <Dial> ended: finish, try again or hand over to a person; an emergency nobody
    answered goes on to the duty officer, then first into the operators' queue."""
    target, urgent = _dialled()
    outcome = dial_status()
    session = db.session()
    if target != "provider" and field("CallSid"):
        handoff.direct_dial_ended(session, field("CallSid"), outcome,
                                  int_field("DialCallDuration") or 0)
    outputs = after_dial(target, int_arg("try", 1, 9), outcome, urgent)
    if outcome != "completed" and any(isinstance(o, Hangup) for o in outputs):
        caller = number_field()
        if records.usable_phone(caller):
            handoff.nobody_answered(session, field("CallSid"), caller)
        else:  # no number to call back: do not promise it
            outputs = [Say("dial.gave_up_no_number"), Hangup()]
    mode = "duty"
    if any(isinstance(o, Connect) and o.reason == URGENT_QUEUE for o in outputs):
        handoff.enqueue(session, current_app.config, field("CallSid") or "anonymous",
                        number_field(), "emergency")
        mode = "queue"
    session.commit()
    return speak(outputs, handoff_mode=mode)


def _dialled() -> tuple[Target, bool]:
    """Whom the ended <Dial> called, and whether it carried an unanswered emergency."""
    targets: dict[str, Target] = {"emergency": "emergency", "crisis": "crisis",
                                  "provider": "provider"}
    return targets.get(request.args.get("target", ""), "duty"), \
        request.args.get("urgent") == "1"


@bp.post("/status")
@twilio_only
def status() -> Response:
    """Twilio's status callback: store it once; the status only moves forward. A caller who
    hung up while waiting in a hold loop (no queue verbs, so no queue action) is missed."""
    call_sid = _record_call(field("CallStatus", 16))
    ended = bool(call_sid) and field("CallStatus", 16) in ENDED
    outcome = None
    if ended:
        handoff.call_ended(db.session(), call_sid, number_field())
        # Read inside this transaction: after the commit it opened a second one, which on
        # SQLite waited for the writer's turn again only to log a line.
        outcome = db.session().scalar(_OUTCOME, {"sid": call_sid})
    db.session().commit()
    if ended:
        logs.event(log, "call.ended", call_sid=call_sid, status=field("CallStatus", 16),
                   duration_s=int_field("CallDuration"), outcome=outcome)
    return twiml(VoiceResponse())


_OUTCOME = select(Conversation.outcome).where(Conversation.channel == CHANNEL,
                                              Conversation.key == bindparam("sid"))


@bp.post("/fallback")
@twilio_only
def fallback() -> Response:
    """Twilio's Fallback URL: needs nothing but configuration."""
    return twiml(apology_response(current_app.config, url_for("voice.dial_done"),
                                  voice_provider(current_app.config).capabilities))


@bp.errorhandler(Exception)
def on_error(error: Exception) -> Response | HTTPException:
    """Never a 500 to Twilio: apologise and put the caller through to the duty operator."""
    if isinstance(error, HTTPException) and error.code == 403:
        return error
    log.exception("voice webhook failed: %s", type(error).__name__)
    spooled = {"voice.incoming": "voice", "voice.turn": "turn", "voice.status": "status"}
    if isinstance(error, SQLAlchemyError) and request.endpoint in spooled:
        # Keep what could not be written; the worker writes it when the database is back.
        try:
            spool.record(current_app.config, spooled[request.endpoint],
                         request.form.to_dict(flat=True))
        except OSError:
            log.exception("the outage spool could not be written either")
    if request.endpoint == "voice.dial_done":
        target, urgent = _dialled()
        if urgent or target in ("emergency", "crisis"):
            # An emergency is never hung up on: the duty officer again, needing no database.
            return speak(unanswered_emergency(target if target != "duty" else "emergency"))
        # The dial's own report failed: dialling again from here could loop forever.
        return speak(after_dial("duty", DIAL_ATTEMPTS, "failed"))
    return twiml(apology_response(current_app.config, url_for("voice.dial_done"),
                                  voice_provider(current_app.config).capabilities))
