"""GET /healthz: is the service up, and does its database answer."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ivr.core import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer 200 when the database answers, 503 otherwise (the phone line still works)."""
    try:
        # A reader: a health check must not queue for SQLite's writer turn.
        db.reader().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
