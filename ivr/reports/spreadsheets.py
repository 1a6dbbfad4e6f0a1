"""Reports as spreadsheets: CSV in UTF-8 with a byte-order mark (Excel and WPS then show the
Chinese) and XLSX (Office Open XML, written with the standard library), with Mandarin and
English headings, the period, the time zone and the formulas, small counts as <5."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from ivr.reports import evidence, labels
from ivr.reports.figures import Report
from ivr.reports.formats import COUNTS, SMALL

BOM = "\ufeff"


def table(report: Report) -> list[list[Any]]:
    """Heading lines, the header, every row, the totals and the formulas, as cell values."""
    if report.report == "evidence":
        return _evidence_table(report)
    cols = labels.columns(report)
    dim = labels.DIMENSIONS.get(report.by or "", "项目 Item")
    out: list[list[Any]] = [
        [labels.REPORT_NAMES.get(report.report, report.report)],
        ["期间 Period", f"{report.start.isoformat()} – {report.end.isoformat()}",
         "时区 Time zone", report.timezone],
        [dim, *(labels.FIGURES.get(c, c) for c in cols)],
    ]
    for row in report.rows:
        out.append([labels.key_label(report.by, row), *(_cell(c, row.get(c)) for c in cols)])
    out.append(["合计 Total", *(_cell(c, report.totals.get(c)) for c in cols)])
    out += [[labels.FIGURES.get(k, k), v] for k, v in report.formulas.items()]
    return out


def _evidence_table(report: Report) -> list[list[Any]]:
    out: list[list[Any]] = [
        [labels.REPORT_NAMES["evidence"], evidence.LEVEL_NAMES.get(report.by or "", "")],
        ["期间 Period", f"{report.start.isoformat()} – {report.end.isoformat()}",
         "时区 Time zone", report.timezone],
        ["平台 Platform", "编号 ID", "条件 Condition", "规定 Rule", "数据 Figure", "结果 Status"]]
    for row in report.rows:
        for c in row["conditions"]:
            out.append([row["name"], row["key"], f"{c['zh']} {c['condition']}",
                        f"{c['rule_zh']} {c['rule']}", evidence.figure_text(c),
                        evidence.STATUS_NAMES[c["status"]]])
    return out


def _cell(name: str, value: Any) -> Any:
    if name in COUNTS and isinstance(value, int) and 0 < value < SMALL:
        return f"<{SMALL}"
    if name in labels.RATES and isinstance(value, float):
        return round(value, 4)
    return value


def to_csv(report: Report) -> bytes:
    """CSV, UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table(report):
        writer.writerow(["" if v is None else v for v in line])
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    """One worksheet in an XLSX workbook."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(report.report[:31])))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(table(report)))
    return body.getvalue()


def _sheet(lines: list[list[Any]]) -> str:
    xml = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<cols><col min="1" max="1" width="28" customWidth="1"/>'
           '<col min="2" max="30" width="16" customWidth="1"/></cols><sheetData>']
    for r, line in enumerate(lines, start=1):
        xml.append(f'<row r="{r}">')
        for c, value in enumerate(line):
            ref = f"{_column(c)}{r}"
            if isinstance(value, bool) or value is None:
                value = "" if value is None else str(value)
            if isinstance(value, (int, float)):
                xml.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        xml.append("</row>")
    xml.append("</sheetData></worksheet>")
    return "".join(xml)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
    '</Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
    '</Relationships>')
