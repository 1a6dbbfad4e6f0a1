"""The conversation engine: `step(dialog, state, event, env) -> (state, outputs)`.

Pure: it reads the dialog (data), the state and the event, asks the directory only
questions, and returns the new state and what the channel should say and do. Writes come
back as Effect outputs. Nothing here knows Flask, Twilio or the database.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.commands import (
    LANGUAGE_WORDS,
    Command,
    english_sentence,
    global_command,
    normalize,
    yes_or_no,
)
from dialogs.model import MAX_OPTIONS, MORE_KEY, WAITING, Dialog, Node
from dialogs.outputs import Ask, Choice, Connect, Effect, Event, Hangup, Output, Say
from dialogs.prompts import catalog, text
from dialogs.services import Environment
from dialogs.speech import when_words
from dialogs.state import Caller, State
from directory.emergency import Alarm
from directory.names import english, spoken
from directory.phones import local_display
from directory.understanding import Understood, tied

# Longest run of nodes that do not wait; a dialog that needs more has a loop (the lint
# refuses those, this is the last guard).
MAX_HOPS = 40
TIMEOUT_S = 5
ELDERLY_TIMEOUT_S = 8
# Below this recognizer confidence a spoken menu choice is not trusted on its own.
LOW_CONFIDENCE = 0.4
# Wrong entries at one check before the caller goes on as a new caller.
CHECK_TRIES = 2
# "不是包河，是蜀山": the words after the last 是 are the correction.
# Words without which a place is not taken from an answer about something else ("法律援助"
# sounds like a village, "我住在蜀山区三里庵街道，想找人送饭" names one).
_PLACE_CUES = ("住", "区", "县", "市", "街道", "镇", "乡", "社区", "村", "小区")
# The same in English words (I live in Sanli'an, Shushan district), matched as whole words.
_PLACE_CUES_EN = re.compile(r"\b(?:live|living|lives|district|community|street|subdistrict|"
                            r"village|town|township|county|road)\b", re.IGNORECASE)
_CORRECTION = re.compile(r"^(?:不是|不对)(?P<wrong>.*?)[，,、。 ]*(?:而是|应该是|是)(?P<right>.+)$")


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
        trusted = _caller_trusted(self)
        values: dict[str, Any] = {
            # The file's name and address only for a caller who proved it is theirs.
            "name": s.caller.name if trusted else "",
            # A care call's greeting: how the resident is greeted (the line rang their number).
            "salutation": slots.get("salutation", ""),
            "check": self.env.settings.caller_check,
            "last4": s.caller.phone_last4,
            "need": need_said(self.env, need, lang) if need else "",
            "place": self.env.directory.place_name(place, lang) if place else
            _file_place(self, lang) if trusted else "",
            # An English voice cannot read characters: the name in pinyin and English words.
            "provider": english(route.get("name", "")) if lang == "en" else route.get("name", ""),
            "phone": local_display(route.get("phone") or ""),
            "level": _said_level(route),
            "closed": text(f"level.{route.get('closed_level', 'provider')}", lang),
            "next_open": _when(route.get("next_open"), self.env.now, lang),
        }
        return values

    def say(self, prompt: str, **extra: Any) -> None:
        """Queue one prompt, placeholders filled now."""
        params = {**self.params(), **extra}
        self.out.append(Say(prompt.format(**params) if "{" in prompt else prompt, params))

    def ask(self, node: Node, *, full: bool = True) -> None:
        """Queue the question of a waiting node, with its choices; the reserved keys and the
        other language only the first time in a call (or again after a misunderstanding)."""
        s = self.state
        params = self.params()
        # Asked again (tapered): a question's last sentence, a menu's choices alone.
        again = node.prompts[-1:] if node.kind != "menu" else ()
        prompts = [Say(p.format(**params) if "{" in p else p, params)
                   for p in (node.prompts if full else again)]
        after = [Say(p, params) for p in (*s.slots.pop("notes", ()), *node.after)]
        # Not at the PIN (keys only, nothing said after it): the menu that follows tells them.
        if not s.keys_told and node.kind != "secret":
            s.keys_told = True
            # 0 was just offered (offer.human): not a second time in the same breath.
            if not s.slots.pop("human_offered", False):
                after.append(Say("global.keys.back" if s.history else "global.keys"))
            other = "en" if s.language == "zh-CN" else "zh-CN"
            after.append(Say("language.offer", voice=other))
        choices = tuple(Choice(o.key, o.prompt, f"{o.prompt}.label", params) for o in node.options
                        if o.elderly or not s.elderly)
        expect = {"menu": "menu", "pick": "menu", "confirm": "yesno",
                  "secret": "secret"}.get(node.kind, "speech")
        if node.kind == "confirm" and node.name != self.dialog.emergency_check:
            prompts.append(Say("yesno.keys"))
        if node.kind == "pick":
            prompts = self.pick_prompts(node, full)
        hints: tuple[str, ...] = tuple(w for o in node.options for w in o.words)
        if node.kind in ("question", "pick"):
            within = s.caller.district or None
            hints = self.env.directory.hints(node.understand, within)
        self.out.append(Ask(tuple(prompts), expect, s.turn, choices, hints,  # type: ignore[arg-type]
                            ELDERLY_TIMEOUT_S if s.elderly else TIMEOUT_S, s.elderly,
                            bool(s.history),
                            emergency_key=self.dialog.emergency_key if node.kind == "menu" else "",
                            after=tuple(after)))

    def pick_page(self, node: Node) -> tuple[list[tuple[str, str, dict[str, Any]]], bool]:
        """The entries of a pick node's current page (code, prompt, params) and whether the
        page ends with the key that leads on to the next one."""
        pick = self.state.slots.setdefault("pick", {"parent": None, "page": 0})
        entries: list[tuple[str, str, dict[str, Any]]]
        if self.is_tie_choice(node):
            # The places that sound alike, each with its district; the last key: none of them.
            return [(code, "place.tied_choice", {"choice": self.tied_name(code)})
                    for code in self.state.slots["tied_place"]], True
        if node.understand == "need":
            entries = [(code, prompt, {}) for code, prompt in self.dialog.needs]
        else:
            english = self.state.language == "en"
            entries = [(c.code, "place.choice", {"choice": c.name_en if english else c.name})
                       for c in self.env.directory.place_choices(pick["parent"])]
        start = pick["page"] * (MAX_OPTIONS - 1)
        rest = entries[start:]
        if len(rest) <= MAX_OPTIONS:
            return rest, False
        return rest[:MAX_OPTIONS - 1], True

    def is_tie_choice(self, node: Node) -> bool:
        """Whether this pick node chooses between places that sound alike, right now."""
        return bool(self.state.slots.get("tied_place")) and any(
            n.ties == node.name for n in self.dialog.nodes.values())

    def tied_name(self, code: str) -> str:
        """A place with its district (蜀山区光明社区), so places of one name can be told apart."""
        return self.env.directory.place_name(code, self.state.language)

    def choice_name(self, code: str) -> str:
        """A district's name as the keyed list says it, in the conversation's language."""
        for choice in self.env.directory.place_choices(None):
            if choice.code == code:
                return choice.name_en if self.state.language == "en" else choice.name
        return self.env.directory.place_name(code, self.state.language)

    def pick_prompts(self, node: Node, full: bool) -> list[Say]:
        """A pick node's question and its page of entries, each with its key."""
        pick = self.state.slots.get("pick") or {}
        params = self.params()
        lead = node.deeper if pick.get("parent") and node.deeper else None
        if lead:
            params["district"] = self.choice_name(pick["parent"])
        if self.is_tie_choice(node):
            params["place"] = params["tied"] = self.state.slots.get("tied_name", "")
        heads = [lead] if lead else list(node.prompts if full else node.prompts[-1:])
        if pick.get("page"):
            heads = []  # the next page: only its entries
        said = [Say(p.format(**params) if "{" in p else p, params) for p in heads]
        entries, more = self.pick_page(node)
        for number, (_, prompt, extra) in enumerate(entries, 1):
            said.append(Say(prompt, {**extra, "key": str(number)}))
        if more and node.more:
            said.append(Say(node.more, {"key": MORE_KEY}))
        return said

    # --- moving ----------------------------------------------------------------------------

    def run(self, name: str) -> None:
        """Enter `name` and run on until a node waits for the caller or the call ends."""
        for _ in range(MAX_HOPS):
            node = self.dialog.node(name)
            self.state.path.append(name)
            if node.kind == "question" and node.keys and self.state.node != name and (
                    self.state.elderly or self.env.settings.keys_only):
                # The elderly profile, or a provider that hears no words: the keyed menu first.
                name = node.keys
                continue
            if node.kind == "confirm" and node.ties and self.state.slots.get("tied_place") \
                    and self.state.slots.get("pending_place"):
                name = node.ties  # places that sound exactly alike: the caller chooses
                continue
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
            # A secret (the PIN) once answered is not a step to go back to: * after it
            # would only ask for the PIN again.
            if s.node and self.dialog.node(s.node).kind in WAITING and \
                    self.dialog.node(s.node).kind != "secret":
                s.history.append(s.node)
            s.node, s.noinput, s.nomatch = node.name, 0, 0
            if node.kind == "pick":
                s.slots.pop("pick", None)  # a list entered anew starts on its first page
        if node.kind == "pick":
            # A list of places starts at the district the caller gave, if they gave one.
            place = s.slots.get("place") if node.understand == "place" else None
            parent = place if place and _broad(str(place)) else None
            pick = s.slots.get("pick")
            if pick is None or (parent and pick["parent"] != parent):
                s.slots["pick"] = {"parent": parent, "page": 0}
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
        if caller.known and caller.name and caller.greet_by_name and _caller_trusted(self):
            self.say("greeting.known")
            self.readout(["name"])
        else:
            self.say(prompt)

    def readout(self, fields: list[str], needs: list[str] | None = None) -> None:
        """The line told the caller something from their file: the channel audits it. Put
        first, so the sentences before a question stay together with it (one <Gather>)."""
        self.out.insert(0, Effect("readout", {"fields": fields, "needs": needs or []}))

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
        if node.target in ("emergency", "crisis"):
            s.emergency = True
            alarm = s.slots.pop("alarm", None) or {"node": s.node, "words": "", "kind": "other",
                                                     "why": "dialog"}
            self.out.append(Effect("emergency", alarm))
            self.out.append(Connect(node.target, node.reason or node.target))
            return
        self.out.append(Connect("duty", node.reason or "asked"))

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
        s.keys_told = False  # after a misunderstanding the keys are said again
        if node.name == self.dialog.emergency_check and ladder == "noinput":
            _confirmed(s, "silence")
            self.run(node.if_yes or self.dialog.emergency)  # silence: help, at once
            return
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
        if node.kind == "question" and node.keys:
            kept = s.noinput, s.nomatch
            self.run(node.keys)  # a first silence or misunderstanding: offer the keys
            s.noinput, s.nomatch = kept  # the ladder goes on from where it was
            return
        if s.elderly:
            self.say("offer.human")  # elderly callers are offered a person at once
            s.slots["human_offered"] = True
        if count >= 2 and node.help:
            # The fuller prompt after the question and its first choices, not before them.
            s.slots["notes"] = [node.help]
        self.ask(node, full=False)


# --- conditions and actions, named in the dialog files --------------------------------------


def _elderly_direct(turn: _Turn) -> bool:
    return turn.env.settings.elderly_direct_to_human and turn.state.caller.elderly


def _place_on_file(turn: _Turn) -> bool:
    return bool(turn.state.caller.division) and _caller_trusted(turn)


def need_said(env: Environment, need: str, language: str) -> str:
    """A need in the caller's everyday words (送饭, not 助餐); a category the catalogs do not
    know (a directory's own) by its name."""
    said = f"need.said.{need}"
    if said in catalog(language) or said in catalog("zh-CN"):
        return text(said, language)
    return env.directory.need_name(need, language)


def _caller_trusted(turn: _Turn) -> bool:
    """Caller ID is believed only when the check is off, the caller passed it, or the file
    is not one to protect (a provisional file, or none)."""
    caller = turn.state.caller
    return turn.env.settings.caller_check == "off" or caller.verified or not caller.protected


def _caller_check_offered(turn: _Turn) -> bool:
    """The check can be offered: a protected file with a secret, not yet asked this call."""
    return (not _caller_trusted(turn) and turn.state.caller.checkable
            and not turn.state.slots.get("checked"))


def _need_pending(turn: _Turn) -> bool:
    return bool(turn.state.slots.get("pending_need"))


def _place_pending(turn: _Turn) -> bool:
    return bool(turn.state.slots.get("pending_place"))


def _need_known(turn: _Turn) -> bool:
    return bool(turn.state.slots.get("need"))


def _place_known(turn: _Turn) -> bool:
    return bool(turn.state.slots.get("place"))


def _place_broad(turn: _Turn) -> bool:
    place = turn.state.slots.get("place")
    return bool(place) and _broad(str(place))


def _broad(code: str) -> bool:
    """A district or county (six digits of the national code, or fewer): too wide to route
    well, so the caller chooses one of its townships."""
    return len(code) <= 6


CONDITIONS: dict[str, Callable[[_Turn], bool]] = {
    "elderly_direct_to_human": _elderly_direct,
    "place_on_file": _place_on_file,
    "need_pending": _need_pending,
    "place_pending": _place_pending,
    "need_known": _need_known,
    "place_known": _place_known,
    "place_broad": _place_broad,
    "caller_trusted": _caller_trusted,
    "caller_check_offered": _caller_check_offered,
}


def _file_place(turn: _Turn, language: str) -> str:
    """The address on a trusted caller's file, as the conversation's language says it."""
    caller = turn.state.caller
    if language == "en" and caller.division:
        return turn.env.directory.place_name(caller.division, language)
    return caller.division_name


def _said_level(route: dict[str, Any]) -> str:
    """The route's level as its result sentence names it: the district's staff answer either
    because nobody nearby offers the need or because those who do are closed or full now."""
    level = str(route.get("level", ""))
    if level == "district_call_center" and route.get("reason_code") in ("closed", "full"):
        return f"{level}_{route['reason_code']}"
    return level


def _route(turn: _Turn) -> str | None:
    slots = turn.state.slots
    if not slots.get("place") and turn.state.caller.division and _caller_trusted(turn):
        slots["place"] = turn.state.caller.division
    answer = turn.env.directory.route(slots["need"], slots["place"])
    slots["route"] = {"id": answer.id, "name": answer.name, "phone": answer.phone,
                      "level": answer.level, "reason_code": answer.reason_code,
                      "next_open": answer.next_open, "closed_level": "provider"}
    turn.out.append(Effect("routed", {"need": slots["need"], "division": slots["place"],
                                      "provider": answer.id, "level": answer.level,
                                      "reason_code": answer.reason_code}))
    if answer.reason_code == "closed" and answer.next_open:
        # Said after the choices: why the nearest is passed over need not delay them.
        slots["notes"] = ["route.closed"]
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
    if not _caller_trusted(turn):
        turn.say("check.needed")
        return None
    requests = turn.env.directory.open_requests()
    if not requests:
        turn.say("status.none")
        return None
    turn.say("status.some", count=len(requests))
    lang = turn.state.language
    for request in requests[:3]:
        turn.say("status.item" if request.number else "status.item.unnumbered",
                 need=need_said(turn.env, request.need, lang), number=request.number,
                 provider=request.provider, state=text(f"state.{request.state}", lang))
    turn.readout(["referrals"], [r.need for r in requests[:3]])
    return None


def _callback(turn: _Turn) -> str | None:
    turn.out.append(Effect("callback", {"reason": "asked",
                                        "need": turn.state.slots.get("need")}))
    return None


def _resume(turn: _Turn) -> str | None:
    """Back to where the caller was before the emergency check, asking that again."""
    s = turn.state
    where = s.slots.pop("resume", None)
    s.slots.pop("alarm", None)
    if not where or where not in turn.dialog.nodes:
        return None
    if s.history and s.history[-1] == where:
        s.history.pop()
    s.node = where  # the same question again: its counters and page are kept
    return str(where)


def _propose_file_place(turn: _Turn) -> str | None:
    turn.state.slots["pending_place"] = turn.state.caller.division
    turn.readout(["division"])
    return None


def _save_place(turn: _Turn) -> str | None:
    place = turn.state.slots.get("place")
    turn.out.append(Effect("save_place", {"division": place}))
    turn.state.caller.division = place or ""
    return None


def _save_need(turn: _Turn) -> str | None:
    turn.out.append(Effect("save_need", {"category": turn.state.slots.get("need")}))
    return None


def _care_well(turn: _Turn) -> str | None:
    turn.out.append(Effect("care", {"answer": "well"}))
    return None


def _care_help(turn: _Turn) -> str | None:
    turn.out.append(Effect("care", {"answer": "help"}))
    return None


ACTIONS: dict[str, Callable[[_Turn], str | None]] = {
    "care_well": _care_well,
    "care_help": _care_help,
    "route": _route,
    "send_route_sms": _send_route_sms,
    "status": _status,
    "callback": _callback,
    "propose_file_place": _propose_file_place,
    "save_place": _save_place,
    "save_need": _save_need,
    "resume": _resume,
}


# --- the two entry points ---------------------------------------------------------------------


def start(dialog: Dialog, caller: Caller, env: Environment,
          slots: dict[str, Any] | None = None) -> tuple[State, list[Output]]:
    """Open a conversation for a caller (`slots`: what the line knows before it speaks)."""
    state = State(language=caller.language or "zh-CN", elderly=caller.elderly, caller=caller,
                  slots=dict(slots or {}))
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
        # Handed over (the after-hours choices) or ended, the words are still heard for an
        # emergency first: 救命 there dials for help like at any question.
        if new.node in dialog.nodes and event.speech.strip():
            new.ended = False
            if _emergency(turn, event):
                return new, turn.out
            new.ended = True
        turn.connect_human("no_dialog")
        return new, turn.out
    _follow_language(new, event)
    if not _emergency(turn, event) and not _global(turn, event):
        _answer(turn, dialog.node(new.node), event)
    return new, turn.out


def _follow_language(state: State, event: Event) -> None:
    """Answer in English a caller who speaks or writes whole English sentences ("I need help
    with meals"), until they choose a language themselves (the key 8, 普通话)."""
    if state.language == "zh-CN" and not state.slots.get("language_chosen") \
            and english_sentence(event.speech):
        state.language = "en"
        state.keys_told = False  # the keys once more, in English


def _emergency(turn: _Turn, event: Event) -> bool:
    """The emergency gate, before anything else in every turn; True if it took the turn."""
    alarm = turn.env.assess(event.speech) if event.speech.strip() else None
    if alarm is None or alarm.decision == "none":
        return False
    _raise(turn, alarm, event.speech)
    return True


def _raise(turn: _Turn, alarm: Alarm, words: str) -> None:
    """Act on an alarm: a crisis to a person, a clear emergency to the emergency number,
    an uncertain one to the one-key check (which defaults to help)."""
    s, dialog = turn.state, turn.dialog
    checking = s.node == dialog.emergency_check
    where = s.slots.get("resume") if checking else s.node
    s.slots["alarm"] = {"words": words[:100], "node": where, "kind": alarm.kind or "other",
                        "why": alarm.why}
    if checking:
        _confirmed(s, "again")
    if alarm.kind == "suicide":
        turn.run(dialog.crisis)
    elif alarm.decision == "clear" or checking:
        turn.run(dialog.emergency)
    else:
        s.slots["resume"] = s.node
        turn.run(dialog.emergency_check)


def _confirmed(state: State, how: str) -> None:
    """Note on the alarm how the caller confirmed it at the check (silence, yes, again)."""
    alarm = state.slots.get("alarm")
    if isinstance(alarm, dict):
        alarm["confirmed"] = how


def _global(turn: _Turn, event: Event) -> bool:
    """Handle a command that works everywhere; True if the turn is done."""
    s = turn.state
    command = global_command(event.digits, event.speech)
    node = turn.dialog.node(s.node)
    if command is Command.HUMAN:
        turn.run(turn.dialog.human)
    elif command is Command.REPEAT:
        s.keys_told = False  # asked to hear it again: the keys too
        turn.ask(node)
    elif command is Command.SLOWER:
        s.elderly = True
        turn.say("slower")
        turn.ask(node)
    elif command is Command.LANGUAGE:
        # A named language (English, 普通话) is taken; the key 8 switches to the other one.
        wanted = LANGUAGE_WORDS.get(normalize(event.speech))
        s.language = wanted or ("en" if s.language == "zh-CN" else "zh-CN")
        s.slots["language_chosen"] = True  # no longer followed from what they say
        s.keys_told = False  # the keys in the caller's new language
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
    if node.kind == "secret":
        _secret(turn, node, event)
        return
    if event.silent:
        turn.failure("noinput")
        return
    if node.kind == "menu":
        _menu(turn, node, event)
    elif node.kind == "confirm":
        _confirm(turn, node, event)
    elif node.kind == "pick":
        _pick(turn, node, event)
    elif event.digits and node.keys:
        turn.run(node.keys)  # a key at a question: the keyed menu
    else:
        _question(turn, node, event)


def _menu(turn: _Turn, node: Node, event: Event) -> None:
    said = normalize(event.speech)
    if turn.dialog.emergency_key and event.digits == turn.dialog.emergency_key:
        turn.state.slots["alarm"] = {"words": f"key {event.digits}", "node": node.name,
                                     "kind": "other", "why": "emergency key"}
        turn.run(turn.dialog.emergency)
        return
    if node.shortcut and said and not event.digits and _shortcut(turn, node.shortcut, event):
        return
    if node.corrected and not event.digits and _CORRECTION.match(said):
        fixed = _fill(turn, node, event, correcting=True)
        if fixed:
            turn.say("place.ack" if "place" in fixed else "need.ack")  # what is taken now
            turn.run(node.corrected)
            return
    for option in node.options:
        by_key = event.digits == option.key or said == option.key
        by_words = not event.digits and any(w.replace(" ", "") in said for w in option.words)
        if by_key or by_words:
            turn.run(option.next)
            return
    turn.failure("nomatch")


def _confirm(turn: _Turn, node: Node, event: Event) -> None:
    s, slots = turn.state, turn.state.slots
    answer = yes_or_no(event.digits, event.speech)
    if node.name == turn.dialog.emergency_check:
        if answer is None:
            turn.failure("nomatch")
            return
        if answer:
            _confirmed(s, "yes")
        turn.run(node.if_yes if answer else node.if_no)  # type: ignore[arg-type]
        return
    kind = node.understand
    if kind and event.speech and answer is not True:
        # "不是包河，是蜀山": a correction is taken as the answer it gives.
        found = _fill(turn, node, event, correcting=True)
        if kind in found:
            if slots.get(f"pending_{kind}"):
                s.node = ""  # ask the confirmation again, of the corrected value
                turn.run(node.name)
            else:
                turn.run(node.if_yes)  # type: ignore[arg-type]
            return
    if answer is None:
        turn.failure("nomatch")
        return
    pending = slots.pop(f"pending_{kind}", None) if kind else None
    if answer and pending:
        slots[kind] = pending
    turn.run(node.if_yes if answer else node.if_no)  # type: ignore[arg-type]


def _shortcut(turn: _Turn, name: str, event: Event) -> bool:
    """Answer a later question from what was said at a menu, when it clearly does: a need
    (and a place said with it), or a place alone, kept while the need is asked next."""
    question = turn.dialog.node(name)
    if question.understand != "need":
        return False
    need = turn.env.directory.understand_need(event.speech)
    place = turn.env.directory.understand_place(event.speech, turn.state.caller.district or None)
    if need.decision == "none" and not (place.decision == "accept"
                                        and _place_cue(event.speech)):
        return False
    turn.state.path.append(name)
    _question(turn, question, event, need, place)
    return True


def _question(turn: _Turn, node: Node, event: Event, need: Understood | None = None,
              place: Understood | None = None) -> None:
    """Take whatever the caller gave: the question's own answer, the other slot, or both."""
    s = turn.state
    found = _fill(turn, node, event, need=need, place=place)
    own = node.understand
    if own not in found:
        if found:  # the other slot only ("我住在蜀山区" when asked the need): keep it, ask on
            ack = "place.ack" if "place" in found else "need.ack"
            if ack not in node.prompts:
                turn.say(ack)
            s.node = ""
            turn.run(node.name)
            return
        turn.failure("nomatch")
        return
    if s.slots.get(f"pending_{own}"):
        turn.run(node.confirm)  # type: ignore[arg-type]
        return
    turn.run(node.next)  # type: ignore[arg-type]


def _fill(turn: _Turn, node: Node, event: Event, *, correcting: bool = False,
          need: Understood | None = None, place: Understood | None = None) -> set[str]:
    """Fill the slots from one utterance; the slots it filled. Emergencies never get here: the
    gate (`_emergency`) hears them first and the need matcher knows no emergency category."""
    s, slots, directory = turn.state, turn.state.slots, turn.env.directory
    words = event.speech
    fixed = _CORRECTION.match(normalize(words))
    if fixed:
        words = fixed.group("right")
    elif correcting and not words.strip():
        return set()
    own = node.understand
    if need is None or fixed:
        need = directory.understand_need(words)
    if place is None or fixed:
        # A correction is not searched in the district on file first: it may be what is wrong.
        within = None if correcting else s.caller.district or None
        place = directory.understand_place(words, within)
    results = {"need": need, "place": place}
    low = event.confidence is not None and event.confidence < LOW_CONFIDENCE
    found: set[str] = set()
    for kind in ("need", "place"):
        result = results[kind]
        best = result.best
        if kind == own:
            s.understood.append({"node": node.name, "said": words[:200],
                                 "decision": result.decision,
                                 "code": best.code if best else None,
                                 "score": best.score if best else None,
                                 "alternatives": [[a.code, a.score]
                                                  for a in result.alternatives[:3]]})
        if best is None or result.decision == "none":
            continue
        mine = kind == own or (own == "" and kind == "need")
        sure = result.decision == "accept" and not low
        cue = kind == "need" or _place_cue(words)
        clearly = cue and (sure or (found and result.decision == "confirm"))
        if not mine and not (clearly or fixed):
            continue  # the other slot is taken only when it is clearly said, or corrected
        if not mine and slots.get(kind) and not fixed:
            continue  # a slot already filled is not changed by a passing mention
        slots.pop(f"pending_{kind}", None)
        if kind == "place":
            ties = [c.code for c in tied(result)] if not sure else []
            if len(ties) > 1:
                slots["tied_place"] = ties
                heard = spoken(best.name)
                slots["tied_name"] = heard.core + heard.kind  # 光明社区, as the caller said it
            else:
                slots.pop("tied_place", None)
        if sure:
            slots[kind] = best.code
        else:
            slots[f"pending_{kind}"] = best.code
        found.add(kind)
    return found


def _place_cue(words: str) -> bool:
    """Whether the words say they name a place (住, 区, 街道, 村, ..., I live in, district)."""
    return any(w in words for w in _PLACE_CUES) or bool(_PLACE_CUES_EN.search(words))


def _pick(turn: _Turn, node: Node, event: Event) -> None:
    """A keyed list: a key chooses an entry or the next page; words are understood as at
    the question of the same kind."""
    s = turn.state
    if not event.digits:
        _question(turn, node, event)
        return
    entries, more = turn.pick_page(node)
    pick = s.slots["pick"]
    if turn.is_tie_choice(node):
        _tie_choice(turn, node, event, entries)
        return
    if more and event.digits == MORE_KEY:
        pick["page"] += 1
        turn.ask(node)
        return
    if not event.digits.isdigit() or not 1 <= int(event.digits) <= len(entries):
        turn.failure("nomatch")
        return
    code = entries[int(event.digits) - 1][0]
    choices = {c.code: c for c in turn.env.directory.place_choices(pick["parent"])} \
        if node.understand == "place" else {}
    if code in choices and choices[code].broad:
        s.slots["pick"] = {"parent": code, "page": 0}  # the townships of that district
        s.noinput = s.nomatch = 0
        turn.ask(node)
        return
    s.slots[node.understand] = code
    s.slots.pop(f"pending_{node.understand}", None)
    turn.run(node.next)  # type: ignore[arg-type]


def _secret(turn: _Turn, node: Node, event: Event) -> None:
    """The caller check: keys only; silence, # alone or words go on as a new caller (and
    are asked again before the status or a change). The keys are compared and forgotten:
    nothing of them stays in the state."""
    s = turn.state
    entry = event.digits.replace("*", "X")  # the ID card's last character may be X: *
    if len(entry) < 4:
        turn.run(node.otherwise)  # type: ignore[arg-type]
        return
    passed = turn.env.directory.check_caller(turn.env.settings.caller_check, entry)
    turn.out.append(Effect("caller_check", {"passed": passed}))
    if passed:
        s.caller.verified = True
        s.slots["checked"] = True
        turn.say("check.passed")
        if s.caller.name:
            turn.readout(["name"])
        turn.run(node.next)  # type: ignore[arg-type]
        return
    tries = int(s.slots.get("check_tries", 0)) + 1
    s.slots["check_tries"] = tries
    if tries < CHECK_TRIES:
        turn.say("check.wrong")
        turn.ask(node)
        return
    s.slots["checked"] = True
    turn.say("check.failed")
    turn.run(node.otherwise)  # type: ignore[arg-type]


def _tie_choice(turn: _Turn, node: Node, event: Event,
                entries: list[tuple[str, str, dict[str, Any]]]) -> None:
    """A key chose one of the places that sound alike, or none of them (the keyed list)."""
    slots = turn.state.slots
    # At most three places are listed (understanding.tied), so 4 always means none of them.
    if event.digits == MORE_KEY:
        slots.pop("tied_place", None)
        slots.pop("pending_place", None)
        turn.run(node.keys)  # type: ignore[arg-type]
        return
    if not event.digits.isdigit() or not 1 <= int(event.digits) <= len(entries):
        turn.failure("nomatch")
        return
    slots["place"] = entries[int(event.digits) - 1][0]
    slots.pop("tied_place", None)
    slots.pop("pending_place", None)
    turn.run(node.next)  # type: ignore[arg-type]


def _when(iso: str | None, now: datetime | None, language: str) -> str:
    """An opening time as people say it, relative to today when near (今天上午八点)."""
    if not iso:
        return ""
    at = datetime.fromisoformat(iso)
    if now is not None and at.tzinfo is not None and now.tzinfo is not None:
        now = now.astimezone(at.tzinfo)
    return when_words(at, now, language)
