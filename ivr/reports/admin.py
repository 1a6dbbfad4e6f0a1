"""Administrators' pages: the dashboard, every report with CSV export, printable evidence."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request

from directory.models import Provider
from ivr.accounts.logins import role_required
from ivr.core import db
from ivr.reports import evidence, figures, formats, registry

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _period() -> tuple[date, date]:
    """The period asked for (?from=&to= or ?quarter=), else the last 30 days."""
    args = request.args
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    try:
        if args.get("quarter"):
            return figures.period(quarter=args["quarter"])
        if args.get("from") and args.get("to"):
            return figures.period(start=args["from"], end=args["to"])
    except figures.ReportError:
        abort(400)
    return today - timedelta(days=29), today


def _quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@bp.get("/")
@role_required("admin")
def dashboard() -> str:
    """Contacts per day and hour, rates against targets by area, category and group, and the
    evidence status of every platform."""
    session = db.reader()
    start, end = _period()
    zone = current_app.config["TIMEZONE"]
    data: dict[str, Any] = {"targets": {"answer_rate": evidence.ANSWER_TARGET,
                                        "timely_answer_rate": evidence.TIMELY_TARGET}}
    for by in ("day", "hour", "district", "township", "category", "group"):
        data[by] = figures.calls(session, start, end, by, timezone=zone).rows
    totals = figures.calls(session, start, end, timezone=zone).totals
    quarter = _quarter_of(end)
    status = {level: evidence.evidence(session, level, *figures.period(quarter=quarter),
                                       timezone=zone).rows
              for level in ("district", "township", "village")}
    return render_template("admin/dashboard.html", start=start, end=end, totals=totals,
                           data=json.dumps(data, ensure_ascii=False, default=str),
                           status=status, quarter=quarter, timezone=zone)


@bp.get("/reports/<name>")
@role_required("admin")
def report(name: str) -> str | Response:
    """One report as a page, or as CSV with ?format=csv."""
    session = db.reader()
    start, end = _period()
    zone = current_app.config["TIMEZONE"]
    by = request.args.get("by") or None
    if name not in registry.REPORTS:
        abort(404)
    query = registry.Query(start, end, by, level=request.args.get("level", "village"),
                           timezone=zone)
    try:
        result = registry.run(session, name, query)
    except figures.ReportError:
        abort(400)
    if request.args.get("format") == "csv":
        return Response(formats.to_csv(result), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename={name}-{start}-{end}.csv"})
    return render_template("admin/report.html", report=result, name=name,
                           table=formats.to_table(result), args=request.args)


@bp.get("/evidence/<level>/<provider_id>")
@role_required("admin")
def evidence_page(level: str, provider_id: str) -> str:
    """A printable page for one platform: each condition, the figure behind it, the rule."""
    session = db.reader()
    if session.get(Provider, provider_id) is None:
        abort(404)
    start, end = _period()
    try:
        pack = evidence.evidence(session, level, start, end,
                                 timezone=current_app.config["TIMEZONE"])
    except figures.ReportError:
        abort(404)
    row = next((r for r in pack.rows if r["key"] == provider_id), None)
    if row is None:
        abort(404)
    return render_template("admin/evidence.html", row=row, report=pack, level=level)
