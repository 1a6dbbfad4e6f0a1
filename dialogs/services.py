"""What the dialogs may ask of the rest of the product: reads only, never writes.

Writes (a callback, a referral, a new address, an SMS) come back from a step as Effect
outputs, so that the channel performs them in the same transaction as the turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from directory import emergency
from directory.emergency import Alarm
from directory.understanding import Understood


@dataclass(frozen=True)
class RouteAnswer:
    """Where a request would go, as the dialog tells the caller."""

    id: str
    name: str
    phone: str | None
    level: str
    reason_code: str
    next_open: str | None = None
    closed_name: str | None = None


@dataclass(frozen=True)
class OpenRequest:
    """One of the caller's requests in progress."""

    need: str
    provider: str
    state: str
    # The short number the caller was told and sent (R12).
    number: str = ""


@dataclass(frozen=True)
class PlaceChoice:
    """One division a caller can choose by key: its code and its name as people say it."""

    code: str
    name: str
    # The name for the English prompts (pinyin and the kind: "Shushan District").
    name_en: str
    # True for a district or county: the caller chooses one of its townships next.
    broad: bool = False


@dataclass
class Settings:
    """Switches of the line that operators set, not callers."""

    elderly_direct_to_human: bool = False
    failure_budget: int = 4
    elderly_failure_budget: int = 3
    # How a caller proves a protected file is theirs: pin, id4 (the ID card's last four
    # characters) or off (caller ID is trusted, as before).
    caller_check: str = "off"
    # The voice provider hears keys only (Somleng): every question starts at its keyed list.
    keys_only: bool = False


class Directory(Protocol):
    """The directory and the caller's file, as the dialogs see them."""

    def understand_need(self, text: str) -> Understood:
        """Which service category the words name."""

    def understand_place(self, text: str, within: str | None) -> Understood:
        """Which division the words name, inside `within` first."""

    def need_name(self, code: str, language: str) -> str:
        """A category's name in a language."""

    def place_name(self, code: str, language: str = "zh-CN") -> str:
        """A division's name as people say it, in the caller's language."""

    def route(self, need: str, division: str) -> RouteAnswer:
        """Where a request for `need` from `division` goes now."""

    def open_requests(self) -> list[OpenRequest]:
        """The caller's requests in progress."""

    def hints(self, understand: str, within: str | None) -> tuple[str, ...]:
        """Words the recognizer should expect for a question."""

    def check_caller(self, kind: str, entry: str) -> bool:
        """Whether the keys entered match the secret of this kind on the caller's file."""

    def place_choices(self, parent: str | None) -> list[PlaceChoice]:
        """The divisions directly below `parent` (below the line's city when None), in a
        stable order (by code), for a caller who chooses their place by keys."""


def assess(text: str) -> Alarm:
    """directory.emergency.assess, looked up when called (so that it can be replaced)."""
    return emergency.assess(text)


@dataclass
class Environment:
    """What a step needs besides the dialog, the state and the event."""

    directory: Directory
    settings: Settings = field(default_factory=Settings)
    # Whether the caller's words mean danger now; asked before anything else in every turn.
    assess: Callable[[str], Alarm] = assess
    # The line's local time, for dates said relative to today (今天、明天、下周一).
    now: datetime | None = None
