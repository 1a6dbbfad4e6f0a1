"""providers: an outbox message's template and parameters (for a template SMS gateway)

Revision ID: providers_1
Revises: firsthour_1
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "providers_1"
down_revision = "integrity_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the template code and its parameters to every outbox row."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("template_code", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("template_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("template_params")
        batch.drop_column("template_code")
