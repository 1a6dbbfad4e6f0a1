"""One language policy: a filled demo (many residents, calls, texts, callbacks, referrals in
every state) and every console and station page scanned for raw codes, UTC or ISO times and
E.164 numbers. Codes that are also English words are caught when they stand alone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from directory.orm import utcnow
from ivr.accounts.logins import create_user
from ivr.core import display
from ivr.core.models import (
    AuditEntry,
    CallbackTask,
    Conversation,
    QueueEntry,
    Referral,
    Resident,
    TextMessage,
)
from ivr.core.statuses import (
    CallbackStatus,
    OperatorStatus,
    Outcome,
    QueueStatus,
    ReferralStatus,
)
from ivr.residents import referrals

from .pages import HTTPS, client_login, visible_text

PASSWORD = "scan-password"
STATION = "vs-340111400001"
PROVIDER = "p-340111-017"
VILLAGES = ["340111400001", "340111400002"]
TEMPLATES = Path(__file__).resolve().parents[1] / "ivr" / "templates"
REASONS = ["asked", "missed", "voicemail", "emergency", "suicide", "elderly_direct",
           "provider_no_answer", "text_asked", "text_emergency", "text_suicide", "loop"]

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?|\d{2}:\d{2}:\d{2}\+|\+00:00|\bUTC\b")
E164 = re.compile(r"\+\d{6,}")
DIVISION = re.compile(r"(?<!\d)34\d{7,10}(?!\d)")
AUTHOR = re.compile(r"\boperator:\d+|\bstation:\S+|\bresident:\w+")
WORD = re.compile(r"[a-z][a-z_]*[a-z]")


def _codes() -> set[str]:
    codes = {str(v) for enum in (ReferralStatus, QueueStatus, OperatorStatus, CallbackStatus,
                                 Outcome) for v in enum}
    for table in display.LABELS.values():
        codes |= {str(k) for k in table if " " not in str(k)}
    return codes | set(REASONS) | {"voice", "sms", "chat", "admin", "station", "operator"}


def _english_words() -> set[str]:
    """Lowercase words the pages' English text uses on purpose (labels and templates)."""
    words: set[str] = set()
    for table in display.LABELS.values():
        for text in table.values():
            words |= set(WORD.findall(text))
    for path in TEMPLATES.rglob("*.html"):
        source = re.sub(r"\{[{%#].*?[}%#]\}", " ", path.read_text(encoding="utf-8"))
        for text in visible_text(source):
            words |= set(WORD.findall(text))
    return words


def _fill(app: Flask, demo: Any) -> dict[str, Any]:
    """Many residents, contacts on every channel with every outcome, a queue, callbacks,
    text messages by residents, the line and an operator, referrals in every state."""
    now = utcnow()
    with demo.sessions() as s:
        operator = create_user("scan", PASSWORD, "operator", name="小王",
                               phone="+8613800000777", status=OperatorStatus.WRAP_UP)
        s.add(operator)
        s.add(create_user("scanstation", PASSWORD, "station", name="琼临", provider_id=STATION))
        s.add(create_user("scanprovider", PASSWORD, "station", name="清枫",
                          provider_id=PROVIDER))
        residents = []
        for i in range(24):
            resident = Resident(phone=f"+86139{i:08d}", name=f"居民{i}",
                                division_code=VILLAGES[i % 2], groups=[
                                    ["elderly"], ["disabled"], ["other"], []][i % 4],
                                needs=[["meal"], ["bathing", "medical"], []][i % 3],
                                birth_year=1940 + i, notes="常住",
                                last_contact_at=now - timedelta(hours=i))
            s.add(resident)
            residents.append(resident)
        s.add(Resident(phone="+861062345678", name="北京来电"))
        s.flush()
        conversations = []
        channels = ["voice", "sms", "chat"]
        for i, outcome in enumerate(list(Outcome) * 2):
            channel = channels[i % 3]
            resident = residents[i % len(residents)]
            key = (f"CA{i:032d}" if channel == "voice" else f"{channel}-{i}@2026")
            row = Conversation(
                channel=channel, key=key, phone="" if channel == "chat" else resident.phone,
                resident_id=resident.id, outcome=outcome, category="meal",
                division_code=resident.division_code, handed_off=True,
                emergency=outcome == Outcome.EMERGENCY,
                operator_notes=f"[2026年12月2日 04:31 小王] 第{i}次", wait_s=i, talk_s=60 + i,
                state={"understood": [
                    {"node": "need", "said": "我想找人送饭", "decision": "accept",
                     "code": "meal", "score": 100.0},
                    {"node": "place", "said": "琼临", "decision": "confirm",
                     "code": VILLAGES[0], "score": 71.5},
                    {"node": "need", "said": "嗯", "decision": "none", "code": None,
                     "score": None}]},
                started_at=now - timedelta(minutes=5 * i), updated_at=now)
            s.add(row)
            conversations.append(row)
        s.flush()
        for row in conversations:
            if row.channel != "voice":
                for author in ("resident", "line", f"operator:{operator.id}"):
                    s.add(TextMessage(conversation_id=row.id, direction="in", author=author,
                                      body="您好"))
        voice = [c for c in conversations if c.channel == "voice"]
        for i, status in enumerate(list(QueueStatus)):
            s.add(QueueEntry(call_sid=f"QE{i:030d}", conversation_id=voice[i % len(voice)].id,
                             phone=voice[i % len(voice)].phone, reason=REASONS[i % 7],
                             priority=i % 3, status=status, local_date=date(2026, 12, 2),
                             local_hour=4,
                             operator_id=operator.id if status in (
                                 QueueStatus.OFFERED, QueueStatus.CONNECTED) else None))
        for i, reason in enumerate(REASONS):
            conversation = conversations[i % len(conversations)]
            s.add(CallbackTask(phone=conversation.phone, call_sid=conversation.key,
                               reason=reason, category="emergency" if i % 4 == 0 else "meal",
                               attempt_outcome=["no_answer", "busy", None][i % 3],
                               attempts=i % 3, attempted_at=now if i % 3 != 2 else None))
        s.commit()
        for i, status in enumerate(ReferralStatus):
            for provider in (STATION, PROVIDER):
                referral = referrals.create(
                    s, resident=residents[i], category="meal", division=VILLAGES[0],
                    answer=None, provider_id=provider, level="village_station",
                    config=app.config, conversation_id=conversations[i].id, actor="test")
                referral.status = status
                if status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED):
                    referral.accepted_at = now
                if status == ReferralStatus.COMPLETED:
                    referral.completed_at = now
        s.commit()
        return {"residents": [r.id for r in residents],
                "conversations": [c.id for c in conversations],
                "entries": [e.id for e in s.scalars(select(QueueEntry).where(
                    QueueEntry.operator_id == operator.id))]}


def _problems(text: str, url: str, codes: set[str], english: set[str]) -> list[str]:
    found = []
    for node in visible_text(text) if "<" in text else text.splitlines():
        for pattern in (ISO_TIME, E164, AUTHOR, DIVISION):
            if pattern.search(node):
                found.append(f"{url}: {pattern.pattern[:20]} in {node[:80]!r}")
        for word in WORD.findall(node):
            alone = node.strip(" ()（）:：,，·—-") == word
            if word in codes and (word not in english or alone):
                found.append(f"{url}: raw code {word!r} in {node[:80]!r}")
    return found


def _get(client: FlaskClient, url: str) -> str:
    answer = client.get(url, base_url=HTTPS)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.get_data(as_text=True)


def test_no_raw_code_utc_time_or_e164_number_reaches_a_page(app: Flask, demo: Any) -> None:
    with demo.sessions() as s:
        # The audit log is append-only: it keeps earlier tests' rows.
        before = s.scalar(select(func.max(AuditEntry.id))) or 0
    made = _fill(app, demo)
    codes, english = _codes(), _english_words()
    operator = client_login(app, "scan", PASSWORD)
    urls = ["/operator/", "/operator/live", "/operator/residents?q=居民",
            "/operator/residents?q=139 0000 0001", "/operator/residents?q=琼临",
            "/operator/residents?q=010-6234 5678"]
    urls += [f"/operator/residents/{i}" for i in made["residents"]]
    urls += [f"/operator/contacts/{i}" for i in made["conversations"]]
    urls += [f"/operator/calls/{i}" for i in made["entries"]]
    problems: list[str] = []
    pages = {url: _get(operator, url) for url in urls}
    assert "北京来电" in pages["/operator/residents?q=010-6234 5678"]
    assert "010-6234 5678" in pages["/operator/residents?q=010-6234 5678"]
    console = pages["/operator/"]
    assert console.count('<tr id="task-') == len(REASONS)  # every callback task is listed
    assert "文字会话：紧急情况 Emergency" in console and "网上咨询，没有电话" in console
    contact = pages[f"/operator/contacts/{made['conversations'][1]}"]
    assert "我想找人送饭" in contact and "需要 助餐" in contact and "接线员 小王" in contact
    for station_login in ("scanstation", "scanprovider"):
        station = client_login(app, station_login, PASSWORD)
        for query in ["", "?period=", "?period=7", "?category=meal"] + [
                f"?status={s}" for s in ReferralStatus]:
            pages[f"{station_login}:/station/{query}"] = _get(station, f"/station/{query}")
        exported = station.get("/station/referrals.csv?period=", base_url=HTTPS)
        pages[f"{station_login}:csv"] = exported.get_data(as_text=True)
    for url, text in pages.items():
        problems += _problems(text, url, codes, english)
    assert problems == []
    # The scan itself can fail: a raw code, a UTC time and an E.164 number are caught.
    for planted in ("wrap_up", "voicemail", "text_emergency", "2026-12-01T20:31:03",
                    "+8613900000001", "operator:2", "off", "→ 340111400007 (accept, 100.0)"):
        assert _problems(f"<td>{planted}</td>", "planted", codes, english), planted
    with demo.sessions() as s:
        assert len(s.scalars(select(Referral)).all()) == 10
        # The console's live part reloads itself: each row that names a resident (a queue
        # entry, a callback task, a text conversation) is audited once, through the access
        # policy, with its own reason.
        views = s.execute(select(AuditEntry.resident_id, AuditEntry.reason).where(
            AuditEntry.reason.like("% on the console%"), AuditEntry.id > before,
            AuditEntry.resident_id.in_(made["residents"]))).all()
        assert views and len(views) == len(set(views))
