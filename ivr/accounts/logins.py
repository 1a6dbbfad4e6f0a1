"""Logins for the web pages: Flask-Login sessions, Flask-WTF CSRF, Flask-Limiter on login.

Cookies are Secure, HttpOnly and SameSite=Lax; a session ends after IDLE_MINUTES without a
request and SESSION_MAX_HOURS after its login, whatever happens. Each cookie carries the user's
session version, checked on every request: logout, deactivation and a password change bump it,
so a cookie copied before any of them is refused after. Roles (admin, operator, station, city)
are checked on every route with `role_required`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ivr.core import db
from ivr.core.models import User

P = ParamSpec("P")
R = TypeVar("R")
ROLES = ("admin", "operator", "station", "city")
HOME = {"operator": "operator.index", "admin": "admin.dashboard", "station": "station.index",
        "city": "city.index"}

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
# Where the counts live comes from RATELIMIT_STORAGE_URI (ivr/core/config.py): memory of
# this process by default, Redis when several hosts must count one login's attempts together.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class LoginUser(UserMixin):  # type: ignore[misc]
    """The logged-in user as Flask-Login sees it."""

    def __init__(self, row: User) -> None:
        self.id = str(row.id)
        self.role = row.role
        self.name = row.name or row.username
        self.provider_id = row.provider_id


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> LoginUser | None:
    """The user of a session cookie, if still active, of its session version and not too old."""
    row = db.session().get(User, int(user_id)) if user_id.isdigit() else None
    if row is None or not row.active or not session_is_current(row):
        session.clear()
        return None
    return LoginUser(row)


def session_is_current(row: User) -> bool:
    """The cookie was issued for this session version, within the absolute lifetime."""
    started = session.get("login_at")
    limit = float(current_app.config.get("SESSION_MAX_HOURS", 12)) * 3600
    return (session.get("sv") == row.session_version and isinstance(started, (int, float))
            and 0 <= time.time() - started < limit)


def init_app(app: Flask) -> None:
    """Sessions, CSRF and the login rate limit, with safe cookie settings."""
    app.config.setdefault("SESSION_COOKIE_SECURE", True)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=int(app.config.get("IDLE_MINUTES", 30))),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=None,  # the session's idle timeout already bounds the token
    )
    # Redis down: count in this process's memory meanwhile rather than fail every login.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    app.register_blueprint(bp)


def role_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Only logged-in users with one of `roles` (others: login page, or 403)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()  # type: ignore[no-any-return]
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


class LoginForm(FlaskForm):  # type: ignore[misc]
    """User name and password."""

    username = StringField("用户名 User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response:
    """Log in; the same answer for an unknown user and a wrong password."""
    form = LoginForm()
    if form.validate_on_submit():
        row = db.session().scalars(select(User).where(
            User.username == form.username.data, User.active.is_(True))).first()
        if row is not None and check_password_hash(row.password_hash, form.password.data):
            session.clear()
            session.permanent = True
            session["sv"] = row.session_version
            session["login_at"] = int(time.time())
            login_user(LoginUser(row))
            return redirect(url_for(HOME.get(row.role, "operator.index")))
        flash("用户名或密码不对。 Wrong user name or password.")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Log out (a POST, so a link elsewhere cannot log anyone out); every copy of the session
    cookie stops working."""
    if current_user.is_authenticated:
        row = db.session().get(User, int(current_user.id))
        if row is not None:
            end_sessions(row)
            db.session().commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def end_sessions(row: User) -> None:
    """Every session of this user ends at its next request."""
    row.session_version = (row.session_version or 0) + 1


def create_user(username: str, password: str, role: str, **fields: Any) -> User:
    """A new login with a hashed password (scrypt, from Werkzeug)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("the password needs at least 8 characters")
    return User(username=username, password_hash=generate_password_hash(password), role=role,
                **fields)
