"""The speech budget: how long each waiting node keeps a caller listening before they can
answer, in both languages and both profiles (the lint refuses what is over; the bench prints
the longest).

A caller can answer at the end of a question (it takes words) or of a menu's first option
(it takes a key); what is said after that (the other options, a number to note, the reserved
keys, the fuller help after a second failure) does not keep anybody waiting. Counted before
it: every sentence the non-waiting nodes on the way say, or the ladder's reprompt after a
silence or a misunderstanding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.model import WAITING, Dialog, Node
from dialogs.prompts import LANGUAGES, catalog, fill
from dialogs.speech import BUDGET_S, FIRST_QUESTION_S, SAMPLES, seconds, spoken

PROFILES = ("normal", "elderly")
# Where the caller can first answer inside a node's own words: a question asked (it takes
# words), or a key offered (请按1 / press 1), to the end of that clause.
_ANSWERABLE = re.compile(r"[？?]|(?:请?按|[Pp]ress )[0-9*#][^，。,.;；！!]*[，。,.;；！!]?")
# The choices the voice line asks outside the dialog: after hours, and when the queue is
# too long.
LINE_WAITS = {"(after hours)": ("closed.intro", "closed.options"),
              "(queue timed out)": ("queue.timeout",)}
LEVELS = ("provider", "village_station", "township_center", "district_call_center",
          "district_call_center_closed", "district_call_center_full")
# The caller check's kinds that ask for keys (CALLER_CHECK; "off" asks nothing).
CHECKS = ("pin", "id4")


@dataclass(frozen=True)
class Wait:
    """One way into a waiting node and how long the caller listens before they can answer."""

    node: str
    language: str
    profile: str
    how: str
    prompts: tuple[str, ...]
    text: str
    seconds: float
    limit: float

    @property
    def over(self) -> bool:
        """Whether the caller listens longer than the budget allows."""
        return self.seconds > self.limit


def sentence(prompt: str, language: str) -> str:
    """A prompt as the voice says it, placeholders filled with ordinary long values."""
    template = catalog(language).get(prompt) or catalog("zh-CN")[prompt]
    return spoken(fill(template, language, dict(SAMPLES[language])), language)


def waits(dialog: Dialog) -> list[Wait]:
    """Every way into every waiting node, measured in each language and profile."""
    found: list[Wait] = []
    for language in LANGUAGES:
        for profile in PROFILES:
            found += _first_question(dialog, language, profile)
            for name, own in LINE_WAITS.items():
                found.append(_measure(name, language, profile, "the line's own choices", (),
                                      own, BUDGET_S[profile]))
            for node in dialog.nodes.values():
                if node.kind not in WAITING:
                    continue
                for how, lead, answerable in _leads(dialog, node, profile):
                    again = how.startswith("after") and " at " not in how
                    mine = () if answerable else _own(dialog, node, profile, again)
                    for own in _expand(mine):
                        found.append(_measure(node.name, language, profile, how, lead, own,
                                              BUDGET_S[profile]))
    return found


def _measure(name: str, language: str, profile: str, how: str, lead: tuple[str, ...],
             own: tuple[str, ...], limit: float) -> Wait:
    said = " ".join(sentence(p, language) for p in lead)
    mine = " ".join(sentence(p, language) for p in own)
    point = _ANSWERABLE.search(mine)
    said = f"{said} {mine[:point.end()] if point else mine}".strip()
    return Wait(name, language, profile, how, (*lead, *own), said,
                seconds(said, language, slow=profile == "elderly"), limit)


def _expand(prompts: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A prompt named by the route's level ("route.result.{level}") as each of its levels, or
    by the caller check's kind ("check.ask.{check}") as each kind that asks."""
    if any("{level}" in p for p in prompts):
        return [tuple(p.format(level=level) for p in prompts) for level in LEVELS]
    if any("{check}" in p for p in prompts):
        return [tuple(p.format(check=check) for p in prompts) for check in CHECKS]
    return [prompts]


def _own(dialog: Dialog, node: Node, profile: str, again: bool) -> tuple[str, ...]:
    """A node's own sentences up to the first thing the caller can answer; `again` when it is
    asked again after a failure (tapered: a menu's choices alone, a question's last
    sentence), as the engine does."""
    if node.kind == "menu":
        options = [o for o in node.options if o.elderly or profile != "elderly"]
        return (*(() if again else node.prompts), *(o.prompt for o in options[:1]))
    prompts = node.prompts[-1:] if again else node.prompts
    if node.kind == "pick":
        first = dialog.needs[0][1] if node.understand == "need" else "place.choice"
        if node.deeper:
            return (node.deeper, first)  # a district's streets are asked with its name
        return (*prompts, first)
    return prompts


def _leads(dialog: Dialog, node: Node,
           profile: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """What may be said before a node's own words: the non-waiting nodes on each way in, and
    the ladders' reprompts (in the elderly profile followed by the offer of a person, which
    can be answered with 0: then the node's own words come after the caller could answer)."""
    leads = [(f"from {how}", lead, False) for how, lead in _before(dialog, node.name, set())]
    asked_again = not (node.kind == "question" and node.keys)
    for ladder, steps in dialog.ladders.items():
        for step in (s for s in steps if s != "human"):
            if profile == "elderly":
                leads.append((f"after {step}", (step, "offer.human"), True))
                continue
            if asked_again or node.kind == "pick":
                leads.append((f"after {step} ({ladder})", (step,), False))
    for question in dialog.nodes.values():
        if question.keys == node.name and profile != "elderly":
            for step in dialog.ladders.get("nomatch", ()):
                if step != "human":
                    leads.append((f"after {step} at {question.name}", (step,), False))
    return leads


def _before(dialog: Dialog, name: str, seen: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The sentences of every run of non-waiting nodes that ends at `name`."""
    runs: list[tuple[str, tuple[str, ...]]] = [("an answer", ())]
    for other in dialog.nodes.values():
        if other.kind in WAITING or name not in other.exits() or other.name in seen:
            continue
        said = _said(other)
        for how, lead in _before(dialog, other.name, seen | {other.name}):
            runs.append((other.name if how == "an answer" else how, (*lead, *said)))
    return runs


def _said(node: Node) -> tuple[str, ...]:
    """What a non-waiting node says (the greeting as it sounds to a caller on file)."""
    return tuple("greeting.known" if p == "greeting" else p for p in node.prompts
                 if node.kind != "transfer")


def _first_question(dialog: Dialog, language: str, profile: str) -> list[Wait]:
    """The greeting and the first question of the call, together."""
    found = []
    for name in _first_waiting(dialog, dialog.start, set()):
        node = dialog.node(name)
        for how, lead in _before(dialog, name, set()):
            if how != dialog.start:
                continue
            for own in _expand(tuple(node.prompts)):
                found.append(_measure(name, language, profile, "greeting and first question",
                                      lead, own, FIRST_QUESTION_S[profile]))
    return found


def _first_waiting(dialog: Dialog, name: str, seen: set[str]) -> set[str]:
    node = dialog.node(name)
    if node.kind in WAITING:
        return {name}
    if node.kind == "transfer" or name in seen:
        return set()
    found: set[str] = set()
    for following in node.exits():
        found |= _first_waiting(dialog, following, seen | {name})
    return found
