"""How people say a division's name: its core (光明), its kind word (社区) and aliases."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
