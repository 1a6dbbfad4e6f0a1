"""The demo's logins can be shown again: `flask demo --logins` gives them new passwords."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ivr.accounts.logins import create_user
from ivr.core.models import User


def test_demo_logins_get_new_passwords_that_work(app: Flask, demo: Any) -> None:
    with demo.sessions() as session:
        session.add(create_user("demo-admin", "old-password-1", "admin", name="Demo admin"))
        session.commit()

    result = app.test_cli_runner().invoke(args=["demo", "--logins"])

    assert result.exit_code == 0, result.output
    shown = dict(re.findall(r"login (demo-\w+) / (\S+)", result.output))
    assert set(shown) == {"demo-admin", "demo-operator", "demo-station"}
    with demo.sessions() as session:
        admin = session.scalars(select(User).where(User.username == "demo-admin")).one()
        assert check_password_hash(admin.password_hash, shown["demo-admin"])
        assert not check_password_hash(admin.password_hash, "old-password-1")
