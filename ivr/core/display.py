"""What people read instead of codes: every status, reason, outcome and kind in Mandarin with
English beside, every time in the line's time zone, every number in the local format. The
pages use these through Jinja filters (`label`, `local_time`, `local_date`, `phone`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from ivr.core import clock, phones
from ivr.core.statuses import (
    AlertOutcome,
    CallbackStatus,
    CareAlertStatus,
    CareCallStatus,
    OperatorStatus,
    Outcome,
    QueueStatus,
    ReferralStatus,
)

UNKNOWN = "其他 Other"

LABELS: dict[str, dict[str, str]] = {
    "referral": {
        ReferralStatus.CREATED: "新转介 New", ReferralStatus.NOTIFIED: "已通知 Notified",
        ReferralStatus.ACCEPTED: "已接单 Accepted", ReferralStatus.COMPLETED: "已完成 Completed",
        ReferralStatus.DECLINED: "无法提供 Declined"},
    "queue": {
        QueueStatus.WAITING: "排队中 Waiting", QueueStatus.OFFERED: "正在振铃 Ringing",
        QueueStatus.CONNECTED: "通话中 Connected", QueueStatus.DONE: "已结束 Finished",
        QueueStatus.ABANDONED: "排队时挂断 Hung up while waiting",
        QueueStatus.TIMED_OUT: "等待超时 Waited too long",
        QueueStatus.CALLBACK: "已预约回电 Call back booked",
        QueueStatus.VOICEMAIL: "已留言 Left a message"},
    "operator": {
        OperatorStatus.OFF: "未值班 Off duty", OperatorStatus.AVAILABLE: "空闲 Available",
        OperatorStatus.OFFERED: "来电振铃 Ringing", OperatorStatus.BUSY: "通话中 On a call",
        OperatorStatus.WRAP_UP: "整理记录 Wrapping up"},
    "callback": {CallbackStatus.OPEN: "待回电 To call", CallbackStatus.DONE: "已回电 Called back"},
    "outcome": {
        Outcome.IN_PROGRESS: "进行中 In progress",
        Outcome.IVR_HANDLED: "语音导航办结 Handled by the line",
        Outcome.HANDED_OFF: "转人工 Handed to a person", Outcome.EMERGENCY: "紧急 Emergency",
        Outcome.REFERRED: "已转介 Referred", Outcome.VOICEMAIL: "留言 Message left",
        Outcome.OUTAGE: "系统故障时来电 During an outage", Outcome.RESOLVED: "已解决 Resolved",
        Outcome.INFORMATION: "已告知信息 Information given", Outcome.CALLBACK: "需回电 Call back",
        Outcome.OTHER: "其他 Other", Outcome.NO_ANSWER: "未接通 Not answered"},
    # Care calls (issue 20): a due call, what its last try came to, an alert and its close.
    "care_call": {
        CareCallStatus.DUE: "待拨打 To call", CareCallStatus.CALLING: "正在拨打 Ringing",
        CareCallStatus.ANSWERED: "已接听 Answered", CareCallStatus.WELL: "平安 Well",
        CareCallStatus.HELP: "需要帮助 Needs help",
        CareCallStatus.UNREACHED: "多次未接通 Not reached",
        CareCallStatus.CANCELED: "已取消 Canceled"},
    "care_try": {"busy": "占线 Line busy", "no-answer": "无人接听 No answer",
                 "machine": "语音信箱 Voicemail", "failed": "拨打失败 Failed",
                 "canceled": "已取消 Canceled", "lost": "没有回音 No report",
                 "error": "无法拨出 Could not dial", "completed": "已接听 Answered"},
    "care_alert": {CareAlertStatus.OPEN: "待处理 Open", CareAlertStatus.CLOSED: "已处理 Closed"},
    "alert_outcome": {
        AlertOutcome.REACHED: "已联系上 Reached", AlertOutcome.VISITED: "已上门看望 Visited",
        AlertOutcome.HOSPITAL: "已住院 In hospital", AlertOutcome.OTHER: "其他 Other"},
    # Why a caller waits for a person or is to be called back.
    "reason": {
        "asked": "居民要求 Asked for a person", "missed": "漏接来电 Missed call",
        "voicemail": "语音留言 Voice message", "emergency": "紧急情况 Emergency",
        "suicide": "心理危机 Crisis", "elderly_direct": "老年人直接转人工 Elderly caller",
        "referral": "转介 Referral", "provider_no_answer": "服务方未接听 Provider did not answer",
        "retry": "重拨 Tried again", "failures": "多次没听懂 Not understood",
        "noinput": "没有听到回答 No answer heard", "nomatch": "没有听懂 Not understood",
        "outage": "系统故障 Outage", "loop": "对话没有进展 No progress",
        "no_dialog": "对话无法进行 Dialog unavailable",
        "no_platform": "附近没有服务点 No service point nearby", "silence": "没有听到回答 Silence",
        "care_alert": "关怀电话未接通 Care call not answered"},
    "channel": {"voice": "电话 Phone", "sms": "短信 SMS", "chat": "网上咨询 Web Chat",
                "care": "关怀电话 Care call"},
    "level": {
        "provider": "服务方 Provider", "village_station": "村（社区）服务站 Village station",
        "township_center": "乡镇（街道）社会服务中心 Township center",
        "district_call_center": "区呼叫中心 District call center"},
    "group": {"elderly": "老年人 Elderly", "disabled": "残疾人 Disabled", "other": "其他 Other"},
    "record": {"activity": "服务活动 Service activity",
               "purchased_project": "政府购买服务项目 Government-purchased project"},
    # What came of a callback attempt.
    "decision": {"accept": "听懂了 Understood", "confirm": "需确认 To be confirmed",
                 "none": "没听懂 Not understood"},
    "attempt": {"reached": "已联系上 Reached", "no_answer": "无人接听 No answer",
                "busy": "占线 Line busy", "wrong_number": "号码错误 Wrong number",
                "not_needed": "居民已不需要 No longer needed",
                "answered_in_chat": "已在网上咨询中回复 Answered in the chat"},
    "role": {"admin": "管理员 Administrator", "operator": "接线员 Operator",
             "station": "服务站 Station", "city": "市评估中心 City evaluation center"},
    "author": {"resident": "居民 Resident", "line": "热线 The line"},
    "skip": {"closed": "现在不营业 Closed now", "full": "已满员 Full"},
    "route": {
        "served": "有服务方，现在营业 A provider is open now",
        "none_in_area": "本地没有这项服务的服务方 No provider here",
        "closed": "服务方现在不营业 The providers are closed now",
        "full": "服务方已满员 The providers are full",
        "emergency": "紧急情况直接转人工 Emergencies go to a person",
        "none": "没有可用的服务方 No provider available"},
}


def label(code: object, kind: str) -> str:
    """The Mandarin (English) name of a code of `kind`; never the code itself."""
    if code is None or code == "":
        return "—"
    value = str(code)
    table = LABELS.get(kind, {})
    if value in table:
        return table[value]
    if kind == "reason" and value.startswith("text_"):
        inner = LABELS["reason"].get(value[5:], "转人工 Handed to a person")
        return f"文字会话：{inner}"
    return UNKNOWN


def zone() -> ZoneInfo:
    """The line's time zone (TIMEZONE)."""
    return ZoneInfo(str(current_app.config.get("TIMEZONE") or "Asia/Shanghai"))


def to_local(value: datetime) -> datetime:
    """A stored time (UTC; SQLite gives it back naive) in the line's time zone."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone())


def local_time(value: datetime | None, *, seconds: bool = False) -> str:
    """A stored time as Hefei reads it: 2026年12月2日 04:31."""
    if value is None:
        return "—"
    at = to_local(value)
    clock = at.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{at.year}年{at.month}月{at.day}日 {clock}"


def local_date(value: date | datetime | None) -> str:
    """A date as Hefei writes it: 2026年12月2日 (a stored time is taken to local first)."""
    if value is None:
        return "—"
    day = to_local(value).date() if isinstance(value, datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


def local_today() -> date:
    """Today in the line's time zone (not the server's, not UTC), on the line's clock."""
    return clock.now().astimezone(zone()).date()


def text_time(value: str | None) -> str:
    """A local time written by the directory as ISO (2026-11-25T08:30) in words."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return f"{at.month}月{at.day}日 {at.strftime('%H:%M')}"


def duration(seconds: int | None) -> str:
    """Seconds as minutes and seconds: 2分05秒."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes}分{rest:02d}秒" if minutes else f"{rest}秒"


def init_app(app: Flask) -> None:
    """Register the filters the pages use."""
    app.add_template_filter(label, "label")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(phones.local, "phone")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(text_time, "text_time")


def labels_of(kind: str) -> list[tuple[str, str]]:
    """(code, label) of every code of a kind: for select boxes."""
    return list(LABELS[kind].items())


def as_dict(kind: str) -> dict[str, Any]:
    """The labels of a kind as a plain mapping."""
    return dict(LABELS[kind])
