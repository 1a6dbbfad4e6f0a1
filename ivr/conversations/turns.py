"""Conversations between webhooks: load state, run the engine once per turn, apply effects.

A turn number travels in every action URL. A request whose number is not the current one is
a retry (or a stale page): it gets the stored answer again and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload

from dialogs import engine, serialize
from dialogs.loader import load
from dialogs.outputs import Connect, Effect, Event, Hangup, Output, Say
from dialogs.prompts import text
from dialogs.services import Environment, Settings, assess
from dialogs.state import Caller, State
from directory import service
from directory.emergency import Alarm
from directory.models import Category, DirectoryVersion, Division, Provider
from directory.names import english, spoken
from directory.orm import utcnow
from directory.phones import local_display
from ivr.conversations.directory_view import DbDirectory
from ivr.core import audit, clock, logs, metrics
from ivr.core.buckets import buckets, caller_group
from ivr.core.models import Call, Conversation, Resident
from ivr.core.statuses import Outcome
from ivr.providers.voice import voice_provider
from ivr.residents import access, callbacks, checks, outbox, records, referrals

log = logging.getLogger(__name__)
# The dialog a channel's conversations follow (line.yaml unless named here), and the channels
# that are phone calls (a care call is one the line placed).
DIALOGS = {"care": "care"}
CALLS = ("voice", "care")


def dialog_for(channel: str) -> Any:
    """The dialog of this channel's conversations."""
    return load(DIALOGS.get(channel, "line"))


@dataclass
class Turn:
    """What a channel renders: the conversation's language and the outputs of the turn."""

    language: str
    outputs: list[Output]
    state: State


def environment(session: Session, config: Any, phone: str, *, channel: str = "",
                counted: bool = False, version: str | None = None) -> Environment:
    """The engine's environment for this request, for the caller at `phone` (`counted`: the
    emergency assessment's decisions go to the metrics; `version`: the directory's, if read)."""
    # On a voice provider that hears no words (Somleng) a question goes to its keyed list.
    keys_only = channel in ("voice", "care") and \
        not voice_provider(config).capabilities.speech_input
    settings = Settings(elderly_direct_to_human=bool(config.get("ELDERLY_DIRECT_TO_HUMAN")),
                        caller_check=str(config.get("CALLER_CHECK") or "pin"),
                        keys_only=keys_only)
    directory = DbDirectory(session, config, phone, version)
    if not counted:
        return Environment(directory, settings, now=clock.local_now(config))
    return Environment(directory, settings, assess=_assessed, now=clock.local_now(config))


def _assessed(words: str) -> Alarm:
    """The emergency assessment, its decision counted."""
    alarm = assess(words)
    metrics.understood("emergency", alarm.decision)
    return alarm


def _slot_of(entry: dict[str, Any]) -> str:
    """Which slot an understood entry was about: what its node understands (need, place)."""
    node = load("care").nodes.get(str(entry.get("node", ""))) or \
        load().nodes.get(str(entry.get("node", "")))
    return (node.understand if node is not None else "") or "need"


def caller_profile(session: Session, phone: str, resident: Resident | None,
                   check: str = "off") -> Caller:
    """What the resident's file (found by `phone`) says about the person calling; caller ID
    is only a hint, so a completed file is `protected` until the caller passes the check."""
    last4 = "".join(ch for ch in phone if ch.isdigit())[-4:]
    if resident is None or not phone:
        return Caller(phone_last4=last4)
    division = session.get(Division, resident.division_code) if resident.division_code else None
    return Caller(
        known=True,
        name=resident.name,
        greet_by_name=resident.greet_by_name,
        elderly=bool({"elderly", "disabled"} & set(resident.groups or [])),
        division=resident.division_code or "",
        division_name=(spoken(division.name).core + spoken(division.name).kind) if division
        else "",
        district=(resident.division_code or "")[:6],
        phone_last4=last4,
        language=resident.language or "zh-CN",
        protected=not resident.provisional,
        checkable=not resident.provisional and checks.checkable(resident, check),
    )


def begin(session: Session, config: Any, channel: str, key: str, phone: str, *,
          caller: Caller | None = None, slots: dict[str, Any] | None = None,
          resident: Resident | None = None) -> Turn:
    """Open the conversation `key` (or serve its first answer again on a retry); `caller`,
    `slots` and `resident` for a conversation the line began (a care call: whose file, whom
    it rang, how to greet; the number rung may be a relative's)."""
    now = utcnow()
    usable = records.usable_phone(phone)
    found = resident or (records.find(session, phone) if usable else None)
    caller = caller or caller_profile(session, phone, found,
                                      str(config.get("CALLER_CHECK") or "pin"))
    state, outputs = engine.start(dialog_for(channel), caller,
                                  environment(session, config, phone, channel=channel), slots)
    plain = not any(isinstance(output, Effect) for output in outputs)
    told = numbered(outputs, None)
    values: dict[str, Any] = {
        "channel": channel, "key": key, "phone": phone, "turn": 0, "state": {},
        "last_outputs": [], "emergency": False, "started_at": now, "updated_at": now,
        "handed_off": False, "handed_off_at": None, "outcome": Outcome.IN_PROGRESS,
        "operator_notes": "", "recording_url": "", "answered": False, "abandoned": False,
        "resident_id": found.id if found else None,
        "caller_group": caller_group(found.groups) if found else "other",
        "area_code": (found.division_code or "") if found else "",
        **buckets(now, config["TIMEZONE"])}
    if plain:  # the conversation is written whole by its INSERT
        values.update(state=state.to_json(), turn=state.turn,
                      last_outputs=serialize.dump(told), **_ending(outputs, now))
    # The INSERT claims the conversation: a retry of this webhook (on PostgreSQL it waits
    # for this transaction) finds it taken and replays the stored answer instead.
    claimed = session.connection().execute(
        _claim(session.get_bind().dialect.name, tuple(values)), values).scalar()
    if claimed is None:
        row = _locked(session, channel, key)
        if row.state:
            return _replay(row.state, row.last_outputs)
        claimed, plain = row.id, False
    if usable and channel != "care":
        # Containment: an earlier contact from this number in the last 24 hours did not end
        # the matter. Flagged now so the report is a plain sum.
        epoch = values["started_epoch"]
        session.connection().execute(_RECONTACTED, {
            "b_phone": phone, "b_id": claimed, "b_since": epoch - 86400, "b_epoch": epoch})
    if found:
        found.last_contact_at = now
    else:
        # Every contact is written: an unknown number gets a provisional file, and a withheld
        # or invalid one (anonymous, +266696687, empty) one of its own for this contact
        # alone, so that no two such callers ever share a file.
        resident = records.open_provisional(
            session, phone if usable else records.withheld_key(channel, key),
            actor=f"{channel}:{key[:12]}")
        session.connection().execute(_LINKED, {
            "b_id": claimed, "b_resident": resident.id,
            "b_group": caller_group(resident.groups), "b_area": resident.division_code or ""})
    if plain:
        return Turn(state.language, told, state)
    opened = session.get(Conversation, claimed, populate_existing=True)
    assert opened is not None
    return _save(session, opened, state, outputs, channel, config)


# Built once (every first webhook runs both): building them cost more than running them.
_RECONTACTED = update(Conversation).where(
    Conversation.phone == bindparam("b_phone"), Conversation.id != bindparam("b_id"),
    Conversation.started_epoch >= bindparam("b_since"),
    Conversation.started_epoch <= bindparam("b_epoch")).values(recontacted=True)
_LINKED = update(Conversation).where(Conversation.id == bindparam("b_id")).values(
    resident_id=bindparam("b_resident"), caller_group=bindparam("b_group"),
    area_code=bindparam("b_area"))


def _ending(outputs: list[Output], now: datetime) -> dict[str, Any]:
    """What a new conversation's first outputs say of its outcome: a person, or the end."""
    connect = [o for o in outputs if isinstance(o, Connect) and o.target != "provider"]
    if connect:
        return {"handed_off": True, "handed_off_at": now,
                "outcome": Outcome.EMERGENCY if connect[-1].target == "emergency"
                else Outcome.HANDED_OFF}
    if any(isinstance(o, Hangup) for o in outputs):
        return {"outcome": Outcome.IVR_HANDLED}
    return {}


@lru_cache(maxsize=8)
def _claim(dialect: str, columns: tuple[str, ...]) -> Any:
    """INSERT the conversation unless it exists, returning its id: built once."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Conversation)
    return insert.values({c: bindparam(c) for c in columns}).on_conflict_do_nothing(
        index_elements=["channel", "key"]).returning(Conversation.id)


def take_turn(session: Session, config: Any, channel: str, key: str, phone: str,
              turn: int | None, event: Event, reader: Session | None = None) -> Turn:
    """Run one turn of the conversation `key`; a repeated turn number replays its answer.

    The engine runs on a snapshot read without a lock (in `reader` when given: SQLite's
    single writer, so its turn is taken only for the write), and the turn is written only if
    no other request (Twilio's retry of this one) moved the conversation meanwhile: a turn
    that only speaks with one conditional UPDATE, a turn with effects (a referral, a task)
    under the row's lock, re-checked there, so its effects are written once.
    """
    seen = _snapshot(reader or session, channel, key)
    if seen is None or not seen.state:
        _end_read(reader)
        return begin(session, config, channel, key, phone)
    if turn is not None and turn != seen.turn:
        _end_read(reader)
        return _replay(seen.state, seen.last_outputs)
    before = State.from_json(seen.state)
    known = len(before.understood)
    state, outputs = engine.step(dialog_for(channel), before, event, environment(
        reader or session, config, phone, channel=channel, counted=True,
        version=service.label(seen.directory_version, seen.directory_changed_at)))
    _end_read(reader)
    for entry in state.understood[known:]:
        metrics.understood(_slot_of(entry), str(entry.get("decision") or "none"))
    if not any(isinstance(output, Effect) for output in outputs):
        return _save_plain(session, seen, state, outputs, channel, key)
    row = _locked(session, channel, key)
    if row.turn != seen.turn:
        return _replay(row.state, row.last_outputs)
    return _save(session, row, state, outputs, channel, config)


def _snapshot(reader: Session, channel: str, key: str) -> Any:
    """The conversation's id, turn, state and last answer, read without a lock."""
    # Core on the session's connection, the statement built once: plain columns need none
    # of the ORM's work.
    return reader.connection().execute(_SNAPSHOT, {"channel": channel, "key": key}).first()


# The directory's version comes along: a second statement each turn before.
_SNAPSHOT = select(
    Conversation.id, Conversation.turn, Conversation.state, Conversation.last_outputs,
    select(DirectoryVersion.version).where(DirectoryVersion.id == 1).scalar_subquery()
    .label("directory_version"),
    select(DirectoryVersion.changed_at).where(DirectoryVersion.id == 1).scalar_subquery()
    .label("directory_changed_at")).where(
    Conversation.channel == bindparam("channel"), Conversation.key == bindparam("key"))


def _save_plain(session: Session, seen: Any, state: State, outputs: list[Output],
                channel: str, key: str) -> Turn:
    """Write a turn without effects in one UPDATE that takes only if the conversation is
    still at the turn the engine read; otherwise replay what the other request stored."""
    outputs = numbered(outputs, None)
    now = utcnow()
    values: dict[str, Any] = {"state": state.to_json(), "turn": state.turn,
                              "updated_at": now, "last_outputs": serialize.dump(outputs)}
    connect = [o for o in outputs if isinstance(o, Connect) and o.target != "provider"]
    hangup = any(isinstance(o, Hangup) for o in outputs)
    if connect or hangup:
        if connect:
            values.update(handed_off=True,
                          handed_off_at=func.coalesce(Conversation.handed_off_at, now),
                          outcome=Outcome.EMERGENCY if connect[-1].target == "emergency"
                          else Outcome.HANDED_OFF)
        else:
            values["outcome"] = case((Conversation.outcome == Outcome.IN_PROGRESS,
                                      Outcome.IVR_HANDLED), else_=Conversation.outcome)
        written = session.connection().execute(update(Conversation).where(
            Conversation.id == seen.id, Conversation.turn == seen.turn).values(**values))
    else:  # most turns: the statement built once
        written = session.connection().execute(_PLAIN, {
            "cid": seen.id, "seen": seen.turn, "new_state": values["state"],
            "new_turn": values["turn"], "now": now, "outputs": values["last_outputs"]})
    if written.rowcount != 1:
        again = _snapshot(session, channel, key)
        return _replay(again.state, again.last_outputs)
    return Turn(state.language, outputs, state)


_PLAIN = update(Conversation).where(
    Conversation.id == bindparam("cid"), Conversation.turn == bindparam("seen")).values(
    state=bindparam("new_state", type_=Conversation.state.type),
    turn=bindparam("new_turn"), updated_at=bindparam("now"),
    last_outputs=bindparam("outputs", type_=Conversation.last_outputs.type))


def _end_read(reader: Session | None) -> None:
    """Let go of the snapshot (nothing was written in it)."""
    if reader is not None:
        reader.rollback()


def preview(session: Session, config: Any, channel: str, key: str, event: Event) -> State:
    """The state a turn would lead to, written nowhere (the engine is pure)."""
    row = _locked(session, channel, key)
    state, _ = engine.step(load(), State.from_json(row.state), event,
                           environment(session, config, row.phone))
    return state


def _locked(session: Session, channel: str, key: str) -> Conversation:
    """The conversation row, which must exist, locked for this transaction."""
    return session.scalars(_locking(channel, key)).one()


def _locking(channel: str, key: str) -> Select[Conversation]:
    return select(Conversation).where(
        Conversation.channel == channel, Conversation.key == key).with_for_update()


def _replay(state_json: dict[str, Any], last_outputs: list[dict[str, Any]]) -> Turn:
    state = State.from_json(state_json)
    return Turn(state.language, serialize.load(last_outputs), state)


def _save(session: Session, row: Conversation, state: State, outputs: list[Output],
          channel: str, config: Any) -> Turn:
    row.state = state.to_json()
    row.turn = state.turn
    row.updated_at = utcnow()
    number: str | None = None
    for output in outputs:
        if isinstance(output, Effect):
            number = _apply(session, row, output, channel, config) or number
        elif isinstance(output, Connect) and output.target != "provider":
            row.handed_off = True
            row.handed_off_at = row.handed_off_at or utcnow()
            row.outcome = Outcome.EMERGENCY if output.target == "emergency" \
                else Outcome.HANDED_OFF
        elif isinstance(output, Hangup) and row.outcome == Outcome.IN_PROGRESS:
            row.outcome = Outcome.IVR_HANDLED
    outputs = numbered(outputs, number)
    row.last_outputs = serialize.dump(outputs)
    return Turn(state.language, outputs, state)


def numbered(outputs: list[Output], number: str | None) -> list[Output]:
    """The referral's number, known only once it is written, told to the caller; the sentence
    is left out when no referral was made (a caller without a number)."""
    told: list[Output] = []
    for output in outputs:
        if isinstance(output, Say) and output.prompt == "referral.number":
            if number:
                told.append(Say(output.prompt, {**output.params, "number": number}))
            continue
        told.append(output)
    return told


def _apply(session: Session, row: Conversation, effect: Effect, channel: str,
           config: Any) -> str | None:
    """Write what the turn decided, in the same transaction as the turn itself; a referral's
    short number when one was made."""
    data = effect.data
    if effect.name == "emergency":
        row.emergency = True
        logs.event(log, "emergency", severity=logging.WARNING, channel=channel,
                   conversation=row.id, call_sid=row.key if channel in CALLS else None,
                   kind=data.get("kind"), node=data.get("node"))
        if channel in CALLS:
            session.connection().execute(
                update(Call).where(Call.call_sid == row.key).values(emergency=True))
        emergency_task(session, row, str(data.get("kind") or "other"),
                       str(data.get("words") or ""), config)
    elif effect.name == "routed":
        row.category, row.division_code = data.get("need"), data.get("division")
        row.provider_id = data.get("provider")
        # The caller's area is the file's; a caller with none is placed where they said.
        row.area_code = row.area_code or str(data.get("division") or "")
    elif effect.name == "referral" and data.get("provider"):
        return _refer(session, row, data, channel, config)
    elif effect.name == "callback":
        callbacks.book(session, phone=row.phone, call_sid=row.key if channel in CALLS else "",
                       reason=str(data.get("reason", "asked")), category=data.get("need"))
    elif effect.name == "caller_check":
        _checked(session, row, bool(data.get("passed")), channel)
    elif effect.name == "readout" and row.resident_id:
        needs = [str(n) for n in data.get("needs") or []]
        access.note_view(session, row.resident_id,
                         access.Viewer(f"line:{channel}:{row.key[:12]}", "line"),
                         fields=[str(f) for f in data.get("fields") or []],
                         reason="read to the caller on the line",
                         health=bool(set(needs) & access.SENSITIVE_NEEDS))
    elif effect.name in ("save_place", "save_need"):
        resident = _resident(session, row)
        audit.record(session, actor=f"resident:{channel}", role="resident", action="change",
                     resident_id=resident.id,
                     fields=["division" if effect.name == "save_place" else "needs"],
                     reason="changed by the resident in the dialog")
        if effect.name == "save_place" and data.get("division"):
            resident.division_code = str(data["division"])
        if effect.name == "save_need" and data.get("category"):
            resident.needs = sorted({*(resident.needs or []), str(data["category"])})
        resident.updated_at = utcnow()
        resident.updated_by = f"resident:{channel}"
    return None


def emergency_task(session: Session, row: Conversation, kind: str, said: str,
                   config: Any) -> None:
    """The operators' emergency task for this contact (one per emergency, due in minutes)."""
    resident = row.resident
    callbacks.emergency(
        session, phone=row.phone, key=row.key, kind=kind, said=said,
        division=row.area_code or row.division_code or (resident.division_code if resident
                                                        else None),
        minutes=int(config.get("EMERGENCY_TASK_MINUTES") or 5),
        reason="crisis" if kind == "suicide" else "emergency")


def _resident(session: Session, row: Conversation) -> Resident:
    """The file this contact writes to: the one it was linked to when it began."""
    linked = session.get(Resident, row.resident_id) if row.resident_id else None
    if linked is not None:
        return linked
    if records.usable_phone(row.phone):
        return records.provisional(session, row.phone, actor="resident")
    return records.open_provisional(session, records.withheld_key(row.channel, row.key),
                                    actor="resident")


def _checked(session: Session, row: Conversation, passed: bool, channel: str) -> None:
    """Count a wrong answer at the caller check (the file locks at checks.MAX_FAILURES)."""
    resident = records.find(session, row.phone) if records.usable_phone(row.phone) else None
    if resident is None:
        return
    resident.check_failures = 0 if passed else resident.check_failures + 1
    if not passed:
        audit.record(session, actor=f"line:{channel}:{row.key[:12]}", role="line",
                     action="refused", resident_id=resident.id, fields=[],
                     reason=f"caller check failed ({resident.check_failures} in a row)")


def _to_duty(session: Session, row: Conversation, data: dict[str, Any], channel: str,
             config: Any) -> None:
    """No platform serves the place: a task for the duty officer to arrange it, and the duty
    number by SMS (there is no referral to hold, so no work-order number)."""
    callbacks.book(session, phone=row.phone, call_sid=row.key if channel in CALLS else "",
                   reason="no_platform", category=str(data.get("need") or "") or None)
    row.outcome = Outcome.HANDED_OFF
    if not records.usable_phone(row.phone) or data.get("connect", True):
        return None
    need = session.get(Category, str(data.get("need") or ""))
    language = str((row.state or {}).get("language") or "zh-CN")
    values = {"need": referrals.category_name(need, language) if need else "",
              "phone": local_display(str(config.get("DUTY_NUMBER") or ""))}
    outbox.enqueue(session, row.phone, text("sms.no_platform", language, **values),
                   "no_platform_to_resident", None, params=values)
    return None


def _refer(session: Session, row: Conversation, data: dict[str, Any], channel: str,
           config: Any) -> str | None:
    """A referral from the routed request, its SMS to the provider and to the resident; its
    short number (none when no platform holds it)."""
    resident = _resident(session, row)
    # Held here so that referrals.create finds them in the session's identity map (which
    # keeps only objects someone refers to): each was read twice a referral before, the
    # provider with its category and area lists, which this turn never reads.
    provider = session.get(Provider, str(data["provider"]),
                           options=[lazyload(Provider.categories), lazyload(Provider.serves)])
    if provider is None:
        _to_duty(session, row, data, channel, config)
        return None
    need = session.get(Category, str(data["need"]))
    referral = referrals.create(
        session, resident=resident, category=str(data["need"]), division=str(data["division"]),
        answer=None, provider_id=str(data["provider"]), level=str(data.get("level") or ""),
        config=config, conversation_id=row.id, actor=f"resident:{channel}")
    row.outcome = Outcome.REFERRED
    number = records.short_number(referral.id)
    if resident.sms_opt_out or not records.usable_phone(row.phone):
        return number
    # The language the caller chose in this call, else the one on file.
    language = str((row.state or {}).get("language") or resident.language or "zh-CN")
    # In English the name as the call said it, and as written on the door beside it.
    named = f"{english(provider.name)} ({provider.name})" if language == "en" else provider.name
    values = {"need": referrals.category_name(need, language), "provider": named,
              "phone": local_display(provider.phone), "number": number}
    outbox.enqueue(session, row.phone, text("sms.referral", language, **values),
                   "referral_to_resident", referral.id, params=values)
    return number

