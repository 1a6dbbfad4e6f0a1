"""The line's clock: every "now" of the house is aware UTC (`now`), read in the line's zone
only to name a local day or hour (`local_now`, `today`); `frozen` stops it for tests and for
`flask --app ivr jobs run --at`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from directory import orm


def now() -> datetime:
    """Now, aware, in UTC (what every stored time is)."""
    return orm.utcnow()


def local_now(config: Any) -> datetime:
    """Now, in the line's time zone, without tzinfo (as opening hours read it)."""
    return now().astimezone(ZoneInfo(config["TIMEZONE"])).replace(tzinfo=None)


def today(config: Any) -> date:
    """The line's local date now."""
    return now().astimezone(ZoneInfo(config["TIMEZONE"])).date()


def aware(value: datetime) -> datetime:
    """A stored time as aware UTC: SQLite hands back naive UTC, PostgreSQL aware in the
    session's TimeZone (which need not be UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Stop the clock at `at` (aware) until the block ends."""
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware time")
    orm.FROZEN.append(at.astimezone(UTC))
    try:
        yield at
    finally:
        orm.FROZEN.pop()
