"""Care plans: how often a resident is called (daily, weekly:Mo, 2w:Mo,Th), when (OpenStreetMap
hours, `PH off` to skip China's public holidays), the numbers to try and whom to alert. Set from
the residents CSV, the operator console and the admin pages, always through `save`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory import phones
from directory.hours import Hours, HoursError
from directory.orm import utcnow
from ivr.core import audit
from ivr.core.models import CareCall, CarePlan, Resident
from ivr.core.statuses import CareCallStatus

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = {"Mo": "周一", "Tu": "周二", "We": "周三", "Th": "周四", "Fr": "周五", "Sa": "周六",
             "Su": "周日"}
DAY_NAMES_EN = {"Mo": "Mon", "Tu": "Tue", "We": "Wed", "Th": "Thu", "Fr": "Fri", "Sa": "Sat",
                "Su": "Sun"}
# The residents CSV's optional columns (CONTRACT §7).
CSV_COLUMNS = ("care_plan", "care_hours", "alert_phone")
HOLIDAYS_OFF = "PH off"


class PlanError(ValueError):
    """A plan that cannot be used; the message says what was expected, Mandarin first."""


@dataclass(frozen=True)
class Frequency:
    """The days of the week a plan calls on (0 Monday ... 6 Sunday)."""

    weekdays: tuple[int, ...]

    def calls_on(self, weekday: int) -> bool:
        """Whether a call is due on this day of the week."""
        return weekday in self.weekdays


def frequency(text: str) -> Frequency:
    """`daily`, `weekly:Mo`, or `Nw:` with N days (`2w:Mo,Th`: twice a week)."""
    raw = text.strip()
    if raw == "daily":
        return Frequency(tuple(range(7)))
    how, _, days_text = raw.partition(":")
    days = [d.strip().capitalize() for d in days_text.split(",") if d.strip()]
    expected = 1 if how == "weekly" else int(how[:-1]) if how[:-1].isdigit() and \
        how.endswith("w") else 0
    if not 1 <= expected <= 7 or len(days) != expected or len(set(days)) != len(days) \
            or any(d not in DAYS for d in days):
        raise PlanError(f"关怀频率应为 daily、weekly:Mo 或 2w:Mo,Th，而不是 {raw!r} "
                        f"the care plan must be daily, weekly:Mo or 2w:Mo,Th, not {raw!r}")
    return Frequency(tuple(sorted(DAYS.index(d) for d in days)))


def describe(plan: CarePlan | None) -> str:
    """The plan in words for a page: 每天 Daily, 每周一 Weekly on Mon, 每周一、周四 ..."""
    if plan is None or not plan.active:
        return "没有关怀计划 No care plan"
    raw = plan.frequency
    if raw == "daily":
        return "每天 Daily"
    days = [d.strip().capitalize() for d in raw.partition(":")[2].split(",")]
    zh = "、".join(DAY_NAMES.get(d, d) for d in days)
    en = ", ".join(DAY_NAMES_EN.get(d, d) for d in days)
    return f"每{zh} Every {en}"


def check_hours(text: str) -> str:
    """Opening hours for calling, checked; empty means the line's CARE_HOURS."""
    raw = text.strip()
    try:
        Hours(raw or None)
    except HoursError:
        raise PlanError(f"关怀时间应为 OpenStreetMap 格式，如 Mo-Su 09:00-11:00; PH off，而不是 "
                        f"{raw!r} care hours must be OpenStreetMap hours such as "
                        f"Mo-Su 09:00-11:00; PH off, not {raw!r}") from None
    return raw


def skips_holidays(hours: str) -> bool:
    """Whether the plan's hours say `PH off` (no calls on public holidays)."""
    return any(rule.strip() == HOLIDAYS_OFF for rule in hours.split(";"))


def with_holidays(hours: str, skip: bool) -> str:
    """The hours with `PH off` added or taken away."""
    rules = [r.strip() for r in hours.split(";") if r.strip() and r.strip() != HOLIDAYS_OFF]
    if skip:
        rules.append(HOLIDAYS_OFF)
    return "; ".join(rules)


def hours_text(hours: str, default: str) -> str:
    """When a plan calls, in words, Mandarin then English (the expression itself where the
    words cannot say it): 每天上午九点到上午十一点，节假日不打 ..."""
    from dialogs.speech import hours_words

    rules = [r.strip() for r in (hours or default).split(";")
             if r.strip() and r.strip() != HOLIDAYS_OFF]
    zh, en = [], []
    for rule in rules:
        days, _, ranges = rule.rpartition(" ")
        parts = [f"{days} {r}".strip() for r in ranges.split(",")] if "," in ranges else [rule]
        said = [(hours_words(p, "zh-CN"), hours_words(p, "en")) for p in parts]
        if not all(z and e for z, e in said):
            zh.append(rule)
            en.append(rule)
            continue
        zh.append("、".join(z for z, _ in said))
        en.append(" and ".join(e for _, e in said))
    holidays = skips_holidays(hours)
    return ("；".join(zh) + ("，节假日不打" if holidays else "") + " " + "; ".join(en)
            + (", not on public holidays" if holidays else "")).strip()


def check_phone(text: str, what: str) -> str:
    """A dialable number in E.164, or empty."""
    raw = text.strip()
    if not raw:
        return ""
    parsed = phones.parse(raw)
    if parsed is None or not phones.is_valid(raw):
        raise PlanError(f"{what}不是可拨打的号码 {raw!r} is not a dialable number")
    return parsed


@dataclass
class PlanInput:
    """A plan as a form or a CSV line gives it."""

    frequency: str
    hours: str = ""
    alert_phone: str = ""
    phones: tuple[str, ...] = ()
    salutation: str = ""
    alert_station: bool = True
    active: bool = True


def check(given: PlanInput) -> PlanInput:
    """The plan with its values checked and normalised; PlanError names the first problem."""
    frequency(given.frequency)
    numbers = tuple(n for n in (check_phone(p, "要拨打的号码 ") for p in given.phones) if n)
    return PlanInput(given.frequency.strip(), check_hours(given.hours),
                     check_phone(given.alert_phone, "家属电话 "), numbers,
                     given.salutation.strip()[:32], given.alert_station, given.active)


def plan_of(session: Session, resident_id: int) -> CarePlan | None:
    """The resident's plan, if they have one."""
    return session.scalars(select(CarePlan).where(CarePlan.resident_id == resident_id)).first()


def save(session: Session, resident: Resident, given: PlanInput, *, actor: str,
         role: str) -> CarePlan:
    """Set (or change, or pause) the resident's plan, audited as a change of their file."""
    checked = check(given)
    plan = plan_of(session, resident.id)
    if plan is None:
        plan = CarePlan(resident_id=resident.id, created_at=utcnow())
        session.add(plan)
    plan.frequency, plan.hours = checked.frequency, checked.hours
    plan.alert_phone, plan.salutation = checked.alert_phone, checked.salutation
    plan.phones = list(checked.phones) or [resident.phone]
    plan.alert_station, plan.active = checked.alert_station, checked.active
    plan.updated_at, plan.updated_by = utcnow(), actor
    session.flush()
    if not plan.active:
        _cancel_due(session, plan)
    audit.record(session, actor=actor, role=role, action="change", resident_id=resident.id,
                 fields=["care_plan"], reason="care plan set")
    return plan


def stop(session: Session, resident: Resident, *, actor: str, role: str) -> bool:
    """No more care calls for the resident (the plan and its history stay)."""
    plan = plan_of(session, resident.id)
    if plan is None or not plan.active:
        return False
    plan.active, plan.updated_at, plan.updated_by = False, utcnow(), actor
    _cancel_due(session, plan)
    audit.record(session, actor=actor, role=role, action="change", resident_id=resident.id,
                 fields=["care_plan"], reason="care plan stopped")
    return True


def _cancel_due(session: Session, plan: CarePlan) -> None:
    """A stopped plan's calls not yet made are not made."""
    session.execute(update(CareCall).where(CareCall.plan_id == plan.id,
                                           CareCall.status == CareCallStatus.DUE)
                    .values(status=CareCallStatus.CANCELED, updated_at=utcnow())
                    .execution_options(synchronize_session=False))


class CsvColumns:
    """The residents CSV's care columns, for `records.import_csv`: checked before anything is
    written, applied to each resident once written."""

    columns: tuple[str, ...] = CSV_COLUMNS

    def check(self, cells: dict[str, str]) -> list[str]:
        """What is wrong with a line's care columns (an empty care_plan: no change)."""
        if not cells.get("care_plan", "").strip():
            if cells.get("care_hours", "").strip() or cells.get("alert_phone", "").strip():
                return ["care_hours and alert_phone need a care_plan"]
            return []
        if cells["care_plan"].strip() == "off":
            return []
        try:
            check(self._input(cells))
        except PlanError as error:
            return [str(error)]
        return []

    def apply(self, session: Session, resident: Resident, cells: dict[str, str],
              actor: str) -> None:
        """Set the plan the line gives ('off' stops it)."""
        if not cells.get("care_plan", "").strip():
            return
        if cells["care_plan"].strip() == "off":
            stop(session, resident, actor=actor, role="cli")
            return
        save(session, resident, self._input(cells), actor=actor, role="cli")

    @staticmethod
    def _input(cells: dict[str, str]) -> PlanInput:
        return PlanInput(cells.get("care_plan", ""), cells.get("care_hours", ""),
                         cells.get("alert_phone", ""))


CSV = CsvColumns()


def form_values(plan: CarePlan | None) -> dict[str, Any]:
    """A plan as the console's and admin pages' form shows it."""
    if plan is None:
        return {"frequency": "daily", "hours": "", "skip_holidays": True, "alert_phone": "",
                "salutation": "", "phones": "", "active": True}
    return {"frequency": plan.frequency, "hours": with_holidays(plan.hours, False),
            "skip_holidays": skips_holidays(plan.hours), "alert_phone": plan.alert_phone,
            "salutation": plan.salutation, "phones": ", ".join(plan.phones or []),
            "active": plan.active}
