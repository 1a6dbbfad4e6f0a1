"""speed 2: the audit log in several hash chains, so first callers' files do not queue

Revision ID: speed_2
Revises: care_1

Every row names its chain (0, the one chain until now, keeps every earlier row and every
operator's entry; a provisional file's first-contact entry, written in every new caller's first
webhook, goes to one of the chains 1..16 by the file's id). A new row must link to the tail of
its own chain; the app appends to a chain under that chain's advisory lock, so 16 first calls
can be written side by side where they passed one at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "speed_2"
down_revision = "care_1"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_CHAIN_TAIL = "(SELECT row_hash FROM audit_log WHERE chain = NEW.chain ORDER BY id DESC LIMIT 1)"
_TAIL = "(SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1)"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # SQLite adds a column with a constant default in place (no table copy, triggers kept).
    op.add_column("audit_log", sa.Column("chain", sa.SmallInteger(), nullable=False,
                                         server_default="0"))
    op.create_index("ix_audit_log_chain_id", "audit_log", ["chain", "id"])
    _link_trigger(postgres, _CHAIN_TAIL, "the last row of its chain")


def downgrade() -> None:
    # Rows in chains 1..16 do not link into chain 0: the one-chain verify of the old code
    # would call the log broken at the first of them.
    postgres = op.get_bind().dialect.name == "postgresql"
    _link_trigger(postgres, _TAIL, "the last row")
    op.drop_index("ix_audit_log_chain_id", "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("chain")


def _link_trigger(postgres: bool, tail: str, what: str) -> None:
    """A new row must link to `tail` (the same message as before, so callers match it)."""
    if postgres:
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_log_linked() RETURNS trigger AS $$
            BEGIN
              IF NEW.prev_hash IS DISTINCT FROM COALESCE({tail}, '{GENESIS}') THEN
                RAISE EXCEPTION 'audit_log: a new row must link to {what}';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_link")
        op.execute(f"""CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
                       WHEN NEW.prev_hash IS NOT COALESCE({tail}, '{GENESIS}') BEGIN
                       SELECT RAISE(ABORT, 'audit_log: a new row must link to {what}');
                       END""")
