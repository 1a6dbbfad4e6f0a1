"""`flask --app ivr users ...` and `stations token|revoke`: logins for the pages, tokens for the
API."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from directory import phones
from ivr.accounts import users
from ivr.accounts.logins import create_user
from ivr.city import shared as city_shared
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
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "station", "city"]))
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


@stations_cli.command("revoke")
@click.argument("provider_id")
def stations_revoke(provider_id: str) -> None:
    """Revoke every API token of a township center or village station."""
    session = db.session()
    count = station_api.revoke_tokens(session, provider_id)
    users.audit_change(session, "cli", f"revoked {count} token(s) of {provider_id}")
    session.commit()
    click.echo(f"revoked {count} token(s) of {provider_id}")


@users_cli.command("password")
@click.argument("username")
def users_password(username: str) -> None:
    """Give a login a new password (printed once); its sessions end."""
    session = db.session()
    try:
        password = users.reset_password(session, "cli", users.find(session, username))
    except users.UserError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(password)


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Make a login unusable; its sessions end at their next request."""
    session = db.session()
    try:
        users.set_active(session, "cli", users.find(session, username), False)
    except users.UserError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"deactivated {username}")


city_cli = AppGroup("city", help="The city evaluation center's API keys.")


@city_cli.command("token")
@click.option("--label", default="", help="Who the key is for.")
def city_token(label: str) -> None:
    """Create an API key for /city/api/... (shown once)."""
    session = db.session()
    token = city_shared.issue_token(session, label)
    users.audit_change(session, "cli", f"issued a city API key {label}", field="token")
    session.commit()
    click.echo(token)
