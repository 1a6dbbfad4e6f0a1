"""A corpus of what callers say, built from Hefei's real names (deterministic, seeded).

Places: short and long forms, inside sentences, with the district or street said first, and
with one or two characters replaced by a homophone (or an n/l, -n/-ng near-homophone) the way a
recognizer or a Hefei accent would. Needs: everyday words per category inside sentences, some
with a homophone. Each utterance carries the answer it should get.
"""

from __future__ import annotations

import csv
import hashlib
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
    part: str = ""     # for the cases of issue 15: "dev" or "test"


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


# --- Places said otherwise (issue 15): development zones, polyphones, pinyin and English -------
# These cases are split into a dev part (for tuning) and a test part (scored once at the end)
# by a seeded hash of their text, before any tuning.

ENGLISH_KINDS = {"区": "district", "县": "county", "街道": "street", "镇": "town",
                 "乡": "township", "社区": "community", "村": "village", "市": "city"}
# What the development zones are called in English (nobody says their pinyin in full).
ZONES_IN_ENGLISH = {"340176": "Gaoxin district", "340177": "Jingkai district",
                    "340178": "Xinzhan district"}
# The polyphonic characters whose readings callers' words must be tried both ways.
POLYPHONIC = "长朝重行乐柏圩"


def part_of(text: str, expected: str) -> str:
    """'dev' or 'test', by a seeded hash: fixed before tuning, independent of the matcher."""
    digest = hashlib.sha256(f"{SEED}:{text}:{expected}".encode()).digest()
    return "dev" if digest[0] < 128 else "test"


def _syllables(text: str, *, tones: bool = False, place_name: bool = True) -> list[str]:
    """Pinyin syllables of a name as a caller would write them (readings fixed for names)."""
    out = lazy_pinyin(text, style=Style.TONE if tones else Style.NORMAL)
    if place_name and text and text[0] in "长朝":
        out[0] = {"长": "cháng" if tones else "chang", "朝": "cháo" if tones else "chao"}[text[0]]
    return [s.replace("ü", "v") if not tones else s for s in out]


def _word(syllables: list[str]) -> str:
    """Syllables written as one word, with an apostrophe before a vowel (Sanli'an)."""
    out = ""
    for s in syllables:
        out += ("'" if out and s[:1] in "aeoāáǎàēéěèōóǒò" else "") + s
    return out


def _english_kind(kind: str) -> str:
    return ENGLISH_KINDS.get(kind, "")


def _new(text: str, expected: str, within: str, variant: str, kind: str = "place") -> Utterance:
    return Utterance(text, kind, expected, within, variant, part_of(text, expected))


def zones() -> list[Utterance]:
    """Development zones and renamed places by the names Hefei residents use."""
    said = {
        "340176": ["高新区", "高新", "合肥高新区", "我住在高新区", "我家在高新那边",
                   "Gaoxin district", "gaoxin qu", "Hefei High-tech Zone"],
        "340177": ["经开区", "经开", "我住经开区", "我家在经开", "经济开发区",
                   "Jingkai district", "jingkaiqu",
                   "Hefei Economic and Technological Development Zone"],
        "340178": ["新站区", "新站", "我住在新站区", "新站高新区", "我是新站的",
                   "Xinzhan district", "xinzhan qu", "新站试验区"],
        "340181": ["居巢区", "我住在居巢区"],
        "340111": ["滨湖新区", "我住在滨湖新区"],
        "340102": ["东市区"],
        "340103": ["中市区"],
        "340104": ["西市区"],
    }
    out = [_new(text, code, "", "zone") for code, texts in said.items() for text in texts]
    rng = random.Random(SEED + 2)
    rows = _divisions()
    zone_alias = {"340176": ["高新区", "高新"], "340177": ["经开区", "经开"],
                  "340178": ["新站区", "新站"]}
    for code, aliases in zone_alias.items():
        children = [r for r in rows if r["level"] == "4" and r["parent_code"] == code]
        for row in rng.sample(children, 3):
            short = spoken(row["name"]).core + spoken(row["name"]).kind
            out.append(_new(rng.choice(aliases) + short, row["code"], "", "zone-place"))
    return out


def polyphones() -> list[Utterance]:
    """Names with 长 朝 乐 柏 圩 … in sentences that make pypinyin read them otherwise."""
    rng = random.Random(SEED + 3)
    templates = ["我是{}的", "我住在{}", "{}", "我家是{}", "在{}这里"]
    out = []
    for row in _divisions():
        parts = spoken(row["name"])
        if row["level"] in ("3", "4", "5") and any(c in parts.core for c in POLYPHONIC):
            for template in rng.sample(templates, 2):
                out.append(_new(template.format(parts.core + parts.kind), row["code"],
                                row["code"][:6], "polyphone"))
    return out


def spelled() -> list[Utterance]:
    """Places written in pinyin (spaced, as words, with tones) and in English with kind words."""
    rng = random.Random(SEED + 4)
    rows = _divisions()
    by_code = {r["code"]: r for r in rows}
    chosen = [r for r in rows if r["level"] == "3"]
    chosen += rng.sample([r for r in rows if r["level"] in ("4", "5")], 45)
    out = []
    for row in chosen:
        code = row["code"]
        parts = spoken(row["name"])
        core, kind = _syllables(parts.core), _syllables(parts.kind, place_name=False)
        english = _english_kind(parts.kind)
        district = spoken(by_code[code[:6]]["name"])
        district_en = ZONES_IN_ENGLISH.get(code[:6]) or " ".join(filter(None, (
            _word(_syllables(district.core)).title(), _english_kind(district.kind))))
        forms = {
            "pinyin-spaced": " ".join(core + kind),
            "pinyin-word": " ".join(filter(None, (_word(core).title(), _word(kind).title()))),
            "pinyin-tones": " ".join(filter(None, (
                _word(_syllables(parts.core, tones=True)).title(),
                _word(_syllables(parts.kind, tones=True, place_name=False))))),
            "pinyin-core": _word(core),
        }
        if english:
            forms["english"] = f"{_word(core).title()} {english}"
            if len(code) > 6:
                forms["english-district"] = f"{_word(core).title()} {english}, {district_en}"
                forms["english-sentence"] = (f"I live in {_word(core).title()} {english} "
                                             f"in {district_en}")
        for variant in rng.sample(sorted(forms), min(4, len(forms))):
            out.append(_new(forms[variant], code, code[:6], variant))
    return out


# Said to the line, naming no Hefei place: nothing may be accepted.
NO_PLACE = [
    "I want to change my address", "Can you help me please", "Hello, is anyone there?",
    "My mother fell down and cannot get up", "I need someone to cook for me",
    "Where is the nearest hospital", "Thank you very much", "I am calling about my pension",
    "Please send me a text message", "How long will it take", "She is my daughter",
    "Can I speak to an operator", "The man next door is ill", "I live here",
    "What time do you open", "Sorry I did not hear you", "He has a bad leg",
    "We need a wheelchair", "Tell me the phone number", "My name is Wang", "I am an old man",
    "Are you open on Sunday", "I have no money for food", "Is there a bus to the city",
    "yes", "no", "OK", "repeat please", "operator", "English", "I live in a village",
    "my son lives in another district", "the community center is closed", "Shanghai",
    "Beijing Road", "China", "hang on a minute", "a man and a woman", "he she me",
    "我很高兴", "我是长峒社区的", "我是长沙的", "我想找人帮忙做饭", "经常开会", "你好",
]


def no_places() -> list[Utterance]:
    """Words that name no Hefei place: an accept is a wrong answer."""
    return [_new(text, "", "", "no-place", "noplace") for text in NO_PLACE]


def new_places() -> list[Utterance]:
    """Every case added for issue 15, each marked dev or test."""
    return zones() + polyphones() + spelled() + no_places()
