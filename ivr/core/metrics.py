"""Prometheus metrics (`GET /metrics`), safe under gunicorn's several processes.

Counters and histograms are kept by the process that counts them; with
`PROMETHEUS_MULTIPROC_DIR` set (before the processes start) prometheus-client writes them to
files there and `/metrics` adds up every process's. Queue length, outbox backlog and spool size
are read from the database and the spool file when scraped, so every process answers the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from directory.orm import utcnow
from ivr.core.models import OutboxMessage, QueueEntry
from ivr.core.statuses import OutboxStatus, QueueStatus

WEBHOOK_SECONDS = Histogram(
    "ivr_webhook_seconds", "Time to answer a request, by route.", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
UNDERSTANDING = Counter(
    "ivr_understanding_decisions", "What the line decided about what a caller said.",
    ["slot", "decision"])
QUEUE_WAIT_SECONDS = Histogram(
    "ivr_queue_wait_seconds", "How long callers waited for a person (answered or not).",
    ["result"], buckets=(5, 15, 30, 60, 120, 300, 600))
JOB_RUNS = Counter("ivr_job_runs", "Rounds of the worker's jobs, by job and result.",
                   ["job", "result"])
SMS = Counter("ivr_sms", "Text messages the outbox tried to send, by result.", ["result"])

# Where a decision of the emergency assessment stands beside accept / confirm / none.
_ALARM_DECISIONS = {"clear": "accept", "uncertain": "confirm", "none": "none"}


def init_app(app: Flask) -> None:
    """Time every request by its route (the URL rule, so the labels stay few)."""

    @app.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _answered(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            WEBHOOK_SECONDS.labels(route=rule).observe(time.perf_counter() - started)
        return response


def understood(slot: str, decision: str) -> None:
    """Count one decision (need / place: accept, confirm, none; emergency: clear, uncertain...)."""
    if slot == "emergency":
        decision = _ALARM_DECISIONS.get(decision, decision)
    UNDERSTANDING.labels(slot=slot, decision=decision).inc()


class StateCollector(Collector):
    """Gauges read when scraped: the queue, the outbox, the spool."""

    def __init__(self, session_factory: Any, spool_path: str) -> None:
        self._sessions = session_factory
        self._spool = Path(spool_path)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Read the database and the spool file now."""
        spool_lines = 0
        if self._spool.exists():
            with self._spool.open("rb") as handle:
                spool_lines = sum(1 for _ in handle)
        yield GaugeMetricFamily("ivr_spool_size", "Webhooks kept while the database was down.",
                                value=spool_lines)
        try:
            with self._sessions() as session:
                waiting = session.scalar(select(func.count()).select_from(QueueEntry).where(
                    QueueEntry.status == QueueStatus.WAITING)) or 0
                backlog = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0
                oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
        except SQLAlchemyError:
            return  # /readyz says why; the scrape still answers
        yield GaugeMetricFamily("ivr_queue_length", "Callers waiting for a person now.",
                                value=waiting)
        yield GaugeMetricFamily("ivr_outbox_backlog", "Text messages not yet sent.",
                                value=backlog)
        yield GaugeMetricFamily("ivr_outbox_oldest_seconds",
                                "Age of the oldest text message not yet sent.",
                                value=age_s(oldest))


def age_s(at: datetime | None) -> float:
    """Seconds since `at` (naive values are UTC, as SQLite returns them); 0 for none."""
    if at is None:
        return 0.0
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (utcnow() - at).total_seconds())


def exposition(session_factory: Any, spool_path: str) -> tuple[bytes, str]:
    """The text of every metric, every process's when multiprocess, and its content type."""
    registry: CollectorRegistry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Process())
    registry.register(StateCollector(session_factory, spool_path))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Process(Collector):
    """This process's own counters and histograms (no multiprocess directory)."""

    def collect(self) -> Iterator[Any]:
        """Everything the default registry holds."""
        yield from REGISTRY.collect()
