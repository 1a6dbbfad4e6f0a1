"""Calls that all arrive in the same instant, on PostgreSQL: `python -m bench.simultaneous`.

gunicorn with the Procfile's settings on a fresh database (`bench_speed`); after a warm-up,
`--runs` batches of `--calls` callers (200) start their calls at once, each answering after
3-6 s as a caller does; the load generator runs on the same machine. Prints, per run, the
load average, webhook p50/p95/max over the whole calls and over the simultaneous first
webhooks (/voice) alone, errors, and every call, contact and referral counted once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench import load
from bench.machine import describe, fresh_postgres


def main() -> int:
    """Five runs of 200 simultaneous calls against one server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18_965)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    url = fresh_postgres("bench_speed")
    env = load.environment(url, args.port)
    load.prepare(url, env)
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    server = load.start_gunicorn("bench.line_app:create_app()", args.port, env, args.workers,
                                 args.threads, log)
    print(f"machine: {describe()}; gunicorn -w {args.workers} -k gthread --threads "
          f"{args.threads}, PostgreSQL; {args.calls} calls starting in the same instant, "
          f"3-6 s between turns")
    p95s: list[float] = []
    try:
        load.calls(args.port, 4 * args.workers)  # warm-up: every worker has taken calls
        for n in range(args.runs):
            load.SLOWEST.clear()
            before = os.getloadavg()
            result = load.calls(args.port, args.calls, (3.0, 6.0), 0.0)
            first = sorted(t for t, kind, _ in load.SLOWEST if kind == "voice")
            records = load.check_records(url, result["sids"])
            p95s.append(result["p95_ms"])
            print(f"run {n + 1}: load average {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}; "
                  f"{result['calls']} calls, {result['requests']} webhooks, errors "
                  f"{result['errors']}; webhook p50 {result['p50_ms']:.0f} ms, p95 "
                  f"{result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms; the "
                  f"simultaneous /voice p50 {1000 * statistics.median(first):.0f} ms, p95 "
                  f"{1000 * first[int(len(first) * 0.95)]:.0f} ms, max "
                  f"{1000 * first[-1]:.0f} ms; {records}", flush=True)
    finally:
        server.terminate()
        server.wait()
    under = sum(p < 300 for p in p95s)
    print(f"p95 under 300 ms in {under} of {len(p95s)} runs "
          f"({', '.join(f'{p:.0f}' for p in p95s)} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
