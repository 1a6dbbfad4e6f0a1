"""Turn dialog outputs into TwiML with the twilio library's builders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Enqueue, Gather, VoiceResponse
from twilio.twiml.voice_response import Say as SayVerb

from dialogs import speech
from dialogs.outputs import Ask, Connect, Hangup, Output, Say
from dialogs.prompts import text

# Twilio caps <Gather hints> at 500 characters; a longer list is cut at a comma.
MAX_HINTS = 500
ENGLISH = ("en-US", "Polly.Joanna")


def say_kwargs(config: Mapping[str, Any], language: str) -> dict[str, str]:
    """The language and voice attributes of <Say> for a prompt language."""
    lang, voice = ENGLISH if language == "en" else (config["VOICE_LANGUAGE"],
                                                     config["VOICE_NAME"])
    return {"language": lang, "voice": voice}


def action_url(path: str, state: Mapping[str, Any]) -> str:
    """A relative action URL that carries ASCII state in its query string."""
    query = urlencode({k: v for k, v in sorted(state.items()) if v not in (None, "")})
    return f"{path}?{query}" if query else path


def spoken(sentence: str, language: str = "zh-CN") -> str:
    """A sentence as the voice reads it: phone numbers grouped and read twice, a referral's
    number digit by digit (dialogs.speech, which the lint's speech budget measures too)."""
    return speech.spoken(sentence, language)


class VoiceRenderer:
    """Renders outputs for one call: its language, profile and action URLs."""

    def __init__(self, config: Mapping[str, Any], *, turn_path: str, dial_done_path: str,
                 language: str = "zh-CN", slow: bool = False, handoff: str = "duty",
                 queue_paths: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.turn_path = turn_path
        self.dial_done_path = dial_done_path
        self.language = language
        self.slow = slow
        # How a hand-off to a person is made: dial the duty officer, queue for an operator,
        # or (after hours) offer a voice message or a call back.
        self.handoff = handoff
        self.queue_paths = dict(queue_paths or {})

    def render(self, outputs: Iterable[Output]) -> VoiceResponse:
        """One TwiML document for the outputs of a dialog step."""
        response = VoiceResponse()
        pending: list[Say] = []
        for output in outputs:
            if isinstance(output, Say):
                pending.append(output)
                continue
            if isinstance(output, Ask):
                # Sentences before a question go inside its <Gather>: a caller who already
                # knows the menu can press a key while the line is still talking.
                self._ask(response, output, pending)
                pending = []
                continue
            if isinstance(output, Connect) and output.target == "duty" \
                    and self.handoff == "closed":
                # After hours nobody is put through: "connecting you" would not be true.
                pending = [s for s in pending if not s.prompt.startswith("connect.")]
            for say in pending:
                response.append(self.say(say, slow=self.slow))
            pending = []
            if isinstance(output, Connect) and output.target == "duty" \
                    and self.handoff == "queue":
                response.append(self.enqueue())
            elif isinstance(output, Connect) and output.target == "duty" \
                    and self.handoff == "closed":
                self._closed(response)
            elif isinstance(output, Connect):
                response.append(self.connect(output))
            elif isinstance(output, Hangup):
                response.hangup()
        for say in pending:
            response.append(self.say(say, slow=self.slow))
        return response

    def say(self, output: Say, *, slow: bool = False) -> SayVerb:
        """A <Say> of one prompt; slowed down with SSML for the elderly profile."""
        language = output.voice or self.language
        sentence = spoken(text(output.prompt, self.language, **output.params), self.language)
        verb = SayVerb(**say_kwargs(self.config, language))
        if slow:
            verb.prosody(sentence, rate="slow")
        else:
            verb.value = sentence
        return verb

    def _ask(self, response: VoiceResponse, ask: Ask, before: list[Say]) -> None:
        action = action_url(self.turn_path, {"t": ask.turn})
        english = self.language == "en"
        if ask.expect == "secret":
            # The caller check: keys only (no recognizer hears a PIN), up to 8, ended by #.
            gather = Gather(input="dtmf", action=action, method="POST", num_digits=8,
                            finish_on_key="#", timeout=max(ask.timeout_s, 8),
                            action_on_empty_result=False)
            for sentence in [*before, *ask.prompts]:
                gather.append(self.say(sentence, slow=ask.slow or self.slow))
            response.append(gather)
            response.redirect(action, method="POST")
            return
        gather = Gather(
            input="dtmf speech",
            action=action,
            method="POST",
            language="en-US" if english else self.config["SPEECH_LANGUAGE"],
            num_digits=1,
            timeout=ask.timeout_s,
            speech_timeout="auto" if not ask.slow else str(ask.timeout_s // 2),
            hints=_hints(ask.hints),
            action_on_empty_result=False,
        )
        # The reserved keys come in `after` once a call (the engine decides), not every time.
        sentences = [*before, *ask.prompts, *(Say(c.prompt, c.params) for c in ask.choices),
                     *ask.after]
        for sentence in sentences:
            gather.append(self.say(sentence, slow=ask.slow or self.slow))
        response.append(gather)
        # A <Gather> that hears nothing falls through: the same action then sees a silent turn.
        response.redirect(action, method="POST")

    def connect(self, output: Connect) -> Dial:
        """A <Dial> to a person, the emergency number or a provider, reporting back."""
        number = {
            "emergency": self.config["EMERGENCY_NUMBER"],
            "duty": self.config["DUTY_NUMBER"],
            "crisis": self.config.get("CRISIS_NUMBER") or self.config["DUTY_NUMBER"],
        }.get(output.target) or output.number or self.config["DUTY_NUMBER"]
        dial = Dial(
            action=action_url(self.dial_done_path,
                              {"target": output.target, "try": output.attempt,
                               "urgent": 1 if output.urgent else None}),
            method="POST",
            timeout=self.config.get("DIAL_TIMEOUT_S", 30),
        )
        dial.number(number)
        return dial


    def connect_duty(self) -> Dial:
        """A <Dial> to the duty officer."""
        return self.connect(Connect("duty", "fallback"))

    def enqueue(self) -> Enqueue:
        """<Enqueue> into the operators' queue with the line's wait and action URLs."""
        return Enqueue("operators", wait_url=self.queue_paths.get("wait"),
                       wait_url_method="POST", action=self.queue_paths.get("done"),
                       method="POST")

    def _closed(self, response: VoiceResponse) -> None:
        """After hours: the hours first (said in words), then the choices."""
        path = action_url(self.queue_paths.get("options", ""), {"after": "closed.intro"})
        gather = Gather(input="dtmf", num_digits=1, timeout=8, action=path, method="POST")
        for prompt in closed_prompts(self.config, self.language):
            gather.append(self.say(prompt, slow=self.slow))
        response.append(gather)
        response.redirect(path, method="POST")


def closed_prompts(config: Mapping[str, Any], language: str) -> list[Say]:
    """"We are closed" with the operators' hours in words, then the after-hours choices."""
    hours = speech.hours_words(str(config.get("OPERATOR_HOURS") or ""), language)
    intro = Say("closed.intro", {"hours": hours}) if hours else Say("closed.intro.unknown")
    return [intro, Say("closed.options")]


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
    renderer = VoiceRenderer(config, turn_path="", dial_done_path=dial_done_path)
    return renderer.render([Say("error.apology"), Connect("duty", "error")])
