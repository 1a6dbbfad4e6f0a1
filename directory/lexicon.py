"""The service categories shipped with the product, and the words that name each."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")
CATEGORIES_FILE = DATA / "categories.json"
HEFEI_DIVISIONS_FILE = DATA / "hefei_divisions.csv"
DEMO_DIRECTORY_FILE = DATA / "demo_directory.json"


@cache
def categories() -> list[dict[str, Any]]:
    """The shipped categories with their everyday keywords."""
    doc: dict[str, list[dict[str, Any]]] = json.loads(CATEGORIES_FILE.read_text("utf-8"))
    return doc["categories"]


@cache
def emergency_words() -> tuple[str, ...]:
    """Words that mean danger now (the emergency category's keywords)."""
    for category in categories():
        if category["code"] == "emergency":
            return tuple(category["keywords"])
    return ()
