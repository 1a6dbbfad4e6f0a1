"""Generated contacts with known truth, for the report tests and the report benchmark."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.cli.demo_data import CATEGORIES, CHANNELS, GROUPS, row

__all__ = ["CATEGORIES", "CHANNELS", "GROUPS", "contacts", "quarter_edge", "row"]

def contacts(n: int, *, seed: int, start: datetime, days: int, areas: list[str],
             timezone: str = "Asia/Shanghai") -> Iterator[dict[str, Any]]:
    """`n` conversation rows spread over `days` days from `start` (aware, UTC)."""
    rng = random.Random(seed)
    phones = [f"+86139{rng.randrange(10**8):08d}" for _ in range(max(10, n // 3))]
    for i in range(n):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        yield row(i, at, rng, phones, areas, timezone)


def quarter_edge(timezone: str = "Asia/Shanghai") -> list[datetime]:
    """23:59:59 on 31 March and 00:00:00 on 1 April, Hefei time, as UTC instants."""
    return [datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC), datetime(2026, 3, 31, 16, 0, 0,
                                                                     tzinfo=UTC)]
