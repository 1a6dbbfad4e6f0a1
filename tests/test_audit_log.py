"""The audit log is append-only in fact: triggers refuse every rewrite, a hash chain shows one."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ivr.core import audit
from ivr.core.db import Database

from .conftest import worker


def _write(db: Database, count: int, actor: str = "test") -> None:
    with db.sessions() as s:
        for n in range(count):
            audit.record(s, actor=actor, role="operator", action="view", resident_id=n,
                         fields=["name", "phone"], reason=f"test {n}")
        s.commit()


def _db(app: Flask) -> Database:
    db: Database = app.extensions["ivr.db"]
    return db


def test_rows_are_chained_and_verify_says_so(app: Flask) -> None:
    db = _db(app)
    _write(db, 3)
    with db.sessions() as s:
        rows = s.execute(text("SELECT prev_hash, row_hash FROM audit_log ORDER BY id")).all()
        assert audit.verify(s).broken_id is None
    assert all(len(h) == 64 for _, h in rows)
    assert all(rows[i + 1][0] == rows[i][1] for i in range(len(rows) - 1))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "whole" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
])
def test_update_and_delete_are_refused(app: Flask, statement: str) -> None:
    db = _db(app)
    _write(db, 1)
    with db.sessions() as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text(statement))


def test_replace_and_truncate_are_refused(app: Flask) -> None:
    db = _db(app)
    _write(db, 1)
    with db.sessions() as s:
        # Linked as a new row would be, so that only the rewrite itself is refused.
        last = s.execute(text("SELECT id, row_hash AS prev_hash FROM audit_log "
                              "ORDER BY id DESC LIMIT 1")).one()
        if db.engine.dialect.name == "sqlite":
            # INSERT OR REPLACE is a delete and an insert: the delete trigger would not fire.
            with pytest.raises(DBAPIError, match="append-only"):
                s.execute(text(
                    "INSERT OR REPLACE INTO audit_log (id, at, actor, role, action, fields, "
                    "reason, prev_hash, row_hash) VALUES (:id, '2026-01-01 00:00:00', 'x', "
                    "'x', 'view', '[]', '', :prev, '')"), {"id": last.id, "prev": last.prev_hash})
            s.rollback()
        else:
            with pytest.raises(DBAPIError, match="append-only"):
                s.execute(text("TRUNCATE audit_log"))
            s.rollback()
            with pytest.raises(DBAPIError, match="append-only"):
                s.execute(text(
                    "INSERT INTO audit_log (id, at, actor, role, action, fields, reason, "
                    "prev_hash, row_hash) VALUES (:id, now(), 'x', 'x', 'view', '[]', '', "
                    ":prev, '') ON CONFLICT (id) DO UPDATE SET actor = 'x'"),
                    {"id": last.id, "prev": last.prev_hash})
            s.rollback()
        count = s.scalar(text("SELECT count(*) FROM audit_log WHERE actor = 'x'"))
    assert count == 0


def test_a_row_that_does_not_link_to_the_last_is_refused(app: Flask) -> None:
    db = _db(app)
    _write(db, 1)
    with db.sessions() as s, pytest.raises(DBAPIError, match="link"):
        s.execute(text(
            "INSERT INTO audit_log (at, actor, role, action, fields, reason, prev_hash, "
            "row_hash) VALUES (CURRENT_TIMESTAMP, 'x', 'x', 'view', '[]', '', :prev, '')"),
            {"prev": audit.GENESIS})


def _without_triggers(s: Any, postgres: bool) -> None:
    """What someone who owns the table could do (inside a transaction the test rolls back)."""
    if postgres:
        s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        for name in ("no_update", "no_delete", "no_replace", "link"):
            s.execute(text(f"DROP TRIGGER audit_log_{name}"))


@pytest.mark.parametrize("tamper", ["change", "remove"])
def test_verify_names_the_first_broken_row(app: Flask, tamper: str) -> None:
    db = _db(app)
    _write(db, 4, actor="chain")
    postgres = db.engine.dialect.name == "postgresql"
    with db.sessions() as s:
        ids = list(s.scalars(text("SELECT id FROM audit_log WHERE actor = 'chain' "
                                  "ORDER BY id DESC LIMIT 4")))[::-1]
        _without_triggers(s, postgres)
        if tamper == "change":
            s.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE id = :id"),
                      {"id": ids[1]})
            expected = ids[1]
        else:
            s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
            expected = ids[2]
        verdict = audit.verify(s)
        s.rollback()
    assert verdict.broken_id == expected
    with db.sessions() as s:
        assert audit.verify(s).broken_id is None  # rolled back: whole again


def test_verify_command_exits_1_and_names_the_row(app: Flask, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    monkeypatch.setattr(audit, "verify", lambda _s: audit.Verdict(7, 42, "changed"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "row id 42" in result.output


def test_concurrent_writers_never_fork_the_chain(app: Flask) -> None:
    db = _db(app)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for _ in range(5):
                _write(db, 2, actor=f"w{n}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with db.sessions() as s:
        assert audit.verify(s).broken_id is None
        written = s.scalar(text("SELECT count(*) FROM audit_log WHERE actor LIKE 'w_'"))
        forks = s.scalar(text("SELECT count(*) - count(DISTINCT prev_hash) FROM audit_log"))
    assert written >= 40
    assert forks == 0


def test_an_app_role_that_owns_nothing_cannot_drop_the_triggers(app: Flask) -> None:
    db = _db(app)
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    # Roles belong to the whole server: each parallel worker has its own.
    role = f"line_app_test{worker()}"
    with db.engine.connect() as conn:
        conn.execute(text(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
              CREATE ROLE {role} NOLOGIN; END IF; END $$"""))
        # The README's grants for the app's role, on this one table (in the test's schema).
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        conn.execute(text(f"GRANT SELECT, INSERT ON audit_log TO {role}"))
        conn.execute(text(f"SET LOCAL ROLE {role}"))
        for statement, refused in [
                ("DROP TRIGGER audit_log_no_change ON audit_log", "must be owner"),
                ("ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner"),
                ("TRUNCATE audit_log", "permission denied"),
                ("DELETE FROM audit_log", "permission denied")]:
            conn.execute(text("SAVEPOINT s"))
            with pytest.raises(DBAPIError, match=refused):
                conn.execute(text(statement))
            conn.execute(text("ROLLBACK TO SAVEPOINT s"))
        conn.rollback()


def test_first_contact_entries_go_to_file_chains_each_whole(app: Flask) -> None:
    from ivr.residents import records

    db = _db(app)
    _write(db, 2, actor="main")
    with db.sessions() as s:
        opened = [records.open_provisional(s, f"+8613900{n:06d}", actor="voice:test")
                  for n in range(audit.FILE_CHAINS + 3)]
        s.commit()
        chains = dict(s.execute(text(
            "SELECT resident_id, chain FROM audit_log WHERE reason = 'first contact'")).all())
        assert audit.verify(s).broken_id is None
    assert {chains[r.id] for r in opened} == set(range(1, audit.FILE_CHAINS + 1))
    assert all(chains[r.id] == audit.file_chain(r.id) for r in opened)
    _write(db, 1, actor="main")  # chain 0 goes on from its own tail
    with db.sessions() as s:
        assert audit.verify(s).broken_id is None


@pytest.mark.parametrize("tamper", ["remove", "move"])
def test_a_file_chain_shows_a_removed_or_moved_row(app: Flask, tamper: str) -> None:
    from ivr.residents import records

    db = _db(app)
    with db.sessions() as s:
        for n in range(2 * audit.FILE_CHAINS + 1):
            records.open_provisional(s, f"+8613800{n:06d}", actor="voice:test")
        s.commit()
        chain = s.scalar(text("SELECT chain FROM audit_log WHERE reason = 'first contact' "
                              "ORDER BY id DESC LIMIT 1"))
        ids = list(s.scalars(text("SELECT id FROM audit_log WHERE chain = :c ORDER BY id"),
                             {"c": chain}))[-3:]
        _without_triggers(s, db.engine.dialect.name == "postgresql")
        if tamper == "remove":
            s.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
            expected = ids[2]
        else:  # into chain 0 (where it would hash as a chain 0 row): its own chain breaks too
            s.execute(text("UPDATE audit_log SET chain = 0 WHERE id = :id"), {"id": ids[1]})
            expected = ids[1]
        verdict = audit.verify(s)
        s.rollback()
    assert verdict.broken_id == expected


def test_a_row_linking_to_another_chains_tail_is_refused(app: Flask) -> None:
    from ivr.residents import records

    db = _db(app)
    _write(db, 1)
    with db.sessions() as s:
        records.open_provisional(s, "+8613700000001", actor="voice:test")
        s.commit()
        tail0 = s.scalar(text("SELECT row_hash FROM audit_log WHERE chain = 0 "
                              "ORDER BY id DESC LIMIT 1"))
        with pytest.raises(DBAPIError, match="link"):
            s.execute(text(
                "INSERT INTO audit_log (at, actor, role, action, fields, reason, prev_hash, "
                "row_hash, chain) VALUES (CURRENT_TIMESTAMP, 'x', 'x', 'view', '[]', '', "
                ":prev, '', 5)"), {"prev": tail0})
