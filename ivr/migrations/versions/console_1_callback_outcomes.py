"""callback outcomes: what came of the last attempt to call a resident back, and how many

Revision ID: console_1
Revises: alone_1
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'console_1'
down_revision = 'alone_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callback_tasks') as batch:
        batch.add_column(sa.Column('attempt_outcome', sa.String(24), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('callback_tasks') as batch:
        batch.drop_column('attempts')
        batch.drop_column('attempt_outcome')
