"""When care calls are due: a plan's day (its frequency) and the first local time its hours
open that day (a public holiday with `PH off` has none: the call is skipped). The scheduler job
writes one due call a plan a day, due at that time; `calls` places it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hours import parse as parse_hours
from ivr.care import plans
from ivr.core.models import CareCall, CarePlan
from ivr.core.statuses import CareCallStatus
from ivr.core.upsert import insert_ignore


def zone(config: Any) -> ZoneInfo:
    """The line's time zone."""
    return ZoneInfo(str(config["TIMEZONE"]))


def local(moment: datetime, config: Any) -> datetime:
    """An aware moment as the line's naive local time (as opening hours read it)."""
    return moment.astimezone(zone(config)).replace(tzinfo=None)


def hours_of(plan: CarePlan, config: Any) -> str:
    """The plan's hours, or the line's CARE_HOURS."""
    return plan.hours or str(config.get("CARE_HOURS") or "")


def opening(plan: CarePlan, day: date, config: Any, after: time = time(0)) -> datetime | None:
    """The local time on `day` (not before `after`) when the plan's call is due, or None: not
    a day of the plan, or its hours are closed all that day (a holiday with `PH off`)."""
    if not plan.active or not plans.frequency(plan.frequency).calls_on(day.weekday()):
        return None
    found = parse_hours(hours_of(plan, config)).next_open(datetime.combine(day, after))
    return found if found is not None and found.date() == day else None


def due_at(plan: CarePlan, day: date, config: Any, after: time = time(0)) -> datetime | None:
    """`opening` as an aware moment in UTC (as every stored time is)."""
    found = opening(plan, day, config, after)
    return found.replace(tzinfo=zone(config)).astimezone(UTC) if found is not None else None


def next_occurrence(plan: CarePlan, now: datetime, config: Any,
                    days: int = 14) -> tuple[date, datetime] | None:
    """The plan's next due day and moment from `now` on (today's if its hours are still open)."""
    here = local(now, config)
    for offset in range(days):
        day = here.date() + timedelta(days=offset)
        moment = due_at(plan, day, config, here.time() if offset == 0 else time(0))
        if moment is not None:
            return day, moment
    return None


def ensure_call(session: Session, plan: CarePlan, day: date, moment: datetime) -> CareCall:
    """The plan's due call on `day`, written once however many schedulers run."""
    insert_ignore(session, CareCall,
                  {"plan_id": plan.id, "resident_id": plan.resident_id, "due_on": day,
                   "status": CareCallStatus.DUE, "attempts": 0, "next_attempt_at": moment,
                   "call_sid": "", "last_result": "", "answer": "", "created_at": moment,
                   "updated_at": moment},
                  ["plan_id", "due_on"])
    return session.scalars(select(CareCall).where(CareCall.plan_id == plan.id,
                                                  CareCall.due_on == day)).one()


def schedule_due(session: Session, config: Any, now: datetime) -> int:
    """Today's due call of every active plan whose day it is and whose hours are still to
    come or open now; how many were written."""
    here = local(now, config)
    written = 0
    existing = set(session.scalars(select(CareCall.plan_id).where(
        CareCall.due_on == here.date())))
    for plan in session.scalars(select(CarePlan).where(CarePlan.active.is_(True))
                                .order_by(CarePlan.id)):
        if plan.id in existing:
            continue
        moment = due_at(plan, here.date(), config, here.time())
        if moment is None:
            continue
        ensure_call(session, plan, here.date(), moment)
        written += 1
    return written
