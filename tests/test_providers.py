"""Issue 17: the line on Twilio and on Somleng, SMS through every provider.

Each profile's TwiML is checked element by element and attribute by attribute against what
its provider's interpreter reads (dialogs.capabilities; Somleng's read from somleng-switch).
Somleng's requests are signed with its own algorithm as written in somleng-switch; the SMS
providers' REST APIs are faked on loopback.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select, update

from dialogs import engine
from dialogs.capabilities import PROFILES, SOMLENG, TWILIO, Capabilities, invites_speech
from dialogs.loader import load
from dialogs.services import Environment, Settings
from dialogs.state import Caller
from ivr.core.db import Database
from ivr.core.models import OutboxMessage, QueueEntry, Resident, User
from ivr.providers.sms import LogSender, Sms, aliyun_signature, mainland_number
from ivr.residents import checks, outbox
from ivr.tools.phone import Phone, ScriptedCaller
from ivr.voice.render import VoiceRenderer

from .conftest import DUTY, EMERGENCY, PUBLIC, TOKEN, call_form, sign, twiml
from .fake_twilio import FakeTwilio
from .golden_directory import GoldenDirectory
from .providers_kit import (
    SOMLENG_TOKEN,
    FakeAliyun,
    RecordingTransport,
    lacking,
    somleng_signature,
)
from .test_golden import CONFIG, FILES, assessor, event_of

CALLER = "+8613912345678"
OPERATOR_PHONE = "+8613800000999"
PROVIDER_PHONE = "+8655163100151"  # 包河老年食堂 in the demo directory
TWILIO_ONLY = {"/voice/queue/wait", "/voice/queue/done", "/voice/operator/whisper",
               "/voice/operator/accept"}
EVERY_ROUTE = {"/voice", "/voice/turn", "/voice/dial-done", "/voice/status",
               "/voice/queue/dialled", "/voice/queue/options", "/voice/queue/message",
               "/voice/queue/hold", *TWILIO_ONLY}


def use(app: Flask, name: str) -> tuple[str, Capabilities]:
    """Run the app as if behind provider `name`; the token its calls are signed with."""
    app.config.update(VOICE_PROVIDER=name, SOMLENG_AUTH_TOKEN=SOMLENG_TOKEN)
    return (SOMLENG_TOKEN if name == "somleng" else TOKEN), PROFILES[name]


def resident(db: Database) -> None:
    with db.sessions() as s:
        s.add(Resident(phone=CALLER, name="王秀英", division_code="340111400001",
                       groups=["elderly"], needs=["meal"]))
        s.commit()


def operator(db: Database, status: str) -> None:
    with db.sessions() as s:
        found = s.scalars(select(User).where(User.username == "op1")).first()
        if found is None:
            s.add(User(username="op1", password_hash="x", role="operator", name="小李",
                       phone=OPERATOR_PHONE, status=status))
        else:
            found.status = status
        s.commit()


def phone(app: Flask, name: str, answers: list[str], transport: Any = None,
          **kwargs: Any) -> tuple[ScriptedCaller, Any]:
    token, _ = use(app, name)
    caller = ScriptedCaller(answers)
    result = Phone(transport or RecordingTransport(app), token, PUBLIC, caller,
                   from_number=kwargs.pop("from_number", CALLER), profile=name, **kwargs).run()
    return caller, result


# --- signatures -----------------------------------------------------------------------------

def test_somleng_signs_as_somleng_switch_does_and_only_its_token_passes(
        app: Flask, demo: Database) -> None:
    use(app, "somleng")
    form = call_form("CA" + "5" * 32, CallStatus="ringing")
    url = PUBLIC + "/voice"
    # Written from somleng-switch's Ruby, it agrees with Twilio's validator.
    assert somleng_signature(url, form, SOMLENG_TOKEN) == sign(url, form, SOMLENG_TOKEN)
    client = app.test_client()
    ok = client.post("/voice", data=form, base_url=PUBLIC,
                     headers={"X-Twilio-Signature": somleng_signature(url, form)})
    assert twiml(ok).find("Gather") is not None
    forged = client.post("/voice", data=form, base_url=PUBLIC, headers={
        "X-Twilio-Signature": somleng_signature(url, form, "another-token")})
    assert forged.status_code == 403


# --- every route under each profile -----------------------------------------------------------

def scenarios(app: Flask, db: Database, name: str) -> RecordingTransport:
    """Calls that between them reach every route the profile can reach."""
    transport = RecordingTransport(app)
    resident(db)
    for answers in (["1", "1", "1", "1", "1"], ["1", "1", "1", "1", "2", "2"], ["2"],
                    ["3", "1"], ["4", "2", "1", "1"], ["5"], ["8", "9", "*"], ["", "", ""]):
        phone(app, name, answers, transport)
    phone(app, name, ["", "", ""], transport, dial_outcome="no-answer")
    operator(db, "available")
    phone(app, name, ["0"], transport)
    operator(db, "busy")
    app.config["QUEUE_WAIT_LIMIT_S"] = 0
    phone(app, name, ["0", "1", "我家水管坏了"], transport)
    phone(app, name, ["0", "2"], transport)
    app.config.update(QUEUE_WAIT_LIMIT_S=120, OPERATOR_HOURS="off")
    phone(app, name, ["0", "0"], transport)
    return transport


@pytest.mark.parametrize("name", ["twilio", "somleng"])
def test_every_route_renders_only_what_the_profile_has(app: Flask, demo: Database,
                                                       name: str) -> None:
    transport = scenarios(app, demo, name)
    caps = PROFILES[name]
    token, _ = use(app, name)
    client = app.test_client()
    for path in ("/voice/fallback", "/sms"):
        form = call_form(Body="你好") if path == "/sms" else call_form()
        response = client.post(path, data=form, base_url=PUBLIC,
                               headers={"X-Twilio-Signature": sign(PUBLIC + path, form, token)})
        transport.seen.append((path, response.get_data(as_text=True)))
    reached = {path for path, _ in transport.seen}
    expected = EVERY_ROUTE - ({"/voice/queue/hold"} if caps.queue_verbs else TWILIO_ONLY)
    assert expected | {"/voice/fallback", "/sms"} <= reached, expected - reached
    if not caps.queue_verbs:
        assert not reached & TWILIO_ONLY
    problems = []
    for path, body in transport.seen:
        if body.strip():
            problems += [f"{path}: {p}" for p in lacking(ET.fromstring(body), caps)]
    assert problems == []


def test_the_profile_check_fails_on_what_somleng_lacks() -> None:
    doc = ET.fromstring(
        '<Response><Gather input="dtmf speech" hints="a"><Say>x<prosody rate="slow">y'
        '</prosody></Say></Gather><Enqueue waitUrl="/w">operators</Enqueue><Leave/>'
        '<Dial><Number url="/whisper">+1</Number></Dial><Pause length="2"/></Response>')
    assert lacking(doc, TWILIO) == []
    found = lacking(doc, SOMLENG)
    for part in ("<Gather input>", "<Gather hints>", "<prosody>", "<Enqueue>", "<Leave>",
                 "<Number url>", "<Pause>", "<Say> with SSML inside"):
        assert part in found, part


# --- a terminal call on Somleng that sends only digits ------------------------------------------

def _no_twilio_only_markup(result: Any) -> None:
    for doc in result.documents:
        for element in doc.iter():
            assert element.tag not in ("Enqueue", "Leave", "prosody", "Pause"), element.tag
            if element.tag == "Number":
                assert element.get("url") is None
            if element.tag == "Gather":
                assert "speech" not in (element.get("input") or "")
        assert lacking(doc, SOMLENG) == []


def test_somleng_digits_only_zero_reaches_an_operator(app: Flask, demo: Database) -> None:
    operator(demo, "available")
    caller, result = phone(app, "somleng", ["0"])
    assert result.dialled == [OPERATOR_PHONE]
    assert result.errors == []
    _no_twilio_only_markup(result)
    with demo.sessions() as s:
        entry = s.scalars(select(QueueEntry)).one()
        # No whisper and no accept key: the answered dial with a duration is the answer.
        assert entry.status == "done" and entry.answered_at is not None and entry.talk_s == 30
        assert s.scalars(select(User)).one().status == "wrap_up"
    assert any("紧急情况请按5" in line for line in caller.heard)
    assert not any(invites_speech(line) for line in caller.heard)


def test_somleng_silence_reaches_a_person(app: Flask, demo: Database) -> None:
    _, result = phone(app, "somleng", ["", "", ""])
    assert result.dialled == [DUTY] and result.errors == []
    _no_twilio_only_markup(result)


def test_somleng_words_are_not_heard_only_keys(app: Flask, demo: Database) -> None:
    # Somleng posts no SpeechResult: 救命 said aloud is silence; the key 5 is the emergency.
    _, said = phone(app, "somleng", ["救命"])
    assert EMERGENCY not in said.dialled
    _, result = phone(app, "somleng", ["5"])
    assert result.dialled == [EMERGENCY]
    _no_twilio_only_markup(result)


def known_resident(app: Flask, db: Database) -> None:
    """The resident on file with a PIN: the caller check (CALLER_CHECK=pin) is keyed first."""
    resident(db)
    with db.sessions() as s:
        known = s.scalars(select(Resident).where(Resident.phone == CALLER)).one()
        checks.set_secret(s, known, "pin", PIN, pepper=app.config["SECRET_KEY"],
                          actor="test", role="operator")
        s.commit()


PIN = "4821"


def test_somleng_a_known_resident_reaches_their_provider(app: Flask, demo: Database) -> None:
    known_resident(app, demo)
    caller, result = phone(app, "somleng", [PIN, "1", "1", "1", "1", "1"])
    assert result.dialled == [PROVIDER_PHONE] and result.errors == []
    _no_twilio_only_markup(result)
    heard = "\n".join(caller.heard)
    assert "王秀英您好" in heard and "选择您需要的服务" in heard


def test_somleng_questions_start_at_their_keyed_lists(app: Flask, demo: Database) -> None:
    # No words can be heard: 1 at the menu is the list of needs, no "press 1 to choose" first.
    caller, result = phone(app, "somleng", ["1", "1"])
    heard = "\n".join(caller.heard)
    assert result.errors == []
    assert "请按1，选择您需要的服务" not in heard and "送饭，请按1" in heard
    assert "请用数字键选择您住在哪个区或者县" in heard  # and the place by keys next


def test_somleng_the_final_status_callback_marks_a_caller_who_hung_up_in_the_hold_loop(
        app: Flask, demo: Database) -> None:
    operator(demo, "busy")
    phone(app, "somleng", ["0"], queue_outcome="hangup")
    with demo.sessions() as s:
        assert s.scalars(select(QueueEntry)).one().status == "abandoned"


def test_flask_call_follows_somleng(app: Flask, demo: Database) -> None:
    use(app, "somleng")
    result = app.test_cli_runner().invoke(args=["call", "--from", CALLER], input="5\n",
                                          catch_exceptions=False)
    assert "as somleng" in result.output
    assert f"dialled: {EMERGENCY}" in result.output, result.output


# --- the wait is checked every few seconds --------------------------------------------------

def heard_seconds(doc: ET.Element) -> float:
    """How long a caller spends in a document before the next request: Mandarin TTS at 3.5
    characters a second (slower than Polly's), pauses and silent gathers as long as they are."""
    total = 0.0
    for element in doc.iter():
        if element.tag == "Say":
            total += len("".join(element.itertext())) / 3.5
        elif element.tag == "Pause":
            total += int(element.get("length", "1"))
        elif element.tag == "Gather" and not len(element):
            total += int(element.get("timeout", "5"))
    return total


@pytest.mark.parametrize("name", ["twilio", "somleng"])
def test_the_head_of_the_queue_is_connected_soon_after_an_operator_is_free(
        app: Flask, demo: Database, name: str) -> None:
    token, caps = use(app, name)
    operator(demo, "busy")
    client = app.test_client()
    sid = "CA" + "7" * 32

    def post(path: str, **fields: str) -> ET.Element:
        form = call_form(sid, From=CALLER, **fields)
        return twiml(client.post(path, data=form, base_url=PUBLIC, headers={
            "X-Twilio-Signature": sign(PUBLIC + path.split("#")[0], form, token)}))

    doc = post("/voice", CallStatus="ringing")
    doc = post(doc.find("Gather").get("action", ""), Digits="0")  # type: ignore[union-attr]
    wait = doc.find("Enqueue").get("waitUrl") if caps.queue_verbs \
        else doc.find("Redirect").text  # type: ignore[union-attr]
    assert wait
    clock, free_at, connected_at = 0.0, 33.0, None
    segments = []
    while clock < 120:
        if clock >= free_at:
            operator(demo, "available")
        doc = post(wait, QueueTime=str(int(clock)))
        if doc.find("Leave") is not None or doc.find("Dial") is not None:
            connected_at = clock
            break
        segments.append(heard_seconds(doc))
        clock += segments[-1]
        # Twilio asks for the wait URL again when its TwiML ends; both follow <Redirect>.
        wait = (doc.find("Redirect").text or wait) if doc.find("Redirect") is not None else wait
    assert connected_at is not None
    assert max(segments) <= 10.0, segments
    assert connected_at - free_at <= (10.0 if not caps.queue_verbs else 15.0)


# --- the golden transcripts under each profile ------------------------------------------------

def _render(outputs: list[Any], language: str, slow: bool, caps: Capabilities) -> ET.Element:
    renderer = VoiceRenderer(CONFIG, turn_path="/voice/turn", dial_done_path="/voice/dial-done",
                             language=language, slow=slow, capabilities=caps,
                             queue_paths={"hold": "/voice/queue/hold"})
    return ET.fromstring(str(renderer.render(outputs)))


def _shape(doc: ET.Element) -> list[str]:
    """What the caller can do next, whatever is said: gathers, dials, redirects, hang-ups."""
    return [f"{e.tag} {e.get('action', '')} {','.join(n.text or '' for n in e.iter('Number'))}"
            for e in doc if e.tag in ("Gather", "Dial", "Redirect", "Hangup")]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_transcript_under_each_profile(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    env = Environment(GoldenDirectory(doc.get("requests")), Settings(**doc.get("settings", {})),
                      assessor(doc.get("alarms")))
    dialog = load()
    state, outputs = engine.start(dialog, Caller(**doc.get("caller", {})), env)
    turns = [outputs]
    for turn in doc.get("turns", []):
        state, outputs = engine.step(dialog, state, event_of(turn["in"]), env)
        turns.append(outputs)
    for outputs in turns:
        language, slow = state.language, state.elderly
        twilio = _render(outputs, language, slow, TWILIO)
        somleng = _render(outputs, language, slow, SOMLENG)
        assert lacking(twilio, TWILIO) == []
        assert lacking(somleng, SOMLENG) == []
        assert _shape(somleng) == _shape(twilio)
        said = ["".join(s.itertext()) for s in somleng.iter("Say")]
        assert not [s for s in said if invites_speech(s)], said


def test_without_ssml_the_slow_profile_speaks_in_short_pieces() -> None:
    from dialogs.outputs import Say

    sentence = Say("dial.gave_up")
    twilio = _render([sentence], "zh-CN", True, TWILIO)
    somleng = _render([sentence], "zh-CN", True, SOMLENG)
    assert twilio.find("Say/prosody") is not None and len(list(twilio.iter("Say"))) == 1
    pieces = ["".join(s.itertext()) for s in somleng.iter("Say")]
    assert len(pieces) >= 3 and all(len(p) <= 20 for p in pieces), pieces
    assert "".join(pieces) == "".join(twilio.find("Say").itertext())  # type: ignore[union-attr]


# --- SMS through every provider -----------------------------------------------------------------

def _referral_sms(app: Flask, db: Database) -> None:
    """A keyed call that asks for the provider's number by SMS: two outbox rows."""
    known_resident(app, db)
    phone(app, "twilio", [PIN, "1", "1", "1", "1", "2", "2"])
    with db.sessions() as s:
        purposes = {m.purpose for m in s.scalars(select(OutboxMessage))}
    assert purposes == {"referral_to_provider", "referral_to_resident"}


def test_aliyun_signature_matches_the_documented_example() -> None:
    # Alibaba Cloud's SMS documentation ("HTTP协议及签名"), its worked example.
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
              "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
              "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
              "Version": "2017-05-25"}
    assert aliyun_signature("testSecret", "GET", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert mainland_number("+8613912345678") == "13912345678"
    assert mainland_number("+14155550100") == "0014155550100"


def test_aliyun_sends_each_message_as_its_registered_template(app: Flask, demo: Database) -> None:
    _referral_sms(app, demo)
    with FakeAliyun("aliyun-secret") as fake:
        app.config.update(SMS_PROVIDER="aliyun", ALIYUN_API_BASE=fake.url,
                          ALIYUN_ACCESS_KEY_ID="LTAI-test",
                          ALIYUN_ACCESS_KEY_SECRET="aliyun-secret",
                          ALIYUN_SMS_SIGN_NAME="合肥社会服务热线",
                          ALIYUN_SMS_TEMPLATES="referral_to_provider=SMS_100001,"
                                               "referral_to_resident=SMS_100002")
        fake.fail_next = 1
        with demo.sessions() as s:
            assert outbox.send_due(s, app.config) == 1  # the first was refused for a while
        with demo.sessions() as s:
            retry = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).one()
            assert retry.attempts == 1 and "BUSINESS_LIMIT_CONTROL" in retry.last_error
            s.execute(update(OutboxMessage).values(next_attempt_at=retry.created_at))
            s.commit()
        with demo.sessions() as s:
            assert outbox.send_due(s, app.config) == 1
        assert fake.refused == []
        sent = {m["TemplateCode"]: m for m in fake.messages}
        assert set(sent) == {"SMS_100001", "SMS_100002"}
        to_resident = sent["SMS_100002"]
        assert to_resident["PhoneNumbers"] == CALLER[3:]
        assert to_resident["SignName"] == "合肥社会服务热线"
        params = json.loads(to_resident["TemplateParam"])
        assert params["provider"] == "包河老年食堂" and params["phone"].startswith("0551")
        with demo.sessions() as s:
            rows = list(s.scalars(select(OutboxMessage)))
            assert all(r.status == "sent" and r.provider_sid for r in rows)
            assert {r.template_code for r in rows} == {"referral_to_provider",
                                                      "referral_to_resident"}


def test_aliyun_refuses_a_wrong_secret_and_the_message_waits(app: Flask, demo: Database) -> None:
    _referral_sms(app, demo)
    with FakeAliyun("the-real-secret") as fake:
        app.config.update(SMS_PROVIDER="aliyun", ALIYUN_API_BASE=fake.url,
                          ALIYUN_ACCESS_KEY_ID="LTAI-test", ALIYUN_ACCESS_KEY_SECRET="wrong",
                          ALIYUN_SMS_SIGN_NAME="合肥社会服务热线",
                          ALIYUN_SMS_TEMPLATES="referral_to_provider=SMS_1,referral_to_resident=SMS_2")
        with demo.sessions() as s:
            assert outbox.send_due(s, app.config) == 0
        assert fake.messages == [] and len(fake.refused) == 2
        with demo.sessions() as s:
            assert {r.status for r in s.scalars(select(OutboxMessage))} == {"pending"}


def test_somleng_sends_through_its_twilio_compatible_api(app: Flask, demo: Database) -> None:
    _referral_sms(app, demo)
    with FakeTwilio() as fake:
        sid = "AC" + "5" * 32
        app.config.update(SMS_PROVIDER="somleng", SOMLENG_API_BASE=fake.url,
                          SOMLENG_ACCOUNT_SID=sid, SOMLENG_AUTH_TOKEN=SOMLENG_TOKEN,
                          SOMLENG_SMS_FROM="+8655112345")
        with demo.sessions() as s:
            assert outbox.send_due(s, app.config) == 2
        import base64

        auth = "Basic " + base64.b64encode(f"{sid}:{SOMLENG_TOKEN}".encode()).decode()
        assert fake.requests == [(f"/2010-04-01/Accounts/{sid}/Messages.json", auth)] * 2
        assert {m["From"] for m in fake.messages} == {"+8655112345"}


def test_the_log_sender_writes_the_message_and_marks_it_sent(
        app: Flask, demo: Database, caplog: pytest.LogCaptureFixture) -> None:
    _referral_sms(app, demo)
    app.config["SMS_PROVIDER"] = "log"
    with caplog.at_level("INFO", logger="ivr.providers.sms"), demo.sessions() as s:
        assert outbox.send_due(s, app.config) == 2
    logged = [r.getMessage() for r in caplog.records if r.name == "ivr.providers.sms"]
    assert len(logged) == 2 and any("包河老年食堂" in line for line in logged)
    assert LogSender().send(Sms("+8613900000000", "x")).startswith("log-")


def test_dev_serve_gives_the_worker_the_log_sender_unless_one_is_configured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dev

    monkeypatch.delenv("SMS_PROVIDER", raising=False)
    monkeypatch.setattr(dev, "ENV_FILE", tmp_path / ".env")
    assert not dev.sms_configured()
    (tmp_path / ".env").write_text("SMS_PROVIDER=aliyun\n")
    assert dev.sms_configured()
    (tmp_path / ".env").write_text("SMS_PROVIDER=\n")
    assert not dev.sms_configured()
    monkeypatch.setenv("SMS_PROVIDER", "twilio")
    assert dev.sms_configured()


# --- the console shows who is coming; configuration ----------------------------------------

def test_without_a_whisper_the_console_shows_the_operator_who_is_coming(
        app: Flask, demo: Database) -> None:
    import re

    from ivr.accounts.logins import create_user

    resident(demo)
    with demo.sessions() as s:
        s.add(create_user("op2", "operator-password", "operator", name="小王",
                          phone=OPERATOR_PHONE))
        s.commit()
    with demo.sessions() as s:
        s.execute(update(User).where(User.username == "op2").values(status="available"))
        s.commit()
    token, _ = use(app, "somleng")
    client = app.test_client()
    sid = "CA" + "8" * 32

    def post(path: str, **fields: str) -> ET.Element:
        form = call_form(sid, From=CALLER, **fields)
        return twiml(client.post(path, data=form, base_url=PUBLIC, headers={
            "X-Twilio-Signature": sign(PUBLIC + path, form, token)}))

    doc = post("/voice", CallStatus="ringing")
    doc = post(doc.find("Gather").get("action", ""), Digits="0")  # type: ignore[union-attr]
    doc = post(doc.find("Redirect").text or "")  # type: ignore[union-attr]
    assert [n.text for n in doc.iter("Number")] == [OPERATOR_PHONE]  # ringing now
    console = app.test_client()
    page = console.get("/login", base_url=PUBLIC).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    answer = console.post("/login", base_url=PUBLIC, headers={"Referer": f"{PUBLIC}/login"},
                          data={"username": "op2", "password": "operator-password",
                                "csrf_token": csrf.group(1)})
    assert answer.status_code == 302
    home = console.get("/operator/", base_url=PUBLIC).get_data(as_text=True)
    coming = re.search(r'<p id="coming">(.*?)</p>', home, re.S)
    assert coming, home
    assert "王秀英" in coming.group(1) and "琼临社区" in coming.group(1)


def test_provider_settings_are_checked_at_start() -> None:
    from ivr.core.config import ConfigError, check

    base = {"SECRET_KEY": "s", "DUTY_NUMBER": "+8655163000000", "TIMEZONE": "Asia/Shanghai"}
    check({**base, "TWILIO_AUTH_TOKEN": "t"}, strict=True)
    check({**base, "VOICE_PROVIDER": "somleng", "SOMLENG_AUTH_TOKEN": "t"}, strict=True)
    with pytest.raises(ConfigError, match="VOICE_PROVIDER"):
        check({**base, "TWILIO_AUTH_TOKEN": "t", "VOICE_PROVIDER": "asterisk"}, strict=True)
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        check({**base, "VOICE_PROVIDER": "twilio", "SOMLENG_AUTH_TOKEN": "t"}, strict=True)
    with pytest.raises(ConfigError, match="ALIYUN_SMS_SIGN_NAME"):
        check({**base, "TWILIO_AUTH_TOKEN": "t", "SMS_PROVIDER": "aliyun",
               "ALIYUN_ACCESS_KEY_ID": "k", "ALIYUN_ACCESS_KEY_SECRET": "s"}, strict=True)
