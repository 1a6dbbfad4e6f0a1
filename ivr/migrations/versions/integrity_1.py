"""integrity: idempotent requests, job leases, delivery status, escalations, overdue callbacks

Revision ID: integrity_1
Revises: 0008
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'integrity_1'
down_revision = "firsthour_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'idempotent_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('status_code', sa.SmallInteger(), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_requests')),
        sa.UniqueConstraint('scope', 'key', name=op.f('uq_idempotent_requests_scope')))
    with op.batch_alter_table('idempotent_requests') as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_requests_created_at'), ['created_at'])
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_result', sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')))
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('referrals') as batch_op:
        batch_op.add_column(sa.Column('escalations', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('callback_tasks') as batch_op:
        batch_op.add_column(sa.Column('overdue', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('callback_tasks') as batch_op:
        batch_op.drop_column('overdue')
    with op.batch_alter_table('referrals') as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalations')
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery_status')
    op.drop_table('job_runs')
    with op.batch_alter_table('idempotent_requests') as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_requests_created_at'))
    op.drop_table('idempotent_requests')
