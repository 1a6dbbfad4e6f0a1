"""The login rate limit counted in Redis: one count for every host of the line.

Against the real Redis at REDIS_URL (default redis://127.0.0.1:6379/15); skipped, with the
reason, where it does not answer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from ivr import create_app
from tests.conftest import base_config
from tests.test_web_auth import REFERER, csrf_token

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis() -> object:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} does not answer: {error}")
    return client


@pytest.fixture
def prefix() -> Iterator[str]:
    client = _redis()
    name = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(f"*{name}*"):  # type: ignore[attr-defined]
        client.delete(key)  # type: ignore[attr-defined]


def _host(database_url: str, storage: str, prefix: str) -> Flask:
    """One host of the line, as a separate create_app makes it (its own limiter storage)."""
    return create_app(base_config(database_url, RATELIMIT_STORAGE_URI=storage,
                                  RATELIMIT_KEY_PREFIX=prefix))


def _attempts(app: Flask, n: int) -> list[int]:
    client = app.test_client()
    token = csrf_token(client)
    return [client.post("/login", base_url="https://line.example.org", headers=REFERER,
                        data={"username": "operator", "password": "wrong",
                              "csrf_token": token}).status_code for _ in range(n)]


@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_the_eleventh_login_attempt_is_refused_by_whichever_host_gets_it(
        database_url: str, prefix: str, storage: str) -> None:
    uri = REDIS_URL if storage == "redis" else "memory://"
    first = _host(database_url, uri, prefix)
    assert _attempts(first, 6) == [200] * 6
    # A second host: create_app gives the limiter a storage of its own, as another machine's
    # process has; only Redis carries the first host's six attempts over.
    second = _host(database_url, uri, prefix)
    codes = _attempts(second, 5)
    if storage == "redis":
        assert codes == [200, 200, 200, 200, 429]
    else:
        assert codes == [200] * 5  # per-process counts: the case RATELIMIT_STORAGE_URI fixes
    for app in (first, second):
        app.extensions["ivr.db"].dispose()
