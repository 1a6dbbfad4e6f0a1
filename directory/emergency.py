"""Whether a caller's words mean danger now: clear, uncertain or none, and of what kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from directory.lexicon import emergency_words

Decision = Literal["clear", "uncertain", "none"]

# Kinds of emergency the line tells apart (the task's and the operators' words for it).
KINDS = ("fall", "unconscious", "chest_pain", "breathing", "stroke", "bleeding", "burn",
         "poisoning", "fire", "gas", "trapped", "missing", "violence", "suicide", "other")


@dataclass(frozen=True)
class Alarm:
    """The verdict on one utterance: how sure, which kind, and why (for the file)."""

    decision: Decision
    kind: str | None = None
    score: float = 0.0
    why: str = ""

    @property
    def clear(self) -> bool:
        """Danger now: dial the emergency number in the very next answer."""
        return self.decision == "clear"


NONE = Alarm("none")


def assess(text: str) -> Alarm:
    """The emergency in `text`, if any (first version: the shipped exact words)."""
    said = "".join(text.split()).lower()
    for word in emergency_words():
        if word.replace(" ", "") in said:
            return Alarm("clear", "other", 1.0, f"phrase:{word}")
    return NONE
