"""admin: revocable sessions, token last use, suspended providers

Revision ID: admin_1
Revises: alone_1
Create Date: 2026-12-01 22:15:00

users.session_version is bumped on logout, deactivation and a password change, and every
session cookie carries the version it was issued with; api_tokens.last_used_at shows which
station tokens are in use; city_tokens are the city evaluation center's API keys; providers.suspended takes a provider or platform out of routing
without losing its hours and capacity.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'admin_1'
down_revision = 'console_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'city_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('label', sa.String(64), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    op.drop_table('city_tokens')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('suspended')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
