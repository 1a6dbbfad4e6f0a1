"""Electronic files and referrals: from a call to the file, the referral, the SMS, the
provider's reply, completion and the follow-up, with a fake Twilio API on loopback."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from directory.models import Provider
from directory.orm import utcnow
from ivr.core.db import Database
from ivr.core.models import (
    AuditEntry,
    CallbackTask,
    Conversation,
    OutboxMessage,
    Referral,
    Resident,
)
from ivr.residents import outbox
from ivr.residents.records import ResidentsImportError, import_csv
from ivr.stations import api as station_api
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

from .conftest import DUTY, PUBLIC, TOKEN, load_demo, post_signed
from .fake_twilio import FakeTwilio

CALLER = "+8613912345678"
HEADER = "phone,name,division,groups,needs,birth_year,notes\n"
RESIDENTS = HEADER + (
    "+8613912345678,王秀英,340111400001,elderly,meal,1941,独居\n"
    "+8613900000002,李建国,340111400002,elderly;disabled,medical;meal,1950,\n"
)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def demo(app: Flask, fake: FakeTwilio) -> Database:
    app.config.update(TWILIO_API_BASE=fake.url, TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                      TWILIO_SMS_FROM="+8655112345")
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    return db


def sms(app: Flask, sender: str, body: str, sid: str = "") -> str:
    # Each message Twilio delivers has its own MessageSid (a replay repeats it).
    response = post_signed(app.test_client(), "/sms",
                           {"From": sender, "To": "+8655112345", "Body": body,
                            "MessageSid": sid or "SM" + uuid.uuid4().hex})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def send_all(app: Flask, db: Database) -> int:
    with db.sessions() as s:
        return outbox.send_due(s, app.config)


def test_one_request_from_call_to_follow_up(app: Flask, demo: Database,
                                            fake: FakeTwilio) -> None:
    caller = ScriptedCaller(["我想找人帮忙做饭", "包河区滨湖世纪社区", "2", "2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    with demo.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        provider = s.get(Provider, referral.provider_id)
        assert provider is not None and referral.status == "created"
        provider_phone, number = provider.phone, f"R{referral.id}"
        resident = s.scalars(select(Resident).where(Resident.phone == CALLER)).one()
        assert resident.provisional  # an unknown number opened a provisional file
    assert send_all(app, demo) == 2
    assert {m["To"] for m in fake.messages} == {CALLER, provider_phone}
    with demo.sessions() as s:  # accepted by the provider is not yet delivered
        assert s.scalars(select(Referral)).one().status == "created"
        told = s.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "referral_to_provider")).one()
    sent = next(m for m in fake.messages if m["To"] == provider_phone)
    assert sent["StatusCallback"] == f"{PUBLIC}/sms/status?m={told.id}"
    assert post_signed(app.test_client(), f"/sms/status?m={told.id}",
                       {"MessageSid": told.provider_sid, "MessageStatus": "delivered"}
                       ).status_code == 200
    with demo.sessions() as s:
        assert s.scalars(select(Referral)).one().status == "notified"
    assert "已接单" in sms(app, provider_phone, f"1 {number}")
    assert "已登记完成" in sms(app, provider_phone, f"完成 {number}")
    assert send_all(app, demo) == 1
    assert "满意" in fake.messages[-1]["Body"] and fake.messages[-1]["To"] == CALLER
    assert "谢谢" in sms(app, CALLER, "很满意")
    with demo.sessions() as s:
        done = s.scalars(select(Referral)).one()
        assert (done.status, done.follow_up_answer) == ("completed", "satisfied")
        assert s.get(Provider, done.provider_id).open_cases == 0  # type: ignore[union-attr]
    shown = app.test_cli_runner().invoke(args=["residents", "show", CALLER, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert {"phone", "name", "division", "groups", "needs", "contacts", "referrals"} <= set(data)
    assert data["contacts"][0]["outcome"] == "referred"
    assert data["contacts"][0]["understood"][0]["code"] == "meal"
    assert data["referrals"][0]["status"] == "completed"


def test_declined_referral_goes_one_level_up(app: Flask, demo: Database) -> None:
    caller = ScriptedCaller(["我想找人帮忙做饭", "包河区滨湖世纪社区", "2", "2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    with demo.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        phone = s.get(Provider, referral.provider_id).phone  # type: ignore[union-attr]
    assert "上一级" in sms(app, phone, f"3 R{referral.id}")
    with demo.sessions() as s:
        moved = s.scalars(select(Referral)).one()
        assert moved.status == "created" and moved.provider_id != referral.provider_id
        assert moved.level in ("village_station", "township_center", "district_call_center")


def test_reimporting_residents_keeps_contacts_and_referrals(app: Flask, demo: Database) -> None:
    with demo.sessions() as s:
        assert import_csv(s, RESIDENTS).added == 2
        s.commit()
    app.config["CALLER_CHECK"] = "off"  # "1" confirms the address on file, as caller ID says
    caller = ScriptedCaller(["我想找人帮忙做饭", "1", "2", "2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    changed = RESIDENTS.replace("独居", "独居，女儿在上海")
    with demo.sessions() as s:
        counts = import_csv(s, changed)
        s.commit()
        assert (counts.updated, counts.unchanged) == (1, 1)
        resident = s.scalars(select(Resident).where(Resident.phone == CALLER)).one()
        assert s.scalars(select(Conversation).where(
            Conversation.resident_id == resident.id)).all()
        assert s.scalars(select(Referral).where(Referral.resident_id == resident.id)).all()


@pytest.mark.parametrize(("line", "where"), [
    ("+86139,王,340111400001,,,,", "phone"),
    ("+8613900000003,王,340111999001,,,,", "division"),
    ("+8613900000003,王,340111400001,young,,,", "group"),
    ("+8613900000003,王,340111400001,,flying,,", "need"),
    ("+8613900000003,王,340111400001,,,1850,", "birth_year"),
    ("+8613912345678,重复,340111400001,,,,", "repeats"),
])
def test_bad_residents_line_is_named_and_changes_nothing(demo: Database, line: str,
                                                         where: str) -> None:
    with demo.sessions() as s, pytest.raises(ResidentsImportError) as info:
        import_csv(s, RESIDENTS + line + "\n")
    assert "line 4" in str(info.value) and where in str(info.value)
    with demo.sessions() as s:
        assert s.scalars(select(Resident)).all() == []


def test_outbox_sends_each_message_once_after_the_api_recovers(
        app: Flask, demo: Database, fake: FakeTwilio) -> None:
    with demo.sessions() as s:
        for n in range(5):
            outbox.enqueue(s, f"+861390000{n:04d}", f"message {n}", "test")
        s.commit()
    fake.fail_next = 12
    rounds = 0
    while len(fake.messages) < 5 and rounds < 20:
        rounds += 1
        send_all(app, demo)
        with demo.sessions() as s:  # time passes: every backoff has run out
            s.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))
            s.commit()
    bodies = sorted(m["Body"] for m in fake.messages)
    assert bodies == [f"message {n}" for n in range(5)]
    send_all(app, demo)
    assert len(fake.messages) == 5
    with demo.sessions() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"}
        # Every try is counted: 12 refused and 5 that went through.
        assert sum(r.attempts for r in rows) == 17


def test_a_station_sees_its_own_area_and_nothing_else(app: Flask, demo: Database) -> None:
    station = "vs-340111400001"
    with demo.sessions() as s:
        # The audit log keeps earlier tests' rows (other tests use this station): only newer.
        first = s.scalar(select(func.max(AuditEntry.id))) or 0
        token = station_api.issue_token(s, station)
        villages = [c for (c,) in s.execute(text(
            "SELECT code FROM divisions WHERE level = 5 AND code != '340111400001'"))]
        rng = random.Random(5)
        others = []
        for n, village in enumerate(rng.sample(villages, 100)):
            resident = Resident(phone=f"+86139{n:08d}", name=f"居民{n}", division_code=village,
                                groups=["elderly", "disabled"], needs=["medical"])
            s.add(resident)
            others.append(resident)
        mine = Resident(phone="+8613911112222", name="本村居民", division_code="340111400001",
                        groups=["elderly", "disabled"], needs=["meal", "medical"])
        s.add(mine)
        s.flush()
        # A station sees a file only while it holds an open referral for that resident.
        s.add(Referral(resident_id=mine.id, category="meal", division_code="340111400001",
                       provider_id=station, level="village_station",
                       deadline=utcnow().date(), local_date=utcnow().date()))
        s.commit()
        other_ids, mine_id = [r.id for r in others], mine.id
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    refused = sum(client.get(f"/station/api/residents/{rid}", headers=headers).status_code
                  == 404 for rid in other_ids)
    assert refused == 100
    own = client.get(f"/station/api/residents/{mine_id}", headers=headers)
    assert own.status_code == 200
    assert own.get_json()["groups"] == ["elderly"]  # disability withheld without consent
    assert own.get_json()["needs"] == ["meal"]
    assert client.get(f"/station/api/residents/{mine_id}").status_code == 401
    with demo.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(
            AuditEntry.id > first, AuditEntry.actor == f"station:{station}"))]
        assert actions.count("refused") == 100 and actions.count("view") == 1


def test_station_records_activities_and_projects(app: Flask, demo: Database) -> None:
    with demo.sessions() as s:
        token = station_api.issue_token(s, "tc-340111400")
        s.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    ok = client.post("/station/api/records", headers=headers,
                     json={"kind": "activity", "title": "重阳节敬老活动", "date": "2026-10-18"})
    assert ok.status_code == 201
    bad = client.post("/station/api/records", headers=headers, json={"kind": "party"})
    assert bad.status_code == 400


def test_cli_residents_import_names_the_bad_line(app: Flask, demo: Database,
                                                 tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(RESIDENTS + "+861,x,1,,,,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["residents", "import", str(path)])
    assert result.exit_code != 0 and "line 4" in result.output


def test_a_caller_who_chose_english_gets_the_texts_in_english(app: Flask, demo: Database,
                                                              fake: FakeTwilio) -> None:
    caller = ScriptedCaller(["8", "我想找人帮忙做饭", "包河区滨湖世纪社区", "2", "2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    assert any("we will speak English" in line for line in caller.heard)
    with demo.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        provider = s.get(Provider, referral.provider_id)
        assert provider is not None
        provider_phone, number = provider.phone, f"R{referral.id}"
    assert send_all(app, demo) == 2
    to_resident = next(m["Body"] for m in fake.messages if m["To"] == CALLER)
    assert to_resident.startswith("Hefei social service line: your request for ")
    assert number in to_resident and "0551-" in to_resident
    # Providers in Hefei read Mandarin whatever the caller chose.
    assert "合肥社会服务热线转介" in next(m["Body"] for m in fake.messages
                                   if m["To"] == provider_phone)
    sms(app, provider_phone, f"2 {number}")
    assert send_all(app, demo) == 1
    assert "did not come" in fake.messages[-1]["Body"]
    assert "Thank you" in sms(app, CALLER, "Not satisfied, they came late")
    with demo.sessions() as s:
        assert s.scalars(select(Referral)).one().follow_up_answer == "unsatisfied"


def test_a_caller_hears_their_requests_in_progress(app: Flask, demo: Database) -> None:
    Phone(FlaskTransport(app), TOKEN, PUBLIC, ScriptedCaller(
        ["我想找人帮忙做饭", "包河区滨湖世纪社区", "2", "2"]), from_number=CALLER).run()
    with demo.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        provider = s.get(Provider, referral.provider_id)
        assert provider is not None
    again = ScriptedCaller(["2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, again, from_number=CALLER).run()
    heard = "\n".join(again.heard)
    assert "您有1件事情正在办理" in heard
    assert f"送饭，由{provider.name}办理" in heard
    stranger = ScriptedCaller(["2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, stranger, from_number="+8613900009999").run()
    assert "您现在没有正在办理的事情" in "\n".join(stranger.heard)


def test_residents_import_reads_numbers_as_people_write_them(app: Flask, demo: Database) -> None:
    written = HEADER + ("0551-6310 0167,张桂兰,340111400001,elderly,,,\n"
                        "055163100168,赵德明,340111400001,,,,\n"
                        "138 0000 0011,孙玉珍,340111400002,,,,\n"
                        "+8613900000012,周国华,340111400002,,,,\n")
    with demo.sessions() as s:
        assert import_csv(s, written).added == 4
        s.commit()
        stored = sorted(s.scalars(select(Resident.phone)))
    assert stored == ["+8613800000011", "+8613900000012", "+8655163100167", "+8655163100168"]
    # Written another way, the same number is the same resident.
    with demo.sessions() as s:
        again = HEADER + "+8655163100167,张桂兰,340111400001,elderly,,,\n"
        assert import_csv(s, again).unchanged == 1


@pytest.mark.parametrize("bad", ["0551-12", "1380000", "call me", "+86 999"])
def test_residents_import_names_the_line_of_a_number_that_cannot_be_dialled(
        app: Flask, demo: Database, bad: str) -> None:
    with demo.sessions() as s, pytest.raises(ResidentsImportError) as info:
        import_csv(s, RESIDENTS + f"{bad},x,340111400001,,,,\n")
    assert info.value.problems == [f"line 4: phone {bad!r} is not a dialable number (write it as "
                                   "+8655163100167, 0551-6310 0167 or 138 0000 0001)"]


@pytest.mark.parametrize("choice", ["1", "2"])
def test_a_place_no_platform_serves_goes_to_the_duty_officer_as_a_task(
        app: Flask, demo: Database, choice: str) -> None:
    # 长丰县 has no provider of meals and no district call center in the demo directory.
    caller = ScriptedCaller(["我住在长丰县水湖镇，想找人送饭", choice, "2"])
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    assert "对不起" not in "".join(caller.heard) and not result.errors
    with demo.sessions() as s:
        assert s.scalars(select(Referral)).first() is None
        task = s.scalars(select(CallbackTask)).one()
        assert (task.phone, task.reason, task.category, task.status) == (
            CALLER, "no_platform", "meal", "open")
        assert s.scalars(select(Conversation)).one().outcome == "handed_off"
        texts = s.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "no_platform_to_resident")).all()
    if choice == "1":
        assert result.dialled == [DUTY] and not texts
    else:
        assert not result.dialled and len(texts) == 1
        assert "0551-6300 0000" in texts[0].body and "+86" not in texts[0].body


def test_a_web_chat_referral_tells_the_provider_no_phone_was_left(app: Flask,
                                                                  demo: Database) -> None:
    from ivr.residents import records, referrals

    with demo.sessions() as s:
        provider = s.scalars(select(Provider).where(Provider.kind == "provider")).first()
        assert provider is not None
        resident = records.open_provisional(s, records.withheld_key("chat", "c" * 20),
                                            actor="test")
        referrals.create(s, resident=resident, category="meal", division=provider.division_code,
                         answer=None, provider_id=provider.id, level="provider",
                         config=dict(app.config), conversation_id=None, actor="test")
        body = s.scalars(select(OutboxMessage.body).where(
            OutboxMessage.purpose == "referral_to_provider")).one()
    assert "withheld" not in body and "未留" in body
