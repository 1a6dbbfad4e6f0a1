"""Migrations and the embedded default's settings."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, text

from ivr import create_app
from ivr.core import migrate
from ivr.core.db import make_engine

from .conftest import base_config


def test_migrations_go_up_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    assert {"calls", "call_status_events"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(url, "base")
    assert "calls" not in inspect(engine).get_table_names()
    migrate.upgrade(url)
    assert "calls" in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    engine.dispose()


def test_cli_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    app = create_app(base_config(url))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "calls" in inspect(app.extensions["ivr.db"].engine).get_table_names()
    app.extensions["ivr.db"].dispose()


def test_healthz_says_whether_the_database_answers(app: Flask, database_url: str) -> None:
    assert app.test_client().get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    down = create_app(base_config("sqlite:////nonexistent-directory/x.sqlite3"))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
