"""Record calls idempotently: one row per CallSid, a status that only moves forward."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_, update
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.models import STATUS_RANK, Call, CallStatusEvent
from ivr.upsert import insert_ignore


def seen(session: Session, call_sid: str, *, from_number: str, to_number: str,
         timezone: str, now: datetime | None = None) -> None:
    """Make sure the call has its row, and fill in its numbers if they were unknown."""
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone))
    inserted = insert_ignore(
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
    if inserted or not (from_number or to_number):
        return
    # A status callback can come before the call's first webhook: fill in what it lacked.
    session.execute(
        update(Call)
        .where(Call.call_sid == call_sid, or_(Call.from_number == "", Call.to_number == ""))
        .values(from_number=_unless_known(Call.from_number, from_number),
                to_number=_unless_known(Call.to_number, to_number))
    )


def _unless_known(column: Any, value: str) -> Any:
    """The column's value if it has one, else `value`."""
    return case((column == "", value), else_=column) if value else column


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
    # Conditional values: whatever order callbacks arrive in, the final row is the same.
    forward = Call.status_rank < rank
    values: dict[str, Any] = {
        "status": case((forward, status), else_=Call.status),
        "status_rank": case((forward, rank), else_=Call.status_rank),
        "updated_at": utcnow(),
    }
    longer = None
    if duration_s is not None:
        longer = or_(Call.duration_s.is_(None), Call.duration_s < duration_s)
        values["duration_s"] = case((longer, duration_s), else_=Call.duration_s)
    session.execute(update(Call).where(Call.call_sid == call_sid,
                                       forward if longer is None else or_(forward, longer))
                    .values(values))
