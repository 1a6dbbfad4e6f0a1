"""Logins and roles on every web route; CSRF on every form; cookie flags; idle timeout."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.accounts.logins import create_user
from ivr.core.db import Database

PASSWORD = "correct horse 1"
# Browsers send it; Flask-WTF checks it on HTTPS.
REFERER = {"Referer": "https://line.example.org/login"}
# Routes a role may open (200); everything else must refuse it.
ALLOWED = {
    "anonymous": {"auth.login", "health.healthz", "static", "chat.page", "chat.poll"},
    "operator": {"auth.login", "health.healthz", "static", "operator.index", "operator.call",
                 "operator.take", "operator.set_status", "operator.callback_done",
                 "operator.live", "operator.search",
                 "chat.page", "chat.poll"},
    "admin": {"auth.login", "health.healthz", "static", "admin.dashboard", "admin.report",
              "admin.evidence_page", "admin.evidence_index", "chat.page", "chat.poll",
              "manage.index", "manage.providers", "manage.logins", "manage.tokens",
              "care.admin_plans"},
    "city": {"auth.login", "health.healthz", "static", "chat.page", "chat.poll", "city.index"},
    "station": {"auth.login", "health.healthz", "static", "chat.page", "chat.poll",
                "station.index"},
}
# Signed by Twilio or by a token, or public for monitoring (/readyz answers 503 without a
# worker): covered by their own tests.
OTHER_AUTH = ("voice.", "sms.", "station_api.", "city_api.", "health.readyz", "health.prometheus",
              "care_hooks.")


@pytest.fixture
def users(app: Flask) -> Flask:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        for role in ("admin", "operator", "station", "city"):
            s.add(create_user(role, PASSWORD, role, name=role, phone="+8613800000001"))
        s.commit()
    return app


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path, base_url="https://line.example.org").get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def login(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", base_url="https://line.example.org", headers=REFERER,
                           data={"username": role, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def web_routes(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(OTHER_AUTH):
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_every_route_for_every_role(users: Flask, role: str) -> None:
    client = users.test_client() if role == "anonymous" else login(users, role)
    token = csrf_token(client)
    unexpected = []
    for endpoint, method, path in web_routes(users):
        if endpoint == "auth.logout":
            continue  # it would end the walk; tested below
        if path == "/static/1":
            path = "/static/style.css"
        # With a valid CSRF token, so that the role check itself is what answers.
        response = client.open(path, method=method, base_url="https://line.example.org",
                               headers=REFERER,
                               data={"csrf_token": token} if method == "POST" else None)
        if response.status_code == 200 and endpoint not in ALLOWED[role]:
            unexpected.append(f"{method} {path} ({endpoint}) gave 200")
        if endpoint.startswith("operator.") and role != "operator":
            assert response.status_code in (302, 403), (method, path, response.status_code)
        if endpoint.startswith("admin.") and role != "admin":
            assert response.status_code in (302, 403), (method, path, response.status_code)
    assert not unexpected


def test_every_post_without_a_csrf_token_gets_400(users: Flask) -> None:
    client = login(users, "operator")
    posts = [(e, p) for e, m, p in web_routes(users) if m == "POST"]
    assert posts
    for endpoint, path in posts:
        response = client.post(path, base_url="https://line.example.org", data={},
                               headers=REFERER)
        assert response.status_code == 400, (endpoint, response.status_code)


def test_session_cookie_is_secure_httponly_samesite(users: Flask) -> None:
    client = users.test_client()
    token = csrf_token(client)
    response = client.post("/login", base_url="https://line.example.org", headers=REFERER,
                           data={"username": "operator", "password": PASSWORD,
                                 "csrf_token": token})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_unknown_user_look_the_same(users: Flask) -> None:
    client = users.test_client()
    answers = []
    for name in ("operator", "nobody"):
        token = csrf_token(client)
        form = {"username": name, "password": "wrong-password", "csrf_token": token}
        answers.append(client.post("/login", base_url="https://line.example.org",
                                   headers=REFERER, data=form).status_code)
    assert answers == [200, 200]


def test_login_attempts_are_rate_limited(users: Flask) -> None:
    client = users.test_client()
    token = csrf_token(client)
    codes = [client.post("/login", base_url="https://line.example.org", headers=REFERER,
                         data={"username": "operator", "password": "nope",
                               "csrf_token": token}).status_code for _ in range(12)]
    assert 429 in codes


def test_an_idle_session_expires(users: Flask) -> None:
    users.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    client = login(users, "operator")
    assert client.get("/operator/", base_url="https://line.example.org").status_code == 200
    time.sleep(2.1)
    assert client.get("/operator/", base_url="https://line.example.org").status_code == 302


def test_html_pages_carry_security_headers(users: Flask) -> None:
    response = users.test_client().get("/login", base_url="https://line.example.org")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_logout_ends_the_session(users: Flask) -> None:
    client = login(users, "operator")
    token = csrf_token(client, "/operator/")
    client.post("/logout", base_url="https://line.example.org", headers=REFERER,
                data={"csrf_token": token})
    assert client.get("/operator/", base_url="https://line.example.org").status_code == 302
