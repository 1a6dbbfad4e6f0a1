"""The dialog in text (SMS and web chat): one conversation per resident, ended by 30 minutes
of silence; hand-offs alert the operators, who answer from the console."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialogs.loader import load
from dialogs.outputs import Connect, Event, Target
from dialogs.render_text import render
from directory.emergency import assess
from directory.orm import utcnow
from directory.phones import local_display
from ivr.conversations import turns
from ivr.core import clock
from ivr.core.models import Conversation, TextMessage
from ivr.residents import callbacks, outbox

TIMEOUT = timedelta(minutes=30)


def latest(session: Session, channel: str, *, phone: str = "", key_prefix: str = "") \
        -> Conversation | None:
    """The resident's most recent conversation on a channel (by number, or by chat id)."""
    query = select(Conversation).where(Conversation.channel == channel)
    query = query.where(Conversation.phone == phone) if phone else query.where(
        Conversation.key.like(f"{key_prefix}@%"))
    return session.scalars(query.order_by(Conversation.id.desc())).first()


def is_fresh(row: Conversation | None) -> bool:
    """A new conversation starts after 30 minutes of silence, or after the last one ended."""
    if row is None or (bool((row.state or {}).get("ended")) and not row.handed_off):
        return True
    # Both aware: PostgreSQL answers in its session's TimeZone, SQLite in naive UTC.
    return clock.aware(row.updated_at) < clock.now() - TIMEOUT


def event_of(body: str) -> Event:
    """A lone digit is a key; four keys or more are an entry (the caller check); anything
    else is words."""
    text = body.strip()
    if text and all(c in "0123456789*#" for c in text):
        keys = text.rstrip("#")
        return Event(digits=keys[:8] if len(keys) >= 4 else text[:1])
    return Event(speech=text)


def kept(body: str) -> str:
    """What the transcript keeps of a message: an entry of keys (a PIN, an ID ending) never."""
    return "[按键已隐藏 keys hidden]" if len(event_of(body).digits) >= 4 else body


def turn(session: Session, config: Any, channel: str, owner: str, phone: str,
         body: str) -> tuple[Conversation, list[str]]:
    """Run the resident's message through the dialog; return the conversation and the reply."""
    row = latest(session, channel, phone=phone) if phone else latest(
        session, channel, key_prefix=owner)
    if row is not None and row.handed_off and not is_fresh(row):
        # An operator has the conversation: the message waits for them, the line stays quiet,
        # unless it tells of an emergency.
        log(session, row, "in", "resident", kept(body))
        row.updated_at = utcnow()
        return row, _alarm_after_handoff(session, config, row, body)
    if is_fresh(row):
        key = f"{owner}@{utcnow().strftime('%Y%m%d%H%M%S%f')}"
        result = turns.begin(session, config, channel, key, phone)
        if body.strip():
            trial = turns.preview(session, config, channel, key, event_of(body))
            # "你好" gets the greeting and the menu; "我想找人帮忙做饭" is answered at once.
            if not (trial.nomatch or trial.noinput):
                result = turns.take_turn(session, config, channel, key, phone, None,
                                         event_of(body))
    else:
        assert row is not None
        key = row.key
        result = turns.take_turn(session, config, channel, key, phone, None,
                                 event_of(body))
    current = session.scalars(select(Conversation).where(
        Conversation.channel == channel, Conversation.key == key)).one()
    for output in result.outputs:
        # Emergencies and crises have their task from the turn's emergency effect already.
        if isinstance(output, Connect) and output.target in ("duty",):
            callbacks.book(session, phone=phone, call_sid=key, reason=f"text_{output.reason}")
    lines = render(result.outputs, result.language, emergency_number(config),
                   crisis_number(config))
    log(session, current, "in", "resident", kept(body))
    log(session, current, "out", "line", "\n".join(lines))
    return current, lines


def emergency_number(config: Any) -> str:
    """The emergency number as a person in Hefei dials it (0551-6300 0120, not +86...)."""
    return local_display(str(config.get("EMERGENCY_NUMBER") or "")) or "120"


def crisis_number(config: Any) -> str:
    """The number to call for a person in a crisis (CRISIS_NUMBER, else the duty officer)."""
    number = config.get("CRISIS_NUMBER") or config.get("DUTY_NUMBER") or ""
    return local_display(str(number))


def alarm_first(session: Session, channel: str, phone: str, body: str) -> bool:
    """True when this text must reach the dialog before anything else reads it: it tells of
    an emergency, or it answers the dialog's emergency check."""
    if body.strip() and assess(body).decision != "none":
        return True
    row = latest(session, channel, phone=phone) if phone else None
    return row is not None and not is_fresh(row) and not row.handed_off \
        and (row.state or {}).get("node") == load().emergency_check


def _alarm_after_handoff(session: Session, config: Any, row: Conversation,
                         body: str) -> list[str]:
    """An emergency told to a conversation an operator already has: the numbers to call at
    once, and the operators' emergency task (one per emergency, however many texts)."""
    alarm = assess(body)
    if alarm.decision == "none":
        return []
    # Nobody can be asked to confirm here: an operator is the check, so uncertain counts too.
    row.emergency = True
    turns.emergency_task(session, row, alarm.kind or "other", body, config)
    target: Target = "crisis" if alarm.kind == "suicide" else "emergency"
    language = str((row.state or {}).get("language") or "zh-CN")
    lines = render([Connect(target, "after_handoff")], language, emergency_number(config),
                   crisis_number(config))
    log(session, row, "out", "line", "\n".join(lines))
    return lines


def log(session: Session, row: Conversation, direction: str, author: str, body: str) -> None:
    """Keep the message with its conversation (the transcript operators read)."""
    if body.strip():
        session.add(TextMessage(conversation_id=row.id, direction=direction, author=author,
                                body=body[:2000]))


def operator_reply(session: Session, row: Conversation, operator_id: int, body: str) -> None:
    """An operator answers a text conversation: kept for the chat page, sent by SMS."""
    log(session, row, "out", f"operator:{operator_id}", body)
    row.answered = True
    row.operator_id = operator_id
    row.updated_at = utcnow()
    if row.channel == "sms" and row.phone:
        outbox.enqueue(session, row.phone, body, "operator_reply")
