"""INSERT ... ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, values: Mapping[str, Any],
                  conflict: Sequence[str]) -> bool:
    """Insert a row unless one with the same `conflict` columns exists; True if inserted."""
    statement = _ignoring(session.get_bind().dialect.name, model, tuple(values), tuple(conflict))
    # On the session's connection, as Core: the ORM's bulk-insert path adds nothing here.
    result = session.connection().execute(statement, dict(values))
    return bool(getattr(result, "rowcount", 0))


@lru_cache(maxsize=128)
def _ignoring(dialect: str, model: Any, columns: tuple[str, ...],
              conflict: tuple[str, ...]) -> Any:
    # Built once with bind parameters: building a statement and its cache key on every
    # webhook cost more than running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values({c: bindparam(c) for c in columns})
    return statement.on_conflict_do_nothing(index_elements=list(conflict))
