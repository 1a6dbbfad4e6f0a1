"""A live server on loopback and Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser() -> None:
    """Skip where no Chromium is installed, unless CI says it must be there."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (CI installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed")


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port; yield its base URL (localhost: a secure context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def chromium(*, bypass_csp: bool = False) -> Iterator[Any]:
    """A headless Chromium page (bypass_csp only to inject axe-core for an audit)."""
    from playwright.sync_api import sync_playwright

    require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_context(locale="zh-CN", bypass_csp=bypass_csp).new_page()
            yield page
        finally:
            browser.close()
