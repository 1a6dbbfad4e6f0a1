"""The web page of a center or station: its referrals answered with a click, its records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr.accounts.logins import create_user
from ivr.core.models import (
    AuditEntry,
    OutboxMessage,
    Referral,
    ReferralEvent,
    Resident,
    ServiceRecord,
    User,
)
from ivr.residents import referrals

from .browser import chromium, live_server, require_browser

STATION = "vs-340111400001"
OTHER = "vs-340111400002"
PASSWORD = "station-password"
HTTPS = "https://line.example.org"
REFERER = {"Referer": f"{HTTPS}/station/"}
SHOTS = Path(__file__).resolve().parents[1] / "bench" / "out"


def _refer(db: Any, app: Flask, provider: str, phone: str) -> int:
    with db.sessions() as s:
        resident = Resident(phone=phone, name="王秀英", division_code="340111400001",
                            groups=["elderly"], needs=["meal"])
        s.add(resident)
        s.flush()
        referral = referrals.create(s, resident=resident, category="meal",
                                    division="340111400001", answer=None, provider_id=provider,
                                    level="village_station", config=app.config,
                                    conversation_id=None, actor="test")
        s.commit()
        return referral.id


def _station_user(db: Any, username: str, provider: str | None) -> None:
    with db.sessions() as s:
        s.add(create_user(username, PASSWORD, "station", name="滨湖世纪服务站",
                          provider_id=provider))
        s.commit()


def _login(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    answer = client.post("/login", base_url=HTTPS, headers=REFERER, data={
        "username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/station/")
    home = client.get("/station/", base_url=HTTPS).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', home)
    return client, found.group(1) if found else ""


def test_a_station_answers_its_referrals_on_its_page(app: Flask, demo: Any) -> None:
    with demo.sessions() as s:
        # The audit log is append-only, so it keeps earlier tests' rows: count only new ones.
        before = s.scalar(select(func.max(AuditEntry.id))) or 0
    referral_id = _refer(demo, app, STATION, "+8613955556666")
    _station_user(demo, "binhu", STATION)
    client, token = _login(app, "binhu")
    page = client.get("/station/", base_url=HTTPS).get_data(as_text=True)
    assert f"R{referral_id}" in page and "王秀英" in page and "139 5555 6666" in page
    for status in ("accepted", "completed"):
        moved = client.post(f"/station/referrals/{referral_id}", base_url=HTTPS,
                            headers=REFERER,
                            data={"csrf_token": token, "status": status, "note": "已送餐"})
        assert moved.status_code == 302
    page = client.get("/station/", base_url=HTTPS).get_data(as_text=True)
    assert "139 5555 6666" not in page  # a closed referral no longer shows whom it served
    with demo.sessions() as s:
        referral = s.get(Referral, referral_id)
        assert referral is not None and referral.status == "completed"
        views = s.scalars(select(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.resident_id == referral.resident_id,
            AuditEntry.action == "view")).all()
        assert len(views) == 2 and all(v.role == "station" for v in views)  # two open views
        user = s.scalars(select(User).where(User.username == "binhu")).one()
        actors = {e.actor for e in s.scalars(select(ReferralEvent).where(
            ReferralEvent.referral_id == referral_id, ReferralEvent.status != "created"))}
        assert actors == {f"station:{STATION}:user{user.id}"}
        # Completion asks the resident how it went.
        assert s.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "follow_up")).one().to_number == "+8613955556666"


def test_a_station_cannot_answer_another_platforms_referral(app: Flask, demo: Any) -> None:
    theirs = _refer(demo, app, OTHER, "+8613955557777")
    _station_user(demo, "binhu", STATION)
    client, token = _login(app, "binhu")
    page = client.get("/station/", base_url=HTTPS).get_data(as_text=True)
    # The number as a word: a random CSRF token may hold the letters "R1" (seen in CI).
    assert not re.search(rf"(?<![A-Za-z0-9_-])R{theirs}(?![0-9])", page)
    refused = client.post(f"/station/referrals/{theirs}", base_url=HTTPS, headers=REFERER,
                          data={"csrf_token": token, "status": "accepted"})
    assert refused.status_code == 404
    bogus = client.post(f"/station/referrals/{theirs}", base_url=HTTPS, headers=REFERER,
                        data={"csrf_token": token, "status": "deleted"})
    assert bogus.status_code == 404
    with demo.sessions() as s:
        assert s.get(Referral, theirs).status == "created"  # type: ignore[union-attr]


def test_a_login_not_linked_to_a_platform_is_told_so(app: Flask, demo: Any) -> None:
    _station_user(demo, "nowhere", None)
    client, _ = _login(app, "nowhere")
    page = client.get("/station/", base_url=HTTPS).get_data(as_text=True)
    assert "not linked" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post("/station/records", base_url=HTTPS, headers=REFERER,
                         data={"csrf_token": token.group(1), "kind": "activity",
                               "title": "x", "held_on": "2026-11-20"})
    assert answer.status_code == 403


def test_a_station_records_an_activity(app: Flask, demo: Any) -> None:
    _station_user(demo, "binhu", STATION)
    client, token = _login(app, "binhu")
    for title in ("重阳节敬老活动", ""):
        client.post("/station/records", base_url=HTTPS, headers=REFERER, data={
            "csrf_token": token, "kind": "activity", "title": title,
            "held_on": "2026-10-29", "participants": "40"})
    with demo.sessions() as s:
        record = s.scalars(select(ServiceRecord)).one()  # the one without a title is refused
        assert (record.provider_id, record.title, record.participants) == (
            STATION, "重阳节敬老活动", 40)
    assert "重阳节敬老活动" in client.get("/station/", base_url=HTTPS).get_data(as_text=True)


def test_a_station_accepts_a_referral_in_the_browser(app: Flask, demo: Any) -> None:
    require_browser()
    referral_id = _refer(demo, app, STATION, "+8613955558888")
    _station_user(demo, "binhu", STATION)
    with live_server(app) as base, chromium() as page:
        page.goto(f"{base}/login")
        page.fill("#username", "binhu")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/station/")
        row = page.locator(f"#referral-{referral_id}")
        assert "新转介" in row.locator(".status").inner_text()
        row.locator("button[value=accepted]").click()
        page.wait_for_selector(f"#referral-{referral_id} .status:has-text('已接单')")
        assert page.locator(".flash").inner_text() == f"R{referral_id}: 已接单 Accepted"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "station.png"), full_page=True)
