"""Every Twilio route answers 403 and writes nothing unless Twilio signed the request."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr import create_app
from ivr.core.db import Database
from ivr.core.models import Call, CallStatusEvent

from .conftest import PUBLIC, TOKEN, base_config, call_form, post_signed, sign, twiml

ROUTES = ["/voice", "/voice/status", "/voice/turn", "/voice/dial-done", "/voice/fallback"]


def rows(app: Flask) -> int:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        calls = s.scalar(select(func.count()).select_from(Call)) or 0
        events = s.scalar(select(func.count()).select_from(CallStatusEvent)) or 0
    return calls + events


def test_valid_signature_is_accepted_and_recorded(app: Flask, client: FlaskClient) -> None:
    twiml(post_signed(client, "/voice", call_form(CallStatus="ringing")))
    assert rows(app) == 2


def _wrong(kind: str, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str], str]:
    """Return (form sent, headers, base URL) for one kind of forged request."""
    url = PUBLIC + "/voice"
    good = sign(url, form)
    match kind:
        case "none":
            return form, {}, PUBLIC
        case "empty":
            return form, {"X-Twilio-Signature": ""}, PUBLIC
        case "tampered value":
            return {**form, "From": "+8613999999999"}, {"X-Twilio-Signature": good}, PUBLIC
        case "added parameter":
            return {**form, "Digits": "0"}, {"X-Twilio-Signature": good}, PUBLIC
        case "other url":
            return form, {"X-Twilio-Signature": sign(PUBLIC + "/other", form)}, PUBLIC
        case "http for https":
            http = PUBLIC.replace("https://", "http://")
            return form, {"X-Twilio-Signature": sign(http + "/voice", form)}, PUBLIC
        case "other port":
            return form, {"X-Twilio-Signature": sign(PUBLIC + ":8443/voice", form)}, PUBLIC
        case "other token":
            return form, {"X-Twilio-Signature": sign(url, form, token="x" * len(TOKEN))}, PUBLIC
        case "garbage":
            return form, {"X-Twilio-Signature": "not base64 at all!"}, PUBLIC
        case "other host":
            return form, {"X-Twilio-Signature": sign("https://evil.example/voice", form)}, PUBLIC
        case "removed parameter":
            smaller = {k: v for k, v in form.items() if k != "To"}
            return smaller, {"X-Twilio-Signature": good}, PUBLIC
    raise AssertionError(kind)


KINDS = ["none", "empty", "tampered value", "added parameter", "other url", "http for https",
         "other port", "other token", "garbage", "other host", "removed parameter"]


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_signatures_get_403_and_write_nothing(app: Flask, client: FlaskClient,
                                                    kind: str) -> None:
    form, headers, base = _wrong(kind, call_form(CallStatus="ringing"))
    response = client.post("/voice", data=form, headers=headers, base_url=base)
    assert response.status_code == 403
    assert rows(app) == 0


@pytest.mark.parametrize("route", ROUTES)
def test_every_twilio_route_checks_the_signature(app: Flask, client: FlaskClient,
                                                 route: str) -> None:
    form = call_form(CallStatus="completed", CallDuration="5")
    # Signed with the right token for a URL the request did not go to.
    response = client.post(route, data=form, base_url=PUBLIC,
                           headers={"X-Twilio-Signature": sign(PUBLIC + "/sms", form)})
    assert response.status_code == 403
    assert rows(app) == 0


def test_query_string_is_part_of_the_signed_url(client: FlaskClient) -> None:
    form = call_form(Digits="1")
    forged = client.post("/voice/turn?t=2", data=form, base_url=PUBLIC,
                         headers={"X-Twilio-Signature": sign(PUBLIC + "/voice/turn?t=0", form)})
    assert forged.status_code == 403
    twiml(post_signed(client, "/voice/turn?t=2", form))


def test_behind_a_trusted_proxy_the_forwarded_url_is_checked(app: Flask,
                                                             database_url: str) -> None:
    # `app` is requested only so that its teardown empties the tables afterwards.
    proxied_app = create_app(base_config(database_url, PUBLIC_BASE_URL="", TRUSTED_PROXY_HOPS=1))
    client = proxied_app.test_client()
    form = call_form(CallStatus="ringing")
    public = "https://hotline.hefei.example/voice"
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.hefei.example",
               "X-Forwarded-For": "203.0.113.9"}
    ok = client.post("/voice", data=form, base_url="http://10.0.0.5:8000",
                     headers={"X-Twilio-Signature": sign(public, form), **proxied})
    assert ok.status_code == 200
    spoofed = client.post("/voice", data=form, base_url="http://10.0.0.5:8000",
                          headers={"X-Twilio-Signature": sign(public, form)})
    assert spoofed.status_code == 403
    proxied_app.extensions["ivr.db"].dispose()
