"""Every state a row can be in, as StrEnums: the code compares and assigns these, and the
tables' CHECK constraints (migration 0008) admit only their values."""

from __future__ import annotations

from enum import StrEnum


class ReferralStatus(StrEnum):
    """A referral (work order): created -> notified -> accepted -> completed, or declined."""

    CREATED = "created"
    NOTIFIED = "notified"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"


class QueueStatus(StrEnum):
    """A caller handed to a person."""

    WAITING = "waiting"
    OFFERED = "offered"
    CONNECTED = "connected"
    DONE = "done"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"


class OperatorStatus(StrEnum):
    """An operator: off duty, available, a call ringing for them, talking, wrapping up."""

    OFF = "off"
    AVAILABLE = "available"
    OFFERED = "offered"
    BUSY = "busy"
    WRAP_UP = "wrap_up"


class CallbackStatus(StrEnum):
    """A callback task: still to be made, or made."""

    OPEN = "open"
    DONE = "done"


class OutboxStatus(StrEnum):
    """A text message in the outbox."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Outcome(StrEnum):
    """How a contact ended: set by the line, or by the operator at wrap-up."""

    IN_PROGRESS = "in_progress"
    IVR_HANDLED = "ivr_handled"
    HANDED_OFF = "handed_off"
    EMERGENCY = "emergency"
    REFERRED = "referred"
    VOICEMAIL = "voicemail"
    OUTAGE = "outage"
    RESOLVED = "resolved"
    INFORMATION = "information"
    CALLBACK = "callback"
    OTHER = "other"
    # A care call (channel care) nobody answered: busy, no answer, a voicemail.
    NO_ANSWER = "no_answer"


class CareCallStatus(StrEnum):
    """One due care call (issue 20): due (first try or a retry), a try ringing, answered
    (then well or help), or given up after its tries (unreached: an alert is raised)."""

    DUE = "due"
    CALLING = "calling"
    ANSWERED = "answered"
    WELL = "well"
    HELP = "help"
    UNREACHED = "unreached"
    # The plan was stopped (or the resident's data erased) before the call was made.
    CANCELED = "canceled"


class CareAlertStatus(StrEnum):
    """An alert about a resident the care calls could not reach."""

    OPEN = "open"
    CLOSED = "closed"


class AlertOutcome(StrEnum):
    """How an operator closed a care alert."""

    REACHED = "reached"
    VISITED = "visited"
    HOSPITAL = "hospital"
    OTHER = "other"


def check(column: str, values: type[StrEnum]) -> str:
    """The SQL of a CHECK that `column` holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"


# (table, column, enum) of every CHECK constraint on a state column.
CHECKED: tuple[tuple[str, str, type[StrEnum]], ...] = (
    ("referrals", "status", ReferralStatus),
    ("queue_entries", "status", QueueStatus),
    ("users", "status", OperatorStatus),
    ("callback_tasks", "status", CallbackStatus),
    ("outbox", "status", OutboxStatus),
    ("conversations", "outcome", Outcome),
    ("care_calls", "status", CareCallStatus),
    ("care_alerts", "status", CareAlertStatus),
)
