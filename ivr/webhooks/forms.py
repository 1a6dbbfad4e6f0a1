"""Read Twilio's form fields defensively: any field may be missing, odd or huge."""

from __future__ import annotations

from flask import current_app, request

from dialogs.outputs import Event
from directory import phones
from ivr.providers.voice import voice_provider


def field(name: str, limit: int = 64) -> str:
    """A form field as text, cut to `limit` characters, empty when absent."""
    return (request.form.get(name) or "")[:limit].strip()


def number_field(name: str = "From") -> str:
    """A phone number field in E.164 when it is dialable, else as sent (withheld: anonymous).
    The resident on a call the line placed (a care call, Direction outbound-api) is its To."""
    if name == "From" and field("Direction", 16).startswith("outbound"):
        name = "To"
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
    """The caller's turn: keys and recognised words, cleaned, as the voice provider sends it."""
    return voice_provider(current_app.config).read(request.form)


def dial_status() -> str:
    """How the last <Dial> ended, in Twilio's words whatever the provider."""
    return voice_provider(current_app.config).dial_status(request.form)


def sequence_number() -> int | None:
    """The status callback's number, where the provider numbers them."""
    return voice_provider(current_app.config).sequence_number(request.form)
