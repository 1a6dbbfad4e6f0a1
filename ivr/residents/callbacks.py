"""Callback tasks (回拨): a resident to be called back, because they asked, because their call
was missed, or because a text conversation needs a person. Every room books them here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.core.models import CallbackTask
from ivr.core.statuses import CallbackStatus


def book(session: Session, *, phone: str, reason: str, call_sid: str = "",
         category: str | None = None, emergency: bool = False) -> CallbackTask:
    """Add one callback task to the session; an emergency is filed under category 'emergency'."""
    task = CallbackTask(phone=phone, call_sid=call_sid, reason=reason,
                        category="emergency" if emergency else category)
    session.add(task)
    return task


def open_for_call(session: Session, call_sid: str) -> CallbackTask | None:
    """The call's callback task still to be made, if any."""
    return session.scalars(select(CallbackTask).where(
        CallbackTask.call_sid == call_sid, CallbackTask.status == CallbackStatus.OPEN)).first()


def booked_for_call(session: Session, call_sid: str, reason: str) -> CallbackTask | None:
    """A task for this call and reason, whatever became of it."""
    return session.scalars(select(CallbackTask).where(
        CallbackTask.call_sid == call_sid, CallbackTask.reason == reason)).first()
