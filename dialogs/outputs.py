"""What a dialog step asks a channel to do; renderers turn these into TwiML or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Target = Literal["duty", "emergency"]


@dataclass(frozen=True)
class Event:
    """One turn of the caller: keys pressed and/or words recognised (empty means silence)."""

    digits: str = ""
    speech: str = ""
    confidence: float | None = None

    @property
    def silent(self) -> bool:
        """True when the caller gave no input at all."""
        return not self.digits and not self.speech.strip()


@dataclass(frozen=True)
class Say:
    """Speak (or write) one prompt of the catalog."""

    prompt: str


@dataclass(frozen=True)
class Ask:
    """Speak prompts while listening for keys or words; `state` travels to the next turn."""

    prompts: tuple[str, ...]
    state: dict[str, int] = field(default_factory=dict)
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Connect:
    """Put the caller through to a person; `attempt` counts tries of the same target."""

    target: Target
    reason: str
    attempt: int = 1


@dataclass(frozen=True)
class Hangup:
    """End the call after the prompts before it."""


Output = Say | Ask | Connect | Hangup
