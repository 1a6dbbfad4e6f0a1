"""Configuration read from the environment (CONTRACT §6) and checked at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Without these the service cannot check Twilio's signatures, sign sessions or reach a human.
REQUIRED = ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "DUTY_NUMBER")

_PHONE = re.compile(r"^\+?[0-9]{3,15}$")


class ConfigError(RuntimeError):
    """The configuration is missing a value or holds one that cannot work."""


def from_environ(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Read every setting the service knows from an environment mapping."""
    default_db = "sqlite:///" + os.path.join(instance_path, "service-line.sqlite3")
    duty = environ.get("DUTY_NUMBER", "")
    return {
        "DATABASE_URL": environ.get("DATABASE_URL") or default_db,
        # Webhooks that could not be written while the database was down wait here.
        "SPOOL_PATH": environ.get("SPOOL_PATH") or os.path.join(instance_path,
                                                                  "outage-spool.jsonl"),
        "TWILIO_AUTH_TOKEN": environ.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_ACCOUNT_SID": environ.get("TWILIO_ACCOUNT_SID", ""),
        "PUBLIC_BASE_URL": environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "TRUSTED_PROXY_HOPS": int(environ.get("TRUSTED_PROXY_HOPS", "0") or 0),
        "SECRET_KEY": environ.get("SECRET_KEY", ""),
        # Web sessions: Secure cookies unless explicitly turned off for plain-http development
        # on a host other than localhost; idle timeout in minutes.
        "SESSION_COOKIE_SECURE": environ.get("SESSION_COOKIE_SECURE", "1") not in ("0", "false"),
        "IDLE_MINUTES": int(environ.get("IDLE_MINUTES", "30") or 30),
        "DUTY_NUMBER": duty,
        # An emergency with no number of its own still reaches a person: the duty operator.
        "EMERGENCY_NUMBER": environ.get("EMERGENCY_NUMBER") or duty,
        # A caller with thoughts of suicide is put through to a person at once: this number.
        "CRISIS_NUMBER": environ.get("CRISIS_NUMBER") or duty,
        "TIMEZONE": environ.get("TIMEZONE", "Asia/Shanghai"),
        "VOICE_LANGUAGE": environ.get("VOICE_LANGUAGE", "cmn-CN"),
        "VOICE_NAME": environ.get("VOICE_NAME", "Polly.Zhiyu"),
        "SPEECH_LANGUAGE": environ.get("SPEECH_LANGUAGE", "cmn-Hans-CN"),
        "DIAL_TIMEOUT_S": int(environ.get("DIAL_TIMEOUT_S", "30") or 30),
        # Text messages: the number (or messaging service) they come from, and where the
        # REST API is (a fake one on loopback in tests).
        "TWILIO_SMS_FROM": environ.get("TWILIO_SMS_FROM", ""),
        "TWILIO_MESSAGING_SERVICE_SID": environ.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_API_BASE": environ.get("TWILIO_API_BASE", ""),
        "REFERRAL_DEADLINE_DAYS": int(environ.get("REFERRAL_DEADLINE_DAYS", "2") or 2),
        # Operators: their hours (OpenStreetMap syntax), how long a caller waits before being
        # offered a voice message or a call back, and the music while they wait.
        "OPERATOR_HOURS": environ.get("OPERATOR_HOURS", "Mo-Su 08:00-20:00"),
        "QUEUE_WAIT_LIMIT_S": int(environ.get("QUEUE_WAIT_LIMIT_S", "120") or 120),
        "HOLD_MUSIC_URL": environ.get(
            "HOLD_MUSIC_URL",
            "http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3"),
        # Put callers on file as elderly or disabled straight through to a person.
        "ELDERLY_DIRECT_TO_HUMAN": environ.get("ELDERLY_DIRECT_TO_HUMAN", "0").lower()
        in ("1", "true", "yes", "on"),
        # Caller ID is a hint: how a caller proves a file is theirs (pin, id4 or off).
        "CALLER_CHECK": environ.get("CALLER_CHECK", "pin").strip().lower() or "pin",
    }


def check(config: Mapping[str, Any], *, strict: bool) -> None:
    """Raise ConfigError naming every problem; `strict` requires the production secrets."""
    problems: list[str] = []
    if strict:
        problems += [f"{name} is not set" for name in REQUIRED if not config.get(name)]
    for name in ("DUTY_NUMBER", "EMERGENCY_NUMBER", "CRISIS_NUMBER"):
        value = config.get(name) or ""
        if value and not _PHONE.match(value):
            problems.append(f"{name} must be a phone number such as +8655112345 (got {value!r})")
    if str(config.get("CALLER_CHECK") or "pin") not in ("pin", "id4", "off"):
        problems.append("CALLER_CHECK must be pin, id4 or off "
                        f"(got {config.get('CALLER_CHECK')!r})")
    try:
        ZoneInfo(str(config.get("TIMEZONE")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE {config.get('TIMEZONE')!r} is not a known time zone")
    base = config.get("PUBLIC_BASE_URL") or ""
    if base and not base.startswith(("http://", "https://")):
        problems.append("PUBLIC_BASE_URL must start with https:// (or http:// for local use)")
    if problems:
        raise ConfigError(
            "The service cannot start: " + "; ".join(problems) + ". See README, Configuration."
        )
