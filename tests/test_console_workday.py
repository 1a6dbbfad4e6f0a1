"""In Debian's Chromium, each role's daily work end to end: an operator takes a call, types a
reply that survives the queue updating, transfers the call, wraps up, finds and corrects a
file; a station accepts and completes a referral, filters and exports its history."""

from __future__ import annotations

import codecs
import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from ivr.accounts.logins import create_user
from ivr.conversations import handoff
from ivr.core.models import (
    AuditEntry,
    CallbackTask,
    Conversation,
    QueueEntry,
    Referral,
    Resident,
    ServiceRecord,
    TextMessage,
    User,
)
from ivr.residents import referrals

from .browser import chromium, live_server, require_browser
from .conftest import post_signed
from .fake_twilio import FakeTwilio
from .pages import axe_problems, browser_login, client_login, shot
from .voicecall import VoiceCall

CALLER = "+8613912345678"
SECOND = "+8613700001111"
TEXTER = "+8613911110000"
PASSWORD = "console-password"
STATION = "vs-340111400001"


def _waiting_call(app: Flask, number: str, words: str | None) -> VoiceCall:
    call = VoiceCall(app.test_client(), number)
    if words:
        call.press("1")
        call.say(words)
    call.press("0")
    assert call.doc.find("Enqueue") is not None
    return call


def test_an_operators_day(app: Flask, demo: Any) -> None:
    require_browser()
    app.config["OPERATOR_REFRESH_S"] = 1
    with demo.sessions() as s:
        s.add(Resident(phone=CALLER, name="王秀英", division_code="340111400001",
                       groups=["elderly"], needs=["meal"]))
        s.add(create_user("li", PASSWORD, "operator", name="小李", phone="+8613800000999",
                          status="busy"))
        s.add(create_user("zhang", PASSWORD, "operator", name="老张", phone="+8613800000888"))
        s.commit()
        before = s.scalar(select(func.max(AuditEntry.id))) or 0
        # A web-chat resident who asked for a person: a task without a number.
        chat = Conversation(channel="chat", key="chat-k1@20261202", phone="",
                            handed_off=True, outcome="handed_off")
        s.add(chat)
        s.flush()
        s.add(TextMessage(conversation_id=chat.id, direction="in", author="resident",
                          body="我想问问助浴怎么申请"))
        task = CallbackTask(phone="", call_sid=chat.key, reason="text_asked")
        s.add(task)
        s.commit()
        chat_id, chat_task = chat.id, task.id
    first = _waiting_call(app, CALLER, "我想找人送饭")
    post_signed(app.test_client(), "/sms", {"From": TEXTER, "Body": "转人工",
                                             "To": "+8655112345"})

    with live_server(app) as base, chromium(bypass_csp=True) as page, FakeTwilio() as fake:
        app.config["TWILIO_API_BASE"] = fake.url
        browser_login(page, base, "li", PASSWORD, "/operator/")
        queue = page.locator("#queue")
        assert "王秀英" in queue.inner_text() and "139 1234 5678" in queue.inner_text()
        assert "助餐" in queue.inner_text()
        # A reply being typed survives the queue updating itself; the page never reloads.
        page.evaluate("window.stillHere = 'yes'")
        reply = page.locator("article.text-conversation textarea").first
        reply.fill("您好，我是小李，正在为您查询")
        reply.focus()
        _waiting_call(app, SECOND, None)
        page.locator("#queue tbody tr").nth(1).wait_for(timeout=10_000)
        assert page.locator("#queue tbody tr").count() == 2
        assert reply.input_value() == "您好，我是小李，正在为您查询"
        # The cursor stays in the box: typing goes on where it was.
        page.keyboard.type("，请稍等")
        assert reply.input_value() == "您好，我是小李，正在为您查询，请稍等"
        assert page.evaluate("window.stillHere") == "yes"
        assert axe_problems(page) == []
        shot(page, "operator-console.png")
        # Sent is read from the record, not the flash: a poll of the live part that overlaps
        # the POST writes back the session cookie it read, without the flash (a known race).
        with page.expect_navigation():
            page.locator("article.text-conversation button[type=submit]").first.click()
        with demo.sessions() as s:
            assert s.scalar(select(func.count()).select_from(TextMessage).where(
                TextMessage.body == "您好，我是小李，正在为您查询，请稍等")) == 1
        # The web-chat task is answered in the chat, not offered as a phone call.
        task_row = page.locator(f"#task-{chat_task}")
        assert "网上咨询，没有电话" in task_row.inner_text()
        assert task_row.locator("select").count() == 0
        task_row.locator("textarea").fill("您好，助浴可以在社区服务站申请，我帮您转介。")
        task_row.locator("button[type=submit]").click()
        page.locator(f"#task-{chat_task}").wait_for(state="detached")

        # The screen pop: who, what the line heard in words, the suggestion in Mandarin.
        page.click("#take-next")
        page.wait_for_selector("#file")
        heard = page.locator("#transcript").inner_text()
        assert "我想找人送饭" in heard and "助餐" in heard
        assert "accept" not in heard and "340111" not in heard
        suggestion = page.locator("#suggestion").inner_text()
        assert "建议转介" in suggestion and "T0" not in suggestion
        with demo.sessions() as s:
            entry = s.scalars(select(QueueEntry).where(QueueEntry.call_sid == first.sid)).one()
            handoff.connected(s, entry)  # the operator pressed 1 on their phone
            zhang = s.scalars(select(User).where(User.username == "zhang")).one()
            handoff.set_status(zhang, "available")
            s.commit()
            entry_id = entry.id
        page.reload()
        options = page.locator("#target option").all_inner_texts()
        assert any("老张" in o for o in options) and any("服务方" in o for o in options)
        assert axe_problems(page) == []
        shot(page, "operator-screen-pop.png")
        page.select_option("#target", label=next(o for o in options if "老张" in o))
        page.click("#transfer button[type=submit]")
        page.locator(".flash").get_by_text("已转接给 老张").wait_for()
        assert [u["CallSid"] for u in fake.call_updates] == [first.sid]
        dialled = ET.fromstring(fake.call_updates[0]["Twiml"])
        assert [n.text for n in dialled.iter("Number")] == ["+8613800000888"]
        page.select_option("#outcome", "information")
        page.fill("#notes", "转给老张处理送餐。")
        page.click("#wrapup button[type=submit]")
        page.wait_for_url(f"{base}/operator/")
        assert "已写入居民档案" in page.content()

        # Find the file by the number as a caller reads it, correct it, see its history.
        page.fill("#q", "139-1234-5678")
        page.click("form[role=search] button")
        page.wait_for_selector("#found")
        assert "王秀英" in page.locator("#found").inner_text()
        assert axe_problems(page) == []
        shot(page, "operator-search.png")
        page.click("#found a")
        page.wait_for_selector("#file-form")
        page.fill("#birth_year", "1948")
        page.fill("#notes", "独居，耳背，请大声说话")
        page.fill("#place", "融荫居民委员会")
        page.click("#file-form button[type=submit]")
        page.locator(".flash").get_by_text("档案已保存").wait_for()
        contacts = page.locator("#contacts").inner_text()
        assert "已告知信息" in contacts and "转给老张处理送餐" in contacts
        assert axe_problems(page) == []
        shot(page, "operator-file.png")

    with demo.sessions() as s:
        closed = s.get(CallbackTask, chat_task)
        assert closed is not None and closed.attempt_outcome == "answered_in_chat"
        answers = s.scalars(select(TextMessage).where(
            TextMessage.conversation_id == chat_id, TextMessage.author.startswith("operator:")))
        assert [m.body for m in answers] == ["您好，助浴可以在社区服务站申请，我帮您转介。"]
        resident = s.scalars(select(Resident).where(Resident.phone == CALLER)).one()
        assert (resident.birth_year, resident.division_code) == (1948, "340111400002")
        entry = s.get(QueueEntry, entry_id)
        assert entry is not None and entry.status == "done" and entry.wrap_up_s is not None
        changes = s.scalars(select(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.resident_id == resident.id,
            AuditEntry.action == "change")).all()
        assert [sorted(c.fields) for c in changes] == [["birth_year", "division", "notes"]]
        assert all(c.actor.startswith("operator:") for c in changes)
        views = s.scalars(select(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.resident_id == resident.id,
            AuditEntry.action == "view")).all()
        assert {"resident search", "file opened on the console"} <= {v.reason for v in views}


def _refer(app: Flask, demo: Any, provider: str, phone: str, name: str) -> int:
    with demo.sessions() as s:
        resident = Resident(phone=phone, name=name, division_code="340111400001",
                            groups=["elderly"], needs=["meal"])
        s.add(resident)
        s.flush()
        referral = referrals.create(s, resident=resident, category="meal",
                                    division="340111400001", answer=None, provider_id=provider,
                                    level="village_station", config=app.config,
                                    conversation_id=None, actor="test")
        s.commit()
        return referral.id


def test_a_station_clerks_day(app: Flask, demo: Any) -> None:
    require_browser()
    done_before = _refer(app, demo, STATION, "+8613955550001", "李大爷")
    with demo.sessions() as s:
        old = s.get(Referral, done_before)
        assert old is not None
        referrals.move(s, old, "accepted", actor="test")
        referrals.move(s, old, "completed", actor="test")
        s.add(create_user("qionglin", PASSWORD, "station", name="琼临服务站",
                          provider_id=STATION))
        s.commit()
    new = _refer(app, demo, STATION, "+8613955558888", "王秀英")
    with live_server(app) as base, chromium(bypass_csp=True) as page:
        browser_login(page, base, "qionglin", PASSWORD, "/station/")
        row = page.locator(f"#referral-{new}")
        assert "新转介" in row.inner_text() and "139 5555 8888" in row.inner_text()
        assert axe_problems(page) == []
        shot(page, "station-open.png")
        row.locator("button[value=accepted]").click()
        page.wait_for_selector(f"#referral-{new} .status:has-text('已接单')")
        page.fill(f"#note-{new}", "已送餐上门")
        page.locator(f"#referral-{new} button[value=completed]").click()
        page.locator(".flash").get_by_text(f"R{new}: 已完成").wait_for()
        assert page.locator(f"#referral-{new}").count() == 0  # no longer open
        history = page.locator("#history").inner_text()
        assert f"R{new}" in history and f"R{done_before}" in history and "已完成" in history
        assert "139 5555 8888" not in history  # a closed referral shows nobody's number
        # A future date is refused; today is taken.
        page.select_option("#kind", "activity")
        page.fill("#title", "冬至包饺子")
        page.fill("#held_on", "2099-01-01")
        page.evaluate("document.querySelector('#held_on').removeAttribute('max')")
        page.click("#record-form button[type=submit]")
        page.locator(".flash").get_by_text("日期不能晚于今天").wait_for()
        page.select_option("#f-status", "completed")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**status=completed**")
        assert page.locator("#history tbody tr").count() == 2
        assert axe_problems(page) == []
        shot(page, "station.png")
        href = page.locator("#export").get_attribute("href")
        exported = page.request.get(f"{base}{href}")
        data = exported.body()
    assert data.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0][0] == "编号 No." and {r[0] for r in lines[1:]} == {f"R{new}", f"R{done_before}"}
    assert all(r[5] == "已完成 Completed" for r in lines[1:])
    with demo.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ServiceRecord)) == 0


def test_a_provider_login_sees_the_providers_referrals(app: Flask, demo: Any) -> None:
    provider = "p-340111-017"  # 清枫社区助浴服务点
    mine = _refer(app, demo, provider, "+8613955550002", "张奶奶")
    with demo.sessions() as s:
        s.add(create_user("qingfeng", PASSWORD, "station", name="清枫助浴",
                          provider_id=provider))
        s.commit()
    client = client_login(app, "qingfeng", PASSWORD)
    page = client.get("/station/", base_url="https://line.example.org").get_data(as_text=True)
    assert "清枫社区助浴服务点" in page and f"R{mine}" in page and "张奶奶" in page
    assert "not linked" not in page
