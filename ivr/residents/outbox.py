"""The outbox: messages written in the same transaction as what caused them, sent after the
commit by the worker (`flask --app ivr worker`, `ivr/worker/`) through Twilio's REST API, with
retries. A message that left is announced with `signals.message_sent`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from directory.orm import utcnow
from ivr.core import logs, metrics, signals
from ivr.core.models import OutboxMessage
from ivr.core.statuses import OutboxStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# A claimed message not marked sent by then is taken to be lost with its worker and retried.
CLAIM_LEASE = timedelta(minutes=5)
SMS_LIMIT = 600


def enqueue(session: Session, to: str, body: str, purpose: str,
            referral_id: int | None = None) -> OutboxMessage:
    """Queue one text message; it leaves only if the surrounding transaction commits."""
    message = OutboxMessage(to_number=to, body=body[:SMS_LIMIT], purpose=purpose,
                            referral_id=referral_id, next_attempt_at=utcnow())
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 10 s, 20 s, 40 s ... at most an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


class _RedirectingClient(TwilioHttpClient):  # type: ignore[misc]
    """Sends Twilio's API requests to another base URL (a fake API in tests, a proxy)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Rewrite the host of every API URL."""
        if url.startswith("https://api.twilio.com"):
            url = self.base_url + url[len("https://api.twilio.com"):]
        return super().request(method, url, *args, **kwargs)


def twilio_client(config: Any) -> Client:
    """A Twilio REST client, pointed at TWILIO_API_BASE when it is set."""
    base = config.get("TWILIO_API_BASE") or ""
    http = _RedirectingClient(base, timeout=10) if base else TwilioHttpClient(timeout=10)
    return Client(config.get("TWILIO_ACCOUNT_SID") or "AC" + "0" * 32,
                  config.get("TWILIO_AUTH_TOKEN") or "", http_client=http)


def claim(session: Session, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Messages due now, marked claimed in their own commit so no other worker sends them."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_at.is_(None),
                        OutboxMessage.claimed_at <= now - CLAIM_LEASE))
             .order_by(OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = list(session.scalars(query))
    for message in messages:
        message.status, message.claimed_at = OutboxStatus.SENDING, now
    session.commit()
    return messages


def send_due(session: Session, config: Any, client: Client | None = None) -> int:
    """Send every message due now; return how many left. Failures wait and try again."""
    client = client or twilio_client(config)
    sent = 0
    for message in claim(session, utcnow()):
        try:
            result = client.messages.create(
                to=message.to_number, body=message.body,
                **_sender(config))
        except (TwilioException, OSError) as error:
            _failed(message, error)
        else:
            message.status, message.sent_at = OutboxStatus.SENT, utcnow()
            message.provider_sid = str(getattr(result, "sid", "") or "")
            sent += 1
            metrics.SMS.labels(result="sent").inc()
            logs.event(log, "sms.sent", sms=message.id, purpose=message.purpose,
                       to=message.to_number, attempts=message.attempts + 1)
            signals.message_sent.send(message, session=session)
        message.claimed_at = None
        session.commit()
    return sent


def _sender(config: Any) -> dict[str, str]:
    service = config.get("TWILIO_MESSAGING_SERVICE_SID") or ""
    if service:
        return {"messaging_service_sid": service}
    return {"from_": config.get("TWILIO_SMS_FROM") or config.get("SERVICE_NUMBER") or ""}


def _failed(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {str(error)[:200]}"
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        metrics.SMS.labels(result="failed").inc()
        logs.event(log, "sms.failed", severity=logging.ERROR, sms=message.id,
                   purpose=message.purpose, to=message.to_number, attempts=message.attempts,
                   error=message.last_error)
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        metrics.SMS.labels(result="retry").inc()
        logs.event(log, "sms.retry", severity=logging.WARNING, sms=message.id,
                   purpose=message.purpose, attempts=message.attempts, error=message.last_error)
