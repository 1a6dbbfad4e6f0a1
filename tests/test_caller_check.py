"""Caller ID is a hint: the file's name, address and requests only after a keyed check;
withheld numbers never share a file."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.core.db import Database
from ivr.core.models import AuditEntry, Conversation, Referral, Resident, TextMessage
from ivr.residents import checks
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

from .conftest import PUBLIC, TOKEN, call_form, post_signed, twiml

NUMBER = "+8613912345678"
PIN = "4821"
FIRST = [0]


def _file(db: Database, app: Flask, *, pin: str | None = PIN, id4: str | None = None) -> int:
    """The resident's file; the audit log keeps earlier tests' rows (ids are reused), so the
    tests read only rows after FIRST[0]."""
    with db.sessions() as s:
        FIRST[0] = s.scalar(select(func.max(AuditEntry.id))) or 0
        resident = Resident(phone=NUMBER, name="王秀英", division_code="340111400001",
                            groups=["elderly"], needs=["meal"])
        s.add(resident)
        s.flush()
        for kind, value in (("pin", pin), ("id4", id4)):
            if value:
                checks.set_secret(s, resident, kind, value, pepper=app.config["SECRET_KEY"],
                                  actor="test", role="operator")
        s.add(Referral(resident_id=resident.id, category="meal", division_code="340111400001",
                       provider_id="vs-340111400001", level="village_station",
                       deadline=date(2026, 12, 3), local_date=date(2026, 12, 1)))
        s.commit()
        return resident.id


def call(app: Flask, answers: list[str], number: str = NUMBER) -> tuple[str, object]:
    caller = ScriptedCaller(answers)
    result = Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=number).run()
    return "\n".join(caller.heard), result


def test_a_spoofed_number_hears_nothing_of_the_file_and_changes_nothing(
        app: Flask, demo: Database) -> None:
    resident_id = _file(demo, app)
    # Skips the check (#), asks for the status (2), then tries to change the address (4).
    heard, _ = call(app, ["#", "2", "#", "1", "4", "#", "2"])
    assert "请输入密码" in heard
    assert "王秀英" not in heard and "琼临" not in heard
    assert "送饭" not in heard  # the requests in progress stay untold
    assert heard.count("要先验证") == 2  # status and the address change both refused
    assert heard.count("请输入密码") == 3  # asked at the start, before the status, the change
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None and resident.division_code == "340111400001"
        reads = s.scalars(select(AuditEntry).where(
            AuditEntry.id > FIRST[0], AuditEntry.resident_id == resident_id,
            AuditEntry.role == "line")).all()
    assert reads == []


def test_the_right_pin_greets_by_name_and_tells_the_requests_audited(
        app: Flask, demo: Database) -> None:
    resident_id = _file(demo, app)
    heard, _ = call(app, [PIN, "2", "2"])
    assert "验证成功。王秀英您好" in heard
    assert "送饭" in heard  # status: the meal request in progress
    with demo.sessions() as s:
        reads = s.scalars(select(AuditEntry).where(
            AuditEntry.id > FIRST[0], AuditEntry.resident_id == resident_id,
            AuditEntry.role == "line")
                          .order_by(AuditEntry.id)).all()
        conversation = s.scalars(select(Conversation).where(
            Conversation.phone == NUMBER)).one()
    assert [r.fields for r in reads] == [["name"], ["referrals"]]
    assert all(r.sensitivity == "personal" for r in reads)
    assert PIN not in str(conversation.state) and PIN not in str(conversation.last_outputs)


def test_wrong_pins_are_counted_and_lock_the_file(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, app)
    heard, _ = call(app, ["1111", "2222", "2", "2"])
    assert "输入的不对" in heard and "没有验证成功" in heard and "王秀英" not in heard
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None and resident.check_failures == 2
        refused = s.scalars(select(AuditEntry).where(
            AuditEntry.id > FIRST[0],
            AuditEntry.resident_id == resident_id, AuditEntry.action == "refused")).all()
    assert len(refused) == 2
    call(app, ["1111", "2222"])
    call(app, ["1111", "2"])
    heard, _ = call(app, ["2", "2"])  # five wrong in a row: not even asked, told to see staff
    assert "请输入密码" not in heard and "要先验证" in heard
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None and resident.check_failures >= checks.MAX_FAILURES
        checks.set_secret(s, resident, "pin", PIN, pepper=app.config["SECRET_KEY"],
                          actor="operator:1", role="operator")
        s.commit()
    heard, _ = call(app, [PIN, "2", "2"])  # an operator set it again: unlocked
    assert "王秀英您好" in heard


def test_the_id_card_ending_with_x_is_keyed_with_star(app: Flask, demo: Database) -> None:
    app.config["CALLER_CHECK"] = "id4"
    _file(demo, app, pin=None, id4="123x")
    heard, _ = call(app, ["123*", "2", "2"])
    assert "身份证后四位" in heard and "王秀英您好" in heard


def test_a_file_without_a_secret_is_not_read_out(app: Flask, demo: Database) -> None:
    _file(demo, app, pin=None)
    heard, _ = call(app, ["2", "2"])
    assert "王秀英" not in heard and "请输入密码" not in heard and "要先验证" in heard


def test_with_the_check_off_caller_id_is_trusted_and_readouts_audited(
        app: Flask, demo: Database) -> None:
    app.config["CALLER_CHECK"] = "off"
    resident_id = _file(demo, app, pin=None)
    heard, _ = call(app, ["2", "2"])
    assert "王秀英您好" in heard and "送饭" in heard
    with demo.sessions() as s:
        fields = [r.fields for r in s.scalars(select(AuditEntry).where(
            AuditEntry.id > FIRST[0],
            AuditEntry.resident_id == resident_id, AuditEntry.role == "line"))]
    assert fields == [["name"], ["referrals"]]


def test_the_secret_is_kept_as_a_salted_hash_only(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, app)
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None
        assert resident.pin_hash.startswith("pbkdf2_sha256$") and PIN not in resident.pin_hash
        assert checks.verify(resident, "pin", PIN, app.config["SECRET_KEY"])
        assert not checks.verify(resident, "pin", PIN, "another-secret-key")  # peppered
    with pytest.raises(checks.CheckError):
        checks.normal("pin", "12")


def test_a_pin_typed_in_a_text_message_is_not_kept(app: Flask, demo: Database) -> None:
    _file(demo, app)
    client = app.test_client()
    # Each text its own MessageSid: one repeated would be a replay, answered and not read.
    for n, body in enumerate(("你好", "2", PIN)):
        post_signed(client, "/sms", {"From": NUMBER, "To": "+8655112345", "Body": body,
                                     "MessageSid": "SM" + str(n) * 32})
    with demo.sessions() as s:
        bodies = [m.body for m in s.scalars(select(TextMessage))]
    assert PIN not in " ".join(bodies)
    assert any("王秀英" in b for b in bodies)  # the check passed by text as well


@pytest.mark.parametrize("number", ["anonymous", "+266696687", "", "not-a-number"])
def test_withheld_numbers_never_share_a_file(app: Flask, demo: Database, number: str) -> None:
    client = app.test_client()
    for n in range(2):
        root = twiml(post_signed(client, "/voice", call_form(f"CA{n}{number[:4]:0<4}" + "7" * 26,
                                                             From=number)))
        assert root.tag == "Response"
    with demo.sessions() as s:
        rows = s.scalars(select(Conversation).where(Conversation.phone == number[:32])).all()
        files = {r.resident_id for r in rows}
        assert len(rows) == 2 and len(files) == 2 and None not in files
        for resident_id in files:
            resident = s.get(Resident, resident_id)
            assert resident is not None and resident.provisional
            assert resident.phone.startswith("withheld:")


def test_help_said_at_the_pin_prompt_dials_for_help(app: Flask, demo: Database) -> None:
    # The PIN prompt hears words too, for an emergency only: 救命 there is not dropped.
    _file(demo, app)
    heard, result = call(app, ["救命，我摔倒了"])
    assert "请输入密码" in heard and "这是紧急情况" in heard
    assert result.dialled[:1] == [app.config["EMERGENCY_NUMBER"]]  # type: ignore[attr-defined]


def test_words_at_the_pin_prompt_are_not_kept(app: Flask, demo: Database) -> None:
    # A PIN said aloud is not an answer and is not stored anywhere in the conversation.
    _file(demo, app)
    heard, _ = call(app, ["四八二一"])
    assert "验证成功" not in heard
    with demo.sessions() as s:
        rows = s.scalars(select(Conversation).where(Conversation.phone == NUMBER)).all()
        assert "四八二一" not in json.dumps([(c.state, c.last_outputs) for c in rows],
                                          ensure_ascii=False)
