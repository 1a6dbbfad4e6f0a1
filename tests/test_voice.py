"""The phone line's TwiML, parsed as XML: greeting, menu, ladders, humans, emergencies."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from .conftest import DUTY, EMERGENCY, call_form, dialled, post_signed, twiml


def test_greeting_is_mandarin_and_listens_for_keys_and_speech(client: FlaskClient) -> None:
    root = twiml(post_signed(client, "/voice", call_form(CallStatus="ringing")))
    says = list(root.iter("Say"))
    assert says and all(s.get("language") == "cmn-CN" for s in says)
    assert all(s.get("voice") == "Polly.Zhiyu" for s in says)
    assert "合肥市社会服务热线" in (says[0].text or "")
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "cmn-Hans-CN"
    assert gather.get("action", "").startswith("/voice/menu")
    assert "按0" in "".join(s.text or "" for s in gather.iter("Say"))
    # Silence falls through the <Gather> to a redirect back into the same menu step.
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text == gather.get("action")


def _menu(client: FlaskClient, query: str = "", **fields: str) -> ET.Element:
    return twiml(post_signed(client, "/voice/menu" + query, call_form(**fields)))


@pytest.mark.parametrize("fields", [
    {"Digits": "0"}, {"SpeechResult": "转人工"}, {"SpeechResult": "我要人工服务。"},
    {"SpeechResult": "operator"},
])
def test_zero_or_asking_for_a_person_dials_the_duty_operator(client: FlaskClient,
                                                              fields: dict[str, str]) -> None:
    assert dialled(_menu(client, **fields)) == [DUTY]


@pytest.mark.parametrize("speech", ["救命啊", "我摔倒了起不来", "家里着火了", "我喘不上气"])
def test_emergency_words_dial_the_emergency_number_at_once(client: FlaskClient,
                                                           speech: str) -> None:
    assert dialled(_menu(client, SpeechResult=speech)) == [EMERGENCY]


def test_emergency_wins_over_a_key_in_the_same_turn(client: FlaskClient) -> None:
    assert dialled(_menu(client, Digits="1", SpeechResult="救命")) == [EMERGENCY]


def test_three_silences_reach_a_person_never_a_hangup(client: FlaskClient) -> None:
    first = _menu(client)
    assert first.find("Gather") is not None and not dialled(first)
    action = first.find("Gather").get("action")  # type: ignore[union-attr]
    second = twiml(post_signed(client, action, call_form()))
    action = second.find("Gather").get("action")  # type: ignore[union-attr]
    assert "例" in "".join(s.text or "" for s in second.iter("Say")) or "比如" in ET.tostring(
        second, encoding="unicode")
    third = twiml(post_signed(client, action, call_form()))
    assert dialled(third) == [DUTY]
    assert third.find("Hangup") is None


def test_no_match_ladder_ends_with_a_person(client: FlaskClient) -> None:
    root = _menu(client, Digits="7")
    for _ in range(2):
        gather = root.find("Gather")
        assert gather is not None
        root = twiml(post_signed(client, gather.get("action", ""), call_form(Digits="7")))
    assert dialled(root) == [DUTY]


def test_repeat_key_repeats_the_menu(client: FlaskClient) -> None:
    root = _menu(client, Digits="9")
    assert root.find("Gather") is not None and not dialled(root)


@pytest.mark.parametrize("fields", [
    {"SpeechResult": "喂" * 10_000},
    {"Digits": "12345678901234567890"},
    {"Digits": "abc"},
    {"Digits": "#"},
    {"Confidence": "very"},
    {"SpeechResult": "\x00\x01<Response>&amp;"},
])
def test_odd_input_gets_valid_twiml(client: FlaskClient, fields: dict[str, str]) -> None:
    root = _menu(client, **fields)
    assert root.find("Gather") is not None or dialled(root)


@pytest.mark.parametrize("path", ["/voice", "/voice/menu", "/voice/menu?ni=abc&nm=-4",
                                  "/voice/menu?ni=99999999", "/voice/dial-done",
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


def test_emergency_retry_dials_the_emergency_number(client: FlaskClient) -> None:
    root = twiml(post_signed(client, "/voice/dial-done?target=emergency&try=1",
                             call_form(DialCallStatus="no-answer")))
    assert dialled(root) == [EMERGENCY]


def test_unknown_path_under_voice_still_answers_twiml(client: FlaskClient) -> None:
    assert dialled(twiml(post_signed(client, "/voice/nowhere", call_form()))) == [DUTY]


def test_every_url_in_twiml_is_ascii(client: FlaskClient) -> None:
    root = _menu(client, Digits="7")
    for element in root.iter():
        for attribute in ("action", "url", "waitUrl"):
            value = element.get(attribute)
            if value:
                assert value.isascii()
        if element.tag == "Redirect":
            assert (element.text or "").isascii()
