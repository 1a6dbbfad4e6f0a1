"""Referrals (work orders): created from a routed request, followed to completion.

created -> notified (SMS to the provider sent) -> accepted -> completed -> follow-up;
declined -> routed one level up (village station, township center, district call center).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialogs.prompts import catalog, text
from directory.models import Category, Provider
from directory.orm import utcnow
from directory.phones import local_display
from directory.routing import PLATFORMS, Route
from ivr.core import clock, logs, signals
from ivr.core.models import OutboxMessage, Referral, ReferralEvent, Resident
from ivr.core.statuses import ReferralStatus
from ivr.residents import outbox
from ivr.residents.records import display_name, short_number, usable_phone

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
    today = clock.today(config)
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
    place = display_name(session, referral.division_code)
    category = need.zh if need else referral.category
    deadline = f"{referral.deadline.month}月{referral.deadline.day}日"
    # A provider dials what it reads: the local form, and no stand-in key for a web chat.
    phone = (local_display(resident.phone) if usable_phone(resident.phone)
             else "未留（网上咨询，请在服务平台查看）")
    body = (f"合肥社会服务热线转介{number}：{place}"
            f"居民需要{category}服务，电话{phone}，"
            f"请在{deadline}前处理。"
            f"回复“1 {number}”接单，“2 {number}”完成，“3 {number}”无法提供。")
    outbox.enqueue(session, provider.phone, body, "referral_to_provider", referral.id,
                   params={"number": number, "place": place, "need": category,
                           "phone": phone, "deadline": deadline})


def move(session: Session, referral: Referral, status: str, *, actor: str,
         note: str = "", timezone: str = "Asia/Shanghai") -> Referral:
    """Move a referral to `status` (a decline routes it one level up): the one transition every
    path calls (SMS reply, station page and API, the worker, the jobs).

    The move is claimed with `UPDATE ... WHERE status = :from AND provider_id = :holder`, so of
    two writers that read the same state only one moves it (PostgreSQL re-checks the WHERE
    after the other's commit; SQLite has one writer at a time); the loser gets ReferralError
    and writes nothing, and `open_cases` moves once per transition."""
    allowed = MOVES.get(status)
    came_from, holder = referral.status, referral.provider_id
    if allowed is None or came_from not in allowed:
        raise ReferralError(f"referral {short_number(referral.id)} is {came_from}; "
                            f"it cannot become {status}")
    now = utcnow()
    claimed = session.execute(
        update(Referral).where(Referral.id == referral.id, Referral.status == came_from,
                               Referral.provider_id == holder)
        .values(status=status, updated_at=now, updated_by=actor)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(referral)
        raise ReferralError(f"referral {short_number(referral.id)} was changed meanwhile; "
                            f"it is now {referral.status}")
    provider_id = holder
    # A provider's open cases count referrals it accepted and has not finished.
    held = came_from == ReferralStatus.ACCEPTED
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
        ask_follow_up(session, referral)
    elif status == ReferralStatus.DECLINED:
        _route_up(session, referral, actor)
    return referral


@signals.message_delivered.connect
def _provider_told(message: OutboxMessage, *, session: Session) -> None:
    """A referral whose provider was told (its SMS was delivered) is now 'notified'."""
    if message.purpose != "referral_to_provider" or message.referral_id is None:
        return
    referral = session.get(Referral, message.referral_id)
    # The message told the platform that held the referral then; a later one is told anew.
    holder = session.get(Provider, referral.provider_id) if referral is not None else None
    if referral is not None and referral.status == ReferralStatus.CREATED and \
            holder is not None and holder.phone == message.to_number:
        # The provider may have answered (or declined) first: then there is nothing to do.
        with contextlib.suppress(ReferralError):
            move(session, referral, ReferralStatus.NOTIFIED, actor="provider-callback")


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


def escalate(session: Session, referral: Referral, *, config: dict[str, object] | Any,
             actor: str = "job:escalate") -> bool:
    """Give an overdue referral nobody took up to the next platform level, with a new deadline
    and an SMS to the new platform; False when someone moved it meanwhile or no level is left.
    Claimed like every move: `UPDATE ... WHERE status = :seen AND provider_id = :holder`."""
    levels = [name for name, _ in PLATFORMS]
    start = levels.index(referral.level) + 1 if referral.level in levels else 0
    platform = next((found for level, length in PLATFORMS[start:] if (found := session.scalars(
        select(Provider).where(Provider.kind == level,
                               Provider.division_code == referral.division_code[:length]))
        .first()) is not None), None)
    if platform is None or referral.status not in (ReferralStatus.CREATED,
                                                   ReferralStatus.NOTIFIED):
        return False
    now = utcnow()
    deadline = working_days_after(clock.today(config),
                                  int(str(config.get("REFERRAL_DEADLINE_DAYS", 2))))
    claimed = session.execute(
        update(Referral).where(Referral.id == referral.id, Referral.status == referral.status,
                               Referral.provider_id == referral.provider_id)
        .values(status=ReferralStatus.CREATED, provider_id=platform.id,
                level=platform.kind, deadline=deadline, notified_at=None, updated_at=now,
                updated_by=actor, escalated_at=now, escalations=Referral.escalations + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(referral)
    _event(session, referral, ReferralStatus.CREATED, actor,
           "overdue: raised one level up")
    _notify_provider(session, referral, platform, referral.resident)
    return True


def ask_follow_up(session: Session, referral: Referral) -> None:
    """Ask the resident by SMS how the service went (unless they opted out of texts)."""
    resident = referral.resident
    if resident.sms_opt_out:
        return
    need = session.get(Category, referral.category)
    language = request_language(session, referral, resident)
    values = {"need": category_name(need, language), "number": short_number(referral.id)}
    body = text("sms.follow_up", language, **values)
    outbox.enqueue(session, resident.phone, body, "follow_up", referral.id, params=values)
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
    """A category in the resident's language and everyday words, as the call said it (送饭,
    not 助餐); a directory's own category by its name."""
    if category is None:
        return ""
    said = f"need.said.{category.code}"
    if said in catalog(language):
        return text(said, language)
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
    # Claimed like a move: of two answers racing (or a replayed text), one is kept.
    now = utcnow()
    claimed = session.execute(
        update(Referral).where(Referral.id == referral.id, Referral.follow_up_answer.is_(None))
        .values(follow_up_answer=answer, follow_up_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    referral.follow_up_answer, referral.follow_up_at = answer, now
    _event(session, referral, "follow_up", f"resident:{resident.id}", answer)
    return referral


def _event(session: Session, referral: Referral, status: str, actor: str,
           note: str = "") -> None:
    session.add(ReferralEvent(referral_id=referral.id, status=status,
                              provider_id=referral.provider_id, actor=actor, note=note))
