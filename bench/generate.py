"""Generated contacts with known truth, for the report tests and the report benchmark."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.core.buckets import buckets

CHANNELS = ("voice", "voice", "voice", "sms", "chat")
GROUPS = ("elderly", "disabled", "other", "other")
CATEGORIES = ("meal", "cleaning", "bathing", "medical", "mobility", "repair")


def contacts(n: int, *, seed: int, start: datetime, days: int, areas: list[str],
             timezone: str = "Asia/Shanghai") -> Iterator[dict[str, Any]]:
    """`n` conversation rows spread over `days` days from `start` (aware, UTC)."""
    rng = random.Random(seed)
    phones = [f"+86139{rng.randrange(10**8):08d}" for _ in range(max(10, n // 3))]
    for i in range(n):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        yield row(i, at, rng, phones, areas, timezone)


def row(i: int, at: datetime, rng: random.Random, phones: list[str], areas: list[str],
        timezone: str) -> dict[str, Any]:
    """One contact with every flag the reports read, decided at random but known."""
    handed = rng.random() < 0.45
    emergency = handed and rng.random() < 0.05
    answered = handed and rng.random() < 0.8
    abandoned = handed and not answered and rng.random() < 0.85
    wait = rng.randrange(0, 40) if answered else (rng.randrange(0, 30) if abandoned else None)
    return {
        "channel": rng.choice(CHANNELS), "key": f"GEN{i:09d}", "phone": rng.choice(phones),
        "turn": 3, "state": {}, "last_outputs": [], "emergency": emergency,
        "resident_id": None, "category": rng.choice(CATEGORIES),
        "division_code": None, "handed_off": handed,
        "outcome": "handed_off" if handed else "ivr_handled", "operator_notes": "",
        "recording_url": "", "caller_group": rng.choice(GROUPS), "area_code": rng.choice(areas),
        "provider_id": None, "operator_id": rng.choice((1, 2, 3)) if answered else None,
        "handed_off_at": at if handed else None, "answered": answered, "abandoned": abandoned,
        "wait_s": wait, "talk_s": rng.randrange(30, 600) if answered else None,
        "wrap_s": rng.randrange(0, 120) if answered else None,
        "recontacted": rng.random() < 0.1, "started_at": at, "updated_at": at,
        **buckets(at, timezone),
    }


def quarter_edge(timezone: str = "Asia/Shanghai") -> list[datetime]:
    """23:59:59 on 31 March and 00:00:00 on 1 April, Hefei time, as UTC instants."""
    return [datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC), datetime(2026, 3, 31, 16, 0, 0,
                                                                     tzinfo=UTC)]
