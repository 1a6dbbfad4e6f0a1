#!/usr/bin/env python3
"""Split the evaluation corpora into dev and test parts.

Each line goes to `dev` or `test` by a seeded SHA-256 hash of its `id`.
The split is stratified: inside every stratum (label/category x kind) the
lines are ordered by their hash and dealt alternately to dev and test, so
every stratum with two or more lines appears in both parts and each part
gets about half.  The result depends only on the ids and SEED, so rerunning
the script gives the same split.

Round 1 (emergency, needs) uses SEED, round 2 (emergency2, needs2) SEED2,
round 3 (emergency3, needs3) SEED3; adding a round leaves the earlier rounds'
outputs byte for byte unchanged.  A corpus whose file is not there yet is
skipped (the round-3 writers work at the same time, each on one file).

Usage: python3 bench/corpora/split.py   (Python 3.11, standard library only)
"""
import csv
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

SEED = "hefei-corpora-2026-12-01"      # round 1 (emergency, needs)
SEED2 = "hefei-corpora-2026-12-02"     # round 2 (emergency2, needs2)
SEED3 = "hefei-corpora-round3-2026-12-02"  # round 3 (emergency3, needs3)
SEED4 = "hefei-corpora-round4-2026-12-02"  # round 4 (emergency4)
SEED5 = "hefei-corpora-round5-2026-12-02"  # round 5 (emergency5)
SEED7 = "hefei-corpora-round7-2026-12-02"  # round 7 (emergency7)
SEED8 = "hefei-corpora-round8-2026-12-03"  # round 8 (emergency8)
SEED9 = "hefei-corpora-round9-2026-12-03"  # round 9 (emergency9)
SEED10 = "hefei-corpora-round10-2026-12-03"  # round 10 (emergency10)
SEED11 = "hefei-corpora-round11-2026-12-03"  # round 11 (emergency11)
SEED19 = "hefei-corpora-round19-2026-12-03"  # round 6 (emergency19)
SEED20 = "hefei-corpora-round20-2026-12-03"  # round 6 (emergency20)
SEED26 = "hefei-corpora-round26-2026-12-03"  # round 6, second half (emergency26)
SEED27 = "hefei-corpora-round27-2026-12-03"  # round 6, second half (emergency27)
SEED33 = "hefei-corpora-round33-2026-12-04"  # round 7 (emergency33)
SEED34 = "hefei-corpora-round34-2026-12-04"  # round 7 (emergency34)
SEED40 = "hefei-corpora-round40-2026-12-04"  # round 7, second half (emergency40)
SEED41 = "hefei-corpora-round41-2026-12-04"  # round 7, second half (emergency41)
HERE = Path(__file__).resolve().parent
# corpus name -> (column holding the class, seed)
CORPORA = {
    "emergency": ("label", SEED),
    "needs": ("category", SEED),
    "emergency2": ("label", SEED2),
    "needs2": ("category", SEED2),
    "emergency3": ("label", SEED3),
    "needs3": ("category", SEED3),
    "emergency4": ("label", SEED4),
    "emergency5": ("label", SEED5),
    "emergency7": ("label", SEED7),
    "emergency8": ("label", SEED8),
    "emergency9": ("label", SEED9),
    "emergency10": ("label", SEED10),
    "emergency11": ("label", SEED11),
    "emergency19": ("label", SEED19),
    "emergency20": ("label", SEED20),
    "emergency26": ("label", SEED26),
    "emergency27": ("label", SEED27),
    "emergency33": ("label", SEED33),
    "emergency34": ("label", SEED34),
    "emergency40": ("label", SEED40),
    "emergency41": ("label", SEED41),
}
# From round 8 on, emergencyN is split with the seed hefei-corpora-roundN-<its day>.
CORPORA.update({f"emergency{n}": ("label", f"hefei-corpora-round{n}-2026-12-04")
                for n in (44, 45, 51, 52, 53, 54, 58, 59)})


def h(text: str, seed: str = SEED) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def read(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return reader.fieldnames, list(reader)


def assign(rows, class_col, seed=SEED):
    strata = defaultdict(list)
    for r in rows:
        strata[(r[class_col], r["kind"])].append(r["id"])
    part = {}
    # Strata with an odd number of lines leave one line over; hand those
    # extras alternately to dev and test (strata ordered by hash) so the
    # totals stay close to 50/50.
    odd = sorted((k for k, v in strata.items() if len(v) % 2),
                 key=lambda k: h("|".join(k), seed))
    extra_to = {k: ("dev" if i % 2 == 0 else "test") for i, k in enumerate(odd)}
    for key, ids in sorted(strata.items()):
        ids.sort(key=lambda i: h(i, seed))
        first = extra_to.get(key, "dev")
        second = "test" if first == "dev" else "dev"
        for i, id_ in enumerate(ids):
            part[id_] = first if i % 2 == 0 else second
    return part


def write(path: Path, fields, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, delimiter="\t",
                           quoting=csv.QUOTE_NONE, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> int:
    for name, (class_col, seed) in CORPORA.items():
        if not (HERE / f"{name}.tsv").exists():
            print(f"{name}: no {name}.tsv yet, skipped")
            continue
        fields, rows = read(HERE / f"{name}.tsv")
        ids = [r["id"] for r in rows]
        if len(ids) != len(set(ids)):
            sys.exit(f"{name}.tsv: duplicate ids")
        part = assign(rows, class_col, seed)
        counts = defaultdict(lambda: defaultdict(int))
        for p in ("dev", "test"):
            chosen = [r for r in rows if part[r["id"]] == p]
            write(HERE / f"{name}.{p}.tsv", fields, chosen)
            for r in chosen:
                counts[(r[class_col], r["kind"])][p] += 1
        n_dev = sum(c["dev"] for c in counts.values())
        n_test = sum(c["test"] for c in counts.values())
        print(f"{name}: {len(rows)} lines -> dev {n_dev}, test {n_test}")
        for key in sorted(counts):
            c = counts[key]
            print(f"  {key[0]:<12} {key[1]:<13} dev {c['dev']:>3}  test {c['test']:>3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
