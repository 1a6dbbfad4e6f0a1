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
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.emergency_accuracy import CORPORA, SPENT
from directory import emergency
from directory.emergency import (
    CLEAR_AT,
    GRAMS_FILE,
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
from directory.semantic import Classifier, embed_many

TRAIN_FILE = Path(__file__).resolve().parents[1] / "directory" / "data" / "emergency_train.tsv"
L2 = 1e-2
STEPS = 1500
RATE = 0.5
# The character model: a gram seen once is noise; its own (weaker) penalty and step.
GRAMS_MIN_COUNT = 2
GRAMS_L2 = 1e-3
GRAMS_STEPS = 800
GRAMS_RATE = 2.0

# Calibration: false alarms allowed among our own traps (written to be hard, so above 1 %).
OWN_TRAPS_AT_MOST = 0.03

Floats = npt.NDArray[np.float32]


def read(path: Path = TRAIN_FILE) -> tuple[list[str], list[str]]:
    """(kinds, sentences) of the training file; '#' lines are comments."""
    kinds: list[str] = []
    texts: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, text = line.split("\t", 1)
        kinds.append(kind.strip())
        texts.append(text.strip())
    return kinds, texts


def read_spent() -> tuple[list[str], list[str]]:
    """(kinds, sentences) of every part of the spent corpora, traps as `none`."""
    kinds: list[str] = []
    texts: list[str] = []
    for corpus in sorted(SPENT):
        for part in ("dev", "test"):
            with (CORPORA / f"{corpus}.{part}.tsv").open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                    kinds.append(row["kind"] if row["label"] == "emergency" else "none")
                    texts.append(row["text"].strip())
    return kinds, texts


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


def calibrate(vectors: Floats, kinds: list[str], texts: list[str], spent: list[bool],
              folds: int = 5) -> None:
    """Thresholds for the whole pipeline, each sentence judged by models trained without it.

    The most recall (clear or uncertain) with false alarms at most 0.5 % among the spent
    corpus's traps (written blind, like callers) and at most `OWN_TRAPS_AT_MOST` among our own
    (written to be hard); ties go to more dialled at once.
    """
    order = np.random.default_rng(14).permutation(len(kinds))
    found: list[Evidence | None] = [None] * len(kinds)
    for f in range(folds):
        held = order[f::folds]
        train = np.setdiff1d(order, held)
        trained = [kinds[i] for i in train]
        emergency._MODEL.use(fit(vectors[train], trained),
                             fit_grams([texts[i] for i in train], trained),
                             fit_neighbours(vectors[train], trained))
        for i in held:
            found[i] = emergency.evidence(texts[i])
    emergency._MODEL.use(None, None, None)
    real = np.array([k != "none" for k in kinds])
    from_spent = np.array(spent)

    def score(t: Thresholds) -> tuple[float, float, float, float]:
        decided = np.array([emergency.decide(e, t).decision for e in found if e is not None])
        alarm = decided != "none"
        return (float(alarm[real].mean()), float((decided[real] == "clear").mean()),
                float(alarm[~real & from_spent].mean()), float(alarm[~real & ~from_spent].mean()))

    grid = [Thresholds(ca, ua, cca, cnb) for ca in (0.7, 0.75, 0.8, 0.85)
            for ua in (0.45, 0.5, 0.55, 0.6, 0.65) for cca in (0.35, 0.45, 0.55)
            for cnb in (0.1, 0.2, 0.3, 0.35, 0.4, 0.45) if cnb <= cca]
    scored = [(score(t), t) for t in grid]
    allowed = [(s, t) for s, t in scored if s[2] <= 0.005 and s[3] <= OWN_TRAPS_AT_MOST]
    for label, (s, t) in (("shipped", (score(SHIPPED), SHIPPED)),
                          ("best", max(allowed or scored, key=lambda st: (st[0][0], st[0][1])))):
        print(f"  {label}: {t}\n    recall {s[0]:.1%}, dialled at once {s[1]:.1%}, false alarms "
              f"{s[2]:.1%} (spent corpus), {s[3]:.1%} (own traps)")


def _auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """Share of (emergency, none) pairs the score puts in the right order."""
    above = (positive[:, None] > negative[None, :]).mean()
    tied = (positive[:, None] == negative[None, :]).mean()
    return float(above + tied / 2)


def main(argv: list[str] | None = None) -> int:
    """Embed, cross-validate and (unless --check) write the models."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="cross-validate only")
    parser.add_argument("--calibrate", action="store_true",
                        help="choose the thresholds by cross-validation (writes nothing)")
    parser.add_argument("--own-only", action="store_true",
                        help="train on the training file alone, not the spent corpora")
    args = parser.parse_args(argv)
    kinds, texts = read()
    spent = [False] * len(kinds)
    if not args.own_only:
        spent_kinds, spent_texts = read_spent()
        kinds += spent_kinds
        texts += spent_texts
        spent += [True] * len(spent_kinds)
    started = time.perf_counter()
    vectors = embed_many(texts)
    print(f"{len(texts)} sentences embedded in {time.perf_counter() - started:.1f} s; "
          f"{len(set(kinds))} labels")
    if args.calibrate:
        print("5-fold calibration of the thresholds, whole pipeline:")
        calibrate(vectors, kinds, texts, spent)
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
