"""Reports as a table for people, JSON for programs, CSV for spreadsheets (with small counts
shown as <5, so no resident can be picked out of an export)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ivr.reports.figures import Report

SMALL = 5
# Figures that count residents or contacts; rates and averages are not suppressed.
COUNTS = {"offered", "ivr_handled", "handed_off", "answered", "abandoned", "short_abandoned",
          "emergencies", "referrals", "callbacks_requested", "callbacks_done_24h", "created",
          "accepted", "completed", "accepted_on_time", "completed_on_time", "open", "overdue",
          "residents_served", "follow_ups_done"}


def to_json(report: Report) -> str:
    """One JSON document."""
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str)


def _flat_rows(report: Report) -> list[dict[str, Any]]:
    if report.report != "evidence":
        return report.rows
    return [{"key": row["key"], "name": row["name"], **item}
            for row in report.rows for item in row["conditions"]]


def to_csv(report: Report) -> str:
    """Rows and a totals line; counts under 5 (but above 0) written as <5."""
    rows = _flat_rows(report)
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["key"]
    if report.report != "evidence":
        for name in report.totals:
            if name not in columns:
                columns.append(name)
    out = io.StringIO()
    out.write(f"# report {report.report}; period {report.start} to {report.end}; "
              f"time zone {report.timezone}; thresholds {json.dumps(report.thresholds)}\n")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _private(k, v) for k, v in row.items()})
    if report.report != "evidence":
        writer.writerow({"key": "TOTAL", **{k: _private(k, v) for k, v in report.totals.items()}})
    for name, formula in report.formulas.items():
        out.write(f"# {name} = {formula}\n")
    return out.getvalue()


def _private(name: str, value: Any) -> Any:
    if name in COUNTS and isinstance(value, int) and 0 < value < SMALL:
        return f"<{SMALL}"
    return value


def to_table(report: Report) -> str:
    """A plain-text table with the period, time zone, thresholds and formulas."""
    lines = [f"report {report.report}  {report.start} .. {report.end}  by {report.by or '-'}  "
             f"time zone {report.timezone}",
             "thresholds: " + ", ".join(f"{k}={v}" for k, v in report.thresholds.items())]
    rows = _flat_rows(report)
    if rows:
        columns = list(dict.fromkeys(k for row in rows for k in row))
        widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
        lines.append("  ".join(c.ljust(widths[c]) for c in columns))
        lines += ["  ".join(_cell(r.get(c)).ljust(widths[c]) for c in columns) for r in rows]
    lines.append("totals: " + ", ".join(f"{k}={_cell(v)}" for k, v in report.totals.items()))
    lines += [f"  {k} = {v}" for k, v in report.formulas.items()]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
