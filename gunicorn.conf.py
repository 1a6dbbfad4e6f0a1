"""gunicorn settings of the Procfile's web process: warm every worker before it takes calls."""

from __future__ import annotations

from typing import Any

worker_class = "gthread"
threads = 4
timeout = 15


def post_worker_init(worker: Any) -> None:
    """Load the sentence model, the emergency reader, the directory's matchers and
    pypinyin's dictionaries in each new worker, so its first caller waits for none of them."""
    app = worker.wsgi if hasattr(worker, "wsgi") else None
    if app is None:
        return
    from ivr.core.warm import warm

    warm(app)


def child_exit(server: Any, worker: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, forget a dead worker's live gauges."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
