"""The reports of shared/REPORTS.md, from SQL aggregates that read the same on SQLite and
PostgreSQL: every bucket and flag was stored when the row was written."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from directory.models import Category, Division, Provider
from ivr.core.models import CallbackTask, Conversation, Referral
from ivr.core.statuses import ReferralStatus

S_DEFAULT = 5    # short-abandon threshold, seconds
T_DEFAULT = 15   # answer target, seconds (GB/T 33358-2016)
DIMENSIONS = ("day", "week", "month", "quarter", "hour", "district", "township", "village",
              "category", "group", "channel", "operator", "provider")
CALL_FIGURES = ("offered", "ivr_handled", "handed_off", "answered", "abandoned",
                "short_abandoned", "answer_rate", "timely_answer_rate", "service_level",
                "abandon_rate", "asa_s", "aht_s", "emergencies", "referrals",
                "callbacks_requested", "callbacks_done_24h", "containment")
FORMULAS = {
    "answer_rate": "answered / handed_off (人工接通率, target >= 95 %)",
    "timely_answer_rate": "answered within T / answered (人工应答及时率, target >= 80 %)",
    "service_level": "answered within T / (handed_off - short_abandoned)",
    "abandon_rate": "(abandoned - short_abandoned) / (handed_off - short_abandoned)",
    "asa_s": "mean wait of answered contacts, seconds",
    "aht_s": "mean talk + after-call work of answered contacts, seconds",
    "containment": "ivr_handled with no new contact from the same number within 24 h / offered",
}
REFERRAL_FIGURES = ("created", "accepted", "completed", "accepted_on_time",
                    "completed_on_time", "open", "overdue", "residents_served",
                    "follow_ups_done", "satisfied")


OPEN_STATUSES = (ReferralStatus.CREATED, ReferralStatus.NOTIFIED, ReferralStatus.ACCEPTED)


class ReportError(ValueError):
    """A report asked for with a bad name, period or dimension."""


@dataclass
class Report:
    """A report as every format prints it."""

    report: str
    start: date
    end: date
    by: str | None
    timezone: str
    thresholds: dict[str, Any]
    formulas: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The document of CONTRACT §3."""
        return {"report": self.report, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "by": self.by, "timezone": self.timezone,
                "thresholds": self.thresholds, "formulas": self.formulas,
                "rows": self.rows, "totals": self.totals}


def _dimension(by: str) -> ColumnElement[Any]:
    c = Conversation
    columns: dict[str, Any] = {
        "day": cast(c.local_date, c.local_week.type),  # ISO text on both databases
        "week": c.local_week, "month": c.local_month, "quarter": c.local_quarter,
        "hour": c.local_hour, "category": c.category, "group": c.caller_group,
        "channel": c.channel, "operator": c.operator_id, "provider": c.provider_id,
        "district": func.substr(c.area_code, 1, 6), "township": func.substr(c.area_code, 1, 9),
        "village": func.substr(c.area_code, 1, 12),
    }
    if by not in columns:
        raise ReportError(f"--by must be one of {', '.join(DIMENSIONS)}")
    return columns[by]  # type: ignore[no-any-return]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def calls(session: Session, start: date, end: date, by: str | None = None, *,
          timezone: str = "Asia/Shanghai", short_s: int = S_DEFAULT,
          target_s: int = T_DEFAULT) -> Report:
    """`report calls`: contacts, hand-offs, answers and the rates of REPORTS.md."""
    c = Conversation
    key = _dimension(by) if by else None
    # Care calls (channel care) are the line's own outbound calls: `report care` counts them.
    period = and_(c.local_date >= start, c.local_date <= end, c.channel != "care")
    figures = [
        func.count().label("offered"),
        _flag(c.handed_off.is_(False)).label("ivr_handled"),
        _flag(c.handed_off.is_(True)).label("handed_off"),
        _flag(c.answered.is_(True)).label("answered"),
        _flag(and_(c.answered.is_(True), c.wait_s <= target_s)).label("answered_in_t"),
        _flag(c.abandoned.is_(True)).label("abandoned"),
        _flag(and_(c.abandoned.is_(True), c.wait_s < short_s)).label("short_abandoned"),
        func.sum(case((c.answered.is_(True), func.coalesce(c.wait_s, 0)), else_=0))
        .label("wait_sum"),
        func.sum(case((c.answered.is_(True),
                       func.coalesce(c.talk_s, 0) + func.coalesce(c.wrap_s, 0)), else_=0))
        .label("handle_sum"),
        _flag(c.emergency.is_(True)).label("emergencies"),
        _flag(and_(c.handed_off.is_(False), c.recontacted.is_(False))).label("contained"),
    ]
    query = select(*([key.label("key")] if key is not None else []), *figures).where(period)
    if key is not None:
        query = query.group_by(key).order_by(key)
    rows = [dict(r._mapping) for r in session.execute(query)]
    extras = _call_extras(session, start, end, by, key, timezone)
    report = Report("calls", start, end, by, timezone,
                    {"S_short_abandon_s": short_s, "T_answer_target_s": target_s},
                    FORMULAS)
    names = _names(session, by, [r["key"] for r in rows]) if by else {}
    totals: dict[str, float] = {}
    for raw in rows:
        extra = extras.get(str(raw.get("key")), {})
        merged = {**raw, **extra}
        for name, value in merged.items():
            if name != "key":
                totals[name] = totals.get(name, 0) + (value or 0)
        if by:
            report.rows.append({"key": _key_text(raw["key"]),
                                "name": names.get(str(raw["key"]), _key_text(raw["key"])),
                                **_call_figures(merged)})
    if not by:
        totals = {**(rows[0] if rows else {}), **extras.get("None", {})}
        totals.pop("key", None)
    report.totals = _call_figures(totals)
    return report


def _call_extras(session: Session, start: date, end: date, by: str | None,
                 key: ColumnElement[Any] | None, timezone: str) -> dict[str, dict[str, int]]:
    """Referrals and callbacks, grouped like the contacts they came from."""
    c, r, t = Conversation, Referral, CallbackTask
    out: dict[str, dict[str, int]] = {}
    ref = select(*([key.label("key")] if key is not None else []),
                 func.count(r.id).label("referrals")).select_from(r).join(
        c, c.id == r.conversation_id, isouter=key is None).where(
        r.local_date >= start, r.local_date <= end)
    if key is not None:
        ref = ref.group_by(key)
    for row in session.execute(ref):
        out.setdefault(str(row._mapping.get("key")), {})["referrals"] = row.referrals
    low, high = _utc_bounds(start, end, timezone)
    done_24h = and_(t.attempted_at.is_not(None),
                    t.attempted_at <= t.created_at + timedelta(hours=24))
    cb = select(*([key.label("key")] if key is not None else []),
                func.count(t.id).label("callbacks_requested"),
                _flag(done_24h).label("callbacks_done_24h")).select_from(t)
    if key is not None:
        cb = cb.join(c, and_(c.key == t.call_sid, c.channel == "voice")).group_by(key)
    for row in session.execute(cb.where(t.created_at >= low, t.created_at < high)):
        bucket = out.setdefault(str(row._mapping.get("key")), {})
        bucket["callbacks_requested"] = row.callbacks_requested
        bucket["callbacks_done_24h"] = row.callbacks_done_24h or 0
    return out


def _utc_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return (datetime.combine(start, time(0), zone),
            datetime.combine(end + timedelta(days=1), time(0), zone))


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _call_figures(raw: dict[str, Any]) -> dict[str, Any]:
    g = {k: int(raw.get(k) or 0) for k in (
        "offered", "ivr_handled", "handed_off", "answered", "answered_in_t", "abandoned",
        "short_abandoned", "wait_sum", "handle_sum", "emergencies", "contained", "referrals",
        "callbacks_requested", "callbacks_done_24h")}
    base = g["handed_off"] - g["short_abandoned"]
    return {
        "offered": g["offered"], "ivr_handled": g["ivr_handled"],
        "handed_off": g["handed_off"], "answered": g["answered"],
        "abandoned": g["abandoned"], "short_abandoned": g["short_abandoned"],
        "answer_rate": _ratio(g["answered"], g["handed_off"]),
        "timely_answer_rate": _ratio(g["answered_in_t"], g["answered"]),
        "service_level": _ratio(g["answered_in_t"], base),
        "abandon_rate": _ratio(g["abandoned"] - g["short_abandoned"], base),
        "asa_s": round(g["wait_sum"] / g["answered"], 2) if g["answered"] else None,
        "aht_s": round(g["handle_sum"] / g["answered"], 2) if g["answered"] else None,
        "emergencies": g["emergencies"], "referrals": g["referrals"],
        "callbacks_requested": g["callbacks_requested"],
        "callbacks_done_24h": g["callbacks_done_24h"],
        "containment": _ratio(g["contained"], g["offered"]),
    }


def _key_text(value: Any) -> str:
    return "" if value is None else str(value)


def _names(session: Session, by: str | None, keys: list[Any]) -> dict[str, str]:
    """Display names for division, category, provider and operator keys (never a person's)."""
    wanted = [str(k) for k in keys if k is not None]
    if by in ("district", "township", "village"):
        return {code: name for code, name in session.execute(
            select(Division.code, Division.name).where(Division.code.in_(wanted)))}
    if by == "category":
        return {code: f"{zh} {en}" for code, zh, en in session.execute(
            select(Category.code, Category.zh, Category.en).where(Category.code.in_(wanted)))}
    if by == "provider":
        return {pid: name for pid, name in session.execute(
            select(Provider.id, Provider.name).where(Provider.id.in_(wanted)))}
    if by == "operator":
        return {str(i): f"operator {i}" for i in wanted}
    return {}


def referrals(session: Session, start: date, end: date, by: str | None = "provider", *,
              timezone: str = "Asia/Shanghai", today: date | None = None) -> Report:
    """`report referrals`: per provider, center or station, against the deadlines set."""
    r = Referral
    today = today or datetime.now(ZoneInfo(timezone)).date()
    key = r.provider_id if by in (None, "provider") else (
        r.category if by == "category" else func.substr(r.division_code, 1,
                                                        {"district": 6, "township": 9}.get(
                                                            by or "", 12)))
    query = select(
        key.label("key"),
        func.count().label("created"),
        _flag(r.accepted_at.is_not(None)).label("accepted"),
        _flag(r.status == ReferralStatus.COMPLETED).label("completed"),
        _flag(r.accepted_on_time.is_(True)).label("accepted_on_time"),
        _flag(and_(r.status == ReferralStatus.COMPLETED, r.completed_on_time.is_(True)))
        .label("completed_on_time"),
        _flag(r.status.in_(OPEN_STATUSES)).label("open"),
        _flag(and_(r.status.in_(OPEN_STATUSES), r.deadline < today))
        .label("overdue"),
        func.count(func.distinct(case((r.status == ReferralStatus.COMPLETED, r.resident_id))))
        .label("residents_served"),
        _flag(r.follow_up_answer.is_not(None)).label("follow_ups_done"),
        _flag(r.follow_up_answer == "satisfied").label("satisfied_n"),
    ).where(r.local_date >= start, r.local_date <= end).group_by(key).order_by(key)
    report = Report("referrals", start, end, by or "provider", timezone,
                    {"today": today.isoformat()},
                    {"satisfied": "follow-ups answered satisfied / follow-ups answered",
                     "on time": "accepted or completed on or before the deadline (local date)"})
    names = _names(session, by or "provider", [])
    if (by or "provider") == "provider":
        names = {pid: name for pid, name in session.execute(
            select(Provider.id, Provider.name))}
    totals: dict[str, int] = {}
    for row in session.execute(query):
        data = dict(row._mapping)
        for k, v in data.items():
            if k != "key":
                totals[k] = totals.get(k, 0) + int(v or 0)
        report.rows.append({"key": _key_text(data["key"]),
                            "name": names.get(str(data["key"]), _key_text(data["key"])),
                            **_referral_figures(data)})
    report.totals = _referral_figures(totals)
    return report


def _referral_figures(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: int(data.get(k) or 0) for k in REFERRAL_FIGURES
                           if k != "satisfied"}
    out["satisfied"] = _ratio(int(data.get("satisfied_n") or 0), out["follow_ups_done"])
    return out


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a caller waits (Erlang C), for `agents` and `traffic` in erlangs."""
    if agents <= traffic:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, agents):
        term *= traffic / k
        total += term
    top = term * traffic / agents * agents / (agents - traffic)
    return top / (total + top)


def agents_needed(calls_per_hour: float, aht_s: float, target_s: int, level: float) -> int:
    """Fewest agents whose service level (answered within target) reaches `level`."""
    if calls_per_hour <= 0 or aht_s <= 0:
        return 0
    traffic = calls_per_hour * aht_s / 3600
    agents = max(1, math.floor(traffic) + 1)
    while agents < 1000:
        waits = erlang_c(agents, traffic)
        service = 1 - waits * math.exp(-(agents - traffic) * target_s / aht_s)
        if service >= level:
            return agents
        agents += 1
    return agents


def staffing(session: Session, start: date, end: date, *, timezone: str = "Asia/Shanghai",
             target_s: int = T_DEFAULT, level: float = 0.8) -> Report:
    """`report staffing`: the busiest hour and the operators it needs (Erlang C)."""
    days = (end - start).days + 1
    c = Conversation
    per_hour = session.execute(select(c.local_hour, func.count()).where(
        c.local_date >= start, c.local_date <= end).group_by(c.local_hour)).all()
    measured = calls(session, start, end, timezone=timezone, target_s=target_s).totals
    aht = float(measured.get("aht_s") or 0)
    report = Report("staffing", start, end, "hour", timezone,
                    {"T_answer_target_s": target_s, "service_level_target": level,
                     "days": days, "aht_s": aht},
                    {"agents": "fewest N with 1 - C(N, A) e^(-(N - A) T / AHT) >= target, "
                               "A = offered per hour x AHT / 3600 (Erlang C)"})
    busiest: dict[str, Any] = {}
    for hour, count in sorted(per_hour, key=lambda r: r[0] if r[0] is not None else -1):
        average = round(count / days, 3)
        row = {"key": str(hour), "name": f"{hour:02d}:00-{hour:02d}:59",
               "offered_per_day": average,
               "agents": agents_needed(average, aht, target_s, level)}
        report.rows.append(row)
        if not busiest or average > busiest["offered_per_day"]:
            busiest = row
    report.totals = {"busiest_hour": busiest.get("key"), "offered_per_day": busiest.get(
        "offered_per_day", 0), "aht_s": aht or None, "agents": busiest.get("agents", 0)}
    return report


def period(quarter: str | None = None, year: int | None = None, start: str | None = None,
           end: str | None = None) -> tuple[date, date]:
    """A report period from --quarter 2026Q1, --year 2026 or --from/--to dates."""
    if quarter:
        try:
            y, q = int(quarter[:4]), int(quarter[-1])
            if quarter[4].upper() != "Q" or not 1 <= q <= 4:
                raise ValueError
        except (ValueError, IndexError):
            raise ReportError("--quarter looks like 2026Q1") from None
        first = date(y, 3 * q - 2, 1)
        last = (date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1))
        return first, last
    if year:
        return date(year, 1, 1), date(year, 12, 31)
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        raise ReportError("give --from and --to as YYYY-MM-DD (or --quarter, --year)") from None
    if last < first:
        raise ReportError("--to is before --from")
    return first, last


