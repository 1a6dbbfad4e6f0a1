"""Tables of the call center: calls and the status callbacks Twilio sent about them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.orm import Base, utcnow
from ivr.core.statuses import (
    AlertOutcome,
    CallbackStatus,
    CareAlertStatus,
    CareCallStatus,
    OperatorStatus,
    OutboxStatus,
    Outcome,
    QueueStatus,
    ReferralStatus,
    check,
)

# A call's status only moves forward along this order. Terminal states get distinct ranks so
# that, should two arrive, the same one wins whatever the order of arrival.
STATUS_RANK: dict[str, int] = {
    "queued": 1,
    "initiated": 2,
    "ringing": 3,
    "in-progress": 4,
    "canceled": 5,
    "no-answer": 6,
    "busy": 7,
    "failed": 8,
    "completed": 9,
}


class Call(Base):
    """One inbound call, one row per Twilio CallSid."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32), default="")
    to_number: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    status_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Local (TIMEZONE) buckets stored at write time so reports group the same on every database.
    local_date: Mapped[date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CallStatusEvent(Base):
    """One status callback as received; a repeated callback is stored once."""

    __tablename__ = "call_status_events"
    __table_args__ = (UniqueConstraint("call_sid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    sequence_number: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Resident(Base):
    """A resident's electronic file (电子档案), found by phone number."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    division_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Opt-outs: greeted by name; the language they prefer.
    greet_by_name: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    # A file opened by a call from an unknown number, for an operator to complete.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Consent to share health and disability details with stations and providers (PIPL).
    consent_share: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Caller ID is only a hint: a PIN set with an operator, or the last four characters of
    # the ID card, proves the caller (salted, peppered hashes; never the digits themselves).
    pin_hash: Mapped[str] = mapped_column(String(160), default="")
    id4_hash: Mapped[str] = mapped_column(String(160), default="")
    # Wrong answers in a row; at CHECK_MAX_FAILURES the check is refused until reset.
    check_failures: Mapped[int] = mapped_column(Integer, default=0)
    # When the resident's personal data was erased (PIPL): the file stays, for the figures.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Conversation(Base):
    """The dialog state of one call or text conversation between webhooks."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "key"),
                      Index("ix_conversations_phone_epoch", "phone", "started_epoch"),
                      CheckConstraint(check("outcome", Outcome), name="outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    turn: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The outputs of the last turn, served again when Twilio retries the same request.
    last_outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    # The contact as the electronic file shows it (one conversation = one contact).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    resident: Mapped[Resident | None] = relationship()
    category: Mapped[str | None] = mapped_column(String(32))
    division_code: Mapped[str | None] = mapped_column(String(12))
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(32), default=Outcome.IN_PROGRESS)
    operator_notes: Mapped[str] = mapped_column(Text, default="")
    recording_url: Mapped[str] = mapped_column(String(256), default="")
    local_date: Mapped[date | None] = mapped_column(Date, index=True)
    local_hour: Mapped[int | None] = mapped_column(SmallInteger)
    # Report buckets and figures, stored at write time so one GROUP BY serves both databases.
    local_week: Mapped[str] = mapped_column(String(8), default="")      # 2026-W13
    local_month: Mapped[str] = mapped_column(String(7), default="")     # 2026-03
    local_quarter: Mapped[str] = mapped_column(String(6), default="")   # 2026Q1
    started_epoch: Mapped[int] = mapped_column(Integer, default=0, index=True)
    caller_group: Mapped[str] = mapped_column(String(8), default="other")
    area_code: Mapped[str] = mapped_column(String(12), default="", index=True)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(Integer)
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    wait_s: Mapped[int | None] = mapped_column(Integer)
    talk_s: Mapped[int | None] = mapped_column(Integer)
    wrap_s: Mapped[int | None] = mapped_column(Integer)
    # Set when the same number comes back within 24 hours (the IVR did not contain it).
    recontacted: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Referral(Base):
    """A work order to a provider, station or center, followed until it is done."""

    __tablename__ = "referrals"
    __table_args__ = (CheckConstraint(check("status", ReferralStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    resident: Mapped[Resident] = relationship()
    conversation: Mapped[Conversation | None] = relationship()
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ReferralStatus.CREATED, index=True)
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_on_time: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_on_time: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_answer: Mapped[str | None] = mapped_column(String(16))
    follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Raised one platform level up by the overdue job (ivr/worker/jobs.py): how often, last when.
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class ReferralEvent(Base):
    """Every change of a referral: who moved it where, and when."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(256), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServiceRecord(Base):
    """A service activity or a government-purchased project a station or center recorded."""

    __tablename__ = "service_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # activity | purchased_project
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who viewed, exported or changed a resident's file, when, which fields, why.

    Rows can only be added: database triggers refuse UPDATE, DELETE, REPLACE and TRUNCATE,
    and each row is chained to the one before it by hashes (ivr.core.audit).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_chain_id", "chain", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(16))  # view | export | change | refused
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # What the fields shown were: none, personal (name, number, place) or sensitive (PIPL
    # art. 28: health and disability details, transcripts, notes, recordings).
    sensitivity: Mapped[str] = mapped_column(String(16), default="none")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    # Which hash chain the row links into (ivr.core.audit: 0, or a first-contact chain).
    chain: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class ApiToken(Base):
    """A station's or center's API token (only its hash is kept), scoped to its own area."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CityToken(Base):
    """An API key of the city evaluation center (only its hash is kept)."""

    __tablename__ = "city_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CallbackTask(Base):
    """A resident to be called back (asked for, or a missed call: 漏接回拨)."""

    __tablename__ = "callback_tasks"
    __table_args__ = (CheckConstraint(check("status", CallbackStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    call_sid: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CallbackStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What came of the last attempt (reached, no_answer, wrong_number, ...), and how many.
    attempt_outcome: Mapped[str | None] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An emergency task: answered within minutes, with what the caller said and where.
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str | None] = mapped_column(String(16))
    said: Mapped[str] = mapped_column(String(500), default="", server_default="")
    division_code: Mapped[str | None] = mapped_column(String(12))
    # Set by the deadline job once the 24 hours have passed: raised to the top of the list.
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxMessage(Base):
    """A text message to send after the commit that wrote it, by the worker, with retries."""

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint(check("status", OutboxStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(String(256), default="")
    provider_sid: Mapped[str] = mapped_column(String(64), default="")
    # For a template gateway (Aliyun): the template (a purpose, or a registered code) and
    # its parameters; providers that take free text send `body`.
    template_code: Mapped[str] = mapped_column(String(64), default="")
    template_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    referral: Mapped[Referral | None] = relationship()
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the provider's status callbacks said (queued, sent, delivered, undelivered,
    # failed: Twilio's open set, so a string), and when it was delivered.
    delivery_status: Mapped[str] = mapped_column(String(16), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A login: an administrator, an operator (with the phone calls ring on) or a station."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check("status", OperatorStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin | operator | station
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("providers.id"))
    # Operators: off (not on duty), available, offered (a call is ringing), busy, wrap_up.
    status: Mapped[str] = mapped_column(String(16), default=OperatorStatus.OFF)
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped on logout, deactivation and a password change: older session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class QueueEntry(Base):
    """A caller handed to a person: waiting, offered to an operator, connected, or lost."""

    __tablename__ = "queue_entries"
    __table_args__ = (CheckConstraint(check("status", QueueStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    conversation: Mapped[Conversation | None] = relationship()
    phone: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(String(32), default="asked")
    # 0 emergency, 1 elderly or disabled, 2 everyone else: the order operators take calls in.
    priority: Mapped[int] = mapped_column(SmallInteger, default=2)
    status: Mapped[str] = mapped_column(String(16), default=QueueStatus.WAITING, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wait_s: Mapped[int | None] = mapped_column(Integer)
    talk_s: Mapped[int | None] = mapped_column(Integer)
    wrap_up_s: Mapped[int | None] = mapped_column(Integer)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    local_hour: Mapped[int] = mapped_column(SmallInteger)


class TextMessage(Base):
    """One message of a text conversation (SMS or web chat), either way."""

    __tablename__ = "text_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    author: Mapped[str] = mapped_column(String(32))    # resident | line | operator:ID
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkerHeartbeat(Base):
    """When a worker process last finished a round (one row per worker; /readyz reads it)."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotentRequest(Base):
    """A request that must take effect once (an SMS by MessageSid, a station API call by its
    Idempotency-Key), with the answer served again to a replay."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    status_code: Mapped[int] = mapped_column(SmallInteger, default=200)
    content_type: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


class JobRun(Base):
    """A scheduled job's lease: the one worker that holds it runs the job."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_result: Mapped[str] = mapped_column(String(256), default="")


class CarePlan(Base):
    """A resident's care-call plan (主动关怀, issue 20): how often, when, whom to try and whom
    to alert when nobody answers."""

    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    resident: Mapped[Resident] = relationship()
    # daily | weekly:Mo | 2w:Mo,Th (ivr.care.plans.Frequency)
    frequency: Mapped[str] = mapped_column(String(32))
    # When to call, OpenStreetMap opening_hours ("Mo-Su 09:00-11:00; PH off": not on holidays).
    hours: Mapped[str] = mapped_column(String(200), default="")
    # The numbers to try, in turn (the resident's own first); the relative to alert.
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    alert_phone: Mapped[str] = mapped_column(String(32), default="")
    alert_station: Mapped[bool] = mapped_column(Boolean, default=True)
    # How the line greets them (王阿姨); the name on file when empty.
    salutation: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class CareCall(Base):
    """One due care call of a plan on one local day, with its tries (one conversation each,
    channel care); claimed with a conditional update, so no two workers place one try."""

    __tablename__ = "care_calls"
    __table_args__ = (UniqueConstraint("plan_id", "due_on"),
                      CheckConstraint(check("status", CareCallStatus), name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CareCallStatus.DUE, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The try being made: its CallSid, when it was placed, and what the last try came to
    # (busy, no-answer, machine, failed, lost).
    call_sid: Mapped[str] = mapped_column(String(64), default="", index=True)
    placed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_result: Mapped[str] = mapped_column(String(16), default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CareAlert(Base):
    """A resident the care calls did not reach: one per care call, at the top of the
    operators' list until closed with what came of it."""

    __tablename__ = "care_alerts"
    __table_args__ = (CheckConstraint(check("status", CareAlertStatus), name="status"),
                      CheckConstraint(check("outcome", AlertOutcome) + " OR outcome IS NULL",
                                      name="outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    care_call_id: Mapped[int] = mapped_column(ForeignKey("care_calls.id"), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    resident: Mapped[Resident] = relationship()
    division_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), default=CareAlertStatus.OPEN, index=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    local_date: Mapped[date] = mapped_column(Date, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
