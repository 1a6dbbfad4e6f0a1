"""Configuration read once from the environment (CONTRACT §6), typed and checked at start.

Each setting is one `Setting` in `SETTINGS`: its name, how its text is read (which also says
what was expected when it cannot be), its default and whether production needs it. `resolve`
reads them all and reports every problem together, so one start names every bad setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from directory import phones
from directory.hours import Hours, HoursError

VOICE_PROVIDERS = ("twilio", "somleng")
SMS_PROVIDERS = ("twilio", "somleng", "aliyun", "log")


class ConfigError(RuntimeError):
    """The configuration is missing a value or holds one that cannot work."""


class Invalid(ValueError):
    """A setting's text is not what it should be; the message says what was expected."""


# How a setting's text becomes its value. Each reader takes the raw value (text from the
# environment, or an already typed value from a test's configuration) and raises Invalid with
# what it expected, Mandarin first.
Reader = Callable[[Any], Any]


def text(value: Any) -> str:
    """Any text, as given."""
    return "" if value is None else str(value)


def _whole(value: Any, expected: str) -> int:
    if isinstance(value, bool):
        raise Invalid(expected)
    if isinstance(value, int):
        number = value
    else:
        raw = str(value).strip()
        if not raw.isascii() or not raw.isdigit():
            raise Invalid(expected)
        number = int(raw)
    if number < 0:
        raise Invalid(expected)
    return number


def seconds(value: Any) -> int:
    """Whole seconds: 30, not 30s."""
    return _whole(value, "应为整数秒 must be whole seconds")


def minutes(value: Any) -> int:
    """Whole minutes: 30, not 30m."""
    return _whole(value, "应为整数分钟 must be whole minutes")


def seconds_up_to(high: int) -> Reader:
    """Whole seconds, more than `high` read as `high` (a cap, not a mistake)."""

    def read(value: Any) -> int:
        return min(seconds(value), high)

    return read


def minutes_within(low: int, high: int) -> Reader:
    """Whole minutes from `low` to `high`."""

    def read(value: Any) -> int:
        number = _whole(value, f"应为 {low} 到 {high} 之间的整数分钟 must be whole minutes "
                               f"from {low} to {high}")
        if not low <= number <= high:
            raise Invalid(f"应为 {low} 到 {high} 之间的整数分钟 must be whole minutes "
                          f"from {low} to {high}")
        return number

    return read


def decimal_seconds(value: Any) -> float:
    """Seconds, fractions allowed: 2.5, not 2.5s."""
    if isinstance(value, bool):
        raise Invalid("应为秒数 must be seconds (2.5)")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("应为秒数 must be seconds (2.5)") from None
    if not 0 < number < 3600:
        raise Invalid("应为秒数 must be seconds (2.5)")
    return number


def count(value: Any) -> int:
    """A whole number, zero or more."""
    return _whole(value, "应为非负整数 must be a whole number (0, 1, 2 ...)")


def flag(value: Any) -> bool:
    """1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    raw = str(value).strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off", ""):
        return False
    raise Invalid("应为 1 或 0 must be 1 or 0 (true/false, yes/no, on/off)")


def choice(*allowed: str) -> Reader:
    """One of a few words."""

    def read(value: Any) -> str:
        raw = text(value).strip().lower()
        if raw not in allowed:
            raise Invalid(f"应为 {' / '.join(allowed)} 之一 must be one of {', '.join(allowed)}")
        return raw

    return read


def phone(value: Any) -> str:
    """A dialable number as people write it (0551-6310 0167, +8655163100167), kept as E.164."""
    raw = text(value).strip()
    if not raw:
        return ""
    parsed = phones.parse(raw)
    if parsed is None:
        raise Invalid("应为电话号码 must be a phone number such as +8655163100167 or "
                      "0551-6310 0167")
    return parsed


def hours(value: Any) -> str:
    """OpenStreetMap opening hours (Mo-Su 08:00-20:00), checked by opening-hours-py."""
    raw = text(value).strip()
    try:
        Hours(raw or None)
    except HoursError:
        raise Invalid("应为 OpenStreetMap 营业时间 must be opening hours in OpenStreetMap syntax "
                      "such as Mo-Fr 08:00-20:00; Sa 09:00-12:00") from None
    return raw


def url(value: Any) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    raw = text(value).strip().rstrip("/")
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("应为网址 must be a URL starting with https:// (or http:// for local use)")
    return raw


def zone(value: Any) -> str:
    """An IANA time zone such as Asia/Shanghai."""
    raw = text(value).strip()
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("应为时区 must be a time zone such as Asia/Shanghai") from None
    return raw


def database_url(value: Any) -> str:
    """An SQLAlchemy URL (sqlite:///..., postgresql+psycopg://...)."""
    raw = text(value).strip()
    if "://" not in raw:
        raise Invalid("应为数据库地址 must be an SQLAlchemy URL such as "
                      "postgresql+psycopg://user@host/db or sqlite:///path")
    return raw


# A default is a value, or a function of the settings read before it and the instance folder.
Default = Any | Callable[[Mapping[str, Any], str], Any]


@dataclass(frozen=True)
class Setting:
    """One setting: its name, how it is read, its default, and whether production needs it."""

    name: str
    read: Reader
    default: Default = ""
    required: bool = False

    def default_for(self, values: Mapping[str, Any], instance_path: str) -> Any:
        """The default, computed from the settings before it when it depends on them."""
        return self.default(values, instance_path) if callable(self.default) else self.default


def _in_instance(filename: str) -> Callable[[Mapping[str, Any], str], str]:
    return lambda _values, instance_path: os.path.join(instance_path, filename)


def _same_as(name: str) -> Callable[[Mapping[str, Any], str], Any]:
    return lambda values, _instance_path: values.get(name, "")


# In reading order: a default may name a setting above it.
SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", database_url,
            lambda _v, path: "sqlite:///" + os.path.join(path, "service-line.sqlite3")),
    # Webhooks that could not be written while the database was down wait here.
    Setting("SPOOL_PATH", text, _in_instance("outage-spool.jsonl")),
    # Without these three the service cannot check Twilio's signatures, sign sessions or
    # reach a human.
    Setting("TWILIO_AUTH_TOKEN", text, required=True),
    Setting("SECRET_KEY", text, required=True),
    Setting("DUTY_NUMBER", phone, required=True),
    # An emergency with no number of its own still reaches a person: the duty operator; so
    # does a caller with thoughts of suicide.
    Setting("EMERGENCY_NUMBER", phone, _same_as("DUTY_NUMBER")),
    Setting("CRISIS_NUMBER", phone, _same_as("DUTY_NUMBER")),
    Setting("TWILIO_ACCOUNT_SID", text),
    Setting("PUBLIC_BASE_URL", url),
    Setting("TRUSTED_PROXY_HOPS", count, 0),
    # The login and chat rate limits' counts (Flask-Limiter): memory:// counts per process;
    # redis://host:6379/0 shares them between every process and host.
    Setting("RATELIMIT_STORAGE_URI", text, "memory://"),
    # Web sessions: Secure cookies unless turned off for plain-http development on a host
    # other than localhost; the idle timeout.
    Setting("SESSION_COOKIE_SECURE", flag, True),
    Setting("IDLE_MINUTES", minutes, 30),
    # However active, a session ends this many hours after its login.
    Setting("SESSION_MAX_HOURS", count, 12),
    Setting("TIMEZONE", zone, "Asia/Shanghai"),
    Setting("VOICE_LANGUAGE", text, "cmn-CN"),
    Setting("VOICE_NAME", text, "Polly.Zhiyu"),
    Setting("SPEECH_LANGUAGE", text, "cmn-Hans-CN"),
    Setting("DIAL_TIMEOUT_S", seconds, 30),
    # Text messages: the number (or messaging service) they come from, and where the REST API
    # is (a fake one on loopback in tests).
    Setting("TWILIO_SMS_FROM", text),
    Setting("TWILIO_MESSAGING_SERVICE_SID", text),
    Setting("TWILIO_API_BASE", url),
    # Where the line runs (issue 17): the voice provider whose webhooks come in, and the SMS
    # provider the worker sends through (`log`: development, messages to the log).
    Setting("VOICE_PROVIDER", choice(*VOICE_PROVIDERS), "twilio"),
    Setting("SMS_PROVIDER", choice(*SMS_PROVIDERS), "twilio"),
    Setting("SOMLENG_AUTH_TOKEN", text),
    Setting("SOMLENG_ACCOUNT_SID", text),
    Setting("SOMLENG_API_BASE", url),
    Setting("SOMLENG_SMS_FROM", text),
    Setting("ALIYUN_ACCESS_KEY_ID", text),
    Setting("ALIYUN_ACCESS_KEY_SECRET", text),
    Setting("ALIYUN_SMS_SIGN_NAME", text),
    Setting("ALIYUN_SMS_TEMPLATES", text),
    Setting("ALIYUN_API_BASE", url),
    # The wait for a person is a loop of short segments, so a free operator is noticed within
    # one segment (at most 10 s), whatever the hold music.
    Setting("HOLD_SEGMENT_S", seconds_up_to(10), 8),
    # An emergency task must be taken up by an operator within these minutes.
    Setting("EMERGENCY_TASK_MINUTES", minutes_within(1, 120), 5),
    Setting("REFERRAL_DEADLINE_DAYS", count, 2),
    # The whole-send deadline of one text message; how long a webhook waits for SQLite's
    # writer before it answers with the duty number; what the retention job keeps (days).
    Setting("SMS_SEND_DEADLINE_S", decimal_seconds, 10.0),
    Setting("SQLITE_WRITER_WAIT_S", decimal_seconds, 2.5),
    Setting("RETENTION_TRANSCRIPTS_DAYS", count, 180),
    Setting("RETENTION_RECORDINGS_DAYS", count, 90),
    Setting("RETENTION_AUDIT_DAYS", count, 1095),
    Setting("RETENTION_OUTBOX_DAYS", count, 90),
    # Operators: their hours, how long a caller waits before being offered a voice message or
    # a call back, and the music while they wait.
    Setting("OPERATOR_HOURS", hours, "Mo-Su 08:00-20:00"),
    Setting("QUEUE_WAIT_LIMIT_S", seconds, 120),
    # How often the console fetches the live part of its page again.
    Setting("OPERATOR_REFRESH_S", seconds, 5),
    # A short clip (no longer than HOLD_SEGMENT_S) played in each segment of the wait; empty:
    # a pause. A whole music track would keep a free operator waiting.
    Setting("HOLD_MUSIC_URL", url, ""),
    # Care calls (issue 20): at most this many placed a minute, the tries of one due call and
    # the minutes between them, when to call a plan without hours of its own, the number they
    # come from, and how soon an operator must take up an alert.
    Setting("CARE_CALLS_PER_MINUTE", count, 6),
    Setting("CARE_TRIES", count, 3),
    Setting("CARE_RETRY_MINUTES", minutes_within(1, 240), 20),
    Setting("CARE_HOURS", hours, "Mo-Su 09:00-11:30,15:00-17:30"),
    Setting("CARE_FROM", phone, ""),
    Setting("CARE_ALERT_MINUTES", minutes_within(5, 1440), 60),
    # Put callers on file as elderly or disabled straight through to a person.
    Setting("ELDERLY_DIRECT_TO_HUMAN", flag, False),
    # Caller ID is a hint: how a caller proves a file is theirs (pin, id4 or off).
    Setting("CALLER_CHECK", choice("pin", "id4", "off"), "pin"),
    # /readyz: the oldest unsent text may wait this long, the worker's heartbeat be this old.
    Setting("READY_OUTBOX_AGE_S", seconds, 600),
    Setting("READY_HEARTBEAT_AGE_S", seconds, 60),
    # Logs: one JSON object a line (json), plain lines (text), or text on a terminal (auto).
    Setting("LOG_FORMAT", choice("auto", "json", "text"), "auto"),
)

REQUIRED = tuple(s.name for s in SETTINGS if s.required)


def resolve(raw: Mapping[str, Any], instance_path: str, *,
            strict: bool) -> tuple[dict[str, Any], list[str]]:
    """Every setting's value from `raw`, and every problem found (`strict`: production)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        given = raw.get(setting.name)
        if given is None or (isinstance(given, str) and not given.strip()):
            if setting.required and strict and not _stands_in(setting.name, raw):
                problems.append(f"{setting.name} 未设置 is not set")
            values[setting.name] = setting.default_for(values, instance_path)
            continue
        try:
            values[setting.name] = setting.read(given)
        except Invalid as error:
            problems.append(f"{setting.name} {error}, got {given!r}")
            values[setting.name] = setting.default_for(values, instance_path)
    if strict and values.get("SMS_PROVIDER") == "aliyun":
        problems += [f"{name} 未设置 is not set" for name in _ALIYUN_REQUIRED
                     if not values.get(name)]
    return values, problems


# Sending through Aliyun needs its keys and the signature its templates are approved under.
_ALIYUN_REQUIRED = ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME")


def _stands_in(name: str, raw: Mapping[str, Any]) -> bool:
    """Whether another setting stands in for a required one: Somleng's webhooks are signed with
    its own token, so with VOICE_PROVIDER=somleng SOMLENG_AUTH_TOKEN may replace Twilio's."""
    if name != "TWILIO_AUTH_TOKEN":
        return False
    voice = text(raw.get("VOICE_PROVIDER")).strip().lower()
    return voice == "somleng" and bool(text(raw.get("SOMLENG_AUTH_TOKEN")).strip())


def failure(problems: list[str]) -> ConfigError:
    """One message naming every problem."""
    return ConfigError("服务无法启动，请检查这些设置 The service cannot start; check these "
                       "settings:\n  - " + "\n  - ".join(problems) + "\n(README, Configuration)")


def from_environ(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Every setting's value from an environment mapping (problems are `check`'s to report)."""
    return resolve(environ, instance_path, strict=False)[0]


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None, instance_path: str,
         *, strict: bool) -> dict[str, Any]:
    """The settings of the environment with `overrides` on top; ConfigError names each problem."""
    raw: dict[str, Any] = {s.name: environ.get(s.name) for s in SETTINGS}
    raw.update({k: v for k, v in (overrides or {}).items() if k in raw})
    values, problems = resolve(raw, instance_path, strict=strict)
    if problems:
        raise failure(problems)
    return values


def check(config: Mapping[str, Any], *, strict: bool) -> None:
    """Raise ConfigError naming every problem of an already assembled configuration."""
    problems = resolve(config, "", strict=strict)[1]
    if problems:
        raise failure(problems)
