"""report buckets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 07:16:02.917052
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_week', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('local_month', sa.String(length=7), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('local_quarter', sa.String(length=6), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('started_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('caller_group', sa.String(length=8), nullable=False, server_default='other'))
        batch_op.add_column(sa.Column('area_code', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('operator_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handed_off_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('abandoned', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('wait_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('talk_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('wrap_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recontacted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_conversations_area_code'), ['area_code'], unique=False)
        batch_op.create_index('ix_conversations_phone_epoch', ['phone', 'started_epoch'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_started_epoch'), ['started_epoch'], unique=False)

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_on_time', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('completed_on_time', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('completed_on_time')
        batch_op.drop_column('accepted_on_time')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_started_epoch'))
        batch_op.drop_index('ix_conversations_phone_epoch')
        batch_op.drop_index(batch_op.f('ix_conversations_area_code'))
        batch_op.drop_column('recontacted')
        batch_op.drop_column('wrap_s')
        batch_op.drop_column('talk_s')
        batch_op.drop_column('wait_s')
        batch_op.drop_column('abandoned')
        batch_op.drop_column('answered')
        batch_op.drop_column('handed_off_at')
        batch_op.drop_column('operator_id')
        batch_op.drop_column('provider_id')
        batch_op.drop_column('area_code')
        batch_op.drop_column('caller_group')
        batch_op.drop_column('started_epoch')
        batch_op.drop_column('local_quarter')
        batch_op.drop_column('local_month')
        batch_op.drop_column('local_week')

