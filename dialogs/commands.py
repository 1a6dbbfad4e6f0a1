"""Commands that work in every turn: emergencies first, then a human, repeat and back."""

from __future__ import annotations

import enum
import re

from directory.lexicon import emergency_words

# Words that mean danger now, from the directory's emergency category: one list for the
# whole product. They are checked before anything else in every turn.
EMERGENCY_WORDS = emergency_words()
HUMAN_WORDS = (
    "人工", "转人工", "接线员", "话务员", "客服", "真人", "工作人员", "找人说话",
    "operator", "human", "agent", "person",
)
REPEAT_WORDS = ("重复", "再说一遍", "再说一次", "没听清", "重听", "repeat", "again")
BACK_WORDS = ("返回", "上一步", "回去", "back")

HUMAN_KEY = "0"
BACK_KEY = "*"
END_KEY = "#"
REPEAT_KEY = "9"
YES_KEY = "1"
NO_KEY = "2"
RESERVED_KEYS = frozenset({HUMAN_KEY, BACK_KEY, END_KEY, REPEAT_KEY})

_NOISE = re.compile(r"[\s，。！？、,.!?;；:：\"'“”‘’（）()]+")


class Command(enum.Enum):
    """A global command found in a caller's input."""

    EMERGENCY = "emergency"
    HUMAN = "human"
    REPEAT = "repeat"
    BACK = "back"


def normalize(speech: str) -> str:
    """Lower-case the words and drop punctuation and spaces that recognizers add."""
    return _NOISE.sub("", speech).lower()


def global_command(digits: str, speech: str) -> Command | None:
    """Return the global command in this input, emergencies before everything else."""
    said = normalize(speech)
    if any(word.replace(" ", "") in said for word in EMERGENCY_WORDS):
        return Command.EMERGENCY
    if digits == HUMAN_KEY or any(word in said for word in HUMAN_WORDS):
        return Command.HUMAN
    if digits == REPEAT_KEY or any(word in said for word in REPEAT_WORDS):
        return Command.REPEAT
    if digits == BACK_KEY or any(word in said for word in BACK_WORDS):
        return Command.BACK
    return None
