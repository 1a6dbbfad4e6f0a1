"""What the line could not write while the database was down, kept on disk and written later.

When a webhook fails with a database error the caller is still put through to the duty
officer, and the signed request is appended to a spool file: a call's first webhook, a turn
in the middle of its dialog, a status callback. The worker (or
`flask --app ivr spool replay`) writes the spooled calls and contacts once the database
answers; replaying twice writes nothing twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from directory import phones
from directory.orm import utcnow
from ivr.core.buckets import buckets
from ivr.core.models import Conversation
from ivr.core.statuses import Outcome
from ivr.core.upsert import insert_ignore
from ivr.voice import calls


def path_of(config: Any) -> Path:
    """Where the spool lives (SPOOL_PATH, by default in the instance folder)."""
    return Path(config["SPOOL_PATH"])


def record(config: Any, route: str, form: dict[str, str]) -> None:
    """Append one failed webhook, durably, under a lock shared by all workers."""
    path = path_of(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"route": route, "form": form, "at": utcnow().isoformat()},
                      ensure_ascii=False)
    with path.open("a", encoding="utf-8") as spool:
        fcntl.flock(spool, fcntl.LOCK_EX)
        spool.write(line + "\n")
        spool.flush()
        os.fsync(spool.fileno())
        fcntl.flock(spool, fcntl.LOCK_UN)


def replay(session: Session, config: Any) -> int:
    """Write every spooled entry; return how many. The file is kept if writing fails."""
    path = path_of(config)
    if not path.exists():
        return 0
    # One replayer at a time, whichever worker or host (a spool on a volume every host
    # mounts): a second one's rename would overwrite the first one's entries in hand.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another worker is replaying it now
        return _replay_held(session, config, path)


def _replay_held(session: Session, config: Any, path: Path) -> int:
    """Write every spooled entry, holding the replay lock."""
    if not path.exists():
        return 0
    taken = path.with_suffix(".replaying")
    with path.open("r+", encoding="utf-8") as spool:
        fcntl.flock(spool, fcntl.LOCK_EX)
        os.replace(path, taken)  # new failures start a fresh spool meanwhile
        fcntl.flock(spool, fcntl.LOCK_UN)
    entries = [json.loads(line) for line in taken.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    try:
        for entry in entries:
            _write(session, config, entry)
        session.commit()
    except Exception:
        session.rollback()
        # Put the entries back in front of anything spooled since.
        later = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(taken.read_text(encoding="utf-8") + later, encoding="utf-8")
        taken.unlink()
        raise
    taken.unlink()
    return len(entries)


def _write(session: Session, config: Any, entry: dict[str, Any]) -> None:
    form: dict[str, str] = entry.get("form") or {}
    call_sid = form.get("CallSid", "")
    if not call_sid:
        return
    at = datetime.fromisoformat(entry["at"])
    status = form.get("CallStatus", "") if entry["route"] == "status" else "in-progress"
    duration = form.get("CallDuration", "")
    sent = form.get("From", "")[:32]
    caller = phones.parse(sent) or sent  # as the live route reads it
    calls.record(session, call_sid, status, from_number=caller,
                 to_number=form.get("To", "")[:32], timezone=config["TIMEZONE"], now=at,
                 duration_s=int(duration) if duration.isdigit() else None)
    if entry["route"] == "turn":
        # The caller was put through to the duty officer in the middle of the dialog.
        session.execute(update(Conversation).where(
            Conversation.channel == "voice", Conversation.key == call_sid,
            Conversation.outcome == Outcome.IN_PROGRESS).values(
            handed_off=True, handed_off_at=at, outcome=Outcome.OUTAGE))
    if entry["route"] == "voice":
        # The caller was put straight through to the duty officer: a handed-off contact.
        insert_ignore(session, Conversation, {
            "channel": "voice", "key": call_sid, "phone": caller,
            "turn": 0, "state": {"path": ["outage"]}, "last_outputs": [], "emergency": False,
            "started_at": at, "updated_at": at, "handed_off": True, "handed_off_at": at,
            "outcome": Outcome.OUTAGE, "operator_notes": "", "recording_url": "",
            "caller_group": "other", "area_code": "", "answered": False, "abandoned": False,
            "recontacted": False, **buckets(at, config["TIMEZONE"])}, ["channel", "key"])
