"""`flask --app ivr worker` and `spool replay`: the work done after the webhooks answered."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr.core import db
from ivr.voice import spool
from ivr.worker import loop


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued text messages (the Procfile's worker process)."""
    database = db.database()
    config = current_app.config
    if once:
        with database.sessions() as session:
            click.echo(f"sent {loop.run_once(session, config)}")
        return
    loop.run_forever(database.sessions, config)


spool_cli = AppGroup("spool", help="Webhooks kept while the database was down.")


@spool_cli.command("replay")
def spool_replay() -> None:
    """Write the calls and contacts spooled during a database outage."""
    with db.database().sessions() as session:
        click.echo(f"replayed {spool.replay(session, current_app.config)} spooled webhooks")
