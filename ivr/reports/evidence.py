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
from ivr.care import figures as care_figures
from ivr.core.models import Conversation, Referral, Resident, ServiceRecord
from ivr.core.statuses import ReferralStatus
from ivr.reports import figures

LEVELS = {"district": "district_call_center", "township": "township_center",
          "village": "village_station"}
ANSWER_TARGET, TIMELY_TARGET = 0.95, 0.80
ACTIVITIES_PER_YEAR, PROJECTS_PER_YEAR = 10, 3


LEVEL_NAMES = {"district": "区社会服务呼叫中心 District call center",
               "township": "乡镇(街道)社会服务中心 Township center",
               "village": "村(居)社会服务站 Village station"}
STATUS_NAMES = {"met": "达到 Met", "not met": "未达到 Not met", "no data": "无数据 No data"}


def condition(zh: str, name: str, figure: Any, rule_zh: str, rule: str,
              met: bool | None) -> dict[str, Any]:
    """One line of the evidence: met, not met, or no data (never met without data)."""
    status = "no data" if met is None or figure is None else "met" if met else "not met"
    return {"condition": name, "zh": zh, "figure": figure, "rule": rule, "rule_zh": rule_zh,
            "status": status}


VERDICT_NAMES = {"met": "全部达到 All met", "not met": "有条件未达到 A condition not met",
                 "no data": "数据不全 Incomplete data"}


def verdict(row: dict[str, Any]) -> str:
    """A platform's verdict: all met, a condition not met, or data missing for one."""
    found = {c["status"] for c in row["conditions"]}
    return "not met" if "not met" in found else "no data" if "no data" in found else "met"


def figure_text(item: dict[str, Any]) -> str:
    """A condition's figure as people read it: 95.0%, 1,234, 2026年3月5日, — for none."""
    value = item["figure"]
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return f"{value[:4]}年{int(value[5:7])}月{int(value[8:])}日"
    return str(value)


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
    if level in ("township", "village"):
        found += _care(session, area, start, end)
    return found


def _care(session: Session, area: str, start: date, end: date) -> list[dict[str, Any]]:
    """Proactive care (主动关怀) of the area's residents who live alone or are frail."""
    held = care_figures.evidence(session, area, start, end)
    under, contacts = held["residents_under_care"], held["care_contacts"]
    return [
        condition("关怀对象（有关怀电话计划的居民）",
                  "residents under care (with a care-call plan)",
                  under if under else None, "对独居、高龄居民开展主动关怀",
                  "proactive care of residents who live alone or are frail",
                  True if under else None),
        condition("关怀电话（期间内拨打 / 接通的居民）",
                  "care contacts in the period / residents reached",
                  f"{contacts:,} / {held['residents_reached']:,}" if contacts else None,
                  "由平台记录", "recorded by the platform", True if contacts else None),
    ]


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
        # A call service is shown by calls that reached a person, not by calls alone.
        condition("呼入 / 人工接听", "contacts offered / answered",
                  f"{offered:,} / {answered:,}" if offered else None,
                  "覆盖全区的呼叫服务", "a call service covering the district",
                  answered > 0 if offered else None),
        condition("老年人和残疾人来电占比", "share from elderly and disabled residents",
                  round(vulnerable / offered, 4) if offered else None,
                  "优先服务老年人和残疾人", "serving elderly and disabled residents first",
                  (vulnerable > 0) if offered else None),
        condition("人工接通率", "answer rate", round(answer_rate, 4) if answer_rate is not None
                  else None, f"不低于 {ANSWER_TARGET:.0%}", f">= {ANSWER_TARGET:.0%}",
                  None if answer_rate is None else answer_rate >= ANSWER_TARGET),
        condition("人工应答及时率", "timely answer rate",
                  round(timely_rate, 4) if timely_rate is not None else None,
                  f"{figures.T_DEFAULT} 秒内应答不低于 {TIMELY_TARGET:.0%}",
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
        condition("辖区建档居民", "residents on file in the area", total if total else None,
                  "建立服务对象信息档案", "information on service recipients",
                  total > 0 if total else None),
        condition("已录入需求的比例", "share with needs entered",
                  round(with_needs / total, 4) if total else None, "100% 录入", "100 %",
                  (with_needs == total) if total else None),
        condition("档案最近更新", "last update of the area's records",
                  last_local.isoformat() if last_local else None,
                  f"每季度至少更新一次({quarter_start.year}年{quarter_start.month}月"
                  f"{quarter_start.day}日以后)",
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
    span_zh = f"{year_start.year}年1月1日至{end.year}年{end.month}月{end.day}日"
    span = f"{year_start.year} to {end.isoformat()}"
    return [
        condition("完成的转介服务", "referrals completed", completed if completed else None,
                  "在辖区提供服务", "services delivered in the area",
                  completed > 0 if completed else None),
        condition("服务居民", "residents served", served if served else None,
                  "有居民得到完成的服务", "residents with a completed service",
                  served > 0 if served else None),
        _yearly("开展服务活动", "service activities recorded", activities,
                ACTIVITIES_PER_YEAR, village, span_zh, span),
        _yearly("政府购买服务项目", "government-purchased projects", projects,
                PROJECTS_PER_YEAR, village, span_zh, span),
    ]


def _yearly(zh: str, name: str, count: int, per_year: int, village: bool, span_zh: str,
            span: str) -> dict[str, Any]:
    """A yearly count: for a village station judged against its rule, elsewhere recorded."""
    if village:
        return condition(f"{zh}({span_zh})", f"{name} ({span})", count if count else None,
                         f"每年不少于 {per_year} 个", f">= {per_year} a year",
                         count >= per_year if count else None)
    return condition(f"{zh}({span_zh})", f"{name} ({span})", count if count else None,
                     "由平台记录", "recorded by the platform", True if count else None)
