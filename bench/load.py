"""Many simulated callers against gunicorn on 127.0.0.1: `python -m bench.load`.

Each caller follows the TwiML as Twilio does (the terminal phone's logic) and signs every
request. Prints webhook latency, errors, "database is locked" lines and whether every call,
contact and referral was written exactly once. Bounded in count and time; loopback only. The
turn throughput beside the yardstick is `bench/turns.py`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.machine import describe, fresh_postgres
from ivr.core.models import Call, Conversation, Referral
from ivr.tools.phone import HttpTransport, Phone, ScriptedCaller

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
TOKEN = "load-test-token"
SLOWEST: list[tuple[float, str, str]] = []
SCRIPT = ["我想找人帮忙做饭", "我住在包和区滨湖世纪社区", "2", "2"]


class TimedTransport(HttpTransport):
    """Records the latency of every webhook request; waits `think` seconds before each one
    after the first, as a caller listens to a prompt and answers it."""

    def __init__(self, times: list[float], think: tuple[float, float] = (0.0, 0.0)) -> None:
        super().__init__(timeout=30)
        self.times = times
        self.think = think
        self.first = True

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Time one request."""
        if not self.first and self.think[1] > 0:
            time.sleep(random.uniform(*self.think))
        self.first = False
        began = time.perf_counter()
        answer = super().post(url, params, headers)
        elapsed = time.perf_counter() - began
        self.times.append(elapsed)
        SLOWEST.append((elapsed, url.split("?")[0].rsplit("/", 2)[-1], params.get("Digits", "")
                        or params.get("SpeechResult", "")[:8]))
        return answer


def start_gunicorn(app: str, port: int, env: dict[str, str], workers: int, threads: int,
                   log: Path, root: Path = ROOT) -> subprocess.Popen[bytes]:
    """gunicorn on loopback; waits until it answers. `root`: another checkout of the line
    (its code is imported first: gunicorn puts its directory first on the path)."""
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(root / "gunicorn.conf.py"), "-w", str(workers),
         "-k", "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}",
         "--timeout", "30", app],
        cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except Exception:
            time.sleep(0.2)
    return process


def environment(url: str, port: int) -> dict[str, str]:
    """Settings of the service under load."""
    return {**os.environ, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "load", "DUTY_NUMBER": "+8655163000000",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "OPERATOR_HOURS": "24/7"}


def prepare(url: str, env: dict[str, str], root: Path = ROOT) -> None:
    """Migrate and load the demo directory (with the code of `root`)."""
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "ivr", *command], cwd=root, env=env,
                       check=True, capture_output=True)


def calls(port: int, concurrent: int, think: tuple[float, float] = (0.0, 0.0),
          ramp: float = 0.0) -> dict[str, Any]:
    """`concurrent` callers, each one whole call, starting evenly over `ramp` seconds."""
    times: list[float] = []
    results: list[Any] = []
    lock = threading.Lock()

    def one(delay: float) -> None:
        time.sleep(delay)
        phone = Phone(TimedTransport(times, think), TOKEN, f"http://127.0.0.1:{port}",
                      ScriptedCaller(SCRIPT),
                      from_number=f"+86139{uuid.uuid4().int % 10**8:08d}")
        result = phone.run()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one, args=(ramp * i / concurrent,))
               for i in range(concurrent)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    ordered = sorted(times)
    return {"calls": len(results), "requests": len(times),
            "errors": sum(len(r.errors) for r in results),
            "p50_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[int(len(ordered) * 0.95)],
            "max_ms": 1000 * ordered[-1],
            "seconds": elapsed, "sids": [r.call_sid for r in results]}


def check_records(url: str, sids: list[str]) -> str:
    """Every call, contact and referral written once."""
    engine = create_engine(url)
    with Session(engine) as s:
        calls_n = s.scalar(select(func.count()).select_from(Call).where(Call.call_sid.in_(sids)))
        contacts = s.scalar(select(func.count()).select_from(Conversation)
                            .where(Conversation.key.in_(sids)))
        referrals = s.scalar(select(func.count()).select_from(Referral).join(
            Conversation, Conversation.id == Referral.conversation_id)
            .where(Conversation.key.in_(sids)))
    engine.dispose()
    return f"calls {calls_n}/{len(sids)}, contacts {contacts}/{len(sids)}, " \
           f"referrals {referrals}/{len(sids)}"


@dataclass(frozen=True)
class Options:
    """What one run measures, and how the callers behave."""

    port: int
    think: tuple[float, float]
    ramp: float


def run(label: str, url: str, concurrent: int, workers: int, threads: int,
        options: Options) -> None:
    """One database: the calls and their records."""
    port = options.port
    env = environment(url, port)
    prepare(url, env)
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    settings = f"gunicorn -w {workers} -k gthread --threads {threads}"
    server = start_gunicorn("bench.line_app:create_app()", port, env, workers, threads, log)
    try:
        calls(port, 4 * workers)  # warm-up: every worker has taken calls
        SLOWEST.clear()
        result = calls(port, concurrent, options.think, options.ramp)
        records = check_records(url, result["sids"])
    finally:
        server.terminate()
        server.wait()
    locked = log.read_text(errors="replace").count("database is locked")
    print(f"{label}: {concurrent} concurrent calls ({settings}), starting over "
          f"{options.ramp:g} s, {options.think[0]:g}-{options.think[1]:g} s between turns "
          f"({result['requests']} webhooks) in {result['seconds']:.1f} s; errors "
          f"{result['errors']}; 'database is locked' {locked}; webhook p50 "
          f"{result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, max "
          f"{result['max_ms']:.0f} ms; {records}")
    worst = sorted(SLOWEST, reverse=True)[:6]
    print(f"{label}: slowest webhooks: " + ", ".join(f"{w[1]} {w[2]} {w[0] * 1000:.0f} ms"
                                                    for w in worst))


def main() -> int:
    """SQLite with 20 callers, PostgreSQL with 200."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18_765)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 6.0),
                        metavar=("MIN", "MAX"),
                        help="seconds a caller takes to hear a prompt and answer (0 0: none)")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="seconds over which the calls start (0: all in the same instant)")
    parser.add_argument("--workers", type=int, nargs=2, default=(4, 4),
                        metavar=("SQLITE", "POSTGRES"), help="gunicorn workers for each database")
    parser.add_argument("--threads", type=int, nargs=2, default=(4, 4),
                        metavar=("SQLITE", "POSTGRES"),
                        help="gunicorn threads per worker for each database (the Procfile: 4)")
    args = parser.parse_args()
    options = Options(args.port, (args.think[0], args.think[1]), args.ramp)
    print(f"machine: {describe()}")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/load.sqlite3", 20, args.workers[0], args.threads[0],
                options)
    if not args.skip_postgres:
        run("PostgreSQL", fresh_postgres("bench_load"), 200, args.workers[1], args.threads[1],
            options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
