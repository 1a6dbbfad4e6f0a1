"""The period a page asks for: a local day, ISO week, month, quarter, year or a custom range."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ivr.reports import figures

KINDS = ("day", "week", "month", "quarter", "year", "custom")
KIND_LABELS = {"day": "日 Day", "week": "周 Week", "month": "月 Month", "quarter": "季度 Quarter",
               "year": "年 Year", "custom": "自定义 Custom range"}


@dataclass(frozen=True)
class Period:
    """A period of local days with the words that name it."""

    kind: str
    start: date
    end: date
    label: str

    @property
    def quarter(self) -> str:
        """The quarter the period ends in, 2026Q4."""
        return quarter_of(self.end)


def quarter_of(day: date) -> str:
    """2026Q4 for a day in October to December 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_before(today: date, count: int = 8) -> list[str]:
    """This quarter and the ones before it, newest first."""
    year, q = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        found.append(f"{year}Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return found


def from_args(args: Mapping[str, str], today: date, default: str = "month") -> Period:
    """The period of a query string; a bad value is a ReportError (the page says 400)."""
    kind = args.get("period") or ("quarter" if args.get("quarter") else
                                  "custom" if args.get("from") else default)
    if kind not in KINDS:
        raise figures.ReportError(f"period is one of {', '.join(KINDS)}")
    try:
        if kind == "day":
            day = date.fromisoformat(args.get("day") or today.isoformat())
            return Period(kind, day, day, f"{day.year}年{day.month}月{day.day}日")
        if kind == "week":
            text = args.get("week") or today.strftime("%G-W%V")
            year, week = int(text[:4]), int(text.split("W")[1])
            first = date.fromisocalendar(year, week, 1)
            return Period(kind, first, first + timedelta(days=6), f"{year}年第{week}周")
        if kind == "month":
            text = args.get("month") or today.strftime("%Y-%m")
            year, month = int(text[:4]), int(text[5:7])
            first = date(year, month, 1)
            last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return Period(kind, first, last, f"{year}年{month}月")
        if kind == "quarter":
            text = args.get("quarter") or quarter_of(today)
            first, last = figures.period(quarter=text)
            return Period(kind, first, last, f"{text[:4]}年第{text[-1]}季度")
        if kind == "year":
            year = int(args.get("year") or today.year)
            first, last = figures.period(year=year)
            return Period(kind, first, last, f"{year}年")
    except (ValueError, IndexError):
        raise figures.ReportError(f"the {kind} is not a valid date") from None
    first, last = figures.period(start=args.get("from") or (today - timedelta(days=29))
                                 .isoformat(), end=args.get("to") or today.isoformat())
    return Period("custom", first, last, f"{_zh(first)}至{_zh(last)}")


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
