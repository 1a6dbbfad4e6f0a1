"""calls and status callbacks

Revision ID: 0001
Revises:
Create Date: 2026-11-27 06:17:19.002153
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sequence_number', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_status_events')),
    sa.UniqueConstraint('call_sid', 'status', name=op.f('uq_call_status_events_call_sid'))
    )
    with op.batch_alter_table('call_status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_status_events_call_sid'), ['call_sid'], unique=False)

    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('to_number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_rank', sa.SmallInteger(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_calls_call_sid'))
    )


def downgrade() -> None:
    op.drop_table('calls')
    with op.batch_alter_table('call_status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_status_events_call_sid'))

    op.drop_table('call_status_events')
