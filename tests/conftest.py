"""Fixtures: a real database (SQLite file, or PostgreSQL via TEST_DATABASE_URL), signed requests."""

from __future__ import annotations

import logging
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from directory.models import DirectoryVersion
from directory.orm import Base, utcnow
from ivr import create_app
from ivr.core import clock, migrate

TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC = "https://line.example.org"
DUTY = "+8655163000000"
EMERGENCY = "+8655163000120"


def _fresh_postgres(url: str, schema: str) -> str:
    """A new, empty `schema` in the database at `url`, and the URL that works in it."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    if schema == "public":
        return url
    # Each parallel worker has a schema of its own in the one test database (the app, its
    # migrations and the servers a test starts all get it from the URL).
    return str(make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))


def worker() -> str:
    """The pytest-xdist worker running this process ("gw0", …), or "" when run serially."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate one database for the whole run: the same migrations production runs."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        url = _fresh_postgres(url, f"test_{worker()}" if worker() else "public")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    migrate.upgrade(url)
    return url


def base_config(database_url: str, **extra: Any) -> dict[str, Any]:
    """Settings of a test app; `extra` overrides."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": "test-secret",
        "DUTY_NUMBER": DUTY,
        "EMERGENCY_NUMBER": EMERGENCY,
        "PUBLIC_BASE_URL": PUBLIC,
        # Tests must not depend on the hour they run at.
        "OPERATOR_HOURS": "24/7",
        "SPOOL_PATH": os.path.join(tempfile.mkdtemp(prefix="spool-"), "outage-spool.jsonl"),
        **extra,
    }


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(base_config(database_url))
    yield application
    from ivr.accounts.logins import limiter

    limiter.reset()
    db = application.extensions["ivr.db"]
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            # The audit log refuses deletes (by design); its rows name no foreign keys.
            if table.name != "audit_log":
                conn.execute(table.delete())
    db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """Sign exactly as Twilio does."""
    return str(RequestValidator(token).compute_signature(url, params))


def post_signed(client: FlaskClient, path: str, params: dict[str, str] | None = None,
                **headers: str) -> TestResponse:
    """POST a form to `path`, signed for the public URL the app is configured with."""
    params = params or {}
    url = PUBLIC + path
    return client.post(path, data=params, base_url=PUBLIC,
                       headers={"X-Twilio-Signature": sign(url, params), **headers})


def twiml(response: TestResponse) -> ET.Element:
    """Parse a TwiML answer, asserting it is a 200 with a <Response> root."""
    assert response.status_code == 200, response.get_data(as_text=True)
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return root


def dialled(root: ET.Element) -> list[str]:
    """Every number a TwiML document dials."""
    return [(n.text or "").strip() for d in root.iter("Dial") for n in d.iter("Number")]


def call_form(call_sid: str = "CA" + "1" * 32, **fields: str) -> dict[str, str]:
    """The fields Twilio sends with a voice webhook."""
    return {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": "+8613900000001",
            "To": "+8655112345", "CallStatus": "in-progress", "Direction": "inbound", **fields}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden transcripts from what the dialogs say now")


_UNMASKED_PHONE = __import__("re").compile(r"(?<![\d*])\+?(?:86)?1[3-9]\d{9}(?!\d)|\+86551\d{8}")


@pytest.fixture(autouse=True)
def no_phone_number_is_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After every test: nothing the application logged holds an unmasked phone number."""
    caplog.set_level(logging.INFO)
    yield
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert not _UNMASKED_PHONE.search(text), f"unmasked phone number logged: {text[:300]}"


# A Wednesday morning, a working day: routes do not depend on the hour the tests run at.
OFFICE_HOURS = datetime(2026, 11, 25, 10, 0)


@pytest.fixture(autouse=True)
def line_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The line's wall clock, fixed at OFFICE_HOURS (a test may patch clock.local_now again)."""
    monkeypatch.setattr(clock, "local_now", lambda config: OFFICE_HOURS)
    return OFFICE_HOURS


# The demo directory's rows, read back after this worker's first real import; later tests get
# the same rows by one insert per table (the import takes a second or more, and 141 tests use it).
_demo_rows: dict[str, list[dict[str, Any]]] = {}


def load_demo(db: Any) -> None:
    """The shipped demo directory: Hefei's divisions, the categories, invented providers."""
    from directory.importer import import_path
    from directory.lexicon import CATEGORIES_FILE, DEMO_DIRECTORY_FILE, HEFEI_DIVISIONS_FILE

    tables = [t for t in Base.metadata.sorted_tables if t.name != "audit_log"]
    if _demo_rows and _empty(db, tables):
        with db.engine.begin() as conn:
            for table in tables:
                if _demo_rows[table.name]:
                    conn.execute(table.insert(), _demo_rows[table.name])
            # A new time, as a real import gives: caches read in an earlier test must reload.
            conn.execute(DirectoryVersion.__table__.update().values(changed_at=utcnow()))
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn, tables)
        return
    empty = _empty(db, tables)
    with db.sessions() as s:
        for path in (HEFEI_DIVISIONS_FILE, CATEGORIES_FILE, DEMO_DIRECTORY_FILE):
            import_path(s, path)
        s.commit()
    if not empty:  # a test's own rows would be copied into every later test's directory
        return
    with db.engine.connect() as conn:
        for table in tables:
            _demo_rows[table.name] = [dict(row._mapping) for row in conn.execute(table.select())]


def _empty(db: Any, tables: list[Any]) -> bool:
    """Whether no table holds a row yet (the copy is the import's result on an empty database)."""
    with db.engine.connect() as conn:
        return all(conn.execute(table.select().limit(1)).first() is None for table in tables)


def _advance_sequences(conn: Any, tables: list[Any]) -> None:
    """Move each serial key's sequence past the rows inserted with their own keys."""
    for table in tables:
        for column in table.primary_key.columns:
            # A key with no sequence makes pg_get_serial_sequence NULL, and setval a no-op.
            if column.type.python_type is int:
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                    f" GREATEST((SELECT MAX({column.name}) FROM {table.name}), 1))"))


@pytest.fixture
def demo(app: Flask) -> Any:
    """The app's database with the demo directory loaded."""
    db = app.extensions["ivr.db"]
    load_demo(db)
    return db
