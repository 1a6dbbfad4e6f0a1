"""The audit trail of residents' files (PIPL): every view, export or change is written."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ivr.core.models import AuditEntry


def record(session: Session, *, actor: str, role: str, action: str,
           resident_id: int | None, fields: Iterable[str] = (), reason: str = "") -> None:
    """Add one audit row in the caller's transaction (the database refuses to alter it)."""
    session.add(AuditEntry(actor=actor[:64], role=role, action=action, resident_id=resident_id,
                           fields=sorted(set(fields)), reason=reason[:200]))
