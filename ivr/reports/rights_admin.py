"""The administrator's page for a resident's PIPL rights: a copy of the file, or erasure."""

from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, Optional

from ivr.accounts.logins import role_required
from ivr.core import db
from ivr.core.models import Resident
from ivr.residents import access, rights

bp = Blueprint("admin_rights", __name__, url_prefix="/admin/residents")


class RightsForm(FlaskForm):  # type: ignore[misc]
    """Export the file, or erase it (the administrator types the number to confirm)."""

    action = HiddenField(validators=[AnyOf(["export", "erase"])])
    confirm = StringField("确认号码 Type the phone number to confirm", validators=[Optional()])


@bp.route("/<int:resident_id>/rights", methods=["GET", "POST"])
@role_required("admin")
def resident_rights(resident_id: int) -> str | BaseResponse:
    """The file in short, a button for its copy and a form for its erasure."""
    session = db.session()
    resident = session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    viewer = access.Viewer(f"admin:{current_user.id}", "admin")
    form = RightsForm()
    if form.validate_on_submit() and form.action.data == "export":
        data = rights.export(session, resident, viewer)
        session.commit()
        name = f"resident-{resident.id}.json"
        return Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    if form.validate_on_submit() and form.action.data == "erase":
        if (form.confirm.data or "").strip() != resident.phone:
            flash("号码不一致，没有删除。 The number did not match; nothing was erased.")
            return redirect(url_for("admin_rights.resident_rights", resident_id=resident.id))
        rights.erase(session, resident, actor=viewer.actor, role="admin",
                     pepper=str(current_app.config["SECRET_KEY"]))
        session.commit()
        flash("个人信息已删除，统计数据保留。 Personal data erased; the statistics are kept.")
        return redirect(url_for("admin_rights.resident_rights", resident_id=resident.id))
    file = access.file_view(session, resident, viewer, reason="admin rights page")
    session.commit()
    erased = resident.erased_at
    # SQLite hands the UTC instant back without its zone.
    erased_on = (erased if erased.tzinfo else erased.replace(tzinfo=UTC)).astimezone(
        ZoneInfo(current_app.config["TIMEZONE"])).date() if erased else None
    return render_template("admin/resident_rights.html", resident=resident, file=file,
                           form=form, erased_on=erased_on)
