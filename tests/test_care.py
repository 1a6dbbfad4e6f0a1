"""Proactive care calls (issue 20) with a frozen clock: a plan's calls at its local hours, a
holiday skipped when the plan says so, tries again, one alert, closed; two workers never place
one try twice; the care dialog answered with 1, 2, an emergency, a need or a machine."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.care import alerts, calls, plans, schedule
from ivr.core import clock
from ivr.core.db import Database
from ivr.core.models import CareAlert, CareCall, CarePlan, Conversation, OutboxMessage, Resident
from ivr.core.statuses import CareAlertStatus, CareCallStatus, Outcome
from ivr.residents import records
from ivr.worker import jobs

from .conftest import EMERGENCY, dialled, load_demo, post_signed, twiml
from .fake_twilio import FakeTwilio

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESIDENT = "+8613912345678"
RELATIVE = "+8613987654321"
STATION_PHONE = "+8655163100132"  # vs-340111400001, the demo village station
VILLAGE = "340111400001"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local Hefei time, aware."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


WEDNESDAY = date(2026, 11, 25)
NATIONAL_DAY = date(2026, 10, 1)  # a statutory holiday (a Thursday)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def line(app: Flask, fake: FakeTwilio) -> Database:
    app.config.update(TWILIO_API_BASE=fake.url, TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                      TWILIO_SMS_FROM="+8655112345", CARE_FROM="+8655112345")
    db: Database = app.extensions["ivr.db"]
    load_demo(db)
    return db


def resident_with_plan(db: Database, frequency: str = "daily",
                       hours: str = "Mo-Su 09:00-11:00", phone: str = RESIDENT,
                       name: str = "王秀英") -> int:
    with db.sessions() as s:
        resident = Resident(phone=phone, name=name, division_code=VILLAGE,
                            groups=["elderly"], needs=["meal"])
        s.add(resident)
        s.flush()
        plans.save(s, resident, plans.PlanInput(frequency, hours, RELATIVE,
                                                salutation="王阿姨"),
                   actor="test", role="cli")
        s.commit()
        return resident.id


def run_job(app: Flask, db: Database, name: str, when: datetime) -> int | None:
    with clock.frozen(when), db.sessions() as s:
        return jobs.run(s, app.config, name, force=True)


def care_calls(db: Database) -> list[CareCall]:
    with db.sessions() as s:
        found = list(s.scalars(select(CareCall).order_by(CareCall.id)))
        s.expunge_all()
        return found


def status(app: Flask, care: CareCall, call_status: str, **extra: str) -> None:
    form = {"CallSid": care.call_sid, "CallStatus": call_status, "Direction": "outbound-api",
            "From": "+8655112345", "To": RESIDENT, **extra}
    assert twiml(post_signed(app.test_client(), f"/care/status?c={care.id}", form)) is not None


def answer(app: Flask, care: CareCall, **extra: str) -> Any:
    form = {"CallSid": care.call_sid, "CallStatus": "in-progress", "Direction": "outbound-api",
            "From": "+8655112345", "To": RESIDENT, "AnsweredBy": "human", **extra}
    return twiml(post_signed(app.test_client(), f"/care/answer?c={care.id}", form))


def press(app: Flask, care: CareCall, before: Any, **said: str) -> Any:
    """Answer the <Gather> of the document `before`, at its action URL."""
    form = {"CallSid": care.call_sid, "CallStatus": "in-progress", "Direction": "outbound-api",
            "From": "+8655112345", "To": RESIDENT, **said}
    gather = before.find(".//Gather")
    assert gather is not None and gather.get("action", "").startswith("/care/turn")
    return twiml(post_signed(app.test_client(), gather.get("action"), form))


def spoken(root: Any) -> str:
    return "".join("".join(s.itertext()) for s in root.iter("Say"))


# --- plans ---------------------------------------------------------------------------------

def test_plans_read_daily_weekly_and_twice_a_week() -> None:
    assert plans.frequency("daily").weekdays == tuple(range(7))
    assert plans.frequency("weekly:Mo").weekdays == (0,)
    assert plans.frequency("2w:Mo,Th").weekdays == (0, 3)
    for bad in ("weekly", "2w:Mo", "weekly:Xx", "3w:Mo,Mo,Tu", "hourly"):
        with pytest.raises(plans.PlanError):
            plans.frequency(bad)
    with pytest.raises(plans.PlanError):
        plans.check_hours("whenever")


def test_the_residents_csv_sets_a_plan_and_a_bad_one_changes_nothing(line: Database) -> None:
    header = ",".join(records.CSV_HEADER + list(plans.CSV_COLUMNS))
    good = (f"{header}\n+8613900000011,李秀兰,{VILLAGE},elderly,meal,1940,,daily,"
            f"Mo-Su 09:00-10:00; PH off,0551-6310 0999\n"
            f"+8613900000012,张建国,{VILLAGE},elderly,,1938,,\"2w:Mo,Th\",,\n")
    with line.sessions() as s:
        counts = records.import_csv(s, good, care=plans.CSV)
        s.commit()
        assert counts.added == 2
        plan = s.scalars(select(CarePlan).join(Resident).where(
            Resident.phone == "+8613900000011")).one()
        assert (plan.frequency, plan.hours, plan.alert_phone) == (
            "daily", "Mo-Su 09:00-10:00; PH off", "+8655163100999")
        assert plans.skips_holidays(plan.hours)
    bad = f"{header}\n+8613900000013,王,{VILLAGE},elderly,,1938,,fortnightly,,\n"
    with line.sessions() as s, pytest.raises(records.ResidentsImportError) as error:
        records.import_csv(s, bad, care=plans.CSV)
    assert "line 2" in str(error.value) and "daily" in str(error.value)
    with line.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Resident).where(
            Resident.phone == "+8613900000013")) == 0


# --- when calls are due ----------------------------------------------------------------------

def test_a_plan_is_called_at_its_local_hours(app: Flask, line: Database,
                                            fake: FakeTwilio) -> None:
    resident_with_plan(line, hours="Mo-Su 09:30-11:00")
    run_job(app, line, "care_plans", at(WEDNESDAY, 0, 5))
    (due,) = care_calls(line)
    assert due.due_on == WEDNESDAY
    assert clock.aware(due.next_attempt_at) == at(WEDNESDAY, 9, 30)
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 29))
    assert fake.calls_created == []  # not before its hour
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 30))
    (placed,) = fake.calls_created
    assert placed["To"] == RESIDENT and placed["From"] == "+8655112345"
    assert placed["Url"] == f"https://line.example.org/care/answer?c={due.id}"
    assert placed["StatusCallback"] == f"https://line.example.org/care/status?c={due.id}"
    assert placed["MachineDetection"] == "Enable"
    (call,) = care_calls(line)
    assert call.status == CareCallStatus.CALLING and call.attempts == 1 and call.call_sid
    # Every try is a contact in the file, channel care; none is counted as a call in.
    with line.sessions() as s:
        contact = s.scalars(select(Conversation).where(Conversation.key == call.call_sid)).one()
        assert contact.channel == "care" and contact.resident_id == call.resident_id
    run_job(app, line, "care_plans", at(WEDNESDAY, 10, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 10, 0))
    assert len(care_calls(line)) == 1 and len(fake.calls_created) == 1  # once a day


def test_weekly_plans_call_on_their_days_only(app: Flask, line: Database) -> None:
    resident_with_plan(line, frequency="2w:Mo,Th")
    with line.sessions() as s:
        plan = s.scalars(select(CarePlan)).one()
        days = [WEDNESDAY + timedelta(days=i) for i in range(7)]
        due = [d.isoformat() for d in days if schedule.opening(plan, d, app.config)]
        assert due == ["2026-11-26", "2026-11-30"]  # Thursday, Monday
        nxt = schedule.next_occurrence(plan, at(WEDNESDAY, 12, 0), app.config)
        assert nxt is not None and nxt[1] == at(date(2026, 11, 26), 9, 0)


def test_a_holiday_is_skipped_when_the_plan_says_so(app: Flask, line: Database) -> None:
    resident_with_plan(line, hours="Mo-Su 09:00-11:00; PH off")
    resident_with_plan(line, hours="Mo-Su 09:00-11:00", phone="+8613912340000", name="李秀兰")
    run_job(app, line, "care_plans", at(NATIONAL_DAY, 7, 0))
    (only,) = care_calls(line)  # the plan without PH off is still called on the holiday
    with line.sessions() as s:
        assert s.get(Resident, only.resident_id).phone == "+8613912340000"  # type: ignore[union-attr]
    run_job(app, line, "care_plans", at(NATIONAL_DAY + timedelta(days=1), 7, 0))
    # 2 October is a holiday too; the first working day after the holidays calls again.
    run_job(app, line, "care_plans", at(date(2026, 10, 9), 7, 0))
    assert len([c for c in care_calls(line) if c.due_on == date(2026, 10, 9)]) == 2


# --- tries, the alert, its close -------------------------------------------------------------

def test_unanswered_tries_are_retried_then_one_alert_and_it_is_closed(
        app: Flask, line: Database, fake: FakeTwilio) -> None:
    resident_with_plan(line)
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    results = ["busy", "no-answer", "machine"]
    when = at(WEDNESDAY, 9, 0)
    for number, result in enumerate(results, start=1):
        run_job(app, line, "care_calls", when)
        (care,) = care_calls(line)
        assert care.status == CareCallStatus.CALLING and care.attempts == number
        with clock.frozen(when + timedelta(seconds=40)):
            if result == "machine":  # a voicemail picks up: hung up on, counted as no answer
                root = answer(app, care, AnsweredBy="machine_end_beep")
                assert root.find("Hangup") is not None and not spoken(root)
            else:
                status(app, care, result)
                status(app, care, result)  # a repeated callback changes nothing
        (care,) = care_calls(line)
        if number < 3:
            assert care.status == CareCallStatus.DUE and care.last_result == result
            assert clock.aware(care.next_attempt_at) == when + timedelta(seconds=40, minutes=20)
            run_job(app, line, "care_calls", when + timedelta(minutes=10))
            assert len(fake.calls_created) == number  # not before the retry is due
            when += timedelta(minutes=20, seconds=40)
    assert len(fake.calls_created) == 3
    (care,) = care_calls(line)
    assert care.status == CareCallStatus.UNREACHED and care.last_result == "machine"
    with clock.frozen(when + timedelta(minutes=1)):
        status(app, care, "completed", AnsweredBy="machine_end_beep")  # after the hang-up
    with line.sessions() as s:
        (alert,) = s.scalars(select(CareAlert)).all()
        assert alert.status == CareAlertStatus.OPEN and alert.division_code == VILLAGE
        texts = s.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "care_alert")
                          ).all()
        assert sorted(t.to_number for t in texts) == sorted([STATION_PHONE, RELATIVE])
        assert all("王秀英" in t.body and "琼临" in t.body and "3次" in t.body
                   for t in texts)
        outcomes = s.scalars(select(Conversation.outcome).where(
            Conversation.channel == "care")).all()
        assert outcomes == [Outcome.NO_ANSWER] * 3
        with app.test_request_context():
            rows = alerts.open_rows(s, when)
        assert [r.name for r in rows] == ["王秀英"] and "琼临" in rows[0].village
        alerts.close(s, alert, "visited", "邻居说她去女儿家了", actor="operator:1",
                     now=when + timedelta(minutes=30))
        s.commit()
        with pytest.raises(alerts.AlertError):
            alerts.close(s, alert, "reached", "", actor="operator:2", now=when)
        assert alert.outcome == "visited" and alert.closed_at is not None
    # A later run raises nothing more.
    run_job(app, line, "care_calls", when + timedelta(hours=1))
    with line.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CareAlert)) == 1


def test_no_try_is_placed_after_the_plan_s_hours_the_call_is_unreached_then(
        app: Flask, line: Database, fake: FakeTwilio) -> None:
    # Hours 09:00-11:00: a try unanswered at 10:50 is not retried at 11:10 (nor at night):
    # the resident is unreached today and the alert goes out now.
    resident_with_plan(line)
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 10, 50))
    (care,) = care_calls(line)
    with clock.frozen(at(WEDNESDAY, 10, 50) + timedelta(seconds=40)):
        status(app, care, "no-answer")
    (care,) = care_calls(line)
    assert care.status == CareCallStatus.UNREACHED and care.attempts == 1
    run_job(app, line, "care_calls", at(WEDNESDAY, 11, 30))
    assert len(fake.calls_created) == 1
    with line.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CareAlert)) == 1


def test_a_try_the_provider_refused_or_never_reported_counts_as_not_answered(
        app: Flask, line: Database, fake: FakeTwilio) -> None:
    resident_with_plan(line)
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    fake.fail_calls = 1
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    (care,) = care_calls(line)
    assert (care.status, care.attempts, care.last_result) == ("due", 1, "error")
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 20))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 40))  # no report for 20 minutes
    (care,) = care_calls(line)
    assert (care.status, care.attempts, care.last_result) == ("due", 2, "lost")


def test_calls_are_placed_within_the_rate(app: Flask, line: Database,
                                          fake: FakeTwilio) -> None:
    app.config["CARE_CALLS_PER_MINUTE"] = 2
    for i in range(5):
        resident_with_plan(line, phone=f"+861391234560{i}", name=f"居民{i}")
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0, ) + timedelta(seconds=30))
    assert len(fake.calls_created) == 2
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 1, ) + timedelta(seconds=1))
    assert len(fake.calls_created) == 4


def test_two_workers_never_place_one_try_twice(app: Flask, line: Database,
                                               fake: FakeTwilio) -> None:
    app.config["CARE_CALLS_PER_MINUTE"] = 100
    for i in range(8):
        resident_with_plan(line, phone=f"+861391234570{i}", name=f"居民{i}")
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(which: int) -> None:
        try:
            with clock.frozen(at(WEDNESDAY, 9, 0)), line.sessions() as s:
                barrier.wait()
                # Past the job's lease on purpose: each row's own claim must hold.
                calls.place_due(s, app.config, clock.now(), calls.RestDialer(app.config))
                with line.sessions() as again:
                    jobs.run_due(again, app.config)
        except BaseException as error:  # the test reports it
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(c["To"] for c in fake.calls_created) == sorted(
        f"+861391234570{i}" for i in range(8))
    assert all(c.attempts == 1 and c.status == "calling" for c in care_calls(line))


# --- the care dialog ---------------------------------------------------------------------------

def placed(app: Flask, line: Database) -> CareCall:
    resident_with_plan(line)
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    (care,) = care_calls(line)
    return care


def test_answered_with_1_the_resident_is_well(app: Flask, line: Database) -> None:
    care = placed(app, line)
    root = answer(app, care)
    said = spoken(root)
    assert said.startswith("王阿姨您好，社区服务热线给您打个关怀电话。") and "还好请按1" in said
    assert root.find(".//prosody") is not None or "rate" in str(root.attrib)  # slowly
    bye = press(app, care, root, Digits="1")
    assert "祝您身体健康" in spoken(bye) and bye.find("Hangup") is not None
    (care,) = care_calls(line)
    assert (care.status, care.answer) == ("well", "well")
    status(app, care, "completed", CallDuration="40")
    with line.sessions() as s:
        contact = s.scalars(select(Conversation).where(Conversation.key == care.call_sid)).one()
        assert contact.outcome == Outcome.IVR_HANDLED
        assert s.get(Resident, care.resident_id).last_contact_at is not None  # type: ignore[union-attr]
    assert care_calls(line)[0].status == "well"


def test_answered_with_2_goes_on_as_a_call_in(app: Flask, line: Database) -> None:
    care = placed(app, line)
    menu = press(app, care, answer(app, care), Digits="2")
    assert "我们来帮您" in spoken(menu) and "请问要办什么事" in spoken(menu)
    assert care_calls(line)[0].status == "help"


def test_speech_works_and_an_emergency_is_heard_first(app: Flask, line: Database) -> None:
    care = placed(app, line)
    root = press(app, care, answer(app, care), SpeechResult="我摔倒了起不来", Confidence="0.9")
    assert dialled(root) == [EMERGENCY]
    (care,) = care_calls(line)
    assert (care.status, care.answer) == ("help", "emergency")


def test_a_need_said_at_once_is_routed(app: Flask, line: Database) -> None:
    care = placed(app, line)
    root = press(app, care, answer(app, care), SpeechResult="我想找人帮忙送饭",
                 Confidence="0.9")
    if "您是需要送饭吗" in spoken(root):  # understood, but below the accept threshold
        root = press(app, care, root, Digits="1")
    # The need is kept and, as for any caller who has not passed the caller check, the place
    # is asked next (by keys: the care call is in the elderly profile).
    assert "住在哪个区" in spoken(root)
    with line.sessions() as s:
        contact = s.scalars(select(Conversation).where(Conversation.key == care.call_sid)).one()
        assert contact.state["slots"]["need"] == "meal"


def test_an_unknown_care_call_is_hung_up_on_and_unsigned_is_refused(app: Flask,
                                                                    line: Database) -> None:
    root = twiml(post_signed(app.test_client(), "/care/answer?c=999",
                             {"CallSid": "CA" + "7" * 32}))
    assert root.find("Hangup") is not None
    refused = app.test_client().post("/care/answer?c=1", data={"CallSid": "CA1"},
                                     base_url="https://line.example.org")
    assert refused.status_code == 403


# --- the terminal phone receives care calls ------------------------------------------------------

def terminal(app: Flask, *args: str, typed: str = "") -> str:
    with clock.frozen(at(WEDNESDAY, 9, 5)):
        result = app.test_cli_runner().invoke(args=["call", "--incoming", *args], input=typed)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_terminal_phone_answers_care_calls_with_1_with_2_and_not_at_all(
        app: Flask, line: Database) -> None:
    resident_with_plan(line)  # 王秀英, daily
    resident_with_plan(line, phone="+8613912340001", name="李秀兰")
    resident_with_plan(line, phone="+8613912340002", name="张桂英")
    well = terminal(app, "--as", "139 1234 5678", typed="1\n")
    assert "王阿姨您好，社区服务热线给您打个关怀电话。" in well and "祝您身体健康" in well
    assert "the care call is now: 平安 Well" in well
    helped = terminal(app, "--as", "13912340001", typed="2\n0\n")
    assert "请问要办什么事" in helped and "dialling +8655163000000" in helped
    assert "the care call is now: 需要帮助 Needs help" in helped
    for outcome in ("busy", "no-answer", "machine"):
        silent = terminal(app, "--as", "+8613912340002", "--no-answer", outcome)
    assert "the care call is now: 多次未接通 Not reached" in silent
    with line.sessions() as s:
        alert = s.scalars(select(CareAlert)).one()
        assert s.get(Resident, alert.resident_id).name == "张桂英"  # type: ignore[union-attr]
        statuses = sorted(s.scalars(select(CareCall.status)))
        assert statuses == ["help", "unreached", "well"]
    report = app.test_cli_runner().invoke(args=["report", "care", "--from", "2026-11-25",
                                                "--to", "2026-11-25", "--format", "json"])
    assert report.exit_code == 0, report.output
    totals = json.loads(report.output)["totals"]
    assert (totals["care_due"], totals["care_calls_made"], totals["care_answered"],
            totals["care_well"], totals["care_help"], totals["care_unreached"],
            totals["alerts_raised"], totals["residents_under_care"]) == (3, 5, 2, 1, 1, 1, 1, 3)
    # The line's own calls out are not calls in: `report calls` does not count them.
    inbound = app.test_cli_runner().invoke(args=["report", "calls", "--from", "2026-11-25",
                                                 "--to", "2026-11-25", "--format", "json"])
    assert json.loads(inbound.output)["totals"].get("offered", 0) in (0, None)


def test_a_stopped_plan_or_an_erased_resident_is_not_called(app: Flask, line: Database,
                                                            fake: FakeTwilio) -> None:
    from ivr.residents import rights

    first = resident_with_plan(line)
    second = resident_with_plan(line, phone="+8613912340009", name="李秀兰")
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    with line.sessions() as s:
        plans.stop(s, s.get(Resident, first), actor="test", role="cli")  # type: ignore[arg-type]
        rights.erase(s, s.get(Resident, second), actor="test", role="admin",  # type: ignore[arg-type]
                     pepper="pepper")
        s.commit()
        plan = s.scalars(select(CarePlan).where(CarePlan.resident_id == second)).one()
        assert (plan.active, plan.alert_phone, plan.phones, plan.salutation) == (
            False, "", [], "")
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    assert fake.calls_created == []
    assert [c.status for c in care_calls(line)] == ["canceled", "canceled"]


def test_the_village_evidence_and_the_citys_view_show_care_without_personal_data(
        app: Flask, line: Database) -> None:
    resident_with_plan(line)
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    with line.sessions() as s:
        from ivr.city import shared

        token = shared.issue_token(s, "test")
        s.commit()
    answer = app.test_client().get("/city/api/evidence/village?quarter=2026Q4",
                                   headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "王秀英" not in body and RESIDENT not in body and "13912345678" not in body
    (station,) = [r for r in answer.get_json()["rows"] if r["key"] == "vs-340111400001"]
    care = {c["condition"]: c for c in station["conditions"]}
    assert care["residents under care (with a care-call plan)"]["figure"] == 1
    assert care["care contacts in the period / residents reached"]["figure"] == "1 / 0"


def test_a_care_call_to_a_relatives_number_writes_to_the_residents_file(
        app: Flask, line: Database, fake: FakeTwilio) -> None:
    resident_id = resident_with_plan(line)
    daughter = "+8613600000001"
    with line.sessions() as s:
        plan = s.scalars(select(CarePlan)).one()
        plan.phones = [daughter]
        s.commit()
    run_job(app, line, "care_plans", at(WEDNESDAY, 8, 0))
    run_job(app, line, "care_calls", at(WEDNESDAY, 9, 0))
    assert fake.calls_created[0]["To"] == daughter
    (care,) = care_calls(line)
    root = twiml(post_signed(app.test_client(), f"/care/answer?c={care.id}", {
        "CallSid": care.call_sid, "CallStatus": "in-progress", "Direction": "outbound-api",
        "From": "+8655112345", "To": daughter, "AnsweredBy": "human"}))
    assert "王阿姨您好" in spoken(root)
    with line.sessions() as s:
        contact = s.scalars(select(Conversation).where(Conversation.key == care.call_sid)).one()
        assert contact.resident_id == resident_id
        assert s.scalar(select(func.count()).select_from(Resident).where(
            Resident.phone == daughter)) == 0
