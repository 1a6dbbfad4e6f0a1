"""Conversations between webhooks: load state, run the engine once per turn, apply effects.

A turn number travels in every action URL. A request whose number is not the current one is
a retry (or a stale page): it gets the stored answer again and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialogs import engine, serialize
from dialogs.loader import load
from dialogs.outputs import Effect, Event, Output
from dialogs.services import Environment, Settings
from dialogs.state import Caller, State
from directory.models import Division
from directory.names import spoken
from directory.orm import utcnow
from ivr.dialog_directory import DbDirectory
from ivr.models import Call, CallbackTask, Conversation, OutboxMessage, Resident
from ivr.upsert import insert_ignore


@dataclass
class Turn:
    """What a channel renders: the conversation's language and the outputs of the turn."""

    language: str
    outputs: list[Output]
    state: State


def environment(session: Session, config: Any) -> Environment:
    """The engine's environment for this request."""
    settings = Settings(elderly_direct_to_human=bool(config.get("ELDERLY_DIRECT_TO_HUMAN")))
    return Environment(DbDirectory(session, config), settings)


def caller_profile(session: Session, phone: str) -> Caller:
    """What the resident's file says about the person calling from `phone`."""
    last4 = "".join(ch for ch in phone if ch.isdigit())[-4:]
    resident = session.scalars(select(Resident).where(Resident.phone == phone)).first()
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
    )


def begin(session: Session, config: Any, channel: str, key: str, phone: str) -> Turn:
    """Open the conversation `key` (or serve its first answer again on a retry)."""
    insert_ignore(session, Conversation,
                  {"channel": channel, "key": key, "phone": phone, "turn": 0, "state": {},
                   "last_outputs": [], "emergency": False, "started_at": utcnow(),
                   "updated_at": utcnow()}, ["channel", "key"])
    row = _locked(session, channel, key)
    if row.state:
        return _replay(row)
    state, outputs = engine.start(load(), caller_profile(session, phone),
                                  environment(session, config))
    return _save(session, row, state, outputs, channel)


def take_turn(session: Session, config: Any, channel: str, key: str, phone: str,
              turn: int | None, event: Event) -> Turn:
    """Run one turn of the conversation `key`; a repeated turn number replays its answer."""
    row = session.scalars(select(Conversation).where(
        Conversation.channel == channel, Conversation.key == key).with_for_update()).first()
    if row is None or not row.state:
        return begin(session, config, channel, key, phone)
    if turn is not None and turn != row.turn:
        return _replay(row)
    state, outputs = engine.step(load(), State.from_json(row.state), event,
                                 environment(session, config))
    return _save(session, row, state, outputs, channel)


def _locked(session: Session, channel: str, key: str) -> Conversation:
    return session.scalars(select(Conversation).where(
        Conversation.channel == channel, Conversation.key == key).with_for_update()).one()


def _replay(row: Conversation) -> Turn:
    state = State.from_json(row.state)
    return Turn(state.language, serialize.load(row.last_outputs), state)


def _save(session: Session, row: Conversation, state: State, outputs: list[Output],
          channel: str) -> Turn:
    row.state = state.to_json()
    row.turn = state.turn
    row.last_outputs = serialize.dump(outputs)
    row.updated_at = utcnow()
    for effect in (o for o in outputs if isinstance(o, Effect)):
        _apply(session, row, effect, channel)
    return Turn(state.language, outputs, state)


def _apply(session: Session, row: Conversation, effect: Effect, channel: str) -> None:
    """Write what the turn decided, in the same transaction as the turn itself."""
    data = effect.data
    if effect.name == "emergency":
        row.emergency = True
        if channel == "voice":
            session.execute(update(Call).where(Call.call_sid == row.key).values(emergency=True))
    elif effect.name == "callback":
        session.add(CallbackTask(phone=row.phone, call_sid=row.key if channel == "voice" else "",
                                 reason=str(data.get("reason", "asked")),
                                 category=data.get("need")))
    elif effect.name == "sms_to_caller" and row.phone:
        session.add(OutboxMessage(to_number=row.phone, body=str(data["text"]),
                                  purpose="route_to_caller"))
    elif effect.name in ("save_place", "save_need") and row.phone:
        resident = _resident(session, row.phone)
        if effect.name == "save_place" and data.get("division"):
            resident.division_code = str(data["division"])
        if effect.name == "save_need" and data.get("category"):
            resident.needs = sorted({*(resident.needs or []), str(data["category"])})
        resident.updated_at = utcnow()
        resident.updated_by = f"resident:{channel}"


def _resident(session: Session, phone: str) -> Resident:
    resident = session.scalars(select(Resident).where(Resident.phone == phone)).first()
    if resident is None:
        resident = Resident(phone=phone, provisional=True, updated_by="resident", groups=[],
                            needs=[])
        session.add(resident)
        session.flush()
    return resident
