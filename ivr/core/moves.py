"""A status move claimed in the database: of two requests that saw the same state, one wins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session


def claim(session: Session, row: Any, to: str, came_from: Iterable[str], **values: Any) -> bool:
    """Move `row` (a mapped object with `id` and `status`) to `to` if it is in one of
    `came_from`, with `UPDATE ... WHERE id AND status = :seen`; False when another request
    moved it first (the row is then refreshed) or it was never in `came_from`."""
    seen = row.status
    if seen not in tuple(came_from):
        return False
    model = type(row)
    moved = session.execute(update(model).where(model.id == row.id, model.status == seen)
                            .values(status=to, **values)
                            .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        return False
    row.status = to
    for name, value in values.items():
        setattr(row, name, value)
    return True
