"""Referrals (work orders): created from a routed request, followed to completion.

created -> notified (SMS to the provider sent) -> accepted -> completed -> follow-up;
declined -> routed one level up (village station, township center, district call center).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialogs.prompts import text
from directory.models import Category, Provider
from directory.orm import utcnow
from directory.routing import PLATFORMS, Route
from ivr.core import logs, signals
from ivr.core.models import OutboxMessage, Referral, ReferralEvent, Resident
from ivr.core.statuses import ReferralStatus
from ivr.residents import outbox
from ivr.residents.records import display_name, short_number

log = logging.getLogger(__name__)

OPEN = (ReferralStatus.CREATED, ReferralStatus.NOTIFIED, ReferralStatus.ACCEPTED)
MOVES: dict[str, tuple[ReferralStatus, ...]] = {
    ReferralStatus.NOTIFIED: (ReferralStatus.CREATED,),
    ReferralStatus.ACCEPTED: (ReferralStatus.CREATED, ReferralStatus.NOTIFIED),
    ReferralStatus.COMPLETED: OPEN,
    ReferralStatus.DECLINED: OPEN,
}


class ReferralError(ValueError):
    """A change a referral cannot make (for example completing a declined one)."""


def working_days_after(start: date, days: int) -> date:
    """The date `days` working days after `start` (holidays and make-up days counted right)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(current)
        except NotImplementedError:
            working = current.weekday() < 5
        left -= working
    return current


def create(session: Session, *, resident: Resident, category: str, division: str,
           answer: Route | None, provider_id: str | None, level: str, config: dict[str, object],
           conversation_id: int | None, actor: str) -> Referral:
    """A referral to the routed provider, with its SMS to the provider and to the resident."""
    zone = ZoneInfo(str(config["TIMEZONE"]))
    today = datetime.now(zone).date()
    days = int(str(config.get("REFERRAL_DEADLINE_DAYS", 2)))
    provider = session.get(Provider, provider_id) if provider_id else None
    if provider is None:
        raise ReferralError(f"no provider {provider_id!r} to refer to")
    referral = Referral(resident_id=resident.id, conversation_id=conversation_id,
                        category=category, division_code=division, provider_id=provider.id,
                        level=answer.level if answer else level, status=ReferralStatus.CREATED,
                        deadline=working_days_after(today, days), local_date=today,
                        updated_by=actor)
    session.add(referral)
    session.flush()
    _event(session, referral, ReferralStatus.CREATED, actor)
    _notify_provider(session, referral, provider, resident)
    logs.event(log, "referral.created", referral=referral.id, conversation=conversation_id,
               category=category, provider=provider.id, level=referral.level)
    return referral


def _notify_provider(session: Session, referral: Referral, provider: Provider,
                     resident: Resident) -> None:
    need = session.get(Category, referral.category)
    number = short_number(referral.id)
    body = (f"合肥社会服务热线转介{number}：{display_name(session, referral.division_code)}"
            f"居民需要{need.zh if need else referral.category}服务，电话{resident.phone}，"
            f"请在{referral.deadline.month}月{referral.deadline.day}日前处理。"
            f"回复“1 {number}”接单，“2 {number}”完成，“3 {number}”无法提供。")
    outbox.enqueue(session, provider.phone, body, "referral_to_provider", referral.id)


def move(session: Session, referral: Referral, status: str, *, actor: str,
         note: str = "", timezone: str = "Asia/Shanghai") -> Referral:
    """Move a referral to `status`; a decline routes it one level up."""
    allowed = MOVES.get(status)
    if allowed is None or referral.status not in allowed:
        raise ReferralError(f"referral {short_number(referral.id)} is {referral.status}; "
                            f"it cannot become {status}")
    now = utcnow()
    provider_id = referral.provider_id
    # A provider's open cases count referrals it accepted and has not finished.
    held = referral.status == ReferralStatus.ACCEPTED
    referral.status, referral.updated_at, referral.updated_by = status, now, actor
    if status == ReferralStatus.NOTIFIED:
        referral.notified_at = now
    elif status == ReferralStatus.ACCEPTED:
        referral.accepted_at = now
        referral.accepted_on_time = now.astimezone(ZoneInfo(timezone)).date() <= referral.deadline
        _add_case(session, provider_id, +1)
    elif held:
        _add_case(session, provider_id, -1)
    _event(session, referral, status, actor, note)
    logs.event(log, "referral.moved", referral=referral.id, status=str(status), actor=actor,
               provider=provider_id)
    if status == ReferralStatus.COMPLETED:
        referral.completed_at = now
        referral.completed_on_time = (
            now.astimezone(ZoneInfo(timezone)).date() <= referral.deadline)
        _ask_follow_up(session, referral)
    elif status == ReferralStatus.DECLINED:
        _route_up(session, referral, actor)
    return referral


@signals.message_sent.connect
def _provider_told(message: OutboxMessage, *, session: Session) -> None:
    """A referral whose provider was told (its SMS left) is now 'notified'."""
    if message.purpose != "referral_to_provider" or message.referral_id is None:
        return
    referral = message.referral
    if referral is not None and referral.status == ReferralStatus.CREATED:
        move(session, referral, ReferralStatus.NOTIFIED, actor="worker")


def _add_case(session: Session, provider_id: str, delta: int) -> None:
    session.execute(update(Provider).where(Provider.id == provider_id)
                    .values(open_cases=Provider.open_cases + delta))


def _route_up(session: Session, referral: Referral, actor: str) -> None:
    """Give a declined referral to the next platform level above the one that declined."""
    levels = [name for name, _ in PLATFORMS]
    start = levels.index(referral.level) + 1 if referral.level in levels else 0
    for level, length in PLATFORMS[start:]:
        platform = session.scalars(select(Provider).where(
            Provider.kind == level,
            Provider.division_code == referral.division_code[:length])).first()
        if platform is None:
            continue
        referral.provider_id, referral.level = platform.id, level
        referral.status = ReferralStatus.CREATED
        referral.accepted_at = referral.notified_at = None
        _event(session, referral, ReferralStatus.CREATED, actor,
               "routed one level up after a decline")
        _notify_provider(session, referral, platform, referral.resident)
        return


def _ask_follow_up(session: Session, referral: Referral) -> None:
    resident = referral.resident
    if resident.sms_opt_out:
        return
    need = session.get(Category, referral.category)
    language = request_language(session, referral, resident)
    body = text("sms.follow_up", language, need=category_name(need, language),
                number=short_number(referral.id))
    outbox.enqueue(session, resident.phone, body, "follow_up", referral.id)
    referral.follow_up_sent_at = utcnow()


# Checked in this order: "不满意" holds "满意", "not satisfied" holds "satisfied".
FOLLOW_UP_ANSWERS = (("不满意", "unsatisfied"), ("没有来", "not_came"), ("没来", "not_came"),
                     ("满意", "satisfied"), ("not satisfied", "unsatisfied"),
                     ("unsatisfied", "unsatisfied"), ("dissatisfied", "unsatisfied"),
                     ("did not come", "not_came"), ("didn't come", "not_came"),
                     ("never came", "not_came"), ("no one came", "not_came"),
                     ("nobody came", "not_came"), ("satisfied", "satisfied"))


def request_language(session: Session, referral: Referral, resident: Resident) -> str:
    """The language the request was made in (the caller may have pressed 8), else the file's."""
    contact = referral.conversation
    chosen = (contact.state or {}).get("language") if contact is not None else None
    return str(chosen or resident.language or "zh-CN")


def category_name(category: Category | None, language: str) -> str:
    """A category's name in the resident's language."""
    if category is None:
        return ""
    return category.en if language == "en" else category.zh


def beside_follow_up(reply: str) -> str:
    """The words of a reply other than its follow-up answer (all of them if it holds none):
    "nobody came" alone is an answer, not an emergency; "没来，我摔倒了" holds one."""
    said = reply.lower().replace("’", "'")
    word = next((word for word, _ in FOLLOW_UP_ANSWERS if word in said), None)
    return said.replace(word, " ", 1).strip(" ,，。.!！") if word else reply


def record_follow_up(session: Session, resident: Resident, reply: str) -> Referral | None:
    """A resident's answer to the latest follow-up question, if the text is one."""
    said = reply.lower().replace("’", "'")
    answer = next((code for word, code in FOLLOW_UP_ANSWERS if word in said), None)
    if answer is None:
        return None
    referral = session.scalars(
        select(Referral).where(Referral.resident_id == resident.id,
                               Referral.follow_up_sent_at.is_not(None),
                               Referral.follow_up_answer.is_(None))
        .order_by(Referral.follow_up_sent_at.desc())).first()
    if referral is None:
        return None
    referral.follow_up_answer, referral.follow_up_at = answer, utcnow()
    _event(session, referral, "follow_up", f"resident:{resident.id}", answer)
    return referral


def _event(session: Session, referral: Referral, status: str, actor: str,
           note: str = "") -> None:
    session.add(ReferralEvent(referral_id=referral.id, status=status,
                              provider_id=referral.provider_id, actor=actor, note=note))
