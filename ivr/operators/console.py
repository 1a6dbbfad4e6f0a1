"""The operator console: who is on duty, the live queue, the caller's file and transcript,
the directory's suggestion, the wrap-up that writes the file, and callback tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import case, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from dialogs import serialize
from dialogs.outputs import Ask, Say
from dialogs.render_text import render as render_text
from directory.models import Category
from directory.orm import utcnow
from directory.routing import RoutingError, route
from ivr.accounts.logins import role_required
from ivr.conversations import handoff
from ivr.core import clock, db
from ivr.core.models import CallbackTask, Conversation, QueueEntry, Resident, TextMessage, User
from ivr.core.statuses import CallbackStatus, OperatorStatus, Outcome, QueueStatus
from ivr.residents import access, records, referrals
from ivr.text import channel as text_channel

bp = Blueprint("operator", __name__, url_prefix="/operator")
OUTCOMES = [SelectChoice(Outcome.RESOLVED, "已解决 Resolved"),
            SelectChoice(Outcome.REFERRED, "已转介 Referred"),
            SelectChoice(Outcome.INFORMATION, "已告知信息 Information given"),
            SelectChoice(Outcome.CALLBACK, "需回电 Call back"),
            SelectChoice(Outcome.EMERGENCY, "紧急 Emergency"),
            SelectChoice(Outcome.OTHER, "其他 Other")]
CALLBACK_HOURS = 24


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
    """A callback was made."""


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """An operator's answer in a text conversation."""

    body = TextAreaField("回复 Reply", validators=[DataRequired(), Length(max=600)])


def _viewer() -> access.Viewer:
    """The operator as the audit log names them."""
    return access.Viewer(f"operator:{current_user.id}", "operator")


def me() -> User:
    """The operator's own row."""
    row = db.session().get(User, int(current_user.id))
    if row is None:
        abort(403)
    return row


@bp.get("/")
@role_required("operator")
def index() -> str:
    """On duty, the live queue, my current caller, callbacks (emergencies and elderly first)."""
    session = db.session()
    handoff.release_stale_offers(session)
    mine = session.scalars(select(QueueEntry).where(
        QueueEntry.operator_id == int(current_user.id),
        QueueEntry.status.in_((QueueStatus.OFFERED, QueueStatus.CONNECTED, QueueStatus.DONE)),
        QueueEntry.wrap_up_s.is_(None)).order_by(QueueEntry.enqueued_at.desc())).first()
    on_duty = session.scalars(select(User).where(User.role == "operator",
                                                 User.status != OperatorStatus.OFF)).all()
    # Built before the commit: every name, number and message shown writes its audit row.
    queue, callbacks, texts = _queue_rows(), _callbacks(), _text_conversations()
    session.commit()
    return render_template("operator/index.html", me=me(), on_duty=on_duty,
                           queue=queue, mine=mine, callbacks=callbacks,
                           texts=texts, status_form=StatusForm(),
                           take_form=TakeForm(), done_form=DoneForm(), reply_form=ReplyForm())


def _text_conversations() -> list[dict[str, Any]]:
    """SMS and chat conversations handed to a person in the last day, newest first."""
    session = db.session()
    since = utcnow() - timedelta(hours=24)
    rows = session.scalars(select(Conversation).where(
        Conversation.channel.in_(("sms", "chat")), Conversation.handed_off.is_(True),
        Conversation.updated_at >= since).order_by(Conversation.emergency.desc(),
                                                   Conversation.updated_at.desc())).all()
    out = []
    for row in rows:
        messages = session.scalars(select(TextMessage).where(
            TextMessage.conversation_id == row.id).order_by(TextMessage.id)).all()
        summary = _caller_summary(row.id, "text conversation on the console")
        access.note_view(session, row.resident_id, _viewer(), fields=["messages"],
                         reason=f"text conversation {row.id} on the console")
        out.append({"conversation": row, "messages": messages[-6:], **summary})
    return out


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
    session.commit()
    return redirect(url_for("operator.index"))


def _queue_rows() -> list[dict[str, Any]]:
    session = db.session()
    rows = []
    now = utcnow()
    for position, entry in enumerate(handoff.waiting(session), start=1):
        # "position", not "place": the caller summary's "place" is where they live.
        rows.append({"position": position, "entry": entry,
                     **_caller_summary(entry.conversation_id, "live queue on the console"),
                     "waited_s": int((now - handoff.aware(entry.enqueued_at)).total_seconds())})
    return rows


def _caller_summary(conversation_id: int | None, reason: str) -> dict[str, Any]:
    """Who is calling and what about, as a queue row shows it (the view is audited)."""
    session = db.session()
    known = handoff.facts(session, session.get(Conversation, conversation_id)
                          if conversation_id else None)
    category = session.get(Category, known.need) if known.need else None
    resident = known.resident
    if resident is not None:
        access.note_view(session, resident.id, _viewer(), reason=reason,
                         fields=[f for f, v in (("name", resident.name), ("division", known.place),
                                                ("needs", known.need)) if v],
                         health=known.need in access.SENSITIVE_NEEDS)
    return {"name": resident.name if resident and resident.name else "未登记 Unknown",
            "place": records.display_name(session, known.place),
            "need": category.zh if category else "", "elderly": known.elderly,
            "emergency": known.emergency}


def _callbacks() -> list[dict[str, Any]]:
    session = db.session()
    rows = list(session.scalars(
        select(CallbackTask).where(CallbackTask.status == CallbackStatus.OPEN).order_by(
            case((CallbackTask.category == "emergency", 0), else_=1), CallbackTask.created_at)))
    files = {r.phone: r for r in session.scalars(
        select(Resident).where(Resident.phone.in_({t.phone for t in rows})))}
    resident_groups = {phone: r.groups or [] for phone, r in files.items()}
    for task in rows:  # each number shown is a view of that resident's file
        known = files.get(task.phone)
        access.note_view(session, known.id if known else None, _viewer(), fields=["phone"],
                         reason=f"callback task {task.id} on the console")
    now = utcnow()
    out = []
    for task in rows:
        elderly = bool({"elderly", "disabled"} & set(resident_groups.get(task.phone, [])))
        due = handoff.aware(task.created_at) + timedelta(hours=CALLBACK_HOURS)
        out.append({"task": task, "elderly": elderly, "due": due,
                    "overdue": now > due, "left_h": round((due - now).total_seconds() / 3600, 1)})
    out.sort(key=_callback_order)
    return out


def _callback_order(row: dict[str, Any]) -> tuple[bool, bool, Any]:
    """Emergencies, then elderly and disabled residents, then the earliest due."""
    task: CallbackTask = row["task"]
    return task.category != "emergency", not row["elderly"], row["due"]


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
    handoff.assign(session, nxt, me())
    session.commit()
    return redirect(url_for("operator.call", entry_id=nxt.id))


@bp.route("/calls/<int:entry_id>", methods=["GET", "POST"])
@role_required("operator")
def call(entry_id: int) -> str | Response:
    """The screen pop: the caller's file, what the line heard, the suggestion; the wrap-up."""
    session = db.session()
    entry = session.get(QueueEntry, entry_id)
    if entry is None or entry.operator_id != int(current_user.id):
        abort(404)
    conversation = entry.conversation
    resident = conversation.resident if conversation is not None else None
    form = WrapUpForm()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.code, f"{c.zh} {c.en}") for c in session.scalars(select(Category))]
    summary = _caller_summary(entry.conversation_id, f"screen pop, queue entry {entry.id}")
    suggestion = _suggestion(conversation)
    if form.validate_on_submit():
        _wrap_up(entry, conversation, resident, form, suggestion)
        session.commit()
        flash("已写入居民档案。 Saved to the resident's file.")
        return redirect(url_for("operator.index"))
    if not form.is_submitted() and conversation is not None:
        form.category.data = conversation.category or (conversation.state or {}).get(
            "slots", {}).get("need") or ""
    file = access.file_view(session, resident, _viewer(),
                            reason=f"screen pop, queue entry {entry.id}") if resident else None
    session.commit()
    return render_template("operator/call.html", entry=entry, file=file, summary=summary,
                           transcript=_transcript(conversation), suggestion=suggestion,
                           form=form)


def _transcript(conversation: Conversation | None) -> list[dict[str, Any]]:
    if conversation is None:
        return []
    state = conversation.state or {}
    spoken = [o for o in serialize.load(conversation.last_outputs or [])
              if isinstance(o, Say | Ask)]
    lines = [{"who": "line", "text": "\n".join(render_text(
        spoken, state.get("language", "zh-CN")))}]
    heard = [{"who": "caller", "text": f"{u.get('said', '')} → {u.get('code') or '?'} "
              f"({u.get('decision')}, {u.get('score')})"} for u in state.get("understood", [])]
    return heard + lines


def _suggestion(conversation: Conversation | None) -> dict[str, Any] | None:
    known = handoff.facts(db.session(), conversation)
    need, place = known.need, known.place
    if not need or not place:
        return None
    try:
        answer = route(db.session(), need, place, clock.local_now(current_app.config),
                       duty_phone=current_app.config.get("DUTY_NUMBER"))
    except RoutingError:
        return None
    return {"id": answer.id, "name": answer.name, "phone": answer.phone, "level": answer.level,
            "reason": answer.reason, "category": need, "division": place}


def _wrap_up(entry: QueueEntry, conversation: Conversation | None, resident: Resident | None,
             form: WrapUpForm, suggestion: dict[str, Any] | None) -> None:
    session = db.session()
    operator = me()
    now = utcnow()
    started = handoff.aware(operator.status_since) if operator.status == OperatorStatus.WRAP_UP \
        else handoff.aware(entry.answered_at or entry.enqueued_at)
    entry.wrap_up_s = max(0, int((now - started).total_seconds()))
    if conversation is not None:
        conversation.wrap_s = entry.wrap_up_s
    if entry.status in (QueueStatus.OFFERED, QueueStatus.CONNECTED):
        entry.status = QueueStatus.DONE
    if conversation is not None:
        conversation.outcome = form.outcome.data
        conversation.category = form.category.data or conversation.category
        note = (form.notes.data or "").strip()
        stamp = now.strftime("%Y-%m-%d %H:%M")
        if note:
            conversation.operator_notes = (conversation.operator_notes + "\n" if
                                           conversation.operator_notes else "") + \
                f"[{stamp} {operator.name or operator.username}] {note}"
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


@bp.post("/callbacks/<int:task_id>/done")
@role_required("operator")
def callback_done(task_id: int) -> Response:
    """The operator called the resident back."""
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    task = session.get(CallbackTask, task_id)
    if task is None:
        abort(404)
    task.status, task.attempted_at = CallbackStatus.DONE, utcnow()
    session.commit()
    return redirect(url_for("operator.index"))
