"""`flask --app ivr residents ...`: the residents' electronic files."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from ivr.care import plans
from ivr.core import db, logs
from ivr.residents import access, checks, records, rights

log = logging.getLogger(__name__)

# Residents written per commit: small enough that a call waiting for SQLite's writer gets its
# turn within a few tens of milliseconds (bench/import_latency.py).
IMPORT_CHUNK = 200
residents_cli = AppGroup("residents", help="Residents' electronic files.")


@residents_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--chunk", default=IMPORT_CHUNK, show_default=True,
              help="Residents per commit (0: the whole file in one transaction).")
def residents_import(path: str, chunk: int) -> None:
    """Load residents (CSV); a bad line changes nothing; re-importing keeps every contact."""
    session = db.session()
    try:
        counts = records.import_csv(session, Path(path).read_text(encoding="utf-8-sig"),
                                    chunk=chunk or None, care=plans.CSV)
        session.commit()
    except records.ResidentsImportError as error:
        session.rollback()
        logs.event(log, "import.failed", severity=logging.ERROR, kind="residents",
                   file=Path(path).name, problems=len(error.problems))
        raise click.ClickException(f"{path}: {error}") from None
    logs.event(log, "import", kind="residents", file=Path(path).name, added=counts.added,
               updated=counts.updated, unchanged=counts.unchanged)
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


def _file(session: Any, phone: str) -> Any:
    resident = records.find(session, phone)
    if resident is None:
        raise click.ClickException("no resident with that phone number")
    return resident


@residents_cli.command("export")
@click.argument("phone")
def residents_export(phone: str) -> None:
    """Everything held on the resident as one JSON document (PIPL; audited)."""
    session = db.session()
    data = rights.export(session, _file(session, phone), access.Viewer("cli", "cli"))
    session.commit()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@residents_cli.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def residents_erase(phone: str, yes: bool) -> None:
    """Remove the resident's personal data, keep the statistics (PIPL; audited)."""
    session = db.session()
    resident = _file(session, phone)
    if not yes:
        click.confirm(f"Erase the personal data of {phone}? This cannot be undone", abort=True)
    alias = rights.erase(session, resident, actor="cli", role="cli",
                         pepper=str(current_app.config["SECRET_KEY"]))
    session.commit()
    click.echo(f"erased: the file is now {alias}; its contacts and referrals stay counted")


@residents_cli.command("secret")
@click.argument("phone")
@click.option("--kind", type=click.Choice(["pin", "id4"]), default="pin", show_default=True,
              help="A PIN, or the last four characters of the ID card.")
@click.option("--value", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The PIN or the ID card's last four (asked for when not given).")
def residents_secret(phone: str, kind: str, value: str) -> None:
    """Set what a caller keys in to prove the file is theirs (only its hash is kept)."""
    session = db.session()
    try:
        checks.set_secret(session, _file(session, phone), kind, value,
                          pepper=str(current_app.config["SECRET_KEY"]), actor="cli", role="cli")
    except checks.CheckError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"{kind} set; callers from {phone} are asked for it before hearing the file")
