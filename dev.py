#!/usr/bin/env python3
"""The two quick-start commands: `python3 dev.py serve` and `python3 dev.py test`.

Each makes a virtual environment in .venv (once), installs the project into it when
pyproject.toml changed, and runs. Needs nothing but Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
ENV_FILE = ROOT / ".env"
HOST, PORT = "127.0.0.1", "5000"


def ensure_venv() -> None:
    """Create .venv and install the project with its test tools, when anything changed."""
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing the project and its dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def ensure_dev_settings() -> None:
    """Write a .env with local development settings (never used in production)."""
    if ENV_FILE.exists():
        return
    ENV_FILE.write_text(
        "# Local development settings written by dev.py; production sets real values.\n"
        f"TWILIO_AUTH_TOKEN=dev-{secrets.token_hex(16)}\n"
        f"SECRET_KEY={secrets.token_hex(32)}\n"
        "DUTY_NUMBER=+8655163000000\n"
        "EMERGENCY_NUMBER=+8655163000120\n"
        f"PUBLIC_BASE_URL=http://{HOST}:{PORT}\n"
        "# Plain http on this machine only; production keeps Secure cookies.\n"
        "SESSION_COOKIE_SECURE=0\n"
    )
    print(f"Wrote development settings to {ENV_FILE.name}")


def flask(*args: str) -> list[str]:
    """The flask CLI of the venv, pointed at the app."""
    return [str(BIN / "flask"), "--app", "ivr", *args]


def serve() -> int:
    """Migrate the embedded SQLite database, load the demo data, run the service."""
    ensure_venv()
    ensure_dev_settings()
    subprocess.run(flask("db", "upgrade"), check=True, cwd=ROOT)
    subprocess.run(flask("demo"), check=True, cwd=ROOT)
    print(
        "\nThe service line runs on http://127.0.0.1:5000 (Ctrl-C stops it).\n"
        "Place a simulated call from another terminal:\n"
        f"    {BIN / 'flask'} --app ivr call --url http://{HOST}:{PORT}\n"
        "or, without the server:  .venv/bin/flask --app ivr call\n",
        flush=True,
    )
    return subprocess.call(flask("run", "--host", HOST, "--port", PORT), cwd=ROOT)


def test(extra: list[str]) -> int:
    """Run the test suite (TEST_DATABASE_URL selects PostgreSQL; SQLite otherwise)."""
    ensure_venv()
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *extra], cwd=ROOT)


def main(argv: list[str]) -> int:
    """Dispatch `serve` or `test`."""
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    return serve() if argv[0] == "serve" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
