"""text messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 07:22:57.313908
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('text_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('author', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_text_messages_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_messages'))
    )
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_messages_conversation_id'), ['conversation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('text_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_messages_conversation_id'))

    op.drop_table('text_messages')
