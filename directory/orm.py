"""The declarative base that every table of the product shares.

It lives in the lowest layer (the directory) so that `ivr` tables can refer to directory
tables without the directory importing the Flask application.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of all mapped tables."""

    metadata = MetaData(naming_convention=NAMING)


# Set only by ivr.core.clock.frozen (tests, `jobs run --at`): every write's "now" follows it.
FROZEN: list[datetime] = []


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return FROZEN[-1] if FROZEN else datetime.now(UTC)
