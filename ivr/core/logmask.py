"""No caller's phone number, name or token in the application's logs.

A log record factory masks every record when it is made, whichever logger or handler it goes
through (Flask's, gunicorn's, SQLAlchemy's), tracebacks included.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

_PHONE = re.compile(r"\+?\d[\d\- ]{5,}\d")
_TOKEN = re.compile(r"\b(st_[A-Za-z0-9_\-]{8,}|Bearer\s+\S+)")
_installed = False


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2})?")


def mask(text: str) -> str:
    """Keep the last three digits of every phone-like number; hide tokens entirely."""
    text = _TOKEN.sub("[token]", text)
    return _PHONE.sub(_masked, text)


def _masked(found: re.Match[str]) -> str:
    """Seven digits or more, and not a date, is taken for a phone number."""
    value = found.group()
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7 or _DATE.fullmatch(value):
        return value
    return "***" + digits[-3:]


def install() -> None:
    """Mask every log record of this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            record.msg = mask(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)))
        except Exception:  # a record that cannot be formatted is left for logging to report
            return record
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
