"""A phonetic index: find which known names occur, by sound, inside what a caller said.

Names and utterances are syllable-symbol strings (see phonetic.py). Candidates come from an
inverted index of syllable pairs; only those are scored, with rapidfuzz's partial alignment
so a name is found inside a sentence. Character similarity breaks ties between homophones.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from directory.phonetic import ALPHABET, Sounds

# How many candidate forms are scored exactly per utterance.
CANDIDATES = 96
# A syllable pair shared by more names than this says little; it is used only as a last resort.
COMMON_GRAM = 5000
# A name heard only through a caller's polyphone read the way the name does not write it
# (我是长峒 heard as 十张) is less certain: the caller may have meant the other reading.
POLYPHONE_PENALTY = 8.0


@dataclass(frozen=True)
class Hit:
    """One entry found in an utterance: its best form's score and where it was heard."""

    entry: int
    score: float
    start: int
    end: int
    # True when the form heard was a whole name, not a shortened one (a core without kind).
    whole: bool = True
    # False when the form heard may be confirmed but never accepted (an area inside the place).
    sure: bool = True
    # False when the caller's characters are not the form's own (长峒 heard as 长东): the same
    # sounds may name a place the directory does not have.
    written: bool = True


def symbols_of(reading: str) -> str:
    """Symbols for a stored space-separated folded reading."""
    return "".join(ALPHABET.symbol(s) for s in reading.split())


class PhoneticIndex:
    """Forms (symbol strings with a penalty) of numbered entries, indexed by syllable pairs."""

    def __init__(self) -> None:
        self.form_symbols: list[str] = []
        self.form_chars: list[str] = []
        self.form_penalty: list[float] = []
        # Taken off when the characters heard are not the form's own (a short alias said by a
        # homophone: 高兴 for 高新).
        self.form_sound_penalty: list[float] = []
        self.form_sure: list[bool] = []
        self.form_entry: list[int] = []
        self.grams: dict[str, list[int]] = {}

    def add(self, entry: int, symbols: str, chars: str = "", penalty: float = 0.0, *,
            sound_penalty: float = 0.0, sure: bool = True) -> None:
        """Add one way of saying entry `entry`."""
        if not symbols:
            return
        form = len(self.form_symbols)
        self.form_symbols.append(symbols)
        self.form_chars.append(chars)
        self.form_penalty.append(penalty)
        self.form_sound_penalty.append(sound_penalty)
        self.form_sure.append(sure)
        self.form_entry.append(entry)
        for gram in _grams(symbols):
            self.grams.setdefault(gram, []).append(form)

    def search(self, said: Sounds, *, allowed: set[int] | None = None) -> dict[int, Hit]:
        """Score the likely forms inside `said`; best hit per entry."""
        hits: dict[int, Hit] = {}
        for n, symbols in enumerate((said.symbols, *said.readings)):
            # In another reading of the caller's polyphones only the names that have one of
            # the syllables it changes can score higher than in the first.
            changed = None if n == 0 else {
                i for i, (a, b) in enumerate(zip(symbols, said.symbols, strict=True)) if a != b}
            for form in self._candidates(symbols, changed):
                entry = self.form_entry[form]
                if allowed is not None and entry not in allowed:
                    continue
                hit = self._score(form, said, symbols)
                # On a tie the surer form, then the one that covers more of what was said
                # (新站高新区 rather than 新站 in it).
                if hit.score > 0 and (entry not in hits or _rank(hit) > _rank(hits[entry])):
                    hits[entry] = hit
        return hits

    def _candidates(self, symbols: str, changed: set[int] | None = None) -> list[int]:
        heard = _grams(symbols)
        if changed is not None:  # only the pairs that hold a changed syllable
            heard = [g for i, g in enumerate(heard) if i in changed or i + 1 in changed]
        # In the order heard (not a set's order, which changes with PYTHONHASHSEED): candidates
        # that tie keep that order, so the answer is the same in every process.
        grams = [g for g in dict.fromkeys(heard) if g in self.grams]
        rare = [g for g in grams if len(self.grams[g]) <= COMMON_GRAM]
        counts: Counter[int] = Counter()
        for gram in rare or grams:
            counts.update(self.grams[gram])
        # Rank by the share of the form's pairs that were heard: whole names first.
        ranked = heapq.nlargest(
            CANDIDATES, counts.items(),
            key=lambda item: item[1] / max(1, len(self.form_symbols[item[0]]) - 1),
        )
        return [form for form, _ in ranked]

    def _score(self, form: int, said: Sounds, heard: str) -> Hit:
        name = self.form_symbols[form]
        if len(name) <= len(heard):
            found = fuzz.partial_ratio_alignment(name, heard)
            if found is None:
                return Hit(self.form_entry[form], 0.0, 0, 0)
            score, start, end = found.score, found.dest_start, found.dest_end
        else:
            # A name longer than what was said cannot be wholly inside it.
            score, start, end = fuzz.ratio(name, heard), 0, len(heard)
        chars = self.form_chars[form]
        # Ties between homophones go to the name written with the same characters.
        tie = fuzz.ratio(chars, said.chars[start:end]) / 100 if chars else 0.0
        penalty = self.form_penalty[form]
        cost = penalty
        if self.form_sound_penalty[form] and chars != said.chars[start:end]:
            cost += self.form_sound_penalty[form]
        if said.polyphones and any(start <= i < end and said.chars[i] not in chars
                                   for i in said.polyphones):
            cost += POLYPHONE_PENALTY
        return Hit(self.form_entry[form], score - cost + tie, start, end, penalty == 0,
                   self.form_sure[form], _written(chars, said, start, end))


def _written(chars: str, said: Sounds, start: int, end: int) -> bool:
    """Whether the caller wrote the form's own characters (letters and digits always count)."""
    heard = said.chars[start:end]
    if not chars or heard == chars or len(heard) != len(chars):
        # A form heard only in part, or a name not written in Han characters: the score
        # already says how well it fits.
        return True
    return all(a == b or not _han(a) or not _han(b) for a, b in zip(heard, chars, strict=True))


def _han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _rank(hit: Hit) -> tuple[float, bool, int]:
    return hit.score, hit.sure, hit.end - hit.start


def _grams(symbols: str) -> list[str]:
    if len(symbols) == 1:
        return [symbols]
    return [symbols[i : i + 2] for i in range(len(symbols) - 1)]
