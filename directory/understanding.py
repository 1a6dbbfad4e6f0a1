"""Understanding callers: which place and which need their words name, and how sure we are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from directory.matcher import Hit, PhoneticIndex, symbols_of
from directory.names import KIND_WORDS, known_aliases, spoken
from directory.phonetic import Sounds, heard, sounds

Decision = Literal["accept", "confirm", "none"]

# Scores are 0-100 over syllables. A whole name heard (after folding homophones) is 100.
ACCEPT = 90.0
CONFIRM = 70.0
# The best answer must lead the next unrelated one by this much to be taken without asking.
MARGIN = 6.0
# Saying only the core (光明 for 光明社区) is a little less certain than core and kind word.
CORE_ONLY_PENALTY = 4.0
# Hearing an enclosing district or street elsewhere in the sentence supports a place.
ANCESTOR_BONUS = 8.0
# Nested places scoring this close are the same name said twice (巢湖市 / 巢湖村).
TWIN = 0.5
# Villages and communities (村/居委会): 1,773 of Hefei's names, where homophones abound.
VILLAGE = 5
# A short shipped alias (高新, 经开) heard by its sound, not its characters (高兴), is confirmed.
SHORT_ALIAS_SOUND_PENALTY = 12.0


@dataclass(frozen=True)
class Candidate:
    """One possible answer with its score."""

    code: str
    name: str
    score: float
    level: int = 0


@dataclass(frozen=True)
class Understood:
    """The best answer, how it was decided, and the runners-up."""

    best: Candidate | None
    decision: Decision
    alternatives: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True)
class DivisionRow:
    """What the place matcher needs of a division."""

    code: str
    name: str
    level: int
    reading: str
    aliases: tuple[str, ...] = ()


class PlaceMatcher:
    """Finds divisions in what callers say, by sound, preferring the caller's known area."""

    def __init__(self, rows: Iterable[DivisionRow]) -> None:
        self.codes: list[str] = []
        self.names: list[str] = []
        self.levels: list[int] = []
        self.by_code: dict[str, int] = {}
        self.index = PhoneticIndex()
        for row in rows:
            self._add(row)

    def __len__(self) -> int:
        return len(self.codes)

    def _add(self, row: DivisionRow) -> None:
        entry = len(self.codes)
        self.codes.append(row.code)
        self.names.append(row.name)
        self.levels.append(row.level)
        self.by_code[row.code] = entry
        parts = spoken(row.name, row.aliases)
        core_r, kind_r, alias_r = [*row.reading.split("|"), "", "", ""][:3]
        core, kind = symbols_of(core_r), symbols_of(kind_r)
        self.index.add(entry, core + kind, parts.core + parts.kind)
        # A core that is itself a kind word (巢湖's 街道社区居委会 has the core 街道) is never
        # said alone for that place: "… Subdistrict" or 街道 would find it.
        if kind and len(core) >= 2 and parts.core not in KIND_WORDS:
            self.index.add(entry, core, parts.core, CORE_ONLY_PENALTY)
        for alias, alias_reading in zip(parts.aliases, alias_r.split(";"), strict=False):
            self.index.add(entry, symbols_of(alias_reading), alias)
        # The shipped aliases (高新区, 经开区, 新站区, 居巢区 …) are read here, not stored, so a
        # database imported before they were shipped needs no new import.
        for known in known_aliases().get((row.code, row.name), ()):
            if known.alias in parts.aliases:
                continue
            said = sounds(known.alias, place_name=True)
            # An alias naming an area inside the division or its predecessor with other
            # borders (滨湖新区 in 包河区, 东市区) is confirmed, never accepted.
            self.index.add(
                entry, said.symbols, said.chars,
                sound_penalty=SHORT_ALIAS_SOUND_PENALTY if len(known.alias) <= 2 else 0.0,
                sure=known.relation == "same")

    def find(self, text: str, *, within: str | None = None) -> Understood:
        """The place named in `text`; inside `within` (a division code) first, then anywhere."""
        said = heard(text[:200])
        if not said.symbols:
            return Understood(None, "none")
        hits = self.index.search(said)
        if said.source.strip("h"):  # some of it in latin letters
            hits = {e: _capped(h, said) for e, h in hits.items()}
        if within:
            inside = {e: h for e, h in hits.items() if self.codes[e].startswith(within)}
            # In the caller's own district a homophone is most likely the recognizer's
            # spelling (包和 for 包河) and may be taken as said.
            result = self._decide(inside, by_sound=True)
            anywhere = self._decide(hits)
            # A place elsewhere said better than anything in the caller's district (a 包河
            # resident: 我住在蜀山区三里庵街道, not 包河's 同安街道 by its sound) is what they said.
            if (anywhere.decision == "accept" and anywhere.best is not None
                    and not anywhere.best.code.startswith(within)
                    and (result.best is None or anywhere.best.score > result.best.score)):
                return anywhere
            if result.decision != "none":
                return result
            return anywhere
        return self._decide(hits)

    def _decide(self, hits: dict[int, Hit], *, by_sound: bool = False) -> Understood:
        """Best answer and decision; `by_sound`: a name heard only by its sound may be accepted."""
        hits = _drop_shadowed(hits)
        if not hits:
            return Understood(None, "none")
        scores = {e: h.score + self._support(e, h, hits) for e, h in hits.items()}
        # On a tie a bare core (包公) most likely names the enclosing town, a whole name
        # (兴园社区, both a street and a community) the more local place.
        ranked = sorted(scores, key=lambda e: (
            -round(scores[e], 1), -self.levels[e] if hits[e].whole else self.levels[e],
            self.codes[e]))
        best = ranked[0]
        # Two nested places that sound exactly alike: ask which one, never guess.
        twins = [e for e in ranked[1:]
                 if self._related(best, e) and scores[best] - scores[e] < TWIN]
        rivals = twins + [e for e in ranked[1:] if not self._related(best, e)]
        margin = scores[best] - (scores[rivals[0]] if rivals else 0.0)
        decision: Decision = "none"
        # Anywhere in Hefei, a village or community heard only by its sound (长峒 for 长东:
        # a homophone, or a place the directory lacks) is confirmed, never taken as said;
        # districts and streets are few and well known, so 包和区 is the recognizer's 包河区.
        if (scores[best] >= ACCEPT and margin >= MARGIN and hits[best].sure
                and (hits[best].written or by_sound or self.levels[best] < VILLAGE)):
            decision = "accept"
        elif scores[best] >= CONFIRM:
            decision = "confirm"
        return Understood(
            self._candidate(best, scores[best]),
            decision,
            [self._candidate(e, scores[e]) for e in rivals[:4]],
        )

    def _support(self, entry: int, hit: Hit, hits: dict[int, Hit]) -> float:
        """Bonus for enclosing divisions heard elsewhere in the sentence (包河区…滨湖世纪社区)."""
        code, bonus = self.codes[entry], 0.0
        for other, other_hit in hits.items():
            if (other_hit.score >= ACCEPT and other != entry
                    and code.startswith(self.codes[other])
                    and (other_hit.end <= hit.start or other_hit.start >= hit.end)):
                bonus += ANCESTOR_BONUS
        return bonus

    def _related(self, a: int, b: int) -> bool:
        ca, cb = self.codes[a], self.codes[b]
        return ca.startswith(cb) or cb.startswith(ca)

    def _candidate(self, entry: int, score: float) -> Candidate:
        return Candidate(self.codes[entry], self.names[entry], round(min(score, 100.0), 1),
                         self.levels[entry])


def _capped(hit: Hit, said: Sounds) -> Hit:
    """A hit on words written in pinyin or English is accepted only when it spans whole words
    none of which is common English: "change" is not 长额, "he fei" is only confirmed."""
    source = said.source[hit.start:hit.end]
    if not source.strip("hx") or not hit.sure:
        return hit
    whole = (source[:1] not in "pf"
             and (hit.end >= len(said.source) or said.source[hit.end] not in "pf"))
    if whole and not any(s in "ef" for s in source):
        return hit
    return Hit(hit.entry, hit.score, hit.start, hit.end, hit.whole, sure=False,
               written=hit.written)


def tied(result: Understood, limit: int = 3) -> list[Candidate]:
    """Answers that fit the words exactly as well as the best one (光明社区 in three districts):
    the caller chooses among them instead of confirming a guess."""
    best = result.best
    if best is None or result.decision != "confirm":
        return []
    same = [a for a in result.alternatives if best.score - a.score < TWIN]
    return [best, *same][:limit] if same else []


def _drop_shadowed(hits: dict[int, Hit]) -> dict[int, Hit]:
    """Drop names heard only as part of a longer name (石集 inside 滨湖世纪社区)."""
    strong = [h for h in hits.values() if h.score >= ACCEPT]
    return {
        e: h for e, h in hits.items()
        if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
                   for o in strong)
    }


# The need matcher lives in directory/needs.py; these names stay importable from here.
from directory.needs import CategoryRow as CategoryRow  # noqa: E402
from directory.needs import NeedMatcher as NeedMatcher  # noqa: E402
