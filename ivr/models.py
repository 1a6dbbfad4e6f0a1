"""Tables of the call center: calls and the status callbacks Twilio sent about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from directory.orm import Base, utcnow

# A call's status only moves forward along this order. Terminal states get distinct ranks so
# that, should two arrive, the same one wins whatever the order of arrival.
STATUS_RANK: dict[str, int] = {
    "queued": 1,
    "initiated": 2,
    "ringing": 3,
    "in-progress": 4,
    "canceled": 5,
    "no-answer": 6,
    "busy": 7,
    "failed": 8,
    "completed": 9,
}


class Call(Base):
    """One inbound call, one row per Twilio CallSid."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32), default="")
    to_number: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    status_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Local (TIMEZONE) buckets stored at write time so reports group the same on every database.
    local_date: Mapped[date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CallStatusEvent(Base):
    """One status callback as received; a repeated callback is stored once."""

    __tablename__ = "call_status_events"
    __table_args__ = (UniqueConstraint("call_sid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    sequence_number: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
