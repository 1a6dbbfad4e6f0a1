"""Demo residents and a quarter of their contacts, referrals, callbacks and service records.

Seeded (the same people and figures every time) and written once: a second `demo` finds the
demo residents and adds nothing. The contacts follow `row`, which the report tests and the
report benchmark use too (bench/generate.py), so the demo's figures look like theirs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from directory.models import Provider
from directory.orm import utcnow
from ivr.core import audit
from ivr.core.buckets import buckets, caller_group
from ivr.core.models import (
    CallbackTask,
    Conversation,
    Referral,
    ReferralEvent,
    Resident,
    ServiceRecord,
    User,
)
from ivr.core.statuses import CallbackStatus, Outcome, ReferralStatus
from ivr.residents.referrals import working_days_after

CHANNELS = ("voice", "voice", "voice", "sms", "chat")
GROUPS = ("elderly", "disabled", "other", "other")
CATEGORIES = ("meal", "cleaning", "bathing", "medical", "mobility", "repair")

SEED = 13
RESIDENTS = 300
CONTACTS_PER_DAY = 25
DAYS = 91
# Every demo resident's number starts so; the first one's presence says the demo was written.
PHONE_PREFIX = "+86139551"
ACTOR = "demo"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎"
            "贺顾毛郝龚邵万钱严武戴孔汤")
# Given names as people born 1935-1975 in Anhui were often named.
GIVEN = (
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "玉珍", "淑珍", "翠英", "兰英", "素珍", "玉梅",
    "金凤", "春兰", "美兰", "建国", "建华", "国华", "德明", "志强", "永福", "宝山", "春生", "长林",
    "文华", "德胜", "国庆", "学文", "家宝", "明亮", "正华", "立新", "海生", "水生", "红梅", "丽华",
    "卫东", "振华", "树林", "友谊", "桂芳", "金花", "腊梅", "世荣", "克俭", "守信",
)
NOTES = ("", "", "独居", "子女在外地", "行动不便，需上门", "听力较弱，请说慢一点")
FOLLOW_UPS = ("satisfied", "satisfied", "satisfied", "unsatisfied", "not_came", None)


@dataclass
class Written:
    """What the demo data added."""

    residents: int = 0
    contacts: int = 0
    referrals: int = 0
    callbacks: int = 0
    records: int = 0
    care_plans: int = 0

    def summary(self) -> str:
        """One line for people."""
        return (f"{self.residents} residents, {self.contacts} contacts, {self.referrals} "
                f"referrals, {self.callbacks} callback tasks, {self.records} service records, "
                f"{self.care_plans} care plans")


def row(i: int, at: datetime, rng: random.Random, phones: list[str], areas: list[str],
        timezone: str) -> dict[str, Any]:
    """One contact with every flag the reports read, decided at random but known."""
    handed = rng.random() < 0.45
    emergency = handed and rng.random() < 0.05
    answered = handed and rng.random() < 0.8
    abandoned = handed and not answered and rng.random() < 0.85
    wait = rng.randrange(0, 40) if answered else (rng.randrange(0, 30) if abandoned else None)
    return {
        "channel": rng.choice(CHANNELS), "key": f"GEN{i:09d}", "phone": rng.choice(phones),
        "turn": 3, "state": {}, "last_outputs": [], "emergency": emergency,
        "resident_id": None, "category": rng.choice(CATEGORIES),
        "division_code": None, "handed_off": handed,
        "outcome": "handed_off" if handed else "ivr_handled", "operator_notes": "",
        "recording_url": "", "caller_group": rng.choice(GROUPS), "area_code": rng.choice(areas),
        "provider_id": None, "operator_id": rng.choice((1, 2, 3)) if answered else None,
        "handed_off_at": at if handed else None, "answered": answered, "abandoned": abandoned,
        "wait_s": wait, "talk_s": rng.randrange(30, 600) if answered else None,
        "wrap_s": rng.randrange(0, 120) if answered else None,
        "recontacted": rng.random() < 0.1, "started_at": at, "updated_at": at,
        **buckets(at, timezone),
    }


def write(session: Session, timezone: str, *,
          progress: Callable[[str], None] = lambda _line: None) -> Written | None:
    """Write the demo's people and their history; None when they are there already."""
    if session.scalar(select(Resident.id).where(Resident.phone == _phone(0))) is not None:
        return None
    rng = random.Random(SEED)
    stations = list(session.scalars(select(Provider).where(
        Provider.kind.in_(("village_station", "township_center"))).order_by(Provider.id)))
    villages = sorted({p.division_code for p in stations if p.kind == "village_station"})
    if not villages:
        raise ValueError("the demo directory is not loaded")
    done = Written()
    progress(f"residents: {RESIDENTS} files in {len(villages)} villages")
    residents = _residents(session, rng, villages)
    done.residents = len(residents)
    operator = session.scalar(select(User.id).where(User.username == "demo-operator"))
    progress(f"contacts: {CONTACTS_PER_DAY * DAYS:,} over the last {DAYS} days")
    contacts = _contacts(session, rng, residents, villages, timezone, operator)
    done.contacts = len(contacts)
    progress("referrals in every state, callback tasks, service records")
    done.referrals = _referrals(session, rng, residents, contacts, timezone)
    done.callbacks = _callbacks(session, rng, residents)
    done.records = _service_records(session, rng, stations, timezone)
    done.care_plans = _care_plans(session, residents)
    return done


# Care plans (issue 20): three elderly residents of the demo station's village, called daily,
# twice a week and weekly, not on public holidays; the relative alerted is a demo number.
CARE_PLANS = (("daily", "阿姨"), ("2w:Mo,Th", "叔叔"), ("weekly:Mo", "阿姨"))
CARE_HOURS = "Mo-Su 09:00-11:30,15:00-17:30; PH off"


def _care_plans(session: Session, residents: list[Resident]) -> int:
    from ivr.care import plans

    chosen = [r for r in residents if r.division_code == "340111400001"][:len(CARE_PLANS)]
    for n, (resident, (how, title)) in enumerate(zip(chosen, CARE_PLANS, strict=False)):
        resident.groups = sorted({*(resident.groups or []), "elderly"})
        resident.notes = "独居"
        plans.save(session, resident, plans.PlanInput(
            how, CARE_HOURS, f"{PHONE_PREFIX[:-3]}888{n:05d}", salutation=resident.name[0] + title),
            actor=ACTOR, role="cli")
    return len(chosen)


def _phone(n: int) -> str:
    # 139 551 + five digits: valid mobile numbers, all in one block no real test uses.
    return f"{PHONE_PREFIX}{n:05d}"


def resident_phone(n: int) -> str:
    """The phone number of the demo's resident number `n`."""
    return _phone(n)


def _residents(session: Session, rng: random.Random, villages: list[str]) -> list[Resident]:
    now = utcnow()
    people: list[Resident] = []
    # The demo station's village gets a dozen residents, so its page opens full.
    homes = ["340111400001"] * 12 if "340111400001" in villages else []
    homes += [rng.choice(villages) for _ in range(RESIDENTS - len(homes))]
    for n, home in enumerate(homes):
        elderly = rng.random() < 0.5
        disabled = rng.random() < (0.25 if elderly else 0.12)
        groups = [g for g, member in (("disabled", disabled), ("elderly", elderly)) if member]
        born = rng.randrange(1932, 1962) if elderly else rng.randrange(1950, 2002)
        needs = sorted(set(rng.sample(CATEGORIES, rng.choice((0, 1, 1, 2, 2, 3)))))
        resident = Resident(
            phone=_phone(n), name=rng.choice(SURNAMES) + rng.choice(GIVEN), division_code=home,
            groups=groups, needs=needs, birth_year=born,
            notes=rng.choice(NOTES),
            consent_share=rng.random() < 0.6, greet_by_name=rng.random() < 0.9,
            sms_opt_out=rng.random() < 0.05, language="en" if rng.random() < 0.02 else "zh-CN",
            updated_by=ACTOR, updated_at=now - timedelta(days=rng.randrange(0, 120)))
        people.append(resident)
    session.add_all(people)
    session.flush()
    for resident in people:
        audit.record(session, actor=ACTOR, role="cli", action="change",
                     resident_id=resident.id, fields=["phone", "name", "division", "groups",
                                                      "needs"], reason="demo data")
    return people


def _contacts(session: Session, rng: random.Random, residents: list[Resident],
              villages: list[str], timezone: str, operator: int | None) -> list[dict[str, Any]]:
    today = datetime.now(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0,
                                                     microsecond=0).astimezone(UTC)
    start = today - timedelta(days=DAYS)
    strangers = [f"+86138{rng.randrange(10**8):08d}" for _ in range(200)]
    rows: list[dict[str, Any]] = []
    for i in range(CONTACTS_PER_DAY * DAYS):
        # Calls come in the day, most in the morning: 07:00-21:00 local, weighted.
        day = start + timedelta(days=rng.randrange(DAYS))
        at = day + timedelta(hours=rng.choice((7, 8, 8, 9, 9, 9, 10, 10, 11, 14, 15, 16, 19)),
                             minutes=rng.randrange(60), seconds=rng.randrange(60))
        values = row(i, at, rng, strangers, villages, timezone)
        values["key"] = f"DEMO{i:07d}"
        if rng.random() < 0.65:
            resident = rng.choice(residents)
            values.update(phone=resident.phone, resident_id=resident.id,
                          caller_group=caller_group(resident.groups),
                          area_code=resident.division_code or "",
                          division_code=resident.division_code)
            resident.last_contact_at = max(resident.last_contact_at or at, at)
        if values["operator_id"] is not None:
            values["operator_id"] = operator
        if values["emergency"]:
            values["outcome"] = Outcome.EMERGENCY
        values["state"] = {"path": ["greeting", "main", "need"], "understood": []}
        rows.append(values)
    session.execute(insert(Conversation), rows)
    ids = {key: id_ for key, id_ in session.execute(select(Conversation.key, Conversation.id)
                                                    .where(Conversation.key.like("DEMO%")))}
    for values in rows:
        values["id"] = ids[values["key"]]
    return rows


def _referrals(session: Session, rng: random.Random, residents: list[Resident],
               contacts: list[dict[str, Any]], timezone: str) -> int:
    zone = ZoneInfo(timezone)
    by_id = {r.id: r for r in residents}
    providers = list(session.scalars(select(Provider).where(Provider.kind == "provider")
                                     .order_by(Provider.id)))
    stations = {p.division_code: p for p in session.scalars(
        select(Provider).where(Provider.kind == "village_station"))}
    candidates = [c for c in contacts if c["resident_id"] and not c["handed_off"]]
    chosen = rng.sample(candidates, min(160, len(candidates)))
    states = (ReferralStatus.CREATED, ReferralStatus.NOTIFIED, ReferralStatus.NOTIFIED,
              ReferralStatus.ACCEPTED, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED,
              ReferralStatus.COMPLETED, ReferralStatus.COMPLETED, ReferralStatus.DECLINED)
    written = 0
    for n, contact in enumerate(chosen):
        resident = by_id[contact["resident_id"]]
        village = resident.division_code or ""
        serving = [p for p in providers if contact["category"] in p.category_codes
                   and any(village.startswith(code) for code in p.serve_codes)]
        # The first ones go to the demo station's village, so its page has work in it.
        provider = stations.get(village) if n % 3 == 0 or not serving else rng.choice(serving)
        if provider is None:
            continue
        created = contact["started_at"] + timedelta(minutes=3)
        status = states[n % len(states)]
        day = created.astimezone(zone).date()
        referral = Referral(
            resident_id=resident.id, conversation_id=contact["id"], category=contact["category"],
            division_code=village, provider_id=provider.id,
            level="provider" if provider.kind == "provider" else "village_station",
            status=status, deadline=working_days_after(day, 2), created_at=created,
            local_date=day, updated_by=ACTOR, updated_at=created)
        session.add(referral)
        session.flush()
        _history(session, rng, referral, provider, created, zone)
        session.execute(update(Conversation).where(Conversation.id == contact["id"]).values(
            outcome=Outcome.REFERRED, provider_id=provider.id))
        written += 1
    return written


def _history(session: Session, rng: random.Random, referral: Referral, provider: Provider,
             created: datetime, zone: ZoneInfo) -> None:
    """The referral's events up to its state, with the times and on-time flags they imply."""
    steps: list[tuple[ReferralStatus, datetime]] = [(ReferralStatus.CREATED, created)]
    now = utcnow()
    at = created
    created_, notified, accepted = (ReferralStatus.CREATED, ReferralStatus.NOTIFIED,
                                    ReferralStatus.ACCEPTED)
    path: dict[ReferralStatus, list[ReferralStatus]] = {
        created_: [], notified: [notified], accepted: [notified, accepted],
        ReferralStatus.COMPLETED: [notified, accepted, ReferralStatus.COMPLETED],
        ReferralStatus.DECLINED: [notified, ReferralStatus.DECLINED]}
    for status in path[ReferralStatus(referral.status)]:
        at = min(now, at + timedelta(hours=rng.choice((0.1, 2, 5, 20, 30, 60))))
        steps.append((status, at))
        on_time = at.astimezone(zone).date() <= referral.deadline
        if status == ReferralStatus.NOTIFIED:
            referral.notified_at = at
        elif status == ReferralStatus.ACCEPTED:
            referral.accepted_at, referral.accepted_on_time = at, on_time
            if referral.status == ReferralStatus.ACCEPTED:
                provider.open_cases += 1  # accepted and not finished: an open case
        elif status == ReferralStatus.COMPLETED:
            referral.completed_at, referral.completed_on_time = at, on_time
            referral.follow_up_sent_at = at
            answer = rng.choice(FOLLOW_UPS)
            if answer:
                referral.follow_up_answer = answer
                referral.follow_up_at = at + timedelta(hours=1)
    referral.updated_at = at
    for status, when in steps:
        session.add(ReferralEvent(referral_id=referral.id, status=status,
                                  provider_id=provider.id, actor=ACTOR, at=when,
                                  note="暂时没有人手 no one free this week"
                                  if status == ReferralStatus.DECLINED else ""))


def _callbacks(session: Session, rng: random.Random, residents: list[Resident]) -> int:
    now = utcnow()
    tasks = []
    for n in range(40):
        resident = rng.choice(residents)
        asked = now - timedelta(hours=rng.randrange(1, 24 * 14))
        done = asked < now - timedelta(days=2) and rng.random() < 0.8
        tasks.append(CallbackTask(
            phone=resident.phone, call_sid=f"CADEMO{n:026d}",
            reason="missed" if n % 4 else "requested", category=rng.choice(CATEGORIES),
            status=CallbackStatus.DONE if done else CallbackStatus.OPEN, created_at=asked,
            attempted_at=asked + timedelta(hours=3) if done else None))
    session.add_all(tasks)
    return len(tasks)


def _service_records(session: Session, rng: random.Random, stations: list[Provider],
                     timezone: str) -> int:
    """Activities and government-purchased projects this year: some platforms meet the
    certification's counts (10 and 3 a year), some do not, so the evidence shows both."""
    today = datetime.now(ZoneInfo(timezone)).date()
    first = date(today.year, 1, 1)
    span = max(1, (today - first).days)
    titles = ("重阳节敬老活动", "健康讲座：高血压防治", "助餐点开放日", "防诈骗宣传",
              "志愿者上门探访", "理发义剪", "适老化改造咨询")
    projects = ("政府购买居家养老上门服务", "政府购买助浴服务", "政府购买助餐配送",
                "政府购买康复辅具租赁")
    records = []
    for station in stations:
        for _ in range(rng.choice((0, 3, 8, 11, 12, 14))):
            records.append(ServiceRecord(
                provider_id=station.id, kind="activity", title=rng.choice(titles),
                held_on=first + timedelta(days=rng.randrange(span)),
                participants=rng.randrange(8, 80), recorded_by=ACTOR))
        for _ in range(rng.choice((0, 1, 3, 4))):
            records.append(ServiceRecord(
                provider_id=station.id, kind="purchased_project", title=rng.choice(projects),
                held_on=first + timedelta(days=rng.randrange(span)), participants=None,
                recorded_by=ACTOR))
    session.add_all(records)
    return len(records)

