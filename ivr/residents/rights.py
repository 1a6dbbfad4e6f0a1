"""A resident's rights under PIPL: a copy of everything held on them, and erasure.

Erasure removes what identifies or describes the person (name, number, birth year, notes,
transcripts, recordings, messages, secrets) and keeps what the statistics count: each contact,
its channel, dates, outcome, category and area, the referrals and their dates, the file's
groups and area. The number becomes a stable pseudonym (the same number always gives the same
one), so contacts stay countable per resident and a later import of that number is a new file.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core import audit
from ivr.core.models import (
    AuditEntry,
    Call,
    CallbackTask,
    CareAlert,
    CareCall,
    CarePlan,
    Conversation,
    OutboxMessage,
    QueueEntry,
    Referral,
    ReferralEvent,
    Resident,
    TextMessage,
)
from ivr.core.statuses import CareCallStatus, OutboxStatus
from ivr.residents.access import Viewer, file_view

ERASED_TEXT = "[已删除 erased]"


def pseudonym(phone: str, pepper: str) -> str:
    """The stand-in for an erased number: stable, and not reversible without SECRET_KEY."""
    digest = hmac.new(pepper.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return f"erased:{digest[:24]}"


def export(session: Session, resident: Resident, viewer: Viewer) -> dict[str, Any]:
    """Everything held on the resident as one JSON document (audited as an export)."""
    data = file_view(session, resident, viewer, reason="PIPL copy of personal data",
                     action="export")
    phone = resident.phone
    contacts = [c["id"] for c in data.get("contacts", [])]
    referral_ids = [r["id"] for r in data.get("referrals", [])]
    data["referral_events"] = [
        {"referral": e.referral_id, "status": e.status, "provider": e.provider_id,
         "actor": e.actor, "note": e.note, "at": _iso(e.at)}
        for e in session.scalars(select(ReferralEvent).where(
            ReferralEvent.referral_id.in_(referral_ids)).order_by(ReferralEvent.id))]
    data["calls"] = [
        {"call_sid": c.call_sid, "status": c.status, "duration_s": c.duration_s,
         "emergency": c.emergency, "started_at": _iso(c.started_at)}
        for c in session.scalars(select(Call).where(Call.from_number == phone)
                                 .order_by(Call.id))]
    data["callbacks"] = [
        {"reason": t.reason, "category": t.category, "status": t.status,
         "created_at": _iso(t.created_at), "attempted_at": _iso(t.attempted_at)}
        for t in session.scalars(select(CallbackTask).where(CallbackTask.phone == phone)
                                 .order_by(CallbackTask.id))]
    data["text_messages_sent"] = [
        {"purpose": m.purpose, "body": m.body, "status": m.status,
         "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)}
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == phone)
                                 .order_by(OutboxMessage.id))]
    data["queue"] = [
        {"reason": q.reason, "status": q.status, "enqueued_at": _iso(q.enqueued_at),
         "wait_s": q.wait_s, "talk_s": q.talk_s}
        for q in session.scalars(select(QueueEntry).where(
            or_(QueueEntry.phone == phone, QueueEntry.conversation_id.in_(contacts)))
            .order_by(QueueEntry.id))]
    # Who looked at the file, when and why (PIPL: the right to know how data is handled).
    data["access_log"] = [
        {"at": _iso(a.at), "actor": a.actor, "role": a.role, "action": a.action,
         "fields": a.fields, "reason": a.reason, "sensitivity": a.sensitivity}
        for a in session.scalars(select(AuditEntry).where(AuditEntry.resident_id == resident.id)
                                 .order_by(AuditEntry.id))]
    plan = session.scalars(select(CarePlan).where(CarePlan.resident_id == resident.id)).first()
    data["care_plan"] = None if plan is None else {
        "frequency": plan.frequency, "hours": plan.hours, "phones": plan.phones,
        "alert_phone": plan.alert_phone, "alert_station": plan.alert_station,
        "salutation": plan.salutation, "active": plan.active}
    data["care_calls"] = [
        {"due_on": c.due_on.isoformat(), "status": c.status, "attempts": c.attempts,
         "answer": c.answer, "answered_at": _iso(c.answered_at)}
        for c in session.scalars(select(CareCall).where(CareCall.resident_id == resident.id)
                                 .order_by(CareCall.id))]
    data["caller_check"] = {"pin_set": bool(resident.pin_hash),
                            "id4_set": bool(resident.id4_hash)}
    data["exported_at"] = _iso(utcnow())
    return data


def erase(session: Session, resident: Resident, *, actor: str, role: str,
          pepper: str) -> str:
    """Remove the resident's personal data, keep the figures; returns the pseudonym."""
    if resident.erased_at is not None:
        return resident.phone  # erased already: nothing personal is left
    phone = resident.phone
    alias = pseudonym(phone, pepper)
    conversations = list(session.scalars(select(Conversation).where(
        or_(Conversation.resident_id == resident.id, Conversation.phone == phone))))
    ids = [c.id for c in conversations]
    for row in conversations:
        row.phone = alias if row.phone == phone else row.phone
        row.key = row.key.replace(phone, alias)[:64]
        row.operator_notes = ""
        row.recording_url = ""
        row.last_outputs = []
        row.state = _scrubbed(row.state or {})
    if ids:
        session.execute(update(TextMessage).where(TextMessage.conversation_id.in_(ids))
                        .values(body=ERASED_TEXT))
        session.execute(update(QueueEntry).where(QueueEntry.conversation_id.in_(ids))
                        .values(phone=alias))
    session.execute(update(Call).where(Call.from_number == phone).values(from_number=alias))
    # An emergency task keeps its kind and times for the figures, not the caller's words.
    session.execute(update(CallbackTask).where(CallbackTask.phone == phone)
                    .values(phone=alias, said=""))
    session.execute(update(QueueEntry).where(QueueEntry.phone == phone).values(phone=alias))
    # Messages not yet sent are never sent now; sent ones keep their date and purpose.
    session.execute(update(OutboxMessage).where(
        OutboxMessage.to_number == phone,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        .values(status=OutboxStatus.FAILED, last_error="resident erased"))
    session.execute(update(OutboxMessage).where(OutboxMessage.to_number == phone)
                    .values(to_number=alias, body=ERASED_TEXT, template_params=None))
    # Care calls (issue 20): no more calls, no numbers or greeting kept; the figures stay.
    session.execute(update(CarePlan).where(CarePlan.resident_id == resident.id).values(
        active=False, phones=[], alert_phone="", salutation="", updated_at=utcnow(),
        updated_by=actor).execution_options(synchronize_session=False))
    session.execute(update(CareCall).where(CareCall.resident_id == resident.id,
                                           CareCall.status == CareCallStatus.DUE)
                    .values(status=CareCallStatus.CANCELED)
                    .execution_options(synchronize_session=False))
    session.execute(update(CareAlert).where(CareAlert.resident_id == resident.id)
                    .values(note="").execution_options(synchronize_session=False))
    referral_ids = list(session.scalars(select(Referral.id).where(
        Referral.resident_id == resident.id)))
    if referral_ids:
        session.execute(update(ReferralEvent).where(
            ReferralEvent.referral_id.in_(referral_ids)).values(note=""))
        # The texts to providers about these requests named the resident and their number.
        about = OutboxMessage.referral_id.in_(referral_ids)
        session.execute(update(OutboxMessage).where(
            about, OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
            .values(status=OutboxStatus.FAILED, last_error="resident erased"))
        session.execute(update(OutboxMessage).where(about)
                        .values(body=ERASED_TEXT, template_params=None))
    resident.phone, resident.name, resident.notes = alias, "", ""
    resident.birth_year = None
    resident.pin_hash = resident.id4_hash = ""
    resident.greet_by_name = False
    resident.consent_share = False
    resident.erased_at = resident.updated_at = utcnow()
    resident.updated_by = actor
    audit.record(session, actor=actor, role=role, action="erase", resident_id=resident.id,
                 fields=["name", "phone", "birth_year", "notes", "contacts.understood",
                         "contacts.operator_notes", "contacts.recording_url",
                         "contacts.messages", "callback_tasks.said", "pin_hash",
                         "id4_hash"],
                 reason="PIPL erasure: personal data removed, statistics kept",
                 sensitivity="sensitive")
    return alias


def _scrubbed(state: dict[str, Any]) -> dict[str, Any]:
    """A conversation's state without what the caller said or the file's details."""
    kept = dict(state)
    kept["understood"] = [{"node": u.get("node"), "decision": u.get("decision"),
                           "code": u.get("code")} for u in state.get("understood") or []]
    caller = dict(state.get("caller") or {})
    for field in ("name", "phone_last4", "division_name"):
        caller[field] = ""
    kept["caller"] = caller
    slots = dict(state.get("slots") or {})
    slots.pop("alarm", None)  # the words that raised it
    kept["slots"] = slots
    return kept


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
