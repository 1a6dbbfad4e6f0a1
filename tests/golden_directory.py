"""A fixed directory for golden transcripts: the real matchers over Hefei's real names,
with routing answers written down so that transcripts do not change with the demo data."""

from __future__ import annotations

import csv
from functools import cache

from dialogs.services import OpenRequest, PlaceChoice, RouteAnswer
from directory.lexicon import HEFEI_DIVISIONS_FILE, categories
from directory.names import english, reading, spoken
from directory.understanding import (
    CategoryRow,
    DivisionRow,
    NeedMatcher,
    PlaceMatcher,
    Understood,
)
from ivr.conversations.directory_view import place_choice

ROUTES = {
    "meal": RouteAnswer("p-meal", "滨湖世纪社区老年食堂", "+8655163000001", "provider", "served"),
    "bathing": RouteAnswer("tc-1", "滨湖世纪社会服务中心", "+8655163000002", "township_center",
                           "closed", "2026-11-30T09:00"),
    "legal": RouteAnswer("vs-1", "琼临社区社会服务站", "+8655163000003", "village_station",
                         "none_in_area"),
    # Every cleaning provider closed at this hour: the district's staff, with the next opening.
    "cleaning": RouteAnswer("dcc", "包河区社会服务呼叫中心", "+8655163000000",
                            "district_call_center", "closed", "2026-11-30T09:00"),
}
CALL_CENTER = RouteAnswer("dcc", "包河区社会服务呼叫中心", "+8655163000000",
                          "district_call_center", "none_in_area")


@cache
def _matchers() -> tuple[PlaceMatcher, NeedMatcher, dict[str, dict[str, str]]]:
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    places = PlaceMatcher(DivisionRow(r["code"], r["name"], int(r["level"]), reading(r["name"]))
                          for r in rows)
    needs = NeedMatcher(CategoryRow(c["code"], c["zh"], tuple(c["keywords"]))
                        for c in categories())
    return places, needs, {r["code"]: r for r in rows}


class GoldenDirectory:
    """dialogs.services.Directory for transcripts."""

    def __init__(self, requests: list[dict[str, str]] | None = None) -> None:
        self.requests = [OpenRequest(**r) for r in requests or []]

    def understand_need(self, text: str) -> Understood:
        return _matchers()[1].find(text)

    def understand_place(self, text: str, within: str | None) -> Understood:
        return _matchers()[0].find(text, within=within)

    def need_name(self, code: str, language: str) -> str:
        for category in categories():
            if category["code"] == code:
                return str(category["en" if language == "en" else "zh"])
        return code

    def place_name(self, code: str, language: str = "zh-CN") -> str:
        rows = _matchers()[2]
        parts = spoken(rows[code]["name"])
        district = rows.get(code[:6]) if len(code) > 6 else None
        if language == "en":
            mine = english(rows[code]["name"])
            return f"{mine}, {english(district['name'])}" if district else mine
        prefix = district["name"] if district else ""
        return prefix + parts.core + parts.kind

    def route(self, need: str, division: str) -> RouteAnswer:
        return ROUTES.get(need, CALL_CENTER)

    def open_requests(self) -> list[OpenRequest]:
        return self.requests

    def check_caller(self, kind: str, entry: str) -> bool:
        # The transcripts' caller has the PIN 4821, or the ID card ending 123X.
        return entry == {"pin": "4821", "id4": "123X"}.get(kind)

    def hints(self, understand: str, within: str | None) -> tuple[str, ...]:
        return ("送饭", "助餐") if understand == "need" else ("滨湖世纪社区",)

    def place_choices(self, parent: str | None) -> list[PlaceChoice]:
        rows = _matchers()[2]
        parent = parent or "3401"
        return [place_choice(r["code"], r["name"], int(r["level"]))
                for r in sorted(rows.values(), key=lambda r: r["code"])
                if r["parent_code"] == parent]
