"""Local-time report buckets, computed once when a row is written (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def buckets(at: datetime, timezone: str) -> dict[str, Any]:
    """Local date, hour, ISO week, month and quarter of an aware time, and its epoch second."""
    local = at.astimezone(ZoneInfo(timezone))
    year, week, _ = local.isocalendar()
    return {
        "local_date": local.date(),
        "local_hour": local.hour,
        "local_week": f"{year}-W{week:02d}",
        "local_month": f"{local.year}-{local.month:02d}",
        "local_quarter": f"{local.year}Q{(local.month - 1) // 3 + 1}",
        "started_epoch": int(at.timestamp()),
    }


def caller_group(groups: list[str] | None) -> str:
    """One group per contact for the reports: disabled, else elderly, else other."""
    found = set(groups or [])
    return "disabled" if "disabled" in found else "elderly" if "elderly" in found else "other"
