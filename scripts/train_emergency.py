"""Train the emergency classifier: `python -m scripts.train_emergency [--check]`.

Reads `directory/data/emergency_train.tsv` (kind, sentence; written for training, apart from
the evaluation corpus), embeds each sentence with `directory.semantic`, prints a 5-fold
cross-validation of the emergency/none split and of the kind, and writes
`directory/data/emergency_model.npz`. `--check` only cross-validates.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from directory.emergency import MODEL_FILE
from directory.semantic import Classifier, embed_many

TRAIN_FILE = Path(__file__).resolve().parents[1] / "directory" / "data" / "emergency_train.tsv"
L2 = 1e-2
STEPS = 1500
RATE = 0.5


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


def balance(kinds: list[str]) -> np.ndarray:
    """Weights giving `none` as much weight as all emergencies together, kinds alike."""
    counts = {k: kinds.count(k) for k in set(kinds)}
    emergencies = len(counts) - (1 if "none" in counts else 0)
    return np.array([0.5 / counts[k] if k == "none" else 0.5 / (emergencies * counts[k])
                     for k in kinds], np.float32)


def fit(vectors: np.ndarray, kinds: list[str]) -> Classifier:
    """The classifier as shipped."""
    return Classifier.fit(vectors, kinds, l2=L2, steps=STEPS, rate=RATE,
                          weights=balance(kinds))


def cross_validate(vectors: np.ndarray, kinds: list[str], folds: int = 5) -> None:
    """Emergency recall and false alarms at the shipped thresholds, over held-out folds."""
    from directory.emergency import CLEAR_AT, UNCERTAIN_AT

    order = np.random.default_rng(14).permutation(len(kinds))
    danger = np.zeros(len(kinds))
    guessed = [""] * len(kinds)
    for f in range(folds):
        held = order[f::folds]
        train = np.setdiff1d(order, held)
        model = fit(vectors[train], [kinds[i] for i in train])
        rows = model.probability_rows(vectors[held])
        none = model.labels.index("none")
        for row, i in zip(rows, held, strict=True):
            danger[i] = 1.0 - row[none]
            row = row.copy()
            row[none] = -1
            guessed[i] = model.labels[int(row.argmax())]
    real = np.array([k != "none" for k in kinds])
    for name, at in (("clear", CLEAR_AT), ("clear or uncertain", UNCERTAIN_AT)):
        print(f"  {name:>18} (p >= {at:.2f}): recall {np.mean(danger[real] >= at):6.1%}, "
              f"false alarms {np.mean(danger[~real] >= at):6.1%}")
    right = np.mean([guessed[i] == kinds[i] for i in range(len(kinds)) if real[i]])
    print(f"  kind right among emergencies: {right:.1%}")
    missed = [(danger[i], kinds[i]) for i in range(len(kinds)) if real[i] and
              danger[i] < UNCERTAIN_AT]
    print(f"  {len(missed)} emergencies below {UNCERTAIN_AT}")


def main(argv: list[str] | None = None) -> int:
    """Embed, cross-validate and (unless --check) write the model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="cross-validate only")
    args = parser.parse_args(argv)
    kinds, texts = read()
    started = time.perf_counter()
    vectors = embed_many(texts)
    print(f"{len(texts)} sentences embedded in {time.perf_counter() - started:.1f} s; "
          f"{len(set(kinds))} labels")
    print("5-fold cross-validation:")
    cross_validate(vectors, kinds)
    if not args.check:
        fit(vectors, kinds).save(MODEL_FILE)
        print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
