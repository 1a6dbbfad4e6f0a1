"""Transfer of a live call: the caller's call gets new TwiML (Twilio's REST API,
`calls(sid).update(twiml=...)`) that puts them through to a provider, a station or another
operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse

from directory.models import Provider
from directory.orm import utcnow
from ivr.conversations import handoff
from ivr.core import display
from ivr.core.models import QueueEntry, User
from ivr.core.statuses import OperatorStatus, QueueStatus
from ivr.operators import screen
from ivr.providers.sms import rest_client
from ivr.providers.voice import voice_provider

LIVE = (QueueStatus.OFFERED, QueueStatus.CONNECTED)


class TransferError(RuntimeError):
    """The call could not be transferred (gone, or Twilio refused)."""


@dataclass
class Target:
    """Somewhere a call can be put through to."""

    key: str      # provider:<id> or operator:<id>
    name: str
    kind: str     # a level (provider, village_station, ...) or "operator"
    phone: str


def targets(session: Session, entry: QueueEntry, suggested: dict[str, Any] | None,
            me: int) -> list[Target]:
    """The suggestion, the caller's station and center, and operators on duty."""
    out: list[Target] = []
    if suggested and suggested.get("phone"):
        out.append(Target(f"provider:{suggested['id']}", suggested["name"],
                          suggested["level"], suggested["phone"]))
    place = handoff.facts(session, entry.conversation).place
    for platform in screen.platforms_for(session, place):
        if platform.phone and not any(t.key == f"provider:{platform.id}" for t in out):
            out.append(Target(f"provider:{platform.id}", platform.name, platform.kind,
                              platform.phone))
    for user in session.scalars(select(User).where(
            User.role == "operator", User.id != me, User.active.is_(True),
            User.status == OperatorStatus.AVAILABLE, User.phone != "")):
        out.append(Target(f"operator:{user.id}", user.name or user.username, "operator",
                          user.phone))
    return out


def resolve(session: Session, key: str) -> Target:
    """The target a form named, checked against the directory and the operators."""
    kind, _, ident = key.partition(":")
    if kind == "provider":
        provider = session.get(Provider, ident)
        if provider is not None and provider.phone:
            return Target(key, provider.name, provider.kind, provider.phone)
    elif kind == "operator" and ident.isdigit():
        user = session.get(User, int(ident))
        if user is not None and user.role == "operator" and user.phone:
            return Target(key, user.name or user.username, "operator", user.phone)
    raise TransferError("没有这个转接对象 No such transfer target")


def twiml(target: Target, config: Any) -> str:
    """What the caller hears and is dialled to."""
    response = VoiceResponse()
    response.say(f"正在为您转接{target.name}，请稍等。", language="cmn-CN",
                 voice="Polly.Zhiyu")
    # The caller's own number is shown, so the provider or station sees who it is.
    dial = response.dial(timeout=int(config.get("DIAL_TIMEOUT_S") or 30))
    dial.number(target.phone)
    response.say("对不起，转接没有接通。请稍后再拨打热线。", language="cmn-CN",
                 voice="Polly.Zhiyu")
    return str(response)


def transfer(session: Session, config: Any, entry: QueueEntry, target: Target,
             operator: User, client: Any = None) -> None:
    """Put the live caller through to `target`; the operator goes on to wrap up."""
    now = utcnow()
    # Claimed first, like every move of a queue entry: of two submits of the form only one
    # moves the call. The claim holds the row until the route commits; if the REST call
    # fails, the route rolls it back and the caller stays with the operator.
    if not entry.call_sid or not handoff.transition(session, entry, QueueStatus.DONE, LIVE,
                                                    ended_at=now):
        raise TransferError("这通电话已经结束，无法转接 The call has ended")
    try:
        (client or rest_client(config, voice_provider(config).name)).calls(entry.call_sid).update(
            twiml=twiml(target, config))
    except (TwilioException, OSError) as error:
        raise TransferError("转接失败，请再试一次 The transfer failed, please try again") from error
    conversation = entry.conversation
    if conversation is not None:
        stamp = display.local_time(now)
        line = f"[{stamp} {operator.name or operator.username}] 转接至 {target.name}"
        conversation.operator_notes = (conversation.operator_notes + "\n"
                                       if conversation.operator_notes else "") + line
    handoff.set_status(operator, OperatorStatus.WRAP_UP)
