"""Calls that all arrive in the same instant, on PostgreSQL: `python -m bench.simultaneous
[--yardstick] [--runs N] [--calls N] [--database NAME]`.

gunicorn with the Procfile's settings on a fresh database (`bench_speed2`); after a warm-up,
`--runs` batches of `--calls` callers (200) start their calls at once, each answering after
3-6 s as a caller does; the load generator runs on the same machine. Prints, per run, the
load average, webhook p50/p95/max over the whole calls and over the simultaneous first
webhooks (/voice) alone, errors, and every call, contact and referral counted once.

`--yardstick`: the yardstick (`bench/yardstick_app.py`, the least a correct line does) runs
too, under the same gunicorn settings on the same database, and every run places one batch
against each, A B B A, so the two p95s of a run were taken a minute apart on the same machine:
what p95 the hardware allows at all, beside what the line gets. `--baseline DIR`: a second
line from another checkout (e.g. `git worktree add /tmp/base main`), on a database of its own
(`<database>_base`, migrated by its own code), also in every run: a cut measured side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from bench import load
from bench.machine import describe, fresh_postgres


def _yard_records(url: str, sids: list[str]) -> str:
    """Every yardstick call written once, with its turns."""
    from bench.yardstick_app import calls, turns

    engine = create_engine(url)
    with engine.connect() as conn:
        written = conn.scalar(select(func.count()).select_from(calls)
                              .where(calls.c.call_sid.in_(sids)))
        heard = conn.scalar(select(func.count()).select_from(turns)
                            .where(turns.c.call_sid.in_(sids)))
    engine.dispose()
    return f"calls {written}/{len(sids)}, turns {heard}/{len(sids) * (len(load.SCRIPT) + 1)}"


def batch(port: int, calls: int, url: str, yardstick: bool) -> dict[str, Any]:
    """One batch of simultaneous calls; the figures and the records counted."""
    load.SLOWEST.clear()
    before = os.getloadavg()
    result = load.calls(port, calls, (3.0, 6.0), 0.0)
    first = sorted(t for t, kind, _ in load.SLOWEST if kind == "voice")
    result["first"] = first
    result["load"] = before
    result["records"] = (_yard_records if yardstick else load.check_records)(url, result["sids"])
    return result


def describe_batch(label: str, result: dict[str, Any]) -> str:
    """One batch as a line of the report."""
    first, before = result["first"], result["load"]
    return (f"{label}: load average {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}; "
            f"{result['calls']} calls, {result['requests']} webhooks, errors "
            f"{result['errors']}; webhook p50 {result['p50_ms']:.0f} ms, p95 "
            f"{result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms; the simultaneous "
            f"/voice p50 {1000 * statistics.median(first):.0f} ms, p95 "
            f"{1000 * first[int(len(first) * 0.95)]:.0f} ms, max {1000 * first[-1]:.0f} ms; "
            f"{result['records']}")


def main() -> int:
    """Five runs of 200 simultaneous calls against the line (and the yardstick)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18_965)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", default="bench_speed2",
                        help="the PostgreSQL database made afresh for the run")
    parser.add_argument("--yardstick", action="store_true",
                        help="the yardstick too, side by side in every run")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout of the line, run beside this one")
    args = parser.parse_args()
    url = fresh_postgres(args.database)
    env = load.environment(url, args.port)
    load.prepare(url, env)
    logs = Path(tempfile.mkdtemp(prefix="bench-simultaneous-"))
    servers = {"line": load.start_gunicorn("bench.line_app:create_app()", args.port, env,
                                           args.workers, args.threads, logs / "line.log")}
    ports = {"line": args.port}
    urls = {"line": url}
    if args.baseline:
        root = args.baseline.resolve()
        urls["baseline"] = fresh_postgres(f"{args.database}_base")
        base_env = {**load.environment(urls["baseline"], args.port + 2),
                    "PYTHONPATH": str(root)}
        load.prepare(urls["baseline"], base_env, root)
        servers["baseline"] = load.start_gunicorn(
            "bench.line_app:create_app()", args.port + 2, base_env, args.workers,
            args.threads, logs / "baseline.log", root)
        ports["baseline"] = args.port + 2
    if args.yardstick:
        from bench.yardstick_app import metadata

        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yard_env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port + 1}",
                    "YARDSTICK_QUESTIONS": str(len(load.SCRIPT))}
        servers["yardstick"] = load.start_gunicorn(
            "bench.yardstick_app:create_app()", args.port + 1, yard_env, args.workers,
            args.threads, logs / "yardstick.log")
        ports["yardstick"] = args.port + 1
        urls["yardstick"] = url
    print(f"machine: {describe()}; gunicorn -w {args.workers} -k gthread --threads "
          f"{args.threads}, PostgreSQL; {args.calls} calls starting in the same instant, "
          f"3-6 s between turns; {' and '.join(servers)}; logs in {logs}", flush=True)
    p95s: dict[str, list[float]] = {name: [] for name in servers}
    try:
        for port in ports.values():  # warm-up: every worker has taken calls
            load.calls(port, 4 * args.workers)
        for n in range(args.runs):
            order = list(ports) if n % 2 == 0 else list(ports)[::-1]
            for name in order:
                result = batch(ports[name], args.calls, urls[name], name == "yardstick")
                p95s[name].append(result["p95_ms"])
                print(describe_batch(f"run {n + 1}, {name}", result), flush=True)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    for name, figures in p95s.items():
        under = sum(p < 300 for p in figures)
        print(f"{name}: p95 under 300 ms in {under} of {len(figures)} runs "
              f"({', '.join(f'{p:.0f}' for p in figures)} ms; median "
              f"{statistics.median(figures):.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
