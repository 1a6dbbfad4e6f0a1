"""The phone line's TwiML, parsed as XML: greeting, menu, ladders, humans, emergencies."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.core.models import CallbackTask

from .conftest import DUTY, EMERGENCY, call_form, dialled, post_signed, twiml
from .voicecall import VoiceCall


def test_greeting_is_mandarin_and_listens_for_keys_and_speech(client: FlaskClient) -> None:
    call = VoiceCall(client)
    root = call.doc
    says = [s for s in root.iter("Say") if "English" not in "".join(s.itertext())]
    assert says and all(s.get("language") == "cmn-CN" for s in says)
    assert all(s.get("voice") == "Polly.Zhiyu" for s in says)
    assert "合肥市社会服务热线" in (says[0].text or "")
    gather = call.gather
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "cmn-Hans-CN"
    assert gather.get("action", "").startswith("/voice/turn?t=")
    assert "按0" in "".join("".join(s.itertext()) for s in gather.iter("Say"))
    # Silence falls through the <Gather> to a redirect back into the same turn.
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text == gather.get("action")


@pytest.mark.parametrize("answer", [("press", "0"), ("say", "转人工"), ("say", "我要人工服务。"),
                                    ("say", "operator")])
def test_zero_or_asking_for_a_person_dials_the_duty_operator(client: FlaskClient,
                                                              answer: tuple[str, str]) -> None:
    call = VoiceCall(client)
    getattr(call, answer[0])(answer[1])
    assert call.dialled == [DUTY]


@pytest.mark.parametrize("speech", ["救命啊", "我摔倒了起不来", "家里着火了", "我喘不上气"])
def test_emergency_words_dial_the_emergency_number_at_once(client: FlaskClient,
                                                           speech: str) -> None:
    call = VoiceCall(client)
    call.press("1")
    call.say(speech)
    assert call.dialled == [EMERGENCY]


def test_three_silences_reach_a_person_never_a_hangup(client: FlaskClient) -> None:
    call = VoiceCall(client)
    call.silence()
    assert not call.dialled and call.gather is not None
    call.silence()
    assert "比如" in call.said  # the fuller prompt with an example
    call.silence()
    assert call.dialled == [DUTY]
    assert call.doc.find("Hangup") is None


def test_after_a_silence_the_line_slows_down_and_waits_longer(client: FlaskClient) -> None:
    call = VoiceCall(client)
    first_timeout = int(call.gather.get("timeout", "0"))
    call.silence()
    assert int(call.gather.get("timeout", "0")) >= 8 > first_timeout
    assert call.gather.find("Say/prosody") is not None


def test_no_match_ladder_ends_with_a_person(client: FlaskClient) -> None:
    call = VoiceCall(client)
    for _ in range(2):
        call.press("7")
        assert not call.dialled
    call.press("7")
    assert call.dialled == [DUTY]


def test_repeat_key_repeats_the_menu(client: FlaskClient) -> None:
    call = VoiceCall(client)
    before = call.said
    call.press("9")
    assert not call.dialled
    assert "请按1" in call.said and "请按1" in before


def test_a_retried_webhook_does_not_advance_twice(client: FlaskClient) -> None:
    call = VoiceCall(client)
    action = call.gather.get("action", "")
    first = twiml(post_signed(client, action, call_form(call.sid, Digits="1")))
    again = twiml(post_signed(client, action, call_form(call.sid, Digits="1")))
    assert [s.text for s in first.iter("Say")] == [s.text for s in again.iter("Say")]
    assert first.find("Gather").get("action") == again.find("Gather").get("action")  # type: ignore[union-attr]


@pytest.mark.parametrize("fields", [
    {"SpeechResult": "喂" * 10_000},
    {"Digits": "12345678901234567890"},
    {"Digits": "abc"},
    {"Digits": "#"},
    {"Confidence": "very"},
    {"SpeechResult": "\x00\x01<Response>&amp;"},
])
def test_odd_input_gets_valid_twiml(client: FlaskClient, fields: dict[str, str]) -> None:
    call = VoiceCall(client)
    root = twiml(post_signed(client, call.gather.get("action", ""), call_form(call.sid, **fields)))
    assert root.find("Gather") is not None or dialled(root)


@pytest.mark.parametrize("path", ["/voice", "/voice/turn", "/voice/turn?t=abc",
                                  "/voice/turn?t=99999999", "/voice/dial-done",
                                  "/voice/dial-done?target=nowhere&try=x", "/voice/status",
                                  "/voice/fallback"])
def test_missing_fields_and_unknown_calls_get_valid_twiml(client: FlaskClient, path: str) -> None:
    twiml(post_signed(client, path, {}))
    twiml(post_signed(client, path, call_form("CAunknown")))


def test_fallback_apologises_and_dials_the_duty_operator(client: FlaskClient) -> None:
    root = twiml(post_signed(client, "/voice/fallback", call_form()))
    assert "对不起" in (root.find("Say").text or "")  # type: ignore[union-attr]
    assert dialled(root) == [DUTY]


def test_unanswered_dial_tries_again_then_apologises(client: FlaskClient) -> None:
    again = twiml(post_signed(client, "/voice/dial-done?target=duty&try=1",
                              call_form(DialCallStatus="no-answer")))
    assert dialled(again) == [DUTY]
    action = again.find("Dial").get("action", "")  # type: ignore[union-attr]
    last = twiml(post_signed(client, action, call_form(DialCallStatus="busy")))
    assert not dialled(last)
    assert last.find("Say") is not None and last.find("Hangup") is not None
    assert "回电话" in "".join(last.find("Say").itertext())  # type: ignore[union-attr]
    # Told they will be called back: the task exists, once, however often Twilio retries.
    twiml(post_signed(client, action, call_form(DialCallStatus="busy")))
    with client.application.extensions["ivr.db"].sessions() as s:
        tasks = s.scalars(select(CallbackTask)).all()
    assert [(t.phone, t.reason, t.status) for t in tasks] == [
        ("+8613900000001", "missed", "open")]


def test_a_withheld_number_is_not_promised_a_call_back(client: FlaskClient) -> None:
    last = twiml(post_signed(client, "/voice/dial-done?target=duty&try=2",
                             call_form(From="anonymous", DialCallStatus="no-answer")))
    said = "".join(last.find("Say").itertext())  # type: ignore[union-attr]
    assert last.find("Hangup") is not None and "回电话" not in said and "120" in said
    with client.application.extensions["ivr.db"].sessions() as s:
        assert s.scalars(select(CallbackTask)).first() is None


def test_unanswered_provider_hands_over_to_a_person(client: FlaskClient) -> None:
    root = twiml(post_signed(client, "/voice/dial-done?target=provider&try=1",
                             call_form(DialCallStatus="no-answer")))
    assert dialled(root) == [DUTY]


def test_emergency_retry_dials_the_emergency_number(client: FlaskClient) -> None:
    root = twiml(post_signed(client, "/voice/dial-done?target=emergency&try=1",
                             call_form(DialCallStatus="no-answer")))
    assert dialled(root) == [EMERGENCY]


def test_unknown_path_under_voice_answers_twiml_only_when_signed(client: FlaskClient) -> None:
    assert dialled(twiml(post_signed(client, "/voice/nowhere", call_form()))) == [DUTY]
    unsigned = client.post("/voice/nowhere", data=call_form(), base_url="https://line.example.org")
    assert unsigned.status_code == 403


def test_every_url_in_twiml_is_ascii(client: FlaskClient) -> None:
    call = VoiceCall(client)
    call.say("我想找人帮忙做饭")
    for element in call.doc.iter():
        for attribute in ("action", "url", "waitUrl"):
            value = element.get(attribute)
            if value:
                assert value.isascii()
        if element.tag == "Redirect":
            assert (element.text or "").isascii()
