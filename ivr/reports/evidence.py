"""`report evidence`: for each platform of a level, the figures behind each condition of the
certification measures that the system holds data for, the rule, and whether it is met.
A condition the data cannot show says so and is never shown as met."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.orm import Session

from directory.models import Provider
from ivr.core.models import Conversation, Referral, Resident, ServiceRecord
from ivr.core.statuses import ReferralStatus
from ivr.reports import figures

LEVELS = {"district": "district_call_center", "township": "township_center",
          "village": "village_station"}
ANSWER_TARGET, TIMELY_TARGET = 0.95, 0.80
ACTIVITIES_PER_YEAR, PROJECTS_PER_YEAR = 10, 3


def condition(name: str, figure: Any, rule: str, met: bool | None) -> dict[str, Any]:
    """One line of the evidence: met, not met, or no data (never met without data)."""
    status = "no data" if met is None else "met" if met else "not met"
    return {"condition": name, "figure": figure, "rule": rule, "status": status}


def evidence(session: Session, level: str, start: date, end: date, *,
             timezone: str = "Asia/Shanghai") -> figures.Report:
    """The evidence pack of every platform of `level` for the period."""
    if level not in LEVELS:
        raise figures.ReportError("--level is district, township or village")
    report = figures.Report(
        "evidence", start, end, level, timezone,
        {"answer_rate_target": ANSWER_TARGET, "timely_answer_rate_target": TIMELY_TARGET,
         "needs_entered_rule": 1.0, "update_rule": "at least once a quarter",
         "activities_per_year": ACTIVITIES_PER_YEAR, "projects_per_year": PROJECTS_PER_YEAR},
        {k: v for k, v in figures.FORMULAS.items() if k in ("answer_rate",
                                                             "timely_answer_rate")})
    platforms = session.scalars(select(Provider).where(Provider.kind == LEVELS[level])
                                .order_by(Provider.division_code)).all()
    counts = {"met": 0, "not met": 0, "no data": 0}
    for platform in platforms:
        conditions = _conditions(session, level, platform, start, end, timezone)
        for item in conditions:
            counts[item["status"]] += 1
        report.rows.append({"key": platform.id, "name": platform.name,
                            "division": platform.division_code,
                            "met": all(c["status"] == "met" for c in conditions),
                            "conditions": conditions})
    report.totals = {"platforms": len(platforms), **{f"conditions_{k.replace(' ', '_')}": v
                                                     for k, v in counts.items()}}
    return report


def _conditions(session: Session, level: str, platform: Provider, start: date, end: date,
                timezone: str) -> list[dict[str, Any]]:
    area = platform.division_code
    found: list[dict[str, Any]] = []
    if level == "district":
        found += _call_service(session, area, start, end)
    found += _files(session, area, start, end, timezone)
    found += _services(session, level, platform, area, start, end)
    return found


def _call_service(session: Session, area: str, start: date, end: date) -> list[dict[str, Any]]:
    c = Conversation
    row = session.execute(select(
        func.count(), figures._flag(c.answered.is_(True)),
        figures._flag(c.handed_off.is_(True)), figures._flag(c.caller_group != "other"),
        figures._flag(and_(c.answered.is_(True), c.wait_s <= figures.T_DEFAULT)),
    ).where(c.local_date >= start, c.local_date <= end, c.area_code.like(f"{area}%"))).one()
    offered, answered, handed, vulnerable, timely = (int(v or 0) for v in row)
    answer_rate = answered / handed if handed else None
    timely_rate = timely / answered if answered else None
    return [
        condition("contacts offered / answered", f"{offered} / {answered}",
                  "a call service covering the district", offered > 0 if offered else None),
        condition("share from elderly and disabled residents",
                  round(vulnerable / offered, 4) if offered else None,
                  "serving elderly and disabled residents first",
                  (vulnerable > 0) if offered else None),
        condition("answer rate 人工接通率", round(answer_rate, 4) if answer_rate is not None
                  else None, f">= {ANSWER_TARGET:.0%}",
                  None if answer_rate is None else answer_rate >= ANSWER_TARGET),
        condition("timely answer rate 人工应答及时率",
                  round(timely_rate, 4) if timely_rate is not None else None,
                  f">= {TIMELY_TARGET:.0%} within {figures.T_DEFAULT} s",
                  None if timely_rate is None else timely_rate >= TIMELY_TARGET),
    ]


def _files(session: Session, area: str, start: date, end: date,
           timezone: str) -> list[dict[str, Any]]:
    r = Resident
    # JSON text of an empty list: the same literal on SQLite and PostgreSQL (json keeps text).
    has_needs = cast(r.needs, String) != "[]"
    total, with_needs, last = session.execute(
        select(func.count(), figures._flag(has_needs), func.max(r.updated_at))
        .where(r.division_code.like(f"{area}%"))).one()
    total, with_needs = int(total or 0), int(with_needs or 0)
    zone = ZoneInfo(timezone)
    last_local = last.astimezone(zone).date() if last and last.tzinfo else (
        last.date() if last else None)
    # "At least once a quarter": the latest change falls in the last quarter of the period.
    quarter_start = _quarter_start(end)
    return [
        condition("residents on file in the area", total, "information on service recipients",
                  total > 0 if total else None),
        condition("share with needs entered", round(with_needs / total, 4) if total else None,
                  "100 %", (with_needs == total) if total else None),
        condition("last update of the area's records",
                  last_local.isoformat() if last_local else None,
                  f"at least once a quarter (on or after {quarter_start.isoformat()})",
                  None if last_local is None else last_local >= quarter_start),
    ]


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _services(session: Session, level: str, platform: Provider, area: str, start: date,
              end: date) -> list[dict[str, Any]]:
    f = Referral
    done = session.execute(select(
        figures._flag(f.status == ReferralStatus.COMPLETED),
        func.count(func.distinct(f.resident_id)).filter(f.status == ReferralStatus.COMPLETED),
    ).where(f.local_date >= start, f.local_date <= end,
            f.division_code.like(f"{area}%"))).one()
    completed, served = int(done[0] or 0), int(done[1] or 0)
    # Yearly rules are judged on the calendar year, up to the end of the period.
    year_start = date(end.year, 1, 1)
    records = {kind: count for kind, count in session.execute(
        select(ServiceRecord.kind, func.count()).join(
            Provider, Provider.id == ServiceRecord.provider_id).where(
            Provider.division_code.like(f"{area}%"), ServiceRecord.held_on >= year_start,
            ServiceRecord.held_on <= end).group_by(ServiceRecord.kind))}
    activities, projects = records.get("activity", 0), records.get("purchased_project", 0)
    village = level == "village"
    found = [
        condition("referrals completed", completed, "services delivered in the area",
                  completed > 0 if completed else None),
        condition("residents served", served, "residents with a completed service",
                  served > 0 if served else None),
        condition(f"service activities recorded ({year_start.year} to {end.isoformat()})",
                  activities, f">= {ACTIVITIES_PER_YEAR} a year" if village else
                  "recorded by the platform",
                  (activities >= ACTIVITIES_PER_YEAR) if village and activities
                  else (None if not activities else True)),
        condition(f"government-purchased projects ({year_start.year} to {end.isoformat()})",
                  projects, f">= {PROJECTS_PER_YEAR} a year" if village else
                  "recorded by the platform",
                  (projects >= PROJECTS_PER_YEAR) if village and projects
                  else (None if not projects else True)),
    ]
    return found


