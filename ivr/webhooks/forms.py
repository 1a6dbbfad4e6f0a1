"""Read Twilio's form fields defensively: any field may be missing, odd or huge."""

from __future__ import annotations

import re

from flask import request

from dialogs.outputs import Event
from directory import phones

# Nobody says more than this in one turn; the rest of a runaway transcript is noise.
MAX_SPEECH_CHARS = 500
_DIGITS = re.compile(r"[^0-9*#]")


def field(name: str, limit: int = 64) -> str:
    """A form field as text, cut to `limit` characters, empty when absent."""
    return (request.form.get(name) or "")[:limit].strip()


def number_field(name: str = "From") -> str:
    """A phone number field in E.164 when it is dialable, else as sent (withheld: anonymous)."""
    sent = field(name, 32)
    return phones.parse(sent) or sent


def int_field(name: str) -> int | None:
    """A whole-number form field, or None when absent or not a number."""
    value = field(name, 12)
    return int(value) if value.isdigit() else None


def int_arg(name: str, low: int = 0, high: int = 9) -> int:
    """A small counter from the query string, clamped to [low, high]; garbage reads as low."""
    value = request.args.get(name, "")
    return min(max(int(value), low), high) if value.isdigit() and len(value) < 4 else low


def caller_event() -> Event:
    """The caller's turn: keys and recognised words, cleaned."""
    digits = _DIGITS.sub("", field("Digits", 32))
    speech = field("SpeechResult", MAX_SPEECH_CHARS)
    confidence_text = field("Confidence", 12)
    try:
        confidence: float | None = float(confidence_text) if confidence_text else None
    except ValueError:
        confidence = None
    return Event(digits=digits, speech=speech, confidence=confidence)
