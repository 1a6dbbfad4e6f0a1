"""What the console shows of today's care calls: how many are well, needed help, were not
reached or are still to be made, and who needed help (with a link to their file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.care.schedule import local
from ivr.core.models import CareCall, Resident
from ivr.core.statuses import CareCallStatus

SHOWN = (CareCallStatus.WELL, CareCallStatus.HELP, CareCallStatus.UNREACHED,
         CareCallStatus.DUE, CareCallStatus.CALLING, CareCallStatus.ANSWERED)


@dataclass
class Today:
    """Today's care calls by state, and the residents who needed help."""

    counts: dict[str, int] = field(default_factory=dict)
    helped: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, answer)

    @property
    def shown(self) -> list[tuple[str, int]]:
        """The states that have calls today, with how many."""
        return [(status, count) for status, count in self.counts.items() if count]

    @property
    def total(self) -> int:
        """Every care call due today."""
        return sum(self.counts.values())


def today(session: Session, config: Any, now: datetime) -> Today:
    """The care calls due on the line's local today."""
    found = Today(counts=dict.fromkeys((str(s) for s in SHOWN), 0))
    for status, answer, rid, name in session.execute(select(
            CareCall.status, CareCall.answer, Resident.id, Resident.name).join(
            Resident, Resident.id == CareCall.resident_id).where(
            CareCall.due_on == local(now, config).date()).order_by(CareCall.id)):
        if status in found.counts:
            found.counts[status] += 1
        if status == CareCallStatus.HELP:
            found.helped.append((rid, name or "未登记 Not on file", answer))
    return found
