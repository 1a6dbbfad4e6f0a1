"""Whole calls in process, each webhook's CPU time by kind: `python -m bench.profile_call`.

The line (`bench/line_app.py`) on a migrated demo database, driven by the terminal phone
through Flask's test client, so a profiler attached to this process sees only the line and
the client (`py-spy record -o calls.svg -- .venv/bin/python -m bench.profile_call`).
Prints the median thread CPU time of /voice, a spoken turn, a keyed turn and the status
callback, the machine and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from bench.load import TOKEN, environment, prepare
from bench.machine import describe
from bench.turns import KEYS, SPEECH
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller

TIMES: dict[str, list[float]] = defaultdict(list)


class Timed(FlaskTransport):
    """CPU time of each request (every thread of the process), by the kind of webhook."""

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Time one request."""
        began = time.process_time()
        answer = super().post(url, params, headers)
        kind = url.split("?")[0].rsplit("/", 1)[-1]
        if kind == "turn":
            kind = "turn, speech" if params.get("SpeechResult") else "turn, keys"
        TIMES[kind].append(time.process_time() - began)
        return answer


def main() -> int:
    """Prepare (or reuse) a database, then place the calls."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--url", help="a prepared database (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, help="keep the prepared SQLite file here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    url = args.url
    if url is None:
        db = tmp / "line.sqlite3"
        if args.keep and args.keep.exists():
            shutil.copy(args.keep, db)
        url = f"sqlite:///{db}"
    env = environment(url, 80)
    if args.url is None and not (args.keep and args.keep.exists()):
        prepare(url, env)
        if args.keep:
            shutil.copy(tmp / "line.sqlite3", args.keep)
    os.environ.update({k: v for k, v in env.items() if k not in os.environ or k in (
        "DATABASE_URL", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SECRET_KEY")})
    from bench.line_app import create_app
    from ivr.core.warm import warm

    app = create_app()
    warm(app)
    transport = Timed(app)
    for n in range(args.calls):
        Phone(transport, TOKEN, "http://127.0.0.1:80", ScriptedCaller(KEYS if n % 2 else SPEECH),
              from_number=f"+86139{uuid.uuid4().int % 10**8:08d}").run()
    print(f"machine: {describe()}; load average {os.getloadavg()[0]:.2f}; "
          f"{args.calls} calls in process ({url.split(':')[0]})")
    for kind, times in sorted(TIMES.items()):
        print(f"{kind}: median {1000 * statistics.median(times):.2f} ms CPU "
              f"({len(times)} requests)")
    whole = sum(sum(t) for t in TIMES.values()) / args.calls
    print(f"a whole call: {1000 * whole:.1f} ms CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
