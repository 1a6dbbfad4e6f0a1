"""The demo opens full: residents, a quarter of contacts, referrals in every state, callbacks
and service records; seeded, written once, and it says what it is doing."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from directory import phones
from ivr.core.db import Database
from ivr.core.models import CallbackTask, Conversation, Referral, Resident, ServiceRecord
from ivr.core.statuses import CallbackStatus, ReferralStatus


def counts(db: Database) -> tuple[int, ...]:
    with db.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Resident, Conversation, Referral, CallbackTask, ServiceRecord))


def test_the_demo_fills_every_page_once_and_says_what_it_does(app: Flask) -> None:
    db: Database = app.extensions["ivr.db"]
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    # No silent step: the divisions import and the demo data say what they are doing.
    assert "divisions: pinyin of each name, 1,500 of 1,946" in first.output
    assert "contacts: 2,275 over the last 91 days" in first.output
    residents, contacts, referrals, callbacks, records = counts(db)
    assert residents == 300 and contacts == 2275 and referrals > 100
    assert callbacks == 40 and records > 100
    with db.sessions() as s:
        people = list(s.scalars(select(Resident).order_by(Resident.id)))
        assert all(phones.is_valid(p.phone) and p.name for p in people)
        assert {"elderly", "disabled"} <= {g for p in people for g in p.groups}
        assert 0 < sum(p.consent_share for p in people) < len(people)
        assert len({p.division_code for p in people}) > 100
        # Seeded: the same people every time.
        assert [p.name for p in people[:3]] == NAMES
        assert set(s.scalars(select(Referral.status))) == set(ReferralStatus)
        assert set(s.scalars(select(CallbackTask.status))) == set(CallbackStatus)
        assert set(s.scalars(select(ServiceRecord.kind))) == {"activity", "purchased_project"}
        linked = s.scalar(select(func.count()).select_from(Conversation).where(
            Conversation.resident_id.is_not(None))) or 0
        assert linked > contacts // 2
        # One known resident to try by hand, with the PIN the demo prints.
        known = s.scalars(select(Resident).where(Resident.phone == "+8613955100001")).one()
        assert known.pin_hash and "PIN 2468" in first.output and known.name in first.output
    # Written once: a second demo adds nothing.
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already there: nothing added" in second.output
    assert counts(db) == (residents, contacts, referrals, callbacks, records)
    # The reports open full.
    today = date.today()
    report = runner.invoke(args=["report", "calls", "--from", str(today - timedelta(days=95)),
                                 "--to", str(today), "--format", "json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["totals"]["offered"] >= contacts * 0.9


NAMES = ["汤翠英", "武建国", "胡友谊"]
