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


def _start(database_url: str, **settings: str) -> str:
    """The message a start with these settings stops with."""
    with pytest.raises(ConfigError) as info:
        create_app(base_config(database_url, **settings))
    return str(info.value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DIAL_TIMEOUT_S", "30s", "DIAL_TIMEOUT_S 应为整数秒 must be whole seconds, got '30s'"),
        ("QUEUE_WAIT_LIMIT_S", "2min", "QUEUE_WAIT_LIMIT_S 应为整数秒 must be whole seconds"),
        ("IDLE_MINUTES", "-5", "IDLE_MINUTES 应为整数分钟 must be whole minutes"),
        ("OPERATOR_HOURS", "8am to 8pm", "OPERATOR_HOURS 应为 OpenStreetMap 营业时间"),
        ("OPERATOR_HOURS", "Mo-Su 08:00-25:99", "must be opening hours in OpenStreetMap syntax"),
        ("EMERGENCY_NUMBER", "0551-12", "EMERGENCY_NUMBER 应为电话号码 must be a phone number"),
        ("HOLD_MUSIC_URL", "music.mp3", "HOLD_MUSIC_URL 应为网址 must be a URL"),
        ("TIMEZONE", "Hefei", "TIMEZONE 应为时区 must be a time zone such as Asia/Shanghai"),
        ("ELDERLY_DIRECT_TO_HUMAN", "maybe", "ELDERLY_DIRECT_TO_HUMAN 应为 1 或 0"),
        ("DATABASE_URL", "service.db", "DATABASE_URL 应为数据库地址"),
    ],
)
def test_each_kind_of_bad_setting_says_what_was_expected(database_url: str, name: str,
                                                          value: str, expected: str) -> None:
    message = _start(database_url, **{name: value})
    assert expected in message
    assert repr(value) in message


def test_every_problem_is_reported_in_one_message(database_url: str) -> None:
    message = _start(database_url, DIAL_TIMEOUT_S="30s", OPERATOR_HOURS="always",
                     DUTY_NUMBER="12", TIMEZONE="Mars/Olympus")
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert [line.split()[1] for line in lines] == ["DUTY_NUMBER", "TIMEZONE", "DIAL_TIMEOUT_S",
                                                   "OPERATOR_HOURS"]
    assert message.startswith("服务无法启动")


def test_production_names_every_missing_secret_and_bad_value_together(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "DUTY_NUMBER", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("DIAL_TIMEOUT_S", "30s")
    with pytest.raises(ConfigError) as info:
        create_app()
    message = str(info.value)
    assert "SECRET_KEY 未设置 is not set" in message
    assert "DIAL_TIMEOUT_S 应为整数秒" in message


def test_values_are_typed_once_numbers_kept_as_e164(monkeypatch: pytest.MonkeyPatch,
                                                    database_url: str) -> None:
    monkeypatch.setenv("DIAL_TIMEOUT_S", "45")
    monkeypatch.setenv("ELDERLY_DIRECT_TO_HUMAN", "yes")
    app = create_app(base_config(database_url, DUTY_NUMBER="0551-6310 0167",
                                 EMERGENCY_NUMBER="138 0000 0001"))
    assert app.config["DIAL_TIMEOUT_S"] == 45
    assert app.config["ELDERLY_DIRECT_TO_HUMAN"] is True
    assert app.config["DUTY_NUMBER"] == "+8655163100167"
    assert app.config["EMERGENCY_NUMBER"] == "+8613800000001"
    # Not set: the crisis line is the duty number, read the same way.
    assert app.config["CRISIS_NUMBER"] == "+8655163100167"


def test_one_declaration_per_setting() -> None:
    from ivr.core.config import SETTINGS

    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
