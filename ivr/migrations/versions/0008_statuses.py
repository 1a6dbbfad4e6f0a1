"""statuses: CHECK constraints on every state column

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00

The values are written out here (not imported from ivr.core.statuses) so that this revision
stays what it was when later ones change the enums.
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

CHECKS = {
    ('referrals', 'status'): ('created', 'notified', 'accepted', 'completed', 'declined'),
    ('queue_entries', 'status'): ('waiting', 'offered', 'connected', 'done', 'abandoned',
                                  'timed_out', 'callback', 'voicemail'),
    ('users', 'status'): ('off', 'available', 'offered', 'busy', 'wrap_up'),
    ('callback_tasks', 'status'): ('open', 'done'),
    ('outbox', 'status'): ('pending', 'sending', 'sent', 'failed'),
    ('conversations', 'outcome'): ('in_progress', 'ivr_handled', 'handed_off', 'emergency',
                                   'referred', 'voicemail', 'outage', 'resolved', 'information',
                                   'callback', 'other'),
}


def upgrade() -> None:
    for (table, column), values in CHECKS.items():
        allowed = ', '.join(f"'{value}'" for value in values)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'),
                                             f'{column} IN ({allowed})')


def downgrade() -> None:
    for table, column in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
