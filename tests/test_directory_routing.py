"""Routing: the most local open provider with room, else station, center, call center."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from directory.importer import import_path
from directory.lexicon import CATEGORIES_FILE
from directory.models import Provider
from directory.routing import Route, RoutingError, route
from ivr.core.db import Database

from .test_directory_import import SMALL

VILLAGE = "340111400001"
OTHER_VILLAGE = "340111400002"
WORKDAY = datetime(2026, 11, 27, 10, 0)       # a Friday
EVENING = datetime(2026, 11, 27, 20, 0)
NATIONAL_DAY = datetime(2026, 10, 1, 10, 0)   # statutory holiday, a Thursday
MAKEUP_SATURDAY = datetime(2026, 10, 10, 15, 0)  # worked Saturday (调休)
SATURDAY = datetime(2026, 11, 28, 15, 0)

OFFICE = "Mo-Fr 08:30-17:30; PH off"


def entry(pid: str, kind: str, division: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "name": f"{pid} 名称", "kind": kind, "division": division,
            "phone": "+86551630" + str(abs(hash(pid)) % 100000).zfill(5),
            "categories": [], "serves": [division], **extra}


PROVIDERS = [
    entry("dcc", "district_call_center", "340111"),
    entry("tc", "township_center", "340111400", hours="Mo-Sa 08:00-18:00; PH off"),
    entry("vs", "village_station", VILLAGE, hours=OFFICE),
    entry("p-district", "provider", "340111", categories=["meal"], hours="Mo-Su 06:00-22:00"),
    entry("p-village", "provider", VILLAGE, categories=["meal"], hours=OFFICE, capacity=2),
    entry("p-bath", "provider", "340111400", categories=["bathing"],
          hours="Mo-Fr 09:00-17:00; PH 09:00-12:00"),
]


@pytest.fixture
def directory(app: Flask, tmp_path: Path) -> Database:
    db: Database = app.extensions["ivr.db"]
    (tmp_path / "d.csv").write_text(SMALL, encoding="utf-8")
    (tmp_path / "p.json").write_text(json.dumps({"providers": PROVIDERS}), encoding="utf-8")
    with db.sessions() as s:
        for path in (tmp_path / "d.csv", CATEGORIES_FILE, tmp_path / "p.json"):
            import_path(s, path)
        s.commit()
    return db


def go(db: Database, category: str, division: str, at: datetime) -> Route:
    with db.sessions() as s:
        return route(s, category, division, at, duty_phone="+8655163000000")


def test_most_local_provider_first(directory: Database) -> None:
    answer = go(directory, "meal", VILLAGE, WORKDAY)
    assert (answer.level, answer.id, answer.reason_code) == ("provider", "p-village", "served")


def test_wider_provider_when_the_local_one_is_closed(directory: Database) -> None:
    answer = go(directory, "meal", VILLAGE, EVENING)
    assert answer.id == "p-district"
    assert [s.id for s in answer.skipped] == ["p-village"]


def test_full_provider_is_passed_over(directory: Database) -> None:
    with directory.sessions() as s:
        s.execute(update(Provider).where(Provider.id == "p-village").values(open_cases=2))
        s.commit()
    answer = go(directory, "meal", VILLAGE, WORKDAY)
    assert answer.id == "p-district"
    assert answer.skipped[0].why == "full"


def test_no_provider_in_the_village_goes_to_the_village_station(directory: Database) -> None:
    answer = go(directory, "legal", VILLAGE, WORKDAY)
    assert (answer.level, answer.id, answer.reason_code) == (
        "village_station", "vs", "none_in_area")
    assert "no provider of legal" in answer.reason


def test_closed_station_goes_to_the_township_center(directory: Database) -> None:
    answer = go(directory, "legal", VILLAGE, SATURDAY)
    assert (answer.level, answer.id) == ("township_center", "tc")
    assert any(s.id == "vs" and s.why == "closed" for s in answer.skipped)


def test_village_without_station_goes_to_the_township_center(directory: Database) -> None:
    answer = go(directory, "legal", OTHER_VILLAGE, WORKDAY)
    assert (answer.level, answer.id) == ("township_center", "tc")


def test_everything_closed_goes_to_the_district_call_center(directory: Database) -> None:
    answer = go(directory, "legal", VILLAGE, NATIONAL_DAY)
    assert (answer.level, answer.id) == ("district_call_center", "dcc")


def test_without_a_call_center_the_duty_operator_answers(directory: Database) -> None:
    with directory.sessions() as s:
        s.delete(s.get(Provider, "dcc"))
        s.commit()
    answer = go(directory, "legal", VILLAGE, NATIONAL_DAY)
    assert (answer.level, answer.phone) == ("district_call_center", "+8655163000000")


def test_closed_answer_names_the_next_opening(directory: Database) -> None:
    answer = go(directory, "bathing", VILLAGE, EVENING)
    assert answer.level != "provider"
    assert answer.reason_code == "closed"
    assert answer.next_open == "2026-11-30T09:00"  # Monday morning


def test_public_holiday_rule(directory: Database) -> None:
    morning = go(directory, "bathing", VILLAGE, NATIONAL_DAY)
    assert morning.id == "p-bath"   # PH 09:00-12:00
    afternoon = go(directory, "bathing", VILLAGE, NATIONAL_DAY.replace(hour=14))
    assert afternoon.id != "p-bath"
    assert afternoon.next_open == "2026-10-02T09:00"


def test_holiday_closes_what_says_ph_off_and_not_the_rest(directory: Database) -> None:
    answer = go(directory, "meal", VILLAGE, NATIONAL_DAY)
    # p-village says "PH off"; p-district (Mo-Su, no PH rule) keeps its hours, as in OSM.
    assert answer.id == "p-district"
    assert answer.skipped[0].next_open == "2026-10-08T08:30"


def test_makeup_working_day_keeps_weekday_hours(directory: Database) -> None:
    assert go(directory, "meal", VILLAGE, MAKEUP_SATURDAY).id == "p-village"
    assert go(directory, "meal", VILLAGE, SATURDAY).id == "p-district"


def test_emergencies_go_to_a_person(directory: Database) -> None:
    answer = go(directory, "emergency", VILLAGE, WORKDAY)
    assert (answer.level, answer.reason_code) == ("district_call_center", "emergency")


def test_unknown_category_or_division(directory: Database) -> None:
    with pytest.raises(RoutingError):
        go(directory, "flying", VILLAGE, WORKDAY)
    with pytest.raises(RoutingError):
        go(directory, "meal", "340111999001", WORKDAY)


def test_cli_route_and_find_print_one_json_document(app: Flask, directory: Database) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["directory", "route", "--category", "meal", "--division",
                                 VILLAGE, "--at", "2026-11-27T10:00", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"id", "name", "phone", "level", "reason"} <= set(data)
    assert data["id"] == "p-village"
    found = runner.invoke(args=["directory", "find", "--json", "--within", "340111",
                                "我住在滨湖世纪社区，想找人送饭"])
    assert found.exit_code == 0, found.output
    doc = json.loads(found.output)
    assert doc["area"]["code"] == "340111400" and doc["area"]["decision"] == "accept"
    assert doc["category"]["code"] == "meal" and doc["category"]["decision"] == "accept"
    assert {"code", "score", "decision", "alternatives"} <= set(doc["category"])
