"""Residents' electronic files: import, show, and what every contact adds to them."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import phones
from directory.models import Category, Division
from directory.names import spoken
from directory.orm import utcnow
from ivr.core import audit
from ivr.core.models import Resident

CSV_HEADER = ["phone", "name", "division", "groups", "needs", "birth_year", "notes"]
GROUPS = ("elderly", "disabled", "other")


class ExtraColumns(Protocol):
    """Optional columns a room above adds to the residents CSV (the care plan's): checked
    before anything is written, applied once the resident is."""

    columns: tuple[str, ...]

    def check(self, cells: dict[str, str]) -> list[str]:
        """What is wrong with a line's extra cells."""

    def apply(self, session: Session, resident: Resident, cells: dict[str, str],
              actor: str) -> None:
        """Write what a line's extra cells say."""


class ResidentsImportError(ValueError):
    """A residents file that cannot be imported; nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("nothing was imported:\n  " + "\n  ".join(problems[:50]))


@dataclass
class ImportCounts:
    """What a residents import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def import_csv(session: Session, text: str, *, actor: str = "cli",
               chunk: int | None = None, care: ExtraColumns | None = None) -> ImportCounts:
    """Load residents (CONTRACT §5); re-importing updates by phone and keeps every contact.

    Every line is checked before anything is written. With `chunk`, the writes are committed
    every `chunk` residents, so that on SQLite (one writer at a time) calls get their turn in
    between instead of waiting behind the whole file."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    extra = list(care.columns) if care is not None else []
    if header not in (CSV_HEADER, CSV_HEADER + extra):
        raise ResidentsImportError([f"line 1: the header must be {','.join(CSV_HEADER)}" + (
            f" (optionally followed by {','.join(extra)})" if extra else "")])
    with_extra = care is not None and len(header) > len(CSV_HEADER)
    divisions = set(session.scalars(select(Division.code).where(Division.level >= 4)))
    categories = set(session.scalars(select(Category.code)))
    if chunk:
        session.commit()  # checking 30,000 lines must not hold SQLite's writer
    problems: list[str] = []
    parsed: list[dict[str, Any]] = []
    phones: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = [c.strip() for c in row]
        extras = dict(zip(extra, cells[len(CSV_HEADER):], strict=False)) if with_extra else {}
        item, found = _parse_row(row[:len(CSV_HEADER)] if with_extra else row, divisions,
                                 categories)
        if with_extra and len(row) != len(header):
            found.append(f"expected {len(header)} fields, found {len(row)}")
        if care is not None and extras:
            found += care.check(extras)
        problems += [f"line {line}: {p}" for p in found]
        item["_extra"] = extras
        if item["phone"] in phones:
            problems.append(f"line {line}: phone repeats line {phones[item['phone']]}")
        phones[item["phone"]] = line
        parsed.append(item)
    if problems:
        raise ResidentsImportError(problems)
    counts = ImportCounts()
    existing = {r.phone: r for r in session.scalars(select(Resident))}
    if chunk:
        session.commit()
    for done, item in enumerate(parsed, start=1):
        if chunk and done % chunk == 0:
            session.commit()
        extras = item.pop("_extra")
        resident = existing.get(item["phone"])
        if care is not None and extras:
            if resident is None:
                resident = Resident(**item, updated_by=actor, updated_at=utcnow())
                session.add(resident)
                session.flush()
                existing[item["phone"]] = resident
                counts.added += 1
                audit.record(session, actor=actor, role="cli", action="change",
                             resident_id=resident.id, fields=list(item),
                             reason="residents import")
                care.apply(session, resident, extras, actor)
                continue
            care.apply(session, resident, extras, actor)
        if resident is None:
            resident = Resident(**item, updated_by=actor, updated_at=utcnow())
            session.add(resident)
            session.flush()
            counts.added += 1
            changed = list(item)
        else:
            changed = [k for k, v in item.items() if getattr(resident, k) != v]
            if not changed and not resident.provisional:
                counts.unchanged += 1
                continue
            for key in changed:
                setattr(resident, key, item[key])
            resident.provisional = False
            resident.updated_at, resident.updated_by = utcnow(), actor
            counts.updated += 1
        audit.record(session, actor=actor, role="cli", action="change",
                     resident_id=resident.id, fields=changed, reason="residents import")
    return counts


def _parse_row(row: list[str], divisions: set[str],
               categories: set[str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    cells = [c.strip() for c in row] + [""] * (len(CSV_HEADER) - len(row))
    if len(row) != len(CSV_HEADER):
        problems.append(f"expected {len(CSV_HEADER)} fields, found {len(row)}")
    written, name, division, groups_text, needs_text, birth, notes = cells[:7]
    # Any way people write a number (0551-6310 0167, 13800000001, +86...); stored as E.164.
    phone = phones.parse(written) or written
    if not phones.is_valid(written):
        problems.append(f"phone {written!r} is not a dialable number (write it as "
                        "+8655163100167, 0551-6310 0167 or 138 0000 0001)")
    if division and division not in divisions:
        problems.append(f"division {division!r} is not a township or village in the directory")
    groups = sorted({g.strip() for g in groups_text.split(";") if g.strip()})
    for group in groups:
        if group not in GROUPS:
            problems.append(f"group {group!r} is not one of {', '.join(GROUPS)}")
    needs = sorted({n.strip() for n in needs_text.split(";") if n.strip()})
    for need in needs:
        if need not in categories:
            problems.append(f"need {need!r} is not a service category")
    birth_year: int | None = None
    if birth:
        if not birth.isdigit() or not 1900 <= int(birth) <= utcnow().year:
            problems.append(f"birth_year {birth!r} is not a year")
        else:
            birth_year = int(birth)
    item = {"phone": phone, "name": name, "division_code": division or None, "groups": groups,
            "needs": needs, "birth_year": birth_year, "notes": notes}
    return item, problems


def find(session: Session, phone: str) -> Resident | None:
    """The file of the resident with this phone number, written any usual way."""
    stored = phones.parse(phone) or phone
    return session.scalars(select(Resident).where(Resident.phone == stored)).first()


def provisional(session: Session, phone: str, *, actor: str) -> Resident:
    """The file for `phone`, opened as provisional when the number is new."""
    return find(session, phone) or open_provisional(session, phone, actor=actor)


# What carriers and Twilio send for a withheld number: "anonymous", "restricted",
# "blocked", "unavailable" spelled on the keypad. They look like numbers and name nobody.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696"})


def usable_phone(phone: str) -> bool:
    """Whether `phone` names one line (a dialable number, not a withheld-number stand-in)."""
    return phone not in WITHHELD and phones.is_valid(phone)


def withheld_key(channel: str, key: str) -> str:
    """The stand-in for the number of a contact that came without a usable one: unique to
    that contact, never a phone number (so nothing is ever texted to it)."""
    return "withheld:" + hashlib.sha256(f"{channel}:{key}".encode()).hexdigest()[:20]


def open_provisional(session: Session, phone: str, *, actor: str) -> Resident:
    """A new provisional file for a number that has none (its first contact)."""
    now = utcnow()
    resident = Resident(phone=phone, provisional=True, groups=[], needs=[],
                        updated_by=actor, updated_at=now, last_contact_at=now)
    session.add(resident)
    session.flush()
    # In a chain of its own kind (one of several), so that new callers' first webhooks do
    # not pass one at a time through one chain's lock.
    audit.record(session, actor=actor, role="system", action="change",
                 resident_id=resident.id, fields=["phone"], reason="first contact",
                 chain=audit.file_chain(resident.id))
    return resident


def short_number(referral_id: int) -> str:
    """The number a provider quotes in an SMS reply (R + id)."""
    return f"R{referral_id}"


def display_name(session: Session, code: str | None) -> str:
    """A division as people say it, for messages."""
    division = session.get(Division, code) if code else None
    if division is None:
        return ""
    parts = spoken(division.name)
    return parts.core + parts.kind

