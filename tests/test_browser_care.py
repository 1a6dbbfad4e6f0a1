"""In headless Chromium: the operator sees a care alert at the top of the console, in words
(the village, the tries, the last contact, a local number), closes it with an outcome, and
sets a resident's care plan on their file; the administrator's page lists residents under care.
Screenshots in bench/out/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from ivr.accounts.logins import create_user
from ivr.care import calls, plans, schedule
from ivr.core import clock
from ivr.core.db import Database
from ivr.core.models import CareAlert, CarePlan, Resident

from .browser import chromium, live_server, require_browser
from .conftest import load_demo
from .pages import browser_login, shot

RESIDENT = "+8613912345678"


def unreached(app: Flask, db: Database) -> int:
    """A resident on a daily plan whose three tries today reached nobody."""
    with db.sessions() as s:
        resident = Resident(phone=RESIDENT, name="王秀英", division_code="340111400001",
                            groups=["elderly"], needs=["meal"])
        s.add(resident)
        s.flush()
        plan = plans.save(s, resident, plans.PlanInput("daily", "Mo-Su 00:00-24:00",
                                                       "+8613987654321", salutation="王阿姨"),
                          actor="test", role="cli")
        s.commit()
        # Three tries 20 minutes apart stay inside today: retries never roll past midnight
        # (calls.tried), so late in the local day the tries are placed an hour earlier.
        now = clock.now()
        local = schedule.local(now, app.config)
        late = local.replace(hour=23, minute=0, second=0, microsecond=0)
        if local > late:
            now -= local - late
        nxt = schedule.next_occurrence(plan, now, app.config)
        assert nxt is not None
        call = schedule.ensure_call(s, plan, *nxt)
        s.commit()
        for result in ("busy", "no-answer", "no-answer"):
            s.refresh(call)
            call.next_attempt_at = now
            s.commit()
            calls.place(s, app.config, call.id, now, calls.LocalDialer())
            s.refresh(call)
            calls.tried(s, app.config, call, result, now)
            s.commit()
        return resident.id


def test_a_care_alert_on_the_console_and_plans_on_the_file_and_admin_pages(app: Flask) -> None:
    require_browser()
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    resident_id = unreached(app, db)
    with db.sessions() as s:
        s.add(create_user("li", "operator-password", "operator", name="小李",
                          phone="+8613800000999"))
        s.add(create_user("boss", "admin-password", "admin", name="管理员"))
        s.add(Resident(phone="+8613900000055", name="张建国", division_code="340111400001",
                       groups=["elderly"]))
        s.commit()
    with live_server(app) as base, chromium() as page:
        browser_login(page, base, "li", "operator-password", "/operator/")
        box = page.locator("#care-alerts")
        text = box.inner_text()
        assert "王秀英" in text and "打了 3 次没有接通" in text and "琼临" in text
        assert "139 1234 5678" in text and "+86" not in text and "no-answer" not in text
        assert "无人接听 No answer" in text
        assert "多次未接通 Not reached: 1" in page.locator("#care-today").inner_text()
        shot(page, "care-console-alert.png")
        page.select_option("select[name=outcome]", "visited")
        page.fill("input[name=note]", "村里网格员上门看过，老人去女儿家了")
        box.locator("button[type=submit]").click()
        page.wait_for_url(f"{base}/operator/")
        assert "已处理：已上门看望 Visited" in page.content()
        assert page.locator("#care-alerts").count() == 0

        page.goto(f"{base}/operator/residents/{resident_id}")
        assert "每天 Daily" in page.locator("#care-plan").inner_text()
        page.select_option("#care-how", "2w")
        page.check("input[name=days][value=Mo]")
        page.check("input[name=days][value=Th]")
        page.fill("#care-hours", "Mo-Su 09:00-11:00")
        page.fill("#care-alert-phone", "139 8765 4321")
        page.click("#care-form button[type=submit]")
        page.wait_for_selector("#care-plan")
        plan_text = page.locator("#care-plan").inner_text()
        assert "每周一、周四" in plan_text and "139 8765 4321" in plan_text
        contacts = page.locator("#contacts").inner_text()
        assert "关怀电话 Care call" in contacts and "未接通 Not answered" in contacts
        assert "UTC" not in page.content()
        shot(page, "care-file-plan.png")
        page.click("button:has-text('退出')")

        browser_login(page, base, "boss", "admin-password", "/admin/")
        page.click("#care-link")
        page.wait_for_selector("#care-plans")
        page.fill("#care-phone", "139 0000 0055")
        page.select_option("#care-how", "weekly")
        page.check("input[name=days][value=Mo]")
        page.check("input[name=skip_holidays]")
        page.click("#care-form button[type=submit]")
        page.wait_for_selector("#care-plans")
        table = page.locator("#care-plans").inner_text()
        assert "张建国" in table and "每周一 Every Mon" in table and "不打" in table
        assert "王秀英" in table and "多次未接通 Not reached" in table
        assert "+86" not in table
        shot(page, "care-admin.png")
    with db.sessions() as s:
        alert = s.scalars(select(CareAlert)).one()
        assert (alert.status, alert.outcome) == ("closed", "visited")
        plan = s.scalars(select(CarePlan).where(CarePlan.resident_id == resident_id)).one()
        assert (plan.frequency, plan.alert_phone) == ("2w:Mo,Th", "+8613987654321")
        assert clock.aware(alert.closed_at) - clock.aware(alert.raised_at) < timedelta(hours=1)  # type: ignore[arg-type]
