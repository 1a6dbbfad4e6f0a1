"""PIPL rights: a copy of everything held on a resident, and erasure that keeps the figures."""

from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import func, select

from ivr.accounts.logins import create_user
from ivr.core.db import Database
from ivr.core.models import (
    AuditEntry,
    Call,
    CallbackTask,
    Conversation,
    OutboxMessage,
    Referral,
    Resident,
    TextMessage,
)
from ivr.residents import rights

from .test_access import PHONE, _file

HTTPS = "https://line.example.org"


def _counts(db: Database, resident_id: int) -> dict[str, object]:
    """What the statistics read of a file: contacts, outcomes, categories, dates, area."""
    with db.sessions() as s:
        rows = s.execute(select(Conversation.channel, Conversation.outcome,
                                Conversation.category, Conversation.local_date,
                                Conversation.division_code)
                         .where(Conversation.resident_id == resident_id)
                         .order_by(Conversation.id)).all()
        resident = s.get(Resident, resident_id)
        assert resident is not None
        return {"contacts": [tuple(r) for r in rows], "groups": resident.groups,
                "division": resident.division_code, "needs": resident.needs}


def test_export_holds_everything_and_is_audited(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, True)
    with demo.sessions() as s:
        s.add(Call(call_sid="CA" + "5" * 32, from_number=PHONE, local_date=func.current_date(),
                   local_hour=9))
        s.add(OutboxMessage(to_number=PHONE, body="您的助餐服务已安排", purpose="referral"))
        s.commit()
    result = app.test_cli_runner().invoke(args=["residents", "export", PHONE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "王秀英" and data["notes"] == "糖尿病，独居"
    assert len(data["contacts"]) == 2 and len(data["referrals"]) == 2
    assert any(m.get("body") == "我想要送饭，我血糖高" for c in data["contacts"]
               for m in c.get("messages", []))
    assert data["calls"][0]["call_sid"] == "CA" + "5" * 32
    assert data["text_messages_sent"][0]["body"] == "您的助餐服务已安排"
    assert data["access_log"]  # who looked at the file
    with demo.sessions() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.resident_id == resident_id)
                         .order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.action == "export" and last.sensitivity == "sensitive"


def test_erase_removes_personal_data_and_keeps_the_figures(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, True)
    with demo.sessions() as s:
        s.add(CallbackTask(phone=PHONE, reason="emergency", category="emergency", kind="fall",
                           said="我是王秀英，我摔倒了起不来"))
        s.commit()
    before = _counts(demo, resident_id)
    result = app.test_cli_runner().invoke(args=["residents", "erase", PHONE, "--yes"])
    assert result.exit_code == 0, result.output
    assert _counts(demo, resident_id) == before  # every contact still counted, as it was
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None and resident.erased_at is not None
        alias = rights.pseudonym(PHONE, app.config["SECRET_KEY"])
        assert resident.phone == alias and resident.name == "" and resident.notes == ""
        conversations = s.scalars(select(Conversation).where(
            Conversation.resident_id == resident_id)).all()
        blob = json.dumps([(c.phone, c.key, c.state, c.operator_notes, c.recording_url,
                            c.last_outputs) for c in conversations], ensure_ascii=False)
        task = s.scalars(select(CallbackTask)).one()
        assert (task.phone, task.said, task.kind) == (alias, "", "fall")
        bodies = [m.body for m in s.scalars(select(TextMessage).where(
            TextMessage.conversation_id.in_([c.id for c in conversations])))]
        erased = s.scalars(select(AuditEntry).where(AuditEntry.resident_id == resident_id,
                                                    AuditEntry.action == "erase")).all()
    for gone in (PHONE, "王秀英", "糖尿病", "需要陪诊", "https://rec/1"):
        assert gone not in blob, gone
    assert bodies == [rights.ERASED_TEXT]
    assert len(erased) == 1
    # The same number always gives the same pseudonym; a new call from it is a new file.
    assert rights.pseudonym(PHONE, app.config["SECRET_KEY"]) == alias
    assert app.test_cli_runner().invoke(args=["residents", "show", PHONE]).exit_code != 0


def test_erase_also_clears_the_texts_to_providers_that_named_the_resident(
        app: Flask, demo: Database) -> None:
    # A provider's referral SMS carries the resident's name and number: erased with the file,
    # and one not yet sent is never sent.
    resident_id = _file(demo, True)
    with demo.sessions() as s:
        referral = s.scalars(select(Referral).where(Referral.resident_id == resident_id)).first()
        assert referral is not None
        for status in ("sent", "pending"):
            s.add(OutboxMessage(to_number="+8655163100175", purpose="referral_to_provider",
                                body=f"新服务单：王秀英，{PHONE}，需要送饭", status=status,
                                referral_id=referral.id,
                                template_params={"name": "王秀英", "phone": PHONE}))
        s.commit()
    result = app.test_cli_runner().invoke(args=["residents", "erase", PHONE, "--yes"])
    assert result.exit_code == 0, result.output
    with demo.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(
            OutboxMessage.to_number == "+8655163100175")).all()
        blob = json.dumps([(m.body, m.template_params) for m in rows], ensure_ascii=False)
        assert "王秀英" not in blob and PHONE not in blob
        assert sorted(m.status for m in rows) == ["failed", "sent"]


def test_the_admin_page_exports_and_erases(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, False)
    with demo.sessions() as s:
        s.add(create_user("admin-rights", "admin-password", "admin", name="管理员"))
        s.commit()
    client = app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"}, data={
        "username": "admin-rights", "password": "admin-password", "csrf_token": token.group(1)})
    url = f"/admin/residents/{resident_id}/rights"
    view = client.get(url, base_url=HTTPS)
    assert view.status_code == 200 and "王秀英" in view.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     view.get_data(as_text=True))
    assert csrf
    headers = {"Referer": f"{HTTPS}{url}"}
    exported = client.post(url, base_url=HTTPS, headers=headers,
                           data={"action": "export", "csrf_token": csrf.group(1)})
    assert exported.status_code == 200 and exported.get_json()["name"] == "王秀英"
    wrong = client.post(url, base_url=HTTPS, headers=headers,
                        data={"action": "erase", "confirm": "+86", "csrf_token": csrf.group(1)})
    assert wrong.status_code == 302
    with demo.sessions() as s:
        assert s.get(Resident, resident_id).name == "王秀英"  # type: ignore[union-attr]
    done = client.post(url, base_url=HTTPS, headers=headers,
                       data={"action": "erase", "confirm": PHONE, "csrf_token": csrf.group(1)})
    assert done.status_code == 302
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None and resident.name == "" and resident.erased_at is not None
    after = client.get(url, base_url=HTTPS).get_data(as_text=True)
    assert "王秀英" not in after and 'id="erased"' in after


def test_the_rights_page_in_the_browser(app: Flask, demo: Database) -> None:
    import os
    from pathlib import Path

    import pytest

    from .browser import chromium, live_server, require_browser

    require_browser()
    resident_id = _file(demo, False)
    with demo.sessions() as s:
        s.add(create_user("admin-browser", "admin-password", "admin", name="管理员"))
        s.commit()
    root = Path(__file__).resolve().parents[1]
    axe = root / "node_modules" / "axe-core" / "axe.min.js"
    with live_server(app) as base, chromium(bypass_csp=True) as page:
        page.goto(f"{base}/login")
        page.fill("#username", "admin-browser")
        page.fill("#password", "admin-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        page.goto(f"{base}/admin/residents/{resident_id}/rights")
        assert "王秀英" in page.locator("#summary").inner_text()
        if axe.exists():
            page.add_script_tag(path=str(axe))
            violations = page.evaluate("""async () => (await axe.run()).violations
                .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
            assert violations == []
        elif not os.environ.get("AXE_MISSING_OK"):
            pytest.fail("axe-core is missing: npm install axe-core (dev.py test and CI do)")
        (root / "bench" / "out").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(root / "bench" / "out" / "resident_rights.png"), full_page=True)
        page.fill("#confirm", PHONE)
        page.click("#erase button[type=submit]")
        page.wait_for_selector("#erased")
        assert "王秀英" not in page.content()
        page.screenshot(path=str(root / "bench" / "out" / "resident_rights_erased.png"),
                        full_page=True)
