"""The line's turn throughput beside the yardstick's, side by side in one run:
`python -m bench.turns [--rounds N] [--seconds S] [--skip-sqlite] [--skip-postgres]`.

Both run under gunicorn with the line's settings (gunicorn.conf.py, `-w 4 -k gthread
--threads 4`) on the same database settings, at the same time on two ports; the same client
(two processes of eight callers placing whole signed calls back to back) drives them in turn,
A B B A …, for several rounds. Each call is the greeting, the answers and the status callback;
a caller speaks (need, place, then keys: four answers) or keys every answer (`--keys`,
eight answers); the yardstick asks as many questions. Prints the machine,
the load average, each round's turns per second and the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.load import BIN, TOKEN, environment, prepare, start_gunicorn
from bench.machine import describe, fresh_postgres
from ivr.tools.phone import HttpTransport, Phone, ScriptedCaller

# The line's answers to the need question, the place question, the route menu and the SMS
# menu: spoken need and place, then keys (an SMS of the provider's number, then goodbye).
SPEECH = ["我想找人帮忙做饭", "我住在包和区滨湖世纪社区", "2", "2"]
# Every answer keyed: a need (1), the keyed list (1, then 1: 送饭), the keyed places (1,
# then 3: 蜀山区, then 1: 三里庵街道), SMS (2), nothing else (2).
KEYS = ["1", "1", "1", "1", "3", "1", "2", "2"]
LINE = "bench.line_app:create_app()"
YARDSTICK = "bench.yardstick_app:create_app()"


def _callers(port: int, threads: int, seconds: float, script: list[str]) -> tuple[int, int]:
    """One client process: `threads` callers placing whole calls back to back; returns the
    webhooks answered and the calls that went wrong (an error or the wrong number of
    webhooks)."""
    stop = time.perf_counter() + seconds
    totals = [0, 0]
    lock = threading.Lock()

    def loop() -> None:
        done = bad = 0
        while time.perf_counter() < stop:
            result = Phone(HttpTransport(timeout=30), TOKEN, f"http://127.0.0.1:{port}",
                           ScriptedCaller(script),
                           from_number=f"+86139{uuid.uuid4().int % 10**8:08d}").run()
            done += result.requests
            # /voice, a turn per answer, /voice/status
            bad += bool(result.errors) or result.requests != len(script) + 2
        with lock:
            totals[0] += done
            totals[1] += bad

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return totals[0], totals[1]


def turns_per_second(port: int, seconds: float, script: list[str], processes: int = 2,
                     threads: int = 8) -> tuple[float, int]:
    """Webhooks a second that callers placing whole calls get answered, and the bad calls."""
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        counts = pool.starmap(_callers, [(port, threads, seconds, script)] * processes)
    return sum(c[0] for c in counts) / seconds, sum(c[1] for c in counts)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(label: str, url: str, rounds: int, seconds: float, script: list[str],
            port: int) -> float:
    """Line and yardstick, side by side on one database; the median ratio."""
    env = environment(url, port)
    prepare(url, env)
    yard_env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port + 1}",
                "YARDSTICK_QUESTIONS": str(len(script))}
    from sqlalchemy import create_engine

    from bench.yardstick_app import metadata

    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    logs = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    settings = "gunicorn -c gunicorn.conf.py -w 4 -k gthread --threads 4"
    line = start_gunicorn(LINE, port, env, 4, 4, logs / "line.log")
    yard = start_gunicorn(YARDSTICK, port + 1, yard_env, 4, 4, logs / "yardstick.log")
    ratios: list[float] = []
    try:
        for target in (port, port + 1):  # warm-up: every worker has taken calls
            turns_per_second(target, 2.0, script)
        print(f"{label}: {settings}, {rounds} rounds of {seconds:g} s, script {script}, "
              f"load average {load_average()}")
        for n in range(rounds):
            order = (port, port + 1) if n % 2 == 0 else (port + 1, port)
            got = {target: turns_per_second(target, seconds, script) for target in order}
            (line_rate, line_bad), (yard_rate, yard_bad) = got[port], got[port + 1]
            ratios.append(line_rate / yard_rate)
            print(f"{label} round {n + 1}: line {line_rate:.0f} webhooks/s ({line_bad} bad "
                  f"calls), yardstick {yard_rate:.0f} webhooks/s ({yard_bad} bad calls), "
                  f"ratio {line_rate / yard_rate:.0%}; load average {load_average()}")
    finally:
        for server in (line, yard):
            server.terminate()
            server.wait()
    median = statistics.median(ratios)
    print(f"{label}: median ratio line/yardstick {median:.0%} "
          f"(rounds {', '.join(f'{r:.0%}' for r in ratios)})")
    return median


def main() -> int:
    """SQLite, then PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18_865)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--keys", action="store_true", help="key every answer")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    script = KEYS if args.keys else SPEECH
    print(f"machine: {describe()}; gunicorn {BIN / 'gunicorn'}")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            compare("SQLite", f"sqlite:///{tmp}/turns.sqlite3", args.rounds, args.seconds,
                    script, args.port)
    if not args.skip_postgres:
        compare("PostgreSQL", fresh_postgres("bench_speed2"), args.rounds, args.seconds,
                script, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
