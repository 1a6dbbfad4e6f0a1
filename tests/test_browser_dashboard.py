"""In headless Chromium: the administrators' dashboard draws its charts (saved as a picture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import insert

from bench.generate import contacts
from ivr.accounts.logins import create_user
from ivr.core.db import Database
from ivr.core.models import Conversation

from .browser import chromium, live_server, require_browser
from .conftest import load_demo

SHOTS = Path(__file__).resolve().parents[1] / "bench" / "out"
AREAS = ["340111400001", "340111400002", "340111001013", "340104005001", "340104002001"]


def test_dashboard_draws_its_charts(app: Flask) -> None:
    require_browser()
    db: Database = app.extensions["ivr.db"]
    start = datetime.now(UTC) - timedelta(days=20)
    load_demo(db)
    with db.sessions() as s:
        s.add(create_user("boss", "admin-password", "admin", name="管理员"))
        s.execute(insert(Conversation), list(contacts(600, seed=3, start=start, days=20,
                                                      areas=AREAS)))
        s.commit()
    with live_server(app) as base, chromium() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{base}/login")
        page.fill("#username", "boss")
        page.fill("#password", "admin-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        page.wait_for_selector("body[data-charts-drawn=yes]")
        drawn = page.evaluate("""() => [...document.querySelectorAll('canvas')]
            .map(c => Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data.length : 0)""")
        assert len(drawn) == 6 and all(n > 0 for n in drawn), drawn
        assert page.locator("#kpi-offered").inner_text() == "600"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
        page.click("text=认定条件 Certification evidence")
        evidence_link = page.locator("table.evidence a").first
        evidence_link.click()
        page.wait_for_selector("#conditions")
        assert "no data" in page.content() or "met" in page.content()
        assert not errors, errors
