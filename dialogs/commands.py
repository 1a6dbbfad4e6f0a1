"""Commands that work in every turn: a human, repeat, back, slower, the other language.

Emergencies come before all of them, but they are not words to look up: every turn's speech
is assessed by directory.emergency.assess (see dialogs.engine).
"""

from __future__ import annotations

import enum
import re

HUMAN_WORDS = (
    "人工", "转人工", "接线员", "话务员", "客服", "真人", "工作人员", "找人说话",
    "operator", "human", "agent", "person",
)
REPEAT_WORDS = ("重复", "再说一遍", "再说一次", "没听清", "重听", "repeat", "again")
BACK_WORDS = ("返回", "上一步", "回去", "back")
SLOWER_WORDS = ("慢一点", "慢点说", "说慢点", "听不清", "听不清楚", "太快了", "slower", "slow down")
LANGUAGE_WORDS = {"english": "en", "英语": "en", "英文": "en", "普通话": "zh-CN", "中文": "zh-CN",
                  "mandarin": "zh-CN", "chinese": "zh-CN"}
YES_WORDS = ("对", "是", "好", "可以", "行", "嗯", "没错", "正确", "yes", "right", "correct", "ok")
NO_WORDS = ("不对", "不是", "不要", "不行", "错", "不", "no", "wrong")

HUMAN_KEY = "0"
BACK_KEY = "*"
END_KEY = "#"
REPEAT_KEY = "9"
LANGUAGE_KEY = "8"
YES_KEY = "1"
NO_KEY = "2"
RESERVED_KEYS = frozenset({HUMAN_KEY, BACK_KEY, END_KEY, REPEAT_KEY, LANGUAGE_KEY})

_NOISE = re.compile(r"[\s，。！？、,.!?;；:：\"'“”‘’（）()]+")


class Command(enum.Enum):
    """A global command found in a caller's input."""

    HUMAN = "human"
    REPEAT = "repeat"
    BACK = "back"
    SLOWER = "slower"
    LANGUAGE = "language"


def normalize(speech: str) -> str:
    """Lower-case the words and drop punctuation and spaces that recognizers add."""
    return _NOISE.sub("", speech).lower()


def global_command(digits: str, speech: str) -> Command | None:
    """Return the global command in this input (emergencies are the engine's gate)."""
    said = normalize(speech)
    if digits == HUMAN_KEY or any(word in said for word in HUMAN_WORDS):
        return Command.HUMAN
    if digits == REPEAT_KEY or any(word in said for word in REPEAT_WORDS):
        return Command.REPEAT
    if digits == BACK_KEY or any(word in said for word in BACK_WORDS):
        return Command.BACK
    if any(word.replace(" ", "") in said for word in SLOWER_WORDS):
        return Command.SLOWER
    if digits == LANGUAGE_KEY or said in LANGUAGE_WORDS:
        return Command.LANGUAGE
    return None


def yes_or_no(digits: str, speech: str) -> bool | None:
    """True for yes (1, 对), False for no (2, 不对), None when it is neither."""
    if digits:
        return {YES_KEY: True, NO_KEY: False}.get(digits)
    said = normalize(speech)
    if not said:
        return None
    # "不对" contains "对": the negative words are checked first.
    if any(said.startswith(word) or said == word for word in NO_WORDS):
        return False
    if any(said.startswith(word) or said == word for word in YES_WORDS):
        return True
    return None


# Words of English sentences that are no pinyin syllable, so a place typed in pinyin
# ("Binhu Shiji", "wo yao song fan") is never taken for English (he, me, you, can are pinyin).
_ENGLISH_ONLY = frozenset({
    "i", "i'm", "im", "my", "need", "needs", "want", "help", "please", "could", "would", "the",
    "with", "is", "am", "are", "for", "of", "to", "someone", "somebody", "our", "her", "his",
    "this", "that", "have", "has", "get", "at", "in", "on", "and", "not", "don't", "can't",
    "home", "hello", "hi", "mother", "father", "husband", "wife"})
_LATIN_WORD = re.compile(r"[A-Za-z']+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def english_sentence(speech: str) -> bool:
    """Whether words are an English sentence: no Chinese, and two English-only words."""
    if not speech or _CJK.search(speech):
        return False
    words = [w.lower() for w in _LATIN_WORD.findall(speech)]
    return sum(w in _ENGLISH_ONLY for w in words) >= 2
