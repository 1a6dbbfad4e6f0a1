"""`/admin/manage/...`: providers and platforms, logins and station tokens (role admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from directory import phones
from directory.models import Category, Provider
from ivr.accounts import users
from ivr.accounts.logins import role_required
from ivr.core import db
from ivr.core.models import ApiToken, User
from ivr.manage import directory_admin
from ivr.stations import api as station_api
from ivr.stations import work

bp = Blueprint("manage", __name__, url_prefix="/admin/manage")
PAGE_SIZE = 50
ROLE_NAMES = {"admin": "管理员 Administrator", "operator": "话务员 Operator",
              "station": "中心/站点 Center or station", "city": "市评估中心 City evaluation"}


@bp.context_processor
def _names() -> dict[str, Any]:
    return {"kind_names": directory_admin.KIND_NAMES, "role_names": ROLE_NAMES,
            "phone_text": phone_text, "local_time": local_time}


def phone_text(number: str | None) -> str:
    """A stored number as written locally: 0551-6310 0167, 138 0000 0001."""
    return phones.local_display(number) if number else "—"


def local_time(at: datetime | None) -> str:
    """A stored time in the line's zone: 2026年12月1日 22:05."""
    if at is None:
        return "从未 Never"
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = (at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(zone)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _actor() -> str:
    return f"admin:{current_user.id}"


@bp.get("/")
@role_required("admin")
def index() -> str:
    """What can be managed."""
    return render_template("manage/index.html")


@bp.get("/providers")
@role_required("admin")
def providers() -> str:
    """Providers and platforms, filtered by kind and name, a page at a time."""
    kind, text = request.args.get("kind", ""), request.args.get("q", "").strip()
    query = select(Provider)
    if kind in directory_admin.KIND_NAMES:
        query = query.where(Provider.kind == kind)
    if text:
        query = query.where(Provider.name.contains(text) | (Provider.id == text))
    session = db.reader()
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = session.scalars(query.order_by(Provider.division_code, Provider.id)
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("manage/providers.html", rows=rows, kind=kind, q=text, page=page,
                           pages_total=max(1, -(-count // PAGE_SIZE)), count=count)


@bp.route("/providers/<provider_id>", methods=["GET", "POST"])
@role_required("admin")
def provider(provider_id: str) -> str | Response:
    """One provider or platform: its hours (with the next openings), capacity, categories."""
    session = db.session()
    row = session.get(Provider, provider_id)
    if row is None:
        abort(404)
    error = None
    if request.method == "POST":
        change = directory_admin.Change(
            request.form.get("hours", ""), request.form.get("capacity", ""),
            request.form.getlist("categories"), request.form.get("suspended") == "1")
        try:
            changed = directory_admin.apply(session, _actor(), row, change)
        except directory_admin.ChangeError as failure:
            session.rollback()
            error = str(failure)
        else:
            session.commit()
            flash("已保存 Saved." if changed else "没有改动 Nothing changed.")
            return redirect(url_for("manage.provider", provider_id=provider_id))
    now = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).replace(tzinfo=None)
    return render_template(
        "manage/provider.html", row=row, error=error,
        openings=directory_admin.next_openings(row.hours, now) if not error else [],
        categories=session.execute(select(Category.code, Category.zh, Category.en)
                                   .order_by(Category.code)).all(),
        hours_value=request.form.get("hours", row.hours or "") if error else row.hours or "")


@bp.get("/logins")
@role_required("admin")
def logins() -> str:
    """Every login, its role, platform and whether it is active."""
    session = db.reader()
    rows = session.scalars(select(User).order_by(User.role, User.username)).all()
    platforms = session.execute(select(Provider.id, Provider.name).where(
        Provider.kind.in_(work.PLATFORM_KINDS)).order_by(Provider.division_code)).all()
    return render_template("manage/logins.html", rows=rows, platforms=platforms,
                           names=dict(platforms))


@bp.post("/logins")
@role_required("admin")
def create_login() -> str | Response:
    """A new login; its password is shown once."""
    session = db.session()
    try:
        row, password = users.add(session, _actor(), request.form.get("username", "").strip(),
                                  request.form.get("role", ""),
                                  name=request.form.get("name", "").strip(),
                                  provider_id=request.form.get("provider_id") or None)
    except users.UserError as failure:
        session.rollback()
        flash(f"未能创建 Not created: {failure}")
        return redirect(url_for("manage.logins"))
    session.commit()
    return render_template("manage/secret.html", what=f"{row.username} 的初始密码 initial password",
                           secret=password, back=url_for("manage.logins"))


@bp.post("/logins/<username>/<action>")
@role_required("admin")
def change_login(username: str, action: str) -> str | Response:
    """Deactivate, reactivate, reset the password of, or link a login to a platform."""
    session = db.session()
    try:
        row = users.find(session, username)
    except users.UserError:
        abort(404)
    if action == "password":
        password = users.reset_password(session, _actor(), row)
        session.commit()
        return render_template("manage/secret.html", what=f"{username} 的新密码 new password",
                               secret=password, back=url_for("manage.logins"))
    if action in ("deactivate", "activate"):
        if action == "deactivate" and str(row.id) == str(current_user.id):
            abort(400)  # an administrator does not lock themself out here
        users.set_active(session, _actor(), row, action == "activate")
    elif action == "link":
        target = request.form.get("provider_id") or None
        if target is not None and session.get(Provider, target) is None:
            abort(400)
        users.link(session, _actor(), row, target)
    else:
        abort(404)
    session.commit()
    flash(f"已更新 {username} Updated.")
    return redirect(url_for("manage.logins"))


@bp.get("/tokens")
@role_required("admin")
def tokens() -> str:
    """Station API tokens with their platform, label, creation and last use."""
    session = db.reader()
    rows = session.execute(select(ApiToken, Provider.name).join(
        Provider, Provider.id == ApiToken.provider_id).order_by(ApiToken.revoked,
                                                                ApiToken.created_at.desc())).all()
    platforms = session.execute(select(Provider.id, Provider.name).where(
        Provider.kind.in_(work.PLATFORM_KINDS)).order_by(Provider.division_code)).all()
    return render_template("manage/tokens.html", rows=rows, platforms=platforms)


@bp.post("/tokens")
@role_required("admin")
def issue_token() -> str | Response:
    """A new token for a platform, shown once."""
    session = db.session()
    provider_id = request.form.get("provider_id", "")
    try:
        token = station_api.issue_token(session, provider_id, request.form.get("label", ""))
    except ValueError:
        abort(400)
    users.audit_change(session, _actor(), f"issued a token to {provider_id}", field="token")
    session.commit()
    return render_template("manage/secret.html", what="新令牌 New API token", secret=token,
                           back=url_for("manage.tokens"))


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke_token(token_id: int) -> Response:
    """Revoke one token."""
    session = db.session()
    row = session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    station_api.revoke_tokens(session, row.provider_id, token_id)
    users.audit_change(session, _actor(), f"revoked token {token_id} of {row.provider_id}",
                       field="token")
    session.commit()
    flash("令牌已撤销 Token revoked.")
    return redirect(url_for("manage.tokens"))
