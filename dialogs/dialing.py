"""What follows a <Dial>: done when answered, else try again or a person, then apologise."""

from __future__ import annotations

from dialogs.outputs import Connect, Hangup, Output, Say, Target

# Tries to reach the duty operator or the emergency number before the line apologises.
DIAL_ATTEMPTS = 2


def after_dial(target: Target, attempt: int, dial_status: str) -> list[Output]:
    """Decide the next TwiML after a dial to `target` ended with `dial_status`."""
    if dial_status == "completed":
        return [Say("goodbye"), Hangup()]
    if target == "provider":
        # A provider that does not answer: a person at the call center takes over.
        return [Say("dial.provider_failed"), Connect("duty", "provider_no_answer")]
    if attempt < DIAL_ATTEMPTS:
        return [Say("dial.failed"), Connect(target, "retry", attempt=attempt + 1)]
    return [Say("dial.gave_up"), Hangup()]
