"""The line, for the worker-kill test: a request carrying X-Test-Die kills its own worker.

`before-commit` dies with the turn's writes (the referral among them) flushed but not
committed; `after-commit` dies once they are committed, before the answer is sent. Either way
the process ends at once, as with SIGKILL, and gunicorn starts a new worker. Twilio signs the
URL and the form, not the headers, so the retry is the same signed request without the header.
"""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request
from sqlalchemy.orm import Session

from ivr import create_app as create_line
from ivr.core import clock
from tests.conftest import OFFICE_HOURS

HEADER = "X-Test-Die"


def create_app() -> Flask:
    """The line with the die-on-request hook and the tests' fixed clock."""
    commit = Session.commit

    def commit_or_die(self: Session) -> None:
        when = request.headers.get(HEADER) if has_request_context() else None
        if when == "before-commit":
            os._exit(1)
        commit(self)
        if when == "after-commit":
            os._exit(1)

    Session.commit = commit_or_die  # type: ignore[method-assign]
    clock.local_now = lambda config: OFFICE_HOURS
    return create_line()
