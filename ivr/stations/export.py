"""A station's referral history as CSV that Excel and WPS open with the Chinese intact."""

from __future__ import annotations

import csv
import io
from typing import Any

from ivr.core import display, phones

BOM = "\ufeff"
HEADER = ["编号 No.", "转介日期 Date", "服务 Need", "地址 Place", "期限 Deadline",
          "状态 Status", "接单 Accepted", "完成 Completed", "居民 Resident", "电话 Phone"]


def referrals_csv(rows: list[dict[str, Any]]) -> str:
    """One line per referral; names and numbers only of referrals still open."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        referral = row["referral"]
        writer.writerow([
            row["number"], display.local_date(referral.local_date), row["need"], row["place"],
            display.local_date(referral.deadline), display.label(referral.status, "referral"),
            display.local_time(referral.accepted_at) if referral.accepted_at else "",
            display.local_time(referral.completed_at) if referral.completed_at else "",
            row["name"], phones.local(row["phone"])])
    return out.getvalue()
