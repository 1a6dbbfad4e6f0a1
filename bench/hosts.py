"""The line on several hosts sharing one PostgreSQL and one Redis: `python -m bench.hosts`.

Run by hand, as root (it makes network namespaces). Each app host is a network namespace
of its own (`ip netns` + a veth on one bridge, 10.77.0.0/24), running gunicorn (the
Procfile's settings, two workers) and the worker process (outbox, jobs, spool). The hosts
reach PostgreSQL and Redis on 127.0.0.1 through forwarders on the bridge (socat); they share
SECRET_KEY, the public URL Twilio signs, RATELIMIT_STORAGE_URI (Redis) and SPOOL_PATH (a
directory every host mounts: here the one file system). Then, printing each check:

1. calls placed through a round-robin "load balancer": every webhook of a call may reach a
   different host; 0 errors, and every call, contact and referral written exactly once;
2. every text message the calls produced sent exactly once, whichever host's worker sent it;
3. the 11th login attempt in a minute refused, whichever host it reaches;
4. a job's lease claimed at the same instant from every host: exactly one gets it;
5. one host cut off from the database: its callers still reach a person, their webhooks are
   spooled, and another host's worker writes them, once.

Then it removes the namespaces and forwarders. Prints the machine and the load average.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from bench.load import BIN, ROOT, TOKEN, check_records, environment, prepare
from bench.machine import describe, fresh_postgres
from bench.turns import SPEECH, load_average
from ivr.core.models import Conversation, JobRun, OutboxMessage, Referral
from ivr.core.statuses import OutboxStatus
from ivr.tools.phone import HttpTransport, Phone, ScriptedCaller

NET = "10.77.0"
BRIDGE = "spdbr0"
GATEWAY = f"{NET}.1"
PUBLIC = "https://line.example.org"
PORT = 8000
DATABASE = "bench_speed_hosts"
# Host 1 reaches the database through a forwarder of its own, so it alone can be cut off.
CUT_PORT = 15432


def sh(*args: str, check: bool = True) -> None:
    """Run one ip command."""
    subprocess.run(args, check=check, capture_output=True)


def make_network(hosts: int) -> list[str]:
    """The bridge and one namespace per host; the hosts' addresses."""
    remove_network(hosts)
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    addresses = []
    for i in range(1, hosts + 1):
        ns, outside, inside = f"spd-h{i}", f"spdv{i}", f"spdp{i}"
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        sh("ip", "link", "set", inside, "netns", ns)
        sh("ip", "link", "set", outside, "master", BRIDGE)
        sh("ip", "link", "set", outside, "up")
        address = f"{NET}.{10 + i}"
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{address}/24", "dev", inside)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        addresses.append(address)
    return addresses


def remove_network(hosts: int) -> None:
    """Whatever an earlier run left."""
    for i in range(1, hosts + 1):
        sh("ip", "netns", "del", f"spd-h{i}", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def forward(port: int, to: int) -> subprocess.Popen[bytes]:
    """A TCP forwarder from the bridge to a service on loopback (its own process group, so
    that stopping it also drops the connections it carries)."""
    return subprocess.Popen(
        ["socat", f"TCP-LISTEN:{port},bind={GATEWAY},fork,reuseaddr", f"TCP:127.0.0.1:{to}"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process and its group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def in_host(i: int, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A process inside host i's namespace."""
    return subprocess.Popen(["ip", "netns", "exec", f"spd-h{i}", *command], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_healthy(address: str) -> None:
    """Until the host's web process answers."""
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://{address}:{PORT}/healthz", timeout=1)
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise RuntimeError(f"host {address} did not start")


class Balancer(HttpTransport):
    """A round-robin load balancer in front of the hosts: each request to the public URL
    goes to the next host (the signature stays the public URL's, as Twilio signs it). A
    caller waits `think` seconds before each answer."""

    def __init__(self, addresses: list[str], served: Counter[str],
                 think: tuple[float, float] = (0.0, 0.0)) -> None:
        super().__init__(timeout=30)
        self.addresses = addresses
        self.served = served
        self.think = think
        self.first = True

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Send to the next host."""
        if not self.first and self.think[1] > 0:
            time.sleep(random.uniform(*self.think))
        self.first = False
        with _lock:
            address = self.addresses[next(_turns) % len(self.addresses)]
            self.served[address] += 1
        return super().post(url.replace(PUBLIC, f"http://{address}:{PORT}"), params, headers)


_lock = threading.Lock()
_turns = itertools.count()


def place_calls(addresses: list[str], n: int, think: tuple[float, float]) -> dict[str, Any]:
    """n whole calls starting over 2 s through the balancer; their CallSids, errors, hosts."""
    served: Counter[str] = Counter()
    sids: list[str] = []
    errors: list[str] = []

    def one(delay: float) -> None:
        time.sleep(delay)
        result = Phone(Balancer(addresses, served, think), TOKEN, PUBLIC,
                       ScriptedCaller(SPEECH),
                       from_number=f"+86139{uuid.uuid4().int % 10**8:08d}").run()
        with _lock:
            sids.append(result.call_sid)
            errors.extend(result.errors)

    threads = [threading.Thread(target=one, args=(2.0 * i / n,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return {"sids": sids, "errors": errors, "served": served}


def texts_once(url: str, sids: list[str], logs: list[Path], wait_s: float) -> str:
    """Every message of these calls' referrals sent, each by exactly one worker, once."""
    engine = create_engine(url)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            with Session(engine) as s:
                rows = s.execute(select(OutboxMessage.id, OutboxMessage.status,
                                        OutboxMessage.attempts)
                                 .join(Referral, Referral.id == OutboxMessage.referral_id)
                                 .join(Conversation, Conversation.id == Referral.conversation_id)
                                 .where(Conversation.key.in_(sids))).all()
            if (rows and all(r.status == OutboxStatus.SENT for r in rows)) \
                    or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    ids = {r.id for r in rows}
    sent_by: dict[int, list[str]] = {}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "sms.sent" and event.get("sms") in ids:
                sent_by.setdefault(int(event["sms"]), []).append(log.stem)
    twice = sum(len(v) > 1 for v in sent_by.values())
    by_host = Counter(host for hosts in sent_by.values() for host in hosts)
    return (f"{len(rows)} messages, {sum(r.status == OutboxStatus.SENT for r in rows)} sent, "
            f"{sum(r.attempts == 1 for r in rows)} at the first try, {len(sent_by)} in the "
            f"workers' logs, {twice} sent twice; sent by {dict(sorted(by_host.items()))}")


def logins(addresses: list[str]) -> list[tuple[str, int]]:
    """Eleven login attempts within a minute, each to the next host."""
    import re

    page = urllib.request.urlopen(f"http://{addresses[0]}:{PORT}/login", timeout=10)
    cookie = next(c.split(";")[0] for c in page.headers.get_all("Set-Cookie") or []
                  if c.startswith("session="))
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                      page.read().decode())
    assert token is not None
    codes = []
    for n in range(11):
        address = addresses[n % len(addresses)]
        data = urllib.parse.urlencode({"username": "operator", "password": "wrong",
                                       "csrf_token": token.group(1)}).encode()
        request = urllib.request.Request(
            f"http://{address}:{PORT}/login", data=data, method="POST",
            headers={"Cookie": cookie, "Referer": f"http://{address}:{PORT}/login"})
        try:
            codes.append((address, urllib.request.urlopen(request, timeout=10).status))
        except urllib.error.HTTPError as error:
            codes.append((address, error.code))
    return codes


LEASE = """
import sys, time
from ivr import create_app
from ivr.core import clock
from ivr.core.db import database
from ivr.worker import jobs
app = create_app()
with app.app_context(), database().sessions() as s:
    s.connection()
    while time.time() < float(sys.argv[1]):
        time.sleep(0.0005)
    print(int(jobs._lease(s, "purge", clock.now(), force=True)))
"""


def leases(hosts: int, envs: list[dict[str, str]], url: str) -> list[str]:
    """The purge job's lease claimed in the same instant from every host."""
    at = time.time() + 20  # every host's interpreter started
    running = [subprocess.Popen(["ip", "netns", "exec", f"spd-h{i + 1}", str(BIN / "python"),
                                 "-c", LEASE, str(at)], cwd=ROOT, env=envs[i],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
               for i in range(hosts)]
    got = [p.communicate(timeout=60)[0].decode().strip()[-1:] for p in running]
    engine = create_engine(url)
    with engine.begin() as conn:  # let the job run again
        conn.execute(update(JobRun).where(JobRun.name == "purge").values(locked_until=None))
    engine.dispose()
    return got


def outage(address: str, cut: subprocess.Popen[bytes], url: str, n: int,
           wait_s: float) -> str:
    """Host 1 cut off from the database: n calls to it alone, then their records."""
    stop(cut)
    sids = []
    dialled = 0
    for _ in range(n):
        done = Phone(Balancer([address], Counter()), TOKEN, PUBLIC, ScriptedCaller(SPEECH),
                     from_number=f"+86139{uuid.uuid4().int % 10**8:08d}").run()
        sids.append(done.call_sid)
        dialled += bool(done.dialled)
    engine = create_engine(url)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        with Session(engine) as s:
            written = s.scalar(select(func.count()).select_from(Conversation)
                               .where(Conversation.key.in_(sids))) or 0
        if written == n:
            break
        time.sleep(1)
    engine.dispose()
    return f"{dialled}/{n} callers put through to a person; after the spool: " + \
        check_records(url, sids)


def replayed(logs: list[Path]) -> dict[str, int]:
    """How many spooled webhooks each host's worker wrote."""
    counts: dict[str, int] = {}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "job.run" and event.get("replayed"):
                counts[log.stem] = counts.get(log.stem, 0) + int(event["replayed"])
    return counts


def main() -> int:
    """Build the hosts, run the checks, take it all down."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=3, choices=(2, 3))
    parser.add_argument("--calls", type=int, default=90)
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5))
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench.hosts makes network namespaces: run it as root")
        return 2
    url = fresh_postgres(DATABASE)
    base = environment(url, PORT)
    prepare(url, base)
    tmp = Path(tempfile.mkdtemp(prefix="bench-hosts-"))
    os.chmod(tmp, 0o755)
    prefix = f"bench-hosts-{uuid.uuid4().hex[:8]}"
    addresses = make_network(args.hosts)
    forwarders = [forward(5432, 5432), forward(6379, 6379)]
    cut = forward(CUT_PORT, 5432)
    processes: list[subprocess.Popen[bytes]] = []
    envs: list[dict[str, str]] = []
    print(f"machine: {describe()}; load average {load_average()}; {args.hosts} hosts "
          f"({', '.join(addresses)}), each gunicorn -w 2 -k gthread --threads 4 and a worker, "
          f"on one PostgreSQL and one Redis")
    try:
        for i, address in enumerate(addresses, start=1):
            port = CUT_PORT if i == 1 else 5432
            env = {**base, "PUBLIC_BASE_URL": PUBLIC,
                   "DATABASE_URL": f"postgresql+psycopg://postgres@{GATEWAY}:{port}/{DATABASE}",
                   "RATELIMIT_STORAGE_URI": f"redis://{GATEWAY}:6379/14",
                   "RATELIMIT_KEY_PREFIX": prefix, "SPOOL_PATH": str(tmp / "spool.jsonl"),
                   "SMS_PROVIDER": "log", "SESSION_COOKIE_SECURE": "0"}
            envs.append(env)
            web = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
                   "-k", "gthread", "--threads", "4", "-b", f"{address}:{PORT}",
                   "--timeout", "30", "bench.line_app:create_app()"]
            processes.append(in_host(i, web, env, tmp / f"web-{address}.log"))
            processes.append(in_host(i, [str(BIN / "flask"), "--app", "ivr", "worker"], env,
                                     tmp / f"worker-{address}.log"))
        for address in addresses:
            wait_healthy(address)
        result = place_calls(addresses, args.calls, (args.think[0], args.think[1]))
        print(f"1. {args.calls} calls through the balancer (webhooks served: "
              f"{dict(sorted(result['served'].items()))}): errors {len(result['errors'])}; "
              f"{check_records(url, result['sids'])}; load average {load_average()}")
        worker_logs = [tmp / f"worker-{a}.log" for a in addresses]
        print(f"2. texts: {texts_once(url, result['sids'], worker_logs, 90)}")
        codes = logins(addresses)
        print("3. login attempts, in order: " + ", ".join(f"{a} {c}" for a, c in codes)
              + f" -> the 11th {'refused' if codes[-1][1] == 429 else 'NOT refused'}")
        got = leases(args.hosts, envs, url)
        print(f"4. the purge job's lease claimed at once from {args.hosts} hosts: "
              f"{got.count('1')} got it ({', '.join(got)})")
        print(f"5. host {addresses[0]} cut off from the database: "
              f"{outage(addresses[0], cut, url, 10, 60)}; spooled webhooks replayed by "
              f"{replayed(worker_logs)}; load average {load_average()}")
    finally:
        for process in processes + forwarders + [cut]:
            stop(process)
        remove_network(args.hosts)
    print(f"logs: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
