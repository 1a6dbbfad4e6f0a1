"""`flask --app ivr users ...` and `stations token`: logins for the pages, tokens for the API."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from directory import phones
from ivr.accounts.logins import create_user
from ivr.core import db
from ivr.stations import api as station_api

stations_cli = AppGroup("stations", help="Township centers' and village stations' access.")


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
    if phone and not phones.is_valid(phone):
        raise click.ClickException(f"--phone {phone!r} is not a dialable number")
    phone = phones.parse(phone) or ""
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
