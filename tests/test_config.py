import pytest

from ivr import create_app
from ivr.core.config import ConfigError

from .conftest import base_config


def test_missing_secrets_stop_the_start(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "DUTY_NUMBER", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ConfigError) as info:
        create_app()
    message = str(info.value)
    for name in ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "DUTY_NUMBER"):
        assert name in message


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    monkeypatch.setenv("SECRET_KEY", "sec")
    monkeypatch.setenv("DUTY_NUMBER", "+8655100000001")
    monkeypatch.delenv("EMERGENCY_NUMBER", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    app = create_app()
    assert app.config["TWILIO_AUTH_TOKEN"] == "tok"
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    # With no emergency number of its own, an emergency still reaches the duty operator.
    assert app.config["EMERGENCY_NUMBER"] == "+8655100000001"


def test_debug_and_testing_may_start_without_secrets(tmp_path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "TWILIO_AUTH_TOKEN": "", "SECRET_KEY": "", "DUTY_NUMBER": ""})
    assert app.testing


@pytest.mark.parametrize(
    ("name", "value"),
    [("DUTY_NUMBER", "call Mr Wang"), ("TIMEZONE", "Mars/Olympus"), ("PUBLIC_BASE_URL", "ftp://x")],
)
def test_bad_values_are_named(database_url: str, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        create_app(base_config(database_url, **{name: value}))
