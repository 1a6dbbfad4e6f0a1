"""What follows a <Dial>: done when answered, else try again or a person, then apologise.

An emergency or crisis dial is never the end of the call: unanswered twice it goes on to the
duty officer, and an unanswered duty officer puts the caller first in the operators' queue.
"""

from __future__ import annotations

from dialogs.outputs import Connect, Hangup, Output, Say, Target

# Tries to reach the duty operator or the emergency number before the line moves on.
DIAL_ATTEMPTS = 2
# The reason of the step that queues an unanswered emergency ahead of every other caller.
URGENT_QUEUE = "emergency_queue"


def after_dial(target: Target, attempt: int, dial_status: str,
               urgent: bool = False) -> list[Output]:
    """Decide the next TwiML after a dial to `target` ended with `dial_status`; `urgent`
    when the dial was the duty officer's for an emergency nobody had answered."""
    if dial_status == "completed":
        return [Say("goodbye"), Hangup()]
    if target == "provider":
        # A provider that does not answer: a person at the call center takes over.
        return [Say("dial.provider_failed"), Connect("duty", "provider_no_answer")]
    if target in ("emergency", "crisis") and attempt >= DIAL_ATTEMPTS:
        return unanswered_emergency(target)
    if urgent:
        return [Say("dial.urgent_to_queue"), Connect("duty", URGENT_QUEUE, urgent=True)]
    if attempt < DIAL_ATTEMPTS:
        return [Say("dial.failed"), Connect(target, "retry", attempt=attempt + 1)]
    return [Say("dial.gave_up"), Hangup()]


def unanswered_emergency(target: Target = "emergency", *,
                         from_queue: bool = False) -> list[Output]:
    """An emergency (or crisis) line that did not answer: the duty officer, urgently;
    `from_queue` when it was the operators' queue that nobody answered this time."""
    return [Say("dial.urgent_again" if from_queue else "dial.urgent_to_duty"),
            Connect("duty", f"{target}_no_answer", urgent=True)]
