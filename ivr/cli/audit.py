"""`flask --app ivr audit verify`: whether the audit log's hash chain is whole."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ivr.core import audit, db

audit_cli = AppGroup("audit", help="The audit log of residents' files.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Exit 0 when every row links to the one before and matches its hash, else name it."""
    verdict = audit.verify(db.reader())
    if verdict.broken_id is None:
        click.echo(f"audit log whole: {verdict.rows} rows, every link and hash holds")
        return
    click.echo(f"audit log broken at row id {verdict.broken_id} "
               f"(row {verdict.rows} of the chain): {verdict.why}", err=True)
    raise SystemExit(1)
