"""What the city sees: statistics by district, township and category and the evidence of
every platform per quarter. Only aggregates and platform names; small counts as <5."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.core.models import CityToken
from ivr.reports import evidence, figures, formats, periods
from ivr.reports.figures import Report

# Dimensions the city may group by: places and kinds of service, never a person.
CITY_BY = ("district", "township", "category", "group", "channel", "month", "quarter")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, label: str = "") -> str:
    """A new city API key, shown once."""
    token = "city_" + secrets.token_urlsafe(32)
    session.add(CityToken(token_hash=_hash(token), label=label[:64]))
    return token


def token_is_valid(session: Session, token: str) -> bool:
    """An unrevoked city key."""
    return bool(token) and session.scalars(select(CityToken.id).where(
        CityToken.token_hash == _hash(token), CityToken.revoked.is_(False))).first() is not None


def statistics(session: Session, chosen: periods.Period, by: str | None,
               timezone: str) -> Report:
    """Calls of the period grouped by a city dimension, small counts suppressed."""
    if by is not None and by not in CITY_BY:
        raise figures.ReportError(f"by is one of {', '.join(CITY_BY)}")
    report = figures.calls(session, chosen.start, chosen.end, by or "district",
                           timezone=timezone)
    return suppress(report)


def evidence_pack(session: Session, level: str, chosen: periods.Period, timezone: str) -> Report:
    """Every platform's evidence of one level for the period."""
    return evidence.evidence(session, level, chosen.start, chosen.end, timezone=timezone)


def suppress(report: Report) -> Report:
    """Counts of 1 to 4 written as <5 (no resident can be picked out)."""
    report.rows = [{k: _small(k, v) for k, v in row.items()} for row in report.rows]
    report.totals = {k: _small(k, v) for k, v in report.totals.items()}
    return report


def _small(name: str, value: Any) -> Any:
    if name in formats.COUNTS and isinstance(value, int) and 0 < value < formats.SMALL:
        return f"<{formats.SMALL}"
    return value
