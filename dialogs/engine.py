"""The conversation engine: `step(dialog, state, event, env) -> (state, outputs)`.

Pure: it reads the dialog (data), the state and the event, asks the directory only
questions, and returns the new state and what the channel should say and do. Writes come
back as Effect outputs. Nothing here knows Flask, Twilio or the database.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.commands import LANGUAGE_WORDS, Command, global_command, normalize, yes_or_no
from dialogs.model import WAITING, Dialog, Node
from dialogs.outputs import Ask, Choice, Connect, Effect, Event, Hangup, Output, Say
from dialogs.prompts import text
from dialogs.services import Environment
from dialogs.state import Caller, State
from directory.phones import local_display

# Longest run of nodes that do not wait; a dialog that needs more has a loop (the lint
# refuses those, this is the last guard).
MAX_HOPS = 40
TIMEOUT_S = 5
ELDERLY_TIMEOUT_S = 8
# Below this recognizer confidence a spoken menu choice is not trusted on its own.
LOW_CONFIDENCE = 0.4


class _Turn:
    """The work of one step: the state being changed and the outputs collected."""

    def __init__(self, dialog: Dialog, state: State, env: Environment) -> None:
        self.dialog = dialog
        self.state = state
        self.env = env
        self.out: list[Output] = []

    # --- saying ----------------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """Placeholders every prompt may use, from what the conversation knows."""
        s, slots = self.state, self.state.slots
        lang = s.language
        need = slots.get("pending_need") or slots.get("need")
        place = slots.get("pending_place") or slots.get("place")
        route = slots.get("route") or {}
        values: dict[str, Any] = {
            "name": s.caller.name,
            "last4": s.caller.phone_last4,
            "need": self.env.directory.need_name(need, lang) if need else "",
            "place": self.env.directory.place_name(place) if place else
            s.caller.division_name,
            "provider": route.get("name", ""),
            "phone": local_display(route.get("phone") or ""),
            "level": route.get("level", ""),
            "closed": text(f"level.{route.get('closed_level', 'provider')}", lang),
            "next_open": _when(route.get("next_open"), lang),
        }
        return values

    def say(self, prompt: str, **extra: Any) -> None:
        """Queue one prompt, placeholders filled now."""
        params = {**self.params(), **extra}
        self.out.append(Say(prompt.format(**params) if "{" in prompt else prompt, params))

    def ask(self, node: Node, *, full: bool = True) -> None:
        """Queue the question of a waiting node, with its choices and the global keys."""
        s = self.state
        params = self.params()
        prompts = [Say(p.format(**params) if "{" in p else p, params)
                   for p in (node.prompts if full else node.prompts[-1:])]
        choices = tuple(Choice(o.key, o.prompt, f"{o.prompt}.label") for o in node.options
                        if o.elderly or not s.elderly)
        expect = {"menu": "menu", "confirm": "yesno"}.get(node.kind, "speech")
        if node.kind == "confirm":
            prompts.append(Say("yesno.keys"))
        hints: tuple[str, ...] = tuple(w for o in node.options for w in o.words)
        if node.kind == "question":
            within = s.caller.district or None
            hints = self.env.directory.hints(node.understand, within)
        self.out.append(Ask(tuple(prompts), expect, s.turn, choices, hints,  # type: ignore[arg-type]
                            ELDERLY_TIMEOUT_S if s.elderly else TIMEOUT_S, s.elderly,
                            bool(s.history)))

    # --- moving ----------------------------------------------------------------------------

    def run(self, name: str) -> None:
        """Enter `name` and run on until a node waits for the caller or the call ends."""
        for _ in range(MAX_HOPS):
            node = self.dialog.node(name)
            self.state.path.append(name)
            if node.kind in WAITING:
                self._enter(node)
                return
            following = self._perform(node)
            if following is None:
                return
            name = following
        self.connect_human("loop")

    def _enter(self, node: Node) -> None:
        s = self.state
        if s.node != node.name:
            if s.node and self.dialog.node(s.node).kind in WAITING:
                s.history.append(s.node)
            s.node, s.noinput, s.nomatch = node.name, 0, 0
        self.ask(node)

    def _perform(self, node: Node) -> str | None:
        """Run a node that does not wait; return the next node, or None when the call ends."""
        if node.kind == "say":
            for prompt in node.prompts:
                self.greet(prompt) if prompt == "greeting" else self.say(prompt)
            return node.next
        if node.kind == "branch":
            return node.then if CONDITIONS[node.when](self) else node.otherwise
        if node.kind == "action":
            following = ACTIONS[node.action](self)
            for prompt in node.prompts:
                self.say(prompt)
            return following or node.next
        if node.kind == "transfer":
            for prompt in node.prompts:
                self.say(prompt)
            self.transfer(node)
            return None
        for prompt in node.prompts:  # end
            self.say(prompt)
        self.out.append(Hangup())
        self.state.ended = True
        return None

    def greet(self, prompt: str) -> None:
        """The greeting: by name for a known caller who did not opt out."""
        caller = self.state.caller
        if caller.known and caller.name and caller.greet_by_name:
            self.say("greeting.known")
        else:
            self.say(prompt)
        other = "en" if self.state.language == "zh-CN" else "zh-CN"
        self.out.append(Say("language.offer", voice=other))

    def transfer(self, node: Node) -> None:
        """Put the caller through, as the transfer node says."""
        s = self.state
        s.ended = True
        if node.target == "provider":
            route = s.slots.get("route") or {}
            self.out.append(Effect("referral", {"need": s.slots.get("need"),
                                                "division": s.slots.get("place"),
                                                "provider": route.get("id"),
                                                "level": route.get("level"), "connect": True}))
            self.out.append(Connect("provider", node.reason or "referral", route.get("phone"),
                                    route.get("name")))
            return
        self.out.append(Connect("duty" if node.target == "duty" else "emergency",
                                node.reason or "asked"))

    def connect_human(self, reason: str, prompt: str = "connect.human") -> None:
        """Put the caller through to the duty operator."""
        self.say(prompt)
        self.state.ended = True
        self.out.append(Connect("duty", reason))

    # --- failing well ----------------------------------------------------------------------

    def failure(self, ladder: str) -> None:
        """Climb a ladder: reprompt, fuller prompt with an example, then a person."""
        s = self.state
        node = self.dialog.node(s.node)
        s.failures += 1
        if ladder == "noinput":
            s.noinput += 1
            count = s.noinput
            if not s.elderly:
                s.elderly = True  # after a first silence: slower, longer, a person sooner
        else:
            s.nomatch += 1
            count = s.nomatch
        steps = self.dialog.ladders[ladder]
        budget = (self.env.settings.elderly_failure_budget if s.elderly
                  else self.env.settings.failure_budget)
        step = steps[min(count, len(steps)) - 1]
        if step == "human" or s.failures >= budget:
            prompt = "connect.after_silence" if ladder == "noinput" else "connect.after_failures"
            self.connect_human("silence" if ladder == "noinput" else "no_match", prompt)
            return
        self.say(step)
        if s.elderly:
            self.say("offer.human")  # elderly callers are offered a person at once
        if count >= 2 and node.help:
            self.say(node.help)
        self.ask(node)


# --- conditions and actions, named in the dialog files --------------------------------------


def _elderly_direct(turn: _Turn) -> bool:
    return turn.env.settings.elderly_direct_to_human and turn.state.caller.elderly


def _place_on_file(turn: _Turn) -> bool:
    return bool(turn.state.caller.division)


CONDITIONS: dict[str, Callable[[_Turn], bool]] = {
    "elderly_direct_to_human": _elderly_direct,
    "place_on_file": _place_on_file,
}


def _route(turn: _Turn) -> str | None:
    slots = turn.state.slots
    if not slots.get("place") and turn.state.caller.division:
        slots["place"] = turn.state.caller.division
    answer = turn.env.directory.route(slots["need"], slots["place"])
    slots["route"] = {"id": answer.id, "name": answer.name, "phone": answer.phone,
                      "level": answer.level, "reason_code": answer.reason_code,
                      "next_open": answer.next_open, "closed_level": "provider"}
    turn.out.append(Effect("routed", {"need": slots["need"], "division": slots["place"],
                                      "provider": answer.id, "level": answer.level,
                                      "reason_code": answer.reason_code}))
    if answer.reason_code == "closed" and answer.next_open:
        turn.say("route.closed")
    return None


def _send_route_sms(turn: _Turn) -> str | None:
    slots = turn.state.slots
    route = slots.get("route") or {}
    # The referral's confirmation SMS carries the provider's name, phone and number.
    turn.out.append(Effect("referral", {"need": slots.get("need"), "division": slots.get("place"),
                                        "provider": route.get("id"),
                                        "level": route.get("level"), "connect": False}))
    return None


def _status(turn: _Turn) -> str | None:
    requests = turn.env.directory.open_requests()
    if not requests:
        turn.say("status.none")
        return None
    turn.say("status.some", count=len(requests))
    lang = turn.state.language
    for request in requests[:3]:
        turn.say("status.item", need=turn.env.directory.need_name(request.need, lang),
                 provider=request.provider, state=text(f"state.{request.state}", lang))
    return None


def _callback(turn: _Turn) -> str | None:
    turn.out.append(Effect("callback", {"reason": "asked",
                                        "need": turn.state.slots.get("need")}))
    return None


def _propose_file_place(turn: _Turn) -> str | None:
    turn.state.slots["pending_place"] = turn.state.caller.division
    return None


def _save_place(turn: _Turn) -> str | None:
    place = turn.state.slots.get("place")
    turn.out.append(Effect("save_place", {"division": place}))
    turn.state.caller.division = place or ""
    return None


def _save_need(turn: _Turn) -> str | None:
    turn.out.append(Effect("save_need", {"category": turn.state.slots.get("need")}))
    return None


ACTIONS: dict[str, Callable[[_Turn], str | None]] = {
    "route": _route,
    "send_route_sms": _send_route_sms,
    "status": _status,
    "callback": _callback,
    "propose_file_place": _propose_file_place,
    "save_place": _save_place,
    "save_need": _save_need,
}


# --- the two entry points ---------------------------------------------------------------------


def start(dialog: Dialog, caller: Caller, env: Environment) -> tuple[State, list[Output]]:
    """Open a conversation for a caller."""
    state = State(language=caller.language or "zh-CN", elderly=caller.elderly, caller=caller)
    turn = _Turn(dialog, state, env)
    turn.run(dialog.start)
    return state, turn.out


def step(dialog: Dialog, state: State, event: Event,
         env: Environment) -> tuple[State, list[Output]]:
    """Answer one turn of the caller."""
    new = copy.deepcopy(state)
    turn = _Turn(dialog, new, env)
    new.turn += 1
    if new.ended or new.node not in dialog.nodes:
        turn.connect_human("no_dialog")
        return new, turn.out
    if not _global(turn, event):
        _answer(turn, dialog.node(new.node), event)
    return new, turn.out


def _global(turn: _Turn, event: Event) -> bool:
    """Handle a command that works everywhere; True if the turn is done."""
    s = turn.state
    command = global_command(event.digits, event.speech)
    node = turn.dialog.node(s.node)
    if command is Command.EMERGENCY:
        s.emergency = True
        turn.out.append(Effect("emergency", {"words": event.speech[:100], "node": s.node}))
        turn.say("connect.emergency")
        s.ended = True
        turn.out.append(Connect("emergency", "emergency"))
    elif command is Command.HUMAN:
        turn.run(turn.dialog.human)
    elif command is Command.REPEAT:
        turn.ask(node)
    elif command is Command.SLOWER:
        s.elderly = True
        turn.say("slower")
        turn.ask(node)
    elif command is Command.LANGUAGE:
        # A named language (English, 普通话) is taken; the key 8 switches to the other one.
        wanted = LANGUAGE_WORDS.get(normalize(event.speech))
        s.language = wanted or ("en" if s.language == "zh-CN" else "zh-CN")
        turn.say("language.switched")
        turn.ask(node)
    elif command is Command.BACK:
        if s.history:
            s.node = s.history.pop()
            s.noinput = s.nomatch = 0
            s.path.append(s.node)
        turn.ask(turn.dialog.node(s.node))
    else:
        return False
    return True


def _answer(turn: _Turn, node: Node, event: Event) -> None:
    """The caller answered the waiting node (or stayed silent)."""
    if event.silent:
        turn.failure("noinput")
        return
    if node.kind == "menu":
        _menu(turn, node, event)
    elif node.kind == "confirm":
        _confirm(turn, node, event)
    else:
        _question(turn, node, event)


def _menu(turn: _Turn, node: Node, event: Event) -> None:
    said = normalize(event.speech)
    if node.shortcut and said and not event.digits and _shortcut(turn, node.shortcut, event):
        return
    for option in node.options:
        by_key = event.digits == option.key or said == option.key
        by_words = not event.digits and any(w.replace(" ", "") in said for w in option.words)
        if by_key or by_words:
            turn.run(option.next)
            return
    turn.failure("nomatch")


def _confirm(turn: _Turn, node: Node, event: Event) -> None:
    answer = yes_or_no(event.digits, event.speech)
    slots = turn.state.slots
    if answer is None:
        turn.failure("nomatch")
        return
    for kind in ("need", "place"):
        pending = slots.pop(f"pending_{kind}", None)
        if answer and pending:
            slots[kind] = pending
    turn.run(node.if_yes if answer else node.if_no)  # type: ignore[arg-type]


def _shortcut(turn: _Turn, name: str, event: Event) -> bool:
    """Answer a later question from what was said at a menu, when it clearly does."""
    question = turn.dialog.node(name)
    if question.understand != "need":
        return False
    result = turn.env.directory.understand_need(event.speech)
    if result.best is None or result.decision == "none":
        return False
    turn.state.path.append(name)
    _question(turn, question, event)
    return True


def _question(turn: _Turn, node: Node, event: Event) -> None:
    s = turn.state
    words = event.speech
    if node.understand == "need":
        result = turn.env.directory.understand_need(words)
    else:
        result = turn.env.directory.understand_place(words, s.caller.district or None)
    best = result.best
    s.understood.append({"node": node.name, "said": words[:200], "decision": result.decision,
                         "code": best.code if best else None,
                         "score": best.score if best else None,
                         "alternatives": [[a.code, a.score] for a in result.alternatives[:3]]})
    if best is None or result.decision == "none":
        turn.failure("nomatch")
        return
    if best.code == "emergency":
        _global(turn, Event(speech="救命"))
        return
    low = event.confidence is not None and event.confidence < LOW_CONFIDENCE
    if result.decision == "accept" and not low:
        s.slots[node.understand] = best.code
        turn.run(node.next)  # type: ignore[arg-type]
        return
    s.slots[f"pending_{node.understand}"] = best.code
    turn.run(node.confirm)  # type: ignore[arg-type]


def _when(iso: str | None, language: str) -> str:
    if not iso:
        return ""
    at = datetime.fromisoformat(iso)
    if language == "en":
        return at.strftime("on %d %b at %H:%M")
    return f"{at.month}月{at.day}日{at.hour}点" + (f"{at.minute}分" if at.minute else "")
