"""Turn dialog outputs into TwiML with the twilio library's builders, for one voice provider.

What the provider can do (`dialogs.capabilities`) decides the markup: without speech input a
keys-only <Gather> and the prompts' keys variants; without SSML shorter sentences instead of
<prosody>; without queue verbs a hold loop of <Redirect>s instead of <Enqueue>; without a
whisper URL a plain <Number>.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Enqueue, Gather, Redirect, VoiceResponse
from twilio.twiml.voice_response import Say as SayVerb

from dialogs import speech
from dialogs.capabilities import KEYS_VARIANT, TWILIO, Capabilities
from dialogs.outputs import Ask, Connect, Hangup, Output, Say
from dialogs.prompts import catalog, text

# Twilio caps <Gather hints> at 500 characters; a longer list is cut at a comma.
MAX_HINTS = 500
ENGLISH = ("en-US", "Polly.Joanna")
# Without SSML the slow profile speaks in short pieces: each <Say> ends with a pause.
_PIECE = re.compile(r"[^，。；？！,;?!]+[，。；？！,;?!]?")


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
                 queue_paths: Mapping[str, str] | None = None,
                 capabilities: Capabilities = TWILIO) -> None:
        self.config = config
        self.capabilities = capabilities
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
                self._say_into(response, say, self.slow)
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
            self._say_into(response, say, self.slow)
        return response

    def prompt_id(self, prompt: str) -> str:
        """The prompt, or its keys variant where the provider cannot hear speech."""
        if self.capabilities.speech_input:
            return prompt
        variant = prompt + KEYS_VARIANT
        return variant if variant in catalog(self.language) else prompt

    def say(self, output: Say, *, slow: bool = False) -> SayVerb:
        """A <Say> of one prompt; slowed down with SSML for the elderly profile (where the
        provider reads SSML; see says() for the others)."""
        return self.says(output, slow=slow)[0] if not slow or self.capabilities.ssml \
            else SayVerb(self._sentence(output), **say_kwargs(self.config, self._voice(output)))

    def says(self, output: Say, *, slow: bool = False) -> list[SayVerb]:
        """The <Say> verbs of one prompt. Slow: SSML prosody, or without SSML one short
        <Say> per clause, each followed by the pause a provider leaves between utterances."""
        sentence = self._sentence(output)
        kwargs = say_kwargs(self.config, self._voice(output))
        if slow and self.capabilities.ssml:
            verb = SayVerb(**kwargs)
            verb.prosody(sentence, rate="slow")
            return [verb]
        if slow:
            pieces = [p.strip() for p in _PIECE.findall(sentence) if p.strip()]
            return [SayVerb(piece, **kwargs) for piece in pieces or [sentence]]
        return [SayVerb(sentence, **kwargs)]

    def _voice(self, output: Say) -> str:
        return output.voice or self.language

    def _sentence(self, output: Say) -> str:
        return spoken(text(self.prompt_id(output.prompt), self.language, **output.params),
                      self.language)

    def _say_into(self, parent: Any, output: Say, slow: bool) -> None:
        for verb in self.says(output, slow=slow):
            parent.append(verb)

    def _ask(self, response: VoiceResponse, ask: Ask, before: list[Say]) -> None:
        action = action_url(self.turn_path, {"t": ask.turn})
        english = self.language == "en"
        if ask.expect == "secret":
            # The caller check: keys only (no recognizer hears a PIN), up to 8, ended by #;
            # keys are Gather's default input, so every provider reads it.
            gather = Gather(action=action, method="POST", num_digits=8, finish_on_key="#",
                            timeout=max(ask.timeout_s, 8), action_on_empty_result=False,
                            **self._words_too(english))
            for sentence in [*before, *ask.prompts]:
                self._say_into(gather, sentence, ask.slow or self.slow)
            response.append(gather)
            response.redirect(action, method="POST")
            return
        if self.capabilities.speech_input:
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
        else:
            gather = self.keys_gather(action, ask.timeout_s)
        # A caller who cannot say 救命 is told the emergency key in every menu.
        emergency = [Say("menu.emergency_key", {"key": ask.emergency_key})] \
            if ask.emergency_key and not self.capabilities.speech_input else []
        # The reserved keys come in `after` once a call (the engine decides), not every time.
        sentences = [*before, *ask.prompts, *(Say(c.prompt, c.params) for c in ask.choices),
                     *emergency, *ask.after]
        for sentence in sentences:
            self._say_into(gather, sentence, ask.slow or self.slow)
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

    def _words_too(self, english: bool = False) -> dict[str, str]:
        """Gather attributes that also hear words where the provider has speech input: at the
        PIN and the after-hours choices only so that 救命 is heard there (the dialog's
        emergency gate reads it first; other words at the PIN are dropped, never kept)."""
        if not self.capabilities.speech_input:
            return {}
        return {"input": "dtmf speech", "speech_timeout": "auto",
                "language": "en-US" if english else str(self.config["SPEECH_LANGUAGE"])}

    def keys_gather(self, action: str, timeout: int, num_digits: int = 1) -> Gather:
        """A <Gather> that listens for keys only (Twilio's default input, so no attribute)."""
        return Gather(action=action, method="POST", num_digits=num_digits, timeout=timeout,
                      action_on_empty_result=False)

    def enqueue(self) -> Enqueue | Redirect:
        """Into the operators' queue: <Enqueue> with the line's wait and action URLs, or,
        without queue verbs, the first segment of the line's own hold loop."""
        if not self.capabilities.queue_verbs:
            return Redirect(self.queue_paths.get("hold", ""), method="POST")
        return Enqueue("operators", wait_url=self.queue_paths.get("wait"),
                       wait_url_method="POST", action=self.queue_paths.get("done"),
                       method="POST")

    def hold_segment(self, response: VoiceResponse, prompt: Say | None, again: str,
                     wait_s: int, music_url: str = "") -> None:
        """One short segment of the wait: the place in line (when due), a short clip or a
        pause, then back to `again`, where the line looks for a free operator."""
        if prompt is not None:
            self._say_into(response, prompt, self.slow)
            # The prompt takes part of the segment: wait only for the rest of it.
            wait_s = max(2, wait_s - speech_seconds(self._sentence(prompt), self.language))
        if music_url:
            response.play(music_url)
        elif self.capabilities.pause_verb:
            response.pause(length=wait_s)
        else:
            # No <Pause> (somleng-switch): a <Gather> that hears nothing waits as long.
            response.append(self.keys_gather(again, wait_s))
        response.redirect(again, method="POST")

    def leave(self, response: VoiceResponse) -> None:
        """Out of the <Enqueue> (its action URL takes over)."""
        response.leave()

    def dial_operator(self, number: str, action: str, whisper: str) -> Dial:
        """A <Dial> to the operator: with the whisper where the provider plays one, else plain
        (the console shows who is coming, and an answered dial counts as accepted)."""
        dial = Dial(action=action, method="POST", timeout=20)
        if self.capabilities.whisper_url:
            dial.number(number, url=whisper, method="POST")
        else:
            dial.number(number)
        return dial

    def options(self, response: VoiceResponse, prompt: str, action: str) -> None:
        """A one-key choice that falls through to `action` on silence."""
        gather = self.keys_gather(action, 8)
        self._say_into(gather, Say(prompt), self.slow)
        response.append(gather)
        response.redirect(action, method="POST")

    def _closed(self, response: VoiceResponse) -> None:
        """After hours: the hours first (said in words), then the choices."""
        path = action_url(self.queue_paths.get("options", ""), {"after": "closed.intro"})
        gather = Gather(action=path, method="POST", num_digits=1, timeout=8,
                        action_on_empty_result=False, **self._words_too(self.language == "en"))
        for prompt in closed_prompts(self.config, self.language):
            self._say_into(gather, prompt, self.slow)
        response.append(gather)
        response.redirect(path, method="POST")


def speech_seconds(sentence: str, language: str) -> int:
    """About how long a sentence takes to say, in whole seconds (dialogs.speech's rates,
    the ones the lint's speech budget counts with)."""
    return math.ceil(speech.seconds(sentence, language))


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


def apology_response(config: Mapping[str, Any], dial_done_path: str,
                     capabilities: Capabilities = TWILIO) -> VoiceResponse:
    """Apologise and put the caller through to the duty operator, using configuration only."""
    renderer = VoiceRenderer(config, turn_path="", dial_done_path=dial_done_path,
                             capabilities=capabilities)
    return renderer.render([Say("error.apology"), Connect("duty", "error")])
