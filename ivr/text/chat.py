"""The web chat: the line's dialog in text for residents who cannot use a voice call.

No login: a random id in the session cookie ties the messages together. Rate limited. The page
loads nothing from outside this server.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session
from sqlalchemy import select

from ivr.accounts.logins import limiter
from ivr.core import db
from ivr.core.models import TextMessage
from ivr.text import channel as text_channel

bp = Blueprint("chat", __name__)
CHANNEL = "chat"
MAX_TEXT = 500


def _owner() -> str:
    """The browser's chat id, made on first use."""
    if "chat_id" not in session:
        session["chat_id"] = "web-" + secrets.token_hex(12)
        session.permanent = True
    return str(session["chat_id"])


@bp.get("/chat")
def page() -> str:
    """The chat page."""
    _owner()
    return render_template("chat.html")


@bp.post("/chat/api/messages")
@limiter.limit("30 per minute")
def send() -> tuple[Response, int] | Response:
    """The resident writes; the line (or, after a hand-off, an operator later) answers."""
    body: dict[str, Any] = request.get_json(silent=True) or {}
    text = str(body.get("text", "")).strip()[:MAX_TEXT]
    if not text:
        return jsonify(error="请写下您的问题。 Please write a message."), 400
    store = db.session()
    row, lines = text_channel.turn(store, current_app.config, CHANNEL, _owner(), "", text)
    store.commit()
    return jsonify(conversation=row.id, replies=lines, **_since(row.id, None))


@bp.get("/chat/api/messages")
@limiter.limit("120 per minute")
def poll() -> Response:
    """Messages an operator wrote since `after` (the page asks every few seconds)."""
    row = text_channel.latest(db.reader(), CHANNEL, key_prefix=_owner())
    if row is None:
        return jsonify(messages=[], last=0)
    after = request.args.get("after", "0")
    return jsonify(**_since(row.id, int(after) if after.isdigit() else 0))


def _since(conversation_id: int, after: int | None) -> dict[str, Any]:
    query = select(TextMessage).where(TextMessage.conversation_id == conversation_id)
    # After send() this reads what its commit wrote; the page polls every few seconds, and a
    # read must not take SQLite's writer turn.
    rows = db.reader().scalars(query.order_by(TextMessage.id)).all()
    last = rows[-1].id if rows else 0
    if after is None:
        return {"messages": [], "last": last}
    return {"messages": [{"id": r.id, "author": "operator", "text": r.body} for r in rows
                         if r.id > after and r.author.startswith("operator:")], "last": last}


