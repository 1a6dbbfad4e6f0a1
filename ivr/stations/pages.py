"""The web page of a township center, village station or provider: the referrals it holds,
answered with a click (accept, complete, cannot provide), its history with filters and CSV
export, and its service records for certification."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from directory.models import Category, Provider
from ivr.accounts.logins import role_required
from ivr.core import audit, db, display
from ivr.core.models import Referral, ServiceRecord
from ivr.core.statuses import ReferralStatus
from ivr.residents import access, records, referrals
from ivr.stations import export, work

bp = Blueprint("station", __name__, url_prefix="/station")
# The buttons an open referral shows, by its status.
BUTTONS = {"created": ("accepted", "declined"), "notified": ("accepted", "declined"),
           "accepted": ("completed", "declined")}
ACTIONS = {"accepted": "接单 Accept", "completed": "已完成 Done",
           "declined": "无法提供 Cannot provide"}
PERIODS = {"7": "最近7天 Last 7 days", "30": "最近30天 Last 30 days",
           "90": "最近90天 Last 90 days", "365": "最近一年 Last year", "": "全部 All"}


class MoveForm(FlaskForm):  # type: ignore[misc]
    """One answer to a referral, with an optional note."""

    status = HiddenField(validators=[AnyOf(work.MOVES)])
    note = StringField("备注 Note", validators=[Optional(), Length(max=200)])


class RecordForm(FlaskForm):  # type: ignore[misc]
    """A service activity or a government-purchased project."""

    kind = SelectField("类型 Kind", choices=[
        SelectChoice(k, display.label(k, "record")) for k in work.RECORD_KINDS])
    title = StringField("名称 Title", validators=[DataRequired(), Length(max=200)])
    held_on = DateField("日期 Date", validators=[DataRequired()], default=display.local_today)
    participants = IntegerField("参加人数 Participants",
                                validators=[Optional(), NumberRange(min=0, max=100_000)])


def _filters() -> tuple[work.Filters, dict[str, str]]:
    """The history's filters from the query string (unknown values are ignored)."""
    args = {k: request.args.get(k, "")[:32] for k in ("status", "category", "period")}
    if args["status"] not in {s.value for s in ReferralStatus}:
        args["status"] = ""
    if args["period"] not in PERIODS:
        args["period"] = "30"
    since = display.local_today() - timedelta(days=int(args["period"])) \
        if args["period"] else None
    return work.Filters(status=args["status"], category=args["category"], since=since), args


@bp.get("/")
@role_required("station")
def index() -> str:
    """The open referrals, the history (filtered), and the service records."""
    session = db.session()
    platform = _platform(session)
    if platform is None:
        return render_template("station/index.html", platform=None)
    held = [r for r in work.held_referrals(session, platform.id) if r.status in referrals.OPEN]
    rows = [_row(session, r) for r in held]
    filters, args = _filters()
    past = [_row(session, r, personal=False)
            for r in work.history(session, platform.id, filters, limit=200)]
    service_records = session.scalars(select(ServiceRecord).where(
        ServiceRecord.provider_id == platform.id)
        .order_by(ServiceRecord.held_on.desc()).limit(20)).all()
    # Whom to serve is part of the resident's file: every name and number shown is audited.
    viewer = access.Viewer(_actor(platform), "station", platform.id)
    for row in rows:
        if row["phone"]:
            access.note_view(session, row["referral"].resident_id, viewer,
                             fields=["name", "phone", "division", "referrals"],
                             reason=f"open referral {row['number']} on the station page",
                             health=row["referral"].category in access.SENSITIVE_NEEDS)
    categories = session.scalars(select(Category)).all()
    session.commit()
    today = display.local_today()
    return render_template(
        "station/index.html", platform=platform, rows=rows, past=past,
        records=service_records, move_form=MoveForm(), record_form=RecordForm(),
        buttons=BUTTONS, actions=ACTIONS, today=today, args=args, periods=PERIODS,
        statuses=[s.value for s in ReferralStatus], categories=categories,
        earliest=today - timedelta(days=work.RECORD_DAYS))


@bp.get("/referrals.csv")
@role_required("station")
def referrals_csv() -> Response:
    """The filtered history as CSV (UTF-8 with BOM, for Excel and WPS); audited as an export."""
    session = db.session()
    platform = _own_platform(session)
    filters, _ = _filters()
    rows = [_row(session, r) for r in work.history(session, platform.id, filters)]
    for row in rows:
        if row["phone"]:
            health = row["referral"].category in access.SENSITIVE_NEEDS
            audit.record(session, actor=_actor(platform), role="station", action="export",
                         resident_id=row["referral"].resident_id, fields=["name", "phone"],
                         reason=f"referral {row['number']} in the station's CSV export",
                         sensitivity=access.sensitivity(["name", "phone"], health))
    session.commit()
    name = f"referrals-{display.local_today().isoformat()}.csv"
    return Response(export.referrals_csv(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.post("/referrals/<int:referral_id>")
@role_required("station")
def move(referral_id: int) -> Response:
    """Accept, complete or decline a referral this platform holds."""
    session = db.session()
    platform = _own_platform(session)
    referral = session.get(Referral, referral_id)
    if referral is None or referral.provider_id != platform.id:
        abort(404)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("请选择一个操作。 Please choose an action.")
        return redirect(url_for("station.index"))
    number = records.short_number(referral.id)
    try:
        referrals.move(session, referral, form.status.data, actor=_actor(platform),
                       note=form.note.data or "")
    except referrals.ReferralError:
        flash(f"{number}: 这个转介现在不能这样处理 This referral cannot be changed so now")
        return redirect(url_for("station.index"))
    session.commit()
    flash(f"{number}: {display.label(form.status.data, 'referral')}")
    return redirect(url_for("station.index"))


@bp.post("/records")
@role_required("station")
def add_record() -> Response:
    """Record a service activity or a government-purchased project."""
    session = db.session()
    platform = _own_platform(session)
    form = RecordForm()
    if not form.validate_on_submit():
        flash("请填写名称和日期。 Please give a title and a date.")
        return redirect(url_for("station.index"))
    held_on: date = form.held_on.data
    try:
        work.check_record_date(held_on, display.local_today())
        work.add_record(session, platform.id, kind=form.kind.data,
                        title=form.title.data, held_on=held_on,
                        participants=form.participants.data, actor=_actor(platform))
    except ValueError as error:
        flash(str(error))
        return redirect(url_for("station.index"))
    session.commit()
    flash("已记录。 Recorded.")
    return redirect(url_for("station.index"))


def _platform(session: Session) -> Provider | None:
    """The center, station or provider this login belongs to (None: not linked to one)."""
    provider_id = getattr(current_user, "provider_id", None)
    provider = session.get(Provider, provider_id) if provider_id else None
    return provider if provider is not None and provider.kind in work.PAGE_KINDS else None


def _own_platform(session: Session) -> Provider:
    """The login's platform; a login linked to none may not act (403)."""
    platform = _platform(session)
    if platform is None:
        abort(403)
    return platform


def _actor(platform: Provider) -> str:
    return f"station:{platform.id}:user{current_user.id}"


def _row(session: Session, referral: Referral, *, personal: bool = True) -> dict[str, Any]:
    """What the page shows of a referral: whom to serve, where, what, by when."""
    still_open = referral.status in referrals.OPEN
    # Only an open referral needs the resident's name and number; closed ones show neither.
    resident = referral.resident if still_open and personal else None
    need = session.get(Category, referral.category)
    return {"referral": referral, "number": records.short_number(referral.id),
            "need": f"{need.zh} {need.en}" if need else "",
            "place": records.display_name(session, referral.division_code),
            "name": (resident.name if resident else "") or "",
            "phone": resident.phone if resident else "", "open": still_open}
