"""Administrators' pages: the dashboard, every report with CSV export, printable evidence."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from directory.models import Provider
from ivr.accounts.logins import role_required
from ivr.core import db
from ivr.reports import evidence, figures, labels, pages, periods, registry, spreadsheets

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def _names() -> dict[str, Any]:
    return {"labels": labels, "evidence": evidence}


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


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _chosen_period(default: str = "month") -> periods.Period:
    try:
        return periods.from_args(request.args, _today(), default)
    except figures.ReportError:
        abort(400)


@bp.get("/reports/<name>")
@role_required("admin")
def report(name: str) -> str | Response | WerkzeugResponse:
    """One report as a table with a chart, or as CSV / XLSX with ?format=."""
    if name not in registry.REPORTS:
        abort(404)
    if name == "evidence":
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "level"}
        args["level"] = request.args.get("level", "village")
        return redirect(url_for("admin.evidence_index", **args))
    chosen = _chosen_period()
    by = request.args.get("by") or None
    if by is not None and by not in labels.BY.get(name, ()):
        abort(400)
    result = pages.run(db.reader(), name, chosen, by, request.args.get("level", "village"),
                       current_app.config["TIMEZONE"])
    download = _download(result, name, chosen)
    if download is not None:
        return download
    return render_template("admin/report.html", report=result, name=name, period=chosen,
                           view=pages.view(result), args=request.args,
                           controls=pages.controls(name, chosen, by, _today()))


def _download(result: figures.Report, name: str, chosen: periods.Period) -> Response | None:
    fmt = request.args.get("format")
    stem = f"{name}-{chosen.start}-{chosen.end}"
    if fmt == "csv":
        return Response(spreadsheets.to_csv(result), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={stem}.csv"})
    if fmt == "xlsx":
        return Response(spreadsheets.to_xlsx(result), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename={stem}.xlsx"})
    if fmt is not None:
        abort(400)
    return None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20


@bp.get("/evidence/<level>")
@role_required("admin")
def evidence_index(level: str) -> str | Response:
    """The evidence of one level, filterable by district and township, a page at a time."""
    if level not in evidence.LEVELS:
        abort(404)
    chosen = _chosen_period("quarter")
    session = db.reader()
    pack = evidence.evidence(session, level, chosen.start, chosen.end,
                             timezone=current_app.config["TIMEZONE"])
    district, township = request.args.get("district", ""), request.args.get("township", "")
    rows = [r for r in pack.rows if r["division"].startswith(township or district)]
    pack.rows = rows
    download = _download(pack, f"evidence-{level}", chosen)
    if download is not None:
        return download
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages_total = max(1, -(-len(rows) // PAGE_SIZE))
    return render_template(
        "admin/evidence_index.html", level=level, report=pack, period=chosen,
        rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], count=len(rows), page=page,
        pages_total=pages_total, district=district, township=township,
        places=pages.places(session), args=request.args,
        pager_args={k: v for k, v in request.args.items() if k != "page"},
        controls=pages.controls("evidence", chosen, None, _today()))


@bp.get("/evidence/<level>/<provider_id>")
@role_required("admin")
def evidence_page(level: str, provider_id: str) -> str:
    """A printable page for one platform: each condition, its rule, the figure, the verdict,
    and room for the signature and stamp."""
    session = db.reader()
    platform = session.get(Provider, provider_id)
    if platform is None or level not in evidence.LEVELS:
        abort(404)
    chosen = _chosen_period("quarter")
    pack = evidence.evidence(session, level, chosen.start, chosen.end,
                             timezone=current_app.config["TIMEZONE"])
    row = next((r for r in pack.rows if r["key"] == provider_id), None)
    if row is None:
        abort(404)
    return render_template("admin/evidence.html", row=row, report=pack, level=level,
                           period=chosen, platform=platform,
                           place=pages.place_name(session, platform.division_code))
