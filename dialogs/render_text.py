"""Outputs as plain text, for SMS and the web chat: numbered options, the same keys."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.outputs import Ask, Connect, Hangup, Output, Say
from dialogs.prompts import text
from directory.phones import local_display

# Text cannot put anyone through: "connecting you, stay on the line" is for the phone only;
# the text line after it says whom to call.
_VOICE_ONLY = frozenset({"connect.emergency", "connect.crisis", "connect.provider"})
# What the phone promises by SMS is already written in this reply (a web chat has no phone
# to send it to): the text says so instead.
_IN_TEXT = {"route.sms_sent": "text.route_sent"}
# Voice prompts say "press"; in text the resident replies with the digit instead.
# Nor do they speak: 请说出 is 请告诉我 and "say" is "write" (请说出您住在哪个街道 in a chat).
_REPLY = {"zh-CN": (("电话上的数字键", "数字"), ("请按", "请回复"), ("按", "回复"),
                    ("请说出", "请告诉我"), ("直接说出", "直接写出"), ("直接说", "直接写"),
                    ("再说一遍", "再写一遍"), ("可以说", "可以写"),
                    ("先说区，再说", "先写区，再写"), ("或者说", "或者回复")),
          "en": (("press the key on your phone", "reply with the number"),
                 ("Press the key on your phone", "Reply with the number"),
                 ("press a key on your phone", "reply with a number"),
                 ("press", "reply"), ("Press", "Reply"), ("just say", "just write"),
                 ("simply say", "simply write"), ("you can say", "you can write"),
                 ("or say", "or write"))}


def say_text(say: Say, language: str) -> str:
    """One prompt as text in the conversation's language."""
    line = text(say.prompt, language, **say.params)
    for spoken, written in _REPLY.get(language, ()):
        line = line.replace(spoken, written)
    return line


def render(outputs: Sequence[Output], language: str, emergency_number: str = "120",
           crisis_number: str = "") -> list[str]:
    """Text lines for one turn; effects are not shown."""
    lines: list[str] = []
    for output in outputs:
        if isinstance(output, Say):
            if output.prompt in _VOICE_ONLY:
                continue
            if output.prompt in _IN_TEXT:
                output = Say(_IN_TEXT[output.prompt], output.params)
            lines.append(_line(output, language))
        elif isinstance(output, Ask):
            lines += [say_text(p, language) for p in output.prompts]
            lines += [f"{c.key}. {text(c.label, language, **c.params)}" for c in output.choices]
            # Text shows its own line for a person (below) instead of the spoken keys.
            lines += [_line(p, language) for p in output.after
                      if not p.prompt.startswith("global.keys")]
            lines.append(text("text.human_keys", language))
        elif isinstance(output, Connect):
            lines.append(_connect(output, language, emergency_number, crisis_number))
        elif isinstance(output, Hangup):
            lines.append("[end]")
    return lines


def _line(say: Say, language: str) -> str:
    """One sentence as text; the offer of the other language is written in that language."""
    if say.prompt == "language.offer":
        return (text("language.offer", language).replace("press", "reply")
                .replace("请按", "请回复"))
    return say_text(say, language)


def _connect(output: Connect, language: str, emergency_number: str, crisis_number: str) -> str:
    """Text cannot dial: say who will answer, or which number to call."""
    if output.target == "emergency":
        return text("text.emergency", language, emergency=emergency_number)
    if output.target == "crisis":
        # Someone thinking of ending their life is given a person's number to call now, not
        # only the emergency services (and not the fire brigade's).
        if crisis_number:
            return text("text.crisis_line", language, emergency=emergency_number,
                        crisis=crisis_number)
        return text("text.crisis", language, emergency=emergency_number)
    if output.target == "provider" and output.number:
        return text("text.provider", language, provider=output.name or "",
                    phone=local_display(output.number))
    return text("text.handoff", language)
