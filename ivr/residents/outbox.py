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
from twilio.base.exceptions import TwilioRestException

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


def claim(session: Session, now: datetime) -> OutboxMessage | None:
    """The next message due now, claimed in its own commit so no other worker sends it while
    this one does; the try is counted at once, so a worker that dies mid-send spent it."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_at.is_(None),
                        OutboxMessage.claimed_at <= now - CLAIM_LEASE))
             .order_by(OutboxMessage.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message = session.scalars(query).first()
    if message is not None:
        if message.status == OutboxStatus.SENDING:
            # Its last worker died between the send and the commit: the provider may have it.
            # The status callback names our id, so a second copy shows up in the log.
            log.warning("outbox message %s is sent again after a lost worker", message.id)
        message.status, message.claimed_at = OutboxStatus.SENDING, now
        message.attempts += 1
    session.commit()
    return message


def send_due(session: Session, config: Any, sender: SmsSender | None = None,
             limit: int = 20) -> int:
    """Send up to `limit` messages due now, one claimed at a time; return how many left.
    Failures wait and try again; a permanent refusal (an invalid or unsubscribed number)
    fails at once with its reason."""
    sender = sender or sms_sender(config)
    sent = 0
    for _ in range(limit):
        message = claim(session, utcnow())
        if message is None:
            break
        try:
            provider_id = sender.send(as_sms(message, _callback(config, message)))
        except Exception as error:  # every failure is one try: none may stall the outbox
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


def as_sms(message: OutboxMessage, status_callback: str = "") -> Sms:
    """What a sender needs of an outbox row."""
    params = message.template_params if isinstance(message.template_params, dict) else {}
    return Sms(to=message.to_number, body=message.body, purpose=message.purpose,
               template=message.template_code or "",
               params={str(k): str(v) for k, v in params.items()},
               status_callback=status_callback)


def _callback(config: Any, message: OutboxMessage) -> str:
    """Where the provider reports delivery (`POST /sms/status`), naming the message."""
    base = config.get("PUBLIC_BASE_URL") or ""
    return f"{base}/sms/status?m={message.id}" if base else ""


def permanent(error: Exception) -> bool:
    """A refusal that no retry changes: a 4xx from the API other than 408 and 429."""
    cause = error.__cause__ if isinstance(error, SendError) and error.__cause__ else error
    status = getattr(cause, "status", None)
    return (isinstance(cause, TwilioRestException) and isinstance(status, int)
            and 400 <= status < 500 and status not in (408, 429))


def _failed(message: OutboxMessage, error: Exception) -> None:
    # A sender wraps what the provider said; the cause tells a refusal from a hiccup.
    cause = error.__cause__ if isinstance(error, SendError) and error.__cause__ else error
    code = getattr(cause, "code", None)
    reason = getattr(cause, "msg", None) or str(error)
    message.last_error = (f"{type(cause).__name__}{f' {code}' if code else ''}: "
                          f"{reason}")[:256]
    if permanent(error) or message.attempts >= MAX_ATTEMPTS:
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


# Twilio's message statuses in the order they happen; a late callback never moves one back.
DELIVERY_RANK = {"accepted": 1, "queued": 2, "sending": 3, "sent": 4, "receiving": 4,
                 "received": 5, "delivered": 6, "undelivered": 6, "failed": 6, "read": 7}


def record_delivery(session: Session, message_id: int, message_sid: str, status: str,
                    error_code: str = "") -> OutboxMessage | None:
    """A status callback: what became of a message. Delivered is announced with
    `signals.message_delivered`; a callback for another copy of it (sent twice after a lost
    worker) is logged."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or status not in DELIVERY_RANK:
        return None
    if message.provider_sid and message_sid and message_sid != message.provider_sid:
        log.warning("outbox message %s reached the provider twice (%s, %s)", message.id,
                    message.provider_sid, message_sid)
        return message
    if not message.provider_sid and message_sid:
        message.provider_sid = message_sid[:64]
    if DELIVERY_RANK[status] <= DELIVERY_RANK.get(message.delivery_status, 0):
        return message
    message.delivery_status = status
    if status in ("undelivered", "failed"):
        message.last_error = f"{status}{f' {error_code}' if error_code else ''}"[:256]
    if status in ("delivered", "read") and message.delivered_at is None:
        message.delivered_at = utcnow()
        signals.message_delivered.send(message, session=session)
    return message
