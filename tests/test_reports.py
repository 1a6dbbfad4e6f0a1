"""Reports against generated contacts whose every figure is known in advance."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from statistics import mean
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert

from bench.generate import contacts, quarter_edge, row
from ivr.core.db import Database
from ivr.core.models import Conversation
from ivr.reports import figures

AREAS = ["340111400001", "340111400002", "340111001013", "340104005001"]


@pytest.fixture
def generated(app: Flask) -> list[dict[str, Any]]:
    rows = list(contacts(1200, seed=7, start=datetime(2026, 3, 1, tzinfo=UTC), days=61,
                         areas=AREAS))
    rng = random.Random(1)
    rows += [row(10_000 + i, at, rng, ["+8613900000001"], AREAS, "Asia/Shanghai")
             for i, at in enumerate(quarter_edge())]
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        s.execute(insert(Conversation), rows)
        s.commit()
        _referrals(s, rows)
    return rows


REFERRED_EVERY = 9
REFERRED: set[str] = set()


def _referrals(session: Any, rows: list[dict[str, Any]]) -> None:
    """Every ninth contact made a referral, dated like the contact (needs a directory)."""
    from sqlalchemy import select

    from directory.lexicon import categories
    from directory.models import Category, Division, Provider
    from ivr.core.models import Referral, Resident

    # Just the rows the referrals point at: the areas, the categories, one call center.
    for code in [*AREAS, "340111"]:
        session.add(Division(code=code, name=code, level=5 if len(code) == 12 else 3,
                             parent_code=None, aliases=[], reading=""))
    for c in categories():
        session.add(Category(code=c["code"], zh=c["zh"], en=c["en"], keywords=[]))
    session.add(Provider(id="dcc-340111", name="包河区社会服务呼叫中心",
                         kind="district_call_center", division_code="340111",
                         phone="+8655163000000"))
    session.flush()
    resident = Resident(phone="+8613900009999", name="测试", groups=[], needs=[])
    session.add(resident)
    session.flush()
    ids = {key: cid for cid, key in session.execute(select(Conversation.id, Conversation.key))}
    REFERRED.clear()
    for r in rows[::REFERRED_EVERY]:
        REFERRED.add(r["key"])
        session.add(Referral(resident_id=resident.id, conversation_id=ids[r["key"]],
                             category=r["category"], division_code=r["area_code"],
                             provider_id="dcc-340111", level="district_call_center",
                             deadline=r["local_date"], local_date=r["local_date"]))
    session.commit()


def expected(rows: list[dict[str, Any]], s: int = 5, t: int = 15) -> dict[str, Any]:
    handed = [r for r in rows if r["handed_off"]]
    answered = [r for r in handed if r["answered"]]
    abandoned = [r for r in handed if r["abandoned"]]
    short = [r for r in abandoned if r["wait_s"] < s]
    timely = [r for r in answered if r["wait_s"] <= t]
    base = len(handed) - len(short)
    return {
        "offered": len(rows), "ivr_handled": len(rows) - len(handed),
        "handed_off": len(handed), "answered": len(answered), "abandoned": len(abandoned),
        "short_abandoned": len(short), "emergencies": sum(r["emergency"] for r in rows),
        "answer_rate": round(len(answered) / len(handed), 4),
        "timely_answer_rate": round(len(timely) / len(answered), 4),
        "service_level": round(len(timely) / base, 4),
        "abandon_rate": round((len(abandoned) - len(short)) / base, 4),
        "asa": mean(r["wait_s"] for r in answered),
        "aht": mean(r["talk_s"] + r["wrap_s"] for r in answered),
        "containment": round(sum(1 for r in rows if not r["handed_off"]
                                 and not r["recontacted"]) / len(rows), 4),
        "referrals": sum(1 for r in rows if r["key"] in REFERRED),
    }


def check(totals: dict[str, Any], truth: dict[str, Any]) -> None:
    for name in ("referrals", "offered", "ivr_handled", "handed_off", "answered", "abandoned",
                 "short_abandoned", "emergencies", "answer_rate", "timely_answer_rate",
                 "service_level", "abandon_rate", "containment"):
        assert totals[name] == truth[name], name
    assert abs(totals["asa_s"] - truth["asa"]) < 0.1
    assert abs(totals["aht_s"] - truth["aht"]) < 0.1


def test_totals_match_the_known_truth(app: Flask, generated: list[dict[str, Any]]) -> None:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        report = figures.calls(s, date(2026, 1, 1), date(2026, 12, 31))
    check(report.totals, expected(generated))


def test_each_quarter_and_the_midnight_boundary(app: Flask,
                                                generated: list[dict[str, Any]]) -> None:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        by_quarter = figures.calls(s, date(2026, 1, 1), date(2026, 12, 31), "quarter")
        q1 = figures.calls(s, *figures.period("2026Q1"))
        q2 = figures.calls(s, *figures.period("2026Q2"))
    rows = {r["key"]: r for r in by_quarter.rows}
    for quarter, report in (("2026Q1", q1), ("2026Q2", q2)):
        truth = expected([r for r in generated if r["local_quarter"] == quarter])
        check(report.totals, truth)
        assert rows[quarter]["offered"] == truth["offered"]
    edge = [r for r in generated if r["key"].startswith("GEN00001")]
    assert [r["local_quarter"] for r in edge] == ["2026Q1", "2026Q2"]
    assert [str(r["local_date"]) for r in edge] == ["2026-03-31", "2026-04-01"]


@pytest.mark.parametrize("by", ["day", "hour", "township", "group", "channel", "category",
                                "operator", "week", "month", "village", "district"])
def test_rows_add_up_to_the_totals(app: Flask, generated: list[dict[str, Any]],
                                   by: str) -> None:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        report = figures.calls(s, date(2026, 1, 1), date(2026, 12, 31), by)
    for name in ("offered", "handed_off", "answered", "abandoned"):
        assert sum(r[name] for r in report.rows) == report.totals[name]


def test_staffing_uses_erlang_c(app: Flask, generated: list[dict[str, Any]]) -> None:
    assert abs(figures.erlang_c(2, 1.0) - 1 / 3) < 1e-9
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        report = figures.staffing(s, date(2026, 3, 1), date(2026, 4, 30))
    busiest = report.totals
    assert busiest["agents"] >= 1
    assert busiest["offered_per_day"] == max(r["offered_per_day"] for r in report.rows)


def test_cli_json_and_csv(app: Flask, generated: list[dict[str, Any]]) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "calls", "--from", "2026-03-01", "--to",
                                 "2026-04-30", "--by", "township", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"report", "from", "to", "by", "timezone", "rows", "totals"} <= set(doc)
    assert doc["timezone"] == "Asia/Shanghai" and doc["rows"][0]["key"]
    csv_out = runner.invoke(args=["report", "calls", "--quarter", "2026Q1", "--by", "hour",
                                  "--format", "csv"])
    assert csv_out.exit_code == 0 and "answer_rate = answered / handed_off" in csv_out.output
    for name in ("referrals", "staffing"):
        assert runner.invoke(args=["report", name, "--quarter", "2026Q1"]).exit_code == 0
    evidence = runner.invoke(args=["report", "evidence", "--level", "village", "--quarter",
                                   "2026Q1", "--format", "json"])
    assert evidence.exit_code == 0, evidence.output


def test_small_groups_are_hidden_in_exports(app: Flask) -> None:
    from ivr.reports.formats import to_csv

    report = figures.Report("calls", date(2026, 1, 1), date(2026, 1, 31), "village",
                              "Asia/Shanghai", {}, {},
                              rows=[{"key": "340111400001", "offered": 3, "answer_rate": 1.0}],
                              totals={"offered": 3})
    assert "<5" in to_csv(report) and ",3," not in to_csv(report)
