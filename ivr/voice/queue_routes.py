"""The queue for a person: place in line between short segments of waiting, the operator's
whisper and accept key, voice messages and call backs when nobody can answer.

The wait is a loop of short segments (at most HOLD_SEGMENT_S, 10 s) whatever the provider, so
a free operator is noticed within one segment: in Twilio's <Enqueue> the wait URL's TwiML ends
and is asked for again; without queue verbs (Somleng) the call itself <Redirect>s to
/voice/queue/hold, which dials the operator when one is free.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from dialogs.dialing import unanswered_emergency
from dialogs.outputs import Say
from directory import emergency
from directory.models import Category
from ivr.conversations import handoff
from ivr.conversations.directory_view import DbDirectory
from ivr.core import db
from ivr.core.models import Conversation, QueueEntry, User
from ivr.core.statuses import Outcome, QueueStatus
from ivr.residents import callbacks
from ivr.voice.render import VoiceRenderer
from ivr.voice.routes import answer_turn, bp, call_profile, renderer_for, twiml
from ivr.webhooks.forms import (
    caller_event,
    dial_status,
    field,
    int_arg,
    int_field,
    number_field,
)
from ivr.webhooks.signature import twilio_only

QUEUE = "operators"
# The place in line is said on every third segment; the others only wait.
SAY_PLACE_EVERY = 3
WORDINGS = 3


def queue_prompt(place: int, minutes: int, rounds: int) -> Say:
    """The place in line and the expected wait, in other words each round, so that a caller
    hears that the line is moving, not a recording."""
    base = "queue.next" if place == 1 else "queue.position"
    wording = rounds % WORDINGS
    return Say(base if wording == 0 else f"{base}.{wording + 1}",
               {"ahead": place - 1, "position": place, "minutes": minutes})


def renderer() -> VoiceRenderer:
    """The renderer with this line's URLs, for the configured voice provider."""
    return renderer_for(*call_profile())


def _entry() -> QueueEntry | None:
    return db.session().scalars(select(QueueEntry).where(
        QueueEntry.call_sid == field("CallSid"))).first()


def enqueue_twiml(response: VoiceResponse) -> None:
    """Into the operators' queue: <Enqueue>, or the hold loop without queue verbs."""
    response.append(renderer().enqueue())


def options_twiml(response: VoiceResponse, prompt: str) -> None:
    """1 a voice message, 2 a call back, 0 a person (keep waiting, or the duty officer)."""
    renderer().options(response, prompt, url_for("voice.queue_options", after=prompt))


def _segment(session: Session, entry: QueueEntry, response: VoiceResponse, again: str,
             number: int) -> None:
    """One segment of the wait: the place in line on every third, then a short wait."""
    prompt = None
    if number % SAY_PLACE_EVERY == 0:
        place = handoff.position(session, entry)
        minutes = max(1, round(handoff.expected_wait_s(session, place) / 60))
        prompt = queue_prompt(place, minutes, number // SAY_PLACE_EVERY)
        if entry.priority == 0:
            # An emergency caller alone on the line may be the only one who can get help
            # sent: while waiting, someone beside them can dial 120 without ending this call.
            prompt = Say("queue.emergency", {"ahead": place - 1, "minutes": minutes})
    config = current_app.config
    renderer().hold_segment(response, prompt, again, int(config.get("HOLD_SEGMENT_S") or 8),
                            str(config.get("HOLD_MUSIC_URL") or ""))


@bp.post("/queue/wait")
@twilio_only
def queue_wait() -> Response:
    """Twilio's wait URL, one short segment at a time: leave the queue for a free operator or
    the options after the limit; else the place in line and a short wait."""
    session = db.session()
    entry = _entry()
    response = VoiceResponse()
    if entry is None:
        renderer().leave(response)
        return twiml(response)
    limit = int(current_app.config.get("QUEUE_WAIT_LIMIT_S", 120))
    operator = handoff.offer_next(session, entry)
    if operator is not None:
        renderer().leave(response)
    elif (int_field("QueueTime") or 0) >= limit:
        entry.status = QueueStatus.TIMED_OUT
        renderer().leave(response)
    else:
        number = int_arg("n", 0, 999)
        _segment(session, entry, response, url_for("voice.queue_wait", n=number + 1), number)
    session.commit()
    return twiml(response)


@bp.post("/queue/hold")
@twilio_only
def queue_hold() -> Response:
    """The hold loop where the provider has no queue verbs: dial a free operator, offer the
    options after the limit, else one more short segment and back here."""
    session = db.session()
    entry = _entry()
    response = VoiceResponse()
    if entry is None or entry.status not in handoff.WAITING:
        response.append(renderer().connect_duty())
        session.commit()
        return twiml(response)
    limit = int(current_app.config.get("QUEUE_WAIT_LIMIT_S", 120))
    operator = handoff.offer_next(session, entry)
    if operator is not None:
        response.append(_dial_operator(entry, operator))
    elif handoff.waited_s(entry) >= limit and entry.priority == 0:
        # As after <Enqueue>: an emergency is never offered a message or a call back, but the
        # duty officer again, then back to the head of the queue, until a person answers.
        entry.status = QueueStatus.TIMED_OUT
        response = renderer().render(unanswered_emergency(from_queue=True))
    elif handoff.waited_s(entry) >= limit:
        entry.status = QueueStatus.TIMED_OUT
        options_twiml(response, "queue.timeout")
    else:
        number = int_arg("n", 0, 999)
        _segment(session, entry, response, url_for("voice.queue_hold", n=number + 1), number)
    session.commit()
    return twiml(response)


def _dial_operator(entry: QueueEntry, operator: User | None) -> Any:
    """The dial to the operator who was offered this caller."""
    return renderer().dial_operator(
        operator.phone if operator and operator.phone else current_app.config["DUTY_NUMBER"],
        url_for("voice.queue_dialled"), url_for("voice.operator_whisper", entry=entry.id))


@bp.post("/queue/done")
@twilio_only
def queue_done() -> Response:
    """The caller left the queue: to an operator, to the options, or they hung up."""
    session = db.session()
    entry = _entry()
    result = field("QueueResult", 32)
    response = VoiceResponse()
    if result in ("hangup", "system-error", "error") or entry is None:
        handoff.abandoned(session, entry, field("CallSid"), number_field())
        if entry is None and result not in ("hangup",):
            response.append(renderer().connect_duty())
    elif entry.status == QueueStatus.OFFERED and entry.operator_id:
        response.append(_dial_operator(entry, session.get(User, entry.operator_id)))
    elif entry.status == QueueStatus.TIMED_OUT and entry.priority == 0:
        # An emergency is not offered a message or a call back: the duty officer again, then
        # back to the head of the queue, until a person answers.
        response = renderer().render(unanswered_emergency(from_queue=True))
    elif entry.status == QueueStatus.TIMED_OUT:
        options_twiml(response, "queue.timeout")
    else:
        enqueue_twiml(response)
    session.commit()
    return twiml(response)


@bp.post("/queue/dialled")
@twilio_only
def queue_dialled() -> Response:
    """The dial to the operator ended: talked (wrap-up starts), or back in the queue."""
    session = db.session()
    entry = _entry()
    response = VoiceResponse()
    status = dial_status()
    talked = int_field("DialCallDuration") or 0
    if entry is not None and status == "completed" and talked > 0 \
            and entry.status == QueueStatus.OFFERED \
            and not renderer().capabilities.whisper_url:
        # No whisper, so no accept key: the operator answering is the accept.
        handoff.connected(session, entry)
    if entry is not None and status == "completed" and entry.status == QueueStatus.CONNECTED:
        handoff.finished(session, entry, int_field("DialCallDuration") or 0)
        response.append(renderer().say(Say("goodbye")))
        response.hangup()
    elif entry is not None:
        handoff.not_answered(session, entry)
        enqueue_twiml(response)
    else:
        response.append(renderer().connect_duty())
    session.commit()
    return twiml(response)


@bp.post("/operator/whisper")
@twilio_only
def operator_whisper() -> Response:
    """Heard by the operator before the caller is connected: who, where, what; 1 to accept."""
    session = db.session()
    entry = session.get(QueueEntry, int(request.args.get("entry", "0") or 0)) \
        if request.args.get("entry", "").isdigit() else None
    response = VoiceResponse()
    gather = renderer().keys_gather(
        url_for("voice.operator_accept", entry=entry.id if entry else 0), 6)
    for prompt in whisper(entry):
        gather.append(renderer().say(prompt))
    response.append(gather)
    response.append(renderer().say(Say("whisper.missed")))
    response.hangup()
    return twiml(response)


def whisper(entry: QueueEntry | None) -> list[Say]:
    """The short whisper: village, what was asked, elderly or disabled, emergency."""
    prompts = [Say("whisper.intro")]
    session = db.session()
    conversation = entry.conversation if entry is not None else None
    known = handoff.facts(session, conversation)
    directory = DbDirectory(session, current_app.config)
    if known.place:
        prompts.append(Say("whisper.place", {"place": directory.place_name(known.place)}))
    if known.need and session.get(Category, known.need) is not None:
        prompts.append(Say("whisper.need", {"need": directory.need_name(known.need, "zh-CN")}))
    if known.elderly:
        prompts.append(Say("whisper.elderly"))
    if known.emergency:
        prompts.append(Say("whisper.emergency"))
    prompts.append(Say("whisper.accept"))
    return prompts


@bp.post("/operator/accept")
@twilio_only
def operator_accept() -> Response:
    """The operator's key: 1 connects the caller; anything else hangs up the operator's leg."""
    session = db.session()
    entry_id = request.args.get("entry", "")
    entry = session.get(QueueEntry, int(entry_id)) if entry_id.isdigit() else None
    response = VoiceResponse()
    if entry is not None and field("Digits", 4) == "1" and entry.status == QueueStatus.OFFERED:
        handoff.connected(session, entry)
    else:
        response.hangup()
    session.commit()
    return twiml(response)


@bp.post("/queue/options")
@twilio_only
def queue_options() -> Response:
    """1 a voice message, 2 a call back, 0 keep waiting (or the duty officer after hours)."""
    session = db.session()
    digits = field("Digits", 4)
    after = request.args.get("after", "queue.timeout")
    words = caller_event().speech
    if words.strip() and emergency.assess(words).decision != "none":
        # 救命 said at the after-hours choices: the dialog's emergency gate takes it, as at
        # any question (the emergency number at once, its task, never a hang-up).
        return answer_turn(None)
    response = VoiceResponse()
    if digits == "1":
        response.append(renderer().say(Say("message.prompt")))
        response.record(action=url_for("voice.queue_message"), method="POST", max_length=120,
                        finish_on_key="#", play_beep=True)
        response.append(renderer().say(Say("callback.booked")))
        _callback(session, "voicemail")
    elif digits == "2":
        _callback(session, "asked")
        response.append(renderer().say(Say("callback.booked")))
        response.hangup()
    elif after == "closed.intro" or not digits:
        # Nothing chosen, or a person wanted after hours: the duty officer answers, and the
        # caller who pressed 0 for an urgent matter hears that someone is being rung.
        if digits == "0":
            response.append(renderer().say(Say("connect.human")))
        response.append(renderer().connect_duty())
    else:
        entry = _entry()
        if entry is not None:
            entry.status = QueueStatus.WAITING
        enqueue_twiml(response)
    session.commit()
    return twiml(response)


@bp.post("/queue/message")
@twilio_only
def queue_message() -> Response:
    """A voice message was recorded: keep the link on the contact, call the caller back."""
    session = db.session()
    url = field("RecordingUrl", 256)
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel.in_(("voice", "care")), Conversation.key == field("CallSid"))).first()
    if conversation is not None and url:
        conversation.recording_url = url
        conversation.outcome = Outcome.VOICEMAIL
    _callback(session, "voicemail")
    response = VoiceResponse()
    response.append(renderer().say(Say("message.saved")))
    response.hangup()
    session.commit()
    return twiml(response)


def _callback(session: Session, reason: str) -> None:
    call_sid, phone = field("CallSid"), number_field()
    if phone and callbacks.open_for_call(session, call_sid) is None:
        entry = _entry()
        callbacks.book(session, phone=phone, call_sid=call_sid, reason=reason,
                       emergency=entry is not None and entry.priority == 0)
        if entry is not None and entry.status in (QueueStatus.WAITING, QueueStatus.OFFERED,
                                              QueueStatus.TIMED_OUT):
            entry.status = QueueStatus.CALLBACK if reason == "asked" else QueueStatus.VOICEMAIL
