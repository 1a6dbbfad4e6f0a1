"""Flask CLI commands of CONTRACT §3 (`flask --app ivr COMMAND`)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ivr.core import migrate
from ivr.core.models import Resident
from ivr.providers.voice import PROVIDERS, voice_provider
from ivr.tools.phone import FlaskTransport, HttpTransport, Phone, Transport

db_cli = AppGroup("db", help="Create or migrate the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema of the database that DATABASE_URL names."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at revision {revision}", err=True)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the schema back to REVISION (for example base)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


class TerminalCaller:
    """The person at the keyboard: lines are printed, answers typed (empty = silence)."""

    def hear(self, line: str) -> None:
        """Print what the phone says."""
        click.echo(f"  {line}")

    def answer(self, prompt: str) -> str | None:
        """Read one line; end of input hangs up."""
        click.echo(click.style(f"{prompt} (keys or words; empty = silence; Ctrl-D hangs up)",
                               dim=True))
        try:
            return input("> ")
        except EOFError:
            return None


@click.command("call")
@click.option("--from", "from_number", default="+8613800000000", show_default=True,
              help="The caller's number.")
@click.option("--url", default=None,
              help="Base URL of a running server (default: this app, in process).")
@click.option("--dial-outcome", default="completed", show_default=True,
              type=click.Choice(["completed", "no-answer", "busy", "failed"]),
              help="What happens when the line dials a person.")
@click.option("--queue-outcome", default="wait", show_default=True,
              type=click.Choice(["wait", "hangup"]),
              help="A caller in the queue waits for an operator, or hangs up at once.")
@click.option("--provider", default=None, type=click.Choice(["twilio", "somleng"]),
              help="Follow the TwiML as this provider does (default: VOICE_PROVIDER).")
@click.option("--incoming", is_flag=True,
              help="Receive a care call instead: the next due (or just placed) one.")
@click.option("--as", "as_phone", default=None,
              help="With --incoming: the resident whose care call to answer (any number "
                   "format; default: whoever's is next).")
@click.option("--no-answer", "unanswered", default=None,
              type=click.Choice(["busy", "no-answer", "machine"]),
              help="With --incoming: the phone is busy, rings out, or a voicemail picks up.")
@with_appcontext
def call_command(from_number: str, url: str | None, dial_outcome: str,
                 queue_outcome: str, provider: str | None, incoming: bool,
                 as_phone: str | None, unanswered: str | None) -> None:
    """A phone call in the terminal: hear the line, answer with keys or words; with
    --incoming, the line calls you (a care call) and you answer as the resident."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    profile = provider or app.config.get("VOICE_PROVIDER") or "twilio"
    signer = PROVIDERS.get(profile, voice_provider(app.config))
    token = signer.auth_token(app.config) or os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not token:
        raise click.ClickException("TWILIO_AUTH_TOKEN (or SOMLENG_AUTH_TOKEN) is needed to "
                                   "sign the call's requests")
    transport: Transport
    if url:
        base, transport = url, HttpTransport()
    else:
        base = app.config.get("PUBLIC_BASE_URL") or "http://localhost"
        transport = FlaskTransport(app)
    phone = Phone(transport, token, base, TerminalCaller(), from_number=from_number,
                  dial_outcome=dial_outcome, queue_outcome=queue_outcome, profile=profile)
    if incoming:
        _incoming(app, phone, as_phone, unanswered)
        return
    click.echo(f"Calling {base}/voice from {from_number} as {profile} ...")
    result = phone.run()
    click.echo(f"Call ended ({result.ended_by}); {result.requests} requests; "
               f"dialled: {', '.join(result.dialled) or 'nobody'}")
    if result.errors:
        raise click.ClickException("; ".join(result.errors))


def _incoming(app: Flask, phone: Phone, as_phone: str | None,
              unanswered: str | None) -> None:
    """Pick the care call, place it through a dialer that rings nobody, and play the
    provider's part: the resident answers (or does not)."""
    from directory import phones
    from ivr.care import calls
    from ivr.core import clock, db, display
    from ivr.core.phones import local as local_phone

    wanted = (phones.parse(as_phone) or as_phone) if as_phone else None
    session = db.session()
    now = clock.now()
    call = calls.next_for(session, app.config, wanted, now)
    if call is None:
        raise click.ClickException("no care call to answer: no resident on a care plan"
                                   + (f" with the number {as_phone}" if as_phone else ""))
    due = display.local_time(call.next_attempt_at) if call.status == "due" else "now"
    calls.ring_now(session, app.config, call, now, calls.LocalDialer())
    if call.status != "calling" or not call.call_sid:
        raise click.ClickException(f"the care call could not be placed ({call.last_result})")
    resident = session.get(Resident, call.resident_id)
    phone.call_sid = call.call_sid
    phone.from_number = str(app.config.get("CARE_FROM") or app.config.get("TWILIO_SMS_FROM")
                            or "+8655112345")
    phone.to_number = resident.phone if resident else ""
    phone.direction = "outbound-api"
    phone.start_path = f"{calls.ANSWER_PATH}?c={call.id}"
    phone.status_path = f"{calls.STATUS_PATH}?c={call.id}"
    phone.start_fields = {"AnsweredBy": "human"}
    session.commit()
    click.echo(f"Care call {call.id}, try {call.attempts} (due {due}) rings "
               f"{local_phone(phone.to_number)} ...")
    result = phone.not_answered(unanswered) if unanswered else phone.run()
    session.expire_all()
    after = session.get(type(call), call.id)
    state = display.label(after.status, "care_call") if after is not None else "—"
    click.echo(f"Care call ended ({result.ended_by}); {result.requests} requests; "
               f"dialled: {', '.join(result.dialled) or 'nobody'}; the care call is now: "
               f"{state}")
    session.commit()
    if result.errors:
        raise click.ClickException("; ".join(result.errors))


def register(app: Flask) -> None:
    """Attach every command to the app's CLI."""
    from ivr.cli.accounts import city_cli, stations_cli, users_cli
    from ivr.cli.audit import audit_cli
    from ivr.cli.directory import demo_command, directory_cli
    from ivr.cli.residents import residents_cli
    from ivr.cli.worker import jobs_cli, spool_cli, worker_command

    app.cli.add_command(db_cli)
    app.cli.add_command(call_command)
    app.cli.add_command(directory_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(residents_cli)
    app.cli.add_command(stations_cli)
    app.cli.add_command(city_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(spool_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(audit_cli)
    from ivr.cli.reports import report_command

    app.cli.add_command(report_command)
