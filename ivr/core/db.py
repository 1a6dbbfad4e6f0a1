"""Engine, one session per request, and the SQLite settings the embedded default needs."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from ivr.core import sqlite_writer

EXTENSION = "ivr.db"
# A PostgreSQL connection back in the pool for less than this is used without a ping.
TRUST_IDLE_S = 1.0


def make_engine(url: str) -> Engine:
    """Create an engine with settings fit for a webhook service on SQLite or PostgreSQL."""
    # hide_parameters: a failing statement's message and log never carry its bound values
    # (names, notes, numbers of residents), only the SQL with placeholders.
    kwargs: dict[str, Any] = {"pool_pre_ping": not url.startswith("postgresql"),
                              "hide_parameters": True}
    if url.startswith("sqlite"):
        # timeout: wait for a writer instead of failing with "database is locked"; the
        # factory lets go of the writer lock when a transaction ends (ivr/sqlite_writer.py).
        kwargs["connect_args"] = {"timeout": 10, "factory": sqlite_writer.LockedConnection}
    elif url.startswith("postgresql"):
        # A stopped server must fail fast so the caller is put through to a human in time.
        kwargs["connect_args"] = {"connect_timeout": 2}
        kwargs["pool_size"] = 10
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        _ping_when_idle(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        database = engine.url.database
        sqlite_writer.install(engine, database if database and database != ":memory:"
                              else None)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle for a while.

    A connection handed back less than TRUST_IDLE_S ago was alive then; pinging it again
    cost a round trip on every webhook. One that sat longer may have lost its server (a
    restart): it is pinged, and a dead one is replaced before the request uses it."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < TRUST_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out a fresh one.
            raise exc.DisconnectionError(str(error)) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; foreign keys are off in SQLite unless asked."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """The engine and session factory bound to one application."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Long reads (reports, the dashboard) must not hold SQLite's writer turn.
        self.readers = sessionmaker(
            self.engine.execution_options(**{sqlite_writer.READER: True}),
            expire_on_commit=False)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def init_app(app: Flask) -> None:
    """Bind a Database to the app and close each request's session when it ends."""
    app.extensions[EXTENSION] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def database() -> Database:
    """Return the current application's Database."""
    db: Database = current_app.extensions[EXTENSION]
    return db


def session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    s: Session = g.db_session
    return s


def reader() -> Session:
    """Return this request's read-only session (reports, dashboards), opening it on first use."""
    if "db_reader" not in g:
        g.db_reader = database().readers()
    s: Session = g.db_reader
    return s


def turn_reader() -> Session | None:
    """Where a dialog turn reads its conversation before it writes: a reader session on
    SQLite, so the engine thinks outside the single writer's turn; None on PostgreSQL, whose
    row lock holds up only the same call (and one session saves a connection per webhook)."""
    return reader() if database().engine.dialect.name == "sqlite" else None


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_reader"):
        s: Session | None = g.pop(name, None)
        if s is not None:
            # Anything not committed by the request's one commit is rolled back here.
            s.close()
