"""POST /sms: providers' replies to referrals, residents' follow-up answers, and the same
dialog as the phone line in text (a conversation per number, ended by 30 minutes' silence)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from dialogs.prompts import text
from directory.models import Provider
from ivr.core import db
from ivr.core.models import Referral
from ivr.core.statuses import ReferralStatus
from ivr.residents import records, referrals
from ivr.text import channel as text_channel
from ivr.webhooks.forms import field, number_field
from ivr.webhooks.signature import twilio_only

bp = Blueprint("sms", __name__)
CHANNEL = "sms"
# A Chinese SMS segment holds 70 characters; Twilio joins up to 1,600. Keep each reply short.
PART = 300
_REPLY = re.compile(r"^\s*(1|2|3|接单|完成|拒绝|无法提供)\s*[,，#]?\s*(?:R|r)?(\d+)?\s*$")
_MOVES = {"1": ReferralStatus.ACCEPTED, "接单": ReferralStatus.ACCEPTED,
          "2": ReferralStatus.COMPLETED, "完成": ReferralStatus.COMPLETED,
          "3": ReferralStatus.DECLINED, "拒绝": ReferralStatus.DECLINED,
          "无法提供": ReferralStatus.DECLINED}


def reply(lines: list[str]) -> Response:
    """TwiML with the reply split into messages that fit."""
    response = MessagingResponse()
    for part in split("\n".join(lines)):
        if part.strip():
            response.message(part)
    return Response(str(response), mimetype="application/xml")


def split(body: str, size: int = PART) -> list[str]:
    """Cut a long reply at line ends into parts of at most `size` characters."""
    parts: list[str] = []
    current = ""
    for line in body.splitlines():
        while len(line) > size:
            parts.append(line[:size])
            line = line[size:]
        if current and len(current) + 1 + len(line) > size:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts or [""]


@bp.post("/sms")
@twilio_only
def incoming() -> Response:
    """A text message came in."""
    phone, body = number_field(), field("Body", 1000)
    session = db.session()
    # An emergency (or the answer to the emergency check) is never read as a provider's
    # reply or a follow-up answer: the dialog hears it first. The follow-up answer's own
    # words are left out of that check ("nobody came" is no emergency on its own).
    if text_channel.alarm_first(session, CHANNEL, phone, referrals.beside_follow_up(body)):
        answer = _dialog(session, phone, body)
    else:
        answer = (_provider_reply(session, phone, body) or _follow_up(session, phone, body)
                  or _dialog(session, phone, body))
    session.commit()
    return reply(answer)


def _provider_reply(session: Session, phone: str, body: str) -> list[str] | None:
    """'1 R12' accepts, '2 R12' completes, '3 R12' declines a referral sent to this phone."""
    found = _REPLY.match(body)
    provider = session.scalars(select(Provider).where(Provider.phone == phone)).first() \
        if found else None
    if provider is None or found is None:
        return None
    status = _MOVES[found.group(1)]
    query = select(Referral).where(Referral.provider_id == provider.id,
                                   Referral.status.in_(referrals.OPEN))
    if found.group(2):
        query = query.where(Referral.id == int(found.group(2)))
    candidates = list(session.scalars(query.order_by(Referral.created_at)))
    if len(candidates) != 1:
        return ["请在回复中写上转介编号，例如“1 R12”。" if candidates
                else "没有找到这个转介编号对应的待办事项。"]
    try:
        referrals.move(session, candidates[0], status, actor=f"provider:{provider.id}")
    except referrals.ReferralError as error:
        return [str(error)]
    number = records.short_number(candidates[0].id)
    return [{"accepted": f"已接单：{number}。", "completed": f"已登记完成：{number}，谢谢。",
             "declined": f"已登记无法提供：{number}，将转给上一级平台。"}[status]]


def _follow_up(session: Session, phone: str, body: str) -> list[str] | None:
    resident = records.find(session, phone)
    answered = referrals.record_follow_up(session, resident, body) if resident else None
    if resident is None or answered is None:
        return None
    return [text("sms.follow_up.thanks",
                 referrals.request_language(session, answered, resident))]


def _dialog(session: Session, phone: str, body: str) -> list[str]:
    """The line's dialog in text; a new conversation after 30 minutes of silence."""
    _, lines = text_channel.turn(session, current_app.config, CHANNEL, phone, phone, body)
    return lines
