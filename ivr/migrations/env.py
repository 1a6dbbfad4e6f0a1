"""Alembic environment: the product's metadata, online migrations only."""

from __future__ import annotations

from alembic import context

import directory.models  # noqa: F401  (registers the directory's tables)
import ivr.core.models  # noqa: F401  (registers the call center's tables)
from directory.orm import Base
from ivr.core.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
