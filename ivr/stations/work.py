"""What a township center or village station does with the line, whichever way it comes in
(its web page or its token API): the referrals it holds, and its service records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ivr.core.models import Referral, ServiceRecord
from ivr.core.statuses import ReferralStatus
from ivr.residents.referrals import OPEN

PLATFORM_KINDS = ("township_center", "village_station")
MOVES = (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, ReferralStatus.DECLINED)
RECORD_KINDS = ("activity", "purchased_project")


def held_referrals(session: Session, platform_id: str, limit: int = 200) -> list[Referral]:
    """The referrals a platform holds: open ones first (earliest deadline first), then the
    latest closed ones."""
    still_open = case((Referral.status.in_(OPEN), 0), else_=1)
    return list(session.scalars(
        select(Referral).where(Referral.provider_id == platform_id)
        .order_by(still_open, Referral.deadline, Referral.created_at.desc()).limit(limit)))


def add_record(session: Session, platform_id: str, *, kind: str, title: str, held_on: date,
               participants: int | None, actor: str) -> ServiceRecord:
    """A service activity or a government-purchased project: certification evidence."""
    title = title.strip()
    if kind not in RECORD_KINDS or not title:
        raise ValueError("kind must be activity or purchased_project, with a title")
    if participants is not None and participants < 0:
        raise ValueError("participants cannot be negative")
    record = ServiceRecord(provider_id=platform_id, kind=kind, title=title[:200],
                           held_on=held_on, recorded_by=actor, participants=participants)
    session.add(record)
    return record


PAGE_KINDS = (*PLATFORM_KINDS, "provider")
RECORD_DAYS = 365


@dataclass
class Filters:
    """What a station narrows its referral history to."""

    status: str = ""
    category: str = ""
    since: date | None = None
    until: date | None = None


def history(session: Session, provider_id: str, filters: Filters,
            limit: int = 1000) -> list[Referral]:
    """Every referral the platform or provider has held, newest first, filtered."""
    query = select(Referral).where(Referral.provider_id == provider_id)
    if filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.category:
        query = query.where(Referral.category == filters.category)
    if filters.since:
        query = query.where(Referral.local_date >= filters.since)
    if filters.until:
        query = query.where(Referral.local_date <= filters.until)
    return list(session.scalars(query.order_by(Referral.created_at.desc()).limit(limit)))


def check_record_date(held_on: date, today: date) -> None:
    """A service record is for a day that has happened, within the last year."""
    if held_on > today:
        raise ValueError("日期不能晚于今天 The date cannot be in the future")
    if held_on < today - timedelta(days=RECORD_DAYS):
        raise ValueError("只能记录一年以内的活动 Only activities of the past year can be recorded")
