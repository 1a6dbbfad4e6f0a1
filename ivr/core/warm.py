"""Work done once per process before the first call: matchers built, readings loaded."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def warm(app: Any) -> None:
    """Build the directory's matchers and exercise pypinyin; harmless if the DB is down."""
    from directory import service
    from directory.phonetic import sounds
    from ivr.core.db import database

    sounds("我住在包河区滨湖世纪社区，想找人帮忙做饭")
    if "ivr.db" not in getattr(app, "extensions", {}):
        return  # not the service line (the benchmarks' yardstick app)
    with app.app_context():
        try:
            with database().sessions() as session:
                service.matchers(session)
        except SQLAlchemyError:
            log.warning("warm-up skipped: the database did not answer")
