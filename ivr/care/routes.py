"""Care calls' routes (routes only translate): the provider's webhooks of a care call (its
answer, the resident's turns, its status callbacks), the console's plan form and alert
close, and the admin pages' list of residents under care."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as Page
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from directory import phones as numbers
from directory.phones import local_display
from ivr.accounts.logins import role_required
from ivr.care import alerts, calls, plans
from ivr.conversations import handoff, turns
from ivr.core import clock, db, display, logs
from ivr.core.models import CareAlert, CareCall, CarePlan, Resident
from ivr.core.statuses import AlertOutcome
from ivr.providers.voice import voice_provider
from ivr.residents import records
from ivr.voice.render import apology_response
from ivr.voice.routes import renderer_for, twiml
from ivr.webhooks.forms import caller_event, field
from ivr.webhooks.signature import twilio_only

log = logging.getLogger(__name__)
# The provider's webhooks (signed, no browser forms) apart from the pages (logins, CSRF).
hooks = Blueprint("care_hooks", __name__)
bp = Blueprint("care", __name__)
ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
HOW = [SelectChoice("daily", "每天 Daily"), SelectChoice("weekly", "每周一次 Once a week"),
       SelectChoice("2w", "每周两次 Twice a week"),
       SelectChoice("3w", "每周三次 Three times a week")]
DAY_CHOICES = [SelectChoice(d, f"{plans.DAY_NAMES[d]} {plans.DAY_NAMES_EN[d]}")
               for d in plans.DAYS]


# --- the provider's webhooks -------------------------------------------------------------

def _speak(outputs: list[object], language: str) -> Response:
    """A care call's turn as the line's TwiML, its turns coming back to the care route; slow."""
    renderer = renderer_for(language, slow=True, handoff_mode=_handoff_mode(outputs),
                            turn_path=calls.TURN_PATH)
    return twiml(renderer.render(outputs))  # type: ignore[arg-type]


def _handoff_mode(outputs: list[object]) -> str:
    return handoff.for_turn(db.session(), current_app.config, outputs,  # type: ignore[arg-type]
                            field("CallSid") or "anonymous", _resident_phone())


def _resident_phone() -> str:
    """The number the line rang (a care call's To)."""
    call = db.session().get(CareCall, int(request.args["c"])) \
        if request.args.get("c", "").isdigit() and len(request.args["c"]) < 10 else None
    if call is not None:
        row = db.session().scalar(select(Resident.phone).where(Resident.id == call.resident_id))
        sent = field("To", 32)
        return sent or str(row or "")
    return field("To", 32)


@hooks.post(calls.ANSWER_PATH)
@twilio_only
def answer() -> Response:
    """The resident's phone was picked up: a person hears the check-in; a machine is hung up
    on (that try counts as not answered)."""
    session = db.session()
    call_sid = field("CallSid")
    call = calls.for_webhook(session, request.args.get("c", ""), call_sid)
    hang_up = VoiceResponse()
    hang_up.hangup()
    if call is None:
        return twiml(hang_up)
    turn = calls.pick_up(session, current_app.config, call, call_sid, field("To", 32),
                         field("AnsweredBy", 24), clock.now())
    if turn is None:  # a machine answered: that try counts as not answered
        session.commit()
        return twiml(hang_up)
    reply = _speak(turn.outputs, turn.language)  # type: ignore[arg-type]
    session.commit()
    logs.event(log, "care.answered", care_call=call.id, call_sid=call_sid)
    return reply


@hooks.post(calls.TURN_PATH)
@twilio_only
def turn() -> Response:
    """The resident answered whatever the care call last asked."""
    session = db.session()
    call_sid = field("CallSid") or "anonymous"
    number = request.args.get("t", "")
    result = turns.take_turn(
        session, current_app.config, calls.CHANNEL, call_sid, _resident_phone(),
        int(number) if number.isdigit() and len(number) < 6 else None, caller_event(),
        reader=db.turn_reader())
    call = session.scalars(select(CareCall).where(CareCall.call_sid == call_sid)).first() \
        if call_sid != "anonymous" else None
    if call is not None:
        calls.after_turn(session, call, result.outputs, clock.now())
    reply = _speak(result.outputs, result.language)  # type: ignore[arg-type]
    session.commit()
    return reply


@hooks.post(calls.STATUS_PATH)
@twilio_only
def status() -> Response:
    """The provider's status callback of a try: busy, no answer, a voicemail, or its end."""
    session = db.session()
    call_sid = field("CallSid")
    state = field("CallStatus", 16)
    call = calls.for_webhook(session, request.args.get("c", ""), call_sid)
    if call is not None and state in ENDED:
        handoff.call_ended(session, call_sid, _resident_phone())
        calls.ended(session, current_app.config, call, state, field("AnsweredBy", 24),
                    clock.now())
    session.commit()
    return twiml(VoiceResponse())


@hooks.errorhandler(Exception)
def on_error(error: Exception) -> Response | HTTPException:
    """Never a 500 to the provider: apologise and put the resident through to a person."""
    if isinstance(error, HTTPException):
        return error
    log.exception("care webhook failed: %s", type(error).__name__)
    db.session().rollback()
    return twiml(apology_response(current_app.config, url_for("voice.dial_done"),
                                   voice_provider(current_app.config).capabilities))


# --- plans: the console's file page and the admin pages ------------------------------------

class PlanForm(FlaskForm):  # type: ignore[misc]
    """A resident's care plan, in words."""

    how = SelectField("多久打一次 How often", choices=HOW)
    days = SelectMultipleField("哪几天 Which days", choices=DAY_CHOICES)
    hours = StringField("拨打时间 Hours to call", validators=[Length(max=160)])
    skip_holidays = BooleanField("法定节假日不打 Not on public holidays")
    salutation = StringField("称呼 How to greet", validators=[Length(max=32)])
    phones = StringField("拨打号码 Numbers to try", validators=[Length(max=200)])
    alert_phone = StringField("家属电话 Relative's number", validators=[Length(max=32)])
    alert_station = BooleanField("通知村（社区）服务站 Tell the village station")
    active = BooleanField("启用 Active")


class CloseForm(FlaskForm):  # type: ignore[misc]
    """What came of an alert."""

    outcome = SelectField("结果 Outcome", choices=[
        SelectChoice(o, display.label(o, "alert_outcome")) for o in AlertOutcome])
    note = TextAreaField("备注 Note", validators=[Length(max=500)])


def plan_form(plan: CarePlan | None) -> PlanForm:
    """The form, filled from the plan (or the defaults of a new one)."""
    form = PlanForm()
    if form.is_submitted():
        return form
    values = plans.form_values(plan)
    how, _, days = str(values["frequency"]).partition(":")
    form.how.data = how if how != "weekly" else "weekly"
    form.days.data = [d for d in days.split(",") if d]
    form.hours.data = values["hours"]
    form.skip_holidays.data = values["skip_holidays"]
    form.salutation.data = values["salutation"]
    form.phones.data = "、".join(local_display(p) for p in (plan.phones if plan else []) or [])
    form.alert_phone.data = local_display(values["alert_phone"]) if values["alert_phone"] else ""
    form.alert_station.data = plan.alert_station if plan is not None else True
    form.active.data = values["active"]
    return form


def _input(form: PlanForm) -> plans.PlanInput:
    days = [d for d in plans.DAYS if d in (form.days.data or [])]
    how = form.how.data or "daily"
    frequency = "daily" if how == "daily" else f"{how}:{','.join(days)}"
    numbers = [p for p in (form.phones.data or "").replace("、", ",").replace("，", ",")
               .split(",") if p.strip()]
    return plans.PlanInput(frequency, plans.with_holidays(form.hours.data or "",
                                                          bool(form.skip_holidays.data)),
                           form.alert_phone.data or "", tuple(numbers),
                           form.salutation.data or "", bool(form.alert_station.data),
                           bool(form.active.data))


def _save(resident: Resident, form: PlanForm, role: str) -> bool:
    try:
        plans.save(db.session(), resident, _input(form), actor=f"{role}:{current_user.id}",
                   role=role)
    except plans.PlanError as error:
        db.session().rollback()
        flash(str(error))
        return False
    db.session().commit()
    flash("关怀计划已保存。 The care plan is saved.")
    return True


def _weekly_days_needed(form: PlanForm) -> bool:
    if (form.how.data or "daily") != "daily" and not form.days.data:
        flash("请选择哪几天打电话。 Choose the days to call.")
        return True
    return False


@bp.post("/operator/residents/<int:resident_id>/care")
@role_required("operator")
def operator_plan(resident_id: int) -> Page:
    """Set or change the resident's care plan from their file on the console."""
    resident = db.session().get(Resident, resident_id)
    if resident is None:
        abort(404)
    form = PlanForm()
    if not form.validate_on_submit():
        abort(400)
    if not _weekly_days_needed(form):
        _save(resident, form, "operator")
    return redirect(url_for("operator.file", resident_id=resident_id) + "#care-h")


@bp.post("/operator/care/alerts/<int:alert_id>/close")
@role_required("operator")
def close_alert(alert_id: int) -> Page:
    """Close an alert with what came of it."""
    session = db.session()
    alert = session.get(CareAlert, alert_id)
    if alert is None:
        abort(404)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        alerts.close(session, alert, form.outcome.data, form.note.data or "",
                     actor=f"operator:{current_user.id}", now=clock.now())
    except alerts.AlertError as error:
        session.rollback()
        flash(str(error))
        return redirect(url_for("operator.index"))
    session.commit()
    flash(f"已处理：{display.label(form.outcome.data, 'alert_outcome')}。 The alert is closed.")
    return redirect(url_for("operator.index"))


@bp.route("/admin/care", methods=["GET", "POST"])
@role_required("admin")
def admin_plans() -> str | Page:
    """Residents under care: every plan, its last call and open alerts; a plan set by number."""
    session = db.session()
    form = plan_form(None)
    if request.method == "POST":
        written = request.form.get("phone", "")[:32]
        parsed = numbers.parse(written) or ""
        resident = records.find(session, parsed) if parsed else None
        if resident is None:
            flash("没有这个号码的居民档案。 No resident's file has this number.")
        elif form.validate_on_submit() and not _weekly_days_needed(form):
            _save(resident, form, "admin")
        return redirect(url_for("care.admin_plans"))
    rows = []
    for plan in session.scalars(select(CarePlan).order_by(CarePlan.id)):
        last = session.scalars(select(CareCall).where(CareCall.plan_id == plan.id)
                               .order_by(CareCall.due_on.desc())).first()
        rows.append({"plan": plan, "resident": plan.resident, "what": plans.describe(plan),
                     "hours": plans.hours_text(plan.hours.replace(plans.HOLIDAYS_OFF, ""),
                                               str(current_app.config.get("CARE_HOURS"))),
                     "last": last, "village": records.display_name(
                         session, plan.resident.division_code)})
    session.commit()
    return render_template("care/admin.html", rows=rows, plan_form=form,
                           open_alerts=len(alerts.open_rows(session, clock.now())))
