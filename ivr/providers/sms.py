"""SMS senders behind one interface: Twilio, Somleng, Aliyun (templates) and a log for
development. The outbox decides when to send and what a failure means; a sender only sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
SOMLENG_API = "https://api.somleng.org"
ALIYUN_API = "https://dysmsapi.aliyuncs.com"


class SendError(Exception):
    """The provider did not take the message; the outbox tries again later."""


@dataclass(frozen=True)
class Sms:
    """One text message: the words, and for a template gateway its code and parameters."""

    to: str
    body: str
    purpose: str = ""
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)
    # Where the provider reports delivery (the line's POST /sms/status), when it can.
    status_callback: str = ""


class SmsSender(Protocol):
    """Sends one message and returns the provider's id for it, or raises SendError."""

    name: str

    def send(self, message: Sms) -> str:
        """Hand the message to the provider."""


class DeadlineHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's HTTP client with a deadline on the whole request, not only on each read (a
    server that drips its answer a byte at a time never trips a read timeout), and another
    base URL when one is set (Somleng, a fake API in tests, a proxy)."""

    def __init__(self, base_url: str = "", *, connect_s: float = 3.0, read_s: float = 5.0,
                 deadline_s: float = 10.0) -> None:
        super().__init__(timeout=read_s)
        self.base_url = base_url.rstrip("/")
        self.connect_s, self.read_s, self.deadline_s = connect_s, read_s, deadline_s

    def request(self, method: str, url: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: float | None = None,
                allow_redirects: bool = False) -> TwilioResponse:
        """Send one API request; TimeoutError once the whole deadline has passed."""
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        started = time.monotonic()
        session = self.session or requests.Session()
        prepared = session.prepare_request(requests.Request(
            method=method.upper(), url=url, params=params, data=data, headers=headers,
            auth=auth))
        answer = session.send(prepared, allow_redirects=allow_redirects, stream=True,
                              timeout=(self.connect_s, self.read_s))
        try:
            body = bytearray()
            # Read as it comes (urllib3 waits to fill a larger chunk), checking the clock.
            for chunk in answer.iter_content(chunk_size=1):
                body += chunk
                if time.monotonic() - started > self.deadline_s:
                    raise TimeoutError(f"no whole answer within {self.deadline_s:g} s")
        finally:
            answer.close()
        text = body.decode(answer.encoding or "utf-8", errors="replace")
        return TwilioResponse(int(answer.status_code), text, answer.headers)


def rest_client(config: Mapping[str, Any], name: str = "twilio") -> Client:
    """Twilio's REST client for the account of `name` (twilio or somleng, which speaks the
    same API at its own address), pointed at its *_API_BASE when that is set."""
    prefix = "SOMLENG" if name == "somleng" else "TWILIO"
    default_base = SOMLENG_API if name == "somleng" else ""
    base = str(config.get(f"{prefix}_API_BASE") or default_base)
    sid = str(config.get(f"{prefix}_ACCOUNT_SID") or "AC" + "0" * 32)
    token = str(config.get(f"{prefix}_AUTH_TOKEN") or config.get("TWILIO_AUTH_TOKEN") or "")
    http = DeadlineHttpClient(base, deadline_s=float(config.get("SMS_SEND_DEADLINE_S") or 10))
    return Client(sid, token, http_client=http)


class TwilioSender:
    """Twilio's Messages API through the twilio library; Somleng speaks the same API."""

    def __init__(self, config: Mapping[str, Any], *, name: str = "twilio",
                 client: Client | None = None) -> None:
        self.name = name
        prefix = "SOMLENG" if name == "somleng" else "TWILIO"
        self.client = client or rest_client(config, name)
        service = str(config.get(f"{prefix}_MESSAGING_SERVICE_SID") or "")
        self.sender = {"messaging_service_sid": service} if service else {
            "from_": str(config.get(f"{prefix}_SMS_FROM") or config.get("SERVICE_NUMBER") or "")}

    def send(self, message: Sms) -> str:
        """POST .../Messages.json with the body as written."""
        callback = {"status_callback": message.status_callback} if message.status_callback else {}
        try:
            result = self.client.messages.create(to=message.to, body=message.body,
                                                 **self.sender, **callback)
        except Exception as error:  # a refusal, a timeout, a 2xx that is not JSON: not sent
            raise SendError(f"{type(error).__name__}: {error}") from error
        return str(getattr(result, "sid", "") or "")


def percent_encode(value: str) -> str:
    """Aliyun's POP encoding: RFC 3986, space as %20, * as %2A, ~ kept."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """The RPC signature of Alibaba Cloud's POP API (SignatureVersion 1.0, HMAC-SHA1)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mainland_number(phone: str) -> str:
    """Aliyun takes mainland numbers without +86 and others with 00 and the country code."""
    if phone.startswith("+86"):
        return phone[3:]
    return "00" + phone[1:] if phone.startswith("+") else phone


class AliyunSender:
    """Alibaba Cloud SMS (dysmsapi SendSms): a registered signature and template per purpose."""

    name = "aliyun"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.base = str(config.get("ALIYUN_API_BASE") or ALIYUN_API).rstrip("/")
        self.key_id = str(config.get("ALIYUN_ACCESS_KEY_ID") or "")
        self.secret = str(config.get("ALIYUN_ACCESS_KEY_SECRET") or "")
        self.sign_name = str(config.get("ALIYUN_SMS_SIGN_NAME") or "")
        self.templates = templates(config)

    def request_params(self, message: Sms, *, nonce: str, timestamp: str) -> dict[str, str]:
        """Every parameter of the SendSms call, the signature last."""
        # The row names a purpose (mapped to its registered code) or a code itself (SMS_...).
        name = message.template or message.purpose
        code = self.templates.get(name) or (name if name.startswith("SMS_") else "")
        if not code:
            raise SendError(f"no Aliyun template code for {message.purpose!r} "
                            "(ALIYUN_SMS_TEMPLATES)")
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": mainland_number(message.to), "RegionId": "cn-hangzhou",
            "SignName": self.sign_name, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce, "SignatureVersion": "1.0", "TemplateCode": code,
            "TemplateParam": json.dumps(message.params or {"content": message.body},
                                        ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp, "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(self.secret, "POST", params)
        return params

    def send(self, message: Sms) -> str:
        """POST the signed form; anything but Code OK is a failure to retry."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = self.request_params(message, nonce=uuid.uuid4().hex, timestamp=now)
        data = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                        for k, v in params.items()).encode()
        request = urllib.request.Request(
            self.base + "/", data=data, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError as error:
            answer = _json_or_empty(error.read())
            raise SendError(f"HTTP {error.code}: {answer.get('Code', '')}") from error
        except (OSError, ValueError) as error:
            raise SendError(f"{type(error).__name__}: {error}") from error
        if answer.get("Code") != "OK":
            raise SendError(f"{answer.get('Code', '?')}: {str(answer.get('Message', ''))[:100]}")
        return str(answer.get("BizId") or "")


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class LogSender:
    """Development: the message goes to the worker's log and counts as sent."""

    name = "log"

    def send(self, message: Sms) -> str:
        """Write the message to the log."""
        log.info("SMS to %s (%s): %s%s", message.to, message.purpose or "-", message.body,
                 f" [template {message.template} {message.params}]" if message.template else "")
        return "log-" + uuid.uuid4().hex[:12]


def templates(config: Mapping[str, Any]) -> dict[str, str]:
    """ALIYUN_SMS_TEMPLATES, `purpose=SMS_123,...`, as a mapping of purpose to template code."""
    raw = str(config.get("ALIYUN_SMS_TEMPLATES") or "")
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}


def sms_sender(config: Mapping[str, Any]) -> SmsSender:
    """The sender SMS_PROVIDER names (Twilio when unset)."""
    name = str(config.get("SMS_PROVIDER") or "twilio").lower()
    if name == "aliyun":
        return AliyunSender(config)
    if name == "log":
        return LogSender()
    return TwilioSender(config, name="somleng" if name == "somleng" else "twilio")
