"""Understanding what callers need, said in everyday words, by meaning and by sound.

Two kinds of evidence are combined for each category:

- **anchors**: the everyday-words lexicon (`categories.json`) matched by folded pinyin
  (`directory/matcher.py`), so a recognizer's homophone (住餐 for 助餐) still names 助餐;
  an anchor inside a negation scope (不用送饭了) is set aside and lowers its category;
- **meaning**: a softmax classifier over the utterance's sentence vector
  (`directory/semantic.py`, multilingual-e5-small), trained by `scripts/train_needs.py` on
  sentences written for it (`data/needs_train.tsv`), which catches paraphrases (想吃口热乎饭),
  split words (洗个澡), English sentences and a need named through its cause (坐轮椅下不了楼
  is going out, not a wheelchair).

Emergencies are not this matcher's business: the dialog engine asks `directory.emergency`
first in every turn, so the matcher never returns the `emergency` category.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from directory import semantic
from directory.lexicon import DATA
from directory.matcher import Hit, PhoneticIndex
from directory.phonetic import sounds

log = logging.getLogger(__name__)

CLASSIFIER_FILE = DATA / "needs_classifier.npz"
# The training sentences' vectors, for the nearest-neighbour vote beside the classifier.
NEIGHBOURS_FILE = DATA / "needs_neighbours.npz"
EMERGENCY = "emergency"
# The classifier's label for words that name no service (a greeting, a place, "yes").
OTHER = "other"
MAX_CHARS = 200

# Lexicon decisions (without the classifier), on the phonetic 0-100 scale.
LEX_ACCEPT = 90.0
LEX_CONFIRM = 70.0
LEX_MARGIN = 6.0

# How an anchor adds to a category's meaning probability: an anchor heard at ANCHOR_FLOOR
# adds nothing, a whole keyword heard (100) adds ANCHOR_WEIGHT.
ANCHOR_FLOOR = 70.0
ANCHOR_WEIGHT = 0.7
# The meaning is the classifier's probability blended with the vote of the training
# sentences nearest the utterance (a paraphrase close to one written sentence), this much.
NEIGHBOUR_WEIGHT = 0.5
NEIGHBOURS_K = 10
NEIGHBOURS_TEMPERATURE = 0.03
# A category whose only anchors were negated keeps this share of its probability.
NEGATED_KEEP = 0.15
# Decisions on the combined confidence (0-1), calibrated on the round-2 dev part only
# (bench/needs_accuracy.py --calibrate, see docs/needs.md).
ACCEPT = 0.8
MARGIN = 0.1
CONFIRM = 0.3
# Taking a need without asking also needs the meaning to agree: an anchor alone (住院 in
# 老伴住院了，家里锅都凉了) is asked about.
ACCEPT_MEANING = 0.8
# ... or a whole keyword heard as written (送饭 in 我住在…，想找人送饭), with the meaning
# ranking it first and at least WHOLE_MEANING of the needs' share: at any meaning the lexicon
# took 陪诊 and 助行器 where round-2 dev callers meant another need; 0.75 asked back the menu's
# own 我想找人帮忙做饭 (0.68), and on the round-3 dev part 0.65 accepted nothing wrong.
WHOLE_ANCHOR = 100.0
WHOLE_MEANING = 0.65
# A second need is "also said" when it has its own anchor and this much confidence.
ALSO_SAID = 0.30
STRONG_ANCHOR = 90.0
# A later part of the sentence names a need of its own with this confidence.
SEGMENT = 0.5


@dataclass(frozen=True)
class CategoryRow:
    """What the need matcher uses of a category."""

    code: str
    zh: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """Why a category scored what it did (for benchmarks, tests and debugging)."""

    code: str
    confidence: float
    meaning: float
    anchor: float
    negated: bool


_shipped: semantic.Classifier | None = None
_shipped_neighbours: semantic.Neighbours | None = None
_shipped_lock = threading.Lock()


def shipped_classifier(path: Path = CLASSIFIER_FILE) -> semantic.Classifier | None:
    """The trained classifier shipped in directory/data (None when missing or unreadable)."""
    global _shipped
    if _shipped is None:
        with _shipped_lock:
            if _shipped is None:
                try:
                    _shipped = semantic.Classifier.load(path)
                except (OSError, ValueError, KeyError) as error:
                    log.warning("needs classifier not loaded (%s): lexicon only", error)
                    return None
    return _shipped


def shipped_neighbours(path: Path = NEIGHBOURS_FILE) -> semantic.Neighbours | None:
    """The training sentences' vectors shipped in directory/data (None when missing)."""
    global _shipped_neighbours
    if _shipped_neighbours is None:
        with _shipped_lock:
            if _shipped_neighbours is None:
                try:
                    _shipped_neighbours = semantic.Neighbours.load(path)
                except (OSError, ValueError, KeyError) as error:
                    log.warning("needs neighbours not loaded (%s): classifier only", error)
                    return None
    return _shipped_neighbours


class NeedMatcher:
    """Finds the service category that everyday words name (做饭 -> meal, 洗个澡 -> bathing).

    `classifier`: the meaning model; by default the shipped one; pass `semantic=False` for the
    lexicon alone (the pinyin anchors with their old score and margin rules). `neighbours`:
    the sentences voting beside it; by default the shipped ones with the shipped classifier,
    none with a classifier passed in.
    Immutable after construction, so one matcher serves every thread.
    """

    def __init__(self, rows: Iterable[CategoryRow], *,
                 classifier: semantic.Classifier | None = None,
                 neighbours: semantic.Neighbours | None = None,
                 semantic_model: bool = True) -> None:
        self.codes: list[str] = []
        self.names: list[str] = []
        self.index = PhoneticIndex()
        for row in rows:
            if row.code == EMERGENCY:
                continue  # the emergency check runs before the need matcher, every turn
            entry = len(self.codes)
            self.codes.append(row.code)
            self.names.append(row.zh)
            for word in (row.zh, *row.keywords):
                heard = sounds(word)
                self.index.add(entry, heard.symbols, heard.chars)
        self.entry_of = {code: i for i, code in enumerate(self.codes)}
        model = classifier if classifier is not None else (
            shipped_classifier() if semantic_model else None)
        if neighbours is None and classifier is None and model is not None:
            neighbours = shipped_neighbours()
        # Only the labels this directory has (and OTHER) take part; the rest is ignored.
        self.classifier = model
        self.neighbours = neighbours if neighbours is not None and model is not None and \
            neighbours.labels == model.labels else None
        self._columns: list[int] = []
        self._column_entry: list[int] = []
        if model is not None:
            for column, label in enumerate(model.labels):
                if label == OTHER or label in self.entry_of:
                    self._columns.append(column)
                    self._column_entry.append(self.entry_of.get(label, -1))

    def find(self, text: str) -> Understood:
        """The main need in `text`, how sure, and the other needs heard (alternatives)."""
        try:
            return self._find(text if isinstance(text, str) else "")
        except Exception:  # never let a caller's words break the call
            log.exception("need matcher failed; answering none")
            return Understood(None, "none")

    def explain(self, text: str) -> list[Evidence]:
        """Every category's evidence for `text`, best first (the whole utterance)."""
        return self._evidence(_clean(text))[0] or []

    # -- internals -------------------------------------------------------------------------

    def _evidence(self, said: str) -> tuple[list[Evidence] | None, dict[int, Hit]]:
        """Ranked evidence for one text (None without a meaning model) and its anchors.

        A negated part is set aside: its anchors count against their category, and the
        meaning is read from what is left (不用送饭了，我要看病 -> 我要看病)."""
        negation = negations(said)
        hits, negated = self._anchors(said, negation.scopes)
        focus = negation.rest if negation.scopes and _meaningful(negation.rest) else said
        meaning = self._meaning(focus)
        if meaning is None:
            return None, hits
        return self._combine(hits, negated, meaning), hits

    def _find(self, text: str) -> Understood:
        said = _clean(text)
        if not said:
            return Understood(None, "none")
        ranked, hits = self._evidence(said)
        if ranked is None:
            return self._lexicon_only(hits)
        weighed = self._weigh(said, ranked)
        if weighed is None:
            return Understood(None, "none")
        main, rest, several = weighed
        return Understood(self._candidate(main), decide(main, rest, several),
                          [self._candidate(e) for e in rest[:4] if e.confidence >= 0.02])

    def weigh(self, text: str) -> tuple[Evidence, list[Evidence], bool] | None:
        """The main need's evidence, the others' (in the order offered) and whether several
        requests were heard: what `decide` takes (for calibration; None without meaning)."""
        said = _clean(text)
        ranked = self._evidence(said)[0] if said else None
        return self._weigh(said, ranked) if ranked is not None else None

    def _weigh(self, said: str, ranked: list[Evidence]
               ) -> tuple[Evidence, list[Evidence], bool] | None:
        if not ranked:
            return None
        main, also = ranked[0], [e for e in ranked[1:] if e.confidence >= ALSO_SAID
                                 and e.anchor >= STRONG_ANCHOR and not e.negated]
        segments, strong = _segments(negations(said).rest)
        if len(segments) > 1:
            # 洗澡要人帮，还有中午也没人做饭: the first request is the main one, each later
            # one is asked about after it.
            tops = [self._evidence(segment)[0] or [] for segment in segments]
            first = tops[0][0] if tops[0] and tops[0][0].confidence >= SEGMENT else None
            later: list[Evidence] = []
            for top in tops[1:]:
                if top and top[0].confidence >= SEGMENT and top[0].code not in (
                        [e.code for e in later] + [first.code if first else main.code]):
                    later.append(top[0])
            if later or (strong and first is not None):
                main = first if first is not None else main
                also = later
        rest = also + [e for e in ranked if e.code != main.code and e not in also
                       and e.code not in {a.code for a in also}]
        # Two requests marked as such (我想要人陪，另外问问高龄津贴) are asked about even when
        # one part alone names no need clearly: which one first is the caller's to say.
        return main, rest, bool(also) or (strong and len(segments) > 1)

    def _anchors(self, said: str, scopes: list[tuple[int, int]]
                 ) -> tuple[dict[int, Hit], set[int]]:
        """Lexicon hits outside negation scopes, and the entries heard only negated."""
        heard = sounds(said)
        if not heard.symbols:
            return {}, set()
        kept: dict[int, Hit] = {}
        negated: set[int] = set()
        for entry, hit in _best_hits(self.index, heard, scopes).items():
            if hit is None:
                negated.add(entry)
            else:
                kept[entry] = hit
        return kept, negated - set(kept)

    def _meaning(self, said: str) -> dict[int, float] | None:
        """Probability per entry (-1 for OTHER) from the sentence vector, or None."""
        if self.classifier is None:
            return None
        try:
            vector = semantic.embed(said)
        except Exception:
            log.exception("sentence vector failed; lexicon only")
            return None
        z = vector @ self.classifier.weights[:, self._columns] + self.classifier.bias[
            self._columns]
        z = np.exp(z - z.max())
        p = z / z.sum()
        if self.neighbours is not None:
            vote = self.neighbours.vote(vector, NEIGHBOURS_K, NEIGHBOURS_TEMPERATURE)[
                self._columns]
            p = (1.0 - NEIGHBOUR_WEIGHT) * p + NEIGHBOUR_WEIGHT * vote / max(vote.sum(), 1e-9)
        out: dict[int, float] = {}
        for entry, value in zip(self._column_entry, p, strict=True):
            out[entry] = out.get(entry, 0.0) + float(value)
        return out

    def _combine(self, hits: dict[int, Hit], negated: set[int],
                 meaning: dict[int, float] | None) -> list[Evidence]:
        meaning = meaning or {}
        out: list[Evidence] = []
        for entry, code in enumerate(self.codes):
            p = meaning.get(entry, 0.0)
            anchor = hits[entry].score if entry in hits else 0.0
            if entry in negated:
                p *= NEGATED_KEEP
            lift = ANCHOR_WEIGHT * min(1.0, max(0.0, (anchor - ANCHOR_FLOOR)
                                                / (100.0 - ANCHOR_FLOOR)))
            confidence = min(1.0, p + lift * (1.0 - p))
            if confidence > 0.0:
                out.append(Evidence(code, confidence, p, anchor, entry in negated))
        out.sort(key=lambda e: (-e.confidence, e.code))
        return out

    def _lexicon_only(self, hits: dict[int, Hit]) -> Understood:
        if not hits:
            return Understood(None, "none")
        ranked = sorted(hits, key=lambda e: (-hits[e].score, self.codes[e]))
        best, rivals = ranked[0], ranked[1:]
        margin = hits[best].score - (hits[rivals[0]].score if rivals else 0.0)
        decision: Decision = "none"
        if hits[best].score >= LEX_ACCEPT and margin >= LEX_MARGIN:
            decision = "accept"
        elif hits[best].score >= LEX_CONFIRM:
            decision = "confirm"

        def one(entry: int) -> Candidate:
            return Candidate(self.codes[entry], self.names[entry],
                             round(min(hits[entry].score, 100.0), 1))

        return Understood(one(best), decision, [one(e) for e in rivals[:4]])

    def _candidate(self, evidence: Evidence) -> Candidate:
        entry = self.entry_of[evidence.code]
        return Candidate(evidence.code, self.names[entry], round(100 * evidence.confidence, 1))


def decide(main: Evidence, rest: list[Evidence], several: bool) -> Decision:
    """Accept, confirm or none for the main need, given the others and whether several
    requests were heard (then always asked: which first?)."""
    second = rest[0].confidence if rest else 0.0
    # With a whole keyword heard the words do name a need, so the meaning only has to say
    # which: its share among the needs, not counting `other`, which place words and greetings
    # draw (我住在滨湖世纪社区，想找人送饭: 0.70 of all, 0.82 of the needs).
    share = main.meaning / max(1e-9, main.meaning + sum(e.meaning for e in rest))
    agrees = main.meaning >= ACCEPT_MEANING or (
        main.anchor >= WHOLE_ANCHOR and share >= WHOLE_MEANING
        and main.meaning >= max(e.meaning for e in rest or [main]))
    if (main.confidence >= ACCEPT and main.confidence - second >= MARGIN and not several
            and agrees):
        return "accept"
    if main.confidence >= CONFIRM:
        return "confirm"
    return "none"


def _clean(text: str) -> str:
    return text.strip()[:MAX_CHARS]


def _meaningful(text: str) -> bool:
    """Enough left to read a need from: two Han characters or two words."""
    return len(_UNIT.findall(text.lower())) >= 2


# Where a second request starts (还有 / 顺便 / 另外 / also ...); a comma then 也 is weaker:
# 家里脏了也不晓得 is one request, 扶手想装，水管也漏了 two.
_STRONG_SPLIT = re.compile(r"还有|顺便|另外|还想|还要|再帮|再给|[，,]\s*再|[，,]\s*回来|也想|也要"
                           r"|以及|同时|\balso\b|\bas well as\b|\bplus\b|\band then\b")
_WEAK_SPLIT = re.compile(r"[，,;；。][^，,;；。]{0,4}?(?=也)")
MAX_SEGMENTS = 3


def _segments(text: str) -> tuple[list[str], bool]:
    """The requests of a sentence in the order said, and whether a strong marker split it."""
    strong = bool(_STRONG_SPLIT.search(text))
    pattern = _STRONG_SPLIT if strong else _WEAK_SPLIT
    parts = [p.strip(" ，,;；。") for p in pattern.split(text)]
    parts = [p for p in parts if _meaningful(p)]
    if len(parts) < 2:
        return [text], False
    return parts[:MAX_SEGMENTS], strong


def _best_hits(index: PhoneticIndex, heard: Sounds,
               scopes: list[tuple[int, int]]) -> dict[int, Hit | None]:
    """Best hit per entry outside negation scopes; None for an entry heard only inside one."""
    raw = _drop_shadowed(index.search(heard))
    out: dict[int, Hit | None] = {}
    for entry, hit in raw.items():
        if any(start <= hit.start < end for start, end in scopes):
            # The best form was negated; a weaker form elsewhere does not rescue it.
            out[entry] = None
        else:
            out[entry] = hit
    return out


def _drop_shadowed(hits: dict[int, Hit]) -> dict[int, Hit]:
    """Drop keywords heard only as part of a longer one (看病 inside 上门看病 is the same)."""
    strong = [h for h in hits.values() if h.score >= LEX_ACCEPT]
    return {
        e: h for e, h in hits.items()
        if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
                   for o in strong)
    }


# -- negation ------------------------------------------------------------------------------

# Syllable positions: one per Han character, letter word or digit (as in phonetic.sounds).
_UNIT = re.compile(r"[\u3400-\u9fff]|[a-z]+|[0-9]")
_PUNCT = re.compile(r"[，,。.！!？?；;、：:\n]")
# A cue negates what follows, up to the end of its clause.
_ZH_CUES = ("不需要", "不用", "不要", "不必", "用不着", "不想要", "不是", "别", "取消", "不再",
            "没必要", "免了")
# Said after what it negates (送饭就不用了): the clause before it.
_ZH_AFTER = ("不需要了", "不用了", "不要了", "就算了", "算了", "不需要", "不用", "不要")
_EN_CUES = (("don", "t"), ("do", "not"), ("dont",), ("no", "longer"), ("not",), ("no",),
            ("never",), ("doesn", "t"), ("cancel",), ("instead", "of"), ("without",))
# A negated clause ends at a change of subject or a new request.
_ZH_ENDS = ("了", "但", "可是", "而是", "就是", "只是", "我要", "我想", "想要", "要", "想",
            "还", "帮我", "是")
_EN_ENDS = ("but", "i", "just", "only", "please", "instead", "rather", "need", "want")
_NOT_CUE_AFTER_BIE = "人的"
SCOPE_MAX = 8


@dataclass(frozen=True)
class Negation:
    """What a negation covers in an utterance."""

    # [start, end) syllable positions whose anchors are negated (不用送饭了 -> 送饭).
    scopes: list[tuple[int, int]]
    # The utterance without its negated parts (cue and scope): what the caller does want.
    rest: str


def negation_scopes(text: str) -> list[tuple[int, int]]:
    """Spans [start, end) of syllable positions that a negation covers (不用送饭了 -> 送饭)."""
    return negations(text).scopes


def negations(text: str) -> Negation:
    """The negated spans of `text` and what is left when they are taken out."""
    units: list[str] = []
    spans: list[tuple[int, int]] = []
    breaks: set[int] = set()
    last = 0
    lowered = text.lower()
    for match in _UNIT.finditer(lowered):
        if _PUNCT.search(lowered, last, match.start()):
            breaks.add(len(units))
        units.append(match.group())
        spans.append((match.start(), match.end()))
        last = match.end()
    breaks.add(len(units))
    scopes: list[tuple[int, int]] = []
    cut: list[tuple[int, int]] = []  # unit ranges to take out of the text
    i = 0
    while i < len(units):
        after = _after_cue_at(units, i, breaks)
        if after:
            begin = i
            while begin > 0 and begin not in breaks and i - begin < SCOPE_MAX:
                begin -= 1
            if begin < i:
                scopes.append((begin, i))
                cut.append((begin, i + after))
            i += after
            continue
        cue = _cue_at(units, i)
        if cue:
            start = i + cue
            end = start
            while end < len(units) and end - start < SCOPE_MAX and end not in breaks \
                    and not (end > start and _ends_at(units, end)):
                end += 1
            if end < len(units) and units[end] == "了":
                end += 1
            if end > start:
                scopes.append((start, end))
                cut.append((i, end))
            i = max(end, i + 1)
            continue
        i += 1
    if not cut:
        return Negation([], text)
    pieces: list[str] = []
    position = 0
    for a, b in cut:
        pieces.append(text[position:spans[a][0]])
        position = spans[b - 1][1]
    pieces.append(text[position:])
    rest = _PUNCT.sub(" ", "".join(pieces)).strip()
    return Negation(scopes, " ".join(rest.split()))


def _cue_at(units: list[str], i: int) -> int:
    """Length of a forward negation cue at position i (0 when none)."""
    for cue in _ZH_CUES:
        n = len(cue)
        if "".join(units[i:i + n]) == cue:
            # 要不要, 是不是, 需不需要: a question, not a negation.
            if cue.startswith("不") and i > 0 and len(cue) > 1 and units[i - 1] == cue[1]:
                return 0
            if cue == "别" and i + 1 < len(units) and units[i + 1] in _NOT_CUE_AFTER_BIE:
                return 0
            return n
    for words in _EN_CUES:
        if tuple(units[i:i + len(words)]) == words:
            if words == ("not",) and i > 0 and units[i - 1] in ("can", "could", "do", "does"):
                return 0
            if words == ("no",) and units[i + 1:i + 2] == ["one"]:
                return 0
            return len(words)
    return 0


def _after_cue_at(units: list[str], i: int, breaks: set[int]) -> int:
    """Length of a negation said after its clause (洗澡不需要了) at position i, else 0."""
    if i == 0 or i in breaks:
        return 0
    for cue in _ZH_AFTER:
        n = len(cue)
        if "".join(units[i:i + n]) == cue:
            if not cue.endswith("了") and not cue.endswith("算") and i + n not in breaks:
                continue  # 不用送饭: said before what it negates
            if units[i - 1] in ("要", "用", "需"):
                continue
            return n
    return 0


def _ends_at(units: list[str], i: int) -> bool:
    for word in _ZH_ENDS:
        if "".join(units[i:i + len(word)]) == word:
            return True
    return units[i] in _EN_ENDS


# Re-exported by directory.understanding; imported last because understanding re-exports
# this module's names at its own end (either module may be imported first).
from directory.phonetic import Sounds  # noqa: E402
from directory.understanding import Candidate, Decision, Understood  # noqa: E402
