"""The state of one conversation between turns: where it is, what it knows, its counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Caller:
    """What the electronic file says about the caller (empty for an unknown number)."""

    known: bool = False
    # The name the greeting uses: the whole name, since the file holds no 先生/女士.
    name: str = ""
    greet_by_name: bool = True
    elderly: bool = False
    division: str = ""
    division_name: str = ""
    district: str = ""
    phone_last4: str = ""
    language: str = "zh-CN"
    # Caller ID is a hint: a completed file is protected, and its name, address and requests
    # are told only to a caller who passed the check (checkable: the file holds a PIN or the
    # ID card's last four, not locked by wrong answers).
    protected: bool = False
    checkable: bool = False
    verified: bool = False


@dataclass
class State:
    """Everything a conversation carries from one turn to the next (JSON-serialisable)."""

    node: str = ""
    language: str = "zh-CN"
    elderly: bool = False
    turn: int = 0
    noinput: int = 0
    nomatch: int = 0
    failures: int = 0
    history: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    caller: Caller = field(default_factory=Caller)
    emergency: bool = False
    # Whether the reserved keys (0, 9, *, 8) were announced: once a call, again on request or
    # after a misunderstanding, never at the end of every prompt.
    keys_told: bool = False
    ended: bool = False
    path: list[str] = field(default_factory=list)
    understood: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the database (shallow: it shares this state's lists and dicts,
        which the JSON column serialises as they are; dataclasses.asdict copied them all)."""
        return {**self.__dict__, "caller": dict(self.caller.__dict__)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        """Rebuild a state stored by to_json (unknown keys are ignored)."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        caller = Caller(**{k: v for k, v in (fields.pop("caller", None) or {}).items()
                           if k in Caller.__dataclass_fields__})
        return cls(caller=caller, **fields)
