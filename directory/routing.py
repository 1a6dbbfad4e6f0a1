"""Where a request goes: the most local open provider with room, else up the platform levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.hours import parse
from directory.models import Category, Division, Provider, ProviderArea, ProviderCategory

Level = Literal["provider", "village_station", "township_center", "district_call_center"]
PLATFORMS: tuple[tuple[Level, int], ...] = (
    ("village_station", 12), ("township_center", 9), ("district_call_center", 6),
)
EMERGENCY = "emergency"


class RoutingError(ValueError):
    """The request names a category or division the directory does not know."""


@dataclass(frozen=True)
class Skipped:
    """A provider or platform passed over, and why."""

    id: str
    name: str
    why: Literal["closed", "full"]
    next_open: str | None = None


@dataclass(frozen=True)
class Route:
    """The answer: who takes the request, at which level, and why."""

    id: str
    name: str
    phone: str | None
    level: Level
    reason: str
    reason_code: str
    category: str
    division: str
    next_open: str | None = None
    skipped: list[Skipped] = field(default_factory=list)


def route(session: Session, category: str, division: str, at: datetime, *,
          duty_phone: str | None = None) -> Route:
    """Route a request for `category` from a resident of `division` at local time `at`."""
    place = session.get(Division, division)
    if place is None:
        raise RoutingError(f"division {division!r} is not in the directory")
    if session.get(Category, category) is None:
        raise RoutingError(f"category {category!r} is not in the directory")
    if category == EMERGENCY:
        center = _call_center(session, division, duty_phone)
        return Route(center[0], center[1], center[2], "district_call_center",
                     "emergencies go to a person at once, never to a provider",
                     "emergency", category, division)
    skipped: list[Skipped] = []
    candidates = _providers(session, category, division)
    for provider in candidates:
        why = _unavailable(provider, at, skipped)
        if why is None:
            return Route(provider.id, provider.name, provider.phone, "provider",
                         f"{provider.name} offers {category} in {place.name} and is open now"
                         + _and_skipped(skipped), "served", category, division,
                         skipped=skipped)
    first_skip = skipped[0] if skipped else None
    cause = (f"no provider of {category} serves {place.name}" if not candidates
             else "every provider of " + category + " for " + place.name + " is closed or full")
    code = "none_in_area" if not candidates else (first_skip.why if first_skip else "none")
    for level, length in PLATFORMS:
        platform = _platform(session, level, division, length)
        if platform is None:
            continue
        if level != "district_call_center" and _unavailable(platform, at, skipped):
            continue
        return Route(platform.id, platform.name, platform.phone, level,
                     f"{cause}; the {level.replace('_', ' ')} answers" + _and_skipped(skipped),
                     code, category, division,
                     next_open=first_skip.next_open if first_skip else None, skipped=skipped)
    center = _call_center(session, division, duty_phone)
    return Route(center[0], center[1], center[2], "district_call_center",
                 f"{cause}; no open station or center: the district call center answers"
                 + _and_skipped(skipped), code, category, division,
                 next_open=first_skip.next_open if first_skip else None, skipped=skipped)


def ancestors(code: str) -> list[str]:
    """The code and every code above it (34, 3401, 340111, 340111400, ...)."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


# What routing reads of a provider: plain columns, fetched without building ORM objects
# (a routing turn is on the line's hot path).
_FIELDS = (Provider.id, Provider.name, Provider.phone, Provider.division_code, Provider.hours,
           Provider.capacity, Provider.open_cases)


def _providers(session: Session, category: str, division: str) -> list[Any]:
    """Providers of a category covering a division, most local coverage first."""
    depth = func.max(func.length(ProviderArea.division_code)).label("depth")
    rows = list(session.connection().execute(
        select(*_FIELDS, depth)
        .join(ProviderCategory, ProviderCategory.provider_id == Provider.id)
        .join(ProviderArea, ProviderArea.provider_id == Provider.id)
        .where(Provider.kind == "provider", Provider.suspended.is_(False),
               ProviderCategory.category_code == category,
               ProviderArea.division_code.in_(ancestors(division)))
        .group_by(*_FIELDS)
    ).all())
    rows.sort(key=lambda r: (-r.depth, -_shared_prefix(r.division_code, division), r.id))
    return rows


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _unavailable(provider: Any, at: datetime, skipped: list[Skipped]) -> str | None:
    hours = parse(provider.hours)
    if not hours.is_open(at):
        following = hours.next_open(at)
        skipped.append(Skipped(provider.id, provider.name, "closed",
                               following.isoformat(timespec="minutes") if following else None))
        return "closed"
    if provider.capacity is not None and provider.open_cases >= provider.capacity:
        skipped.append(Skipped(provider.id, provider.name, "full"))
        return "full"
    return None


DUTY_ID = "duty"


def _platform(session: Session, kind: str, division: str, length: int) -> Provider | None:
    if len(division) < length:
        return None
    return session.scalars(
        select(Provider).where(Provider.kind == kind, Provider.suspended.is_(False),
                               Provider.division_code == division[:length])
        .order_by(Provider.id).limit(1)
    ).first()


def _call_center(session: Session, division: str,
                 duty_phone: str | None) -> tuple[str, str, str | None]:
    center = session.scalars(
        select(Provider).join(ProviderArea, ProviderArea.provider_id == Provider.id)
        .where(Provider.kind == "district_call_center",
               ProviderArea.division_code.in_(ancestors(division)))
        .order_by(func.length(ProviderArea.division_code).desc(), Provider.id).limit(1)
    ).first()
    if center is not None:
        return center.id, center.name, center.phone
    # No call center in the directory: the line's own duty officer takes the request (a
    # callback task, not a referral: there is no platform to hold it).
    return DUTY_ID, "区社会服务热线值班人员", duty_phone


def _and_skipped(skipped: list[Skipped]) -> str:
    if not skipped:
        return ""
    parts = [
        f"{s.name} ({s.id}) {s.why}" + (f", opens {s.next_open}" if s.next_open else "")
        for s in skipped
    ]
    return " (passed over: " + "; ".join(parts) + ")"
