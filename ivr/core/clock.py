"""The line's wall clock: what opening hours (providers', operators') are read against."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def local_now(config: Any) -> datetime:
    """Now, in the line's time zone, without tzinfo (as opening hours read it)."""
    return datetime.now(ZoneInfo(config["TIMEZONE"])).replace(tzinfo=None)
