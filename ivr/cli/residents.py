"""`flask --app ivr residents ...`: the residents' electronic files."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ivr.core import db
from ivr.residents import access, records

residents_cli = AppGroup("residents", help="Residents' electronic files.")


@residents_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def residents_import(path: str) -> None:
    """Load residents (CSV); a bad line changes nothing; re-importing keeps every contact."""
    session = db.session()
    try:
        counts = records.import_csv(session, Path(path).read_text(encoding="utf-8-sig"))
        session.commit()
    except records.ResidentsImportError as error:
        session.rollback()
        raise click.ClickException(f"{path}: {error}") from None
    click.echo(f"residents: {counts.added} added, {counts.updated} updated, "
               f"{counts.unchanged} unchanged")


@residents_cli.command("show")
@click.argument("phone")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on standard output.")
@click.option("--reason", default="command line", show_default=True,
              help="Why the file is opened (written to the audit log).")
def residents_show(phone: str, as_json: bool, reason: str) -> None:
    """One resident's electronic file, with every contact and referral."""
    session = db.session()
    resident = records.find(session, phone)
    if resident is None:
        raise click.ClickException("no resident with that phone number")
    data = access.file_view(session, resident, access.Viewer("cli", "cli"), reason=reason)
    session.commit()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['name'] or '(no name)'}  {data['phone']}  {data['division_name'] or ''}")
    click.echo(f"groups: {', '.join(data['groups']) or '-'}   needs: "
               f"{', '.join(data['needs']) or '-'}")
    for contact in data["contacts"]:
        click.echo(f"  {contact['started_at']} {contact['channel']:5} {contact['outcome']:12} "
                   f"{contact['category'] or ''}")
    for referral in data["referrals"]:
        click.echo(f"  {referral['number']} {referral['category']} -> {referral['provider']} "
                   f"{referral['status']} (deadline {referral['deadline']})")
