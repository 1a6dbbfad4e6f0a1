"""emergency tasks: deadline, kind, what was said, village

Revision ID: alone_1
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "alone_1"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("said", sa.String(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("division_code", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.drop_column("division_code")
        batch_op.drop_column("said")
        batch_op.drop_column("kind")
        batch_op.drop_column("due_at")
