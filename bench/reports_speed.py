"""The quarterly per-township calls report on 1,000,000 contacts: `python -m bench.reports_speed`.

Fills a fresh SQLite file and a fresh PostgreSQL database (bench_reports on 127.0.0.1) with
generated contacts through the product's migrations, then times the report beside one
hand-written GROUP BY over the same table. Prints the machine it ran on.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bench.generate import contacts
from bench.machine import describe, fresh_postgres
from directory.lexicon import HEFEI_DIVISIONS_FILE
from ivr.core.db import make_engine
from ivr.core.migrate import upgrade
from ivr.core.models import Conversation
from ivr.reports import figures

HAND_WRITTEN = """
SELECT substr(area_code, 1, 9) AS township, count(*) AS offered,
       sum(CASE WHEN handed_off THEN 1 ELSE 0 END) AS handed_off,
       sum(CASE WHEN answered THEN 1 ELSE 0 END) AS answered,
       sum(CASE WHEN abandoned THEN 1 ELSE 0 END) AS abandoned
FROM conversations
WHERE local_date >= :start AND local_date <= :end
GROUP BY substr(area_code, 1, 9)
"""


def villages() -> list[str]:
    """Every Hefei village code: contacts are spread over all of them."""
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f) if r["level"] == "5"]


def fill(url: str, n: int) -> float:
    """Migrate and insert n contacts; return seconds taken."""
    upgrade(url)
    engine = make_engine(url)
    began = time.perf_counter()
    rows = contacts(n, seed=11, start=datetime(2026, 1, 1, tzinfo=UTC), days=181,
                    areas=villages())
    with Session(engine) as session:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                session.execute(insert(Conversation), batch)
                batch = []
        if batch:
            session.execute(insert(Conversation), batch)
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE conversations"))
        else:
            session.execute(text("ANALYZE"))
        session.commit()
    engine.dispose()
    return time.perf_counter() - began


def timed(run: Callable[[], object], rounds: int = 3) -> float:
    """Median seconds of `rounds` runs (after one warm-up)."""
    run()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(label: str, url: str, n: int) -> None:
    """Fill, then time the report and the hand-written query."""
    seconds = fill(url, n)
    engine = make_engine(url)
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    with Session(engine) as session:
        report = timed(lambda: figures.calls(session, start, end, "township"))
        raw = timed(lambda: session.execute(text(HAND_WRITTEN),
                                            {"start": start, "end": end}).all())
        rows = len(figures.calls(session, start, end, "township").rows)
    engine.dispose()
    print(f"{label:10} {n:,} contacts loaded in {seconds:.0f} s; quarterly calls report by "
          f"township ({rows} rows): {report:.2f} s; hand-written GROUP BY: {raw:.2f} s")


def main() -> int:
    """Run on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/reports.sqlite3", args.n)
    if not args.skip_postgres:
        measure("PostgreSQL", fresh_postgres("bench_reports"), args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
