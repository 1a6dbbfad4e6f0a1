"""Logs carry no phone numbers or tokens, whichever logger writes them."""

from __future__ import annotations

import json
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


def test_a_failing_statement_logs_no_bound_value(app: Flask,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """hide_parameters: names and notes in a failed INSERT reach neither the log nor the error."""
    from sqlalchemy.exc import IntegrityError

    from ivr.core.models import Resident

    db = app.extensions["ivr.db"]
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    db.engine.echo = True  # the engine's own statement log, parameters and all
    try:
        with db.sessions() as s:
            s.add(Resident(phone="+8613700000001", name="赵秘密", notes="糖尿病 独居"))
            s.commit()
            s.add(Resident(phone="+8613700000001", name="钱秘密", notes="抑郁症"))
            with pytest.raises(IntegrityError) as failed:
                s.commit()
            logging.getLogger("ivr.test").error("insert failed: %s", failed.value)
    finally:
        db.engine.echo = False
    logged = " ".join(r.getMessage() for r in caplog.records) + str(failed.value)
    assert "INSERT INTO residents" in logged  # the statement is there ...
    for secret in ("钱秘密", "抑郁症", "赵秘密", "糖尿病"):
        assert secret not in logged  # ... its values are not
    assert "parameters hidden" in str(failed.value)


def test_a_field_named_level_does_not_overwrite_the_log_level() -> None:
    from ivr.core.logs import JsonFormatter, event

    records: list[logging.LogRecord] = []
    log = logging.getLogger("ivr.test.levels")
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log.addHandler(handler)
    try:
        event(log, "referral.created", level="provider", logger="x")
    finally:
        log.removeHandler(handler)
    line = json.loads(JsonFormatter().format(records[0]))
    assert (line["level"], line["logger"]) == ("info", "ivr.test.levels")
    assert (line["level_"], line["logger_"]) == ("provider", "x")
