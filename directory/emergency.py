"""Whether a caller's words mean danger now: clear, uncertain or none, and of what kind.

Two readers, each covering the other's weakness:

* **Phrases with scopes** (`data/emergency_phrases.json`): Mandarin phrases matched by their
  characters and, from three characters up, by their folded sounds (就命啊 for 救命啊, 摔到了
  for 摔倒了); English as regular expressions. A phrase does not count when a negation (没有,
  不是, not) or a hypothesis (怕, 如果, in case) comes just before it, when it is in the past
  (上次, 去年, 以前, 中风过, last year) with nothing saying "now" in between, or when it is part of
  another word (煤气灶, 急救知识, 打不着火, 打我电话). *Instant* phrases (救命, 着火了, 喘不上气)
  decide at once, without the model; *cues* (摔了, 流血, fire) need the model to agree.
  A phrase may have a gap (液化气*漏 for 液化气罐好像漏了).
* **Calm words** (a service or a number asked for, 老毛病, 已经好了, 他应了) and a sign ruled
  out with none standing make a cue or the models alone need more danger, unless a word of
  now (现在, 突然, 刚才, 犯了, right now) is said outside them.
* **Meaning** (`data/emergency_model.npz`): a softmax classifier over the sentence vector of
  multilingual-e5-small (`directory.semantic`), trained by `scripts/train_emergency.py` on
  `data/emergency_train.tsv`, catches what no phrase names (他倒在地上一动不动, My husband
  collapsed). It reads the utterance without the clauses the scopes ruled out, so
  我没有摔倒，就是想找人帮忙做饭 is judged on 就是想找人帮忙做饭.

`assess` never raises and is safe to call from many threads at once.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from directory.phonetic import readable, sounds

log = logging.getLogger(__name__)

Decision = Literal["clear", "uncertain", "none"]

# Kinds of emergency the line tells apart (the task's and the operators' words for it).
KINDS = ("fall", "unconscious", "chest_pain", "breathing", "stroke", "bleeding", "burn",
         "poisoning", "fire", "gas", "trapped", "missing", "violence", "suicide", "other")
# Each kind as an operator reads it: Mandarin first, then English.
KIND_WORDS = {"fall": "跌倒 Fall", "unconscious": "昏迷 Unconscious",
              "chest_pain": "胸痛 Chest pain", "breathing": "呼吸困难 Breathing",
              "stroke": "中风 Stroke", "bleeding": "出血 Bleeding", "burn": "烧烫伤 Burn",
              "poisoning": "中毒 Poisoning", "fire": "火灾 Fire", "gas": "燃气泄漏 Gas leak",
              "trapped": "被困 Trapped", "missing": "走失 Missing person",
              "violence": "暴力 Violence", "suicide": "自杀风险 Suicide risk",
              "other": "紧急情况 Emergency"}

DATA = Path(__file__).with_name("data")
PHRASES_FILE = DATA / "emergency_phrases.json"
MODEL_FILE = DATA / "emergency_model.npz"
GRAMS_FILE = DATA / "emergency_grams.npz"
NEIGHBOURS_FILE = DATA / "emergency_neighbours.npz"

# When two kinds are named, the one that needs the fastest or most particular answer wins.
PRIORITY = ("suicide", "violence", "fire", "gas", "unconscious", "breathing", "stroke",
            "chest_pain", "bleeding", "poisoning", "trapped", "burn", "fall", "missing",
            "other")

# The models' danger (`danger_of`) needed on its own, and with a cue. Round 2 chose them in
# the gap the emergency2 dev part left. Round 3's `python -m scripts.train_emergency
# --calibrate` (each spent corpus judged by models trained without it) finds the fewest false
# alarms, 0.6 %, at every clear_at from 0.65 to 0.90 and uncertain_at from 0.55 to 0.70; on
# the emergency3 dev part the models alone put emergencies from 0.74 and traps (not calm)
# below 0.47, so they stay.
CLEAR_AT = 0.75
UNCERTAIN_AT = 0.60
CUE_CLEAR_AT = 0.50
# A cue the models find this unlikely is taken for words, not danger (help with my laundry).
CUE_NONE_BELOW = 0.45
# What a calm utterance (`_calm`, or a sign the scopes ruled out with nothing left standing)
# needs more on each of the four.
CALM_MARGIN = 0.15
# An instant sign or a cue told among other words stands only if the models find the whole
# utterance at least this dangerous (never for suicide): the sign is read in its place, the
# whole by what many writers' traps taught (round 5, chosen with nine writers held out in turn).
INSTANT_GATE = 0.3
CUE_GATE = 0.4
# Thoughts of suicide the models alone hear go to a person from here (the uncertain threshold
# for them): a false alarm there costs a conversation with the duty officer, not an ambulance,
# and such talk is often quiet (反正俺明天就不在了 scored 0.52). Round 6, on the training data
# and the new writers' dev parts: 0.50 for suicide alone added recall and no false alarm, 0.50
# for every kind added false alarms.
SUICIDE_AT = 0.50

# Characters read per utterance: a long text message is read up to here.
MAX_CHARS = 1000
# Characters a gapped phrase ("液化气*漏") allows between its two parts.
GAP = 4
# Characters between a negation and the phrase it negates (我并没有真的摔倒).
NEGATION_REACH = 4
# A clause this short holding a past marker (去年冬天，他摔了一跤) carries it to the next clause.
SHORT_CLAUSE = 6


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


@dataclass(frozen=True)
class _Phrase:
    kind: str
    instant: bool
    text: str                      # the phrase as written (characters, or a pattern)
    symbols: str | None            # its folded sounds, when matched by sound
    pattern: re.Pattern[str] | None  # English
    gap: re.Pattern[str] | None = None  # Mandarin "A*B": A, a few characters, then B


@dataclass(frozen=True)
class _Hit:
    phrase: _Phrase
    clause: int
    start: int
    end: int
    blocked: str | None            # negated, hypothetical, past, inside; None when it counts


@dataclass(frozen=True)
class _Rules:
    zh: tuple[_Phrase, ...]
    en: tuple[_Phrase, ...]
    not_after: dict[str, tuple[str, ...]]
    not_before: dict[str, tuple[str, ...]]
    negators: tuple[str, ...]
    hypothetical: tuple[str, ...]
    past: tuple[str, ...]
    past_after: tuple[str, ...]
    present: tuple[str, ...]
    en_negators: frozenset[str]
    en_hypothetical: re.Pattern[str]
    en_past: re.Pattern[str]
    en_present: re.Pattern[str]
    soft: tuple[str, ...]
    not_scope: tuple[str, ...]
    en_soft: re.Pattern[str]
    complaint: tuple[str, ...]
    complaint_except: tuple[str, ...]
    en_complaint: re.Pattern[str]
    en_complaint_except: re.Pattern[str]
    calm: tuple[str, ...]
    en_calm: re.Pattern[str]
    now: tuple[str, ...]
    en_now: re.Pattern[str]
    all_clear: tuple[str, ...]
    en_all_clear: re.Pattern[str]
    interrupt: tuple[str, ...]
    en_interrupt: re.Pattern[str]
    taken_back: tuple[str, ...]
    en_taken_back: re.Pattern[str]
    fiction: tuple[str, ...]
    en_fiction: re.Pattern[str]
    figures: tuple[str, ...]
    sealed_fire: dict[str, tuple[str, ...]]


# Characters read more than one way: the phrase is also matched by their other readings
# (着火 zhao huo, heard as 着伙 ze huo).
_READINGS = {"着": ("者", "找")}


def _words(items: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in items) + r")\b")


def _longest_first(words: list[str]) -> tuple[str, ...]:
    # 现在好好的 is one calm word, not 现在 (a now) beside 好好的: longer words are taken first.
    return tuple(sorted(words, key=len, reverse=True))


@cache
def _rules() -> _Rules:
    doc: dict[str, Any] = json.loads(PHRASES_FILE.read_text("utf-8"))
    zh: list[_Phrase] = []
    en: list[_Phrase] = []
    for kind, entry in doc["kinds"].items():
        for instant in (True, False):
            for raw in entry["instant" if instant else "cue"]:
                exact = raw.startswith("=")
                text = raw.lstrip("=")
                if "*" in text:
                    # 液化气*漏: 液化气罐好像漏了 names the leak with words between.
                    first, last = text.split("*", 1)
                    zh.append(_Phrase(kind, instant, text, None, None, re.compile(
                        re.escape(first) + f"[^{first[0]}]{{0,{GAP}}}?" + re.escape(last))))
                    continue
                variants = {text, *(text.replace(c, r) for c, rs in _READINGS.items()
                                    if c in text for r in rs)}
                for variant in sorted(variants):
                    heard = sounds(variant).symbols
                    by_sound = not exact and len(text) >= 3 and len(heard) == len(text)
                    if by_sound or variant == text:
                        zh.append(_Phrase(kind, instant, text, heard if by_sound else None,
                                          None))
            for pattern in entry["en_instant" if instant else "en_cue"]:
                en.append(_Phrase(kind, instant, pattern, None, re.compile(pattern)))
    return _Rules(
        tuple(zh), tuple(en),
        {k: tuple(v) for k, v in doc["not_after"].items()},
        {k: tuple(v) for k, v in doc["not_before"].items()},
        tuple(doc["negators"]), tuple(doc["hypothetical"]), tuple(doc["past"]),
        tuple(doc["past_after"]), tuple(doc["present"]), frozenset(doc["en_negators"]),
        _words(doc["en_hypothetical"]), _words(doc["en_past"]), _words(doc["en_present"]),
        tuple(doc["soft"]), tuple(doc["not_scope"]), _words(doc["en_soft"]),
        tuple(doc["complaint"]), tuple(doc["complaint_except"]),
        re.compile(doc["en_complaint"]), re.compile(doc["en_complaint_except"]),
        _longest_first(doc["calm"]), re.compile(doc["en_calm"]), tuple(doc["now"]),
        re.compile(doc["en_now"]), _longest_first(doc["all_clear"]),
        re.compile(doc["en_all_clear"]),
        tuple(doc["interrupt"]), re.compile(doc["en_interrupt"]),
        tuple(doc["taken_back"]), re.compile(doc["en_taken_back"]),
        tuple(doc["fiction"]), _words(doc["en_fiction"]), tuple(doc["figures"]),
        {k: tuple(v) for k, v in doc["sealed_fire"].items()},
    )


# Clause ends, and the words that start a new thought (我没有摔倒就是想…). Callers typing on a
# phone and the recognizer mark a pause in Mandarin with a space (救命啊 水管子坏了 厨房到处是水):
# a space beside a Han character ends a clause too, so a cry with an errand is seen as one.
_CLAUSE = re.compile(r"[，,。.!！?？;；、：:\n\r\t]+|但是|可是|不过|就是|只是|\bbut\b"
                     r"|(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])")
_HAN = re.compile(r"[\u3400-\u9fff]")
def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]


def _find_all(haystack: str, needle: str) -> list[int]:
    found: list[int] = []
    at = haystack.find(needle)
    while at >= 0 and needle:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def _occurs_before(chars: str, words: tuple[str, ...], end: int,
                   taken: list[tuple[int, int]]) -> list[int]:
    """Positions where one of `words` ends at or before `end`, outside every phrase found."""
    ends: list[int] = []
    for word in words:
        for at in _find_all(chars[:end], word):
            stop = at + len(word)
            if any(s < stop and at < e for s, e in taken):
                continue
            # 没 in 没人, 怕 in 害怕, 之前 in 十分钟之前: a longer word, no scope.
            if any(x.find(word) >= 0 and at >= x.find(word)
                   and chars.startswith(x, at - x.find(word)) for x in _rules().not_scope):
                continue
            ends.append(stop)
    return ends


def _zh_hits(clause: str, index: int, rules: _Rules, past_carried: bool) -> list[_Hit]:
    heard = sounds(clause)
    chars, symbols = heard.chars, heard.symbols
    found: dict[tuple[int, int, str], _Phrase] = {}
    denied: set[tuple[int, int, str]] = set()
    for phrase in rules.zh:
        if phrase.gap is not None:
            for m in phrase.gap.finditer(chars):
                key = (m.start(), m.end(), phrase.kind)
                found.setdefault(key, phrase)
                # 煤气没漏: a negation between the parts negates the whole (and its clause).
                if any(n in m.group() for n in rules.negators):
                    denied.add(key)
            continue
        starts = set(_find_all(chars, phrase.text))
        if phrase.symbols:
            starts.update(_find_all(symbols, phrase.symbols))
        for start in starts:
            found.setdefault((start, start + len(phrase.text), phrase.kind), phrase)
    if not found:
        return []
    # A phrase inside a longer one of the same kind is the same sign (摔倒 in 摔倒了).
    spans = sorted(found, key=lambda k: (k[0], -(k[1] - k[0])))
    kept = [k for k in spans
            if not any(o != k and o[0] <= k[0] and k[1] <= o[1] and o[2] == k[2] for o in spans)]
    taken = [(s, e) for s, e, _ in kept]
    hits: list[_Hit] = []
    for start, end, kind in kept:
        phrase = found[(start, end, kind)]
        blocked = ("negated" if (start, end, kind) in denied
                   else _zh_block(chars, start, end, phrase, rules, taken, past_carried))
        hits.append(_Hit(phrase, index, start, end, blocked))
    return hits


def _zh_block(chars: str, start: int, end: int, phrase: _Phrase, rules: _Rules,
              taken: list[tuple[int, int]], past_carried: bool) -> str | None:
    for key, words in rules.not_after.items():
        if key in phrase.text and any(chars.startswith(w, end) for w in words):
            return "inside"
    for key, words in rules.not_before.items():
        if key in phrase.text and any(chars[:start].endswith(w) for w in words):
            return "inside"
    if any(start - stop <= NEGATION_REACH
           for stop in _occurs_before(chars, rules.negators, start, taken)):
        return "negated"
    # Fearing a suicide (我怕她想不开) is reason enough to put a person on the line; a story
    # (电视剧里演个老头上吊) is not.
    scope = rules.fiction if phrase.kind == "suicide" else rules.hypothetical
    if _occurs_before(chars, scope, start, taken):
        return "hypothetical"
    if chars.startswith("过", end) and not chars.startswith(("过去", "过来"), end):
        return "past"
    if any(chars.find(w, end) >= 0 for w in rules.past_after):
        return "past"
    pasts = _occurs_before(chars, rules.past, start, taken)
    nows = _occurs_before(chars, rules.present, start, taken)
    last_past = max(pasts, default=-1)
    if past_carried and not nows:
        return "past"
    if last_past >= 0 and not any(n > last_past for n in nows):
        return "past"
    return None


# "After I burned my hand I can't cook": what follows "after I" is what happened before.
_EN_AFTER = re.compile(r"\b(after|since) (i|we|he|she)\b")
_ABILITY = re.compile(r"\b(can'?t|cannot|won'?t|couldn'?t)\b")


# "He has had a heart condition for years and he's collapsed": a new subject after "and" or
# "so" starts what the past marker before it does not reach.
_EN_PART = re.compile(r"\b(?:and|so) (?=(?:he|she|i|we|they|my|his|her|now)\b)")
_EN_THEN_NOW = re.compile(r"\b(?:and|so|but) now\b")


def _en_past_at(clause: str, at: int, rules: _Rules) -> bool:
    """Whether the part of `clause` holding position `at` is in the past (nothing says now)."""
    if rules.en_present.search(clause) is not None:
        return False
    starts = [0] + [m.end() for m in _EN_PART.finditer(clause)]
    start = max(s for s in starts if s <= at)
    ends = [s for s in starts if s > at]
    return rules.en_past.search(clause[start:ends[0] if ends else len(clause)]) is not None


def _en_hits(clause: str, index: int, rules: _Rules) -> list[_Hit]:
    hits: list[_Hit] = []
    for phrase in rules.en:
        assert phrase.pattern is not None
        for m in phrase.pattern.finditer(clause):
            past = _en_past_at(clause, m.start(), rules)
            before = clause[:m.start()].split()[-3:]
            blocked: str | None = None
            # "can't" and "won't" say what the danger is (can't breathe, can't catch his
            # breath), not that it is not.
            if any(w.strip(",.!?") in rules.en_negators or w.endswith("n't")
                   for w in before) and not _ABILITY.search(" ".join(before)):
                blocked = "negated"
            elif (rules.en_fiction if phrase.kind == "suicide"
                  else rules.en_hypothetical).search(clause[:m.start()]):
                blocked = "hypothetical"
            elif past or (_EN_AFTER.search(clause[:m.start()])
                          and rules.en_present.search(clause) is None):
                blocked = "past"
            hits.append(_Hit(phrase, index, m.start(), m.end(), blocked))
    return hits


def _read(text: str) -> tuple[list[str], list[_Hit], set[int]]:
    """The clauses, every phrase found in them, and the clauses the scopes rule out."""
    rules = _rules()
    clauses = _clauses(text)
    hits: list[_Hit] = []
    ruled_out: set[int] = set()
    past_carried = False
    for index, clause in enumerate(clauses):
        if _HAN.search(clause) and _figure_only(clause, rules):
            ruled_out.add(index)
            past_carried = False
            continue
        if _HAN.search(clause):
            found = _zh_hits(clause, index, rules, past_carried)
            chars = sounds(clause).chars
            taken = [(h.start, h.end) for h in found]
            pasts = _occurs_before(chars, rules.past, len(chars), taken)
            nows = _occurs_before(chars, rules.present, len(chars), taken)
            in_past = (bool(pasts) and not any(n > max(pasts) for n in nows)) or (
                past_carried and not nows)
            past_carried = bool(pasts) and len(chars) <= SHORT_CLAUSE and not found
            then_now = False
        else:
            found = _en_hits(clause, index, rules)
            # ate the mushrooms yesterday and now he's throwing up: the clause comes to now,
            # so the models read it whole (the sign told in the past still does not count).
            then_now = _EN_THEN_NOW.search(clause) is not None
            in_past = (rules.en_past.search(clause) is not None
                       and rules.en_present.search(clause) is None
                       and not any(h.blocked is None for h in found)) and not then_now
            past_carried = False
        hits.extend(found)
        # A phrase inside another word (老鼠咬断, 煤气灶) only does not count; a negation, a
        # hypothesis or the past rules its whole clause out of what the models read.
        if in_past or any(h.blocked not in (None, "inside")
                          and not (h.blocked == "past" and then_now) for h in found) or (
                _complaint(clause, rules) and not any(h.blocked is None for h in found)):
            ruled_out.add(index)
    return clauses, hits, ruled_out


# What may stand beside a figure of speech in a clause that says nothing else (把我气死了).
_FIGURE_FILLER = re.compile(r"[我你他她真都快要简直太可把给是的了啊呀哎唉嗯哦\s，,。.!！?？…~]+")


def _figure_only(clause: str, rules: _Rules) -> bool:
    """The clause is a figure of speech and nothing else (气死我了, 累死了)."""
    rest = clause
    for figure in rules.figures:
        rest = rest.replace(figure, "，")
    return rest != clause and not _FIGURE_FILLER.sub("", rest)


def _complaint(clause: str, rules: _Rules) -> bool:
    """The clause says a service did not come (送饭的没来, the carer didn't turn up).

    That is a complaint to pass on, not danger, and the vector model alone heard "nobody came"
    as someone missing; an ambulance or the police not coming is no complaint (it stays read).
    """
    if _HAN.search(clause):
        return (any(w in clause for w in rules.complaint)
                and not any(w in clause for w in rules.complaint_except))
    return (rules.en_complaint.search(clause) is not None
            and rules.en_complaint_except.search(clause) is None)


def _cry_with_errand(clauses: list[str], hit: _Hit, hits: list[_Hit]) -> bool:
    """A bare cry for help (救救我, help me) said with something else that names no danger.

    "救救我吧，我家水管一直滴水" and "help, my wheelchair tyre is flat" ask for a service; the
    cry alone, or with a danger named, stays instant. Said with an errand, it is a cue.
    """
    # Someone heard crying for help (有人在喊救命) is no errand of the caller's.
    if hit.phrase.kind != "other" or hit.phrase.text.startswith(("喊", "叫")):
        return False
    # Any sign of a danger in the other words keeps the cry instant (I can't catch my breath,
    # please help); a sign ruled out (我没摔倒, 打不着火) is none.
    named = {h.clause for h in hits if h.blocked is None}
    return any(i not in named and len(sounds(c).chars) >= 4 for i, c in enumerate(clauses))


def _now(clause: str) -> bool:
    """The clause says the sign is happening now (突然, 刚才, 又, suddenly, right now)."""
    rules = _rules()
    return (any(w in clause for w in rules.present) or rules.en_present.search(clause) is not None
            or _interrupted_at(clause) is not None)


# Words that start another matter (想问一下饭能不能晚点送，还有我厨房液化气罐好像漏了).
_ANOTHER = re.compile(r"^(还有|另外|对了|再就是|and also|also|oh and)")


def _asking_in(clauses: list[str]) -> list[bool]:
    """For each clause, whether the matter it belongs to asks about a danger (`_asking`).

    A question asked first does not make a danger told after 还有 or 另外 a question too.
    """
    matters: list[list[int]] = []
    for i, clause in enumerate(clauses):
        if not matters or _ANOTHER.match(clause):
            matters.append([])
        matters[-1].append(i)
    asking = [False] * len(clauses)
    for matter in matters:
        said = "，".join(clauses[i] for i in matter)
        for i in matter:
            asking[i] = _asking(said)
    return asking


def _asking(text: str) -> bool:
    rules = _rules()
    return any(w in text for w in rules.soft) or rules.en_soft.search(text) is not None


def _calm(text: str) -> bool:
    """Calm words (a service or a number asked for, a chronic condition, an all-clear) and no now.

    我喘是老毛病了，想租个氧气机 and 我叫了他两声他应了 make what the models alone hear less
    likely to be danger now; 现在, 突然, 刚才, 犯了, right now said outside those words (现在好了
    is calm) undo it, so an emergency is never missed for a calm word beside a clear now.
    """
    rules = _rules()
    return _said_without_now(text, rules.calm, rules.en_calm)


def _all_clear(text: str) -> bool:
    """Words saying the danger has passed (就醒了, it was fixed), none negated, and no now."""
    rules = _rules()
    return _said_without_now(text, rules.all_clear, rules.en_all_clear)


def _said_without_now(text: str, words: tuple[str, ...], en_words: re.Pattern[str]) -> bool:
    """One of `words` said and not negated, and no word of now after the first of them."""
    rest, first = text, len(text)
    for word in words:  # longest first (`_longest_first`)
        for at in _find_all(rest, word):
            # 叫她也不答应了, 还没醒了: a word negated is not said; nor one only thought
            # (我以为是误报，结果真闻到煤气味了), nor one that was so until now (下午还好好的).
            if not rest[:at].endswith(("不", "没", "没有", "还没", "不是", "以为", "以为是",
                                       "还")):
                first = min(first, at)
        rest = rest.replace(word, "，" * len(word))
    for match in en_words.finditer(rest):
        first = min(first, match.start())
    if first == len(text):
        return False
    rest = en_words.sub(lambda m: "," * len(m.group()), rest)
    # A word of now before the calm words tells when the sign came (刚才晕了一下，现在好了);
    # one after them undoes the calm (没事了，刚才又晕了).
    return not _calm_undone(rest[first:])


def _taken_back(text: str) -> bool:
    """The caller says the words were not meant (是气话, 口头禅, joking), unnegated (不是开玩笑)."""
    rules = _rules()
    for word in rules.taken_back:
        for at in _find_all(text, word):
            if not text[max(0, at - 3):at].endswith(("不是", "没", "没有", "不", "没在")):
                return True
    return any(not text[max(0, m.start() - 6):m.start()].rstrip().endswith(("not", "n't", "no"))
               for m in rules.en_taken_back.finditer(text))


def _calm_undone(text: str) -> bool:
    """A word of now anywhere (突然, 刚才, right now, or a break such as 哎呀, 等一下)."""
    rules = _rules()
    return (any(w in text for w in rules.now) or rules.en_now.search(text) is not None
            or _interrupted_at(text) is not None)


def _interrupted_at(text: str) -> int | None:
    """Where the words after the last break (哎呀, 等一下, oh no) begin, if there is one."""
    rules = _rules()
    ends = [at + len(w) for w in rules.interrupt for at in _find_all(text, w)]
    ends += [m.end() for m in rules.en_interrupt.finditer(text)]
    return max(ends) if ends else None


def _after_interruption(text: str) -> str:
    """What is said after the last break, when there is enough of it to judge (else "")."""
    at = _interrupted_at(text)
    if at is None:
        return ""
    tail = text[at:].strip(" ，,。.!！?？…、")
    return tail if len(sounds(tail).chars) >= SHORT_CLAUSE or len(tail.split()) >= 4 else ""


def _pick(hits: list[_Hit]) -> _Hit:
    return min(hits, key=lambda h: (not h.phrase.instant, PRIORITY.index(h.phrase.kind),
                                    -(h.end - h.start)))


_WORD = re.compile(r"[a-z']+")


def grams(text: str) -> set[str]:
    """The features the character model reads: 1-3 character grams, English words, syllables.

    Syllables (folded pinyin, single and in pairs) make a recognizer's homophone (就命, 昏到,
    没气味) the same feature as the word it stands for.
    """
    said = _normalise(text)
    out: set[str] = set()
    for n in (1, 2, 3):
        for i in range(len(said) - n + 1):
            gram = said[i:i + n]
            if gram.strip():
                out.add(gram)
    out.update("w:" + w for w in _WORD.findall(said))
    if _HAN.search(said):
        syllables = readable("".join(_HAN.findall(said))).split()
        out.update("s:" + s for s in syllables)
        out.update(f"s:{a} {b}" for a, b in itertools.pairwise(syllables))
    return out


@dataclass(frozen=True)
class CharGrams:
    """Logistic regression of danger (any emergency against none) over `grams` of a text.

    It sees the words themselves where the sentence vector sees a blur of meaning (煤气 and
    没来 weigh what the training sentences taught); averaged with the vector model's danger it
    separates emergencies from traps better than either (docs/emergency.md).
    """

    weights: dict[str, float]
    bias: float

    def danger(self, text: str) -> float:
        """Probability that `text` is an emergency."""
        found = [self.weights[g] for g in grams(text) if g in self.weights]
        # Each text's features are scaled to unit length, as in training.
        z = self.bias + (sum(found) / math.sqrt(len(found)) if found else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        """Write the features and their weights as a small .npz."""
        import numpy as np

        names = sorted(self.weights)
        np.savez_compressed(path, grams=np.array(names),
                            weights=np.array([self.weights[g] for g in names], np.float32),
                            bias=np.array([self.bias], np.float32))

    @classmethod
    def load(cls, path: Path) -> CharGrams:
        """Read a model written by `save`."""
        import numpy as np

        with np.load(path) as data:
            return cls({str(g): float(w) for g, w in zip(data["grams"], data["weights"],
                                                         strict=True)},
                       float(data["bias"][0]))


@dataclass(frozen=True)
class Neighbours:
    """Danger as the training sentences nearest in meaning say: a similarity-weighted vote.

    Where the linear model draws one boundary for all, a near training sentence settles its
    own neighbourhood (I'd like to make a will sits by a will, not by a suicide).
    """

    vectors: Any                   # training sentence vectors, rows (float32)
    emergency: Any                 # 1.0 for an emergency, 0.0 for none
    weights: Any                   # each sentence's weight (labels balanced as in training)
    k: int = 10
    temperature: float = 0.02

    def danger(self, vector: Any) -> float:
        """Probability of an emergency among the `k` nearest training sentences."""
        import numpy as np

        from directory.semantic import similarities

        similarity = similarities(self.vectors, vector)
        k = min(self.k, len(similarity))
        if k == 0:
            return 0.0
        near = np.argpartition(-similarity, k - 1)[:k]
        vote = np.exp((similarity[near] - similarity[near].max()) / self.temperature)
        vote = vote * self.weights[near]
        return float((vote * self.emergency[near]).sum() / vote.sum())

    def save(self, path: Path) -> None:
        """Write the vectors (half precision: the vote needs no more) and their labels."""
        import numpy as np

        np.savez_compressed(path, vectors=self.vectors.astype(np.float16),
                            emergency=self.emergency.astype(np.float32),
                            weights=self.weights.astype(np.float32),
                            settings=np.array([self.k, self.temperature], np.float32))

    @classmethod
    def load(cls, path: Path) -> Neighbours:
        """Read what `save` wrote."""
        import numpy as np

        with np.load(path) as data:
            k, temperature = (float(x) for x in data["settings"])
            return cls(data["vectors"].astype(np.float32), data["emergency"],
                       data["weights"], int(k), temperature)


class _Model:
    """The trained classifiers, loaded once per process (None where one cannot be)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._classifier: Any = None
        self._grams: CharGrams | None = None
        self._neighbours: Neighbours | None = None

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                from directory.semantic import Classifier

                self._classifier = Classifier.load(MODEL_FILE)
            except Exception:  # a missing or broken file: the phrases still answer
                log.exception("emergency model not loaded from %s", MODEL_FILE)
            try:
                self._grams = CharGrams.load(GRAMS_FILE)
            except Exception:  # the vector model alone still answers
                log.exception("emergency character model not loaded from %s", GRAMS_FILE)
            try:
                self._neighbours = Neighbours.load(NEIGHBOURS_FILE)
            except Exception:  # the other two still answer
                log.exception("emergency neighbours not loaded from %s", NEIGHBOURS_FILE)
            self._loaded = True

    def get(self) -> Any:
        if not self._loaded:
            self._load()
        return self._classifier

    def grams(self) -> CharGrams | None:
        if not self._loaded:
            self._load()
        return self._grams

    def neighbours(self) -> Neighbours | None:
        if not self._loaded:
            self._load()
        return self._neighbours

    def use(self, classifier: Any, chars: CharGrams | None,
            neighbours: Neighbours | None) -> None:
        """Answer with these models instead of the files (cross-validation)."""
        with self._lock:
            self._classifier, self._grams, self._neighbours = classifier, chars, neighbours
            self._loaded = True


_MODEL = _Model()


def danger_of(probabilities: dict[str, float], text: str) -> float:
    """P(emergency): the mean of the vector model's, the characters' and the neighbours'."""
    votes = [1.0 - probabilities.get("none", 0.0)]
    chars = _MODEL.grams()
    if chars is not None:
        votes.append(chars.danger(text))
    neighbours = _MODEL.neighbours()
    if neighbours is not None:
        from directory.semantic import embed

        votes.append(neighbours.danger(embed(text)))  # the vector `meaning` just cached
    return sum(votes) / len(votes)


def meaning(text: str) -> dict[str, float] | None:
    """The model's probability of each kind and of `none` for `text` (None if unavailable)."""
    classifier = _MODEL.get()
    if classifier is None or not text.strip():
        return None
    from directory.semantic import embed

    probabilities: dict[str, float] = classifier.probabilities(embed(text))
    return probabilities


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    return text.replace("’", "'").replace("‘", "'")


def assess(text: str) -> Alarm:
    """The emergency in `text`, if any. Never raises."""
    try:
        return _assess(text if isinstance(text, str) else str(text))
    except Exception:  # never let understanding stop a call; phrases alone, then nothing
        log.exception("emergency assessment failed")
        try:
            return _assess(text, use_model=False)
        except Exception:
            return NONE


@dataclass(frozen=True)
class Thresholds:
    """Where the models' danger turns into a decision (calibration tries others)."""

    clear_at: float = CLEAR_AT
    uncertain_at: float = UNCERTAIN_AT
    cue_clear_at: float = CUE_CLEAR_AT
    cue_none_below: float = CUE_NONE_BELOW
    calm_margin: float = CALM_MARGIN
    instant_gate: float = INSTANT_GATE
    cue_gate: float = CUE_GATE
    suicide_at: float = SUICIDE_AT


SHIPPED = Thresholds()


@dataclass(frozen=True)
class Evidence:
    """What the readers found in one utterance, before any threshold.

    `settled` is the verdict when no threshold matters (an instant phrase, everything ruled
    out, no model); otherwise `danger` is the models' and `cue` says whether a phrase hinted.
    """

    settled: Alarm | None
    cue: bool = False
    danger: float = 0.0
    now: bool = False
    kind: str | None = None
    why: str = ""
    calm: int = 0                  # reasons to be calm (`_calm`, a sign ruled out): 0, 1 or 2
    # A sign of another kind was ruled out and none of suicide found (没出血 就手背青了一块):
    # the models' "suicide" there is the shape of a denial, not talk of dying.
    other_denied: bool = False
    # The caller said the words were not meant (是吓唬他的, by accident): a reason to be calm,
    # and suicide's lower threshold does not apply.
    taken_back: bool = False
    whole: float | None = None     # the models' danger of all that was said (the gates)
    # A fire burns in a sealed room (`_sealed_fire`): never less than the one-key question.
    ask: str = ""


def decide(evidence: Evidence, thresholds: Thresholds = SHIPPED) -> Alarm:
    """The verdict the evidence gives at `thresholds`."""
    alarm = _decide(evidence, thresholds)
    if evidence.ask and alarm.decision == "none":
        return Alarm("uncertain", "gas", 0.5, f"{alarm.why} sealed:{evidence.ask}".strip())
    return alarm


def _decide(evidence: Evidence, thresholds: Thresholds) -> Alarm:
    t, whole = thresholds, evidence.whole
    if evidence.settled is not None:
        settled = evidence.settled
        if (settled.decision == "clear" and whole is not None and whole < t.instant_gate
                and settled.kind != "suicide"):
            # 昨晚心口疼了一阵，去医院看过了，医生说没事: the sign is there, the whole is no danger.
            return Alarm("none", None, round(whole, 3), f"{settled.why} whole:{whole:.2f}")
        return settled
    danger = evidence.danger
    if (evidence.cue and whole is not None and whole < t.cue_gate
            and evidence.kind != "suicide"):
        return Alarm("none", None, round(whole, 3), f"{evidence.why} whole:{whole:.2f}")
    suicide = (evidence.kind == "suicide" and not evidence.other_denied
               and not evidence.taken_back)
    if evidence.calm and not suicide:
        # Each reason adds the margin: "not unconscious" and "he answered me" are two. Not for
        # suicide: 不用了，没事 is how such talk sounds (反正俺明天就不在了), not a reason to relax.
        m = t.calm_margin * evidence.calm
        t = replace(t, clear_at=t.clear_at + m, uncertain_at=t.uncertain_at + m,
                    cue_clear_at=t.cue_clear_at + m, cue_none_below=t.cue_none_below + m)
    if evidence.cue:
        # A weak cue said with 又 or today stays alive, unless the words are calm (then only a
        # strong now, which undoes calm, would): I burned the rice again, deliver dinner.
        if danger < t.cue_none_below and (not evidence.now or evidence.calm):
            return Alarm("none", None, round(danger, 3), evidence.why)
        decision: Decision = "clear" if danger >= t.cue_clear_at else "uncertain"
        return Alarm(decision, evidence.kind, round(max(danger, 0.5), 3), evidence.why)
    if danger >= t.clear_at:
        return Alarm("clear", evidence.kind, round(danger, 3), evidence.why)
    if danger >= (t.suicide_at if suicide else t.uncertain_at):
        return Alarm("uncertain", evidence.kind, round(danger, 3), evidence.why)
    return Alarm("none", None, round(danger, 3), evidence.why)


# Said right after a sign, these make it the time since (中风以后手脚不利索，想做康复) or a
# time when (心口疼的时候含一粒), not now: such a sign is a cue, and the models judge the whole.
_SINCE = ("以后", "之后", "后", "时候")


# What may stand between the sign and 以后 (困在电梯里以后, 摔了以后, 中风过后).
_SINCE_FILLER = re.compile(r"^[里了过的那]{0,2}")


def _since(clauses: list[str], hit: _Hit) -> bool:
    """Whether an instant sign is told as the start of a time since (中风以后, 困在电梯里以后)."""
    return _SINCE_FILLER.sub("", clauses[hit.clause][hit.end:], count=1).startswith(_SINCE)


# Said right after a sign, these tell a spell that ended (心口疼了一阵, 晕了一下): a cue, and the
# models judge the whole (昨晚心口疼了一阵，去医院看过了 against 疼了一阵又疼起来了).
_SPELL = re.compile(r"^了?(一阵|一会|一下|两下|几下|半天)")


def _spell(clauses: list[str], hit: _Hit) -> bool:
    """Whether an instant sign is told as a spell that ended (心口疼了一阵, 晕了一下)."""
    return _SPELL.match(clauses[hit.clause][hit.end:]) is not None


def _assess(text: str, *, use_model: bool = True) -> Alarm:
    return decide(evidence(text, use_model=use_model))


# An utterance of nothing but sounds the recognizer spells as interjections.
_NOISE = re.compile(r"[\s呜啊嗯哦喔噢呃额唉哎喂哈嘿呀哇嗷，,。.!！?？…~～-]+")


def evidence(text: str, *, use_model: bool = True) -> Evidence:
    """What the phrases, their scopes and the models find in `text` (may raise)."""
    said = _normalise(text)
    clauses, hits, ruled_out = _read(said)
    found = _evidence(text, said, clauses, hits, ruled_out, use_model=use_model)
    sealed = _sealed_fire(clauses, ruled_out)
    return replace(found, ask=sealed) if sealed else found


def _evidence(text: str, said: str, clauses: list[str], hits: list[_Hit], ruled_out: set[int],
              *, use_model: bool) -> Evidence:
    if not clauses or (not hits and _NOISE.fullmatch(said)):
        # 呜呜呜, 嗯嗯: sounds, not words; the models learnt words (the line asks again).
        return Evidence(NONE)
    live = [h for h in hits if h.blocked is None]
    # Asking about a danger (中毒了怎么处理，有没有讲座; how to treat a burn) is not being in one:
    # there phrases are only cues, and the model judges the whole.
    asking = _asking_in(clauses)
    instant = [h for h in live if h.phrase.instant and not asking[h.clause]
               and not _cry_with_errand(clauses, h, hits) and not _since(clauses, h)
               and not _spell(clauses, h) and not _denied_later(h, hits)]
    if instant and (_all_clear(said) or _taken_back(said)):
        # 她没昏，叫不醒是耳朵背，拍了拍就醒了: the sign is told with its end; 他说不想活是气话:
        # taken back. The models judge.
        instant = []
    if instant:
        best = _pick(instant)
        kind = best.phrase.kind
        if kind == "other":
            # 救命，有人进我家了: the cry decides, the other words say what it is.
            named = [h for h in live if h.phrase.kind != "other"]
            if named:
                kind = _pick(named).phrase.kind
        # A sign said alone (救命, 着火了), or last (a question, then 他吐血了), is never
        # second-guessed; with words after it, which may take it back, the whole is judged too
        # (the gate in `decide`).
        last = max(h.clause for h in instant)
        whole = _whole(text, said) if use_model and _words_after(clauses, last) else None
        return Evidence(Alarm("clear", kind, 1.0, f"phrase:{_shown(clauses, best)}"),
                        whole=whole)
    kept = [c for i, c in enumerate(clauses) if i not in ruled_out]
    blocked = [h for h in hits if h.blocked]
    if not kept:
        first = blocked[0] if blocked else None
        quiet = "complaint" if any(_complaint(c, _rules()) for c in clauses) else "past"
        why = f"{first.blocked}:{_shown(clauses, first)}" if first else quiet
        return Evidence(Alarm("none", None, 0.0, why))
    # The utterance as it came when nothing was ruled out, so its vector is the one the
    # needs matcher asks `semantic.embed` for (cached per text).
    judged = text if not ruled_out else "，".join(kept)
    # A cry whose errand the complaint scope set aside (救救我，这个月的养老金怎么还没到账)
    # would be judged as a bare cry; the complaint goes back beside it (it names no danger).
    cries = {h.clause for h in live if h.phrase.instant and _cry_with_errand(clauses, h, hits)}
    if cries and all(i in cries for i, c in enumerate(clauses) if i not in ruled_out):
        judged = "，".join(c for i, c in enumerate(clauses)
                          if i in cries or _complaint(c, _rules()))
    judgement = _judge(judged, said) if use_model else None
    if judgement is None:
        if live:
            cue = _pick(live)
            return Evidence(Alarm("uncertain", cue.phrase.kind, 0.5,
                                  f"cue:{_shown(clauses, cue)}"))
        return Evidence(NONE)
    danger, probabilities = judgement
    if not live and any(_complaint(c, _rules()) for i, c in enumerate(clauses)
                        if i in ruled_out):
        # I really need your help, the carer hasn't shown up: what is left without the
        # complaint is a bare plea, which the models alone hear as danger; the whole says what
        # it is. The lesser of the two (neither holds a sign).
        danger = min(danger, _whole(text, said) or danger)
    kinds = {k: p for k, p in probabilities.items() if k != "none"}
    model_kind = max(kinds, key=lambda k: kinds[k]) if kinds else "other"
    # 他并没有昏到，就是睡着了: a sign ruled out with none standing is a reason of its own; when
    # the models name the very kind that was ruled out (刚才烟感响了，不是真着火), even a now
    # (刚才) does not undo it.
    denied_kinds = {h.phrase.kind for h in blocked if h.blocked == "negated"}
    taken_back = _taken_back(said)
    calm = int(_calm(said)) + int(taken_back) + int(bool(blocked) and not live and any(
        h.blocked != "inside" for h in blocked) and (not _calm_undone(said)
                                                    or model_kind in denied_kinds))
    # A cry said with an errand (快来人啊，我家门锁打不开了) names no sign: the models alone
    # decide, at their own thresholds, not the lower ones a sign's cue gets.
    signs = [h for h in live if not (h.phrase.instant and h.clause in cries)]
    if signs:
        cue = _pick(signs)
        if cue.phrase.kind != "suicide" and _denied_later(cue, hits):
            calm += 1
        why = f"cue:{_shown(clauses, cue)} model:{model_kind} {danger:.2f}"
        kind = cue.phrase.kind
        if kinds.get("suicide", 0.0) > 0.3 or (kind == "other" and kinds.get(model_kind, 0) > 0.3):
            kind = "suicide" if kinds.get("suicide", 0.0) > 0.3 else model_kind
        # The gate's whole, only where words after the cue could take it back (a second
        # sentence vector only when clauses were ruled out of what the models judged).
        whole = None
        if _words_after(clauses, max(h.clause for h in signs)):
            whole = danger if judged == text else max(danger, _whole(text, said) or 0.0)
        return Evidence(None, cue=True, danger=danger, now=_now(clauses[cue.clause]),
                        kind=kind, why=why + (f" calm{calm}" if calm else ""), calm=calm,
                        taken_back=taken_back, whole=whole)
    why = f"model:{model_kind} {danger:.2f}"
    if live:
        why = f"cry:{_shown(clauses, _pick(live))} {why}"
    denied = [h for h in blocked if h.blocked != "inside"]
    # A cry said with an errand (就命啊，饭今天又没送来) is no talk of dying either.
    other_denied = bool(live) or (
        bool(denied) and all(h.phrase.kind not in ("suicide", "other") for h in denied))
    if blocked:
        why += f" {blocked[0].blocked}:{_shown(clauses, blocked[0])}"
    if calm:
        why += f" calm{calm}"
    return Evidence(None, danger=danger, kind=model_kind, why=why, calm=calm,
                    other_denied=other_denied, taken_back=taken_back)


# Just before a word of fire or sealing, a negation (没生火, no charcoal brazier, isn't sealed).
_SEALED_NOT = re.compile(r"(没|不|没有)\s*$|(\b(?:no|not|without|never)|n't)\b(\s+[a-z]+)?\s*$")


def _sealed_fire(clauses: list[str], ruled_out: set[int]) -> str:
    """A fire burning and a room sealed, in clauses no scope ruled out (the words, or "")."""
    words = _rules().sealed_fire
    kept = [c for i, c in enumerate(clauses) if i not in ruled_out]

    def said(group: str) -> str:
        for clause in kept:
            for word in words[group]:
                at = _word_at(clause, word)
                if at < 0 or _SEALED_NOT.search(clause[:at]):
                    continue
                after = clause[at + len(word):]
                if group == "fire" and any(_word_at(after, w) >= 0 for w in words["out"]):
                    continue  # 炉子灭了, the stove is out
                return word
        return ""

    fire = said("fire")
    sealed = said("sealed") if fire else ""
    return f"{fire}+{sealed}" if sealed else ""


def _word_at(text: str, word: str) -> int:
    """Where `word` is in `text` (-1 if not); an English word whole (not "out" in "without")."""
    if not word.isascii():
        return text.find(word)
    found = re.search(rf"\b{re.escape(word)}\b", text)
    return found.start() if found else -1


def _denied_later(hit: _Hit, hits: list[_Hit]) -> bool:
    """A sign of `hit`'s kind is negated after it (提示跌倒…她没摔倒), or anywhere for suicide."""
    # Denied first, a sign may still come (他没晕倒，就是叫不醒); denied after, it is taken back.
    # Who says 我不是要寻死 takes back the rest of such talk: the models judge, at suicide's
    # lower threshold, so 我不是想不开，我是真的不想活了 still reaches a person.
    return any(o.blocked == "negated" and o.phrase.kind == hit.phrase.kind
               and (hit.phrase.kind == "suicide" or (o.clause, o.start) > (hit.clause, hit.end))
               for o in hits)


def _words_after(clauses: list[str], index: int) -> bool:
    """Whether anything is said after clause `index` (what could take a sign back)."""
    return any(sounds(c).chars.strip() for c in clauses[index + 1:])


def _judge(text: str, said: str) -> tuple[float, dict[str, float]] | None:
    """The models' danger of `text` and their kinds; what follows a break counts if more."""
    probabilities = meaning(text)
    if probabilities is None:
        return None
    danger = danger_of(probabilities, text)
    tail = _after_interruption(said)
    if tail:
        # 想问一下助餐卡咋充……哎哟我这心，疼得不行了: what follows the break, judged alone.
        tail_probabilities = meaning(tail)
        if tail_probabilities is not None:
            tail_danger = danger_of(tail_probabilities, tail)
            if tail_danger > danger:
                return tail_danger, tail_probabilities
    return danger, probabilities


def _whole(text: str, said: str) -> float | None:
    """The models' danger of everything said (the gates in `decide`)."""
    judgement = _judge(text, said)
    return None if judgement is None else judgement[0]


def _shown(clauses: list[str], hit: _Hit) -> str:
    clause = clauses[hit.clause]
    if hit.phrase.pattern is not None:
        return clause[hit.start:hit.end]
    return sounds(clause).chars[hit.start:hit.end]


def warm() -> None:
    """Read the phrases and the model before the first caller needs them."""
    _rules()
    _MODEL.get()
    assess("你好")
