"""Turn dialog outputs into TwiML with the twilio library's builders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from dialogs.outputs import Ask, Connect, Hangup, Output, Say
from dialogs.prompts import text

# Twilio caps <Gather hints> at 500 characters; a longer list is cut at a comma.
MAX_HINTS = 500
VOICES = {"en": ("en-US", "Polly.Joanna")}


def say_kwargs(config: Mapping[str, Any], language: str) -> dict[str, str]:
    """The language and voice attributes of <Say> for a prompt language."""
    lang, voice = VOICES.get(language, (config["VOICE_LANGUAGE"], config["VOICE_NAME"]))
    return {"language": lang, "voice": voice}


def action_url(path: str, state: Mapping[str, Any]) -> str:
    """A relative action URL that carries ASCII state in its query string."""
    query = urlencode({k: v for k, v in sorted(state.items()) if v not in (None, "")})
    return f"{path}?{query}" if query else path


def render(outputs: Iterable[Output], config: Mapping[str, Any], *, menu_path: str,
           dial_done_path: str, language: str = "zh-CN") -> VoiceResponse:
    """Build one TwiML document for the outputs of a dialog step."""
    response = VoiceResponse()
    say = say_kwargs(config, language)
    for output in outputs:
        if isinstance(output, Say):
            response.say(text(output.prompt, language), **say)
        elif isinstance(output, Ask):
            _ask(response, output, config, menu_path, say, language)
        elif isinstance(output, Connect):
            response.append(connect(output, config, dial_done_path))
        elif isinstance(output, Hangup):
            response.hangup()
    return response


def _ask(response: VoiceResponse, ask: Ask, config: Mapping[str, Any], menu_path: str,
         say: dict[str, str], language: str) -> None:
    action = action_url(menu_path, ask.state)
    gather = Gather(
        input="dtmf speech",
        action=action,
        method="POST",
        language=config["SPEECH_LANGUAGE"] if language == "zh-CN" else "en-US",
        num_digits=1,
        timeout=6,
        speech_timeout="auto",
        hints=_hints(ask.hints),
    )
    for prompt in ask.prompts:
        gather.say(text(prompt, language), **say)
    response.append(gather)
    # A <Gather> that hears nothing falls through: the same action then sees a silent turn.
    response.redirect(action, method="POST")


def connect(output: Connect, config: Mapping[str, Any], dial_done_path: str) -> Dial:
    """A <Dial> to the duty operator or the emergency number, reporting back when it ends."""
    number = config["EMERGENCY_NUMBER"] if output.target == "emergency" else config["DUTY_NUMBER"]
    dial = Dial(
        action=action_url(dial_done_path, {"target": output.target, "try": output.attempt}),
        method="POST",
        timeout=config.get("DIAL_TIMEOUT_S", 30),
    )
    dial.number(number)
    return dial


def _hints(words: Iterable[str]) -> str | None:
    joined = ""
    for word in dict.fromkeys(words):
        candidate = f"{joined},{word}" if joined else word
        if len(candidate) > MAX_HINTS:
            break
        joined = candidate
    return joined or None


def apology_response(config: Mapping[str, Any], dial_done_path: str) -> VoiceResponse:
    """Apologise and put the caller through to the duty operator, using configuration only."""
    response = VoiceResponse()
    say = say_kwargs(config, "zh-CN")
    response.say(text("error.apology"), **say)
    response.append(connect(Connect("duty", "error"), config, dial_done_path))
    return response
