"""`flask --app ivr directory ...` and `demo`: load, query and route through the directory."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from directory import service
from directory.importer import DirectoryImportError, ImportReport, import_path
from directory.lexicon import CATEGORIES_FILE, DEMO_DIRECTORY_FILE, HEFEI_DIVISIONS_FILE
from directory.routing import RoutingError, route
from ivr.core import db, logs

log = logging.getLogger(__name__)

directory_cli = AppGroup("directory", help="Load, query and route through the directory.")


def _import(path: str) -> ImportReport:
    """Import one file in one transaction: all of it, or nothing; say what it is doing."""
    session = db.session()
    try:
        report = import_path(session, path, progress=lambda line: click.echo(f"  {line}"))
        session.commit()
    except Exception as error:
        session.rollback()
        logs.event(log, "import.failed", severity=logging.ERROR, kind="directory",
                   file=Path(path).name, error=str(error)[:300])
        raise
    logs.event(log, "import", kind="directory", file=Path(path).name,
               summary=report.summary())
    return report


@directory_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """Load divisions (CSV) or a directory file (JSON); a bad file changes nothing."""
    try:
        report = _import(path)
    except DirectoryImportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(report.summary())


@directory_cli.command("find")
@click.option("--within", default=None, help="A division code the caller is known to be in.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on standard output.")
@click.argument("text", nargs=-1, required=True)
def find_command(within: str | None, as_json: bool, text: tuple[str, ...]) -> None:
    """What the directory understands in a caller's words."""
    result = service.find(db.session(), " ".join(text), within=within)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for key in ("area", "category"):
        found = result[key]
        if found is None:
            click.echo(f"{key:9} none")
            continue
        label = found.get("name") or ""
        click.echo(f"{key:9} {found['decision']:8} {found['code']} {label} ({found['score']})")
        for alt in found["alternatives"]:
            click.echo(f"{'':18} or {alt['code']} {alt.get('name', '')} ({alt['score']})")


@directory_cli.command("route")
@click.option("--category", required=True, help="A category code, for example meal.")
@click.option("--division", required=True, help="The resident's village (or township) code.")
@click.option("--at", "at_text", default=None,
              help="Local time to route at (ISO, for example 2026-10-01T10:00); default now.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on standard output.")
def route_command(category: str, division: str, at_text: str | None, as_json: bool) -> None:
    """Where a request goes, at which level, and why."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    try:
        at = (datetime.fromisoformat(at_text) if at_text
              else datetime.now(zone).replace(tzinfo=None))
    except ValueError:
        raise click.BadParameter("use ISO local time such as 2026-10-01T10:00",
                                 param_hint="--at") from None
    try:
        answer = route(db.session(), category, division, at.replace(tzinfo=None),
                       duty_phone=current_app.config.get("DUTY_NUMBER") or None)
    except RoutingError as error:
        raise click.ClickException(str(error)) from None
    data: dict[str, Any] = asdict(answer)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{answer.level}: {answer.name} ({answer.id}) {answer.phone or ''}")
    click.echo(f"why: {answer.reason}")


# A village station of the demo directory (琼临社区, Baohe), for the demo station login.
DEMO_STATION = "vs-340111400001"


@click.command("demo")
@click.option("--logins", is_flag=True,
              help="Only give the demo logins new passwords and show them (they are shown once).")
@with_appcontext
def demo_command(logins: bool) -> None:
    """Fill the database with the demo directory: real Hefei divisions, invented providers."""
    if logins:
        _demo_logins(renew=True)
        return
    for path in (HEFEI_DIVISIONS_FILE, CATEGORIES_FILE, DEMO_DIRECTORY_FILE):
        try:
            report = _import(str(path))
        except DirectoryImportError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{path.name}: {report.summary()}")
    _demo_logins()
    _demo_people()


def _demo_people() -> None:
    """Residents, a quarter of their contacts, referrals, callbacks, service records (once)."""
    from ivr.cli import demo_data

    session = db.session()
    click.echo("demo residents and their history:")
    written = demo_data.write(session, current_app.config["TIMEZONE"],
                              progress=lambda line: click.echo(f"  {line}"))
    session.commit()
    if written is None:
        click.echo("  already there: nothing added")
        return
    logs.event(log, "import", kind="demo", summary=written.summary())
    click.echo(f"  {written.summary()}")
    _demo_caller(session)


# A known resident to try the line as: the caller check asks for this PIN (keyed, then #).
DEMO_CALLER_INDEX, DEMO_PIN = 1, "2468"


def _demo_caller(session: Any) -> None:
    """Give one demo resident a PIN, so a known caller can be tried by hand."""
    from ivr.cli import demo_data
    from ivr.residents import checks, records

    phone = demo_data.resident_phone(DEMO_CALLER_INDEX)
    resident = records.find(session, phone)
    if resident is None:
        return
    checks.set_secret(session, resident, "pin", DEMO_PIN,
                      pepper=str(current_app.config["SECRET_KEY"]), actor="cli", role="cli")
    session.commit()
    click.echo(f"  a known resident to call as: --from {phone} ({resident.name}), PIN {DEMO_PIN}")


def _demo_logins(*, renew: bool = False) -> None:
    """An administrator, an operator and a village station's login to try the pages with
    (passwords shown once; `renew` sets new ones for logins that exist)."""
    import secrets

    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from ivr.accounts.logins import create_user
    from ivr.core.models import User

    session = db.session()
    for role, phone, platform in (("admin", "", None), ("operator", "+8613800000001", None),
                                  ("station", "", DEMO_STATION)):
        existing = session.scalars(select(User).where(User.username == f"demo-{role}")).first()
        if existing is not None and not renew:
            continue
        password = secrets.token_urlsafe(9)
        if existing is not None:
            existing.password_hash = generate_password_hash(password)
            click.echo(f"login demo-{role} / {password}   (new password; at /login)")
            continue
        session.add(create_user(f"demo-{role}", password, role, name=f"Demo {role}",
                                phone=phone, provider_id=platform))
        click.echo(f"login demo-{role} / {password}   (shown once; at /login)")
    session.commit()
