"""files referrals audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:48:47.047610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_resident_id'), ['resident_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_api_tokens_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_provider_id'), ['provider_id'], unique=False)

    op.create_table('service_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_service_records_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_records'))
    )
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_records_provider_id'), ['provider_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_answer', sa.String(length=16), nullable=True),
    sa.Column('follow_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['category'], ['categories.code'], name=op.f('fk_referrals_category_categories')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_referrals_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_referrals_division_code_divisions')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_referrals_provider_id_providers')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_referrals_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('referral_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_referral_id'), ['referral_id'], unique=False)

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resident_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('division_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('handed_off', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('outcome', sa.String(length=32), nullable=False, server_default='in_progress'))
        batch_op.add_column(sa.Column('operator_notes', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recording_url', sa.String(length=256), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('local_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('local_hour', sa.SmallInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversations_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_resident_id'), ['resident_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_conversations_resident_id_residents'), 'residents', ['resident_id'], ['id'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_referral_id_referrals'), 'referrals', ['referral_id'], ['id'])

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_share', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sms_opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True))

    # The audit log is append-only: the database itself refuses to change or delete a row.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event}
                           ON audit_log BEGIN
                           SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('last_contact_at')
        batch_op.drop_column('sms_opt_out')
        batch_op.drop_column('consent_share')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_referral_id_referrals'), type_='foreignkey')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('referral_id')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversations_resident_id_residents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_conversations_resident_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_local_date'))
        batch_op.drop_column('local_hour')
        batch_op.drop_column('local_date')
        batch_op.drop_column('recording_url')
        batch_op.drop_column('operator_notes')
        batch_op.drop_column('outcome')
        batch_op.drop_column('handed_off')
        batch_op.drop_column('division_code')
        batch_op.drop_column('category')
        batch_op.drop_column('resident_id')

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_events_referral_id'))

    op.drop_table('referral_events')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_resident_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_provider_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_local_date'))
        batch_op.drop_index(batch_op.f('ix_referrals_division_code'))

    op.drop_table('referrals')
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_records_provider_id'))

    op.drop_table('service_records')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_provider_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_resident_id'))

    op.drop_table('audit_log')
