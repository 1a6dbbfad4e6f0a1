"""Requests that take effect once: the first one with a key writes and its answer is kept; a
replay of the key (Twilio retrying `/sms`, a station resending an API call) is served that
answer again and writes nothing.

The key is reserved before the work starts: on PostgreSQL a concurrent second request with the
same key waits on the unique index until the first commits, then finds its answer; SQLite has
one writer at a time, so the second simply finds the row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.core.models import IdempotentRequest

KEY_LIMIT = 128


@dataclass(frozen=True)
class Answer:
    """What the first request with the key was answered."""

    status_code: int
    content_type: str
    body: str


def _stored(session: Session, scope: str, key: str) -> IdempotentRequest | None:
    return session.scalars(select(IdempotentRequest).where(
        IdempotentRequest.scope == scope, IdempotentRequest.key == key)).first()


def reserve(session: Session, scope: str, key: str) -> IdempotentRequest | Answer:
    """The answer already given for `key`, or the reserved row the caller fills with `keep`.

    Call it first in the request: losing the race rolls the session back."""
    key = key[:KEY_LIMIT]
    found = _stored(session, scope, key)
    if found is None:
        row = IdempotentRequest(scope=scope, key=key, status_code=0, content_type="", body="")
        session.add(row)
        try:
            session.flush()
            return row
        except IntegrityError:
            # Another request with this key committed first: serve its answer.
            session.rollback()
            found = _stored(session, scope, key)
            if found is None:  # pragma: no cover - the winner rolled back after all
                raise
    return Answer(found.status_code, found.content_type, found.body)


def keep(row: IdempotentRequest, status_code: int, content_type: str, body: str) -> None:
    """Write down the answer of the request that holds `row` (committed with its work)."""
    row.status_code, row.content_type, row.body = status_code, content_type[:64], body
