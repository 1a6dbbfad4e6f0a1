"""private records: the audit log's hash chain and triggers, the caller check, erasure

Revision ID: privacy_1
Revises: firsthour_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "privacy_1"
down_revision = "providers_1"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_TAIL = "(SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1)"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_old_triggers(postgres)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("sensitivity", sa.String(16), nullable=False,
                                   server_default="none"))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("row_hash", sa.String(64), nullable=False, server_default=""))
    _chain_existing_rows()
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("pin_hash", sa.String(160), nullable=False, server_default=""))
        batch.add_column(sa.Column("id4_hash", sa.String(160), nullable=False, server_default=""))
        batch.add_column(sa.Column("check_failures", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    if postgres:
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
        op.execute("""CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")
        # A row must link to the current tail (the app appends under an advisory lock).
        op.execute(f"""
            CREATE FUNCTION audit_log_linked() RETURNS trigger AS $$
            BEGIN
              IF NEW.prev_hash IS DISTINCT FROM COALESCE({_TAIL}, '{GENESIS}') THEN
                RAISE EXCEPTION 'audit_log: a new row must link to the last row';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION audit_log_linked()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event}
                           ON audit_log BEGIN
                           SELECT RAISE(ABORT, 'audit_log is append-only'); END""")
        # INSERT OR REPLACE deletes the old row without firing delete triggers (unless
        # recursive triggers are on): an insert over an existing id is refused before it.
        op.execute("""CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
                      WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) BEGIN
                      SELECT RAISE(ABORT, 'audit_log is append-only'); END""")
        op.execute(f"""CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
                       WHEN NEW.prev_hash IS NOT COALESCE({_TAIL}, '{GENESIS}') BEGIN
                       SELECT RAISE(ABORT, 'audit_log: a new row must link to the last row');
                       END""")


def _drop_old_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_link ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        op.execute("DROP FUNCTION IF EXISTS audit_log_linked()")
    else:
        for name in ("no_update", "no_delete", "no_replace", "link"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_{name}")


def _chain_existing_rows() -> None:
    """Link the rows written before the chain existed, in the order they were written."""
    from ivr.core.audit import digest  # the one definition of a row's hash

    log = sa.table("audit_log", sa.column("id", sa.Integer()),
                   sa.column("at", sa.DateTime(timezone=True)), sa.column("actor", sa.String()),
                   sa.column("role", sa.String()), sa.column("resident_id", sa.Integer()),
                   sa.column("action", sa.String()), sa.column("fields", sa.JSON()),
                   sa.column("reason", sa.String()), sa.column("sensitivity", sa.String()),
                   sa.column("prev_hash", sa.String()),
                   sa.column("row_hash", sa.String()))
    bind = op.get_bind()
    previous = GENESIS
    for row in bind.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        own = digest(previous, dict(row))
        bind.execute(log.update().where(log.c.id == row["id"])
                     .values(prev_hash=previous, row_hash=own))
        previous = own


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_old_triggers(postgres)
    with op.batch_alter_table("residents") as batch:
        for column in ("erased_at", "check_failures", "id4_hash", "pin_hash"):
            batch.drop_column(column)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("sensitivity")
    if postgres:
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event}
                           ON audit_log BEGIN
                           SELECT RAISE(ABORT, 'audit_log is append-only'); END""")
