"""Helpers of the page tests: logins in a browser and with the test client, axe-core, and
what a person actually reads on a page."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "bench" / "out"
HTTPS = "https://line.example.org"


def browser_login(page: Any, base: str, username: str, password: str, landing: str) -> None:
    """Log in through the login form and land on `landing`."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def axe_problems(page: Any) -> list[str]:
    """Serious or critical accessibility violations axe-core finds on the page."""
    if not AXE.exists():
        if os.environ.get("AXE_MISSING_OK"):
            return []
        pytest.fail("axe-core is missing: npm install axe-core (dev.py test and CI do)")
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate("""async () => (await axe.run()).violations
        .filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
    return found


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot in bench/out/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def client_login(app: Flask, username: str, password: str) -> FlaskClient:
    """A test client logged in (over the public HTTPS URL, as the cookies require)."""
    client = app.test_client()
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    answer = client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"},
                         data={"username": username, "password": password,
                               "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def visible_text(page: str) -> list[str]:
    """The text nodes a person reads (scripts, styles and attribute values left out)."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    return [html.unescape(t).strip() for t in re.split(r"<[^>]*>", body)
            if html.unescape(t).strip()]
