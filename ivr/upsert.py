"""INSERT ... ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, values: Mapping[str, Any],
                  conflict: Sequence[str]) -> bool:
    """Insert a row unless one with the same `conflict` columns exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    result = session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))
