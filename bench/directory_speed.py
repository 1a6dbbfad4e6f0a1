"""How fast the directory understands callers: `python -m bench.directory_speed [--china]`.

Hefei: build the matcher from the divisions CSV, then time every corpus utterance.
--china: import the 665,276 nationwide names into a fresh SQLite file with the product's
importer (printing import time and memory), build the matcher from the database as the service
does, and time the same utterances against it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import corpus
from bench.directory_accuracy import build
from bench.machine import describe, peak_rss_mib
from directory.phonetic import sounds
from directory.understanding import NeedMatcher, PlaceMatcher

CHINA = Path(__file__).resolve().parents[2] / "shared" / "data" / "china_divisions.csv.gz"


def timings(places: PlaceMatcher, needs: NeedMatcher, rounds: int = 3) -> list[float]:
    """Milliseconds per utterance (place and need together), over `rounds` passes."""
    texts = [(u.text, u.within or None) for u in corpus()]
    out: list[float] = []
    for _ in range(rounds):
        for text, within in texts:
            sounds.cache_clear()  # no help from having heard the same words before
            start = time.perf_counter()
            places.find(text, within=within)
            needs.find(text)
            out.append((time.perf_counter() - start) * 1000)
    return out


def summary(label: str, ms: list[float]) -> None:
    """Print median and tail latency."""
    ms = sorted(ms)
    p95 = ms[int(len(ms) * 0.95)]
    print(f"{label:42} n={len(ms):5}  median {statistics.median(ms):6.2f} ms  "
          f"p95 {p95:6.2f} ms  max {ms[-1]:6.2f} ms")


def hefei() -> None:
    """Figures against Hefei's 1,946 divisions."""
    start = time.perf_counter()
    places, needs = build()
    print(f"Hefei matcher built in {time.perf_counter() - start:.2f} s "
          f"({len(places)} divisions, readings included)")
    summary("one utterance vs all Hefei names", timings(places, needs))


def china(path: Path) -> None:
    """Figures against the nationwide file, through the product's importer and service."""
    from directory import service
    from directory.importer import import_path
    from ivr.core.db import make_engine
    from ivr.core.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/china.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            start = time.perf_counter()
            report = import_path(session, path)
            session.commit()
            print(f"nationwide import: {time.perf_counter() - start:.1f} s "
                  f"({report.summary()}), peak memory {peak_rss_mib():.0f} MiB")
            start = time.perf_counter()
            places, _ = service.matchers(session)
            print(f"nationwide matcher loaded from the database in "
                  f"{time.perf_counter() - start:.1f} s ({len(places)} divisions), "
                  f"peak memory {peak_rss_mib():.0f} MiB")
            _, category_matcher = build()
            summary("one utterance vs 665,276 names (district known"
                    "/unknown mixed)", timings(places, category_matcher, rounds=1))
        engine.dispose()


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--china", action="store_true", help="also the nationwide file")
    parser.add_argument("--china-file", type=Path, default=CHINA)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    hefei()
    if args.china:
        china(args.china_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
