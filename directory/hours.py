"""Opening hours (OpenStreetMap syntax) that follow China's holidays and make-up working days.

opening-hours-py evaluates the expression; chinese-calendar says what kind of day it is. On a
statutory holiday the expression's `PH` rules apply (`PH off`, `PH 09:00-12:00`); without one,
as in OpenStreetMap, the day keeps its weekday rules. On a make-up working day (调休, a weekend
day worked) the place keeps its Friday hours.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from opening_hours import OpeningHours, State

LOOKAHEAD_DAYS = 21
_PH_SELECTOR = re.compile(r"^\s*((?:[A-Za-z]{2},)*)PH((?:,[A-Za-z]{2})*)\s+(.*)$")


class HoursError(ValueError):
    """An opening-hours expression that cannot be read."""


def day_kind(day: date) -> str:
    """'holiday' (statutory), 'makeup' (weekend worked), 'weekend' or 'workday'."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        working = chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the calendar's published years: plain weekdays and weekends.
        return "weekend" if day.weekday() >= 5 else "workday"
    if on_holiday and name is not None:
        return "holiday"
    if working and day.weekday() >= 5:
        return "makeup"
    return "weekend" if on_holiday else "workday"


class Hours:
    """When a place is open, in local (naive) time."""

    def __init__(self, expression: str | None) -> None:
        self.expression = (expression or "").strip()
        regular, holiday = _split_public_holiday_rules(self.expression or "24/7")
        try:
            self._regular = OpeningHours(regular or "off")
            self._holiday: OpeningHours | None = OpeningHours(holiday) if holiday else None
        except Exception as error:  # the library raises its own ParserError
            raise HoursError(f"not valid opening_hours syntax: {self.expression!r}") from error

    @property
    def always_open(self) -> bool:
        """True when no hours were given."""
        return not self.expression

    def _rule_for(self, day: date) -> tuple[OpeningHours, date]:
        """The expression that governs `day`, and the date to evaluate it on."""
        kind = day_kind(day)
        if kind == "holiday" and self._holiday is not None:
            return self._holiday, day
        if kind == "makeup":
            return self._regular, day - timedelta(days=day.weekday() - 4)  # that week's Friday
        return self._regular, day

    def is_open(self, at: datetime) -> bool:
        """Whether the place is open at local time `at`."""
        rule, on = self._rule_for(at.date())
        return bool(rule.is_open(datetime.combine(on, at.time())))

    def next_open(self, at: datetime) -> datetime | None:
        """The next local time at or after `at` when the place is open, within three weeks."""
        for offset in range(LOOKAHEAD_DAYS):
            day = at.date() + timedelta(days=offset)
            rule, on = self._rule_for(day)
            start = at.time() if offset == 0 else time(0)
            for begin, end, state, _ in rule.intervals(
                datetime.combine(on, start), datetime.combine(on + timedelta(days=1), time(0))
            ):
                if state == State.OPEN and end > begin:
                    return datetime.combine(day, begin.time())
        return None


def _split_public_holiday_rules(expression: str) -> tuple[str, str]:
    """Separate rules for public holidays (PH ...) from the rest."""
    regular, holiday = [], []
    for rule in (r.strip() for r in expression.split(";")):
        if not rule:
            continue
        found = _PH_SELECTOR.match(rule)
        if not found:
            regular.append(rule)
            continue
        holiday.append(found.group(3))
        others = (found.group(1) + found.group(2)).strip(",")
        if others:
            regular.append(f"{others} {found.group(3)}")
    return "; ".join(regular), "; ".join(holiday)


@lru_cache(maxsize=4096)
def parse(expression: str | None) -> Hours:
    """A cached Hours for an expression."""
    return Hours(expression)
