"""Outputs to and from JSON, so the last answer of a turn can be stored and served again."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dialogs.outputs import Ask, Choice, Connect, Effect, Hangup, Output, Say

_TYPES: dict[str, type] = {"Say": Say, "Ask": Ask, "Connect": Connect, "Hangup": Hangup,
                           "Effect": Effect}


def dump(outputs: list[Output]) -> list[dict[str, Any]]:
    """Plain dicts tagged with their type."""
    return [{"type": type(o).__name__, **asdict(o)} for o in outputs]


def load(data: list[dict[str, Any]]) -> list[Output]:
    """Rebuild outputs stored by dump."""
    outputs: list[Output] = []
    for item in data:
        fields = {k: v for k, v in item.items() if k != "type"}
        kind = item["type"]
        if kind == "Ask":
            fields["prompts"] = tuple(Say(**p) for p in fields["prompts"])
            fields["choices"] = tuple(Choice(**c) for c in fields["choices"])
            fields["hints"] = tuple(fields["hints"])
        outputs.append(_TYPES[kind](**fields))
    return outputs
