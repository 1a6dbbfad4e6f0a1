"""How often the directory understands callers: `python -m bench.directory_accuracy`.

For places with the caller's district known (the issue's target) and without it; for needs.
Correct = accepted with the right answer, sent to confirmation with the right answer first, or
offered among places that sound exactly alike (光明社区 in five districts) for the caller to
choose by key, as the dialog does (directory.understanding.tied).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter

from bench.corpus import Utterance, corpus, new_places
from bench.machine import describe
from directory import emergency
from directory.lexicon import HEFEI_DIVISIONS_FILE, categories
from directory.names import reading
from directory.understanding import (
    Candidate,
    CategoryRow,
    Decision,
    DivisionRow,
    NeedMatcher,
    PlaceMatcher,
    Understood,
    tied,
)


def build() -> tuple[PlaceMatcher, NeedMatcher]:
    """Matchers over Hefei's divisions and the shipped categories."""
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    places = PlaceMatcher(DivisionRow(r["code"], r["name"], int(r["level"]),
                                      reading(r["name"])) for r in rows)
    needs = NeedMatcher(CategoryRow(c["code"], c["zh"], tuple(c["keywords"]))
                        for c in categories())
    return places, needs


def understand_need(needs: NeedMatcher, text: str) -> Understood:
    """A need as a turn understands it: the emergency check first (directory.emergency, as
    the dialog engine does in every turn), then the need matcher, which never says emergency."""
    alarm = emergency.assess(text)
    if alarm.decision != "none":
        decision: Decision = "accept" if alarm.clear else "confirm"
        return Understood(Candidate("emergency", "紧急求助", 100 * alarm.score), decision)
    return needs.find(text)


def outcome(result: Understood, expected: str) -> str:
    """accepted-right, confirm-right, accepted-wrong, confirm-wrong or none."""
    if result.best is None or result.decision == "none":
        return "none"
    choices = tied(result)
    if choices and result.best.code != expected:
        return "chosen-right" if any(c.code == expected for c in choices) else "confirm-wrong"
    right = result.best.code == expected
    return f"{'accepted' if result.decision == 'accept' else 'confirm'}-" \
           f"{'right' if right else 'wrong'}"


def evaluate(items: list[Utterance], run: object) -> tuple[Counter[str], list[str]]:
    """Count outcomes; list the misses for reading."""
    counts: Counter[str] = Counter()
    misses: list[str] = []
    for item in items:
        result = run(item)  # type: ignore[operator]
        got = outcome(result, item.expected)
        counts[got] += 1
        if got == "confirm-wrong" and result.best is not None and any(
                a.code == item.expected and a.score == result.best.score
                for a in result.alternatives):
            counts["tied"] += 1  # the words fit the right one exactly as well: a coin toss
        if got not in ("accepted-right", "confirm-right", "chosen-right"):
            best = result.best.code if result.best else "-"
            misses.append(f"  {got:15} {item.variant:12} {item.text}  expected {item.expected}"
                          f" got {best}")
    return counts, misses


def report(title: str, counts: Counter[str]) -> None:
    """Print one line of figures."""
    total = sum(n for outcome, n in counts.items() if outcome != "tied")
    good = counts["accepted-right"] + counts["confirm-right"] + counts["chosen-right"]
    print(f"{title:38} n={total:4}  correct {100 * good / total:5.1f}%  "
          f"(accepted {counts['accepted-right']}, confirmed {counts['confirm-right']}, "
          f"chosen among look-alikes {counts['chosen-right']})  "
          f"wrong accepted {100 * counts['accepted-wrong'] / total:4.1f}%  "
          f"asked again {counts['none'] + counts['confirm-wrong']}"
          + (f" (of which {counts['tied']} a tie with the right one)" if counts["tied"] else ""))


def main(argv: list[str] | None = None) -> int:
    """Run the corpus through the matchers and print the figures (`--test`: the held-out part
    of issue 15's cases too, to be read once, after tuning on the dev part)."""
    args = sys.argv[1:] if argv is None else argv
    places, needs = build()
    items = corpus()
    place_items = [u for u in items if u.kind == "place"]
    need_items = [u for u in items if u.kind == "need"]
    print(f"machine: {describe()}")
    print(f"corpus: {len(items)} utterances ({len(place_items)} places, {len(need_items)} needs)")
    known, known_misses = evaluate(place_items, lambda u: places.find(u.text, within=u.within))
    unknown, _ = evaluate(place_items, lambda u: places.find(u.text))
    need, need_misses = evaluate(need_items, lambda u: understand_need(needs, u.text))
    report("places, district known", known)
    report("places, district not known", unknown)
    report("needs", need)
    print("misses (district known, and needs):")
    print("\n".join(known_misses + need_misses) or "  none")
    ok = (known["accepted-right"] + known["confirm-right"] + known["chosen-right"]) \
        / max(1, len(place_items)) >= 0.97
    wrong = known["accepted-wrong"] + unknown["accepted-wrong"]
    for part in ("dev", "test") if "--test" in args else ("dev",):
        wrong += issue15(places, part)
    return 0 if ok and wrong == 0 else 1


def issue15(places: PlaceMatcher, part: str) -> int:
    """Figures for one part of the cases added for issue 15; the wrong answers accepted."""
    items = [u for u in new_places() if u.part == part]
    said = [u for u in items if u.kind == "place"]
    silent = [u for u in items if u.kind == "noplace"]
    print(f"issue 15 cases, {part} part: {len(said)} places, {len(silent)} naming no place")
    known, known_misses = evaluate(said, lambda u: places.find(u.text, within=u.within))
    unknown, unknown_misses = evaluate(said, lambda u: places.find(u.text))
    report(f"  {part}: places, district known", known)
    report(f"  {part}: places, district not known", unknown)
    for variant in sorted({u.variant for u in said}):
        group = [u for u in said if u.variant == variant]
        counts, _ = evaluate(group, lambda u: places.find(u.text))
        report(f"    {variant} (district not known)", counts)
    accepted = [u.text for u in silent if places.find(u.text).decision == "accept"]
    print(f"  {part}: naming no place, accepted {len(accepted)} of {len(silent)}"
          + (f": {accepted}" if accepted else ""))
    if part == "dev":
        print("  dev misses (district known, then not known):")
        print("\n".join([*known_misses, "  --", *unknown_misses]) or "  none")
    return known["accepted-wrong"] + unknown["accepted-wrong"] + len(accepted)


if __name__ == "__main__":
    sys.exit(main())
