"""Placing due care calls and following each try to its end.

The worker's job claims a due call with `UPDATE ... WHERE status = 'due'` (so of two workers
only one places a try), commits, and asks the voice provider to ring the resident (Twilio's
`calls.create`, or Somleng's, the same REST shape) with the line's own signed webhook URLs.
Each try is a contact in the resident's file, channel `care`. A try that was busy, not
answered or answered by a machine is tried again CARE_RETRY_MINUTES later, up to CARE_TRIES;
then the call is unreached and one alert is raised (`alerts.raise_for`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialogs.outputs import Connect, Effect, Output
from ivr.care import alerts, schedule
from ivr.conversations import turns
from ivr.core import logs, moves
from ivr.core.buckets import buckets, caller_group
from ivr.core.models import CareCall, CarePlan, Conversation, Resident
from ivr.core.statuses import CareCallStatus, Outcome
from ivr.providers.sms import rest_client
from ivr.providers.voice import voice_provider

log = logging.getLogger(__name__)
CHANNEL = "care"
# The line's own webhooks for a care call (ivr/care/routes.py serves them).
ANSWER_PATH = "/care/answer"
TURN_PATH = "/care/turn"
STATUS_PATH = "/care/status"
# Twilio's final statuses of a try that nobody answered; "machine" is AnsweredBy's.
UNANSWERED = frozenset({"busy", "no-answer", "failed", "canceled"})
# A try with no report from the provider for this long is taken as lost (not answered).
LOST_AFTER = timedelta(minutes=10)
RING_S = 30


class DialError(RuntimeError):
    """The provider did not take the call."""


class Dialer(Protocol):
    """Rings a number; returns the new call's CallSid."""

    def create(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Place one outbound call whose answer webhook is `url`."""


class RestDialer:
    """The voice provider's REST API: `calls.create` (Twilio; Somleng speaks the same)."""

    def __init__(self, config: Any, client: Any = None) -> None:
        self.client = client or rest_client(config, voice_provider(config).name)

    def create(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """POST .../Calls.json with machine detection, so a voicemail counts as no answer."""
        try:
            call = self.client.calls.create(
                to=to, from_=from_, url=url, method="POST", status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                machine_detection="Enable", timeout=RING_S)
        except Exception as error:  # a refusal, a timeout, an answer that is not JSON
            raise DialError(f"{type(error).__name__}: {error}"[:200]) from error
        return str(getattr(call, "sid", "") or "")


def transition(session: Session, call: CareCall, to: CareCallStatus,
               came_from: Sequence[CareCallStatus], **values: Any) -> bool:
    """Move a care call to `to` if it is in one of `came_from`: the one transition of a care
    call, claimed with `UPDATE ... WHERE status = :seen` (of two workers or two webhooks that
    saw the same state, only one moves it)."""
    return moves.claim(session, call, to, came_from, **values)


def public_url(config: Any, path: str, call: CareCall) -> str:
    """The line's own webhook URL for this care call (ASCII, signed by the provider)."""
    base = str(config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/")
    return f"{base}{path}?c={call.id}"


def number_to_try(plan: CarePlan | None, resident: Resident, attempt: int) -> str:
    """The plan's numbers in turn (the resident's own when it lists none)."""
    numbers = [n for n in (plan.phones if plan is not None else []) or [] if n] or \
        [resident.phone]
    return numbers[(max(attempt, 1) - 1) % len(numbers)]


def placed_recently(session: Session, now: datetime) -> int:
    """Tries placed in the last minute (the rate CARE_CALLS_PER_MINUTE holds them to)."""
    return int(session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.channel == CHANNEL,
        Conversation.started_at >= now - timedelta(minutes=1))) or 0)


def place_due(session: Session, config: Any, now: datetime, dialer: Dialer | None = None,
              *, only: int | None = None) -> int:
    """Place the tries that are due, as many as the rate allows this minute; how many."""
    lost = release_lost(session, config, now)
    room = int(config.get("CARE_CALLS_PER_MINUTE") or 0) - placed_recently(session, now)
    query = select(CareCall.id).where(CareCall.status == CareCallStatus.DUE,
                                      CareCall.next_attempt_at <= now)
    if only is not None:
        query = query.where(CareCall.id == only)
    due = list(session.scalars(query.order_by(CareCall.next_attempt_at, CareCall.id)
                               .limit(max(room, 0))))
    session.commit()
    placed = 0
    for call_id in due:
        if place(session, config, call_id, now, dialer or RestDialer(config)):
            placed += 1
    if lost:
        logs.event(log, "care.lost", tries=lost)
    return placed


def place(session: Session, config: Any, call_id: int, now: datetime, dialer: Dialer) -> bool:
    """Claim one due call and ring the resident; False when another worker claimed it."""
    call = session.get(CareCall, call_id)
    plan = session.get(CarePlan, call.plan_id) if call is not None else None
    if call is not None and (plan is None or not plan.active):
        transition(session, call, CareCallStatus.CANCELED, (CareCallStatus.DUE,), updated_at=now)
        session.commit()
        return False
    if call is None or not transition(
            session, call, CareCallStatus.CALLING, (CareCallStatus.DUE,),
            attempts=call.attempts + 1, placed_at=now, call_sid="", updated_at=now):
        session.rollback()
        return False
    session.commit()  # the claim stands before the provider is asked
    resident = session.get(Resident, call.resident_id)
    if resident is None:
        return False
    to = number_to_try(plan, resident, call.attempts)
    from_ = str(config.get("CARE_FROM") or config.get("TWILIO_SMS_FROM") or "")
    try:
        sid = dialer.create(to=to, from_=from_, url=public_url(config, ANSWER_PATH, call),
                            status_callback=public_url(config, STATUS_PATH, call))
    except DialError as error:
        logs.event(log, "care.dial_failed", severity=logging.WARNING, care_call=call.id,
                   error=str(error)[:120])
        tried(session, config, call, "error", now)
        session.commit()
        return True
    call.call_sid = sid
    contact(session, config, call, resident, sid, to, now)
    session.commit()
    logs.event(log, "care.placed", care_call=call.id, attempt=call.attempts, call_sid=sid)
    return True


def contact(session: Session, config: Any, call: CareCall, resident: Resident, sid: str,
            to: str, now: datetime) -> Conversation:
    """The try as a contact in the resident's file (channel care, one per CallSid)."""
    row = Conversation(channel=CHANNEL, key=sid, phone=to, turn=0, state={}, last_outputs=[],
                       resident_id=resident.id, caller_group=caller_group(resident.groups),
                       area_code=resident.division_code or "", outcome=Outcome.IN_PROGRESS,
                       started_at=now, updated_at=now, **buckets(now, config["TIMEZONE"]))
    session.add(row)
    session.flush()
    return row


def tried(session: Session, config: Any, call: CareCall, result: str, now: datetime) -> bool:
    """A try that reached nobody: again after CARE_RETRY_MINUTES, or, after the last try,
    unreached with its one alert. False when the try was already settled."""
    if call.call_sid:
        session.execute(update(Conversation).where(
            Conversation.channel == CHANNEL, Conversation.key == call.call_sid,
            Conversation.outcome == Outcome.IN_PROGRESS).values(outcome=Outcome.NO_ANSWER)
            .execution_options(synchronize_session=False))
    retry = _retry_at(session, config, call, now)
    if call.attempts < int(config.get("CARE_TRIES") or 1) and retry is not None:
        return transition(session, call, CareCallStatus.DUE, (CareCallStatus.CALLING,),
                          last_result=result, next_attempt_at=retry, updated_at=now)
    if not transition(session, call, CareCallStatus.UNREACHED, (CareCallStatus.CALLING,),
                      last_result=result, updated_at=now):
        return False
    alerts.raise_for(session, config, call, now)
    logs.event(log, "care.unreached", severity=logging.WARNING, care_call=call.id,
               attempts=call.attempts)
    return True


def _retry_at(session: Session, config: Any, call: CareCall, now: datetime) -> datetime | None:
    """When the next try is due: CARE_RETRY_MINUTES on, inside the plan's hours of the call's
    own day; None once those hours are over (an elderly resident is not rung at night, and the
    next day has its own call), so the call is unreached and its alert raised now."""
    retry = now + timedelta(minutes=int(config.get("CARE_RETRY_MINUTES") or 20))
    plan = session.get(CarePlan, call.plan_id)
    if plan is None:
        return retry
    if schedule.local(retry, config).date() != call.due_on:
        return None
    return schedule.due_at(plan, call.due_on, config, schedule.local(retry, config).time())


def release_lost(session: Session, config: Any, now: datetime) -> int:
    """Tries the provider never reported on (a lost status callback, a worker that died
    between its claim and the REST call) count as not answered."""
    lost = list(session.scalars(select(CareCall).where(
        CareCall.status == CareCallStatus.CALLING, CareCall.placed_at < now - LOST_AFTER)))
    for call in lost:
        tried(session, config, call, "lost", now)
    session.commit()
    return len(lost)


def for_webhook(session: Session, care_id: str, call_sid: str) -> CareCall | None:
    """The care call a webhook is about: named in its URL, and this try's CallSid."""
    call = session.get(CareCall, int(care_id)) if care_id.isdigit() and len(care_id) < 10 \
        else None
    if call is None or not call_sid:
        return None
    if call.call_sid in ("", call_sid):
        return call
    return None


def answered(session: Session, config: Any, call: CareCall, call_sid: str,
             now: datetime) -> bool:
    """A person picked up this try (the answer webhook): the call is answered."""
    if call.status == CareCallStatus.CALLING and not call.call_sid:
        call.call_sid = call_sid  # the webhook came before the worker wrote the CallSid
    return transition(session, call, CareCallStatus.ANSWERED, (CareCallStatus.CALLING,),
                      answered_at=now, last_result="completed", updated_at=now)


def pick_up(session: Session, config: Any, call: CareCall, call_sid: str, phone: str,
            answered_by: str, now: datetime) -> turns.Turn | None:
    """The answer webhook: a machine settles the try (None: hang up); a person hears the
    check-in, slowly, greeted as the plan says."""
    if answered_by.startswith("machine") or answered_by == "fax":
        ended(session, config, call, "completed", answered_by, now)
        return None
    answered(session, config, call, call_sid, now)
    resident = session.get(Resident, call.resident_id)
    plan = session.get(CarePlan, call.plan_id)
    phone = phone or (resident.phone if resident else "")
    caller = turns.caller_profile(session, phone, resident,
                                  str(config.get("CALLER_CHECK") or "pin"))
    caller.elderly = True  # a care call speaks slowly and waits longer, whoever answers
    salutation = (plan.salutation if plan is not None and plan.salutation else "") or \
        (resident.name if resident is not None and resident.greet_by_name else "")
    return turns.begin(session, config, CHANNEL, call_sid, phone, caller=caller,
                       slots={"salutation": salutation}, resident=resident)


def ended(session: Session, config: Any, call: CareCall, status: str, answered_by: str,
          now: datetime) -> bool:
    """The provider's status callback of a try: a try that reached nobody is settled."""
    machine = answered_by.startswith("machine") or answered_by == "fax"
    if status in UNANSWERED or (machine and status == "completed"):
        return tried(session, config, call, "machine" if machine else status, now)
    return False


def after_turn(session: Session, call: CareCall, outputs: list[Output], now: datetime) -> None:
    """What the resident answered: well (1, 还好), or help (2, a need, an emergency, a person)."""
    answer = ""
    for output in outputs:
        if isinstance(output, Effect) and output.name == "care":
            answer = str(output.data.get("answer") or "")
        elif isinstance(output, Effect) and output.name in ("emergency", "routed", "callback",
                                                            "referral"):
            answer = "emergency" if output.name == "emergency" else answer or "help"
        elif isinstance(output, Connect):
            answer = answer or "help"
    if not answer:
        return
    to = CareCallStatus.WELL if answer == "well" else CareCallStatus.HELP
    transition(session, call, to, (CareCallStatus.ANSWERED, CareCallStatus.WELL,
                                   CareCallStatus.HELP) if to == CareCallStatus.HELP
               else (CareCallStatus.ANSWERED,), answer=answer, updated_at=now)


class LocalDialer:
    """A dialer that rings nobody: the terminal phone (`flask --app ivr call --incoming`)
    places the try through it and then plays the provider's part itself."""

    def __init__(self) -> None:
        self.placed: list[dict[str, str]] = []

    def create(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """A new CallSid, remembered with the call's URLs."""
        sid = "CA" + uuid.uuid4().hex
        self.placed.append({"sid": sid, "to": to, "from": from_, "url": url,
                            "status_callback": status_callback})
        return sid


def next_for(session: Session, config: Any, phone: str | None,
             now: datetime) -> CareCall | None:
    """The care call the terminal phone answers: the resident's (or anyone's) try ringing now,
    else their next due call (a retry not yet due included), else the next one their plan
    would make, written now."""
    query = select(CareCall).join(Resident, Resident.id == CareCall.resident_id)
    if phone:
        query = query.where(Resident.phone == phone)
    for status in (CareCallStatus.CALLING, CareCallStatus.DUE):
        found = session.scalars(query.where(CareCall.status == status)
                                .order_by(CareCall.next_attempt_at, CareCall.id)).first()
        if found is not None:
            return found
    plan_query = select(CarePlan).join(Resident, Resident.id == CarePlan.resident_id).where(
        CarePlan.active.is_(True))
    if phone:
        plan_query = plan_query.where(Resident.phone == phone)
    for plan in session.scalars(plan_query.order_by(CarePlan.id)):
        after = now
        for _ in range(14):  # the next day of the plan that has no call yet
            upcoming = schedule.next_occurrence(plan, after, config)
            if upcoming is None:
                break
            if session.scalars(select(CareCall).where(
                    CareCall.plan_id == plan.id, CareCall.due_on == upcoming[0])).first() is None:
                call = schedule.ensure_call(session, plan, *upcoming)
                session.commit()
                return call
            after = datetime.combine(upcoming[0] + timedelta(days=1), datetime.min.time(),
                                     tzinfo=schedule.zone(config))
    return None


def ring_now(session: Session, config: Any, call: CareCall, now: datetime,
             dialer: LocalDialer) -> CareCall:
    """Place a due call at once (whenever it was due) through `dialer`; a ringing try is
    left as it is."""
    if call.status == CareCallStatus.DUE:
        place(session, config, call.id, now, dialer)
        session.refresh(call)
    return call
