"""Train the needs classifier: `python -m scripts.train_needs [--check] [--l2 X]`.

Reads the training sentences written for it (directory/data/needs_train.tsv: label, text) and
the round-1 and round-2 corpora, spent once their test halves were scored
(bench/corpora/needs{,2}.{dev,test}.tsv; never a later corpus), adds each Chinese sentence
once more with an everyday opening (喂， / 请问 / 麻烦你 ...) as callers say them, embeds
them with directory.semantic, and fits semantic.Classifier on standardised vectors. The
standardisation is folded into the weights, so the shipped file
(directory/data/needs_classifier.npz) takes raw vectors like any semantic.Classifier; the
same vectors are written as the neighbours that vote beside it
(directory/data/needs_neighbours.npz). `--check` prints a 5-fold cross-validated accuracy
per l2 (training data only) and writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from directory import semantic
from directory.lexicon import DATA
from directory.needs import CLASSIFIER_FILE, EMERGENCY, NEIGHBOURS_FILE

TRAIN_FILE = DATA / "needs_train.tsv"
# Evaluation corpora whose test part has been scored and reported: training data from then on.
CORPORA = Path(__file__).resolve().parent.parent / "bench" / "corpora"
SPENT = [CORPORA / f"{corpus}.{part}.tsv" for corpus in ("needs", "needs2")
         for part in ("dev", "test")]
# Round-1 lines labelled against what categories.json covers: a person going with the caller
# to hospital is 助医 (medical: "escort to hospital"); a car or a lift stays 助行 (mobility).
RELABEL = {line: "medical" for line in (
    "nd0208", "nd0210", "nd0219", "nd0224", "nd0229", "nd0233", "nd0237", "nd0238", "nd0251",
    "nd0626")}
OPENINGS = ["喂，", "你好，", "请问", "我想问一下，", "麻烦你，", "同志，", "那个，"]
STEPS = 1500
RATE = 0.5
L2 = 0.03


def sentences() -> list[tuple[str, str]]:
    """(label, text) pairs from the training file, with the augmented copies."""
    rng = random.Random(15)
    with TRAIN_FILE.open(encoding="utf-8") as f:
        rows = [(r["label"].strip(), r["text"].strip()) for r in csv.DictReader(f, delimiter="\t")]
    for path in SPENT:
        with path.open(encoding="utf-8") as f:
            # A multi sentence is labelled with its main (first asked) need.
            rows += [(RELABEL.get(r["id"], r["category"].strip()), r["text"].strip())
                     for r in csv.DictReader(f, delimiter="\t")]
    out: list[tuple[str, str]] = []
    for label, text in rows:
        if not text or label == EMERGENCY:
            continue
        out.append((label, text))
        if not text.isascii():
            out.append((label, rng.choice(OPENINGS) + text))
    return out


def fit(x: npt.NDArray[np.float32], y: list[str], l2: float) -> semantic.Classifier:
    """A classifier on standardised vectors, folded back to take raw vectors."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    model = semantic.Classifier.fit((x - mean) / scale, y, l2=l2, steps=STEPS, rate=RATE)
    weights = (model.weights / scale[:, None]).astype(np.float32)
    bias = (model.bias - (mean / scale) @ model.weights).astype(np.float32)
    return semantic.Classifier(model.labels, weights, bias)


def check(x: npt.NDArray[np.float32], y: list[str]) -> None:
    """5-fold cross-validation on the training sentences (copies stay in the same fold)."""
    folds = np.arange(len(y)) // 2 % 5
    for l2 in (0.003, 0.01, 0.03, 0.1, 0.3):
        right = 0
        for k in range(5):
            train, test = folds != k, folds == k
            model = fit(x[train], [t for t, m in zip(y, train, strict=True) if m], l2)
            for vector, label in zip(x[test], [t for t, m in zip(y, test, strict=True) if m],
                                     strict=True):
                p = model.probabilities(vector)
                right += max(p, key=lambda k: p[k]) == label
        print(f"l2={l2:<6} cross-validated accuracy {100 * right / len(y):.1f}%")


def main() -> int:
    """Embed, fit, write (or only cross-validate)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--l2", type=float, default=L2)
    args = parser.parse_args()
    data = sentences()
    started = time.perf_counter()
    x = semantic.embed_many([t for _, t in data])
    y = [label for label, _ in data]
    print(f"{len(data)} sentences, {len(set(y))} labels, embedded in "
          f"{time.perf_counter() - started:.1f} s")
    if args.check:
        check(x, y)
        return 0
    model = fit(x, y, args.l2)
    model.save(CLASSIFIER_FILE)
    index = {label: i for i, label in enumerate(model.labels)}
    semantic.Neighbours(model.labels, x.astype(np.float32),
                        np.array([index[t] for t in y], np.int16)).save(NEIGHBOURS_FILE)
    train_right = sum(max(p := model.probabilities(v), key=lambda k: p[k]) == t
                      for v, t in zip(x, y, strict=True))
    print(f"wrote {CLASSIFIER_FILE} ({CLASSIFIER_FILE.stat().st_size // 1024} KiB) and "
          f"{NEIGHBOURS_FILE.name} ({NEIGHBOURS_FILE.stat().st_size // 1024} KiB), "
          f"training accuracy {100 * train_right / len(y):.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
