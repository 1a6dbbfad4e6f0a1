"""Record calls idempotently: one row per CallSid, a status that only moves forward."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.models import STATUS_RANK, Call, CallStatusEvent
from ivr.upsert import insert_ignore


def seen(session: Session, call_sid: str, *, from_number: str, to_number: str,
         timezone: str, now: datetime | None = None) -> None:
    """Make sure the call has its row, and fill in its numbers if they were unknown."""
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone))
    insert_ignore(
        session,
        Call,
        {
            "call_sid": call_sid,
            "from_number": from_number,
            "to_number": to_number,
            "status": "",
            "status_rank": 0,
            "started_at": now,
            "local_date": local.date(),
            "local_hour": local.hour,
            "updated_at": now,
        },
        ["call_sid"],
    )
    for column, value in (("from_number", from_number), ("to_number", to_number)):
        if value:
            session.execute(
                update(Call)
                .where(Call.call_sid == call_sid, getattr(Call, column) == "")
                .values({column: value})
            )


def advance(session: Session, call_sid: str, status: str, *, duration_s: int | None,
            sequence_number: int | None) -> None:
    """Store a status callback once and move the call's status forward, never back."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return
    insert_ignore(
        session,
        CallStatusEvent,
        {"call_sid": call_sid, "status": status, "sequence_number": sequence_number,
         "duration_s": duration_s, "received_at": utcnow()},
        ["call_sid", "status"],
    )
    # Conditional updates: whatever order callbacks arrive in, the final row is the same.
    session.execute(
        update(Call)
        .where(Call.call_sid == call_sid, Call.status_rank < rank)
        .values(status=status, status_rank=rank, updated_at=utcnow())
    )
    if duration_s is not None:
        session.execute(
            update(Call)
            .where(Call.call_sid == call_sid,
                   or_(Call.duration_s.is_(None), Call.duration_s < duration_s))
            .values(duration_s=duration_s)
        )
