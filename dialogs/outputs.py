"""What a dialog step asks a channel to do; renderers turn these into TwiML or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# "crisis": a caller with thoughts of suicide, put through to a person at once (CRISIS_NUMBER).
Target = Literal["duty", "emergency", "crisis", "provider"]
# "secret": keys only, a few digits ended by #, never stored (the caller check).
Expect = Literal["menu", "yesno", "speech", "secret"]


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
    """Speak (or write) one prompt of the catalog, its placeholders filled from `params`.

    `voice` names another language whose voice speaks it (the offer of the other language).
    """

    prompt: str
    params: dict[str, Any] = field(default_factory=dict)
    voice: str | None = None


@dataclass(frozen=True)
class Choice:
    """A menu option as a channel shows it: the key, the spoken sentence, the short label."""

    key: str
    prompt: str
    label: str
    # Placeholders of the sentence and label ("为您接通{provider}，请按1。").
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ask:
    """Say prompts, then listen. `turn` numbers the answer so a retried request is known."""

    prompts: tuple[Say, ...]
    expect: Expect
    turn: int
    choices: tuple[Choice, ...] = ()
    hints: tuple[str, ...] = ()
    timeout_s: int = 5
    slow: bool = False
    can_go_back: bool = False
    # The key that dials the emergency number here ("" when none): a channel that cannot
    # hear 救命 announces it.
    emergency_key: str = ""
    # Said after the choices: details a caller who knows what to press need not wait for,
    # and (once a call, or on request) the reserved keys.
    after: tuple[Say, ...] = ()


@dataclass(frozen=True)
class Connect:
    """Put the caller through to a person or provider; `attempt` counts tries. `urgent`: an
    emergency nobody answered yet, to be carried on to a person whatever happens."""

    target: Target
    reason: str
    number: str | None = None
    name: str | None = None
    attempt: int = 1
    urgent: bool = False


@dataclass(frozen=True)
class Hangup:
    """End the call (or conversation) after the prompts before it."""


@dataclass(frozen=True)
class Effect:
    """Something to write once the turn is over (callback, referral, address, SMS, ...)."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)


Output = Say | Ask | Connect | Hangup | Effect
