"""Logs: one JSON object a line for the events that matter, personal data masked.

`event(log, "call.started", call_sid=...)` writes one record whose fields travel in `extra`;
`JsonFormatter` puts them beside the time, level, logger and the request's route, each value
masked by `logmask` (a phone number keeps its last three digits, tokens vanish).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request

from ivr.core import logmask

# Attributes every LogRecord has; anything else on a record came in through `extra`. The
# line's own keys (ts, level, logger, error) are reserved too: a field named `level` (a
# referral's) once overwrote the log level.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "ts", "level", "logger", "error"}
_HANDLER_NAME = "ivr-events"


def event(log: logging.Logger, name: str, *, severity: int = logging.INFO,
          **fields: Any) -> None:
    """Log the event `name` with its fields (call_sid, conversation, referral, outcome...)."""
    # A field named like a LogRecord attribute would be refused by logging: keep it aside.
    # Masked here, so no handler (ours, gunicorn's, any other) ever holds the raw value.
    extra = {(f"{k}_" if k in _STANDARD else k): _masked(v) for k, v in fields.items()}
    if has_request_context():
        extra.setdefault("route", request.path)
    log.log(severity, name, extra={"event": name, **extra})


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return logmask.mask(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return logmask.mask(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, event, message, route and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, every value masked."""
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", None) or "log",
            "message": logmask.mask(record.getMessage()),
        }
        if has_request_context() and not hasattr(record, "route"):
            data["route"] = request.path
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "event":
                data[key] = _masked(value)
        if record.exc_info:
            data["error"] = logmask.mask(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(JsonFormatter):
    """The same fields as one readable line, for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        """time level logger message key=value ..."""
        data = json.loads(super().format(record))
        head = f"{data.pop('ts')} {data.pop('level').upper():7} {data.pop('logger')}"
        data.pop("event")
        message = data.pop("message")
        error = data.pop("error", None)
        rest = " ".join(f"{k}={v}" for k, v in data.items())
        return " ".join(p for p in (head, message, rest) if p) + (f"\n{error}" if error else "")


def install(fmt: str) -> None:
    """Write this process's logs to standard error: `json` lines, `text` lines, or `auto`
    (text on a terminal, JSON otherwise); idempotent."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    if fmt == "auto":
        fmt = "text" if sys.stderr.isatty() else "json"
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    # The line's own events at INFO; other libraries (Alembic, SQLAlchemy) keep their WARNING.
    ours = logging.getLogger("ivr")
    if ours.level == logging.NOTSET or ours.level > logging.INFO:
        ours.setLevel(logging.INFO)
