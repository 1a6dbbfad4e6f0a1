"""Directory imports: validated whole, all or nothing, idempotent, every bad line named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from directory.importer import DirectoryImportError, import_path
from directory.lexicon import CATEGORIES_FILE, DEMO_DIRECTORY_FILE, HEFEI_DIVISIONS_FILE
from directory.models import Category, Division, Provider, ProviderArea, ProviderCategory
from ivr.core.db import Database

HEADER = "level,code,name,parent_code\n"
SMALL = HEADER + "3,340111,包河区,3401\n4,340111400,滨湖世纪社区,340111\n" \
    "5,340111400001,琼临居民委员会,340111400\n5,340111400002,云谷社区居民委员会,340111400\n"


def counts(app: Flask) -> tuple[int, ...]:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Division, Category, Provider, ProviderArea, ProviderCategory))


def load(app: Flask, path: Path | str) -> str:
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        report = import_path(s, path)
        s.commit()
    return report.summary()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_hefei_divisions_import_once_then_change_nothing(app: Flask) -> None:
    first = load(app, HEFEI_DIVISIONS_FILE)
    assert "1946 added" in first
    second = load(app, HEFEI_DIVISIONS_FILE)
    assert "0 added, 0 updated, 1946 unchanged" in second
    assert counts(app)[0] == 1946


def test_demo_directory_imports_and_is_idempotent(app: Flask) -> None:
    for path in (HEFEI_DIVISIONS_FILE, CATEGORIES_FILE, DEMO_DIRECTORY_FILE):
        load(app, path)
    before = counts(app)
    for path in (HEFEI_DIVISIONS_FILE, CATEGORIES_FILE, DEMO_DIRECTORY_FILE):
        assert "0 added, 0 updated" in load(app, path)
    assert counts(app) == before
    assert before[2] >= 300


BAD_CSV = {
    "header": ("code,name\n340111,包河区\n", "line 1"),
    "level": (HEADER + "7,340111,包河区,3401\n", "line 2"),
    "code length": (HEADER + "3,34011,包河区,3401\n", "line 2"),
    "wrong parent": (SMALL + "5,340111400003,某社区,340111401\n", "line 6"),
    "missing parent": (SMALL + "5,340111401001,某社区,340111401\n", "line 6"),
    "duplicate": (SMALL + "5,340111400001,又一个,340111400\n", "line 6"),
    "empty name": (SMALL + "5,340111400009,,340111400\n", "line 6"),
    "field count": (SMALL + "5,340111400009\n", "line 6"),
}


@pytest.mark.parametrize("kind", sorted(BAD_CSV))
def test_bad_csv_names_its_line_and_changes_nothing(app: Flask, tmp_path: Path,
                                                    kind: str) -> None:
    load(app, write(tmp_path, "ok.csv", SMALL))
    before = counts(app)
    text, where = BAD_CSV[kind]
    with pytest.raises(DirectoryImportError) as info:
        load(app, write(tmp_path, "bad.csv", text.replace("包河区", "包河区改") + ""))
    assert where in str(info.value)
    assert "nothing was imported" in str(info.value)
    assert counts(app) == before


def test_non_utf8_file_is_refused(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "3,340111,包河区,3401\n").encode("gbk"))
    with pytest.raises(DirectoryImportError, match="UTF-8"):
        load(app, path)


PROVIDER = {"id": "p-1", "name": "滨湖助餐点", "kind": "provider", "division": "340111400",
            "phone": "+8655163000001", "categories": ["meal"], "serves": ["340111400"],
            "hours": "Mo-Fr 08:30-17:30", "capacity": 40}
BAD_JSON = {
    "syntax": ('{"providers": [\n  {"id": "p-1",,}\n]}', "line 2"),
    "unknown category": ({"providers": [{**PROVIDER, "categories": ["flying"]}]}, "providers[0]"),
    "phone": ({"providers": [{**PROVIDER, "phone": "63000001"}]}, "phone"),
    "hours": ({"providers": [{**PROVIDER, "hours": "Mo-Fr 8-"}]}, "hours"),
    "kind": ({"providers": [{**PROVIDER, "kind": "shop"}]}, "kind"),
    "division": ({"providers": [{**PROVIDER, "serves": ["340111999"]}]}, "340111999"),
    "capacity": ({"providers": [{**PROVIDER, "capacity": -1}]}, "capacity"),
    "duplicate id": ({"providers": [PROVIDER, PROVIDER]}, "appears twice"),
    "two stations": ({"providers": [
        {**PROVIDER, "id": "vs-a", "kind": "village_station", "division": "340111400001"},
        {**PROVIDER, "id": "vs-b", "kind": "village_station", "division": "340111400001"},
    ]}, "already has village_station"),
    "section": ({"shops": []}, "unknown section"),
    "category code": ({"categories": [{"code": "Meal Help", "zh": "x", "en": "y"}]},
                      "categories[0]"),
}


@pytest.mark.parametrize("kind", sorted(BAD_JSON))
def test_bad_json_names_its_item_and_changes_nothing(app: Flask, tmp_path: Path,
                                                     kind: str) -> None:
    load(app, write(tmp_path, "ok.csv", SMALL))
    load(app, CATEGORIES_FILE)
    before = counts(app)
    doc, where = BAD_JSON[kind]
    text = doc if isinstance(doc, str) else json.dumps(
        {"divisions": [{"code": "340111", "name": "包河区改", "level": 3,
                        "parent_code": "3401"}], **doc}, ensure_ascii=False)
    with pytest.raises(DirectoryImportError) as info:
        load(app, write(tmp_path, "bad.json", text))
    assert where in str(info.value)
    assert counts(app) == before
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        assert s.get(Division, "340111").name == "包河区"  # type: ignore[union-attr]


def test_provider_update_replaces_categories_and_areas(app: Flask, tmp_path: Path) -> None:
    load(app, write(tmp_path, "ok.csv", SMALL))
    load(app, CATEGORIES_FILE)
    load(app, write(tmp_path, "a.json", json.dumps({"providers": [PROVIDER]})))
    changed = {**PROVIDER, "categories": ["meal", "cleaning"], "serves": ["340111400001"]}
    assert "1 updated" in load(app, write(tmp_path, "b.json", json.dumps({"providers": [changed]})))
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        row = s.get(Provider, "p-1")
        assert row is not None
        assert row.category_codes == ["cleaning", "meal"]
        assert row.serve_codes == ["340111400001"]


def test_cli_import_reports_errors_cleanly(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    bad = write(tmp_path, "bad.csv", HEADER + "3,34011,包河区,3401\n")
    result = runner.invoke(args=["directory", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in result.output
    ok = runner.invoke(args=["directory", "import", str(write(tmp_path, "ok.csv", SMALL))])
    assert ok.exit_code == 0, ok.output
    assert "4 added" in ok.output


@pytest.mark.parametrize(("written", "stored"), [
    ("0551-6310 0167", "+8655163100167"), ("055163100167", "+8655163100167"),
    ("138 0000 0001", "+8613800000001"), ("+8655163100167", "+8655163100167")])
def test_provider_numbers_are_read_as_people_write_them(app: Flask, tmp_path: Path,
                                                       written: str, stored: str) -> None:
    load(app, write(tmp_path, "d.csv", SMALL))
    load(app, CATEGORIES_FILE)
    directory = {"providers": [{"id": "p-1", "name": "助餐点", "division": "340111400",
                                "phone": written, "categories": ["meal"],
                                "serves": ["340111400"]}]}
    load(app, write(tmp_path, "p.json", json.dumps(directory, ensure_ascii=False)))
    db: Database = app.extensions["ivr.db"]
    with db.sessions() as s:
        row = s.get(Provider, "p-1")
        assert row is not None and row.phone == stored


def test_a_provider_number_that_cannot_be_dialled_is_named(app: Flask, tmp_path: Path) -> None:
    load(app, write(tmp_path, "d.csv", SMALL))
    load(app, CATEGORIES_FILE)
    directory = {"providers": [{"id": "p-1", "name": "助餐点", "division": "340111400",
                                "phone": "0551-12", "categories": ["meal"],
                                "serves": ["340111400"]}]}
    with pytest.raises(DirectoryImportError, match=r"providers\[0\].*phone '0551-12' is not a "
                       "dialable number"):
        load(app, write(tmp_path, "p.json", json.dumps(directory, ensure_ascii=False)))


def test_a_fresh_database_knows_the_standard_categories(tmp_path: Path) -> None:
    """`db upgrade` alone is enough for an operator's own providers file (no demo)."""
    from ivr import create_app
    from ivr.core import migrate

    from .conftest import base_config

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app(base_config(url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    standard = json.loads(CATEGORIES_FILE.read_text("utf-8"))["categories"]
    assert counts(app)[1] == len(standard)
    # Idempotent: down past the seeding and up again neither doubles nor loses a category.
    migrate.downgrade(url, "alone_1")
    migrate.upgrade(url)
    assert counts(app)[1] == len(standard)
    own = {"divisions": [{"code": "340111", "name": "包河区", "level": 3, "parent_code": "3401"},
                         {"code": "340111400", "name": "滨湖世纪社区", "level": 4,
                          "parent_code": "340111"}],
           "providers": [{"id": "p-own", "name": "滨湖世纪社区助餐点", "division": "340111400",
                          "phone": "0551-6310 0167", "categories": ["meal", "cleaning"],
                          "serves": ["340111400"], "hours": "Mo-Fr 08:30-17:30"}]}
    path = write(tmp_path, "my-providers.json", json.dumps(own, ensure_ascii=False))
    result = runner.invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "providers: 1 added" in result.output
    app.extensions["ivr.db"].dispose()
