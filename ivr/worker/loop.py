"""The worker process (`flask --app ivr worker`, the Procfile's `worker`): replays what the spool
kept during a database outage, then sends the outbox's messages that are due, again and again."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.orm import Session

from ivr.providers.sms import SmsSender, sms_sender
from ivr.residents import outbox
from ivr.voice import spool

log = logging.getLogger(__name__)


def run_once(session: Session, config: Any, sender: SmsSender | None = None) -> int:
    """One round: the spool first (so replayed contacts exist), then the outbox."""
    spool.replay(session, config)
    return outbox.send_due(session, config, sender)


def run_forever(make_session: Any, config: Any, *, idle_s: float = 2.0) -> None:
    """Send what is due, sleep a little, again."""
    sender = sms_sender(config)
    log.info("sending text messages through %s", sender.name)
    while True:
        with make_session() as session:
            try:
                sent = run_once(session, config, sender)
            except Exception:  # keep the worker alive; the message stays queued
                log.exception("outbox round failed")
                session.rollback()
                sent = 0
        if not sent:
            time.sleep(idle_s)
