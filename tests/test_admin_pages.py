"""Administrators' and the city's pages: revocable sessions, report tables and downloads,
evidence that is never met without data, management that changes routing, a city that sees no
personal data, and pages free of raw codes, UTC times and E.164 numbers."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from bench.generate import contacts
from directory.models import Provider
from directory.routing import route
from ivr.accounts.logins import create_user
from ivr.core.db import Database
from ivr.core.models import ApiToken, AuditEntry, Conversation, Resident, User
from ivr.reports import evidence

from .conftest import load_demo
from .test_web_auth import PASSWORD, REFERER, csrf_token

BASE = "https://line.example.org"
AREAS = ["340111001008", "340111001009", "340111400001", "340104005001"]
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)


@pytest.fixture
def filled(app: Flask) -> Flask:
    """The demo directory, residents with names and phones, 300 contacts, four logins."""
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    start = datetime(2026, 10, 5, tzinfo=UTC)
    with db.sessions() as s:
        for role in ("admin", "operator", "station", "city"):
            s.add(create_user(f"{role}-1", PASSWORD, role, name=f"{role} user",
                              provider_id="vs-340111001008" if role == "station" else None))
        s.add(Resident(phone="+8613912345678", name="王秀英", division_code="340111001008",
                       groups=["elderly"], needs=["meal"]))
        s.execute(insert(Conversation), list(contacts(300, seed=5, start=start, days=40,
                                                      areas=AREAS)))
        s.commit()
    return app


def login(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", base_url=BASE, headers=REFERER,
                           data={"username": f"{role}-1", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302
    return client


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
         page: str = "/admin/manage/") -> Any:
    form = {"csrf_token": csrf_token(client, page), **(data or {})}
    return client.post(path, base_url=BASE, headers=REFERER, data=form)


# --- sessions ---------------------------------------------------------------------------------

def test_a_session_cookie_copied_before_logout_is_refused_after_it(filled: Flask) -> None:
    client = login(filled, "admin")
    cookie = client.get_cookie("session", domain="line.example.org")
    assert cookie is not None
    copy = filled.test_client()
    copy.set_cookie("session", cookie.value, domain="line.example.org")
    assert copy.get("/admin/", base_url=BASE).status_code == 200
    post(client, "/logout", page="/admin/")
    assert client.get("/admin/", base_url=BASE).status_code == 302
    assert copy.get("/admin/", base_url=BASE).status_code == 302


def test_cli_deactivate_and_password_end_sessions(filled: Flask) -> None:
    operator, admin = login(filled, "operator"), login(filled, "admin")
    runner = filled.test_cli_runner()
    assert runner.invoke(args=["users", "deactivate", "operator-1"]).exit_code == 0
    assert operator.get("/operator/", base_url=BASE).status_code == 302
    result = runner.invoke(args=["users", "password", "admin-1"])
    assert result.exit_code == 0
    new = result.output.strip()
    assert len(new) >= 12 and admin.get("/admin/", base_url=BASE).status_code == 302
    client = filled.test_client()
    response = client.post("/login", base_url=BASE, headers=REFERER, data={
        "username": "admin-1", "password": new, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert runner.invoke(args=["users", "password", "nobody"]).exit_code != 0


def test_a_session_ends_after_its_absolute_lifetime(filled: Flask,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    client = login(filled, "admin")
    assert client.get("/admin/", base_url=BASE).status_code == 200
    later = time.time() + 12 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/admin/", base_url=BASE).status_code == 302


def test_stations_revoke_stops_the_platforms_tokens(filled: Flask) -> None:
    runner = filled.test_cli_runner()
    token = runner.invoke(args=["stations", "token", "vs-340111001008"]).output.strip()
    api = filled.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/station/api/referrals", headers=headers).status_code == 200
    result = runner.invoke(args=["stations", "revoke", "vs-340111001008"])
    assert result.exit_code == 0 and "revoked 1" in result.output
    assert api.get("/station/api/referrals", headers=headers).status_code == 401


# --- reports ----------------------------------------------------------------------------------

def test_reports_are_tables_with_periods_grouping_and_downloads(filled: Flask) -> None:
    client = login(filled, "admin")
    page = client.get("/admin/reports/calls?period=quarter&quarter=2026Q4&by=district",
                      base_url=BASE).get_data(as_text=True)
    assert '<table id="report-table"' in page and "<pre" not in page
    assert "人工接通率 Answer rate" in page and "包河区" in page and "<svg" in page
    assert "offered=" not in page and "2026年第4季度" in page
    for period in ("period=day&day=2026-10-10", "period=week&week=2026-W42",
                   "period=month&month=2026-10", "period=year&year=2026",
                   "period=custom&from=2026-10-01&to=2026-10-31"):
        assert client.get(f"/admin/reports/calls?{period}&by=channel",
                          base_url=BASE).status_code == 200, period
    # Not grouped: the totals are the answer, with no "no data" row contradicting them.
    whole = client.get("/admin/reports/calls?period=quarter&quarter=2026Q4",
                       base_url=BASE).get_data(as_text=True)
    assert "合计" in whole and "没有数据" not in whole
    assert client.get("/admin/reports/calls?period=month&month=13", base_url=BASE
                      ).status_code == 400
    assert client.get("/admin/reports/calls?by=resident", base_url=BASE).status_code == 400
    raw = client.get("/admin/reports/calls?period=quarter&quarter=2026Q4&by=district&format=csv",
                     base_url=BASE).data
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[2][0] == "区 District" and "呼入 Offered" in lines[2]
    total = next(line for line in lines if line[0] == "合计 Total")
    assert int(total[lines[2].index("呼入 Offered")]) == 300
    book = zipfile.ZipFile(io.BytesIO(client.get(
        "/admin/reports/calls?period=quarter&quarter=2026Q4&by=district&format=xlsx",
        base_url=BASE).data))
    sheet = ET.fromstring(book.read("xl/worksheets/sheet1.xml"))
    texts = [t.text for t in sheet.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/"
                                        "main}t")]
    values = [v.text for v in sheet.iter("{http://schemas.openxmlformats.org/spreadsheetml/"
                                         "2006/main}v")]
    assert "合计 Total" in texts and "300" in values


def test_evidence_is_never_met_without_data(filled: Flask) -> None:
    db: Database = filled.extensions["ivr.db"]
    with db.sessions() as s:
        # Contacts but none answered: the call service condition is not met.
        for row in s.scalars(select(Conversation)):
            row.answered = False
        s.commit()
        pack = evidence.evidence(s, "district", date(2026, 10, 1), date(2026, 12, 31))
        empty = evidence.evidence(s, "village", date(2020, 1, 1), date(2020, 3, 31))
    baohe = next(r for r in pack.rows if r["key"] == "dcc-340111")
    first = baohe["conditions"][0]
    assert first["status"] == "not met" and not baohe["met"]
    for row in empty.rows:
        for item in row["conditions"]:
            if item["figure"] is None:
                assert item["status"] == "no data", item
            assert item["zh"] and item["rule_zh"]


def test_evidence_pages_filter_paginate_and_print(filled: Flask) -> None:
    client = login(filled, "admin")
    page = client.get("/admin/evidence/village?period=quarter&quarter=2026Q4",
                      base_url=BASE).get_data(as_text=True)
    assert "第 1 /" in page and page.count("认定材料 evidence</a>") == 20
    filtered = client.get("/admin/evidence/village?period=quarter&quarter=2026Q4"
                          "&district=340111&township=340111001", base_url=BASE
                          ).get_data(as_text=True)
    assert "vs-340111001008" in filtered and "vs-340104" not in filtered
    sheet = client.get("/admin/evidence/village/vs-340111001008?period=quarter&quarter=2026Q4",
                       base_url=BASE).get_data(as_text=True)
    assert "负责人签字" in sheet and "单位盖章" in sheet and "每年不少于 10 个" in sheet


# --- management -------------------------------------------------------------------------------

def test_changing_hours_and_suspending_change_routing_and_are_audited(filled: Flask) -> None:
    db: Database = filled.extensions["ivr.db"]
    client = login(filled, "admin")
    with db.sessions() as s:
        assert route(s, "meal", "340111001008", WEDNESDAY_10).id == "p-340111-002"
    page = client.get("/admin/manage/providers/p-340111-002", base_url=BASE)
    assert "接下来的开放时间" in page.get_data(as_text=True)
    bad = post(client, "/admin/manage/providers/p-340111-002",
               {"hours": "Mo-Fr 25:00-26:00", "categories": ["meal"]})
    assert "Not valid opening hours" in bad.get_data(as_text=True)
    good = post(client, "/admin/manage/providers/p-340111-002",
                {"hours": "Sa 09:00-12:00", "capacity": "10", "categories": ["meal"]})
    assert good.status_code == 302
    shown = client.get("/admin/manage/providers/p-340111-002", base_url=BASE
                       ).get_data(as_text=True)
    assert "周六 09:00 – 12:00" in shown
    with db.sessions() as s:
        assert route(s, "meal", "340111001008", WEDNESDAY_10).id != "p-340111-002"
    post(client, "/admin/manage/providers/p-340111-002",
         {"hours": "", "categories": ["meal"], "suspended": "1"})
    with db.sessions() as s:
        assert s.get(Provider, "p-340111-002").suspended  # type: ignore[union-attr]
        assert route(s, "meal", "340111001008", WEDNESDAY_10).id != "p-340111-002"
        reasons = [a.reason for a in s.scalars(select(AuditEntry).where(
            AuditEntry.reason.like("provider p-340111-002%")))]
    assert len(reasons) == 2 and "suspended" in reasons[1]


def test_logins_and_tokens_are_managed_from_the_pages(filled: Flask) -> None:
    client, operator = login(filled, "admin"), login(filled, "operator")
    created = post(client, "/admin/manage/logins", {"username": "zhang", "role": "station",
                                                    "name": "张站长",
                                                    "provider_id": "vs-340111001009"})
    secret = re.search(r'id="secret">([^<]+)<', created.get_data(as_text=True))
    assert secret is not None
    post(client, "/admin/manage/logins/operator-1/deactivate")
    assert operator.get("/operator/", base_url=BASE).status_code == 302
    reset = post(client, "/admin/manage/logins/zhang/password")
    assert 'id="secret"' in reset.get_data(as_text=True)
    post(client, "/admin/manage/logins/zhang/link", {"provider_id": "vs-340111001010"})
    db: Database = filled.extensions["ivr.db"]
    with db.sessions() as s:
        zhang = s.scalars(select(User).where(User.username == "zhang")).one()
        assert zhang.provider_id == "vs-340111001010" and zhang.session_version >= 2
    issued = post(client, "/admin/manage/tokens", {"provider_id": "vs-340111001008",
                                                   "label": "村站平板"})
    token = re.search(r'id="secret">([^<]+)<', issued.get_data(as_text=True))
    assert token is not None
    api = filled.test_client()
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert api.get("/station/api/referrals", headers=headers).status_code == 200
    listing = client.get("/admin/manage/tokens", base_url=BASE).get_data(as_text=True)
    assert "村站平板" in listing and "从未 Never" not in listing
    with db.sessions() as s:
        token_id = s.scalars(select(ApiToken.id)).one()
    post(client, f"/admin/manage/tokens/{token_id}/revoke")
    assert api.get("/station/api/referrals", headers=headers).status_code == 401


# --- the city ---------------------------------------------------------------------------------

PERSONAL = ("王秀英", "13912345678", "+86139", "transcript")


def test_the_city_sees_every_platform_and_no_personal_data(filled: Flask) -> None:
    city = login(filled, "city")
    assert city.get("/admin/", base_url=BASE).status_code == 403
    answers = [city.get("/city/?period=quarter&quarter=2026Q4", base_url=BASE)]
    for level in evidence.LEVELS:
        answers.append(city.get(f"/city/evidence/{level}?period=quarter&quarter=2026Q4",
                                base_url=BASE))
    api = filled.test_client()
    assert api.get("/city/api/statistics").status_code == 401
    token = filled.test_cli_runner().invoke(args=["city", "token"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/city/api/statistics?quarter=2026Q4", "/city/api/statistics?by=township",
                 "/city/api/evidence/village?quarter=2026Q4",
                 "/city/api/evidence/district?quarter=2026Q4&format=csv",
                 "/city/api/statistics?by=category&format=csv"):
        answers.append(api.get(path, headers=headers))
    assert api.get("/city/api/statistics?by=operator", headers=headers).status_code == 400
    for answer in answers:
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        for word in PERSONAL:
            assert word not in text, (answer.request.path, word)
        assert not re.search(r"\+86\d{6,}", text)
    doc = answers[4].get_json()
    assert doc["rows"] and doc["totals"]["offered"] == 300


# --- the scan ---------------------------------------------------------------------------------

RAW = [re.compile(p) for p in (
    r"\+86\d{6,}",                                  # E.164 numbers
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}",               # ISO timestamps
    r"\b(?:UTC|GMT)\b|\+00:00",                     # UTC times
    r">\s*(?:not met|no data|met|in_progress|ivr_handled|handed_off|village_station|"
    r"township_center|district_call_center|provider|elderly|disabled|voice|sms|chat|"
    r"admin|operator|station|city|active|revoked)\s*<",  # raw codes as a cell's whole text
)]


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r'\s(?:value|href|action|id|class|name|for|data-[a-z-]+)="[^"]*"', "", html)


def test_no_admin_or_city_page_shows_raw_codes_utc_times_or_e164(filled: Flask) -> None:
    runner = filled.test_cli_runner()
    runner.invoke(args=["stations", "token", "vs-340111001008", "--label", "平板"])
    admin, city = login(filled, "admin"), login(filled, "city")
    q = "period=quarter&quarter=2026Q4"
    pages = [(admin, "/admin/"), (admin, "/admin/manage/"), (admin, "/admin/manage/providers"),
             (admin, "/admin/manage/providers?kind=village_station"),
             (admin, "/admin/manage/providers/p-340111-001"),
             (admin, "/admin/manage/providers/vs-340111001008"),
             (admin, "/admin/manage/logins"), (admin, "/admin/manage/tokens"),
             (city, f"/city/?{q}"), (city, f"/city/?{q}&by=channel"),
             (city, f"/city/?{q}&by=group")]
    for name, dims in (("calls", ["", "day", "hour", "group", "channel", "district",
                                  "operator", "provider", "category", "week"]),
                       ("referrals", ["", "category"]), ("staffing", [""])):
        pages += [(admin, f"/admin/reports/{name}?{q}&by={d}") for d in dims]
    for level in evidence.LEVELS:
        pages += [(admin, f"/admin/evidence/{level}?{q}"), (city, f"/city/evidence/{level}?{q}")]
    pages.append((admin, f"/admin/evidence/village/vs-340111001008?{q}"))
    pages.append((admin, f"/admin/evidence/district/dcc-340111?{q}"))
    found = []
    for client, path in pages:
        response = client.get(path, base_url=BASE)
        assert response.status_code == 200, path
        text = _visible(response.get_data(as_text=True))
        for pattern in RAW:
            for hit in pattern.findall(text):
                found.append(f"{path}: {hit!r}")
    assert not found, found[:20]


def test_demo_contacts_land_in_the_quarter(filled: Flask) -> None:
    db: Database = filled.extensions["ivr.db"]
    with db.sessions() as s:
        days = {c.local_date for c in s.scalars(select(Conversation))}
    assert min(days) >= date(2026, 10, 1) and max(days) <= date(2026, 10, 5) + timedelta(days=41)


def test_evidence_downloads_follow_the_filter(filled: Flask) -> None:
    client = login(filled, "admin")
    raw = client.get("/admin/evidence/village?period=quarter&quarter=2026Q4&district=340111"
                     "&township=340111001&format=csv", base_url=BASE).data
    text = raw.decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf") and "vs-340111001008" in text
    assert "vs-340104" not in text and "无数据 No data" in text
