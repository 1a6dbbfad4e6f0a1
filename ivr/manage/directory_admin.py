"""Changes an administrator makes to a provider or platform: hours (checked, with a preview of
the next openings), capacity, categories, suspension. Every change is audited and bumps the
directory version so routing reads it at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import hours as opening
from directory.models import Category, DirectoryVersion, Provider, ProviderCategory
from ivr.accounts.users import audit_change

KIND_NAMES = {"district_call_center": "区呼叫中心 District call center",
              "township_center": "乡镇(街道)社会服务中心 Township center",
              "village_station": "村(居)社会服务站 Village station",
              "provider": "服务机构 Provider"}
WEEKDAYS = "一二三四五六日"


class ChangeError(ValueError):
    """A change that cannot be made (bad hours, capacity or category)."""


@dataclass(frozen=True)
class Change:
    """What the form asks for."""

    hours: str
    capacity: str
    categories: list[str]
    suspended: bool


def next_openings(expression: str | None, now: datetime, count: int = 5) -> list[str]:
    """The next `count` openings in local time, as words: 12月2日 周三 08:30 – 17:30."""
    parsed = opening.parse(expression)
    if parsed.always_open:
        return ["全天开放 Always open"]
    found: list[str] = []
    at = now
    while len(found) < count:
        start = at if parsed.is_open(at) else parsed.next_open(at)
        if start is None or start > now + timedelta(days=opening.LOOKAHEAD_DAYS):
            break
        end = start
        while parsed.is_open(end) and end < start + timedelta(days=1):
            end += timedelta(minutes=15)
        found.append(f"{start.month}月{start.day}日 周{WEEKDAYS[start.weekday()]} "
                     f"{start:%H:%M} – {end:%H:%M}")
        at = end + timedelta(minutes=1)
    return found or ["近期不开放 Not open soon"]


def check_hours(expression: str) -> str:
    """The expression, stripped, if opening-hours-py reads it (ChangeError if not)."""
    text = expression.strip()
    try:
        opening.Hours(text)
    except opening.HoursError:
        raise ChangeError(f"营业时间格式不对 Not valid opening hours: {text}") from None
    return text


def apply(session: Session, actor: str, provider: Provider, change: Change) -> list[str]:
    """Apply a change; the list of what changed, audited (ChangeError changes nothing)."""
    hours = check_hours(change.hours) or None
    capacity: int | None = None
    if change.capacity.strip():
        if not change.capacity.strip().isdigit():
            raise ChangeError("容量须为整数 Capacity must be a whole number")
        capacity = int(change.capacity)
    known = set(session.scalars(select(Category.code)))
    unknown = set(change.categories) - known
    if unknown:
        raise ChangeError(f"未知服务类别 Unknown category: {', '.join(sorted(unknown))}")
    changed = []
    if hours != provider.hours:
        changed.append(f"hours {provider.hours!r} -> {hours!r}")
        provider.hours = hours
    if capacity != provider.capacity:
        changed.append(f"capacity {provider.capacity} -> {capacity}")
        provider.capacity = capacity
    if sorted(change.categories) != provider.category_codes:
        changed.append(f"categories {provider.category_codes} -> {sorted(change.categories)}")
        provider.categories = [ProviderCategory(provider_id=provider.id, category_code=c)
                               for c in sorted(set(change.categories))]
    if change.suspended != provider.suspended:
        changed.append("suspended" if change.suspended else "resumed")
        provider.suspended = change.suspended
    if changed:
        _bump(session)
        audit_change(session, actor, f"provider {provider.id}: " + "; ".join(changed),
                     field="directory")
    return changed


def _bump(session: Session) -> None:
    row = session.get(DirectoryVersion, 1)
    if row is None:
        session.add(DirectoryVersion(id=1, version=1))
    else:
        row.version += 1
