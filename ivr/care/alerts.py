"""Alerts about residents the care calls did not reach: one per due call (a unique key, so
however many workers or callbacks settle the last try, one alert and one set of messages),
at the top of the operators' list, an SMS through the outbox to the village station and to
the relative, naming the resident's village and last contact; closed by an operator with
what came of it (reached, visited, in hospital, other)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialogs.prompts import text
from directory.models import Provider
from ivr.core import audit, display
from ivr.core.buckets import buckets
from ivr.core.models import CareAlert, CareCall, CarePlan, Resident
from ivr.core.statuses import AlertOutcome, CareAlertStatus
from ivr.core.upsert import insert_ignore
from ivr.residents import outbox, records

NOTE_LIMIT = 500


class AlertError(ValueError):
    """An alert that cannot be closed so (already closed, an unknown outcome)."""


def station_for(session: Session, division: str | None) -> Provider | None:
    """The village station of the resident's village, else the township center above it."""
    if not division:
        return None
    for kind, code in (("village_station", division), ("township_center", division[:9])):
        found = session.scalars(select(Provider).where(
            Provider.kind == kind, Provider.division_code == code,
            Provider.phone != "")).first()
        if found is not None:
            return found
    return None


def raise_for(session: Session, config: Any, call: CareCall, now: datetime) -> CareAlert | None:
    """The care call's one alert and its messages; None when it was raised already."""
    resident = session.get(Resident, call.resident_id)
    if resident is None:
        return None
    division = resident.division_code
    minutes = int(config.get("CARE_ALERT_MINUTES") or 60)
    if not insert_ignore(session, CareAlert, {
            "care_call_id": call.id, "resident_id": resident.id, "division_code": division,
            "status": CareAlertStatus.OPEN, "raised_at": now,
            "due_at": now + timedelta(minutes=minutes),
            "local_date": buckets(now, config["TIMEZONE"])["local_date"], "closed_by": "",
            "note": ""}, ["care_call_id"]):
        return None
    alert = session.scalars(select(CareAlert).where(CareAlert.care_call_id == call.id)).one()
    plan = session.get(CarePlan, call.plan_id)
    values = {"name": resident.name or "居民", "village": records.display_name(session, division)
              or "未登记住址", "tries": call.attempts,
              "last": _local_words(resident.last_contact_at, config)}
    body = text("sms.care_alert", "zh-CN", **values)
    station = station_for(session, division) if plan is None or plan.alert_station else None
    if station is not None:
        outbox.enqueue(session, station.phone, body, "care_alert", params=values)
    if plan is not None and plan.alert_phone:
        outbox.enqueue(session, plan.alert_phone, body, "care_alert", params=values)
    return alert


def _local_words(value: datetime | None, config: Any) -> str:
    """A stored time as Hefei reads it (12月1日 09:05), without a request."""
    if value is None:
        return "没有记录"
    at = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(
        ZoneInfo(str(config["TIMEZONE"])))
    return f"{at.month}月{at.day}日 {at:%H:%M}"


@dataclass
class AlertRow:
    """An open alert as the console lists it."""

    alert: CareAlert
    name: str
    phone: str
    village: str
    tries: int
    last_try: str
    last_contact: datetime | None
    overdue: bool
    left_min: int


def open_rows(session: Session, now: datetime) -> list[AlertRow]:
    """Open alerts, oldest first (every one above the ordinary callbacks)."""
    rows = []
    for alert, call in session.execute(select(CareAlert, CareCall).join(
            CareCall, CareCall.id == CareAlert.care_call_id).where(
            CareAlert.status == CareAlertStatus.OPEN).order_by(CareAlert.raised_at,
                                                               CareAlert.id)):
        resident = alert.resident
        due = display.to_local(alert.due_at)
        left = int((due - display.to_local(now)).total_seconds() // 60)
        rows.append(AlertRow(alert, resident.name or "未登记 Not on file", resident.phone,
                             records.display_name(session, alert.division_code),
                             call.attempts, call.last_result, resident.last_contact_at,
                             left < 0, max(left, 0)))
    return rows


def close(session: Session, alert: CareAlert, outcome: str, note: str, *, actor: str,
          now: datetime) -> None:
    """Close the alert with what came of it, once (a second submit is refused)."""
    if outcome not in set(AlertOutcome):
        raise AlertError("请选择处理结果 Choose what came of it")
    moved = session.execute(update(CareAlert).where(
        CareAlert.id == alert.id, CareAlert.status == CareAlertStatus.OPEN).values(
        status=CareAlertStatus.CLOSED, outcome=AlertOutcome(outcome), closed_at=now,
        closed_by=actor, note=note.strip()[:NOTE_LIMIT])
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AlertError("这条提醒已经处理过了 This alert was already closed")
    session.refresh(alert)
    if outcome in (AlertOutcome.REACHED, AlertOutcome.VISITED):
        resident = session.get(Resident, alert.resident_id)
        if resident is not None:
            resident.last_contact_at = now
    audit.record(session, actor=actor, role="operator", action="change",
                 resident_id=alert.resident_id, fields=["care_alert"],
                 reason=f"care alert closed: {outcome}")
