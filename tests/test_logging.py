"""Logs carry no phone numbers or tokens, whichever logger writes them."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from ivr.core.logmask import mask


def test_mask_hides_numbers_and_tokens() -> None:
    assert mask("call from +8613912345678 to 0551-63000001") == "call from ***678 to ***001"
    assert "st_" not in mask("token st_abcdefghijklmnop used")


def test_every_logger_is_masked(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("some.library").warning("resident +8613912345678 called")
    try:
        raise ValueError("phone +8613912345678")
    except ValueError:
        logging.getLogger("ivr.anything").exception("failed for 13912345678")
    text = " ".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "13912345678" not in text
    assert "***678" in text
