"""worker heartbeats; the standard service categories in every fresh database

Revision ID: firsthour_1
Revises: alone_1
Create Date: 2026-12-01 22:30:00

A fresh database knows the standard categories (directory/data/categories.json), so an
operator's own providers file imports without the demo. Categories already there are left as
they are (an operator may have renamed them). The columns are written out here so that this
revision stays what it was when the model changes.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from directory.lexicon import CATEGORIES_FILE

revision = 'firsthour_1'
down_revision = "admin_1"
branch_labels = None
depends_on = None

_categories = sa.table('categories', sa.column('code', sa.String), sa.column('zh', sa.String),
                       sa.column('en', sa.String), sa.column('keywords', sa.JSON))


def upgrade() -> None:
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    )
    bind = op.get_bind()
    present = set(bind.execute(sa.select(_categories.c.code)).scalars())
    standard = json.loads(CATEGORIES_FILE.read_text('utf-8'))['categories']
    rows = [{'code': c['code'], 'zh': c['zh'], 'en': c['en'], 'keywords': c['keywords']}
            for c in standard if c['code'] not in present]
    if rows:
        op.bulk_insert(_categories, rows)


def downgrade() -> None:
    # The categories stay: providers and referrals may name them by now.
    op.drop_table('worker_heartbeats')
