"""Golden transcripts: each conversation through the engine, rendered for voice and for text.

`pytest --update-golden` rewrites tests/golden/*.yaml when a change is intended; review the
diff like any other change.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogs import engine
from dialogs.loader import load
from dialogs.outputs import Effect, Event, Output
from dialogs.render_text import render as render_text
from dialogs.services import Environment, Settings
from dialogs.state import Caller, State
from directory.emergency import Alarm, assess
from ivr.conversations.turns import numbered
from ivr.voice.render import VoiceRenderer

from .conftest import DUTY, EMERGENCY
from .golden_directory import GoldenDirectory

GOLDEN = Path(__file__).with_name("golden")
# The line's local time in a transcript (a Sunday evening), unless it says `now:`.
NOW = "2026-11-29T20:00"
FILES = sorted(GOLDEN.glob("*.yaml"))
CONFIG = {"VOICE_LANGUAGE": "cmn-CN", "VOICE_NAME": "Polly.Zhiyu",
          "SPEECH_LANGUAGE": "cmn-Hans-CN", "DUTY_NUMBER": DUTY, "EMERGENCY_NUMBER": EMERGENCY,
          "DIAL_TIMEOUT_S": 30}


def event_of(given: str) -> Event:
    """'' silence, digits as keys, '~0.2:words' words heard with low confidence."""
    if not given:
        return Event()
    if all(c in "0123456789*#" for c in given):
        return Event(digits=given)
    if given.startswith("~") and ":" in given:
        confidence, words = given[1:].split(":", 1)
        return Event(speech=words, confidence=float(confidence))
    return Event(speech=given, confidence=0.9)


def voice_lines(outputs: list[Output], language: str, slow: bool) -> list[str]:
    """The TwiML of a turn, flattened to lines a person can review."""
    renderer = VoiceRenderer(CONFIG, turn_path="/voice/turn", dial_done_path="/voice/dial-done",
                             language=language, slow=slow)
    root = ET.fromstring(str(renderer.render(outputs)))
    lines: list[str] = []
    for element in root.iter():
        if element.tag == "Say":
            slow = " slow" if element.find("prosody") is not None else ""
            lines.append(f"say[{element.get('language')}{slow}] {''.join(element.itertext())}")
        elif element.tag == "Gather":
            lines.append(f"gather timeout={element.get('timeout')} -> {element.get('action')}")
        elif element.tag == "Dial":
            numbers = ",".join((n.text or "") for n in element.iter("Number"))
            lines.append(f"dial {numbers} -> {element.get('action')}")
        elif element.tag in ("Redirect", "Hangup"):
            lines.append(element.tag.lower())
    return lines


def assessor(alarms: dict[str, dict[str, Any]] | None) -> Callable[[str], Alarm]:
    """The emergency assessment, with verdicts a transcript writes down for words that
    directory.emergency does not yet understand by meaning (an `alarms:` mapping)."""
    def assess_with(words: str) -> Alarm:
        if alarms and words in alarms:
            return Alarm(**alarms[words])
        return assess(words)
    return assess_with


def run(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
    """Every turn of a transcript: what came in, what voice and text said, what was written."""
    env = Environment(GoldenDirectory(doc.get("requests")), Settings(**doc.get("settings", {})),
                      assessor(doc.get("alarms")),
                      now=datetime.fromisoformat(doc.get("now", NOW)))
    dialog = load()
    state, outputs = engine.start(dialog, Caller(**doc.get("caller", {})), env)
    turns = [_record("(call starts)", outputs, state)]
    for turn in doc.get("turns", []):
        state, outputs = engine.step(dialog, state, event_of(turn["in"]), env)
        # As the line does once the referral is written: its number told to the caller.
        referred = any(isinstance(o, Effect) and o.name == "referral" for o in outputs)
        outputs = numbered(outputs, "R12" if referred else None)
        turns.append(_record(turn["in"], outputs, state))
    return turns, set(state.path)


def _record(given: str, outputs: list[Output], state: State) -> dict[str, Any]:
    effects = [f"{o.name} {sorted(o.data.items())}" for o in outputs if isinstance(o, Effect)]
    return {"in": given, "voice": voice_lines(outputs, state.language, state.elderly),
            "text": render_text(outputs, state.language), "effects": effects}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_transcript(path: Path, request: pytest.FixtureRequest) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    turns, _ = run(doc)
    if request.config.getoption("--update-golden"):
        doc["turns"] = [{"in": t["in"]} for t in turns[1:]]
        doc["transcript"] = turns
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=200),
                        encoding="utf-8")
        return
    assert "transcript" in doc, f"run pytest --update-golden to write {path.name}"
    assert turns == doc["transcript"]


def test_transcripts_cover_every_node_and_global_command() -> None:
    assert len(FILES) >= 30
    visited: set[str] = set()
    inputs: list[str] = []
    for path in FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        visited |= run(doc)[1]
        inputs += [t["in"] for t in doc.get("turns", [])]
    assert set(load().nodes) <= visited, set(load().nodes) - visited
    for command in ("0", "9", "*", "8", "慢一点", "救命", "转人工", "English", ""):
        assert any(command == given or (command and command in given) for given in inputs)


def test_every_transcript_ends_with_a_person_a_goodbye_or_a_question() -> None:
    for path in FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        last = run(doc)[0][-1]["voice"]
        assert any(line.startswith(("dial", "gather", "hangup")) for line in last), path.name
        if any(line == "hangup" for line in last):
            assert any("再见" in line or "Goodbye" in line for line in last), path.name
