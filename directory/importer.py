"""Load divisions (CSV) and directory files (JSON): validated whole, written all or nothing.

Functions here take a session and never commit: the caller commits once when no error was
found, so a bad file changes nothing. Importing the same file twice changes nothing either.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from directory import names, phones
from directory.hours import HoursError, parse
from directory.models import (
    CODE_LENGTH,
    KINDS,
    Category,
    DirectoryVersion,
    Division,
    Provider,
    ProviderArea,
    ProviderCategory,
)
from directory.orm import utcnow

CSV_HEADER = ["level", "code", "name", "parent_code"]
CHUNK = 5000
# Errors listed before the import gives up reading further.
MAX_ERRORS = 50


class DirectoryImportError(ValueError):
    """A file that cannot be imported; `problems` name each bad line or item."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:MAX_ERRORS])
        super().__init__(f"{path}: nothing was imported; {len(problems)} problem(s):\n  {shown}")


@dataclass
class ImportReport:
    """What an import changed."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, kind: str, n: int = 1) -> None:
        """Add n to a bucket (added/updated/unchanged) for a kind of record."""
        target: dict[str, int] = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        """Whether anything was added or updated."""
        return bool(sum(self.added.values()) + sum(self.updated.values()))

    def summary(self) -> str:
        """One line for people."""
        kinds = sorted({*self.added, *self.updated, *self.unchanged})
        return "; ".join(
            f"{k}: {self.added.get(k, 0)} added, {self.updated.get(k, 0)} updated, "
            f"{self.unchanged.get(k, 0)} unchanged" for k in kinds
        ) or "nothing to import"


# Told what a long import is doing (the CLI prints it), one short line at a time.
Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    """No one is listening."""


def import_path(session: Session, path: str | Path, *,
                progress: Progress = _quiet) -> ImportReport:
    """Import a divisions CSV or a directory JSON file, chosen by its content."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DirectoryImportError(str(path), [f"cannot read the file: {error.strerror}"]) from None
    if path.suffix == ".gz":
        import gzip

        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DirectoryImportError(str(path), [f"not UTF-8 (byte {error.start})"]) from None
    if text.lstrip().startswith("{"):
        return import_json(session, text, source=str(path), progress=progress)
    return import_divisions_csv(session, text, source=str(path), progress=progress)


# --- divisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DivisionIn:
    code: str
    name: str
    level: int
    parent_code: str | None
    # None: the file says nothing of aliases (the CSV form), so stored ones are kept.
    aliases: tuple[str, ...] | None = None


def import_divisions_csv(session: Session, text: str, *, source: str = "<csv>",
                         progress: Progress = _quiet) -> ImportReport:
    """Import `level,code,name,parent_code` rows."""
    rows, problems = _read_division_csv(text)
    if problems:
        raise DirectoryImportError(source, problems)
    progress(f"divisions: {len(rows):,} read and checked")
    return _write_divisions(session, rows, source, progress)


def _read_division_csv(text: str) -> tuple[list[tuple[str, _DivisionIn]], list[str]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != CSV_HEADER:
        return [], [f"line 1: the header must be {','.join(CSV_HEADER)} (found {header})"]
    rows: list[tuple[str, _DivisionIn]] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 4:
            problems.append(f"line {line}: expected 4 fields, found {len(row)}")
            continue
        level_text, code, name, parent = (c.strip() for c in row)
        item = _DivisionIn(code, name, int(level_text) if level_text.isdigit() else -1,
                           parent or None)
        problems += [f"line {line}: {p}" for p in _division_problems(item)]
        rows.append((f"line {line}", item))
        if len(problems) >= MAX_ERRORS:
            break
    return rows, problems


def _division_problems(item: _DivisionIn) -> list[str]:
    found: list[str] = []
    if item.level not in CODE_LENGTH:
        return [f"level must be 1 to 5 (division {item.code!r})"]
    if not (item.code.isdigit() and len(item.code) == CODE_LENGTH[item.level]):
        found.append(f"code {item.code!r} must be {CODE_LENGTH[item.level]} digits "
                     f"at level {item.level}")
    if not item.name:
        found.append(f"division {item.code} has no name")
    elif len(item.name) > 128:
        found.append(f"division {item.code}: name longer than 128 characters")
    if item.level > 1:
        expected = item.code[: CODE_LENGTH[item.level - 1]]
        if item.parent_code != expected:
            found.append(f"division {item.code}: parent_code must be {expected} "
                         f"(found {item.parent_code!r})")
    elif item.parent_code:
        found.append(f"division {item.code} is a province and has no parent")
    return found


def _write_divisions(session: Session, rows: list[tuple[str, _DivisionIn]],
                     source: str, progress: Progress = _quiet) -> ImportReport:
    report = ImportReport()
    seen: dict[str, str] = {}
    problems: list[str] = []
    for where, item in rows:
        if item.code in seen:
            problems.append(f"{where}: code {item.code} repeats {seen[item.code]}")
        seen[item.code] = where
    existing = {
        code: (name, level, parent, aliases)
        for code, name, level, parent, aliases in session.execute(
            select(Division.code, Division.name, Division.level, Division.parent_code,
                   Division.aliases)
        )
    }
    top = min((item.level for _, item in rows), default=1)
    for where, item in rows:
        parent = item.parent_code
        if parent and item.level > top and parent not in seen and parent not in existing:
            problems.append(f"{where}: parent {parent} of {item.code} is not in the file "
                            "or the directory")
    if problems:
        raise DirectoryImportError(source, problems)
    new, changed = [], []
    for n, (_, item) in enumerate(sorted(rows, key=lambda r: (r[1].level, r[1].code)), 1):
        if n % 500 == 0:
            progress(f"divisions: pinyin of each name, {n:,} of {len(rows):,}")
        old = existing.get(item.code)
        kept = list(old[3] or []) if old is not None else []
        aliases = list(item.aliases) if item.aliases is not None else kept
        values = {"code": item.code, "name": item.name, "level": item.level,
                  "parent_code": item.parent_code, "aliases": aliases}
        if old is None:
            new.append({**values, "reading": names.reading(item.name, aliases)})
        elif old != (item.name, item.level, item.parent_code, aliases):
            changed.append({**values, "reading": names.reading(item.name, aliases)})
        else:
            report.count("unchanged", "divisions")
    progress(f"divisions: writing {len(new):,} new and {len(changed):,} changed")
    for chunk in _chunks(new):
        session.execute(insert(Division), chunk)
    for values in changed:
        session.execute(update(Division).where(Division.code == values["code"])
                        .values(**{k: v for k, v in values.items() if k != "code"}))
    report.count("added", "divisions", len(new))
    report.count("updated", "divisions", len(changed))
    _bump_version(session, report)
    return report


def _chunks(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _bump_version(session: Session, report: ImportReport) -> None:
    if not report.changed:
        return
    row = session.get(DirectoryVersion, 1)
    if row is None:
        session.add(DirectoryVersion(id=1, version=1))
    else:
        row.version += 1
        # With the number, the time tells a rebuilt database from the one caches were read in.
        row.changed_at = utcnow()
    session.flush()


# --- directory JSON ----------------------------------------------------------------------------


def import_json(session: Session, text: str, *, source: str = "<json>",
                progress: Progress = _quiet) -> ImportReport:
    """Import a directory file (CONTRACT §4): divisions, categories and providers."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryImportError(
            source, [f"line {error.lineno}, column {error.colno}: invalid JSON ({error.msg})"]
        ) from None
    if not isinstance(doc, dict):
        raise DirectoryImportError(source, ["the file must hold one JSON object"])
    unknown = set(doc) - {"divisions", "categories", "providers"}
    problems = [f"unknown section {k!r}" for k in sorted(unknown)]
    sections = {k: doc.get(k, []) for k in ("divisions", "categories", "providers")}
    for key, items in sections.items():
        if not isinstance(items, list):
            problems.append(f"{key} must be a list")
    if problems:
        raise DirectoryImportError(source, problems)
    divisions = _json_divisions(sections["divisions"], problems)
    if problems:
        raise DirectoryImportError(source, problems)
    report = ImportReport()
    if divisions:
        report = _write_divisions(session, divisions, source, progress)
    categories = _json_categories(sections["categories"], problems)
    providers = _json_providers(session, sections["providers"], categories, problems)
    if problems:
        raise DirectoryImportError(source, problems)
    _write_categories(session, categories, report)
    if providers:
        progress(f"providers: {len(providers):,} read, writing what changed")
    _write_providers(session, providers, report)
    _bump_version(session, report)
    return report


def _json_divisions(items: list[Any], problems: list[str]) -> list[tuple[str, _DivisionIn]]:
    rows: list[tuple[str, _DivisionIn]] = []
    for n, raw in enumerate(items):
        where = f"divisions[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(f"{where}: aliases must be a list of names")
            aliases = []
        level = raw.get("level")
        item = _DivisionIn(str(raw.get("code", "")), str(raw.get("name", "")).strip(),
                           level if isinstance(level, int) else -1,
                           str(raw["parent_code"]) if raw.get("parent_code") else None,
                           tuple(a.strip() for a in aliases if a.strip()))
        problems += [f"{where}: {p}" for p in _division_problems(item)]
        rows.append((where, item))
    return rows


def _json_categories(items: list[Any], problems: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for n, raw in enumerate(items):
        where = f"categories[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        code = raw.get("code")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", code):
            problems.append(f"{where}: code must be a short lower-case word (found {code!r})")
            continue
        if code in found:
            problems.append(f"{where}: category {code} appears twice")
        keywords = raw.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(f"{where} ({code}): keywords must be a list of words")
            keywords = []
        for key in ("zh", "en"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                problems.append(f"{where} ({code}): {key} name is missing")
        found[code] = {"code": code, "zh": str(raw.get("zh", "")).strip(),
                       "en": str(raw.get("en", "")).strip(),
                       "keywords": [k.strip() for k in keywords if k.strip()]}
    return found


def _json_providers(session: Session, items: list[Any], categories: dict[str, dict[str, Any]],
                    problems: list[str]) -> list[dict[str, Any]]:
    known_categories = set(categories) | set(session.scalars(select(Category.code)))
    found: list[dict[str, Any]] = []
    ids: set[str] = set()
    for n, raw in enumerate(items):
        if not isinstance(raw, dict):
            problems.append(f"providers[{n}]: must be an object")
            continue
        where = f"providers[{n}] ({raw.get('id', 'no id')})"
        item = _provider_item(raw, where, known_categories, problems)
        if item["id"] in ids:
            problems.append(f"{where}: id {item['id']} appears twice")
        ids.add(item["id"])
        found.append(item)
    _check_divisions_exist(session, found, problems)
    _check_one_platform_per_area(session, found, problems)
    return found


def _provider_item(raw: dict[str, Any], where: str, known_categories: set[str],
                   problems: list[str]) -> dict[str, Any]:
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid.strip() or len(pid) > 64:
        problems.append(f"{where}: id must be a non-empty text of at most 64 characters")
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        problems.append(f"{where}: name is missing")
    kind = raw.get("kind", "provider")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)} (found {kind!r})")
    written = raw.get("phone")
    # Any way people write a number; stored as E.164.
    phone = phones.parse(written) if isinstance(written, str) else None
    if phone is None:
        problems.append(f"{where}: phone {written!r} is not a dialable number (write it as "
                        "+8655163000001, 0551-6300 0001 or 138 0000 0001)")
    cats = raw.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        problems.append(f"{where}: categories must be a list of category codes")
        cats = []
    for code in cats:
        if code not in known_categories:
            problems.append(f"{where}: unknown category {code!r}")
    serves = raw.get("serves", [raw.get("division")])
    if not isinstance(serves, list) or not all(isinstance(s, str) for s in serves):
        problems.append(f"{where}: serves must be a list of division codes")
        serves = []
    hours = raw.get("hours")
    if hours is not None:
        try:
            parse(str(hours))
        except HoursError as error:
            problems.append(f"{where}: hours {error}")
    capacity = raw.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or capacity < 0
                                 or isinstance(capacity, bool)):
        problems.append(f"{where}: capacity must be a whole number of at least 0")
    return {"id": str(pid).strip() if pid else "", "name": str(raw.get("name", "")).strip(),
            "kind": kind, "division_code": str(raw.get("division", "")), "phone": phone,
            "hours": str(hours) if hours is not None else None, "capacity": capacity,
            "categories": sorted(set(cats)), "serves": sorted(set(serves)), "where": where}


def _check_divisions_exist(session: Session, items: list[dict[str, Any]],
                           problems: list[str]) -> None:
    wanted = {c for i in items for c in (i["division_code"], *i["serves"])}
    known: set[str] = set()
    codes = sorted(wanted)
    for start in range(0, len(codes), 900):
        known |= set(session.scalars(select(Division.code)
                                     .where(Division.code.in_(codes[start : start + 900]))))
    for item in items:
        for code in (item["division_code"], *item["serves"]):
            if code not in known:
                problems.append(f"{item['where']}: division {code!r} is not in the directory")


def _check_one_platform_per_area(session: Session, items: list[dict[str, Any]],
                                 problems: list[str]) -> None:
    """Each township has at most one center, each village at most one station."""
    owners: dict[tuple[str, str], str] = {
        (kind, code): pid
        for pid, kind, code in session.execute(
            select(Provider.id, Provider.kind, Provider.division_code)
            .where(Provider.kind.in_(("township_center", "village_station")))
        )
    }
    for item in items:
        if item["kind"] not in ("township_center", "village_station"):
            continue
        length = 9 if item["kind"] == "township_center" else 12
        if len(item["division_code"]) != length:
            problems.append(f"{item['where']}: a {item['kind']} belongs to a "
                            f"{'township' if length == 9 else 'village'} code ({length} digits)")
        key = (item["kind"], item["division_code"])
        if owners.get(key, item["id"]) != item["id"]:
            problems.append(f"{item['where']}: {item['division_code']} already has "
                            f"{item['kind']} {owners[key]}")
        owners[key] = item["id"]


def _write_categories(session: Session, items: dict[str, dict[str, Any]],
                      report: ImportReport) -> None:
    for code, values in items.items():
        row = session.get(Category, code)
        if row is None:
            session.add(Category(**values))
            report.count("added", "categories")
        elif (row.zh, row.en, row.keywords) != (values["zh"], values["en"], values["keywords"]):
            row.zh, row.en, row.keywords = values["zh"], values["en"], values["keywords"]
            report.count("updated", "categories")
        else:
            report.count("unchanged", "categories")
    session.flush()


def _write_providers(session: Session, items: Iterable[dict[str, Any]],
                     report: ImportReport) -> None:
    fields = ("name", "kind", "division_code", "phone", "hours", "capacity")
    for item in items:
        row = session.get(Provider, item["id"])
        if row is None:
            row = Provider(id=item["id"], **{f: item[f] for f in fields})
            session.add(row)
            session.flush()
            report.count("added", "providers")
        elif (tuple(getattr(row, f) for f in fields) == tuple(item[f] for f in fields)
              and row.category_codes == item["categories"]
              and row.serve_codes == item["serves"]):
            report.count("unchanged", "providers")
            continue
        else:
            for f in fields:
                setattr(row, f, item[f])
            report.count("updated", "providers")
        row.categories = [c for c in row.categories if c.category_code in item["categories"]]
        row.categories += [ProviderCategory(provider_id=row.id, category_code=c)
                           for c in item["categories"] if c not in row.category_codes]
        row.serves = [a for a in row.serves if a.division_code in item["serves"]]
        row.serves += [ProviderArea(provider_id=row.id, division_code=d)
                       for d in item["serves"] if d not in row.serve_codes]
        session.flush()
