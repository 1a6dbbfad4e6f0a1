"""Field-level access by role and consent: one snapshot per role and consent state, every read
path through the policy, every view audited with its sensitivity."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.core.db import Database
from ivr.core.models import AuditEntry, Conversation, Referral, Resident, TextMessage
from ivr.residents import access
from ivr.stations import api as station_api

SNAPSHOTS = Path(__file__).parent / "snapshots" / "access"
STATION = "vs-340111400001"
PHONE = "+8613955550001"


FIRST = [0]


def _file(db: Database, consent: bool) -> int:
    """A resident with everything a file can hold: health groups and needs, notes, a voice
    contact with a transcript and a recording, an SMS contact, a referral to the station and
    one to another provider."""
    with db.sessions() as s:
        # The audit log keeps earlier tests' rows (and ids are reused): read only newer ones.
        FIRST[0] = s.scalar(select(func.max(AuditEntry.id))) or 0
        resident = Resident(phone=PHONE, name="王秀英", division_code="340111400001",
                            groups=["disabled", "elderly"], needs=["meal", "medical"],
                            birth_year=1941, notes="糖尿病，独居", consent_share=consent,
                            updated_by="cli")
        s.add(resident)
        s.flush()
        voice = Conversation(channel="voice", key="CA" + "1" * 32, phone=PHONE,
                             resident_id=resident.id, category="medical",
                             division_code="340111400001", outcome="referred",
                             operator_notes="[op] 需要陪诊", recording_url="https://rec/1",
                             state={"path": ["welcome", "ask_need"],
                                    "understood": [{"node": "ask_need", "said": "我有糖尿病",
                                                    "code": "medical"}]})
        text = Conversation(channel="sms", key="sms:" + PHONE, phone=PHONE,
                            resident_id=resident.id, category="meal", outcome="referred")
        s.add_all([voice, text])
        s.flush()
        s.add(TextMessage(conversation_id=text.id, direction="in", author="resident",
                          body="我想要送饭，我血糖高"))
        # The station's own referral names what it is to provide; the other one is medical.
        for provider, conversation, category in ((STATION, voice.id, "companion"),
                                                 ("dcc-340111", text.id, "medical")):
            s.add(Referral(resident_id=resident.id, conversation_id=conversation,
                           category=category, division_code="340111400001",
                           provider_id=provider, level="village_station",
                           deadline=date(2026, 12, 3), local_date=date(2026, 12, 1)))
        s.commit()
        return resident.id


def _normal(data: Any) -> Any:
    """Ids and times vary from run to run; the snapshot keeps their shape."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    text = re.sub(r'"\d{4}-\d{2}-\d{2}T[^"]+"', '"<time>"', text)
    text = re.sub(r'("(?:id|number)": )"?R?\d+"?', r'\1"<id>"', text)
    return json.loads(text)


def _snapshot(name: str, data: Any) -> None:
    path = SNAPSHOTS / f"{name}.json"
    got = _normal(data)
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8")), name


def _audits(db: Database, resident_id: int, actor: str) -> list[AuditEntry]:
    with db.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(
            AuditEntry.id > FIRST[0], AuditEntry.resident_id == resident_id,
            AuditEntry.actor == actor)
            .order_by(AuditEntry.id)))


@pytest.mark.parametrize("consent", [False, True], ids=["no-consent", "consent"])
@pytest.mark.parametrize("role", ["operator", "admin", "cli", "station", "city"])
def test_the_file_each_role_sees(app: Flask, demo: Database, role: str, consent: bool) -> None:
    resident_id = _file(demo, consent)
    viewer = access.Viewer(f"{role}:t", role, STATION if role == "station" else None)
    with demo.sessions() as s:
        resident = s.get(Resident, resident_id)
        assert resident is not None
        allowed = access.can_see(s, resident, viewer)
        data = access.file_view(s, resident, viewer, reason="test") if allowed else None
        s.commit()
    _snapshot(f"{role}-{'consent' if consent else 'no-consent'}", data)
    blob = json.dumps(data, ensure_ascii=False)
    if role == "city":
        assert data is None
        return
    audit = _audits(demo, resident_id, viewer.actor)[-1]
    assert audit.sensitivity == ("sensitive" if role != "station" or consent else "personal")
    if role == "station" and not consent:
        for secret in ("糖尿病", "需要陪诊", "https://rec/1", "血糖", "disabled", "medical"):
            assert secret not in blob, secret
        assert [r["provider"] for r in data["referrals"]] == [STATION]  # its own only
    if role != "station" or consent:
        assert "糖尿病" in blob and "disabled" in blob


@pytest.mark.parametrize("consent", [False, True], ids=["no-consent", "consent"])
def test_the_station_api_answers_what_the_policy_allows(app: Flask, demo: Database,
                                                        consent: bool) -> None:
    resident_id = _file(demo, consent)
    with demo.sessions() as s:
        token = station_api.issue_token(s, STATION)
        other = station_api.issue_token(s, "vs-340111400002")
        s.commit()
    client = app.test_client()
    answer = client.get(f"/station/api/residents/{resident_id}",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    _snapshot(f"station-api-{'consent' if consent else 'no-consent'}", answer.get_json())
    # A station of the same district without a referral to it sees nothing.
    assert client.get(f"/station/api/residents/{resident_id}",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 404
    rows = _audits(demo, resident_id, f"station:{STATION}")
    assert rows[-1].action == "view"
    assert rows[-1].sensitivity == ("sensitive" if consent else "personal")
    assert _audits(demo, resident_id, "station:vs-340111400002")[-1].action == "refused"


def test_a_closed_referral_closes_the_file_to_the_station(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, True)
    with demo.sessions() as s:
        token = station_api.issue_token(s, STATION)
        for referral in s.scalars(select(Referral).where(Referral.provider_id == STATION)):
            referral.status = "completed"
        s.commit()
    assert app.test_client().get(f"/station/api/residents/{resident_id}", headers={
        "Authorization": f"Bearer {token}"}).status_code == 404


def test_the_command_line_show_is_audited_as_sensitive(app: Flask, demo: Database) -> None:
    resident_id = _file(demo, False)
    result = app.test_cli_runner().invoke(args=["residents", "show", PHONE, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["notes"] == "糖尿病，独居"
    assert _audits(demo, resident_id, "cli")[-1].sensitivity == "sensitive"


def test_the_console_audits_every_name_number_and_message_it_shows(app: Flask,
                                                                    demo: Database) -> None:
    from ivr.accounts.logins import create_user
    from ivr.core.models import CallbackTask

    from .test_station_pages import HTTPS

    resident_id = _file(demo, False)
    with demo.sessions() as s:
        s.add(create_user("op-audit", "operator-password", "operator", name="小李"))
        text = s.scalars(select(Conversation).where(Conversation.channel == "sms",
                                                    Conversation.resident_id == resident_id)
                         ).one()
        text.handed_off = True
        s.add(CallbackTask(phone=PHONE, reason="asked"))
        s.commit()
    client = app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"}, data={
        "username": "op-audit", "password": "operator-password", "csrf_token": token.group(1)})
    home = client.get("/operator/", base_url=HTTPS)
    assert home.status_code == 200
    assert "我想要送饭" in home.get_data(as_text=True)
    with demo.sessions() as s:
        actor = s.scalar(select(AuditEntry.actor).where(
            AuditEntry.id > FIRST[0], AuditEntry.resident_id == resident_id,
            AuditEntry.actor.like("operator:%")))
    rows = _audits(demo, resident_id, str(actor))
    reasons = {r.reason.split(" ")[0] + " " + r.reason.split(" ")[1]: r for r in rows}
    assert {"callback task", "text conversation"} <= set(reasons), reasons
    messages = [r for r in rows if "messages" in r.fields]
    assert messages and messages[0].sensitivity == "sensitive"
    # The rebuilt console's callback row shows the number and the name on file: personal.
    callback = reasons["callback task"]
    assert "phone" in callback.fields and callback.sensitivity == "personal", callback.fields
