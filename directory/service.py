"""The directory's face: understanding callers' words against what the database holds.

Matchers are built once per process from the stored readings and rebuilt only when an import
bumps the directory's version, so a call never waits on pypinyin over the whole directory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Category, DirectoryVersion, Division
from directory.understanding import (
    CategoryRow,
    DivisionRow,
    NeedMatcher,
    PlaceMatcher,
    Understood,
)

_lock = threading.Lock()
_VERSION = select(DirectoryVersion.version, DirectoryVersion.changed_at).where(
    DirectoryVersion.id == 1)
# Per database: the directory version the values were built from, and the values by name.
_built: dict[str, tuple[str, dict[Hashable, Any]]] = {}
T = TypeVar("T")


def version(session: Session) -> str:
    """The directory's current version and when it changed ('0' when nothing was imported):
    caches keyed on it reload after an import, or when the database is rebuilt."""
    row = session.connection().execute(_VERSION).first()
    return label(row.version, row.changed_at) if row else "0"


def label(number: int | None, changed_at: datetime | None) -> str:
    """The version as version() gives it, from its two columns read some other way."""
    return f"{number}@{changed_at.isoformat()}" if number is not None and changed_at else "0"


def per_version(session: Session, current: str, name: Hashable, build: Callable[[], T]) -> T:
    """A value derived from the directory, built once per process, database and directory
    version (`current`, as read by version()); an import's new version drops the old values.
    Two threads may both build a missing value; the second one's is kept."""
    url = str(session.get_bind().engine.url)
    held = _built.get(url)
    if held is None or held[0] != current:
        held = _built[url] = (current, {})
    if name not in held[1]:
        held[1][name] = build()
    return held[1][name]  # type: ignore[no-any-return]


def matchers(session: Session, current: str | None = None) -> tuple[PlaceMatcher, NeedMatcher]:
    """The place and need matchers for this database, rebuilt after an import (`current`:
    the version, when the caller has read it already)."""
    current = current or version(session)
    with _lock:  # built once, not by every thread: the matchers of all China take 30 s
        return per_version(session, current, "matchers", lambda: _build_matchers(session))


def _build_matchers(session: Session) -> tuple[PlaceMatcher, NeedMatcher]:
    places = PlaceMatcher(
        DivisionRow(code, name, level, reading, tuple(aliases or ()))
        for code, name, level, reading, aliases in session.execute(
            select(Division.code, Division.name, Division.level, Division.reading,
                   Division.aliases).order_by(Division.code)
        )
    )
    needs = NeedMatcher(
        CategoryRow(code, zh, tuple(keywords or ()))
        for code, zh, keywords in session.execute(
            select(Category.code, Category.zh, Category.keywords).order_by(Category.code)
        )
    )
    return places, needs


def find(session: Session, text: str, *, within: str | None = None) -> dict[str, Any]:
    """What the directory understands in a caller's words (CONTRACT §3 `directory find`)."""
    places, needs = matchers(session)
    return {
        "text": text,
        "within": within,
        "area": _as_json(places.find(text, within=within)),
        "category": _as_json(needs.find(text), with_level=False),
    }


def _as_json(result: Understood, *, with_level: bool = True) -> dict[str, Any] | None:
    if result.best is None:
        return None

    def one(candidate: Any) -> dict[str, Any]:
        data = asdict(candidate)
        if not with_level:
            data.pop("level")
            data.pop("name")
        return data

    return {**one(result.best), "decision": result.decision,
            "alternatives": [one(a) for a in result.alternatives]}
