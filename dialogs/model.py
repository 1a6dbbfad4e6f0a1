"""Dialogs as data: nodes of a few kinds, loaded from YAML and checked when loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

NodeKind = Literal["say", "menu", "question", "pick", "confirm", "secret", "branch", "action",
                   "transfer", "end"]
# Kinds that wait for the caller; the others run at once and lead on.
# A secret node asks for keys that prove the caller (a PIN, the ID card's last four): `next`
# when they match the file, `otherwise` (treated as a new caller) when not or when skipped.
WAITING = frozenset({"menu", "question", "pick", "confirm", "secret"})
MAX_OPTIONS = 4
# A pick node lists a long list by keys, a page at a time: at most three entries and the key
# that leads on to the next page ("其他"), or the last four entries on the last page.
MORE_KEY = "4"


@dataclass(frozen=True)
class Option:
    """One menu choice: its key, prompt, the words that pick it and where it leads."""

    key: str
    prompt: str
    next: str
    words: tuple[str, ...] = ()
    # Shown to callers in the elderly profile too (fewer options per prompt for them).
    elderly: bool = True


@dataclass(frozen=True)
class Node:
    """One step of a dialog."""

    name: str
    kind: NodeKind
    prompts: tuple[str, ...] = ()
    help: str | None = None
    next: str | None = None
    options: tuple[Option, ...] = ()
    understand: Literal["need", "place", ""] = ""
    confirm: str | None = None
    if_yes: str | None = None
    if_no: str | None = None
    when: str = ""
    then: str | None = None
    otherwise: str | None = None
    action: str = ""
    target: Literal["duty", "emergency", "crisis", "provider", ""] = ""
    reason: str = ""
    # A menu may let callers skip ahead: words that answer this question are taken as such.
    shortcut: str | None = None
    # A question's key path: the pick node a caller who presses a key (or is not understood
    # the first time, or is in the elderly profile) is taken to.
    keys: str | None = None
    # A pick node: the prompt that leads on to the next page, and the one for the second
    # level of a list of places (the townships of the district chosen).
    more: str | None = None
    deeper: str | None = None
    # A menu's prompts said after its options (a number to note down): the caller who knows
    # what to press need not wait for them.
    after: tuple[str, ...] = ()
    # A place confirmation: the pick node where the caller chooses between places that sound
    # exactly alike (光明社区 in three districts) instead of confirming the first of them.
    ties: str | None = None
    # A menu after the slots are filled (the route's choices): where a correction said there
    # (不对，不是包河，是蜀山区三里庵街道) leads once it has changed the slot it names.
    corrected: str | None = None

    def exits(self) -> list[str]:
        """Every node this one can lead to (global commands aside)."""
        found = [self.next, self.confirm, self.if_yes, self.if_no, self.then, self.otherwise,
                 self.shortcut, self.keys, self.ties, self.corrected]
        found += [o.next for o in self.options]
        return [n for n in found if n]


@dataclass(frozen=True)
class Dialog:
    """A named set of nodes, the node a conversation starts at, and its ladders."""

    name: str
    start: str
    human: str
    nodes: dict[str, Node] = field(default_factory=dict)
    ladders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Where a clear emergency, a crisis (thoughts of suicide) and an uncertain emergency go:
    # two transfers and a confirmation that defaults to help on silence.
    emergency: str = ""
    crisis: str = ""
    emergency_check: str = ""
    # The keyed menu of needs, most asked first: (category code, prompt) pairs.
    needs: tuple[tuple[str, str], ...] = ()
    # A key that dials the emergency transfer from any menu (offered aloud where the caller
    # cannot say 救命: a line without speech input).
    emergency_key: str = ""

    def node(self, name: str) -> Node:
        """The node called `name` (KeyError if the dialog has none)."""
        return self.nodes[name]
