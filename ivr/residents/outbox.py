"""The outbox: messages written in the same transaction as what caused them, sent after the
commit by the worker (`flask --app ivr worker`, `ivr/worker/`) through the SMS provider that
SMS_PROVIDER names (`ivr.providers.sms`), with retries. A row carries the words and, for a
template gateway (Aliyun), the template's name and parameters. A message that left is announced
with `signals.message_sent`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core import logs, metrics, signals
from ivr.core.models import OutboxMessage
from ivr.core.statuses import OutboxStatus
from ivr.providers.sms import SendError, Sms, SmsSender, sms_sender

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# A claimed message not marked sent by then is taken to be lost with its worker and retried.
CLAIM_LEASE = timedelta(minutes=5)
SMS_LIMIT = 600


def enqueue(session: Session, to: str, body: str, purpose: str,
            referral_id: int | None = None, *, template: str = "",
            params: dict[str, Any] | None = None) -> OutboxMessage:
    """Queue one text message; it leaves only if the surrounding transaction commits.

    `template` and `params` are what a template gateway sends instead of the body (the
    template defaults to the purpose, mapped to a registered code by ALIYUN_SMS_TEMPLATES)."""
    values = {k: str(v)[:SMS_LIMIT] for k, v in (params or {}).items()}
    message = OutboxMessage(to_number=to, body=body[:SMS_LIMIT], purpose=purpose,
                            referral_id=referral_id, next_attempt_at=utcnow(),
                            template_code=template or purpose,
                            template_params=values or {"content": body[:SMS_LIMIT]})
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 10 s, 20 s, 40 s ... at most an hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


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


def send_due(session: Session, config: Any, sender: SmsSender | None = None) -> int:
    """Send every message due now; return how many left. Failures wait and try again."""
    sender = sender or sms_sender(config)
    sent = 0
    for message in claim(session, utcnow()):
        try:
            provider_id = sender.send(as_sms(message))
        except SendError as error:
            _failed(message, error)
        else:
            message.status, message.sent_at = OutboxStatus.SENT, utcnow()
            message.provider_sid = provider_id[:64]
            sent += 1
            metrics.SMS.labels(result="sent").inc()
            logs.event(log, "sms.sent", sms=message.id, purpose=message.purpose,
                       to=message.to_number, attempts=message.attempts + 1)
            signals.message_sent.send(message, session=session)
        message.claimed_at = None
        session.commit()
    return sent


def as_sms(message: OutboxMessage) -> Sms:
    """What a sender needs of an outbox row."""
    params = message.template_params if isinstance(message.template_params, dict) else {}
    return Sms(to=message.to_number, body=message.body, purpose=message.purpose,
               template=message.template_code or "",
               params={str(k): str(v) for k, v in params.items()})


def _failed(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {str(error)[:200]}"[:256]
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
