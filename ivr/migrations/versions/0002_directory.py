"""directory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:28:37.680405
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('zh', sa.String(length=64), nullable=False),
    sa.Column('en', sa.String(length=128), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_table('directory_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_version'))
    )
    op.create_table('divisions',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('reading', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_divisions'))
    )
    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_divisions_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_divisions_parent_code'), ['parent_code'], unique=False)

    op.create_table('providers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('hours', sa.String(length=256), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('open_cases', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_providers_division_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers'))
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providers_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_providers_kind'), ['kind'], unique=False)

    op.create_table('provider_areas',
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_provider_areas_division_code_divisions')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_areas_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'division_code', name=op.f('pk_provider_areas'))
    )
    with op.batch_alter_table('provider_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_areas_division_code'), ['division_code'], unique=False)

    op.create_table('provider_categories',
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_provider_categories_category_code_categories')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_categories_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'category_code', name=op.f('pk_provider_categories'))
    )
    with op.batch_alter_table('provider_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_categories_category_code'), ['category_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('provider_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_categories_category_code'))

    op.drop_table('provider_categories')
    with op.batch_alter_table('provider_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_areas_division_code'))

    op.drop_table('provider_areas')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providers_kind'))
        batch_op.drop_index(batch_op.f('ix_providers_division_code'))

    op.drop_table('providers')
    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_divisions_parent_code'))
        batch_op.drop_index(batch_op.f('ix_divisions_level'))

    op.drop_table('divisions')
    op.drop_table('directory_version')
    op.drop_table('categories')
