"""Mandarin text as folded, toneless syllables, one symbol per syllable.

Speech recognizers write homophones (包和区 for 包河区) and Hefei speakers merge n/l and
-n/-ng; comparing the *sounds* catches what comparing characters misses. Each distinct folded
syllable becomes one private-use character, so rapidfuzz compares syllables, not letters.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_phrases_dict

# Readings that pypinyin's defaults get wrong in place names (长丰 is chang, 六安 is lu).
PLACE_READINGS: dict[str, str] = {
    "长丰": "cháng fēng",
    "长临河": "cháng lín hé",
    "长岗": "cháng gǎng",
    "长宁": "cháng níng",
    "长淮": "cháng huái",
    "长庄": "cháng zhuāng",
    "长郢": "cháng yǐng",
    "长冲": "cháng chōng",
    "长镇": "cháng zhèn",
    "长王": "cháng wáng",
    "长刘": "cháng liú",
    "长东": "cháng dōng",
    "长临": "cháng lín",
    "朝阳": "cháo yáng",
    "朝晖": "cháo huī",
    "朝霞": "cháo xiá",
    "六安": "lù ān",
    "蚌埠": "bèng bù",
    "柏堰": "bǎi yàn",
    "大圩": "dà wéi",
    "柘皋": "zhè gāo",
    "烔炀": "tóng yáng",
}
# In a place name an initial 长 or 朝 is read chang / chao (长岗, 朝阳门), whatever follows.
NAME_INITIAL_READINGS = {"长": "chang", "朝": "chao"}

load_phrases_dict({phrase: [[s] for s in reading.split()] for phrase, reading in
                   PLACE_READINGS.items()})

_HAN = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z]+|[0-9]")
_PRIVATE_USE = 0xE000


def fold(syllable: str) -> str:
    """Merge the sounds Hefei speakers and recognizers confuse: zh/z, ch/c, sh/s, n/l, -ng/-n."""
    s = syllable.lower()
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s.startswith("n") and not s.startswith("ng"):
        s = "l" + s[1:]
    if s.endswith("ng") and not s.endswith("ong") and len(s) > 2:
        s = s[:-1]
    return s


class _Alphabet:
    """One private-use character per folded syllable, shared by the whole process."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def symbol(self, syllable: str) -> str:
        code = self._codes.get(syllable)
        if code is None:
            with self._lock:
                code = self._codes.setdefault(syllable, chr(_PRIVATE_USE + len(self._codes)))
        return code


ALPHABET = _Alphabet()


@dataclass(frozen=True)
class Sounds:
    """A text as symbols (one per syllable) and the characters they came from, aligned."""

    symbols: str
    chars: str


def _readings(text: str, *, place_name: bool) -> list[tuple[str, str]]:
    """(character or word, folded reading) pairs for the Han characters, letters and digits."""
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    han = "".join(t for t in tokens if _HAN.match(t))
    pinyin = iter(lazy_pinyin(han, style=Style.NORMAL, errors="ignore", strict=False))
    pairs: list[tuple[str, str]] = []
    for index, token in enumerate(tokens):
        if _HAN.match(token):
            reading = next(pinyin, token)
            if place_name and index == 0 and token in NAME_INITIAL_READINGS:
                reading = NAME_INITIAL_READINGS[token]
            pairs.append((token, fold(reading)))
        else:
            pairs.append((token[:1], fold(token)))
    return pairs


@lru_cache(maxsize=65536)
def sounds(text: str, place_name: bool = False) -> Sounds:
    """Encode a text as syllable symbols aligned with its characters."""
    pairs = _readings(text, place_name=place_name)
    return Sounds("".join(ALPHABET.symbol(r) for _, r in pairs), "".join(c for c, _ in pairs))


def readable(text: str, place_name: bool = False) -> str:
    """The folded syllables of a text, space-separated (for people and debugging)."""
    return " ".join(r for _, r in _readings(text, place_name=place_name))
