"""What a voice provider can do for a caller, declared once, read by the renderer and the lint.

Each profile also names the TwiML elements and attributes its provider understands, as read
from the provider's own interpreter (Somleng: somleng-switch's `ExecuteTwiML` and its verbs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The suffix of a prompt's keys-only variant (请按 instead of 请说), used without speech input.
KEYS_VARIANT = "@keys"
# Words that invite the caller to speak: a prompt holding one needs a keys-only variant.
LINE_REPEATS = "再说一遍："
SPEECH_WORDS = ("请说", "说出", "直接说", "或者说", "再说", "可以说", "说“",
                " or say", "simply say", "can say", "say it", "just say", "tell me", "just speak")


@dataclass(frozen=True)
class Capabilities:
    """One provider's voice features and the TwiML it understands."""

    name: str
    speech_input: bool
    queue_verbs: bool
    whisper_url: bool
    ssml: bool
    fallback_url: bool
    status_sequence: bool
    pause_verb: bool
    # Element -> the attributes the provider reads; anything else is not to be rendered.
    elements: dict[str, frozenset[str]] = field(default_factory=dict)


def _attrs(*names: str) -> frozenset[str]:
    return frozenset(names)


_TWILIO_ELEMENTS = {
    "Response": _attrs(),
    "Say": _attrs("language", "voice", "loop"),
    "prosody": _attrs("rate", "volume", "pitch"),
    "Play": _attrs("loop", "digits"),
    "Pause": _attrs("length"),
    "Gather": _attrs("input", "action", "method", "language", "numDigits", "timeout",
                     "speechTimeout", "hints", "actionOnEmptyResult", "finishOnKey"),
    "Redirect": _attrs("method"),
    "Dial": _attrs("action", "method", "timeout", "callerId"),
    "Number": _attrs("url", "method"),
    "Enqueue": _attrs("action", "method", "waitUrl", "waitUrlMethod"),
    "Leave": _attrs(),
    "Record": _attrs("action", "method", "maxLength", "finishOnKey", "playBeep", "timeout"),
    "Hangup": _attrs(),
    "Message": _attrs(),
}

TWILIO = Capabilities(
    name="twilio", speech_input=True, queue_verbs=True, whisper_url=True, ssml=True,
    fallback_url=True, status_sequence=True, pause_verb=True, elements=_TWILIO_ELEMENTS)

# somleng-switch: ExecuteTwiML knows Reject, Play, Gather, Redirect, Say, Dial, Hangup, Record,
# Connect; any other element stops the call. <Gather> returns only Digits; <Number> is dialled
# by its text; <Say> is reduced to its text (SSML children dropped).
SOMLENG = Capabilities(
    name="somleng", speech_input=False, queue_verbs=False, whisper_url=False, ssml=False,
    fallback_url=False, status_sequence=False, pause_verb=False, elements={
        "Response": _attrs(),
        "Say": _attrs("language", "voice", "loop"),
        "Play": _attrs("loop"),
        "Gather": _attrs("action", "method", "numDigits", "timeout", "actionOnEmptyResult",
                         "finishOnKey"),
        "Redirect": _attrs("method"),
        "Dial": _attrs("action", "method", "timeout", "callerId"),
        "Number": _attrs(),
        "Record": _attrs("action", "method", "maxLength", "finishOnKey", "playBeep",
                         "timeout"),
        "Hangup": _attrs(),
        "Message": _attrs(),
    })

PROFILES: dict[str, Capabilities] = {c.name: c for c in (TWILIO, SOMLENG)}


def profile(name: str | None) -> Capabilities:
    """The capabilities of a voice provider by name (Twilio's when unnamed)."""
    return PROFILES.get((name or "twilio").lower(), TWILIO)


def invites_speech(sentence: str) -> bool:
    """True when a sentence asks the caller to speak."""
    # "再说一遍：" before a repeated phone number is the line saying it again (dialogs.speech),
    # not the caller asked to speak.
    lowered = sentence.lower().replace(LINE_REPEATS, "")
    return any(word in lowered for word in SPEECH_WORDS)
