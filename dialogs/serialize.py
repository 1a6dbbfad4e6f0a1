"""Outputs to and from JSON, so the last answer of a turn can be stored and served again."""

from __future__ import annotations

from typing import Any

from dialogs.outputs import Ask, Choice, Connect, Effect, Hangup, Output, Say

_TYPES: dict[str, type] = {"Say": Say, "Ask": Ask, "Connect": Connect, "Hangup": Hangup,
                           "Effect": Effect}


def dump(outputs: list[Output]) -> list[dict[str, Any]]:
    """Plain dicts tagged with their type."""
    return [_plain(o) for o in outputs]


def _plain(output: Output) -> dict[str, Any]:
    # Written out rather than dataclasses.asdict, which deep-copies: a turn's outputs are
    # stored once and never changed afterwards.
    data = {"type": type(output).__name__, **output.__dict__}
    if isinstance(output, Ask):
        data["prompts"] = [dict(p.__dict__) for p in output.prompts]
        data["choices"] = [dict(c.__dict__) for c in output.choices]
        data["hints"] = list(output.hints)
        data["after"] = [dict(p.__dict__) for p in output.after]
    return data


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
            fields["after"] = tuple(Say(**p) for p in fields.get("after") or ())
        outputs.append(_TYPES[kind](**fields))
    return outputs
