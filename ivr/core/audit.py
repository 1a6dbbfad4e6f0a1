"""The audit trail of residents' files (PIPL): every view, export or change is written.

The log is append-only in the database (triggers refuse update, delete, replace and truncate)
and hash chains: each row carries the hash of the row before it in its chain and the hash of
its own content with that link, so a row changed, removed or slipped in by someone who got past
the triggers breaks its chain at that row (`flask --app ivr audit verify`).

Chain 0 holds every entry but one kind: the first-contact entry of a provisional file, written
in every new caller's first webhook, goes to one of the chains 1..FILE_CHAINS by the file's id
(its content hash covers the chain, so a row cannot be moved to another). Appending takes the
chain's lock until commit; with one chain, 200 first calls at once passed one at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core.models import AuditEntry

# The hash the first row links to.
GENESIS = "0" * 64
# PostgreSQL: one transaction at a time reads the chain's tail and appends to it (held until
# commit), so two writers can never link to the same row. SQLite's writer lock does the same.
CHAIN_LOCK = 0x6175646974  # "audit"; chain n's lock is CHAIN_LOCK + n
# The chains first-contact entries are spread over (a file's id picks one).
FILE_CHAINS = 16


def file_chain(resident_id: int) -> int:
    """The chain of a provisional file's first-contact entry."""
    return 1 + resident_id % FILE_CHAINS


def record(session: Session, *, actor: str, role: str, action: str,
           resident_id: int | None, fields: Iterable[str] = (), reason: str = "",
           sensitivity: str = "none", chain: int = 0) -> None:
    """Append one audit row, chained to the last of its chain, in the caller's transaction."""
    values: dict[str, Any] = {"chain": chain,
        "at": utcnow(), "actor": actor[:64], "role": role[:16], "action": action[:16],
        "resident_id": resident_id, "fields": sorted(set(fields)), "reason": reason[:200],
        "sensitivity": sensitivity}
    # Core on the session's connection, statements built once (a provisional file's entry is
    # written in every first call's /voice).
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CHAIN_LOCK, {"key": CHAIN_LOCK + chain})
    previous = connection.execute(_TAIL, {"chain": chain}).scalar() or GENESIS
    values["prev_hash"] = previous
    values["row_hash"] = digest(previous, values)
    # The row is in the database at once, so the next record() in this transaction links
    # to it.
    connection.execute(_APPEND, values)


_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_TAIL = select(AuditEntry.row_hash).where(AuditEntry.chain == bindparam("chain")).order_by(
    AuditEntry.id.desc()).limit(1)
_APPEND = insert(AuditEntry)


def digest(previous: str, values: dict[str, Any]) -> str:
    """The hash of a row's content and the link to the row before it."""
    at = values["at"]
    assert isinstance(at, datetime)
    content = {"prev": previous, "at": _utc(at), "actor": values["actor"],
               "role": values["role"], "action": values["action"],
               "resident_id": values["resident_id"], "fields": list(values["fields"] or []),
               "reason": values["reason"], "sensitivity": values.get("sensitivity") or "none"}
    if values.get("chain"):  # chain 0's rows hash as they did before there were others
        content["chain"] = values["chain"]
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
    """Walk every chain from its first row, in one pass in the order rows were written; the
    first row whose link (to the row before it in its chain) or content does not hold."""
    tails: dict[int, str] = {}
    count = 0
    for row in session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                               .execution_options(yield_per=1000)):
        count += 1
        previous = tails.get(row.chain, GENESIS)
        if row.prev_hash != previous:
            return Verdict(count, row.id, "its link does not name the row before it "
                           "(a row was removed or inserted)")
        values: dict[str, Any] = {
            "at": row.at, "actor": row.actor, "role": row.role, "action": row.action,
            "resident_id": row.resident_id, "fields": row.fields, "reason": row.reason,
            "sensitivity": row.sensitivity, "chain": row.chain}
        if digest(previous, values) != row.row_hash:
            return Verdict(count, row.id, "its content does not match its hash (changed)")
        tails[row.chain] = row.row_hash
    return Verdict(count)
