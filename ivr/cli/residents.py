"""`flask --app ivr residents ...`, `worker` and `stations token`: files, outbox, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr.core import db
from ivr.residents import outbox, records
from ivr.stations import api as station_api

residents_cli = AppGroup("residents", help="Residents' electronic files.")
stations_cli = AppGroup("stations", help="Township centers' and village stations' access.")


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
    data = records.show(session, resident, actor="cli", role="cli", reason=reason)
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


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued text messages (the Procfile's worker process)."""
    database = db.database()
    config = current_app.config
    if once:
        with database.sessions() as session:
            click.echo(f"sent {outbox.send_due(session, config)}")
        return
    outbox.run_forever(database.sessions, config)


@stations_cli.command("token")
@click.argument("provider_id")
@click.option("--label", default="", help="Who the token is for.")
def stations_token(provider_id: str, label: str) -> None:
    """Create an API token for a township center or village station (shown once)."""
    session = db.session()
    try:
        token = station_api.issue_token(session, provider_id, label)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(token)


users_cli = AppGroup("users", help="Logins for the web pages.")


@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "station"]))
@click.option("--username", required=True)
@click.option("--name", default="", help="The name shown on pages.")
@click.option("--phone", default="", help="Operators: the phone their calls ring on (E.164).")
@click.option("--provider", default=None, help="Station users: their center's or station's id.")
@click.password_option(help="At least 8 characters (asked for when not given).")
def users_create(role: str, username: str, name: str, phone: str, provider: str | None,
                 password: str) -> None:
    """Create a login with a hashed password."""
    from ivr.accounts.logins import create_user

    session = db.session()
    try:
        session.add(create_user(username, password, role, name=name, phone=phone,
                                provider_id=provider))
        session.commit()
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # a duplicate user name is the common case
        session.rollback()
        raise click.ClickException(f"could not create {username}: {type(error).__name__}") \
            from None
    click.echo(f"created {role} {username}")


spool_cli = AppGroup("spool", help="Webhooks kept while the database was down.")


@spool_cli.command("replay")
def spool_replay() -> None:
    """Write the calls and contacts spooled during a database outage."""
    from ivr.voice import spool

    with db.database().sessions() as session:
        click.echo(f"replayed {spool.replay(session, current_app.config)} spooled webhooks")
