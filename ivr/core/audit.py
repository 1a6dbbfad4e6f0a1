"""The audit trail of residents' files (PIPL): every view, export or change is written.

The log is append-only in the database (triggers refuse update, delete, replace and truncate)
and a hash chain: each row carries the hash of the row before it and the hash of its own
content with that link, so a row changed, removed or slipped in by someone who got past the
triggers breaks the chain at that row (`flask --app ivr audit verify`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core.models import AuditEntry

# The hash the first row links to.
GENESIS = "0" * 64
# PostgreSQL: one transaction at a time reads the chain's tail and appends to it (held until
# commit), so two writers can never link to the same row. SQLite's writer lock does the same.
CHAIN_LOCK = 0x6175646974  # "audit"


def record(session: Session, *, actor: str, role: str, action: str,
           resident_id: int | None, fields: Iterable[str] = (), reason: str = "",
           sensitivity: str = "none") -> None:
    """Append one audit row, chained to the last, in the caller's transaction."""
    values: dict[str, Any] = {
        "at": utcnow(), "actor": actor[:64], "role": role[:16], "action": action[:16],
        "resident_id": resident_id, "fields": sorted(set(fields)), "reason": reason[:200],
        "sensitivity": sensitivity}
    # Core on the session's connection, statements built once (a provisional file's entry is
    # written in every first call's /voice).
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CHAIN_LOCK, {"key": CHAIN_LOCK})
    previous = connection.execute(_TAIL).scalar() or GENESIS
    values["prev_hash"] = previous
    values["row_hash"] = digest(previous, values)
    # The row is in the database at once, so the next record() in this transaction links
    # to it.
    connection.execute(_APPEND, values)


_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_TAIL = select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
_APPEND = insert(AuditEntry)


def digest(previous: str, values: dict[str, Any]) -> str:
    """The hash of a row's content and the link to the row before it."""
    at = values["at"]
    assert isinstance(at, datetime)
    content = {"prev": previous, "at": _utc(at), "actor": values["actor"],
               "role": values["role"], "action": values["action"],
               "resident_id": values["resident_id"], "fields": list(values["fields"] or []),
               "reason": values["reason"], "sensitivity": values.get("sensitivity") or "none"}
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _utc(at: datetime) -> str:
    """The same instant written the same way whether the database kept its zone or not."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclass(frozen=True)
class Verdict:
    """What a walk along the chain found."""

    rows: int
    broken_id: int | None = None
    why: str = ""


def verify(session: Session) -> Verdict:
    """Walk the chain from the first row; the first row whose link or content does not hold."""
    previous = GENESIS
    count = 0
    for row in session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                               .execution_options(yield_per=1000)):
        count += 1
        if row.prev_hash != previous:
            return Verdict(count, row.id, "its link does not name the row before it "
                           "(a row was removed or inserted)")
        values: dict[str, Any] = {
            "at": row.at, "actor": row.actor, "role": row.role, "action": row.action,
            "resident_id": row.resident_id, "fields": row.fields, "reason": row.reason,
            "sensitivity": row.sensitivity}
        if digest(previous, values) != row.row_hash:
            return Verdict(count, row.id, "its content does not match its hash (changed)")
        previous = row.row_hash
    return Verdict(count)
