"""A logging filter that masks phone numbers, so no caller's number reaches the logs."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+?\d[\d\- ]{5,}\d")


def mask(text: str) -> str:
    """Keep the last three digits of every phone-like number and hide the rest."""
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group())[-3:], text)


class MaskPhones(logging.Filter):
    """Rewrite each record's message with phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the formatted message in place; never drops a record."""
        record.msg = mask(record.getMessage())
        record.args = None
        return True


def install(logger: logging.Logger) -> None:
    """Attach the mask to a logger's handlers and to the logger itself."""
    if not any(isinstance(f, MaskPhones) for f in logger.filters):
        logger.addFilter(MaskPhones())
    for handler in logger.handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
