"""Callback tasks (回拨): a resident to be called back, because they asked, because their call
was missed, because a text conversation needs a person, or because of an emergency. Every room
books them here."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from directory.emergency import KINDS
from directory.orm import utcnow
from ivr.core.models import CallbackTask
from ivr.core.statuses import CallbackStatus

# Emergency words from one caller within this long are one emergency (a burst of texts, a
# call then a text), so operators get one task, not many.
SAME_EMERGENCY = timedelta(minutes=30)
SAID_LIMIT = 500


def book(session: Session, *, phone: str, reason: str, call_sid: str = "",
         category: str | None = None, emergency: bool = False) -> CallbackTask:
    """Add one callback task to the session; an emergency is filed under category 'emergency'
    and joins the caller's open emergency task if there is one."""
    if emergency:
        found = open_emergency(session, phone, call_sid)
        if found is not None:
            return found
    task = CallbackTask(phone=phone, call_sid=call_sid, reason=reason,
                        category="emergency" if emergency else category)
    session.add(task)
    return task


def emergency(session: Session, *, phone: str, key: str, kind: str, said: str,
              division: str | None, minutes: int, reason: str = "emergency") -> CallbackTask:
    """The caller's emergency task, due in `minutes`: made once, then kept up to date with
    what else they say (the first deadline stands)."""
    kind = kind if kind in KINDS else "other"
    said = " ".join(said.split())
    task = open_emergency(session, phone, key)
    if task is None:
        task = CallbackTask(phone=phone, call_sid=key, reason=reason, category="emergency",
                            status=CallbackStatus.OPEN, created_at=utcnow(),
                            due_at=utcnow() + timedelta(minutes=minutes), kind=kind,
                            said=said[:SAID_LIMIT], division_code=division or None)
        session.add(task)
        session.flush()
        return task
    if task.due_at is None:  # a missed emergency call booked before any words were heard
        task.due_at = utcnow() + timedelta(minutes=minutes)
    if task.kind in (None, "other") or kind == "suicide":
        task.kind = kind
    if reason == "crisis":
        task.reason = reason
    if said and said not in task.said:
        task.said = (f"{task.said} / {said}" if task.said else said)[:SAID_LIMIT]
    task.division_code = task.division_code or division or None
    return task


def open_emergency(session: Session, phone: str, key: str) -> CallbackTask | None:
    """The open emergency task of this conversation, or of this caller's last half hour."""
    same = [CallbackTask.call_sid == key] if key not in ("", "anonymous") else []
    if phone:
        same.append((CallbackTask.phone == phone)
                    & (CallbackTask.created_at >= utcnow() - SAME_EMERGENCY))
    if not same:
        return None
    return session.scalars(select(CallbackTask).where(
        CallbackTask.category == "emergency", CallbackTask.status == CallbackStatus.OPEN,
        or_(*same)).order_by(CallbackTask.id).with_for_update()).first()


def open_for_call(session: Session, call_sid: str) -> CallbackTask | None:
    """The call's callback task still to be made, if any."""
    return session.scalars(select(CallbackTask).where(
        CallbackTask.call_sid == call_sid, CallbackTask.status == CallbackStatus.OPEN)).first()


def booked_for_call(session: Session, call_sid: str, reason: str) -> CallbackTask | None:
    """A task for this call and reason, whatever became of it."""
    return session.scalars(select(CallbackTask).where(
        CallbackTask.call_sid == call_sid, CallbackTask.reason == reason)).first()
