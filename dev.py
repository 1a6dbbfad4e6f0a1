#!/usr/bin/env python3
"""The two quick-start commands: `python3 dev.py serve [--port N]` and `python3 dev.py test`.

Each makes a virtual environment in .venv (once), installs the locked dependencies
(requirements.lock, checked by hash) and the project when either changed, and runs.
Needs nothing but Python 3.11.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
LOCK = ROOT / "requirements.lock"
ENV_FILE = ROOT / ".env"
HOST, DEFAULT_PORT = "127.0.0.1", 5000
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def step(message: str) -> float:
    """Say what is about to happen (nothing here runs silently for long)."""
    print(f"==> {message}", flush=True)
    return time.monotonic()


def done(started: float) -> None:
    """Say how long the step took."""
    print(f"    done in {time.monotonic() - started:.1f} s", flush=True)


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies and the project, when either changed."""
    if not (BIN / "python").exists():
        started = step("Creating the virtual environment .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
        done(started)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    started = step(f"Installing the locked dependencies ({LOCK.name}, checked by hash) into .venv")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(LOCK)], check=True)
    # The project itself has no hash (it is this checkout); its dependencies are all above.
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)
    done(started)


def ensure_dev_settings(port: int) -> None:
    """Write a .env with local development settings (never used in production)."""
    if ENV_FILE.exists():
        return
    ENV_FILE.write_text(
        "# Local development settings written by dev.py; production sets real values.\n"
        f"TWILIO_AUTH_TOKEN=dev-{secrets.token_hex(16)}\n"
        f"SECRET_KEY={secrets.token_hex(32)}\n"
        "DUTY_NUMBER=+8655163000000\n"
        "EMERGENCY_NUMBER=+8655163000120\n"
        f"PUBLIC_BASE_URL=http://{HOST}:{port}\n"
        "# Plain http on this machine only; production keeps Secure cookies.\n"
        "SESSION_COOKIE_SECURE=0\n"
    )
    print(f"Wrote development settings to {ENV_FILE.name}")


def sms_configured() -> bool:
    """True when SMS_PROVIDER is set in the environment or in .env."""
    if os.environ.get("SMS_PROVIDER"):
        return True
    lines = ENV_FILE.read_text(encoding="utf-8").splitlines() if ENV_FILE.exists() else []
    return any(line.strip().startswith("SMS_PROVIDER=") and line.split("=", 1)[1].strip()
               for line in lines)


def flask(*args: str) -> list[str]:
    """The flask CLI of the venv, pointed at the app."""
    return [str(BIN / "flask"), "--app", "ivr", *args]


def serve(port: int) -> int:
    """Migrate the embedded SQLite database, load the demo data, run the web and the worker."""
    ensure_venv()
    ensure_dev_settings(port)
    # The port given wins over the one written to .env (python-dotenv never overrides).
    env = {**os.environ, "PUBLIC_BASE_URL": f"http://{HOST}:{port}"}
    started = step("Migrating the SQLite database (instance/service-line.sqlite3)")
    subprocess.run(flask("db", "upgrade"), check=True, cwd=ROOT, env=env)
    done(started)
    started = step("Loading the demo data (Hefei's 1,946 divisions with their pinyin, "
                   "providers, residents, contacts; about half a minute the first time)")
    subprocess.run(flask("demo"), check=True, cwd=ROOT, env=env)
    done(started)
    print(
        f"\nThe service line runs on http://{HOST}:{port} (Ctrl-C stops it), with the outbox"
        " worker beside it.\n"
        "Logins: the demo prints new ones above the first time; "
        f"`{BIN / 'flask'} --app ivr demo --logins` sets and shows them again.\n"
        "Place a simulated call from another terminal:\n"
        f"    {BIN / 'flask'} --app ivr call --url http://{HOST}:{port}\n"
        "or, without the server:  .venv/bin/flask --app ivr call\n",
        flush=True,
    )
    # Without an SMS provider of its own, the worker writes each message to its log (and marks
    # it sent), so the texts a call produced show up in this terminal.
    worker_env = env if sms_configured() else {**env, "SMS_PROVIDER": "log"}
    # `kill` (SIGTERM) stops it like Ctrl-C does: the finally below ends both children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    worker = subprocess.Popen(flask("worker"), cwd=ROOT, env=worker_env)
    web = subprocess.Popen(flask("run", "--host", HOST, "--port", str(port)), cwd=ROOT,
                           env=env)
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        for child in (web, worker):
            child.terminate()
        for child in (web, worker):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def browser_tools(env: dict[str, str]) -> None:
    """Find or fetch what the page tests need (Debian's Chromium, axe-core from npm)."""
    if not CHROMIUM.exists():
        print(f"Note: {CHROMIUM} is missing, so the browser tests will be skipped. To run them:"
              " apt-get install chromium fonts-noto-cjk", flush=True)
        return
    if AXE.exists():
        return
    if shutil.which("npm") is None:
        print("Note: npm is missing, so the accessibility audit (axe-core) will be skipped.",
              flush=True)
        env["AXE_MISSING_OK"] = "1"
        return
    started = step("Installing axe-core from npm for the accessibility tests")
    result = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                             "--silent", "axe-core@4"], cwd=ROOT)
    if result.returncode != 0:
        print("Note: npm could not install axe-core; the accessibility audit will be skipped.")
        env["AXE_MISSING_OK"] = "1"
    done(started)


def test(extra: list[str]) -> int:
    """Run the test suite (TEST_DATABASE_URL selects PostgreSQL; SQLite otherwise)."""
    ensure_venv()
    env = dict(os.environ)
    browser_tools(env)
    database = env.get("TEST_DATABASE_URL", "SQLite (a temporary file)")
    step(f"Running the tests on {database}")
    # Tests run in parallel on every core (pytest-xdist; each worker has its own database);
    # `-n 0` or `-p no:xdist` runs them in one process.
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist"
                         for a in extra) else ["-n", "auto"]
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *parallel, *extra], cwd=ROOT,
                           env=env)


def main(argv: list[str]) -> int:
    """Dispatch `serve` or `test`."""
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    if argv[0] == "test":
        return test(argv[1:])
    parser = argparse.ArgumentParser(prog="dev.py serve")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    return serve(parser.parse_args(argv[1:]).port)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
