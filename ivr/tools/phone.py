"""A phone call without a phone: follows TwiML exactly as Twilio does and signs every request.

Used by the terminal phone (`flask --app ivr call`), the tests and the load benchmarks.
With `profile="somleng"` it follows TwiML as somleng-switch does instead: only the elements
its ExecuteTwiML knows (any other stops the call, which is hung up), <Gather> returns only
Digits, <Number url> is dialled as a plain number, <Say> is read as plain text, and the one
status callback at the end carries SequenceNumber 0.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from twilio.request_validator import RequestValidator

from dialogs.capabilities import profile as capabilities_of

# Twilio gives up on a call that keeps redirecting; so do we.
MAX_REQUESTS = 60
# How many rounds of the wait music a simulated caller listens to before hanging up.
QUEUE_ROUNDS = 6
APPLICATION_ERROR = "An application error has occurred. Goodbye."
_KEYS = re.compile(r"^[0-9*#]+$")


class Transport(Protocol):
    """Something that can POST a signed form to a URL and return (status, body)."""

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Send one webhook request."""


class CallerIO(Protocol):
    """The person on the phone: hears lines, answers prompts (None means they hang up)."""

    def hear(self, line: str) -> None:
        """Take one line of what the phone says or does."""

    def answer(self, prompt: str) -> str | None:
        """Return keys or words typed, '' for silence, None to hang up."""


class HttpTransport:
    """POST to a running server."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Send the form with urllib; HTTP errors come back as their status."""
        data = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")


class FlaskTransport:
    """POST to a Flask app in this process, as if over the network."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Send the form through the app's test client with the URL's scheme and host."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        resp = self.client.post(path, data=params, headers=headers,
                                base_url=f"{parts.scheme}://{parts.netloc}")
        return resp.status_code, resp.get_data(as_text=True)


class ScriptedCaller:
    """A caller who answers from a list, then hangs up; keeps everything heard."""

    def __init__(self, answers: Iterable[str]) -> None:
        self.answers: Iterator[str] = iter(answers)
        self.heard: list[str] = []

    def hear(self, line: str) -> None:
        """Remember the line."""
        self.heard.append(line)

    def answer(self, prompt: str) -> str | None:
        """Give the next scripted answer, or hang up when there are none left."""
        return next(self.answers, None)


@dataclass
class CallResult:
    """What happened on one call."""

    call_sid: str
    requests: int = 0
    dialled: list[str] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    ended_by: str = ""
    errors: list[str] = field(default_factory=list)
    documents: list[ET.Element] = field(default_factory=list)
    hold_rounds: int = 0


@dataclass
class Phone:
    """One simulated call from `from_number` to the line at `base_url`."""

    transport: Transport
    auth_token: str
    base_url: str
    caller: CallerIO
    from_number: str = "+8613800000000"
    to_number: str = "+8655112345"
    dial_outcome: str = "completed"
    queue_outcome: str = "wait"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    send_status: bool = True
    profile: str = "twilio"
    # A call the line placed (a care call): where the provider posts when it is answered and
    # its status callbacks, what it says about who answered, and the call's direction.
    start_path: str = "/voice"
    status_path: str = "/voice/status"
    start_fields: dict[str, str] = field(default_factory=dict)
    direction: str = "inbound"

    @property
    def somleng(self) -> bool:
        """True when following TwiML as somleng-switch does."""
        return self.profile == "somleng"

    def run(self) -> CallResult:
        """Place the call and follow the TwiML until it ends."""
        result = CallResult(self.call_sid)
        url = self.base_url.rstrip("/") + self.start_path
        first = {"CallStatus": "ringing"} if self.direction == "inbound" else {
            "CallStatus": "in-progress"}
        doc = self._request(result, url, {**first, **self.start_fields})
        while doc is not None and result.requests < MAX_REQUESTS:
            nxt = self._play(result, url, doc)
            if nxt is None:
                break
            url, extra = nxt
            doc = self._request(result, url, extra)
        if not result.ended_by:
            result.ended_by = "limit" if result.requests >= MAX_REQUESTS else "end"
        if self.send_status:
            final = {"CallStatus": "completed", "CallDuration": "60"}
            if self.somleng:
                final["SequenceNumber"] = "0"
            self._request(result, self.base_url.rstrip("/") + self.status_path, final,
                          parse=False)
        return result

    def not_answered(self, outcome: str) -> CallResult:
        """A call the line placed that nobody answers: busy, no-answer, or a voicemail that
        picks up (machine: answered by a machine, then completed)."""
        result = CallResult(self.call_sid)
        status = self.base_url.rstrip("/") + self.status_path
        if outcome == "machine":
            self.caller.hear("[a voicemail answers]")
            doc = self._request(result, self.base_url.rstrip("/") + self.start_path,
                                {"CallStatus": "in-progress", "AnsweredBy": "machine_end_beep"})
            if doc is not None:
                self._play(result, status, doc)
            self._request(result, status, {"CallStatus": "completed", "CallDuration": "5",
                                           "AnsweredBy": "machine_end_beep"}, parse=False)
        else:
            self.caller.hear(f"[the phone rings: {outcome}]")
            self._request(result, status, {"CallStatus": outcome, "CallDuration": "0"},
                          parse=False)
        result.ended_by = result.ended_by or outcome
        return result

    # --- requests -----------------------------------------------------------------------------

    def params(self, extra: dict[str, str]) -> dict[str, str]:
        """The fields Twilio sends with every request of this call."""
        base = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "From": self.from_number,
            "To": self.to_number,
            "Direction": self.direction,
            "CallStatus": "in-progress",
        }
        return {**base, **extra}

    def _request(self, result: CallResult, url: str, extra: dict[str, str],
                 parse: bool = True) -> ET.Element | None:
        params = self.params(extra)
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        status, body = self.transport.post(url, params, {"X-Twilio-Signature": signature})
        result.requests += 1
        if not parse:
            return None
        try:
            root = ET.fromstring(body) if status == 200 else None
        except ET.ParseError:
            root = None
        if root is None or root.tag != "Response":
            result.errors.append(f"{url}: HTTP {status}")
            result.ended_by = "application-error"
            self.caller.hear(APPLICATION_ERROR)
            return None
        result.documents.append(root)
        return root

    # --- verbs --------------------------------------------------------------------------------

    def _play(self, result: CallResult, url: str,
              doc: ET.Element) -> tuple[str, dict[str, str]] | None:
        """Run the verbs of one document; return the next request, or None when the call ends."""
        known = capabilities_of(self.profile).elements
        for verb in doc:
            if self.somleng and verb.tag not in known:
                # somleng-switch raises on an unknown element: the call stops and hangs up.
                result.errors.append(f"{url}: <{verb.tag}> is not supported by Somleng")
                result.ended_by = "unsupported-verb"
                self.caller.hear(f"[Somleng cannot run <{verb.tag}>: the line hangs up]")
                return None
            handler = getattr(self, f"_verb_{verb.tag.lower()}", None)
            if handler is None:
                self.caller.hear(f"[{verb.tag}]")
                continue
            outcome = handler(result, url, verb)
            if outcome == "hangup":
                return None
            if outcome is not None:
                return outcome  # type: ignore[no-any-return]
        result.ended_by = result.ended_by or "end-of-document"
        return None

    def _verb_say(self, _result: CallResult, _url: str, verb: ET.Element) -> None:
        self.caller.hear(_spoken(verb))

    def _verb_play(self, _result: CallResult, _url: str, verb: ET.Element) -> None:
        self.caller.hear(f"[music {verb.text or verb.get('digits', '')}]")

    def _verb_pause(self, _result: CallResult, _url: str, verb: ET.Element) -> None:
        self.caller.hear(f"[pause {verb.get('length', '1')} s]")

    def _verb_hangup(self, result: CallResult, _url: str, _verb: ET.Element) -> str:
        result.ended_by = "hangup"
        self.caller.hear("[the line hangs up]")
        return "hangup"

    _verb_reject = _verb_hangup

    def _verb_redirect(self, result: CallResult, url: str,
                       verb: ET.Element) -> tuple[str, dict[str, str]] | str:
        target = urllib.parse.urljoin(url, (verb.text or "").strip() or url)
        if "/queue/hold" in urllib.parse.urlsplit(target).path:
            # The line's own hold loop (a provider without queue verbs): a caller who does
            # not wait hangs up at once, a patient one after as many rounds as in a queue.
            result.hold_rounds += 1
            if self.queue_outcome == "hangup" or result.hold_rounds > QUEUE_ROUNDS * 4:
                result.ended_by = "caller-hung-up-in-queue"
                self.caller.hear("[the caller hangs up while waiting]")
                return "hangup"
        return target, {}

    def _verb_gather(self, result: CallResult, url: str,
                     verb: ET.Element) -> tuple[str, dict[str, str]] | str | None:
        for child in verb:
            if child.tag == "Say":
                self.caller.hear(_spoken(child))
            elif child.tag == "Play":
                self.caller.hear(f"[music {child.text or ''}]")
        modes = ["dtmf"] if self.somleng else (verb.get("input") or "dtmf").split()
        typed = self.caller.answer(f"[listening: {' / '.join(modes)}]")
        if typed is None:
            result.ended_by = "caller-hung-up"
            return "hangup"
        action = urllib.parse.urljoin(url, verb.get("action") or url)
        fields = _gather_fields(typed.strip(), modes, verb)
        if fields:
            return action, fields
        if verb.get("actionOnEmptyResult") == "true":
            return action, {}
        return None  # silence: fall through to the next verb

    def _verb_dial(self, result: CallResult, url: str,
                   verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        numbers = [(n.text or "").strip() for n in verb if n.tag in ("Number", "Client", "Sip")]
        if not numbers and (verb.text or "").strip():
            numbers = [(verb.text or "").strip()]
        for number_el in (n for n in verb if n.tag == "Number" and n.get("url")):
            if not self.somleng:  # Somleng dials the number and ignores its url
                self._whisper(result, url, number_el.get("url", ""))
        result.dialled.extend(numbers)
        self.caller.hear(f"[dialling {', '.join(numbers)}: {self.dial_outcome}]")
        action = verb.get("action")
        fields = {"DialCallStatus": self.dial_outcome,
                  "DialCallDuration": "30" if self.dial_outcome == "completed" else "0"}
        if action:
            return urllib.parse.urljoin(url, action), fields
        return None  # without an action Twilio goes on with the next verb

    def _whisper(self, result: CallResult, url: str, whisper_url: str) -> None:
        """The operator's leg: hear the whisper, press 1 to take the call."""
        whisper = urllib.parse.urljoin(url, whisper_url)
        doc = self._request(result, whisper, {"CallSid": "CA" + uuid.uuid4().hex})
        for say in doc.iter("Say") if doc is not None else ():
            self.caller.hear(f"[to the operator] {_spoken(say)}")
        gather = doc.find("Gather") if doc is not None else None
        if gather is not None and self.dial_outcome == "completed":
            self.caller.hear("[the operator presses 1]")
            self._request(result, urllib.parse.urljoin(whisper, gather.get("action") or ""),
                          {"Digits": "1"}, parse=False)

    def _verb_enqueue(self, result: CallResult, url: str,
                      verb: ET.Element) -> tuple[str, dict[str, str]] | str:
        """Wait in the queue: the wait URL's TwiML plays until it says <Leave/>."""
        queue = (verb.text or "").strip()
        result.enqueued.append(queue)
        self.caller.hear(f"[waiting in queue {queue}]")
        action = urllib.parse.urljoin(url, verb.get("action") or url)
        wait_url = verb.get("waitUrl")
        for round_ in range(QUEUE_ROUNDS if self.queue_outcome != "hangup" else 1):
            if not wait_url:
                break
            wait = self._request(result, urllib.parse.urljoin(url, wait_url),
                                 {"QueuePosition": "1", "QueueTime": str(30 * round_),
                                  "CurrentQueueSize": "1"})
            if wait is None:
                break
            for say in wait.iter("Say"):
                self.caller.hear(_spoken(say))
            if wait.find("Leave") is not None:
                return action, {"QueueResult": "leave", "QueueTime": str(30 * round_)}
        result.ended_by = "caller-hung-up-in-queue"
        self._request(result, action, {"QueueResult": "hangup", "QueueTime": "30"},
                      parse=False)
        return "hangup"

    def _verb_record(self, result: CallResult, url: str,
                     verb: ET.Element) -> tuple[str, dict[str, str]] | str | None:
        typed = self.caller.answer("[recording: say your message]")
        if typed is None:
            result.ended_by = "caller-hung-up"
            return "hangup"
        if not typed.strip():
            return None  # Twilio skips the action when nothing was recorded
        fields = {
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Recordings/RE{uuid.uuid4().hex}",
            "RecordingDuration": str(max(1, len(typed) // 3)),
            "Digits": "hangup",
        }
        return urllib.parse.urljoin(url, verb.get("action") or url), fields


def _spoken(verb: ET.Element) -> str:
    """The text of a <Say>, SSML children included."""
    return "".join(verb.itertext()).strip()


def _gather_fields(typed: str, modes: list[str], verb: ET.Element) -> dict[str, str]:
    """What Twilio posts for this input, or {} when it counts as no input."""
    if not typed:
        return {}
    if _KEYS.match(typed) and "dtmf" in modes:
        finish = verb.get("finishOnKey", "#")
        digits = typed.split(finish)[0] if finish else typed
        num = verb.get("numDigits")
        if num and num.isdigit():
            digits = digits[: int(num)]
        return {"Digits": digits} if digits else {}
    if "speech" in modes:
        return {"SpeechResult": typed, "Confidence": "0.9"}
    return {}
