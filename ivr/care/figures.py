"""The care calls' figures (REPORTS.md, `report care`) and the evidence of a village's or a
township's care (residents under care, care contacts in the period). Plain rows; the reports
room lays them out. Every count is read with plain SELECTs and grouped here, the same on
SQLite and PostgreSQL; rows name places and periods, never a person."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.core.models import CareAlert, CareCall, CarePlan, Conversation, Resident
from ivr.core.statuses import CareAlertStatus, CareCallStatus

FIGURES = ("residents_under_care", "care_due", "care_calls_made", "care_answered",
           "care_well", "care_help", "care_unreached", "care_answer_rate", "alerts_raised",
           "alerts_closed", "alerts_open", "alert_close_min")
FORMULAS = {
    "care_calls_made": "tries placed (each a contact, channel care), retries included",
    "care_answered": "due calls a person answered (on any try)",
    "care_answer_rate": "care_answered / (care_due - still to be called)",
    "alert_close_min": "mean minutes from an alert raised to its close, of those closed",
}
BY = ("day", "month", "quarter", "district", "township", "village")


def _key(by: str | None, day: date | None, area: str | None) -> str:
    if by is None:
        return ""
    if by in ("district", "township", "village"):
        return (area or "")[:{"district": 6, "township": 9, "village": 12}[by]]
    if day is None:
        return ""
    if by == "day":
        return day.isoformat()
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def care(session: Session, start: date, end: date, by: str | None = None,
         within: str = "") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The care figures of the period (grouped by `by`), within an area code prefix."""
    if by is not None and by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}")
    counts: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    close_minutes: dict[str, list[float]] = defaultdict(list)
    place = Resident.division_code
    area = func.coalesce(place, "").like(f"{within}%")
    under = 0
    for code, in session.execute(select(place).join(
            CarePlan, Resident.id == CarePlan.resident_id).where(CarePlan.active.is_(True),
                                                                 area)):
        # Under care now, counted by place (a plan keeps no history of its own).
        under += 1
        if by in ("district", "township", "village"):
            counts[_key(by, None, code)]["residents_under_care"] += 1
    for status, answered, day, code in session.execute(select(
            CareCall.status, CareCall.answered_at, CareCall.due_on, place).join(
            Resident, Resident.id == CareCall.resident_id).where(
            CareCall.due_on >= start, CareCall.due_on <= end, area)):
        row = counts[_key(by, day, code)]
        row["care_due"] += 1
        row["care_answered"] += answered is not None
        row["care_well"] += status == CareCallStatus.WELL
        row["care_help"] += status == CareCallStatus.HELP
        row["care_unreached"] += status == CareCallStatus.UNREACHED
        row["_pending"] = row.get("_pending", 0) + (status in (CareCallStatus.DUE,
                                                               CareCallStatus.CALLING)
                                                    and answered is None)
    for when, code in session.execute(select(Conversation.local_date, Conversation.area_code)
                                     .where(Conversation.channel == "care",
                                            Conversation.local_date >= start,
                                            Conversation.local_date <= end,
                                            Conversation.area_code.like(f"{within}%"))):
        counts[_key(by, when, code)]["care_calls_made"] += 1
    for status, raised, closed, day, code in session.execute(select(
            CareAlert.status, CareAlert.raised_at, CareAlert.closed_at, CareAlert.local_date,
            func.coalesce(CareAlert.division_code, "")).where(
            CareAlert.local_date >= start, CareAlert.local_date <= end,
            func.coalesce(CareAlert.division_code, "").like(f"{within}%"))):
        key = _key(by, day, code)
        counts[key]["alerts_raised"] += 1
        if status == CareAlertStatus.CLOSED and closed is not None:
            counts[key]["alerts_closed"] += 1
            close_minutes[key].append((_aware(closed) - _aware(raised)).total_seconds() / 60)
        else:
            counts[key]["alerts_open"] += 1
    rows = []
    totals: dict[str, Any] = dict.fromkeys(FIGURES, 0)
    every: list[float] = []
    pending_total = 0
    for key in sorted(counts):
        row = counts[key]
        pending = int(row.pop("_pending", 0))
        pending_total += pending
        for name in FIGURES:
            if name not in ("care_answer_rate", "alert_close_min"):
                totals[name] += int(row[name])
        row.update(_rates(row, pending, close_minutes[key]))
        every += close_minutes[key]
        rows.append({"key": key, **row})
    totals.update(_rates(totals, pending_total, every))
    totals["residents_under_care"] = under
    return (rows if by is not None else []), totals


def _rates(row: dict[str, Any], pending: int, minutes: list[float]) -> dict[str, Any]:
    settled = int(row["care_due"]) - pending
    return {"care_answer_rate": round(int(row["care_answered"]) / settled, 4) if settled
            else None,
            "alert_close_min": round(sum(minutes) / len(minutes), 1) if minutes else None}


def evidence(session: Session, area: str, start: date, end: date) -> dict[str, int]:
    """A platform's care in its area: residents under care, care contacts in the period and
    the residents those reached."""
    under = int(session.scalar(select(func.count()).select_from(CarePlan).join(
        Resident, Resident.id == CarePlan.resident_id).where(
        CarePlan.active.is_(True), Resident.division_code.like(f"{area}%"))) or 0)
    contacts = session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.channel == "care", Conversation.local_date >= start,
        Conversation.local_date <= end, Conversation.area_code.like(f"{area}%")))
    reached = session.scalar(select(func.count(func.distinct(CareCall.resident_id))).join(
        Resident, Resident.id == CareCall.resident_id).where(
        CareCall.answered_at.is_not(None), CareCall.due_on >= start, CareCall.due_on <= end,
        Resident.division_code.like(f"{area}%")))
    return {"residents_under_care": under, "care_contacts": int(contacts or 0),
            "residents_reached": int(reached or 0)}
