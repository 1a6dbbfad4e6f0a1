"""The token-protected JSON API of township centers and village stations, scoped to their area.

A token belongs to one center or station; it sees the referrals of the divisions that platform
covers, and the files of residents with an open referral to it (as ivr.residents.access allows),
nothing else. Every file it reads, or is refused, is written to the audit log.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.models import Provider
from ivr.core import audit, db, idempotency
from ivr.core.models import ApiToken, Referral, Resident
from ivr.residents import access, records, referrals
from ivr.stations import work

bp = Blueprint("station_api", __name__, url_prefix="/station/api")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, provider_id: str, label: str = "") -> str:
    """A new token for a center or station; only its hash is stored."""
    provider = session.get(Provider, provider_id)
    if provider is None or provider.kind not in work.PLATFORM_KINDS:
        raise ValueError(f"{provider_id!r} is not a township center or village station")
    token = "st_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_hash(token), provider_id=provider_id, label=label))
    return token


def revoke_tokens(session: Session, provider_id: str, token_id: int | None = None) -> int:
    """Revoke the platform's tokens (or one of them); how many stopped working."""
    query = select(ApiToken).where(ApiToken.provider_id == provider_id,
                                   ApiToken.revoked.is_(False))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = session.scalars(query).all()
    for row in rows:
        row.revoked = True
    return len(rows)


def _note_use(token_id: int, last: datetime | None) -> None:
    """Write the token's last use, at most once a minute (a write per request is not worth it)."""
    now = datetime.now(UTC)
    if last is not None and (last if last.tzinfo else last.replace(tzinfo=UTC)) > \
            now - timedelta(minutes=1):
        return
    with db.database().sessions() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id)
                        .values(last_used_at=now))
        session.commit()


@bp.before_request
def authenticate() -> None:
    """Bearer token -> the platform; its division code is the scope of every query."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    # Read-only lookups: a reader, so that listing referrals never takes SQLite's writer turn.
    reader = db.reader()
    row = reader.scalars(select(ApiToken).where(
        ApiToken.token_hash == _hash(token), ApiToken.revoked.is_(False))).first() if token \
        else None
    if row is None:
        abort(401)
    provider = reader.get(Provider, row.provider_id)
    if provider is None:
        abort(401)
    _note_use(row.id, row.last_used_at)
    g.platform = provider
    g.scope = provider.division_code


def _actor() -> str:
    return f"station:{g.platform.id}"


@bp.get("/residents/<int:resident_id>")
def resident(resident_id: int) -> Response:
    """A resident's file, if they have an open referral to this platform (fields limited by
    their consent)."""
    session = db.session()
    row = session.get(Resident, resident_id)
    viewer = access.Viewer(_actor(), "station", g.platform.id)
    if row is None or not access.can_see(session, row, viewer):
        audit.record(session, actor=_actor(), role="station", action="refused",
                     resident_id=resident_id, reason="no open referral to this platform")
        session.commit()
        abort(404)
    data = access.file_view(session, row, viewer,
                            reason=request.args.get("reason", "station api")[:200])
    session.commit()
    return jsonify(data)


@bp.get("/referrals")
def list_referrals() -> Response:
    """Referrals to this platform, or in its area."""
    rows = db.reader().scalars(select(Referral).where(
        (Referral.provider_id == g.platform.id) | Referral.division_code.like(f"{g.scope}%"))
        .order_by(Referral.created_at.desc()).limit(500))
    return jsonify(referrals=[_referral(r) for r in rows])


def once(view: Callable[..., tuple[Response, int]]) -> Callable[..., tuple[Response, int]]:
    """Commit a POST's work once, with its answer: under an `Idempotency-Key` header it takes
    effect once per platform and key, and a replay gets the first answer and writes nothing."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Response, int]:
        session = db.session()
        key = request.headers.get("Idempotency-Key", "").strip()
        held = idempotency.reserve(session, f"station:{g.platform.id}", key) if key else None
        if isinstance(held, idempotency.Answer):
            replay = Response(held.body, mimetype=held.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay, held.status_code
        response, status = view(*args, **kwargs)
        if held is not None:
            # A refusal is kept too, so that a replay is refused the same way.
            idempotency.keep(held, status, response.mimetype or "application/json",
                             response.get_data(as_text=True))
        session.commit()
        return response, status

    return wrapped


@bp.post("/referrals/<int:referral_id>/status")
@once
def referral_status(referral_id: int) -> tuple[Response, int]:
    """Move a referral this platform holds: accepted, completed or declined."""
    session = db.session()
    row = session.get(Referral, referral_id)
    if row is None or row.provider_id != g.platform.id:
        abort(404)
    body: dict[str, Any] = request.get_json(silent=True) or {}
    status = str(body.get("status", ""))
    if status not in work.MOVES:
        return jsonify(error="status must be accepted, completed or declined"), 400
    try:
        referrals.move(session, row, status, actor=_actor(), note=str(body.get("note", ""))[:200])
    except referrals.ReferralError as error:
        return jsonify(error=str(error)), 409
    return jsonify(_referral(row)), 200


@bp.post("/records")
@once
def add_record() -> tuple[Response, int]:
    """Record a service activity or a government-purchased project (evidence)."""
    session = db.session()
    body: dict[str, Any] = request.get_json(silent=True) or {}
    try:
        held_on = date.fromisoformat(str(body.get("date", "")))
    except ValueError:
        return jsonify(error="date must be YYYY-MM-DD"), 400
    participants = body.get("participants")
    try:
        record = work.add_record(
            session, g.platform.id, kind=str(body.get("kind", "")),
            title=str(body.get("title", "")), held_on=held_on, actor=_actor(),
            participants=participants if isinstance(participants, int) else None)
    except ValueError as error:
        return jsonify(error=str(error)), 400
    session.flush()
    return jsonify(id=record.id, kind=record.kind, title=record.title,
                   date=held_on.isoformat()), 201


def _referral(row: Referral) -> dict[str, Any]:
    return {"id": row.id, "number": records.short_number(row.id), "category": row.category,
            "division": row.division_code, "provider": row.provider_id, "level": row.level,
            "status": row.status, "deadline": row.deadline.isoformat(),
            "created_at": row.created_at.isoformat(timespec="seconds")}
