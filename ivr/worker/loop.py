"""The worker process (`flask --app ivr worker`, the Procfile's `worker`): replays what the spool
kept during a database outage, runs the scheduled jobs that are due (`jobs.py`), then sends the
outbox's messages that are due, again and again, writing a heartbeat after each round (read
by /readyz)."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from sqlalchemy.orm import Session

from ivr.core import health, logs, metrics
from ivr.providers.sms import SmsSender, sms_sender
from ivr.residents import outbox
from ivr.voice import spool
from ivr.worker import jobs

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as its heartbeat row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(session: Session, config: Any, sender: SmsSender | None = None) -> int:
    """One round: the spool first (so replayed contacts exist), the jobs that are due, then
    the outbox (so a job's SMS leaves in the same round)."""
    replayed = _job("spool", lambda: spool.replay(session, config))
    _job("jobs", lambda: sum(jobs.run_due(session, config).values()))
    sent = _job("outbox", lambda: outbox.send_due(session, config, sender))
    health.beat(session, worker_name())
    session.commit()
    if replayed or sent:
        logs.event(log, "job.run", job="worker", replayed=replayed, sent=sent)
    return sent


def _job(name: str, work: Any) -> int:
    """Run one job, counting it as ok or error (the error goes on to the round's handler)."""
    try:
        done = int(work())
    except Exception:
        metrics.JOB_RUNS.labels(job=name, result="error").inc()
        raise
    metrics.JOB_RUNS.labels(job=name, result="ok").inc()
    return done


def run_forever(make_session: Any, config: Any, *, idle_s: float = 2.0) -> None:
    """Send what is due, sleep a little, again."""
    sender = sms_sender(config)
    logs.event(log, "worker.started", worker=worker_name(), sms_provider=sender.name)
    while True:
        with make_session() as session:
            try:
                sent = run_once(session, config, sender)
            except Exception:  # keep the worker alive; the message stays queued
                log.exception("worker round failed", extra={"event": "job.failed"})
                session.rollback()
                sent = 0
        if not sent:
            time.sleep(idle_s)
