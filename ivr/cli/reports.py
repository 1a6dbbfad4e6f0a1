"""`flask --app ivr report NAME ...`: the reports of REPORTS.md on the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.core import db
from ivr.reports import figures, formats, registry


@click.command("report")
@click.argument("name", type=click.Choice(registry.NAMES))
@click.option("--from", "start", default=None, help="First local day, YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last local day, YYYY-MM-DD.")
@click.option("--quarter", default=None, help="Instead of --from/--to: 2026Q1.")
@click.option("--year", type=int, default=None, help="Instead of --from/--to: 2026.")
@click.option("--by", default=None, type=click.Choice(figures.DIMENSIONS))
@click.option("--level", default="village", type=click.Choice(registry.LEVELS),
              help="evidence: the platform level.")
@click.option("--format", "fmt", default="table", type=click.Choice(["table", "json", "csv"]))
@click.option("--short-abandon", "short_s", type=int, default=figures.S_DEFAULT,
              show_default=True, help="S, seconds.")
@click.option("--answer-target", "target_s", type=int, default=figures.T_DEFAULT,
              show_default=True, help="T, seconds.")
@with_appcontext
def report_command(name: str, start: str | None, end: str | None, quarter: str | None,
                   year: int | None, by: str | None, level: str, fmt: str, short_s: int,
                   target_s: int) -> None:
    """The reports of REPORTS.md: calls, referrals, evidence, staffing."""
    zone = current_app.config["TIMEZONE"]
    session = db.reader()
    try:
        first, last = figures.period(quarter, year, start, end)
        result = registry.run(session, name, registry.Query(
            first, last, by, level=level, timezone=zone, short_s=short_s, target_s=target_s))
    except figures.ReportError as error:
        raise click.ClickException(str(error)) from None
    render = {"json": formats.to_json, "csv": formats.to_csv,
              "table": formats.to_table}[fmt]
    click.echo(render(result))
