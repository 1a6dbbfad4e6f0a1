"""How people say a division's name: its core (光明), its kind word (社区) and aliases."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pypinyin import lazy_pinyin

from directory.phonetic import readable

KNOWN_ALIASES_FILE = Path(__file__).with_name("data") / "place_aliases.csv"

# Official endings, longest first, with the word people actually say for each.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("社区居民委员", "社区"),
    ("社区村民委员会", "社区"),
    ("社区居委会", "社区"),
    ("社区委员会", "社区"),
    ("社区服务中心", "社区"),
    ("社区村委会", "社区"),
    ("居民委员会", "社区"),
    ("居民委员", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("居委会", "社区"),
    ("虚拟社区", "社区"),
    ("街道办事处", "街道"),
    ("管理委员会", ""),
    ("管委会", ""),
    ("服务中心", ""),
    ("街道", "街道"),
    ("社区", "社区"),
    ("自治州", "州"),
    ("自治县", "县"),
    ("自治区", ""),
    ("村", "村"),
    ("镇", "镇"),
    ("乡", "乡"),
    ("区", "区"),
    ("县", "县"),
    ("市", "市"),
    ("省", "省"),
)
# The words people say for a kind of division (街道, 社区, 村 …): never a place's name alone.
KIND_WORDS = frozenset(said for _, said in _SUFFIXES if said)
_PAREN = re.compile(r"[（(]([^）)]*)[）)]")


@dataclass(frozen=True)
class SpokenName:
    """The parts of an official name that callers say."""

    core: str
    kind: str
    aliases: tuple[str, ...]


def spoken(name: str, aliases: tuple[str, ...] | list[str] = ()) -> SpokenName:
    """Split an official name into core and kind word; a bracketed name becomes an alias."""
    extra = tuple(_PAREN.findall(name))
    base = _PAREN.sub("", name).strip()
    core, kind = base, ""
    for suffix, said in _SUFFIXES:
        # Keep at least two characters of core: 北村 stays 北村, not 北.
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            core, kind = base[: -len(suffix)], said
            break
    return SpokenName(core, kind, tuple(dict.fromkeys((*aliases, *extra))))


def reading(name: str, aliases: tuple[str, ...] | list[str] = ()) -> str:
    """The folded pinyin stored with a division: 'core|kind|alias;alias'."""
    parts = spoken(name, aliases)
    return "|".join((
        readable(parts.core, place_name=True),
        readable(parts.kind),
        ";".join(readable(a, place_name=True) for a in parts.aliases),
    ))


@dataclass(frozen=True)
class KnownAlias:
    """A name Hefei residents use for a division that is not its official name.

    relation "same": the alias names the division (高新区); "within": it names an area inside
    it or its predecessor with other borders (滨湖新区 in 包河区, 东市区 before 2002), so it is
    only ever confirmed."""

    alias: str
    relation: str


@cache
def known_aliases() -> dict[tuple[str, str], tuple[KnownAlias, ...]]:
    """The shipped aliases by (code, official name): both must match, so a directory whose
    codes mean other places gets none of them."""
    found: dict[tuple[str, str], tuple[KnownAlias, ...]] = {}
    with KNOWN_ALIASES_FILE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["code"], row["name"])
            found[key] = (*found.get(key, ()), KnownAlias(row["alias"], row["relation"]))
    return found


# What a provider or platform is, in English, longest first: an English voice cannot read
# characters, so a name is said as its place in pinyin and its kind in English words.
_KINDS_EN: tuple[tuple[str, str], ...] = (
    ("社会服务呼叫中心", "Social Service Call Center"), ("社会服务中心", "Social Service Center"),
    ("社会服务站", "Social Service Station"), ("社区卫生服务站", "Community Health Station"),
    ("家庭医生工作室", "Family Doctor Office"), ("老年食堂", "Seniors' Canteen"),
    ("助餐点", "Meal Point"), ("爱心送餐服务队", "Meal Delivery Team"),
    ("家政服务站", "Housekeeping Station"), ("助洁服务队", "Cleaning Team"),
    ("上门助浴服务队", "Home Bathing Team"), ("助浴服务点", "Bathing Point"),
    ("助行陪护服务队", "Escort Team"), ("无障碍出行服务点", "Accessible Transport Point"),
    ("康复训练室", "Rehabilitation Room"), ("残疾人康复站", "Disability Rehabilitation Station"),
    ("辅具租赁点", "Assistive Device Rental"), ("适老化改造服务点", "Home Adaptation Point"),
    ("日间照料中心", "Day Care Center"), ("托老所", "Day Care Home"),
    ("志愿者探访队", "Volunteer Visiting Team"), ("心理慰藉工作室", "Counselling Office"),
    ("便民服务窗口", "Service Window"), ("法律援助工作站", "Legal Aid Station"),
    ("便民维修服务部", "Repair Shop"), ("水电维修服务队", "Plumbing and Electrical Team"),
    ("服务中心", "Service Center"), ("服务站", "Service Station"), ("服务队", "Service Team"),
    ("服务点", "Service Point"), ("工作室", "Office"), ("食堂", "Canteen"),
)
_DISTRICT_THEN_MORE = re.compile(r"^(.+?(?<!社)[区县市])(.+)$")
_PLACE_KINDS_EN = {"区": "District", "县": "County", "市": "City", "街道": "Subdistrict",
                   "镇": "Town", "乡": "Township", "社区": "Community", "村": "Village"}


def english(name: str) -> str:
    """A division's or provider's name for an English voice: 三里庵街道 -> Sanlian Subdistrict,
    滨湖世纪社区老年食堂 -> Binhushiji Community Seniors' Canteen; ASCII names as they are."""
    if name.isascii():
        return name
    kind = ""
    for ending, words in _KINDS_EN:
        if name.endswith(ending) and len(name) > len(ending):
            name, kind = name[: -len(ending)], words
            break
    # A district before the place (包河区滨湖社区…) is said on its own; 社区's 区 is not one.
    split = _DISTRICT_THEN_MORE.match(name)
    parts = [split.group(1), split.group(2)] if split else [name]
    said_parts: list[str] = []
    for part in parts:
        said = spoken(part)
        pinyin = _joined(lazy_pinyin(said.core)).capitalize()
        place_kind = _PLACE_KINDS_EN.get(said.kind, "") if said.core != part else ""
        said_parts.append(f"{pinyin} {place_kind}".strip())
    return " ".join([*said_parts, kind]).strip()


def _joined(syllables: list[str]) -> str:
    """Syllables written as one word, with the apostrophe pinyin puts before a, o, e after the
    first (三里庵 Sanli'an, not Sanlian, which reads san-lian)."""
    return "".join(("'" if i and syllable[:1] in "aoe" else "") + syllable
                   for i, syllable in enumerate(syllables))
