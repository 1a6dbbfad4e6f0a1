"""What the admin and city pages show of a report: its table as text, its charts, the period and
grouping controls, and the places to filter evidence by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import abort
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Division
from ivr.reports import charts, figures, labels, periods, registry
from ivr.reports.figures import Report

# The figure each report draws, and whether it is a rate (drawn against its target).
CHARTED = {"calls": ("offered", "answer_rate"), "referrals": ("created", "completed"),
           "staffing": ("offered_per_day", "agents"), "care": ("care_due", "care_answer_rate")}


@dataclass
class View:
    """A report laid out for a page."""

    head: list[str]
    rows: list[list[str]]
    totals: list[str]
    formulas: list[tuple[str, str]]
    thresholds: list[tuple[str, str]]
    charts: list[tuple[str, Markup]] = field(default_factory=list)


def run(session: Session, name: str, chosen: periods.Period, by: str | None, level: str,
        timezone: str) -> Report:
    """The registry's report for the period and grouping."""
    try:
        return registry.run(session, name, registry.Query(chosen.start, chosen.end, by,
                                                          level=level, timezone=timezone))
    except figures.ReportError:
        abort(400)


def view(report: Report) -> View:
    """Headings in Mandarin and English, cells in the local number format, and its charts."""
    cols = labels.columns(report)
    head = [labels.DIMENSIONS.get(report.by or "", "项目 Item"),
            *(labels.FIGURES.get(c, c) for c in cols)]
    out = View(head, labels.rows(report), labels.totals(report),
               [(labels.FIGURES.get(k, k), v) for k, v in report.formulas.items()],
               [(k, str(v)) for k, v in report.thresholds.items()])
    names = [labels.key_label(report.by, r) for r in report.rows]
    if report.rows and (report.by or report.report == "staffing"):
        for figure in CHARTED.get(report.report, ()):
            rate = figure in labels.RATES
            title = f"{labels.FIGURES.get(figure, figure)} · {head[0]}"
            out.charts.append((title, charts.bars(
                title, names, [r.get(figure) for r in report.rows], percent=rate,
                target=labels.TARGETS.get(figure) if rate else None)))
    return out


def controls(name: str, chosen: periods.Period, by: str | None, today: date) -> dict[str, Any]:
    """What the period and grouping form offers and has chosen."""
    return {"kinds": periods.KIND_LABELS, "kind": chosen.kind, "start": chosen.start,
            "end": chosen.end, "quarters": periods.quarters_before(today),
            "quarter": chosen.quarter, "year": chosen.end.year,
            "month": chosen.start.strftime("%Y-%m"), "week": chosen.start.strftime("%G-W%V"),
            "by_choices": [(d, labels.DIMENSIONS[d]) for d in labels.BY.get(name, ())],
            "by": by}


def places(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Districts and townships to filter by, as (code, name)."""
    found: dict[str, list[tuple[str, str]]] = {"district": [], "township": []}
    for code, name in session.execute(select(Division.code, Division.name)
                                      .where(Division.level.in_((3, 4)))
                                      .order_by(Division.code)):
        found["district" if len(code) == 6 else "township"].append((code, name))
    return found


def place_name(session: Session, code: str) -> str:
    """A division's name with its parents': 合肥市 包河区 滨湖世纪社区."""
    names = dict(session.execute(select(Division.code, Division.name).where(
        Division.code.in_([code[:n] for n in (4, 6, 9, 12) if n <= len(code)]))).all())
    return " ".join(names[c] for c in sorted(names, key=len))
