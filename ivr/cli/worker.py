"""`flask --app ivr worker` and `spool replay`: the work done after the webhooks answered."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr.core import db
from ivr.voice import spool
from ivr.worker import jobs, loop


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued text messages (the Procfile's worker process)."""
    database = db.database()
    config = current_app.config
    # The worker's log is its standard error: what it sent (or, with SMS_PROVIDER=log, the
    # messages themselves) and what failed.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="worker %(levelname)s %(message)s")
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


jobs_cli = AppGroup("jobs", help="The scheduled jobs the worker runs (also by hand or cron).")


@jobs_cli.command("run")
@click.argument("name", required=False, type=click.Choice(sorted(jobs.JOBS)))
def jobs_run(name: str | None) -> None:
    """Run one job now (or every job), unless another worker is running it."""
    with db.database().sessions() as session:
        for job in [name] if name else list(jobs.JOBS):
            done = jobs.run(session, current_app.config, job, force=True)
            click.echo(f"{job}: {'held by another worker' if done is None else done}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The jobs, how often the worker runs them, and what each does."""
    for job in jobs.JOBS.values():
        click.echo(f"{job.name:11} every {job.every}  {job.doc}")
