"""The directory's face: understanding callers' words against what the database holds.

Matchers are built once per process from the stored readings and rebuilt only when an import
bumps the directory's version, so a call never waits on pypinyin over the whole directory.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

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
_cache: dict[str, tuple[str, PlaceMatcher, NeedMatcher]] = {}


def version(session: Session) -> str:
    """The directory's current version and when it changed ('0' when nothing was imported):
    caches keyed on it reload after an import, or when the database is rebuilt."""
    row = session.connection().execute(_VERSION).first()
    return f"{row.version}@{row.changed_at.isoformat()}" if row else "0"


def matchers(session: Session, current: str | None = None) -> tuple[PlaceMatcher, NeedMatcher]:
    """The place and need matchers for this database, rebuilt after an import (`current`:
    the version, when the caller has read it already)."""
    key = str(session.get_bind().engine.url)
    if current is None:
        current = version(session)
    cached = _cache.get(key)
    if cached and cached[0] == current:
        return cached[1], cached[2]
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == current:
            return cached[1], cached[2]
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
        _cache[key] = (current, places, needs)
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
