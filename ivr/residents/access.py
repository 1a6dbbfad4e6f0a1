"""Who may see which fields of a resident's file, a conversation and a referral (PIPL).

One policy for every read path (the console, the station pages and API, the command line,
exports, the phone line's readouts): a role and the resident's consent to share health and
disability details give a Grant; `file_view` and `contact_view` build only what it allows and
write the audit row of what was shown, with its sensitivity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Division
from ivr.core import audit
from ivr.core.models import Conversation, Referral, Resident, TextMessage
from ivr.residents.records import short_number

# Health and disability details (PIPL art. 28: sensitive personal information).
SENSITIVE_GROUPS = frozenset({"disabled"})
SENSITIVE_NEEDS = frozenset({"medical", "rehab", "devices"})

FILE_FIELDS = ("phone", "name", "division", "groups", "needs", "birth_year", "notes",
               "provisional", "consent_share", "greet_by_name", "last_contact_at",
               "updated_at", "updated_by", "contacts", "referrals")
CONTACT_FIELDS = ("id", "channel", "started_at", "ended_at", "outcome", "category",
                  "division", "emergency", "handed_off", "path", "understood",
                  "operator_notes", "recording_url", "messages")
REFERRAL_FIELDS = ("id", "number", "category", "provider", "level", "status", "deadline",
                   "created_at", "completed_at", "follow_up")
# Fields whose content is itself sensitive: what the resident said or was noted about them.
SENSITIVE_FIELDS = frozenset({"notes", "understood", "operator_notes", "recording_url",
                              "messages"})
# Fields that identify a person.
PERSONAL_FIELDS = frozenset({"phone", "name", "division", "birth_year", "groups", "needs",
                             "contacts", "referrals", "path"})

ROLES = ("operator", "station", "admin", "city", "cli")


@dataclass(frozen=True)
class Grant:
    """What one viewer may see of one resident."""

    file: frozenset[str]
    contact: frozenset[str]
    referral: frozenset[str]
    # Health and disability groups, needs and categories.
    health: bool
    # Only the referrals held by the viewer's own platform (and their contacts).
    own_referrals_only: bool = False


NOTHING = Grant(frozenset(), frozenset(), frozenset(), False)
_ALL = Grant(frozenset(FILE_FIELDS), frozenset(CONTACT_FIELDS), frozenset(REFERRAL_FIELDS),
             True)
# A station serves; without consent it learns whom, where and what was asked of it.
_STATION = Grant(frozenset({"phone", "name", "division", "groups", "needs", "birth_year",
                            "consent_share", "greet_by_name", "contacts", "referrals"}),
                 frozenset({"id", "channel", "started_at", "ended_at", "outcome", "category",
                            "division", "emergency", "handed_off"}),
                 frozenset(REFERRAL_FIELDS), False, own_referrals_only=True)
_STATION_CONSENT = Grant(_STATION.file | {"notes"},
                         _STATION.contact | {"understood", "operator_notes", "recording_url",
                                             "messages", "path"},
                         frozenset(REFERRAL_FIELDS), True, own_referrals_only=True)


def grant(role: str, consent: bool) -> Grant:
    """The policy: role × the resident's consent to share health and disability details."""
    if role in ("admin", "operator", "cli"):
        return _ALL  # the line's own staff, bound by its duty of confidentiality
    if role == "station":
        return _STATION_CONSENT if consent else _STATION
    return NOTHING  # city (statistics only), anyone else


@dataclass(frozen=True)
class Viewer:
    """Who reads: the audit's actor, the role, and for a station its platform."""

    actor: str
    role: str
    platform_id: str | None = None


def sensitivity(fields: Iterable[str], health_shown: bool) -> str:
    """none, personal or sensitive: what an audit row says the view disclosed."""
    shown = set(fields)
    if health_shown or shown & SENSITIVE_FIELDS:
        return "sensitive"
    return "personal" if shown & (PERSONAL_FIELDS | {"messages"}) else "none"


def can_see(session: Session, resident: Resident, viewer: Viewer) -> bool:
    """Whether the viewer may open this file at all: a station only with an open referral."""
    if not grant(viewer.role, resident.consent_share).file:
        return False
    if viewer.role != "station":
        return True
    from ivr.residents.referrals import OPEN

    return session.scalar(select(Referral.id).where(
        Referral.resident_id == resident.id, Referral.provider_id == viewer.platform_id,
        Referral.status.in_(OPEN)).limit(1)) is not None


def health_filter(values: Iterable[str], sensitive: frozenset[str], allowed: bool) -> list[str]:
    """Groups or needs, the health and disability ones only where allowed."""
    return [v for v in values if allowed or v not in sensitive]


def file_view(session: Session, resident: Resident, viewer: Viewer, *, reason: str,
              action: str = "view") -> dict[str, Any]:
    """The file as this viewer may see it; the audit row names every field shown."""
    g = grant(viewer.role, resident.consent_share)
    referrals = list(session.scalars(select(Referral).where(Referral.resident_id == resident.id)
                                     .order_by(Referral.created_at, Referral.id)))
    if g.own_referrals_only:
        referrals = [r for r in referrals if r.provider_id == viewer.platform_id]
    contacts_query = select(Conversation).where(Conversation.resident_id == resident.id)
    if g.own_referrals_only:
        contacts_query = contacts_query.where(Conversation.id.in_(
            [r.conversation_id for r in referrals if r.conversation_id]))
    contacts = list(session.scalars(contacts_query.order_by(Conversation.started_at,
                                                            Conversation.id)))
    division = session.get(Division, resident.division_code) if resident.division_code else None
    everything: dict[str, Any] = {
        "phone": resident.phone, "name": resident.name, "division": resident.division_code,
        "groups": health_filter(resident.groups or [], SENSITIVE_GROUPS, g.health),
        "needs": health_filter(resident.needs or [], SENSITIVE_NEEDS, g.health),
        "birth_year": resident.birth_year, "notes": resident.notes,
        "provisional": resident.provisional, "consent_share": resident.consent_share,
        "greet_by_name": resident.greet_by_name,
        "last_contact_at": _iso(resident.last_contact_at),
        "updated_at": _iso(resident.updated_at), "updated_by": resident.updated_by,
        "contacts": [contact_dict(session, c, g) for c in contacts],
        "referrals": [_referral(r, g) for r in referrals],
    }
    data = {k: v for k, v in everything.items() if k in g.file}
    if "division" in g.file:
        data["division_name"] = division.name if division else None
    # A referral held by the station names what it is to provide, even a health need: the
    # resident asked that of it. That view is then sensitive too.
    health = (g.health and bool(set(resident.groups or []) & SENSITIVE_GROUPS
                                or set(resident.needs or []) & SENSITIVE_NEEDS)) \
        or any(r.category in SENSITIVE_NEEDS for r in referrals if "referrals" in g.file)
    shown = set(data) | {f"contacts.{f}" for c in data.get("contacts", []) for f in c}
    audit.record(session, actor=viewer.actor, role=viewer.role, action=action,
                 resident_id=resident.id, fields=shown, reason=reason,
                 sensitivity=sensitivity({f.removeprefix("contacts.") for f in shown}, health))
    return data


def contact_dict(session: Session, row: Conversation, g: Grant) -> dict[str, Any]:
    """One contact as the grant allows (a sensitive category only with the health grant)."""
    state = row.state or {}
    category = row.category if g.health or row.category not in SENSITIVE_NEEDS else None
    everything: dict[str, Any] = {
        "id": row.id, "channel": row.channel, "started_at": _iso(row.started_at),
        "ended_at": _iso(row.updated_at), "outcome": row.outcome, "category": category,
        "division": row.division_code, "emergency": row.emergency,
        "handed_off": row.handed_off, "path": state.get("path", []),
        "understood": state.get("understood", []), "operator_notes": row.operator_notes,
        "recording_url": row.recording_url or None,
    }
    if "messages" in g.contact and row.channel in ("sms", "chat"):
        everything["messages"] = [
            {"direction": m.direction, "author": m.author, "body": m.body,
             "at": _iso(m.created_at)}
            for m in session.scalars(select(TextMessage).where(
                TextMessage.conversation_id == row.id).order_by(TextMessage.id))]
    return {k: v for k, v in everything.items() if k in g.contact}


def _referral(row: Referral, g: Grant) -> dict[str, Any]:
    everything: dict[str, Any] = {
        "id": row.id, "number": short_number(row.id), "category": row.category,
        "provider": row.provider_id, "level": row.level, "status": row.status,
        "deadline": row.deadline.isoformat(), "created_at": _iso(row.created_at),
        "completed_at": _iso(row.completed_at), "follow_up": row.follow_up_answer,
    }
    return {k: v for k, v in everything.items() if k in g.referral}


def note_view(session: Session, resident_id: int | None, viewer: Viewer, *,
              fields: Iterable[str], reason: str, health: bool = False) -> None:
    """Audit a view of a few fields that a page shows outside the whole file (a queue row,
    a callback's number, a text conversation, a readout on the phone)."""
    shown = sorted(set(fields))
    audit.record(session, actor=viewer.actor, role=viewer.role, action="view",
                 resident_id=resident_id, fields=shown, reason=reason,
                 sensitivity=sensitivity(shown, health))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
