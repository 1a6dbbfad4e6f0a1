"""The line as benchmarks run it: the real app with its wall clock fixed at a working-day
morning, so figures do not depend on the hour they were taken (after hours, routing also
works out when the closed providers open again)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ivr import create_app as create_line
from ivr.core import clock

WORKING_MORNING = datetime(2026, 11, 25, 10, 0)


def create_app() -> Flask:
    """The line, on a Wednesday at 10:00 in Hefei."""
    clock.local_now = lambda config: WORKING_MORNING
    return create_line()
