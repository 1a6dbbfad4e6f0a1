"""`/city/...` pages (role city) and `/city/api/...` (a city API key): read only."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request

from ivr.accounts.logins import role_required
from ivr.city import shared
from ivr.core import db
from ivr.reports import evidence, figures, labels, pages, periods, spreadsheets

bp = Blueprint("city", __name__, url_prefix="/city")
api = Blueprint("city_api", __name__, url_prefix="/city/api")
PAGE_SIZE = 10


@bp.context_processor
def _names() -> dict[str, Any]:
    return {"labels": labels, "evidence": evidence}


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _quarter() -> periods.Period:
    try:
        return periods.from_args(request.args, _today(), "quarter")
    except figures.ReportError:
        abort(400)


@bp.get("/")
@role_required("city")
def index() -> str:
    """The quarter's statistics by district and the evidence summary of every level."""
    chosen, session, zone = _quarter(), db.reader(), current_app.config["TIMEZONE"]
    by = request.args.get("by") or "district"
    try:
        stats = shared.statistics(session, chosen, by, zone)
    except figures.ReportError:
        abort(400)
    summary = {}
    for level in evidence.LEVELS:
        rows = shared.evidence_pack(session, level, chosen, zone).rows
        summary[level] = (len(rows), sum(1 for r in rows if r["met"]))
    return render_template("city/index.html", period=chosen, view=pages.view(stats),
                           summary=summary, by=by, quarters=periods.quarters_before(_today()),
                           by_choices=[(d, labels.DIMENSIONS[d]) for d in shared.CITY_BY])


@bp.get("/evidence/<level>")
@role_required("city")
def evidence_level(level: str) -> str:
    """Every platform of a level with each condition, a page at a time."""
    if level not in evidence.LEVELS:
        abort(404)
    chosen = _quarter()
    rows = shared.evidence_pack(db.reader(), level, chosen,
                                current_app.config["TIMEZONE"]).rows
    district = request.args.get("district", "")
    rows = [r for r in rows if r["division"].startswith(district)]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template("city/evidence.html", level=level, period=chosen,
                           rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], count=len(rows),
                           page=page, pages_total=max(1, -(-len(rows) // PAGE_SIZE)),
                           quarters=periods.quarters_before(_today()), district=district,
                           places=pages.places(db.reader()))


@api.before_request
def authenticate() -> None:
    """A city API key in `Authorization: Bearer ...`, else 401."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not shared.token_is_valid(db.reader(), token):
        abort(401)


def _answer(report: figures.Report, stem: str) -> Response:
    if request.args.get("format") == "csv":
        return Response(spreadsheets.to_csv(report), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={stem}.csv"})
    return Response(json.dumps(report.as_json(), ensure_ascii=False, default=str),
                    mimetype="application/json")


@api.get("/statistics")
def api_statistics() -> Response:
    """Calls of the period (?quarter=2026Q4, ?by=district), JSON or ?format=csv."""
    chosen = _quarter()
    try:
        report = shared.statistics(db.reader(), chosen, request.args.get("by"),
                                   current_app.config["TIMEZONE"])
    except figures.ReportError:
        abort(400)
    return _answer(report, f"statistics-{chosen.start}-{chosen.end}")


@api.get("/evidence/<level>")
def api_evidence(level: str) -> Response:
    """Every platform's evidence of a level for the quarter, JSON or ?format=csv."""
    if level not in evidence.LEVELS:
        abort(404)
    chosen = _quarter()
    report = shared.evidence_pack(db.reader(), level, chosen, current_app.config["TIMEZONE"])
    return _answer(report, f"evidence-{level}-{chosen.quarter}")
