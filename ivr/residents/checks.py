"""The caller check: a PIN set with an operator, or the ID card's last four characters.

Caller ID can be spoofed, so a completed file's name, address and requests are told only to a
caller who keys in its secret. Only a salted hash is kept, peppered with SECRET_KEY (a copy of
the database alone does not let anyone try the 10,000 PINs), and a file is locked after
MAX_FAILURES wrong answers in a row until an operator sets the secret again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy.orm import Session

from directory.orm import utcnow
from ivr.core import audit
from ivr.core.models import Resident

KINDS = ("pin", "id4", "off")
MAX_FAILURES = 5
# A 4-digit PIN has 10,000 values: against a stolen database the pepper is what protects it,
# not the rounds. Few rounds keep the check's webhook fast (each stored hash names its own).
ITERATIONS = 20_000
_ENTRY = {"pin": re.compile(r"^[0-9]{4,8}$"), "id4": re.compile(r"^[0-9]{3}[0-9X]$")}


class CheckError(ValueError):
    """A PIN or ID ending that cannot be used."""


def digest(entry: str, pepper: str, salt: bytes | None = None) -> str:
    """pbkdf2-sha256 of the entry, salted per file and peppered with the app's secret."""
    salt = salt or secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha256", entry.encode(), salt + pepper.encode(), ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${salt.hex()}${key.hex()}"


def matches(entry: str, stored: str, pepper: str) -> bool:
    """Whether the keys entered are the secret whose hash is stored."""
    try:
        _, rounds, salt, key = stored.split("$")
        found = hashlib.pbkdf2_hmac("sha256", entry.encode(), bytes.fromhex(salt)
                                    + pepper.encode(), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), key)


def normal(kind: str, entry: str) -> str:
    """The entry as keyed and compared: digits, and X for the ID card's last character."""
    value = entry.strip().upper().replace("*", "X")
    if kind not in _ENTRY or not _ENTRY[kind].match(value):
        raise CheckError("a PIN is 4 to 8 digits" if kind == "pin"
                         else "the ID card's last four are 3 digits and a digit or X")
    return value


def set_secret(session: Session, resident: Resident, kind: str, entry: str, *, pepper: str,
               actor: str, role: str) -> None:
    """Store the hash of a new PIN or ID ending, unlock the file; audited (never the value)."""
    value = digest(normal(kind, entry), pepper)
    if kind == "pin":
        resident.pin_hash = value
    else:
        resident.id4_hash = value
    resident.check_failures = 0
    resident.updated_at, resident.updated_by = utcnow(), actor
    audit.record(session, actor=actor, role=role, action="change", resident_id=resident.id,
                 fields=[f"{kind}_hash"], reason="caller check secret set",
                 sensitivity="personal")


def stored(resident: Resident, kind: str) -> str:
    """The hash a check of this kind compares with ('' when the file has none)."""
    return resident.pin_hash if kind == "pin" else resident.id4_hash if kind == "id4" else ""


def checkable(resident: Resident, kind: str) -> bool:
    """Whether a caller can prove this file now: it holds the secret and is not locked."""
    return bool(stored(resident, kind)) and resident.check_failures < MAX_FAILURES


def verify(resident: Resident, kind: str, entry: str, pepper: str) -> bool:
    """The check itself (the caller of it counts failures)."""
    if not checkable(resident, kind):
        return False
    try:
        value = normal(kind, entry)
    except CheckError:
        return False
    return matches(value, stored(resident, kind), pepper)
