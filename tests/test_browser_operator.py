"""In headless Chromium: an operator logs in, sees the queue, opens the caller's file and
completes a wrap-up that shows up in the file."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from ivr.accounts.logins import create_user
from ivr.core.db import Database
from ivr.core.models import QueueEntry, Resident, User

from .browser import chromium, live_server, require_browser
from .conftest import load_demo
from .voicecall import VoiceCall

CALLER = "+8613912345678"
SHOTS = Path(__file__).resolve().parents[1] / "bench" / "out"


def test_operator_takes_a_call_and_wraps_up(app: Flask) -> None:
    require_browser()
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    with db.sessions() as s:
        s.add(Resident(phone=CALLER, name="王秀英", division_code="340111400001",
                       groups=["elderly"], needs=["meal"]))
        s.add(create_user("li", "operator-password", "operator", name="小李",
                          phone="+8613800000999", status="busy"))
        s.commit()
    # A caller asks for meals, then for a person: they wait in the queue.
    call = VoiceCall(app.test_client(), CALLER)
    call.press("1")
    call.say("我想找人送饭")
    call.press("0")
    assert call.doc.find("Enqueue") is not None
    with db.sessions() as s:
        assert s.scalars(select(QueueEntry)).one().status == "waiting"

    with live_server(app) as base, chromium() as page:
        page.goto(f"{base}/login")
        page.fill("#username", "li")
        page.fill("#password", "operator-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/operator/")
        queue = page.locator("#queue")
        assert "王秀英" in queue.inner_text() and "助餐" in queue.inner_text()
        assert queue.locator("tbody tr td").first.inner_text() == "1"  # place in the queue
        page.click("#take-next")
        page.wait_for_selector("#file")
        assert "王秀英" in page.locator("#file").inner_text()
        assert "我想找人送饭" in page.locator("#transcript").inner_text()
        assert page.locator("#suggestion").count() == 1
        page.select_option("#outcome", "resolved")
        page.fill("#notes", "已联系滨湖老年食堂，明天起每天中午送餐。")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "operator-call.png"), full_page=True)
        page.click("#wrapup button[type=submit]")
        page.wait_for_url(f"{base}/operator/")
        assert "已写入居民档案" in page.content()

    shown = app.test_cli_runner().invoke(args=["residents", "show", CALLER, "--json"])
    contact = json.loads(shown.output)["contacts"][0]
    assert "每天中午送餐" in contact["operator_notes"]
    assert contact["outcome"] == "resolved"
    with db.sessions() as s:
        entry = s.scalars(select(QueueEntry)).one()
        assert entry.wrap_up_s is not None
        assert s.scalars(select(User)).one().status == "available"
