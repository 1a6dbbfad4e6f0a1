"""The line's scheduled work, run by the worker process between outbox rounds (and by hand or
from cron: `flask --app ivr jobs run [NAME]`). Each job holds a lease row (`job_runs`) while it
runs, claimed with a conditional update, so however many workers run, one runs each job at a
time; a job is due again once its interval has passed since it last started."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.care import calls as care_calls
from ivr.care import schedule as care_schedule
from ivr.conversations import handoff
from ivr.core import clock
from ivr.core.models import (
    CallbackTask,
    Conversation,
    IdempotentRequest,
    JobRun,
    OutboxMessage,
    QueueEntry,
    Referral,
    Resident,
    TextMessage,
    User,
)
from ivr.core.statuses import (
    CallbackStatus,
    OperatorStatus,
    OutboxStatus,
    QueueStatus,
    ReferralStatus,
)
from ivr.residents import referrals

log = logging.getLogger(__name__)
# A job that runs longer than this is taken to have died with its worker.
LEASE = timedelta(minutes=10)
CALLBACK_DEADLINE = timedelta(hours=24)
# An operator's phone rings for 20 s (the queue's <Dial timeout>); an offer older than this
# lost its callback from Twilio.
STALE_OFFER = timedelta(minutes=2)
FOLLOW_UP_AFTER = timedelta(hours=1)
REPLAYS_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Job:
    """A piece of scheduled work and how often it runs."""

    name: str
    every: timedelta
    run: Callable[[Session, Any, datetime], int]
    doc: str


def escalate_overdue(session: Session, config: Any, now: datetime) -> int:
    """Referrals past their deadline that nobody took up go one platform level up."""
    today = clock.today(config)
    moved = 0
    for referral in session.scalars(select(Referral).where(
            Referral.status.in_((ReferralStatus.CREATED, ReferralStatus.NOTIFIED)),
            Referral.deadline < today).order_by(Referral.id)):
        moved += referrals.escalate(session, referral, config=config)
    return moved


def chase_callbacks(session: Session, config: Any, now: datetime) -> int:
    """Callback tasks past their 24 hours are marked overdue (the console lists them first)."""
    marked = session.execute(update(CallbackTask).where(
        CallbackTask.status == CallbackStatus.OPEN, CallbackTask.overdue.is_(False),
        CallbackTask.created_at < now - CALLBACK_DEADLINE).values(overdue=True)
        .execution_options(synchronize_session=False))
    return int(marked.rowcount)  # type: ignore[attr-defined]


def release_offers(session: Session, config: Any, now: datetime) -> int:
    """Offers nobody answered go back to the queue; operators whose caller left are free."""
    stale = list(session.scalars(select(QueueEntry).join(User, User.id == QueueEntry.operator_id)
                                 .where(QueueEntry.status == QueueStatus.OFFERED,
                                        User.status == OperatorStatus.OFFERED,
                                        User.status_since < now - STALE_OFFER)))
    for entry in stale:
        handoff.not_answered(session, entry)
    return len(stale) + handoff.release_stale_offers(session)


def send_follow_ups(session: Session, config: Any, now: datetime) -> int:
    """Completed referrals whose resident was never asked how it went are asked now."""
    sent = 0
    for referral in session.scalars(select(Referral).join(Resident).where(
            Referral.status == ReferralStatus.COMPLETED, Referral.follow_up_sent_at.is_(None),
            Resident.sms_opt_out.is_(False), Referral.completed_at < now - FOLLOW_UP_AFTER)):
        referrals.ask_follow_up(session, referral)
        sent += 1
    return sent


def purge(session: Session, config: Any, now: datetime) -> int:
    """What the retention policy no longer keeps: text transcripts and what the line heard,
    recordings' links, sent messages, replay answers. The contacts' figures stay."""
    def before(days_setting: str) -> datetime:
        return now - timedelta(days=int(config.get(days_setting) or 0))

    transcripts = before("RETENTION_TRANSCRIPTS_DAYS")
    gone = _count(session.execute(delete(TextMessage).where(TextMessage.created_at < transcripts)
                           .execution_options(synchronize_session=False)))
    # The dialog state holds the words the caller said; the report columns stay.
    # (JSON has no equality on PostgreSQL, so old rows are emptied again each day, uncounted.)
    session.execute(update(Conversation).where(Conversation.updated_at < transcripts)
                    .values(state={}, last_outputs=[])
                    .execution_options(synchronize_session=False))
    gone += _count(session.execute(update(Conversation).where(
        Conversation.started_at < before("RETENTION_RECORDINGS_DAYS"),
        Conversation.recording_url != "").values(recording_url="")
        .execution_options(synchronize_session=False)))
    gone += _count(session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
        OutboxMessage.created_at < before("RETENTION_OUTBOX_DAYS"))
        .execution_options(synchronize_session=False)))
    gone += _count(session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.created_at < now - REPLAYS_KEPT)
        .execution_options(synchronize_session=False)))
    return gone


def schedule_care(session: Session, config: Any, now: datetime) -> int:
    """Today's due care call of every plan whose day it is (ivr/care/schedule.py)."""
    return care_schedule.schedule_due(session, config, now)


def place_care_calls(session: Session, config: Any, now: datetime) -> int:
    """Care calls that are due, placed through the voice provider within CARE_CALLS_PER_MINUTE;
    tries nobody answered again later; after the last one, an alert (ivr/care/calls.py)."""
    return care_calls.place_due(session, config, now)


def _count(result: Any) -> int:
    return int(result.rowcount)


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("escalate", timedelta(minutes=15), escalate_overdue, escalate_overdue.__doc__ or ""),
    Job("callbacks", timedelta(minutes=5), chase_callbacks, chase_callbacks.__doc__ or ""),
    Job("offers", timedelta(seconds=30), release_offers, release_offers.__doc__ or ""),
    Job("follow_ups", timedelta(minutes=15), send_follow_ups, send_follow_ups.__doc__ or ""),
    Job("purge", timedelta(hours=24), purge, purge.__doc__ or ""),
    Job("care_plans", timedelta(minutes=1), schedule_care, schedule_care.__doc__ or ""),
    Job("care_calls", timedelta(seconds=15), place_care_calls, place_care_calls.__doc__ or ""),
)}


def _lease(session: Session, name: str, now: datetime, *, force: bool) -> bool:
    """Take the job's lease if nobody holds it (and, unless forced, it is due)."""
    try:
        with session.begin_nested():
            session.add(JobRun(name=name, last_result=""))
    except IntegrityError:
        pass  # the row exists already
    due = or_(JobRun.last_started_at.is_(None),
              JobRun.last_started_at <= now - JOBS[name].every)
    free = or_(JobRun.locked_until.is_(None), JobRun.locked_until <= now)
    taken = session.execute(update(JobRun).where(JobRun.name == name, free,
                                                 *(() if force else (due,)))
                            .values(locked_until=now + LEASE, last_started_at=now)
                            .execution_options(synchronize_session=False))
    session.commit()
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def run(session: Session, config: Any, name: str, *, force: bool = False) -> int | None:
    """Run one job if its lease is free (and it is due, unless `force`): what it did, or None
    when another worker holds it or it is not due."""
    now = clock.now()
    if not _lease(session, name, now, force=force):
        return None
    try:
        done = JOBS[name].run(session, config, now)
        result = f"ok: {done}"
        session.commit()
    except Exception as error:
        session.rollback()
        result = f"{type(error).__name__}: {error}"[:256]
        log.exception("job %s failed", name)
        done = 0
    session.execute(update(JobRun).where(JobRun.name == name).values(
        locked_until=None, last_finished_at=clock.now(), last_result=result)
        .execution_options(synchronize_session=False))
    session.commit()
    return done


def run_due(session: Session, config: Any) -> dict[str, int]:
    """Every job that is due and free, once; what each did."""
    ran: dict[str, int] = {}
    for name in JOBS:
        done = run(session, config, name)
        if done is not None:
            ran[name] = done
    return ran
