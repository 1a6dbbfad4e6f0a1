"""Observability: JSON event logs with personal data masked, /metrics, /readyz."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from directory.orm import utcnow
from ivr.core.db import Database
from ivr.core.logs import JsonFormatter
from ivr.core.models import OutboxMessage, WorkerHeartbeat
from ivr.residents import outbox
from ivr.tools.phone import FlaskTransport, Phone, ScriptedCaller
from ivr.worker import loop

from .conftest import PUBLIC, TOKEN

CALLER = "+8613912345678"


def samples(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_call_is_counted_and_logged_as_json_with_the_number_masked(
        app: Flask, demo: Database, caplog: pytest.LogCaptureFixture) -> None:
    before = samples(app)
    caplog.set_level(logging.INFO)
    caller = ScriptedCaller(["我想找人帮忙做饭", "包河区滨湖世纪社区", "2", "2"])
    Phone(FlaskTransport(app), TOKEN, PUBLIC, caller, from_number=CALLER).run()
    after = samples(app)
    assert value(after, "ivr_webhook_seconds_count", route="/voice") \
        == value(before, "ivr_webhook_seconds_count", route="/voice") + 1
    assert value(after, "ivr_webhook_seconds_count", route="/voice/turn") \
        >= value(before, "ivr_webhook_seconds_count", route="/voice/turn") + 3
    for slot in ("need", "place"):
        assert value(after, "ivr_understanding_decisions_total", slot=slot, decision="accept") \
            > value(before, "ivr_understanding_decisions_total", slot=slot, decision="accept")
    assert value(after, "ivr_understanding_decisions_total", slot="emergency", decision="none") \
        > value(before, "ivr_understanding_decisions_total", slot="emergency", decision="none")
    # The referral's two texts wait in the outbox; nobody is queued; nothing spooled.
    assert value(after, "ivr_outbox_backlog") == 2
    assert value(after, "ivr_queue_length") == 0
    assert value(after, "ivr_spool_size") == 0

    lines = [JsonFormatter().format(r) for r in caplog.records if getattr(r, "event", None)]
    events = [json.loads(line) for line in lines]
    names = [e["event"] for e in events]
    assert "call.started" in names and "referral.created" in names
    started = next(e for e in events if e["event"] == "call.started")
    assert started["call_sid"].startswith("CA") and started["route"] == "/voice"
    assert started["caller"] == "***678"
    assert all("\n" not in line and "13912345678" not in line for line in lines)


def test_an_emergency_is_logged_with_its_kind(app: Flask, demo: Database,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    Phone(FlaskTransport(app), TOKEN, PUBLIC, ScriptedCaller(["救命，我摔倒了"]),
          from_number=CALLER).run()
    emergencies = [r for r in caplog.records if getattr(r, "event", None) == "emergency"]
    assert len(emergencies) == 1
    record = json.loads(JsonFormatter().format(emergencies[0]))
    assert record["level"] == "warning" and record["channel"] == "voice"
    assert record["kind"] and record["conversation"]


def test_json_formatter_masks_fields_and_tracebacks() -> None:
    log = logging.getLogger("test.observability")
    try:
        raise RuntimeError("could not text +8613912345678")
    except RuntimeError:
        record = log.makeRecord(log.name, logging.ERROR, __file__, 1, "failed for %s",
                                ("0551-6310 0167",), sys.exc_info(),
                                extra={"event": "sms.failed", "to": "+8613912345678"})
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["event"] == "sms.failed" and data["to"] == "***678"
    assert "***167" in data["message"]
    assert "13912345678" not in line and "RuntimeError" in data["error"]


def test_readyz_wants_a_worker_heartbeat_and_an_outbox_that_keeps_up(
        app: Flask, demo: Database) -> None:
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert any("no worker has reported" in r for r in response.get_json()["reasons"])
    # The worker's round writes its heartbeat.
    with demo.sessions() as s:
        loop.run_once(s, app.config)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ready"] is True
    # A text message unsent for longer than READY_OUTBOX_AGE_S: not ready, and why.
    with demo.sessions() as s:
        outbox.enqueue(s, "+8613912345678", "测试", "test", None)
        s.flush()
        s.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(hours=1),
                                               next_attempt_at=utcnow() + timedelta(hours=1)))
        s.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["outbox"]["oldest_unsent_s"] >= 3600
    assert any("oldest unsent text message" in r for r in body["reasons"])
    # A worker that stopped beating.
    with demo.sessions() as s:
        s.execute(update(OutboxMessage).values(status="sent"))
        s.execute(update(WorkerHeartbeat).values(beat_at=utcnow() - timedelta(minutes=10)))
        s.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert any("heartbeat" in r for r in response.get_json()["reasons"])
    # Liveness does not care.
    assert client.get("/healthz").status_code == 200


def test_readyz_says_when_the_database_does_not_answer(tmp_path: Path) -> None:
    from ivr import create_app

    from .conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'missing' / 'no.sqlite3'}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_metrics_add_up_across_processes_with_a_multiprocess_directory(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from ivr.core import metrics; "
             "metrics.JOB_RUNS.labels(job='outbox', result='ok').inc()")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = ("from sqlalchemy.exc import OperationalError\n"
              "from ivr.core import metrics\n"
              "def down():\n    raise OperationalError('x', {}, Exception('down'))\n"
              f"print(metrics.exposition(down, {str(tmp_path / 'spool')!r})[0].decode())\n")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True,
                         capture_output=True, text=True).stdout
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for f in text_string_to_metric_families(out) for s in f.samples}
    assert found[("ivr_job_runs_total", (("job", "outbox"), ("result", "ok")))] == 2


def test_event_fields_are_masked_on_the_record_itself(caplog: pytest.LogCaptureFixture) -> None:
    from ivr.core import logs

    caplog.set_level(logging.INFO)
    logs.event(logging.getLogger("test.observability"), "sms.sent", to="+8613912345678",
               message="kept aside")
    record = caplog.records[-1]
    assert record.to == "***678"  # type: ignore[attr-defined]
    assert record.message_ == "kept aside"  # type: ignore[attr-defined]
