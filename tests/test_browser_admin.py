"""In headless Chromium: an administrator's work from end to end and the city's quarter, with
screenshots in bench/out/ and an axe-core audit of every page on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .browser import chromium, live_server, require_browser
from .test_admin_pages import filled  # noqa: F401  (the fixture)
from .test_web_auth import PASSWORD

SHOTS = Path(__file__).resolve().parents[1] / "bench" / "out"
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def _audit(page: Any, problems: list[str]) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run()).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.length)""")
    problems += [f"{page.url}: {v}" for v in found]


def _login(page: Any, base: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_an_administrators_day_and_the_citys_quarter(filled: Flask) -> None:  # noqa: F811
    require_browser()
    assert AXE.exists(), "npm install axe-core (dev.py test does)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with live_server(filled) as base, chromium(bypass_csp=True) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        _login(page, base, "admin-1")
        page.wait_for_url(f"{base}/admin/")
        # A provider's hours: the next openings follow, and routing sees the change.
        page.goto(f"{base}/admin/manage/providers/p-340111-002")
        page.fill("#hours", "Sa 09:00-12:00; PH off")
        page.click("#provider-form button[type=submit]")
        page.wait_for_selector("#openings")
        assert "周六 09:00 – 12:00" in page.inner_text("#openings")
        page.screenshot(path=str(SHOTS / "admin-provider.png"), full_page=True)
        _audit(page, problems)
        # A report for the quarter by district, its chart, and both downloads.
        page.goto(f"{base}/admin/reports/calls")
        page.select_option("#period-kind", "quarter")
        page.select_option("#p-quarter", "2026Q4")
        page.select_option("#by", "district")
        page.click("form.period button[type=submit]")
        page.wait_for_selector("#report-table tbody tr")
        assert "2026年第4季度" in page.inner_text("#period-label")
        assert page.locator("svg.chart").count() == 2
        page.screenshot(path=str(SHOTS / "admin-report-calls.png"), full_page=True)
        _audit(page, problems)
        for link, suffix in (("#download-csv", ".csv"), ("#download-xlsx", ".xlsx")):
            with page.expect_download() as info:
                page.click(link)
            download = info.value
            assert download.suggested_filename.endswith(suffix)
            saved = SHOTS / f"calls-2026Q4{suffix}"
            download.save_as(str(saved))
            head = saved.read_bytes()[:4]
            assert head == (b"\xef\xbb\xbf\xe5" if suffix == ".csv" else b"PK\x03\x04"), head
        # The village stations' evidence: one page of 20, filtered, and one printed.
        page.goto(f"{base}/admin/evidence/village?period=quarter&quarter=2026Q4")
        page.screenshot(path=str(SHOTS / "admin-evidence-village.png"), full_page=True)
        _audit(page, problems)
        height = page.evaluate("document.body.scrollHeight")
        assert height < 4000, height
        page.select_option("#e-district", "340111")
        page.click("form.period button[type=submit]")
        page.locator("table.evidence a").first.click()
        page.wait_for_selector("#conditions")
        _audit(page, problems)
        page.emulate_media(media="print")
        page.screenshot(path=str(SHOTS / "admin-evidence-print.png"), full_page=True)
        assert not page.locator("header.top").is_visible()
        page.emulate_media(media="screen")
        page.goto(f"{base}/admin/manage/tokens")
        page.fill("#t-label", "村站平板 tablet")
        page.click("#new-token button[type=submit]")
        assert page.inner_text("#secret").startswith("st_")
        _audit(page, problems)
        for path, shot in (("/admin/manage/logins", "admin-logins.png"),
                           ("/admin/manage/tokens", "admin-tokens.png")):
            page.goto(base + path)
            page.screenshot(path=str(SHOTS / shot), full_page=True)
            _audit(page, problems)
        assert "村站平板 tablet" in page.inner_text("#tokens")
        page.click("header.top button[type=submit]")
        # The city reads the quarter's evidence.
        _login(page, base, "city-1")
        page.wait_for_url(f"{base}/city/")
        page.select_option("#c-quarter", "2026Q4")
        page.click("form.period button[type=submit]")
        page.wait_for_selector("#city-levels")
        page.screenshot(path=str(SHOTS / "city-index.png"), full_page=True)
        _audit(page, problems)
        page.click("text=村(居)社会服务站 Village station 明细 detail")
        page.wait_for_selector("#conditions-1")
        page.screenshot(path=str(SHOTS / "city-evidence-village.png"))
        _audit(page, problems)
    assert not problems, problems
