"""Callback tasks as operators close them: what came of the call (reached, no answer, wrong
number, ...); a web-chat task is answered in the chat, never by phone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core.models import CallbackTask
from ivr.core.statuses import CallbackStatus

# Outcomes that close the task; the others leave it open to try again.
CLOSING = ("reached", "wrong_number", "not_needed", "answered_in_chat")
RETRY = ("no_answer", "busy")
PHONE_OUTCOMES = ("reached", "no_answer", "busy", "wrong_number", "not_needed")


class TaskError(ValueError):
    """An outcome that does not fit the task."""


def record_attempt(session: Session, task: CallbackTask, outcome: str) -> None:
    """One attempt at a callback: closed when it reached an end, kept open to retry."""
    if task.status != CallbackStatus.OPEN:
        raise TaskError("这个回电任务已经完成 This callback is already closed")
    if outcome not in CLOSING and outcome not in RETRY:
        raise TaskError(f"unknown outcome {outcome!r}")
    task.attempt_outcome, task.attempted_at = outcome, utcnow()
    task.attempts = (task.attempts or 0) + 1
    if outcome in CLOSING:
        task.status = CallbackStatus.DONE
