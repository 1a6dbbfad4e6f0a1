"""Read a dialog from YAML into typed nodes; the lint then checks its rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dialogs.model import Dialog, Node, Option

FLOWS = Path(__file__).with_name("flows")
NODE_FIELDS = {"kind", "prompts", "help", "next", "options", "understand", "confirm", "if_yes",
               "if_no", "when", "then", "otherwise", "action", "target", "reason", "shortcut",
               "keys", "more", "deeper", "ties", "after", "corrected"}


class DialogError(ValueError):
    """A dialog file that cannot be used; the message names every problem."""


def parse(text: str, source: str = "<dialog>") -> Dialog:
    """Build a Dialog from YAML text, or raise DialogError naming the bad node."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DialogError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), dict):
        raise DialogError(f"{source}: needs a mapping with 'nodes'")
    if doc.get("extends"):
        doc = _extended(doc, source)
    problems: list[str] = []
    nodes = {str(name): _node(str(name), raw, problems) for name, raw in doc["nodes"].items()}
    ladders = {str(k): tuple(str(s) for s in v) for k, v in (doc.get("ladders") or {}).items()}
    needs = tuple((str(n.get("need", "")), str(n.get("prompt", "")))
                  for n in doc.get("needs") or () if isinstance(n, dict))
    if problems:
        raise DialogError(f"{source}: " + "; ".join(problems))
    return Dialog(str(doc.get("name", source)), str(doc.get("start", "")),
                  str(doc.get("human", "")), nodes, ladders,
                  emergency=str(doc.get("emergency", "")), crisis=str(doc.get("crisis", "")),
                  emergency_check=str(doc.get("emergency_check", "")), needs=needs,
                  emergency_key=str(doc.get("emergency_key") or ""))


def _extended(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """A dialog that starts elsewhere and goes on into another (`extends: line`): the other's
    nodes, needs and ladders with its own nodes on top, keeping only the nodes its start (or a
    person, an emergency) can reach, so a care call that goes on does so exactly as a call in.
    """
    base_path = FLOWS / f"{doc['extends']}.yaml"
    try:
        base = yaml.safe_load(base_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DialogError(f"{source}: cannot extend {doc['extends']!r}: {error}") from None
    clash = set(doc["nodes"]) & set(base.get("nodes") or {})
    if clash:
        raise DialogError(f"{source}: nodes {sorted(clash)} are already in {doc['extends']}")
    merged = {**base, **{k: v for k, v in doc.items() if k not in ("extends", "nodes")}}
    nodes = {**base["nodes"], **doc["nodes"]}
    seen: set[str] = set()
    todo = [str(merged.get(k) or "") for k in ("start", "human", "emergency", "crisis",
                                                   "emergency_check")]
    while todo:
        name = todo.pop()
        raw = nodes.get(name)
        if not name or name in seen or not isinstance(raw, dict):
            continue
        seen.add(name)
        todo += [str(raw[k]) for k in ("next", "confirm", "if_yes", "if_no", "then",
                                       "otherwise", "shortcut", "keys", "ties", "corrected")
                 if raw.get(k)]
        todo += [str(o.get("next", "")) for o in raw.get("options") or () if isinstance(o, dict)]
    merged["nodes"] = {name: raw for name, raw in nodes.items() if name in seen}
    return merged


def _node(name: str, raw: Any, problems: list[str]) -> Node:
    if not isinstance(raw, dict) or "kind" not in raw:
        problems.append(f"node {name}: needs a kind")
        return Node(name, "say")
    unknown = set(raw) - NODE_FIELDS
    if unknown:
        problems.append(f"node {name}: unknown fields {sorted(unknown)}")
    options = tuple(
        Option(str(o.get("key", "")), str(o.get("prompt", "")), str(o.get("next", "")),
               tuple(str(w) for w in o.get("words", ())), bool(o.get("elderly", True)))
        for o in raw.get("options", ()) if isinstance(o, dict)
    )
    fields = {k: v for k, v in raw.items()
              if k in NODE_FIELDS and k not in ("options", "prompts", "after")}
    return Node(name=name, options=options,
                prompts=tuple(str(p) for p in raw.get("prompts", ())),
                after=tuple(str(p) for p in raw.get("after", ())), **fields)


@cache
def load(name: str = "line") -> Dialog:
    """Load a shipped dialog and refuse it if the lint finds anything."""
    from dialogs.lint import lint

    path = FLOWS / f"{name}.yaml"
    dialog = parse(path.read_text(encoding="utf-8"), str(path))
    problems = lint(dialog)
    if problems:
        raise DialogError(f"{path}: " + "; ".join(problems))
    return dialog
