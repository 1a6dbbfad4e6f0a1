"""The hand-off to a person: who is on duty, the queue in priority order, operators' states.

Callers wait in Twilio's <Enqueue>; the order they are taken in is kept here (emergencies,
then elderly and disabled callers, then everyone by waiting time). When an operator is free the
caller at the head leaves the queue and the line dials that operator with a whisper.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from dialogs.outputs import Connect, Output
from directory.hours import parse
from directory.orm import utcnow
from ivr.core import clock, logs, metrics, moves
from ivr.core.models import Conversation, QueueEntry, Resident, User
from ivr.core.statuses import OperatorStatus, QueueStatus
from ivr.residents import callbacks

log = logging.getLogger(__name__)

Decision = Literal["queue", "duty", "closed"]
WAITING = (QueueStatus.WAITING, QueueStatus.OFFERED)
DEFAULT_HANDLE_S = 180


def decide(session: Session, config: Any) -> Decision:
    """Queue for an operator, dial the duty number (nobody on duty), or closed (after hours)."""
    if not parse(config.get("OPERATOR_HOURS") or None).is_open(clock.local_now(config)):
        return "closed"
    on_duty = session.scalar(select(func.count()).select_from(User).where(
        User.role == "operator", User.active.is_(True), User.status != OperatorStatus.OFF)) or 0
    return "queue" if on_duty else "duty"


def for_turn(session: Session, config: Any, outputs: list[Output], call_sid: str,
             phone: str) -> Decision:
    """A turn that asks for a person: queue the call for an operator, or say whether the duty
    officer ("duty") or the after-hours options ("closed") take it. "duty" also when no person
    was asked for (the renderer then dials whatever the turn named)."""
    reason = next((o.reason for o in outputs if isinstance(o, Connect) and o.target == "duty"),
                  None)
    if reason is None:
        return "duty"
    mode = decide(session, config)
    if mode == "queue":
        enqueue(session, config, call_sid, phone, reason)
    return mode


def enqueue(session: Session, config: Any, call_sid: str, phone: str, reason: str) -> QueueEntry:
    """The caller's place in the queue (kept if they are queued again)."""
    entry = session.scalars(select(QueueEntry).where(QueueEntry.call_sid == call_sid)).first()
    if entry is not None:
        entry.status, entry.operator_id = QueueStatus.WAITING, None
        if reason == "emergency":
            entry.priority = 0  # an emergency waits ahead of everyone, whenever it came
        return entry
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel.in_(("voice", "care")), Conversation.key == call_sid)).first()
    now = utcnow()
    local = now.astimezone(ZoneInfo(config["TIMEZONE"]))
    entry = QueueEntry(call_sid=call_sid, phone=phone, reason=reason,
                       conversation_id=conversation.id if conversation else None,
                       priority=_priority(session, conversation, reason), enqueued_at=now,
                       local_date=local.date(), local_hour=local.hour)
    session.add(entry)
    if conversation is not None:
        conversation.handed_off = True
        conversation.handed_off_at = conversation.handed_off_at or now
    session.flush()
    logs.event(log, "handoff.queued", call_sid=call_sid, reason=reason,
               conversation=entry.conversation_id, priority=entry.priority)
    return entry


def _priority(session: Session, conversation: Conversation | None, reason: str) -> int:
    if reason == "emergency" or (conversation is not None and conversation.emergency):
        return 0
    resident = conversation.resident if conversation is not None else None
    if resident is not None and {"elderly", "disabled"} & set(resident.groups or []):
        return 1
    return 2


def waiting(session: Session) -> list[QueueEntry]:
    """Callers waiting, in the order operators take them."""
    return list(session.scalars(select(QueueEntry).where(QueueEntry.status.in_(WAITING))
                                .order_by(QueueEntry.priority, QueueEntry.enqueued_at)))


def position(session: Session, entry: QueueEntry) -> int:
    """1 for the next caller to be answered."""
    ahead = [e.id for e in waiting(session)]
    return ahead.index(entry.id) + 1 if entry.id in ahead else 1


def expected_wait_s(session: Session, place: int) -> int:
    """Place in line times the measured handle time, per operator on duty."""
    handled = session.scalar(select(func.avg(QueueEntry.talk_s)).where(
        QueueEntry.talk_s.is_not(None))) or DEFAULT_HANDLE_S
    operators = session.scalar(select(func.count()).select_from(User).where(
        User.role == "operator", User.status != OperatorStatus.OFF)) or 1
    return int(place * float(handled) / operators)


def offer_next(session: Session, entry: QueueEntry) -> User | None:
    """If `entry` is at the head and an operator is free (or took it), give it to them."""
    if entry.status == QueueStatus.OFFERED and entry.operator_id:
        return session.get(User, entry.operator_id)
    line = waiting(session)
    if not line or line[0].id != entry.id:
        return None
    operator = session.scalars(select(User).where(
        User.role == "operator", User.status == OperatorStatus.AVAILABLE, User.active.is_(True))
        .order_by(User.status_since).with_for_update()).first()
    if operator is None or not assign(session, entry, operator):
        return None
    return operator


def transition(session: Session, entry: QueueEntry, to: QueueStatus,
               came_from: tuple[QueueStatus, ...], **values: Any) -> bool:
    """Move a queue entry to `to` if it is in one of `came_from`: the one transition of a queue
    entry. Claimed with `UPDATE ... WHERE status = :seen`, so of two requests that saw the same
    state (two operators taking one caller, a retried webhook) only one moves it."""
    return moves.claim(session, entry, to, came_from, **values)


def assign(session: Session, entry: QueueEntry, operator: User) -> bool:
    """The operator gets this caller next; their phone will ring with a whisper. False when
    another operator took the caller first."""
    if not transition(session, entry, QueueStatus.OFFERED, (QueueStatus.WAITING,),
                      operator_id=operator.id):
        return False
    set_status(operator, OperatorStatus.OFFERED)
    return True


def set_status(operator: User, status: str) -> None:
    """Change an operator's state, remembering since when (wrap-up time is measured so)."""
    operator.status, operator.status_since = status, utcnow()


def connected(session: Session, entry: QueueEntry) -> None:
    """The operator pressed 1: the caller is answered."""
    now = utcnow()
    if not transition(session, entry, QueueStatus.CONNECTED, (QueueStatus.OFFERED,),
                      answered_at=now):
        return
    entry.wait_s = int((now - aware(entry.enqueued_at)).total_seconds())
    metrics.QUEUE_WAIT_SECONDS.labels(result="answered").observe(entry.wait_s)
    logs.event(log, "handoff.answered", call_sid=entry.call_sid, operator=entry.operator_id,
               wait_s=entry.wait_s)
    operator = session.get(User, entry.operator_id) if entry.operator_id else None
    if operator is not None:
        set_status(operator, OperatorStatus.BUSY)
    contact = entry.conversation
    if contact is not None:
        contact.answered, contact.wait_s = True, entry.wait_s
        contact.operator_id = entry.operator_id


def finished(session: Session, entry: QueueEntry, talk_s: int) -> None:
    """The conversation with the operator ended; wrap-up time starts now."""
    if not transition(session, entry, QueueStatus.DONE, (QueueStatus.CONNECTED,),
                      ended_at=utcnow(), talk_s=talk_s):
        return
    contact = entry.conversation
    if contact is not None:
        contact.talk_s = talk_s
    operator = session.get(User, entry.operator_id) if entry.operator_id else None
    if operator is not None:
        set_status(operator, OperatorStatus.WRAP_UP)


def not_answered(session: Session, entry: QueueEntry) -> None:
    """The operator did not accept: they are set away and the caller waits again."""
    operator = session.get(User, entry.operator_id) if entry.operator_id else None
    if not transition(session, entry, QueueStatus.WAITING,
                      (QueueStatus.OFFERED, QueueStatus.CONNECTED), operator_id=None):
        return
    if operator is not None:
        set_status(operator, OperatorStatus.OFF)


def abandoned(session: Session, entry: QueueEntry | None, call_sid: str, phone: str) -> None:
    """The caller hung up before a person answered: a callback task (漏接回拨)."""
    now = utcnow()
    offered_to = entry.operator_id if entry is not None else None
    if entry is not None and transition(session, entry, QueueStatus.ABANDONED, WAITING,
                                        ended_at=now):
        if offered_to:
            operator = session.get(User, offered_to)
            if operator is not None and operator.status == OperatorStatus.OFFERED:
                set_status(operator, OperatorStatus.AVAILABLE)
        entry.wait_s = int((now - aware(entry.enqueued_at)).total_seconds())
        metrics.QUEUE_WAIT_SECONDS.labels(result="abandoned").observe(entry.wait_s)
        logs.event(log, "handoff.abandoned", call_sid=call_sid, wait_s=entry.wait_s)
        contact = entry.conversation
        if contact is not None:
            contact.abandoned, contact.wait_s = True, entry.wait_s
    if phone and callbacks.booked_for_call(session, call_sid, "missed") is None:
        callbacks.book(session, phone=phone, call_sid=call_sid, reason="missed",
                       emergency=entry is not None and entry.priority == 0)


def nobody_answered(session: Session, call_sid: str, phone: str) -> None:
    """The duty officer did not answer either: the caller is told they will be called back,
    so a callback task (漏接回拨) must exist; the contact counts as abandoned by the line."""
    contact = session.scalars(select(Conversation).where(
        Conversation.channel == "voice", Conversation.key == call_sid)).first()
    if contact is not None and not contact.answered:
        contact.abandoned = True
    if phone and callbacks.booked_for_call(session, call_sid, "missed") is None:
        callbacks.book(session, phone=phone, call_sid=call_sid, reason="missed",
                       category=contact.category if contact is not None else None)


def call_ended(session: Session, call_sid: str, phone: str) -> None:
    """The call is over: a caller still waiting for a person hung up in the queue (a provider
    without queue verbs sends no queue action, only this final status), or one offered the
    options after the wait limit hung up without choosing: both are missed calls."""
    entry = session.scalars(_QUEUED, {"sid": call_sid}).first()
    if entry is not None and entry.status == QueueStatus.TIMED_OUT:
        entry.status = QueueStatus.WAITING
    if entry is not None and entry.status in WAITING:
        abandoned(session, entry, call_sid, phone)


# Every call's final status callback runs it (built once).
_QUEUED = select(QueueEntry).where(QueueEntry.call_sid == bindparam("sid"))


def waited_s(entry: QueueEntry) -> int:
    """How long the caller has been in the queue."""
    return int((utcnow() - aware(entry.enqueued_at)).total_seconds())


def release_stale_offers(session: Session) -> int:
    """Operators whose caller went away are free again; how many."""
    offered = select(QueueEntry.operator_id).where(QueueEntry.status == QueueStatus.OFFERED,
                                                   QueueEntry.operator_id.is_not(None))
    released = session.execute(update(User).where(
        User.status == OperatorStatus.OFFERED, ~User.id.in_(offered))
        .values(status=OperatorStatus.AVAILABLE, status_since=utcnow())
        .execution_options(synchronize_session=False))
    return int(released.rowcount)  # type: ignore[attr-defined]


def aware(value: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite gives them back naive)."""
    return clock.aware(value)


@dataclass
class ContactFacts:
    """What the line knows of a contact: who, where, what, and how urgent."""

    resident: Resident | None
    place: str | None
    need: str | None
    elderly: bool
    emergency: bool


def facts(session: Session, conversation: Conversation | None) -> ContactFacts:
    """Place and need as the dialog heard them (confirmed or not), else from the file."""
    if conversation is None:
        return ContactFacts(None, None, None, False, False)
    resident = conversation.resident
    slots = (conversation.state or {}).get("slots", {})
    place = conversation.division_code or slots.get("place") or slots.get("pending_place") \
        or (resident.division_code if resident else None)
    need = conversation.category or slots.get("need") or slots.get("pending_need")
    elderly = bool(resident and {"elderly", "disabled"} & set(resident.groups or []))
    return ContactFacts(resident, place, need, elderly, conversation.emergency)


def direct_dial_ended(session: Session, call_sid: str, dial_status: str, talk_s: int) -> None:
    """A dial straight to the duty officer or the emergency number: answered, or abandoned."""
    contact = session.scalars(select(Conversation).where(
        Conversation.channel.in_(("voice", "care")), Conversation.key == call_sid)).first()
    if contact is None or contact.answered:
        return
    waited = int((utcnow() - aware(contact.handed_off_at or utcnow())).total_seconds())
    if dial_status == "completed":
        contact.answered, contact.talk_s = True, talk_s
        contact.wait_s = max(0, waited - talk_s)
    elif dial_status == "canceled":  # the caller hung up while it rang
        contact.abandoned, contact.wait_s = True, waited


def wrap_up(session: Session, entry: QueueEntry, wrap_s: int) -> bool:
    """Claim the entry's one wrap-up (its form posted twice writes once): False when it was
    already wrapped up."""
    claimed = session.execute(
        update(QueueEntry).where(QueueEntry.id == entry.id, QueueEntry.wrap_up_s.is_(None))
        .values(wrap_up_s=wrap_s).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    entry.wrap_up_s = wrap_s
    return True
