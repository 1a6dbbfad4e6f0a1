"""How long a `/voice` webhook waits on SQLite while `residents import` loads 30,000 residents
(issue 16, part 7): the import runs as its own process (`flask --app ivr residents import`),
as in production, while this process posts a signed `/voice` every 100 ms and times each.

    python -m bench.import_latency [--rows 30000] [--chunk 0|200]

`--chunk 0` is the old import (one transaction for the whole file); 200 is the default now.
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
from pathlib import Path

from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.core import migrate

TOKEN = "bench-token"
PUBLIC = "https://line.example.org"


def residents_csv(path: Path, rows: int) -> None:
    """`rows` residents in the demo's villages of 包河区."""
    rng = random.Random(16)
    villages = ["340111400001", "340111400002", "340111002001"]
    with path.open("w", encoding="utf-8") as out:
        out.write("phone,name,division,groups,needs,birth_year,notes\n")
        for n in range(rows):
            out.write(f"+86138{n:08d},居民{n},{rng.choice(villages)},elderly,meal,"
                      f"{rng.randint(1930, 1960)},\n")


def main() -> None:
    """Run the import beside a stream of calls; print the calls' latencies."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--chunk", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    url = f"sqlite:///{work / 'line.sqlite3'}"
    migrate.upgrade(url)
    env = {**os.environ, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "b",
           "DUTY_NUMBER": "+8655163000000", "PUBLIC_BASE_URL": PUBLIC, "FLASK_DEBUG": "1"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "ivr", "demo"], env=env,
                   check=True, capture_output=True)
    csv_path = work / "residents.csv"
    residents_csv(csv_path, args.rows)
    app = create_app({"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "b",
                      "DUTY_NUMBER": "+8655163000000", "PUBLIC_BASE_URL": PUBLIC,
                      "TESTING": True, "SPOOL_PATH": str(work / "spool.jsonl")})
    client = app.test_client()
    validator = RequestValidator(TOKEN)
    latencies: list[float] = []
    stop = threading.Event()

    def calls() -> None:
        n = 0
        while not stop.is_set():
            form = {"CallSid": f"CA{n:032d}", "From": f"+86139{n:08d}", "To": "+8655112345"}
            started = time.monotonic()
            client.post("/voice", data=form, base_url=PUBLIC, headers={
                "X-Twilio-Signature": validator.compute_signature(PUBLIC + "/voice", form)})
            latencies.append(time.monotonic() - started)
            n += 1
            time.sleep(0.1)

    caller = threading.Thread(target=calls)
    started = time.monotonic()
    importer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "ivr", "residents",
                                 "import", str(csv_path), "--chunk", str(args.chunk)], env=env)
    time.sleep(0.5)  # the import has started reading
    caller.start()
    importer.wait()
    took = time.monotonic() - started
    stop.set()
    caller.join()
    ordered = sorted(latencies)
    print(f"import of {args.rows} residents, chunk {args.chunk or 'none'}: {took:.1f} s; "
          f"{len(ordered)} calls: median {statistics.median(ordered) * 1000:.0f} ms, "
          f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f} ms, "
          f"max {ordered[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
