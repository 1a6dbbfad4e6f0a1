"""A corpus of what callers say, built from Hefei's real names (deterministic, seeded).

Places: short and long forms, inside sentences, with the district or street said first, and
with one or two characters replaced by a homophone (or an n/l, -n/-ng near-homophone) the way a
recognizer or a Hefei accent would. Needs: everyday words per category inside sentences, some
with a homophone. Each utterance carries the answer it should get.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from pypinyin import Style, lazy_pinyin

from directory.lexicon import HEFEI_DIVISIONS_FILE, categories
from directory.names import spoken
from directory.phonetic import fold

SEED = 20261127
PLACE_TEMPLATES = ["{}", "我住在{}", "我家在{}", "我是{}的", "我住{}那边", "地址是{}", "在{}这里"]
NEED_TEMPLATES = ["我想找人{}", "能不能帮我{}", "{}", "我需要{}", "家里老人要{}", "请问{}怎么办"]


@dataclass(frozen=True)
class Utterance:
    """One thing a caller says and the answer expected."""

    text: str
    kind: str          # "place" or "need"
    expected: str      # division code or category code
    within: str = ""   # the caller's district when known
    variant: str = ""


@cache
def _homophones() -> dict[str, list[str]]:
    """Common characters (GB2312 level 1) grouped by folded toneless reading."""
    groups: dict[str, list[str]] = defaultdict(list)
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                char = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            reading = lazy_pinyin(char, style=Style.NORMAL)[0]
            groups[fold(reading)].append(char)
    return groups


def _substitute(text: str, count: int, rng: random.Random) -> str:
    """Replace `count` characters with others that sound the same after folding."""
    chars = list(text)
    positions = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    rng.shuffle(positions)
    done = 0
    for i in positions:
        reading = fold(lazy_pinyin(chars[i], style=Style.NORMAL)[0])
        others = [c for c in _homophones().get(reading, []) if c != chars[i]]
        if others:
            chars[i] = rng.choice(others)
            done += 1
        if done == count:
            break
    return "".join(chars)


def _divisions() -> list[dict[str, str]]:
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def places(n_places: int = 60) -> list[Utterance]:
    """Place utterances: n_places places, several ways of saying each."""
    rng = random.Random(SEED)
    rows = _divisions()
    by_code = {r["code"]: r for r in rows}
    chosen = rng.sample([r for r in rows if r["level"] in ("4", "5")], n_places)
    out: list[Utterance] = []
    for row in chosen:
        code, name = row["code"], row["name"]
        parts = spoken(name)
        district = code[:6]
        short = parts.core + parts.kind
        township = spoken(by_code[code[:9]]["name"]) if len(code) == 12 else None
        forms = {
            "short": short,
            "core": parts.core,
            "official": name,
            "sentence": rng.choice(PLACE_TEMPLATES[1:]).format(short),
            "homophone-1": rng.choice(PLACE_TEMPLATES).format(_substitute(short, 1, rng)),
            "homophone-2": rng.choice(PLACE_TEMPLATES).format(_substitute(short, 2, rng)),
        }
        if township is not None:
            forms["with-street"] = township.core + township.kind + short
        for variant, text in forms.items():
            out.append(Utterance(text, "place", code, district, variant))
    return out


def needs() -> list[Utterance]:
    """Need utterances: every keyword of every category in a sentence, some misheard."""
    rng = random.Random(SEED + 1)
    out: list[Utterance] = []
    for category in categories():
        words = [w for w in category["keywords"] if not w.isascii()]
        for word in words:
            template = rng.choice(NEED_TEMPLATES)
            out.append(Utterance(template.format(word), "need", category["code"], "",
                                 "everyday"))
        for word in rng.sample(words, min(3, len(words))):
            out.append(Utterance(rng.choice(NEED_TEMPLATES).format(_substitute(word, 1, rng)),
                                 "need", category["code"], "", "homophone-1"))
    return out


# Written by hand the way a Mandarin recognizer mishears Hefei names (homophones, n/l, -n/-ng).
HANDWRITTEN = [
    ("我住在长丰县下糖镇", "340121106"), ("肥西上拍镇", "340123100"), ("三和镇", "340123101"),
    ("我在撮镇", "340122101"), ("通阳镇", "340181107"), ("哲高镇", "340181102"),
    ("骆港街道", "340111001"), ("包河区义成街道", "340111006"), ("我家在稻乡村", "340104002"),
    ("三笑口", "340103009"), ("荷叶递街道", "340104007"), ("南刚镇", "340104101"),
    ("兰岗镇", "340104101"), ("明光陆街道", "340102001"), ("常临河", "340122104"),
    ("滨湖世纪社区琼林社区", "340111400001"), ("桃花镇", "340123108"), ("双蹲镇", "340121105"),
    ("包工镇", "340122110"), ("我住在包和区滨湖时机社区", "340111400"),
]


def handwritten() -> list[Utterance]:
    """The hand-written place utterances, with the caller's district known."""
    return [Utterance(text, "place", code, code[:6], "handwritten") for text, code in HANDWRITTEN]


def corpus() -> list[Utterance]:
    """Every utterance of the benchmark."""
    return places() + handwritten() + needs()
