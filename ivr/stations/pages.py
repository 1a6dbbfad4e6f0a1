"""The web page of a township center or village station: the referrals it holds, answered
with a click (accept, complete, cannot provide), and its service records for certification."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
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
from ivr.core import db
from ivr.core.models import Referral, ServiceRecord
from ivr.residents import access, records, referrals
from ivr.stations import work

bp = Blueprint("station", __name__, url_prefix="/station")
STATUS = {"created": "新转介 New", "notified": "已通知 Notified", "accepted": "已接单 Accepted",
          "completed": "已完成 Completed", "declined": "无法提供 Declined"}
# The buttons an open referral shows, by its status.
BUTTONS = {"created": ("accepted", "declined"), "notified": ("accepted", "declined"),
           "accepted": ("completed", "declined")}
ACTIONS = {"accepted": "接单 Accept", "completed": "已完成 Done",
           "declined": "无法提供 Cannot provide"}


class MoveForm(FlaskForm):  # type: ignore[misc]
    """One answer to a referral, with an optional note."""

    status = HiddenField(validators=[AnyOf(work.MOVES)])
    note = StringField("备注 Note", validators=[Optional(), Length(max=200)])


class RecordForm(FlaskForm):  # type: ignore[misc]
    """A service activity or a government-purchased project."""

    kind = SelectField("类型 Kind", choices=[
        SelectChoice("activity", "服务活动 Service activity"),
        SelectChoice("purchased_project", "政府购买服务项目 Government-purchased project")])
    title = StringField("名称 Title", validators=[DataRequired(), Length(max=200)])
    held_on = DateField("日期 Date", validators=[DataRequired()], default=date.today)
    participants = IntegerField("参加人数 Participants",
                                validators=[Optional(), NumberRange(min=0, max=100_000)])


@bp.get("/")
@role_required("station")
def index() -> str:
    """The platform's referrals, open ones first, and its service records."""
    session = db.session()
    platform = _platform(session)
    if platform is None:
        return render_template("station/index.html", platform=None)
    held = work.held_referrals(session, platform.id)
    records = session.scalars(select(ServiceRecord).where(
        ServiceRecord.provider_id == platform.id)
        .order_by(ServiceRecord.held_on.desc()).limit(20)).all()
    rows = [_row(session, r) for r in held]
    # Whom to serve is part of the resident's file: every name and number shown is audited.
    viewer = access.Viewer(_actor(platform), "station", platform.id)
    for row in rows:
        if row["phone"]:
            access.note_view(session, row["referral"].resident_id, viewer,
                             fields=["name", "phone", "division", "referrals"],
                             reason=f"open referral {row['number']} on the station page",
                             health=row["referral"].category in access.SENSITIVE_NEEDS)
    session.commit()
    return render_template("station/index.html", platform=platform, rows=rows, records=records,
                           move_form=MoveForm(), record_form=RecordForm(),
                           status=STATUS, buttons=BUTTONS, actions=ACTIONS,
                           today=date.today())


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
    except referrals.ReferralError as error:
        flash(f"{number}: {error}")
        return redirect(url_for("station.index"))
    session.commit()
    flash(f"{number}: {STATUS[form.status.data]}")
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
    try:
        work.add_record(session, platform.id, kind=form.kind.data,
                        title=form.title.data, held_on=form.held_on.data,
                        participants=form.participants.data, actor=_actor(platform))
    except ValueError as error:
        flash(str(error))
        return redirect(url_for("station.index"))
    session.commit()
    flash("已记录。 Recorded.")
    return redirect(url_for("station.index"))


def _platform(session: Session) -> Provider | None:
    """The center or station this login belongs to (None: not linked to one)."""
    provider_id = getattr(current_user, "provider_id", None)
    provider = session.get(Provider, provider_id) if provider_id else None
    return provider if provider is not None \
        and provider.kind in work.PLATFORM_KINDS else None


def _own_platform(session: Session) -> Provider:
    """The login's platform; a login linked to none may not act (403)."""
    platform = _platform(session)
    if platform is None:
        abort(403)
    return platform


def _actor(platform: Provider) -> str:
    return f"station:{platform.id}:user{current_user.id}"


def _row(session: Session, referral: Referral) -> dict[str, Any]:
    """What the page shows of a referral: whom to serve, where, what, by when."""
    still_open = referral.status in referrals.OPEN
    # Only an open referral needs the resident's name and number; closed ones show neither.
    resident = referral.resident if still_open else None
    need = session.get(Category, referral.category)
    return {"referral": referral, "number": records.short_number(referral.id),
            "need": f"{need.zh} {need.en}" if need else referral.category,
            "place": records.display_name(session, referral.division_code),
            "name": (resident.name if resident else "") or "",
            "phone": resident.phone if resident else "", "open": still_open}
