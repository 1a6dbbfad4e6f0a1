"""care calls: plans, due calls and their tries, alerts; no_answer as a contact's outcome

Revision ID: care_1
Revises: privacy_1

The values are written out here (not imported from ivr.core.statuses) so that this revision
stays what it was when later ones change the enums.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "care_1"
down_revision = "privacy_1"
branch_labels = None
depends_on = None

OUTCOMES = ("in_progress", "ivr_handled", "handed_off", "emergency", "referred", "voicemail",
            "outage", "resolved", "information", "callback", "other")
CALL_STATUSES = ("due", "calling", "answered", "well", "help", "unreached", "canceled")
ALERT_STATUSES = ("open", "closed")
ALERT_OUTCOMES = ("reached", "visited", "hospital", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _outcomes(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(op.f("ck_conversations_outcome"), type_="check")
        batch.create_check_constraint(op.f("ck_conversations_outcome"), _in("outcome", values))


def upgrade() -> None:
    _outcomes((*OUTCOMES, "no_answer"))
    now = sa.func.now()
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id"), nullable=False,
                  unique=True),
        sa.Column("frequency", sa.String(32), nullable=False),
        sa.Column("hours", sa.String(200), nullable=False, server_default=""),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("alert_phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("alert_station", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("salutation", sa.String(32), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "care_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("care_plans.id"), nullable=False),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="due"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False, server_default=""),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(16), nullable=False, server_default=""),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(16), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.UniqueConstraint("plan_id", "due_on", name=op.f("uq_care_calls_plan_id")),
        sa.CheckConstraint(_in("status", CALL_STATUSES), name=op.f("ck_care_calls_status")),
    )
    for column in ("plan_id", "resident_id", "due_on", "status", "next_attempt_at", "call_sid"):
        op.create_index(op.f(f"ix_care_calls_{column}"), "care_calls", [column])
    op.create_table(
        "care_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("care_call_id", sa.Integer(), sa.ForeignKey("care_calls.id"), nullable=False,
                  unique=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.CheckConstraint(_in("status", ALERT_STATUSES), name=op.f("ck_care_alerts_status")),
        sa.CheckConstraint(_in("outcome", ALERT_OUTCOMES) + " OR outcome IS NULL",
                           name=op.f("ck_care_alerts_outcome")),
    )
    for column in ("resident_id", "status", "local_date"):
        op.create_index(op.f(f"ix_care_alerts_{column}"), "care_alerts", [column])


def downgrade() -> None:
    op.drop_table("care_alerts")
    op.drop_table("care_calls")
    op.drop_table("care_plans")
    op.execute("UPDATE conversations SET outcome = 'other' WHERE outcome = 'no_answer'")
    _outcomes(OUTCOMES)
