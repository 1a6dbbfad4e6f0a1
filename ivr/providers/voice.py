"""Voice providers: Twilio, and Somleng (Twilio's TwiML, without what somleng-switch lacks)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm

from dialogs.capabilities import SOMLENG, TWILIO, Capabilities
from dialogs.outputs import Event

# Nobody says more than this in one turn; the rest of a runaway transcript is noise.
MAX_SPEECH_CHARS = 500
_NOT_KEYS = re.compile(r"[^0-9*#]")


@dataclass(frozen=True)
class VoiceProvider:
    """One provider's webhooks: whose token signs them and what its forms carry."""

    capabilities: Capabilities
    # The setting that holds the auth token the provider signs its webhooks with.
    token_setting: str

    @property
    def name(self) -> str:
        """The provider's name in configuration."""
        return self.capabilities.name

    def auth_token(self, config: Mapping[str, Any]) -> str:
        """The token that signs this provider's requests (Somleng's falls back to Twilio's)."""
        return str(config.get(self.token_setting) or config.get("TWILIO_AUTH_TOKEN") or "")

    def verify(self, config: Mapping[str, Any], url: str, form: Any, signature: str,
               settings_header: str = "") -> bool:
        """True when `signature` is the provider's X-Twilio-Signature of url + form."""
        token = self.auth_token(config)
        if not token or not signature:
            return False
        # Somleng signs as Twilio does (somleng-switch TwiMLEndpoint: HMAC-SHA1 of the URL
        # and the sorted form fields), so Twilio's own validator checks both.
        algorithm = get_signature_algorithm(settings_header)
        return bool(RequestValidator(token).validate(url, form, signature, algorithm))

    def read(self, form: Mapping[str, str]) -> Event:
        """The caller's turn as the dialog sees it: keys, and words where they can be heard."""
        digits = _NOT_KEYS.sub("", (form.get("Digits") or "")[:32])
        if not self.capabilities.speech_input:
            return Event(digits=digits)
        speech = (form.get("SpeechResult") or "")[:MAX_SPEECH_CHARS].strip()
        confidence_text = (form.get("Confidence") or "")[:12].strip()
        try:
            confidence: float | None = float(confidence_text) if confidence_text else None
        except ValueError:
            confidence = None
        return Event(digits=digits, speech=speech, confidence=confidence)

    def dial_status(self, form: Mapping[str, str]) -> str:
        """How a <Dial> ended, in Twilio's words: a dial that was answered and lasted counts
        as completed (Somleng may report it as answered)."""
        status = (form.get("DialCallStatus") or "")[:16].strip()
        duration = (form.get("DialCallDuration") or "").strip()
        if status == "answered" or (status in ("", "in-progress") and duration.isdigit()
                                    and int(duration) > 0):
            return "completed"
        return status

    def sequence_number(self, form: Mapping[str, str]) -> int | None:
        """The status callback's order, or None where the provider does not number them."""
        if not self.capabilities.status_sequence:
            return None
        value = (form.get("SequenceNumber") or "")[:12].strip()
        return int(value) if value.isdigit() else None


PROVIDERS = {
    "twilio": VoiceProvider(TWILIO, "TWILIO_AUTH_TOKEN"),
    "somleng": VoiceProvider(SOMLENG, "SOMLENG_AUTH_TOKEN"),
}


def voice_provider(config: Mapping[str, Any]) -> VoiceProvider:
    """The voice provider configured by VOICE_PROVIDER (Twilio when unset)."""
    return PROVIDERS.get(str(config.get("VOICE_PROVIDER") or "twilio").lower(),
                         PROVIDERS["twilio"])


def signing_providers(config: Mapping[str, Any]) -> list[VoiceProvider]:
    """Every provider whose signature a webhook may carry: the voice provider's, and the SMS
    provider's when it sends webhooks of its own (Twilio or Somleng)."""
    found = [voice_provider(config)]
    sms = str(config.get("SMS_PROVIDER") or "").lower()
    if sms in PROVIDERS and PROVIDERS[sms] not in found:
        found.append(PROVIDERS[sms])
    return found
