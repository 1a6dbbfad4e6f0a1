"""Every report by name, the one list the admin pages and `flask --app ivr report` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from ivr.care import figures as care_figures
from ivr.reports import evidence, figures
from ivr.reports.figures import Report, ReportError


@dataclass(frozen=True)
class Query:
    """What a report is asked for; each report reads the parts it needs."""

    start: date
    end: date
    by: str | None = None
    level: str = "village"
    timezone: str = "Asia/Shanghai"
    short_s: int = figures.S_DEFAULT
    target_s: int = figures.T_DEFAULT


def _calls(session: Session, q: Query) -> Report:
    return figures.calls(session, q.start, q.end, q.by, timezone=q.timezone, short_s=q.short_s,
                         target_s=q.target_s)


def _referrals(session: Session, q: Query) -> Report:
    return figures.referrals(session, q.start, q.end, q.by, timezone=q.timezone)


def _evidence(session: Session, q: Query) -> Report:
    return evidence.evidence(session, q.level, q.start, q.end, timezone=q.timezone)


def _staffing(session: Session, q: Query) -> Report:
    return figures.staffing(session, q.start, q.end, timezone=q.timezone, target_s=q.target_s)


def _care(session: Session, q: Query) -> Report:
    if q.by is not None and q.by not in care_figures.BY:
        raise ReportError(f"--by must be one of {', '.join(care_figures.BY)}")
    rows, totals = care_figures.care(session, q.start, q.end, q.by)
    config = current_app.config if has_app_context() else {}
    thresholds = {"tries_per_call": config.get("CARE_TRIES"),
                  "minutes_between_tries": config.get("CARE_RETRY_MINUTES"),
                  "alert_due_minutes": config.get("CARE_ALERT_MINUTES")}
    report = Report("care", q.start, q.end, q.by, q.timezone, thresholds,
                    dict(care_figures.FORMULAS))
    names = figures._names(session, q.by, [r["key"] for r in rows]) if q.by else {}
    report.rows = [{"key": r["key"], "name": names.get(r["key"], r["key"]), **r} for r in rows]
    report.totals = totals
    return report


REPORTS: dict[str, Callable[[Session, Query], Report]] = {
    "calls": _calls, "referrals": _referrals, "evidence": _evidence, "staffing": _staffing,
    "care": _care}
NAMES = tuple(REPORTS)
LEVELS = ("district", "township", "village")


def run(session: Session, name: str, query: Query) -> Report:
    """The report called `name`; an unknown name is a ReportError."""
    report = REPORTS.get(name)
    if report is None:
        raise ReportError(f"no report {name!r}; there are {', '.join(NAMES)}")
    return report(session, query)
