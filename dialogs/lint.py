"""Check a dialog's rules when it loads and in CI (`python -m dialogs.cli_lint [FILE ...]`).

Every node reachable; every exit leads somewhere; every waiting node has help and ladders
that end with a person, never a hang-up; no menu over four options or on a reserved key;
every prompt present in every language; no loop that never waits for the caller.
"""

from __future__ import annotations

from dialogs.capabilities import KEYS_VARIANT, PROFILES, Capabilities, invites_speech
from dialogs.commands import RESERVED_KEYS
from dialogs.model import MAX_OPTIONS, MORE_KEY, WAITING, Dialog
from dialogs.prompts import LANGUAGES, catalog

CONDITIONS = frozenset({"elderly_direct_to_human", "place_on_file", "need_pending",
                        "place_pending", "need_known", "place_known", "place_broad",
                        "caller_trusted", "caller_check_offered"})
ACTIONS = frozenset({"care_well", "care_help",
                     "route", "send_route_sms", "status", "callback", "propose_file_place",
                     "save_place", "save_need", "resume"})
LADDERS = ("noinput", "nomatch")


def lint(dialog: Dialog) -> list[str]:
    """Every rule the dialog breaks, one sentence each (empty when it is fine)."""
    problems: list[str] = []
    problems += _structure(dialog)
    if problems:
        return problems
    problems += _reachability(dialog)
    problems += _ladders(dialog)
    problems += _nodes(dialog)
    problems += _prompts(dialog)
    problems += _loops(dialog)
    for capabilities in PROFILES.values():
        problems += _profile(dialog, capabilities)
    if not problems:
        problems += _speech(dialog)
    return problems


def _profile(dialog: Dialog, capabilities: Capabilities) -> list[str]:
    """What a provider without some capability needs of the dialog."""
    found: list[str] = []
    if capabilities.speech_input:
        return found
    where = f"without speech input ({capabilities.name})"
    key = dialog.emergency_key
    menu_keys = {o.key for n in dialog.nodes.values() if n.kind == "menu" for o in n.options}
    if not key or key in RESERVED_KEYS or key in menu_keys or len(key) != 1 \
            or not key.isdigit():
        found.append(f"{where}: emergency_key must be one digit, not reserved and not a menu "
                     f"option (got {key!r})")
    for lang in LANGUAGES:
        for pid, sentence in catalog(lang).items():
            if not pid.endswith(KEYS_VARIANT) and invites_speech(sentence) \
                    and pid + KEYS_VARIANT not in catalog(lang):
                found.append(f"{where}: prompt {pid} asks the caller to speak; it needs "
                             f"{pid}{KEYS_VARIANT} in {lang}")
    if "menu.emergency_key" not in catalog("zh-CN") or "menu.emergency_key" not in catalog("en"):
        found.append(f"{where}: prompt menu.emergency_key is missing")
    return found


def _speech(dialog: Dialog) -> list[str]:
    """The speech budget: no caller kept listening too long before they can answer."""
    from dialogs.budget import waits

    found = []
    for wait in waits(dialog):
        if wait.over:
            found.append(f"node {wait.node} ({wait.language}, {wait.profile}, {wait.how}): "
                         f"{wait.seconds:.1f} s of speech before the caller can answer, over "
                         f"{wait.limit:.0f} s: {wait.text}")
    return found


def _structure(dialog: Dialog) -> list[str]:
    found = []
    if dialog.start not in dialog.nodes:
        found.append(f"start node {dialog.start!r} does not exist")
    human = dialog.nodes.get(dialog.human)
    if human is None or human.kind != "transfer" or human.target != "duty":
        found.append(f"human node {dialog.human!r} must be a transfer to the duty operator")
    for role, target in (("emergency", "emergency"), ("crisis", "crisis")):
        node = dialog.nodes.get(getattr(dialog, role))
        if node is None or node.kind != "transfer" or node.target != target:
            found.append(f"{role} node {getattr(dialog, role)!r} must be a transfer to {target}")
    check = dialog.nodes.get(dialog.emergency_check)
    if check is None or check.kind != "confirm" or check.if_yes != dialog.emergency:
        found.append(f"emergency_check node {dialog.emergency_check!r} must be a confirmation "
                     "whose yes is the emergency transfer")
    for node in dialog.nodes.values():
        for target in node.exits():
            if target not in dialog.nodes:
                found.append(f"node {node.name} leads to {target!r}, which does not exist")
    return found


def _reachability(dialog: Dialog) -> list[str]:
    seen = set()
    todo = [dialog.start, dialog.human, dialog.emergency, dialog.crisis, dialog.emergency_check]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += dialog.nodes[name].exits()
    return [f"node {n} cannot be reached from {dialog.start}" for n in dialog.nodes
            if n not in seen]


def _ladders(dialog: Dialog) -> list[str]:
    found = []
    for name in LADDERS:
        steps = dialog.ladders.get(name, ())
        if not steps:
            found.append(f"the {name} ladder is missing")
        elif steps[-1] != "human":
            found.append(f"the {name} ladder ends with {steps[-1]!r}: it must end with a person")
        if "hangup" in steps:
            found.append(f"the {name} ladder hangs up on the caller")
    return found


def _nodes(dialog: Dialog) -> list[str]:
    found = []
    for node in dialog.nodes.values():
        where = f"node {node.name}"
        if node.kind in WAITING and not node.help:
            found.append(f"{where}: a waiting node needs a help prompt (the fuller reprompt)")
        if node.kind == "menu":
            keys = [o.key for o in node.options]
            if not 1 <= len(keys) <= MAX_OPTIONS:
                found.append(f"{where}: a menu has 1 to {MAX_OPTIONS} options, not {len(keys)}")
            if len(set(keys)) != len(keys):
                found.append(f"{where}: a key is used twice ({keys})")
            for key in keys:
                if key in RESERVED_KEYS or len(key) != 1 or not key.isdigit():
                    found.append(f"{where}: key {key!r} is reserved or not a single digit")
        if node.shortcut and dialog.nodes[node.shortcut].kind != "question":
            found.append(f"{where}: a shortcut must name a question node")
        if node.kind == "question":
            if node.understand not in ("need", "place"):
                found.append(f"{where}: understand must be need or place")
            confirm = dialog.nodes.get(node.confirm or "")
            if confirm is None or confirm.kind != "confirm" or not node.next:
                found.append(f"{where}: a question needs next and a confirm node")
            path = dialog.nodes.get(node.keys or "")
            if path is None or path.kind != "pick" or path.understand != node.understand:
                found.append(f"{where}: a question needs a key path (keys: a pick node of the "
                             "same kind) for callers who only press keys")
        if node.kind == "pick":
            confirm = dialog.nodes.get(node.confirm or "")
            if node.understand not in ("need", "place") or not node.next or not node.more \
                    or confirm is None or confirm.kind != "confirm":
                found.append(f"{where}: a pick needs understand (need or place), next, more "
                             "and a confirm node")
            if node.understand == "need" and not dialog.needs:
                found.append(f"{where}: the dialog lists no needs to pick from")
            if node.understand == "need" and any(c == "emergency" for c, _ in dialog.needs):
                found.append(f"{where}: an emergency is never a need to pick (it is dialled)")
            if MORE_KEY in RESERVED_KEYS:
                found.append(f"{where}: the key for the next page is reserved")
        if node.kind == "secret" and not (node.next and node.otherwise):
            found.append(f"{where}: a check needs next (passed) and otherwise (not passed)")
        if node.kind == "confirm" and not (node.if_yes and node.if_no):
            found.append(f"{where}: a confirmation needs if_yes and if_no")
        if node.kind == "branch" and (node.when not in CONDITIONS
                                      or not (node.then and node.otherwise)):
            found.append(f"{where}: a branch needs a known condition, then and otherwise")
        if node.kind == "action" and (node.action not in ACTIONS or not node.next):
            found.append(f"{where}: unknown action {node.action!r} or no next")
        if node.kind == "transfer" and node.target not in ("duty", "emergency", "crisis",
                                                            "provider"):
            found.append(f"{where}: transfer target must be duty, emergency, crisis or provider")
        if node.kind in ("say",) and not node.next:
            found.append(f"{where}: a say node needs next")
    return found


def _prompt_ids(dialog: Dialog) -> set[str]:
    ids = {s for steps in dialog.ladders.values() for s in steps if s != "human"}
    for node in dialog.nodes.values():
        ids.update(p for p in node.prompts if "{" not in p)
        ids.update(p for p in (node.help, node.more, node.deeper) if p)
        for option in node.options:
            ids.update((option.prompt, f"{option.prompt}.label"))
    ids.update(prompt for _, prompt in dialog.needs)
    if any(n.kind == "pick" and n.understand == "place" for n in dialog.nodes.values()):
        ids.add("place.choice")
    return ids


def _prompts(dialog: Dialog) -> list[str]:
    return [f"prompt {pid} is missing in {lang}" for pid in sorted(_prompt_ids(dialog))
            for lang in LANGUAGES if pid not in catalog(lang)]


def _loops(dialog: Dialog) -> list[str]:
    """A cycle of nodes that never wait would run forever."""
    found = []
    for start in dialog.nodes.values():
        if start.kind in WAITING:
            continue
        seen, todo = set(), list(start.exits())
        while todo:
            name = todo.pop()
            node = dialog.nodes[name]
            if node.kind in WAITING or name in seen:
                continue
            if name == start.name:
                found.append(f"node {start.name} loops without waiting for the caller")
                break
            seen.add(name)
            todo += node.exits()
    return found
