"""Per-worker warm-up: what the first caller would otherwise wait for is loaded before."""

from __future__ import annotations

from flask import Flask

from dialogs.loader import load
from dialogs.prompts import catalog
from ivr.core.warm import warm


def test_warm_loads_the_dialog_and_both_prompt_catalogs() -> None:
    load.cache_clear()
    catalog.cache_clear()
    warm(Flask("not-the-line"))  # no database: only what every process needs
    assert load.cache_info().currsize == 1
    assert catalog.cache_info().currsize == 2
