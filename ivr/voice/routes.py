"""Twilio voice webhooks: route functions only translate form -> dialog step -> TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from dialogs import line
from dialogs.outputs import Output, Target
from ivr import db
from ivr.twilio_auth import twilio_only
from ivr.voice import calls
from ivr.voice.forms import caller_event, field, int_arg, int_field
from ivr.voice.render import apology_response, render

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")


def twiml(response: VoiceResponse) -> Response:
    """Serve a TwiML document."""
    return Response(str(response), status=200, mimetype="application/xml")


def speak(outputs: list[Output]) -> Response:
    """Render a dialog step's outputs as this line's TwiML."""
    return twiml(render(outputs, current_app.config, menu_path=url_for("voice.menu"),
                        dial_done_path=url_for("voice.dial_done")))


@bp.post("")
@twilio_only
def incoming() -> Response:
    """A call comes in: record it, greet the caller and open the main menu."""
    call_sid = field("CallSid")
    if call_sid:
        session = db.session()
        calls.seen(session, call_sid, from_number=field("From", 32), to_number=field("To", 32),
                   timezone=current_app.config["TIMEZONE"])
        calls.advance(session, call_sid, field("CallStatus", 16) or "ringing",
                      duration_s=None, sequence_number=None)
        session.commit()
    return speak(line.start())


@bp.post("/menu")
@twilio_only
def menu() -> Response:
    """The caller answered (or stayed silent at) the main menu."""
    state = {"ni": int_arg("ni"), "nm": int_arg("nm")}
    return speak(line.step(state, caller_event()))


@bp.post("/dial-done")
@twilio_only
def dial_done() -> Response:
    """A <Dial> ended: finish, or try once more, then apologise."""
    target: Target = "emergency" if request.args.get("target") == "emergency" else "duty"
    return speak(line.after_dial(target, int_arg("try", 1, 9), field("DialCallStatus", 16)))


@bp.post("/status")
@twilio_only
def status() -> Response:
    """Twilio's status callback: store it once; the status only moves forward."""
    call_sid = field("CallSid")
    if call_sid:
        session = db.session()
        calls.seen(session, call_sid, from_number=field("From", 32), to_number=field("To", 32),
                   timezone=current_app.config["TIMEZONE"])
        calls.advance(session, call_sid, field("CallStatus", 16),
                      duration_s=int_field("CallDuration"),
                      sequence_number=int_field("SequenceNumber"))
        session.commit()
    return twiml(VoiceResponse())


@bp.post("/fallback")
@twilio_only
def fallback() -> Response:
    """Twilio's Fallback URL: needs nothing but configuration."""
    return twiml(apology_response(current_app.config, url_for("voice.dial_done")))


@bp.errorhandler(Exception)
def on_error(error: Exception) -> Response | HTTPException:
    """Never a 500 to Twilio: apologise and put the caller through to the duty operator."""
    if isinstance(error, HTTPException) and error.code == 403:
        return error
    log.exception("voice webhook failed: %s", type(error).__name__)
    if request.endpoint == "voice.dial_done":
        # The dial's own report failed: dialling again from here could loop forever.
        return speak(line.after_dial("duty", line.DIAL_ATTEMPTS, "failed"))
    return twiml(apology_response(current_app.config, url_for("voice.dial_done")))
