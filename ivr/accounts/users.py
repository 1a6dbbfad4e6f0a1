"""What an administrator (or the command line) does to a login; every change is audited."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ivr.accounts.logins import ROLES, create_user, end_sessions
from ivr.core import audit
from ivr.core.models import User


class UserError(ValueError):
    """A login that does not exist or a change that cannot be made."""


def find(session: Session, username: str) -> User:
    """The login called `username` (UserError if there is none)."""
    row = session.scalars(select(User).where(User.username == username)).first()
    if row is None:
        raise UserError(f"no login {username!r}")
    return row


def add(session: Session, actor: str, username: str, role: str, *, name: str = "",
        phone: str = "", provider_id: str | None = None) -> tuple[User, str]:
    """A new login with a generated password, returned once beside it."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not username or session.scalars(select(User.id).where(User.username == username)).first():
        raise UserError(f"the user name {username!r} is empty or taken")
    if role == "station" and not provider_id:
        raise UserError("a station login needs its center or station")
    password = new_password()
    row = create_user(username, password, role, name=name, phone=phone,
                      provider_id=provider_id or None)
    session.add(row)
    audit_change(session, actor, f"created login {username} ({role})")
    return row, password


def new_password() -> str:
    """A random password of 16 characters that is easy to read out."""
    return secrets.token_urlsafe(12)


def reset_password(session: Session, actor: str, row: User) -> str:
    """A new password for `row` (returned once); its sessions end."""
    password = new_password()
    row.password_hash = generate_password_hash(password)
    end_sessions(row)
    audit_change(session, actor, f"reset the password of {row.username}")
    return password


def set_active(session: Session, actor: str, row: User, active: bool) -> None:
    """Deactivate (its sessions end) or reactivate a login."""
    row.active = active
    if not active:
        end_sessions(row)
    audit_change(session, actor, f"{'reactivated' if active else 'deactivated'} {row.username}")


def link(session: Session, actor: str, row: User, provider_id: str | None) -> None:
    """Link a login to a platform (or unlink it); its sessions end so the new scope applies."""
    row.provider_id = provider_id or None
    end_sessions(row)
    audit_change(session, actor, f"linked {row.username} to {provider_id or 'no platform'}")


def audit_change(session: Session, actor: str, what: str, field: str = "login") -> None:
    """An administrator's change, written to the audit log (no resident concerned)."""
    audit.record(session, actor=actor, role="admin", action="change", resident_id=None,
                 fields=[field], reason=what)
