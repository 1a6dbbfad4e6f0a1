"""The worker process (`flask --app ivr worker`, the Procfile's `worker`): replays what the spool
kept during a database outage, runs the scheduled jobs that are due (`jobs.py`), then sends the
outbox's messages that are due, again and again."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.orm import Session
from twilio.rest import Client

from ivr.residents import outbox
from ivr.voice import spool
from ivr.worker import jobs

log = logging.getLogger(__name__)


def run_once(session: Session, config: Any, client: Client | None = None) -> int:
    """One round: the spool first (so replayed contacts exist), the jobs that are due, then
    the outbox (so a job's SMS leaves in the same round)."""
    spool.replay(session, config)
    jobs.run_due(session, config)
    return outbox.send_due(session, config, client)


def run_forever(make_session: Any, config: Any, *, idle_s: float = 2.0) -> None:
    """Send what is due, sleep a little, again."""
    client = outbox.twilio_client(config)
    while True:
        with make_session() as session:
            try:
                sent = run_once(session, config, client)
            except Exception:  # keep the worker alive; the message stays queued
                log.exception("outbox round failed")
                session.rollback()
                sent = 0
        if not sent:
            time.sleep(idle_s)
