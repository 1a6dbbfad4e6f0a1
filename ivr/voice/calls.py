"""Record calls idempotently: one row per CallSid, a status that only moves forward."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core.models import STATUS_RANK, Call, CallStatusEvent
from ivr.core.upsert import insert_ignore


def record(session: Session, call_sid: str, status: str = "", *, from_number: str = "",
           to_number: str = "", timezone: str, duration_s: int | None = None,
           sequence_number: int | None = None, now: datetime | None = None) -> None:
    """Make sure the call has its row, fill in numbers it lacked, move its status forward
    (never back) and keep the longest duration: one statement, whatever order webhooks and
    status callbacks arrive in. A known status is also kept once as an event."""
    now = now or utcnow()
    rank = STATUS_RANK.get(status)
    if rank is not None:
        insert_ignore(
            session, CallStatusEvent,
            {"call_sid": call_sid, "status": status, "sequence_number": sequence_number,
             "duration_s": duration_s, "received_at": now},
            ["call_sid", "status"])
    local = now.astimezone(ZoneInfo(timezone))
    session.connection().execute(_upsert(session.get_bind().dialect.name), {
        "call_sid": call_sid, "from_number": from_number, "to_number": to_number,
        "status": status if rank is not None else "", "status_rank": rank or 0,
        "duration_s": duration_s, "started_at": now, "local_date": local.date(),
        "local_hour": local.hour, "updated_at": now})


@cache
def _upsert(dialect: str) -> Any:
    """The call row's upsert, built once with bind parameters."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Call).values(
        {c: bindparam(c) for c in ("call_sid", "from_number", "to_number", "status",
                                   "status_rank", "duration_s", "started_at", "local_date",
                                   "local_hour", "updated_at")})
    new = insert.excluded
    forward = Call.status_rank < new.status_rank
    longer = new.duration_s.is_not(None) & or_(Call.duration_s.is_(None),
                                                 Call.duration_s < new.duration_s)
    return insert.on_conflict_do_update(index_elements=["call_sid"], set_={
        "from_number": _unless_known(Call.from_number, new.from_number),
        "to_number": _unless_known(Call.to_number, new.to_number),
        "status": case((forward, new.status), else_=Call.status),
        "status_rank": case((forward, new.status_rank), else_=Call.status_rank),
        "duration_s": case((longer, new.duration_s), else_=Call.duration_s),
        "updated_at": new.updated_at,
    })


def _unless_known(column: Any, value: Any) -> Any:
    """The column's value if it has one, else the new one."""
    return case((column == "", value), else_=column)
