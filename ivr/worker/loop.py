"""The worker process (`flask --app ivr worker`, the Procfile's `worker`): replays what the spool
kept during a database outage, then sends the outbox's messages that are due, again and again,
writing a heartbeat after each round (read by /readyz)."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from sqlalchemy.orm import Session
from twilio.rest import Client

from ivr.core import health, logs, metrics
from ivr.residents import outbox
from ivr.voice import spool

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as its heartbeat row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(session: Session, config: Any, client: Client | None = None) -> int:
    """One round: the spool first (so replayed contacts exist), then the outbox."""
    replayed = _job("spool", lambda: spool.replay(session, config))
    sent = _job("outbox", lambda: outbox.send_due(session, config, client))
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
    client = outbox.twilio_client(config)
    logs.event(log, "worker.started", worker=worker_name())
    while True:
        with make_session() as session:
            try:
                sent = run_once(session, config, client)
            except Exception:  # keep the worker alive; the message stays queued
                log.exception("worker round failed", extra={"event": "job.failed"})
                session.rollback()
                sent = 0
        if not sent:
            time.sleep(idle_s)
