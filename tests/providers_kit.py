"""What the provider tests share: Somleng's signature, a profile check of TwiML, a recording
transport, and fakes of Aliyun's SMS API on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from dialogs.capabilities import Capabilities
from ivr.tools.phone import FlaskTransport

from .fake_twilio import JsonHandler, LoopbackServer

SOMLENG_TOKEN = "somleng-auth-token-fedcba9876543210"


def somleng_signature(url: str, params: dict[str, str], token: str = SOMLENG_TOKEN) -> str:
    """As somleng-switch's TwiMLEndpoint#twilio_signature: HMAC-SHA1 over the URL and the
    form's pairs sorted and joined (`uri.to_s + payload.sort.join`), in Base64."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def lacking(doc: ET.Element, caps: Capabilities) -> list[str]:
    """Every element or attribute of a TwiML document that the profile does not have."""
    found = []
    for element in doc.iter():
        allowed = caps.elements.get(element.tag)
        if allowed is None:
            found.append(f"<{element.tag}>")
            continue
        found += [f"<{element.tag} {name}>" for name in element.attrib if name not in allowed]
        if element.tag == "Gather" and element.get("input", "dtmf") != "dtmf" \
                and not caps.speech_input:
            found.append("<Gather input=speech>")
        if element.tag == "Say" and len(element) and not caps.ssml:
            found.append("<Say> with SSML inside")
    return found


class RecordingTransport(FlaskTransport):
    """The app in process; keeps every path requested and every document answered."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.seen: list[tuple[str, str]] = []

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Send and remember."""
        status, body = super().post(url, params, headers)
        self.seen.append((urllib.parse.urlsplit(url).path, body))
        return status, body


def aliyun_expected_signature(secret: str, method: str, params: dict[str, str]) -> str:
    """Alibaba Cloud's RPC signature, written from its documentation for the fake's check."""
    def enc(value: str) -> str:
        return urllib.parse.quote(value, safe="-_.~")
    query = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params) if k != "Signature")
    string_to_sign = method + "&" + enc("/") + "&" + enc(query)
    key = (secret + "&").encode()
    return base64.b64encode(hmac.new(key, string_to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeAliyun(LoopbackServer):
    """POST / with Action=SendSms, as dysmsapi takes it; refuses a bad signature as Aliyun
    does (SignatureDoesNotMatch) and can be told to answer a business error for a while."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.messages: list[dict[str, str]] = []
        self.refused: list[str] = []
        self.fail_next = 0
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                if form.get("Signature") != aliyun_expected_signature(fake.secret, "POST", form):
                    fake.refused.append("SignatureDoesNotMatch")
                    self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "bad"})
                    return
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    self._answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"})
                    return
                fake.messages.append(form)
                self._answer(200, {"Code": "OK", "Message": "OK", "BizId": uuid.uuid4().hex,
                                   "RequestId": uuid.uuid4().hex})

        self.serve(Handler)
