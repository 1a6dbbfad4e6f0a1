"""The operator console: who is on duty, the live queue and tasks (updated in place), the
screen pop of the caller being taken, transfer, wrap-up, residents' files, callbacks."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from dialogs import serialize
from dialogs.outputs import Ask, Say
from dialogs.render_text import render as render_text
from directory.models import Category
from directory.orm import utcnow
from ivr.accounts.logins import role_required
from ivr.care import alerts as care_alerts
from ivr.care import board as care_board
from ivr.care import plans as care_plans
from ivr.care.routes import CloseForm, plan_form
from ivr.conversations import handoff
from ivr.core import db, display
from ivr.core.models import (
    CallbackTask,
    Conversation,
    QueueEntry,
    Resident,
    TextMessage,
    User,
)
from ivr.core.statuses import OperatorStatus, Outcome, QueueStatus
from ivr.operators import files, screen, tasks, transfer
from ivr.residents import access, records, referrals
from ivr.text import channel as text_channel

bp = Blueprint("operator", __name__, url_prefix="/operator")
WRAP_OUTCOMES = (Outcome.RESOLVED, Outcome.REFERRED, Outcome.INFORMATION, Outcome.CALLBACK,
                 Outcome.EMERGENCY, Outcome.OTHER)
OUTCOMES = [SelectChoice(o, display.label(o, "outcome")) for o in WRAP_OUTCOMES]
CALLBACK_HOURS = screen.CALLBACK_HOURS


class StatusForm(FlaskForm):  # type: ignore[misc]
    """On duty or not."""

    status = HiddenField(validators=[AnyOf([OperatorStatus.AVAILABLE, OperatorStatus.OFF])])


class TakeForm(FlaskForm):  # type: ignore[misc]
    """Take the next caller."""


class WrapUpForm(FlaskForm):  # type: ignore[misc]
    """What the operator did, written into the caller's file."""

    outcome = SelectField("结果 Outcome", choices=OUTCOMES)
    category = SelectField("服务类别 Category", choices=[], validators=[Optional()])
    referral = BooleanField("转介给建议的服务方 Refer to the suggested provider")
    notes = TextAreaField("备注 Notes", validators=[Length(max=2000)])


class DoneForm(FlaskForm):  # type: ignore[misc]
    """A callback attempt and what came of it."""

    outcome = SelectField("结果 Outcome", choices=[
        SelectChoice(o, display.label(o, "attempt")) for o in tasks.PHONE_OUTCOMES],
        validate_choice=False)


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """An operator's answer in a text conversation."""

    body = TextAreaField("回复 Reply", validators=[DataRequired(), Length(max=600)])
    task = HiddenField()


class TransferForm(FlaskForm):  # type: ignore[misc]
    """Where to put the live caller through."""

    target = SelectField("转接给 Transfer to", choices=[], validate_choice=False,
                         validators=[DataRequired()])


class ReferForm(FlaskForm):  # type: ignore[misc]
    """One click: refer the caller to the suggested provider."""


class FileForm(FlaskForm):  # type: ignore[misc]
    """The editable part of a resident's file."""

    name = StringField("姓名 Name", validators=[Length(max=64)])
    place = StringField("住址（村/社区） Village or community", validators=[Length(max=128)])
    groups = SelectMultipleField("人群 Groups", choices=[
        SelectChoice(g, display.label(g, "group")) for g in records.GROUPS])
    needs = SelectMultipleField("需要的服务 Needs", choices=[])
    birth_year = IntegerField("出生年份 Birth year",
                              validators=[Optional(), NumberRange(min=1900, max=2100)])
    notes = TextAreaField("备注 Notes", validators=[Length(max=2000)])


def _viewer() -> access.Viewer:
    """The operator as the audit log names them."""
    return access.Viewer(f"operator:{current_user.id}", "operator")


def me() -> User:
    """The operator's own row."""
    row = db.session().get(User, int(current_user.id))
    if row is None:
        abort(403)
    return row


def _actor() -> str:
    return f"operator:{current_user.id}"


def _live_context() -> dict[str, Any]:
    """Everything that changes while the console is open."""
    session = db.session()
    handoff.release_stale_offers(session)
    mine = session.scalars(select(QueueEntry).where(
        QueueEntry.operator_id == int(current_user.id),
        QueueEntry.status.in_((QueueStatus.OFFERED, QueueStatus.CONNECTED, QueueStatus.DONE)),
        QueueEntry.wrap_up_s.is_(None)).order_by(QueueEntry.enqueued_at.desc())).first()
    on_duty = session.scalars(select(User).where(User.role == "operator",
                                                 User.status != OperatorStatus.OFF)).all()
    # Who is being put through (the whisper's facts, for providers that play no whisper).
    coming = screen.caller_summary(session, mine.conversation_id) \
        if mine is not None and mine.status == QueueStatus.OFFERED else None
    queue, callbacks, texts = (screen.queue_rows(session), screen.callback_rows(session),
                               screen.text_rows(session))
    # Every name, number and message shown writes its audit row through the access policy,
    # once per login session: the live part reloads every few seconds.
    seen = set(flask_session.get("console_audited", []))
    done = screen.audit_shown(session, _viewer().actor, queue, callbacks, texts, seen)
    if done:
        flask_session["console_audited"] = sorted(seen | done)[-400:]
    care = care_alerts.open_rows(session, utcnow())
    care_today = care_board.today(session, current_app.config, utcnow())
    session.commit()
    return {"me": me(), "on_duty": on_duty, "queue": queue, "mine": mine,
            "care_alerts": care, "close_form": CloseForm(), "care_today": care_today,
            "coming": coming,
            "callbacks": callbacks, "texts": texts, "authors": screen.author_names(session),
            "status_form": StatusForm(), "take_form": TakeForm(), "done_form": DoneForm(),
            "reply_form": ReplyForm(),
            "refresh_s": max(1, int(current_app.config.get("OPERATOR_REFRESH_S", 5)))}


@bp.get("/")
@role_required("operator")
def index() -> str:
    """The console; its live part updates itself in place (htmx), never the whole page."""
    return render_template("operator/index.html", **_live_context())


@bp.get("/live")
@role_required("operator")
def live() -> str:
    """The live part alone: queue, my caller, text conversations, callbacks."""
    return render_template("operator/_live.html", **_live_context())


@bp.post("/text/<int:conversation_id>/reply")
@role_required("operator")
def text_reply(conversation_id: int) -> Response:
    """Answer a resident in their text conversation (web chat, or SMS through the outbox)."""
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    row = session.get(Conversation, conversation_id)
    if row is None or row.channel not in ("sms", "chat"):
        abort(404)
    text_channel.operator_reply(session, row, int(current_user.id), form.body.data.strip())
    if form.task.data and form.task.data.isdigit():
        task = session.get(CallbackTask, int(form.task.data))
        if task is not None and task.call_sid == row.key:
            tasks.record_attempt(session, task, "answered_in_chat")
    session.commit()
    flash("已发送。 Sent.")
    return redirect(url_for("operator.index"))


@bp.post("/status")
@role_required("operator")
def set_status() -> Response:
    """Go on or off duty."""
    form = StatusForm()
    if form.validate_on_submit():
        handoff.set_status(me(), form.status.data)
        db.session().commit()
    return redirect(url_for("operator.index"))


@bp.post("/take")
@role_required("operator")
def take() -> Response:
    """Take the next caller in line: their phone leg will ring this operator."""
    form = TakeForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    line = handoff.waiting(session)
    nxt = next((e for e in line if e.status == QueueStatus.WAITING), None)
    if nxt is None:
        flash("现在没有排队的来电。 Nobody is waiting.")
        return redirect(url_for("operator.index"))
    if not handoff.assign(session, nxt, me()):
        flash("这位来电者已由其他接线员接听。 Another operator took this caller.")
        return redirect(url_for("operator.index"))
    session.commit()
    return redirect(url_for("operator.call", entry_id=nxt.id))


def _my_entry(entry_id: int) -> QueueEntry:
    entry = db.session().get(QueueEntry, entry_id)
    if entry is None or entry.operator_id != int(current_user.id):
        abort(404)
    return entry


@bp.route("/calls/<int:entry_id>", methods=["GET", "POST"])
@role_required("operator")
def call(entry_id: int) -> str | Response:
    """The screen pop: who is calling, what the line heard, the suggestion; the wrap-up."""
    session = db.session()
    entry = _my_entry(entry_id)
    conversation = entry.conversation
    resident = conversation.resident if conversation is not None else None
    form = WrapUpForm()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.code, f"{c.zh} {c.en}") for c in session.scalars(select(Category))]
    suggested = screen.suggestion(session, current_app.config, conversation)
    if form.validate_on_submit():
        if not _wrap_up(entry, conversation, resident, form, suggested):
            flash("这次通话已经登记过了。 This call was already wrapped up.")
            return redirect(url_for("operator.index"))
        session.commit()
        flash("已写入居民档案。 Saved to the resident's file.")
        return redirect(url_for("operator.index"))
    if not form.is_submitted() and conversation is not None:
        form.category.data = conversation.category or (conversation.state or {}).get(
            "slots", {}).get("need") or ""
    file = access.file_view(session, resident, _viewer(),
                            reason=f"screen pop, queue entry {entry.id}") if resident else None
    history = files.history(session, resident) if resident else None
    transfer_form = TransferForm()
    choices = transfer.targets(session, entry, suggested, int(current_user.id))
    transfer_form.target.choices = [SelectChoice(t.key, f"{t.name}（{_kind(t.kind)}）")
                                    for t in choices]
    session.commit()
    return render_template(
        "operator/call.html", entry=entry, file=file, resident=resident, history=history,
        summary=screen.caller_summary(session, entry.conversation_id),
        heard=screen.heard(session, conversation), spoken=_spoken(conversation),
        suggestion=suggested, form=form, transfer_form=transfer_form,
        refer_form=ReferForm(), live=entry.status in transfer.LIVE,
        authors=screen.author_names(session), need_names=_need_names())


def _need_names() -> dict[str, str]:
    return {c.code: f"{c.zh} {c.en}" for c in db.session().scalars(select(Category))}


def _kind(kind: str) -> str:
    return "接线员 Operator" if kind == "operator" else display.label(kind, "level")


def _spoken(conversation: Conversation | None) -> str:
    """The last thing the line said to the caller, as text."""
    if conversation is None:
        return ""
    spoken = [o for o in serialize.load(conversation.last_outputs or [])
              if isinstance(o, Say | Ask)]
    return "\n".join(render_text(spoken, (conversation.state or {}).get("language", "zh-CN")))


@bp.post("/calls/<int:entry_id>/refer")
@role_required("operator")
def refer(entry_id: int) -> Response:
    """One click: a referral to the suggested provider, with its SMS."""
    session = db.session()
    entry = _my_entry(entry_id)
    if not ReferForm().validate_on_submit():
        abort(400)
    conversation = entry.conversation
    resident = conversation.resident if conversation is not None else None
    suggested = screen.suggestion(session, current_app.config, conversation)
    if suggested is None or resident is None:
        flash("还不知道需要什么或住在哪里，无法转介。 Need or place unknown: cannot refer.")
        return redirect(url_for("operator.call", entry_id=entry_id))
    referral = referrals.create(
        session, resident=resident, category=suggested["category"],
        division=suggested["division"], answer=None, provider_id=suggested["id"],
        level=suggested["level"], config=current_app.config,
        conversation_id=conversation.id if conversation else None, actor=_actor())
    if conversation is not None:
        conversation.outcome = Outcome.REFERRED
    session.commit()
    flash(f"已转介 {records.short_number(referral.id)} 给 {suggested['name']}。 Referred.")
    return redirect(url_for("operator.call", entry_id=entry_id))


@bp.post("/calls/<int:entry_id>/transfer")
@role_required("operator")
def transfer_call(entry_id: int) -> Response:
    """Put the live caller through to a provider, a station or another operator."""
    session = db.session()
    entry = _my_entry(entry_id)
    form = TransferForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        target = transfer.resolve(session, form.target.data)
        transfer.transfer(session, current_app.config, entry, target, me())
    except transfer.TransferError as error:
        session.rollback()
        flash(str(error))
        return redirect(url_for("operator.call", entry_id=entry_id))
    session.commit()
    flash(f"已转接给 {target.name}，请填写结束记录。 Transferred: please wrap up.")
    return redirect(url_for("operator.call", entry_id=entry_id))


def _wrap_up(entry: QueueEntry, conversation: Conversation | None, resident: Resident | None,
             form: WrapUpForm, suggestion: dict[str, Any] | None) -> bool:
    """Write the wrap-up into the file, once: False (nothing written) for a second submit."""
    session = db.session()
    operator = me()
    now = utcnow()
    started = handoff.aware(operator.status_since) if operator.status == OperatorStatus.WRAP_UP \
        else handoff.aware(entry.answered_at or entry.enqueued_at)
    if not handoff.wrap_up(session, entry, max(0, int((now - started).total_seconds()))):
        return False
    if conversation is not None:
        conversation.wrap_s = entry.wrap_up_s
    handoff.transition(session, entry, QueueStatus.DONE,
                       (QueueStatus.OFFERED, QueueStatus.CONNECTED))
    if conversation is not None:
        conversation.outcome = form.outcome.data
        conversation.category = form.category.data or conversation.category
        note = (form.notes.data or "").strip()
        if note:
            conversation.operator_notes = (conversation.operator_notes + "\n" if
                                           conversation.operator_notes else "") + \
                f"[{display.local_time(now)} {operator.name or operator.username}] {note}"
    if form.referral.data and suggestion is not None and resident is not None:
        referrals.create(session, resident=resident, category=suggestion["category"],
                         division=suggestion["division"], answer=None,
                         provider_id=suggestion["id"], level=suggestion["level"],
                         config=current_app.config,
                         conversation_id=conversation.id if conversation else None,
                         actor=f"operator:{operator.id}")
    if resident is not None:
        resident.last_contact_at = now
    handoff.set_status(operator, OperatorStatus.AVAILABLE)
    return True


@bp.post("/callbacks/<int:task_id>/done")
@role_required("operator")
def callback_done(task_id: int) -> Response:
    """What came of calling a resident back: closed when it reached an end, else kept."""
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    task = session.get(CallbackTask, task_id)
    if task is None:
        abort(404)
    outcome = form.outcome.data or "reached"
    if outcome not in tasks.PHONE_OUTCOMES:
        abort(400)
    try:
        tasks.record_attempt(session, task, outcome)
    except tasks.TaskError as error:
        flash(str(error))
        return redirect(url_for("operator.index"))
    session.commit()
    flash(f"已记录：{display.label(outcome, 'attempt')}。 Recorded.")
    return redirect(url_for("operator.index"))


@bp.get("/residents")
@role_required("operator")
def search() -> str:
    """Residents by number (any format), name or village."""
    session = db.session()
    query = request.args.get("q", "")[:64]
    found = files.search(session, query)
    rows = [{"resident": r, "place": records.display_name(session, r.division_code)}
            for r in found]
    screen.audit_residents(session, _actor(), rows, "resident search")
    session.commit()
    return render_template("operator/search.html", query=query, rows=rows)


@bp.route("/residents/<int:resident_id>", methods=["GET", "POST"])
@role_required("operator")
def file(resident_id: int) -> str | Response:
    """A resident's file with its contact and referral history; corrected here (audited)."""
    session = db.session()
    resident = session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    form = FileForm()
    form.needs.choices = [SelectChoice(c.code, f"{c.zh} {c.en}")
                          for c in session.scalars(select(Category))]
    if form.validate_on_submit():
        try:
            changed = files.update(session, resident, files.Changes(
                name=form.name.data or "", place=form.place.data or "",
                groups=form.groups.data or [], needs=form.needs.data or [],
                birth_year=form.birth_year.data, notes=form.notes.data or ""),
                actor=_actor(), role="operator")
        except files.FileError as error:
            session.rollback()
            flash(str(error))
            return redirect(url_for("operator.file", resident_id=resident_id))
        session.commit()
        flash("档案已保存。 The file is saved." if changed else "没有改动。 Nothing changed.")
        return redirect(url_for("operator.file", resident_id=resident_id))
    if not form.is_submitted():
        form.name.data, form.place.data = resident.name, files.place_name(
            session, resident.division_code)
        form.groups.data, form.needs.data = resident.groups or [], resident.needs or []
        form.birth_year.data, form.notes.data = resident.birth_year, resident.notes
    shown = access.file_view(session, resident, _viewer(), reason="file opened on the console")
    history = files.history(session, resident)
    session.commit()
    plan = care_plans.plan_of(session, resident.id)
    return render_template("operator/file.html", resident=resident, file=shown,
                           history=history, form=form, need_names=_need_names(),
                           plan=plan, plan_text=care_plans.describe(plan),
                           plan_hours=care_plans.hours_text(
                               plan.hours if plan else "",
                               str(current_app.config.get("CARE_HOURS") or "")),
                           plan_form=plan_form(plan),
                           place=records.display_name(session, resident.division_code))


@bp.get("/contacts/<int:conversation_id>")
@role_required("operator")
def contact(conversation_id: int) -> str:
    """One contact: when, how, what the line heard, the messages and the notes."""
    session = db.session()
    row = session.get(Conversation, conversation_id)
    if row is None:
        abort(404)
    messages = session.scalars(select(TextMessage).where(
        TextMessage.conversation_id == row.id).order_by(TextMessage.id)).all()
    summary = screen.caller_summary(session, row.id)
    screen.audit_residents(session, _actor(), [summary], f"contact {row.id} opened",
                           fields=("name", "phone", "division", "messages", "understood",
                                   "operator_notes", "recording_url"))
    session.commit()
    return render_template("operator/contact.html", row=row, summary=summary,
                           heard=screen.heard(session, row), messages=messages,
                           authors=screen.author_names(session))
