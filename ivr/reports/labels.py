"""What people read in a report: each figure's and dimension's name in Mandarin with English
beside, keys turned into words, numbers in the local format."""

from __future__ import annotations

from typing import Any

from ivr.reports.figures import Report

FIGURES = {
    "offered": "呼入 Offered",
    "ivr_handled": "自助完成 IVR handled",
    "handed_off": "转人工 Handed off",
    "answered": "人工接听 Answered",
    "abandoned": "放弃 Abandoned",
    "short_abandoned": "短时放弃 Short abandoned",
    "answer_rate": "人工接通率 Answer rate",
    "timely_answer_rate": "人工应答及时率 Timely answer rate",
    "service_level": "服务水平 Service level",
    "abandon_rate": "放弃率 Abandon rate",
    "asa_s": "平均等待(秒) ASA s",
    "aht_s": "平均处理(秒) AHT s",
    "emergencies": "紧急情况 Emergencies",
    "referrals": "转介 Referrals",
    "callbacks_requested": "回拨请求 Callbacks requested",
    "callbacks_done_24h": "24小时内回拨 Called back in 24 h",
    "containment": "自助解决率 Containment",
    "created": "新建 Created",
    "accepted": "已接单 Accepted",
    "completed": "已完成 Completed",
    "accepted_on_time": "按时接单 Accepted on time",
    "completed_on_time": "按时完成 Completed on time",
    "open": "未完成 Open",
    "overdue": "逾期 Overdue",
    "residents_served": "服务居民 Residents served",
    "follow_ups_done": "回访 Follow-ups",
    "satisfied": "满意率 Satisfied",
    "offered_per_day": "日均呼入 Offered per day",
    "agents": "所需坐席 Operators needed",
    "busiest_hour": "最忙时段 Busiest hour",
    "platforms": "平台数 Platforms",
    "conditions_met": "达到 Met",
    "conditions_not_met": "未达到 Not met",
    "conditions_no_data": "无数据 No data",
    "residents_under_care": "关怀对象 Residents under care",
    "care_due": "应打关怀电话 Care calls due",
    "care_calls_made": "拨出次数 Care calls made",
    "care_answered": "接听 Answered",
    "care_well": "平安 Well",
    "care_help": "需要帮助 Needed help",
    "care_unreached": "多次未接通 Not reached",
    "care_answer_rate": "关怀接通率 Care answer rate",
    "alerts_raised": "未接通提醒 Alerts raised",
    "alerts_closed": "已处理提醒 Alerts closed",
    "alerts_open": "待处理提醒 Alerts open",
    "alert_close_min": "提醒处理用时(分钟) Time to close, min",
}
RATES = {"answer_rate", "timely_answer_rate", "service_level", "abandon_rate", "containment",
         "satisfied", "care_answer_rate"}
DIMENSIONS = {
    "day": "日 Day", "week": "周 Week", "month": "月 Month", "quarter": "季度 Quarter",
    "hour": "时段 Hour of day", "district": "区 District", "township": "乡镇街道 Township",
    "village": "村居 Village", "category": "服务类别 Category", "group": "人群 Group",
    "channel": "渠道 Channel", "operator": "话务员 Operator", "provider": "服务机构 Provider",
}
# Which --by dimensions each report takes (the CLI's choices, per report).
BY = {"calls": tuple(DIMENSIONS),
      "referrals": ("provider", "category", "district", "township", "village"),
      "staffing": (), "evidence": (),
      "care": ("day", "month", "quarter", "district", "township", "village")}
REPORT_NAMES = {"calls": "呼叫统计 Calls", "referrals": "转介工单 Referrals",
                "staffing": "人员配置 Staffing", "evidence": "认定材料 Certification evidence",
                "care": "关怀电话 Care calls"}
VALUES = {
    "group": {"elderly": "老年人 Elderly", "disabled": "残疾人 Disabled", "other": "其他 Other"},
    "channel": {"voice": "电话 Voice", "sms": "短信 SMS", "chat": "网上聊天 Web chat",
                "care": "关怀电话 Care call"},
}
TARGETS = {"answer_rate": 0.95, "timely_answer_rate": 0.80, "service_level": 0.80}
SMALL = 5


def key_label(by: str | None, row: dict[str, Any]) -> str:
    """The words for a row's key: a place's or provider's name, a group, an hour, a week."""
    key, name = str(row.get("key") or ""), str(row.get("name") or "")
    if not key:
        return "未知 Unknown"
    if by in VALUES:
        return VALUES[by].get(key, key)
    if by == "hour" and key.isdigit():
        return f"{int(key):02d}:00–{int(key):02d}:59"
    if by == "week" and "-W" in key:
        return f"{key[:4]}年第{int(key.split('W')[1])}周"
    if by == "month" and len(key) == 7:
        return f"{key[:4]}年{int(key[5:])}月"
    if by == "quarter" and "Q" in key:
        return f"{key[:4]}年第{key[-1]}季度"
    if by == "day" and len(key) == 10:
        return f"{key[:4]}年{int(key[5:7])}月{int(key[8:])}日"
    if by == "operator":
        return f"话务员 Operator {key}"
    return name if name and name != key else key


def number(name: str, value: Any, *, private: bool = False) -> str:
    """A figure as people read it: 1,234 · 95.3% · 12.4 · — for none (<5 when private)."""
    if value is None:
        return "—"
    if name in RATES and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, int):
        if private and 0 < value < SMALL:
            return f"<{SMALL}"
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def columns(report: Report) -> list[str]:
    """The figures a report's table shows, in the order of REPORTS.md."""
    seen: dict[str, None] = {}
    for row in report.rows:
        for k in row:
            if k not in ("key", "name"):
                seen.setdefault(k, None)
    for k in report.totals:
        if k != "busiest_hour":
            seen.setdefault(k, None)
    return list(seen)


def rows(report: Report, *, private: bool = False) -> list[list[str]]:
    """Each row as text: its key's words, then its figures."""
    cols = columns(report)
    return [[key_label(report.by, row), *(number(c, row.get(c), private=private) for c in cols)]
            for row in report.rows]


def totals(report: Report, *, private: bool = False) -> list[str]:
    """The totals line as text."""
    return ["合计 Total", *(number(c, report.totals.get(c), private=private)
                          for c in columns(report))]
