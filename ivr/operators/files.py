"""Residents' files as an operator works with them: found by number (any format), name or
village; read with their contact and referral history; corrected, every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from directory.models import Category, Division, Provider
from directory.orm import utcnow
from ivr.core import audit, phones
from ivr.core.models import Conversation, Referral, Resident
from ivr.residents import access, records

LIMIT = 50
EDITABLE = ("name", "division_code", "groups", "needs", "birth_year", "notes")


class FileError(ValueError):
    """A change the file cannot take (an unknown village, an impossible year)."""


def search(session: Session, text: str) -> list[Resident]:
    """Residents whose number, name or village matches what the operator typed."""
    query = text.strip()
    if not query:
        return []
    number = phones.e164(query)
    digits = "".join(ch for ch in query if ch.isdigit())
    conditions: list[Any] = [Resident.name.contains(query, autoescape=True)]
    if number:
        conditions.append(Resident.phone == number)
    if len(digits) >= 4:
        # A part of a number (the last digits a caller reads out) matches too.
        conditions.append(Resident.phone.contains(digits.lstrip("0") or digits))
    places = list(session.scalars(select(Division.code).where(
        Division.level >= 4, Division.name.contains(query, autoescape=True)).limit(200)))
    if places:
        conditions.append(Resident.division_code.in_(places))
    return list(session.scalars(select(Resident).where(or_(*conditions))
                                .order_by(Resident.name, Resident.phone).limit(LIMIT)))


def history(session: Session, resident: Resident) -> dict[str, Any]:
    """The file's contacts (newest first) and referrals with the names people use."""
    contacts = list(session.scalars(select(Conversation).where(
        Conversation.resident_id == resident.id).order_by(Conversation.started_at.desc())))
    referral_rows = list(session.scalars(select(Referral).where(
        Referral.resident_id == resident.id).order_by(Referral.created_at.desc())))
    categories = {c.code: c for c in session.scalars(select(Category))}
    providers = {p.id: p.name for p in session.scalars(select(Provider).where(
        Provider.id.in_({r.provider_id for r in referral_rows})))} if referral_rows else {}
    return {
        "contacts": [{"row": c, "need": _need(categories, c.category),
                      "place": records.display_name(session, c.division_code)}
                     for c in contacts],
        "referrals": [{"row": r, "number": records.short_number(r.id),
                       "need": _need(categories, r.category),
                       "provider": providers.get(r.provider_id, "")} for r in referral_rows],
    }


def _need(categories: dict[str, Category], code: str | None) -> str:
    category = categories.get(code or "")
    return f"{category.zh} {category.en}" if category else ""


def place_name(session: Session, code: str | None) -> str:
    """A division's full name (for the edit form)."""
    division = session.get(Division, code) if code else None
    return division.name if division else ""


def find_place(session: Session, text: str) -> str | None:
    """The township or village an operator typed, by its name; None for none given."""
    name = text.strip()
    if not name:
        return None
    exact = list(session.scalars(select(Division.code).where(
        Division.level >= 4, Division.name == name)))
    found = exact or list(session.scalars(select(Division.code).where(
        Division.level >= 4, Division.name.contains(name, autoescape=True)).limit(6)))
    if len(found) != 1:
        raise FileError("找不到这个地方，请写出完整的村（社区）名 "
                        "Place not found or not unique: give the full village name"
                        if not found else
                        "有好几个地方叫这个名字，请写得更具体 Several places match: be precise")
    return found[0]


@dataclass
class Changes:
    """What an operator typed into the file form."""

    name: str
    place: str
    groups: list[str]
    needs: list[str]
    birth_year: int | None
    notes: str


def update(session: Session, resident: Resident, changes: Changes, *, actor: str,
           role: str) -> list[str]:
    """Write the operator's corrections into the file; audited with the fields changed."""
    if changes.birth_year is not None and not 1900 <= changes.birth_year <= utcnow().year:
        raise FileError("出生年份不对 The birth year is not a year")
    known = set(session.scalars(select(Category.code)))
    wanted: dict[str, Any] = {
        "name": changes.name.strip()[:64],
        "division_code": find_place(session, changes.place),
        "groups": sorted(g for g in set(changes.groups) if g in records.GROUPS),
        "needs": sorted(n for n in set(changes.needs) if n in known),
        "birth_year": changes.birth_year, "notes": changes.notes.strip()[:2000]}
    changed = [key for key in EDITABLE if getattr(resident, key) != wanted[key]]
    for key in changed:
        setattr(resident, key, wanted[key])
    if changed:
        resident.provisional = False if resident.name else resident.provisional
        resident.updated_at, resident.updated_by = utcnow(), actor
        fields = ["division" if k == "division_code" else k for k in changed]
        health = bool({"groups", "needs"} & set(changed)) and bool(
            set(resident.groups or []) & access.SENSITIVE_GROUPS
            or set(resident.needs or []) & access.SENSITIVE_NEEDS)
        audit.record(session, actor=actor, role=role, action="change", resident_id=resident.id,
                     fields=fields, reason="corrected by an operator on the console",
                     sensitivity=access.sensitivity(fields, health))
    return changed
