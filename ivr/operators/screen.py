"""What the console shows: the live queue, the tasks, the screen pop of the caller being
taken (who, what the line heard in words, the directory's suggestion in Mandarin)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from directory.emergency import KIND_WORDS
from directory.models import Category, Division, Provider
from directory.orm import utcnow
from directory.routing import RoutingError, ancestors, route
from ivr.conversations import handoff
from ivr.core import clock, display
from ivr.core.models import CallbackTask, Conversation, Resident, TextMessage, User
from ivr.core.statuses import CallbackStatus
from ivr.residents import access, records

CALLBACK_HOURS = 24


def caller_summary(session: Session, conversation_id: int | None) -> dict[str, Any]:
    """Who is calling, where they live and what they need, as words."""
    known = handoff.facts(session, session.get(Conversation, conversation_id)
                          if conversation_id else None)
    category = session.get(Category, known.need) if known.need else None
    resident = known.resident
    return {"name": resident.name if resident and resident.name else "未登记 Not on file",
            "resident": resident, "place": records.display_name(session, known.place),
            "need": f"{category.zh} {category.en}" if category else "",
            "elderly": known.elderly, "emergency": known.emergency,
            "need_code": known.need, "place_code": known.place}


def queue_rows(session: Session) -> list[dict[str, Any]]:
    """Everyone waiting for a person, in the order they will be taken."""
    now = utcnow()
    rows = []
    for position, entry in enumerate(handoff.waiting(session), start=1):
        rows.append({"position": position, "entry": entry,
                     **caller_summary(session, entry.conversation_id),
                     "waited_s": int((now - handoff.aware(entry.enqueued_at)).total_seconds())})
    return rows


def callback_rows(session: Session) -> list[dict[str, Any]]:
    """Open callback tasks, emergencies and elderly first, each with its conversation."""
    rows = list(session.scalars(
        select(CallbackTask).where(CallbackTask.status == CallbackStatus.OPEN).order_by(
            case((CallbackTask.category == "emergency", 0), else_=1), CallbackTask.created_at)))
    residents = {r.phone: r for r in session.scalars(
        select(Resident).where(Resident.phone.in_({t.phone for t in rows if t.phone})))}
    keys = {t.call_sid for t in rows if t.call_sid}
    conversations = {c.key: c for c in session.scalars(
        select(Conversation).where(Conversation.key.in_(keys)))} if keys else {}
    now = utcnow()
    out: list[dict[str, Any]] = []
    for task in rows:
        resident = residents.get(task.phone)
        elderly = bool(resident and {"elderly", "disabled"} & set(resident.groups or []))
        # An emergency task is due in minutes (EMERGENCY_TASK_MINUTES), the others in a day.
        due = handoff.aware(task.due_at) if task.due_at else \
            handoff.aware(task.created_at) + timedelta(hours=CALLBACK_HOURS)
        conversation = conversations.get(task.call_sid)
        out.append({"task": task, "resident": resident, "elderly": elderly, "due": due,
                    "conversation": conversation,
                    "chat": conversation is not None and conversation.channel == "chat",
                    "overdue": now > due,
                    "left_h": round((due - now).total_seconds() / 3600, 1),
                    "left_min": max(0, int((due - now).total_seconds() // 60)),
                    "kind": KIND_WORDS.get(task.kind or "other", KIND_WORDS["other"]),
                    "village": records.display_name(session, task.division_code)
                    if task.division_code else ""})
    out.sort(key=_callback_order)
    return out


def _callback_order(row: dict[str, Any]) -> tuple[bool, bool, bool, Any]:
    """Emergencies, then tasks past their deadline (marked by the jobs), then elderly and
    disabled residents, then the earliest due."""
    task: CallbackTask = row["task"]
    return task.category != "emergency", not task.overdue, not row["elderly"], row["due"]


def text_rows(session: Session) -> list[dict[str, Any]]:
    """SMS and chat conversations handed to a person in the last day, newest first."""
    since = utcnow() - timedelta(hours=24)
    rows = session.scalars(select(Conversation).where(
        Conversation.channel.in_(("sms", "chat")), Conversation.handed_off.is_(True),
        Conversation.updated_at >= since).order_by(Conversation.emergency.desc(),
                                                   Conversation.updated_at.desc())).all()
    out = []
    for row in rows:
        messages = session.scalars(select(TextMessage).where(
            TextMessage.conversation_id == row.id).order_by(TextMessage.id)).all()
        out.append({"conversation": row, "messages": messages[-6:],
                    **caller_summary(session, row.id)})
    return out


def author_names(session: Session) -> dict[str, str]:
    """Who wrote a text message, as people: 居民, 热线, or the operator's name."""
    names = dict(display.LABELS["author"])
    for user in session.scalars(select(User).where(User.role == "operator")):
        names[f"operator:{user.id}"] = f"接线员 {user.name or user.username}"
    return names


def heard(session: Session, conversation: Conversation | None) -> list[dict[str, str]]:
    """What the caller said and what the line understood, in words (no codes, no scores)."""
    if conversation is None:
        return []
    out = []
    for item in (conversation.state or {}).get("understood", []):
        code = item.get("code")
        meaning = ""
        if code:
            category = session.get(Category, code)
            if category is not None:
                meaning = f"需要 {category.zh}（{category.en}）"
            elif session.get(Division, code) is not None:
                meaning = f"住在 {records.display_name(session, code)}"
        out.append({"said": str(item.get("said") or "（没有说话 silence）"),
                    "meaning": meaning or "没听懂 Not understood",
                    "decision": display.label(item.get("decision"), "decision")})
    return out


def suggestion(session: Session, config: Any, conversation: Conversation | None
               ) -> dict[str, Any] | None:
    """The directory's answer for the caller's need and place, explained in Mandarin."""
    known = handoff.facts(session, conversation)
    if not known.need or not known.place:
        return None
    try:
        answer = route(session, known.need, known.place, clock.local_now(config),
                       duty_phone=config.get("DUTY_NUMBER"))
    except RoutingError:
        return None
    category = session.get(Category, known.need)
    passed = [f"{s.name}：{display.label(s.why, 'skip')}"
              + (f"，{display.text_time(s.next_open)} 开门 opens" if s.next_open else "")
              for s in answer.skipped]
    return {"id": answer.id, "name": answer.name, "phone": answer.phone,
            "level": answer.level, "category": known.need, "division": known.place,
            "need": f"{category.zh} {category.en}" if category else "",
            "place": records.display_name(session, known.place),
            "why": display.label(answer.reason_code, "route"), "passed": passed,
            "opens": display.text_time(answer.next_open)}


def platforms_for(session: Session, place: str | None) -> list[Provider]:
    """The village station and township center that cover a place (transfer targets)."""
    if not place:
        return []
    codes = ancestors(place)
    return list(session.scalars(select(Provider).where(
        Provider.kind.in_(("village_station", "township_center")),
        Provider.division_code.in_(codes))))


def audit_shown(session: Session, actor: str, queue: list[dict[str, Any]],
                callbacks: list[dict[str, Any]], texts: list[dict[str, Any]],
                seen: set[str]) -> set[str]:
    """Every name, number and message a console page shows is a view of that resident's file,
    written through the access policy with what it disclosed (access.note_view). The live
    part reloads every few seconds: each row is audited once per login session (`seen`), a
    text conversation again when a new message shows. Returns the keys audited now."""
    viewer = access.Viewer(actor, "operator")
    done: set[str] = set()

    def note(key: str, resident_id: int | None, fields: list[str], reason: str,
             health: bool = False) -> None:
        if key in seen or key in done or not fields:
            return
        done.add(key)
        access.note_view(session, resident_id, viewer, fields=fields, reason=reason,
                         health=health)

    def summary_fields(row: dict[str, Any]) -> list[str]:
        resident = row.get("resident")
        return [f for f, v in (("name", resident.name if resident else None),
                               ("division", row.get("place_code")),
                               ("needs", row.get("need_code"))) if v]

    for row in queue:
        entry, resident = row["entry"], row.get("resident")
        note(f"queue:{entry.id}", resident.id if resident else None,
             summary_fields(row) + (["phone"] if entry.phone else []),
             f"live queue on the console, entry {entry.id}",
             health=row.get("need_code") in access.SENSITIVE_NEEDS)
    for row in callbacks:
        task, resident = row["task"], row.get("resident")
        fields = [f for f, v in (("phone", task.phone),
                                 ("name", resident.name if resident else None),
                                 ("division", task.division_code),
                                 ("understood", task.said)) if v]
        note(f"callback:{task.id}", resident.id if resident else None, fields,
             f"callback task {task.id} on the console",
             health=task.category in access.SENSITIVE_NEEDS)
    for row in texts:
        conversation, resident = row["conversation"], row.get("resident")
        last = row["messages"][-1].id if row["messages"] else 0
        note(f"text:{conversation.id}:{last}", conversation.resident_id,
             summary_fields(row) + (["phone"] if conversation.phone else []) + ["messages"],
             f"text conversation {conversation.id} on the console",
             health=row.get("need_code") in access.SENSITIVE_NEEDS)
    return done


def audit_residents(session: Session, actor: str, rows: list[dict[str, Any]], why: str,
                    fields: tuple[str, ...] = ("name", "phone", "division")) -> None:
    """Every resident named on a console page (a search, a contact) is a view of their file,
    audited through the access policy with what the page showed."""
    viewer = access.Viewer(actor, "operator")
    seen: set[int] = set()
    for row in rows:
        resident = row.get("resident")
        if resident is not None and resident.id not in seen:
            seen.add(resident.id)
            shown = list(fields) + (["needs"] if row.get("need_code") else [])
            access.note_view(session, resident.id, viewer, fields=shown, reason=why,
                             health=row.get("need_code") in access.SENSITIVE_NEEDS)
