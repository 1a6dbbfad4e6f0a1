"""GET /healthz (liveness), /readyz (ready for traffic) and /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core import db, metrics
from ivr.core.models import OutboxMessage, WorkerHeartbeat
from ivr.core.statuses import OutboxStatus

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


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 when the database answers and the outbox and worker keep up, else 503 and why."""
    try:
        answer = readiness(db.reader(), current_app.config)
    except SQLAlchemyError:
        answer = {"ready": False, "database": "unreachable",
                  "reasons": ["数据库无应答 the database does not answer"]}
    return jsonify(answer), 200 if answer["ready"] else 503


def readiness(session: Session, config: Any) -> dict[str, Any]:
    """The oldest unsent text and the worker's last heartbeat against their limits."""
    session.execute(text("SELECT 1"))
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
    beat = session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    outbox_age = metrics.age_s(oldest)
    reasons: list[str] = []
    outbox_limit = int(config["READY_OUTBOX_AGE_S"])
    if oldest is not None and outbox_age > outbox_limit:
        reasons.append(f"最早的未发短信已等 {int(outbox_age)} 秒 the oldest unsent text message "
                       f"has waited {int(outbox_age)} s (limit {outbox_limit} s)")
    beat_limit = int(config["READY_HEARTBEAT_AGE_S"])
    beat_age = metrics.age_s(beat) if beat is not None else None
    if beat_age is None:
        reasons.append("后台进程从未报到 no worker has reported (flask --app ivr worker)")
    elif beat_age > beat_limit:
        reasons.append(f"后台进程 {int(beat_age)} 秒没有心跳 the worker's last heartbeat is "
                       f"{int(beat_age)} s old (limit {beat_limit} s)")
    session.rollback()
    return {"ready": not reasons, "database": "ok",
            "outbox": {"oldest_unsent_s": round(outbox_age, 1), "limit_s": outbox_limit},
            "worker": {"heartbeat_age_s": None if beat_age is None else round(beat_age, 1),
                       "limit_s": beat_limit},
            "reasons": reasons}


@bp.get("/metrics")
def prometheus() -> Response:
    """Every metric in Prometheus's text format."""
    body, content_type = metrics.exposition(db.database().sessions,
                                            current_app.config["SPOOL_PATH"])
    return Response(body, content_type=content_type)


def beat(session: Session, name: str) -> None:
    """Write that the worker `name` finished a round now (the caller commits)."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, beat_at=utcnow()))
    else:
        row.beat_at = utcnow()



