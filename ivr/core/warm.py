"""Work done once per process before the first call: matchers built, readings loaded."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def warm(app: Any) -> None:
    """Load the dialogs and their prompts, the sentence model and the emergency reader, build
    the directory's matchers and exercise pypinyin; harmless if the DB is down."""
    from dialogs.loader import load
    from dialogs.prompts import catalog
    from directory import emergency, needs, semantic, service
    from directory.phonetic import sounds
    from ivr.core.db import database

    # Loading and linting the dialog took a worker's first caller 0.5 s (more on a busy box).
    load()
    for language in ("zh-CN", "en"):
        catalog(language)
    sounds("我住在包河区滨湖世纪社区，想找人帮忙做饭")
    # The first caller must not wait for the e5 model (0.3-1 s), an emergency least of all.
    semantic.warm()
    emergency.warm()
    needs.shipped_classifier()
    if "ivr.db" not in getattr(app, "extensions", {}):
        return  # not the service line (the benchmarks' yardstick app)
    with app.app_context():
        try:
            with database().sessions() as session:
                service.matchers(session)
        except SQLAlchemyError:
            log.warning("warm-up skipped: the database did not answer")
