"""The emergency gate in every turn, the key path through every question, mixed initiative."""

from __future__ import annotations

import pytest

from dialogs import engine
from dialogs.commands import RESERVED_KEYS
from dialogs.loader import load
from dialogs.model import MAX_OPTIONS
from dialogs.outputs import Ask, Connect, Effect, Event, Output, Say
from dialogs.services import Environment
from dialogs.state import Caller, State
from directory.emergency import Alarm, assess

from .golden_directory import GoldenDirectory

KNOWN = Caller(known=True, name="王秀英", division="340111400001", division_name="琼临社区",
               district="340111", phone_last4="0001")


def env(alarms: dict[str, Alarm] | None = None) -> Environment:
    def judge(words: str) -> Alarm:
        return (alarms or {}).get(words) or assess(words)
    return Environment(GoldenDirectory(), assess=judge)


def play(turns: list[str], caller: Caller | None = None,
         alarms: dict[str, Alarm] | None = None) -> tuple[State, list[Output]]:
    e = env(alarms)
    state, outputs = engine.start(load(), caller or Caller(), e)
    for given in turns:
        keys = bool(given) and (given.isdigit() or given in "*#")
        event = Event(digits=given) if keys else Event(speech=given,
                                                       confidence=0.9 if given else None)
        state, outputs = engine.step(load(), state, event, e)
    return state, outputs


def connects(outputs: list[Output]) -> list[str]:
    return [o.target for o in outputs if isinstance(o, Connect)]


def keys_offered(outputs: list[Output]) -> list[str]:
    """The keys a turn offers, from its sentences ("…请按3。") and its menu choices."""
    keys: list[str] = []
    for output in outputs:
        if isinstance(output, Ask):
            keys += [c.key for c in output.choices]
            keys += [str(p.params["key"]) for p in output.prompts if "key" in p.params]
    return keys


FALL = {"我刚才摔了一下": Alarm("uncertain", "fall", 0.6, "test")}
SUICIDE = {"我不想活了": Alarm("clear", "suicide", 0.95, "test"),
           "活着没意思": Alarm("uncertain", "suicide", 0.5, "test")}


# --- A. emergencies in every state -------------------------------------------------------

WAITING_STATES = {
    "main menu": ([], None),
    "need question": (["1"], None),
    "keyed menu of needs": (["1", "1"], None),
    "confirmation of the address on file": (["1", "送饭"], KNOWN),
    "keyed places": (["1", "送饭", "1"], None),
    "route menu": (["我住在蜀山区三里庵街道，想找人送饭"], None),
    "callback confirmation": (["3"], None),
}


@pytest.mark.parametrize("name", WAITING_STATES)
def test_a_clear_emergency_dials_at_once_from_every_waiting_state(name: str) -> None:
    turns, caller = WAITING_STATES[name]
    state, outputs = play([*turns, "救命"], caller)
    assert connects(outputs) == ["emergency"]
    effect = next(o for o in outputs if isinstance(o, Effect))
    assert effect.name == "emergency" and {"kind", "why", "node", "words"} <= set(effect.data)
    assert state.emergency and state.ended


@pytest.mark.parametrize("name", WAITING_STATES)
def test_thoughts_of_suicide_go_to_a_person_from_every_state(name: str) -> None:
    turns, caller = WAITING_STATES[name]
    for words in SUICIDE:
        _, outputs = play([*turns, words], caller, SUICIDE)
        assert connects(outputs) == ["crisis"]
        assert not any(isinstance(o, Ask) for o in outputs)  # never a menu


@pytest.mark.parametrize("name", WAITING_STATES)
def test_an_uncertain_emergency_is_asked_once_and_silence_connects(name: str) -> None:
    turns, caller = WAITING_STATES[name]
    state, outputs = play([*turns, "我刚才摔了一下"], caller, FALL)
    assert state.node == load().emergency_check
    assert any(isinstance(p, Say) and p.prompt == "emergency.check"
               for o in outputs if isinstance(o, Ask) for p in o.prompts)
    for answer in ("", "1", "对"):
        _, after = play([*turns, "我刚才摔了一下", answer], caller, FALL)
        assert connects(after) == ["emergency"], answer


@pytest.mark.parametrize("name", WAITING_STATES)
def test_not_an_emergency_goes_back_to_the_same_question(name: str) -> None:
    turns, caller = WAITING_STATES[name]
    before, asked = play(turns, caller)
    for answer in ("2", "不是"):
        state, outputs = play([*turns, "我刚才摔了一下", answer], caller, FALL)
        assert state.node == before.node, answer
        assert [o for o in outputs if isinstance(o, Ask)][-1].prompts == \
            [o for o in asked if isinstance(o, Ask)][-1].prompts


def test_an_uncertain_alarm_at_the_check_connects() -> None:
    _, outputs = play(["1", "我刚才摔了一下", "我刚才摔了一下"], alarms=FALL)
    assert connects(outputs) == ["emergency"]


def test_the_need_question_never_passes_an_emergency_on_as_a_need() -> None:
    # Even when the gate stays quiet, fall words are never filed as a service need: the
    # need matcher knows no emergency category (directory.needs) and the caller is helped on.
    quiet = {"我摔倒了": Alarm("none")}
    state, _ = play(["1", "我摔倒了"], alarms=quiet)
    assert "need" not in state.slots
    assert state.slots.get("pending_need") != "emergency"
    # With the gate as shipped, the same words dial at once.
    _, outputs = play(["1", "我摔倒了"])
    assert connects(outputs) == ["emergency"]


def test_the_word_list_is_gone_from_the_commands() -> None:
    import dialogs.commands as commands

    assert not hasattr(commands, "EMERGENCY_WORDS")
    assert commands.global_command("", "救命") is None


# --- B. a key path through every question ---------------------------------------------------

def test_every_question_has_a_key_path() -> None:
    dialog = load()
    for node in dialog.nodes.values():
        if node.kind == "question":
            assert dialog.node(node.keys or "").kind == "pick", node.name


@pytest.mark.parametrize("way", ["a key", "a first silence", "a misunderstanding"])
def test_the_keyed_menu_of_needs(way: str) -> None:
    given = {"a key": "5", "a first silence": "", "a misunderstanding": "啦啦啦"}[way]
    state, outputs = play(["1", given])
    assert state.node == "pick_need"
    assert keys_offered(outputs) == ["1", "2", "3", "4"]
    said = [p.prompt for o in outputs if isinstance(o, Ask) for p in o.prompts]
    assert said[-4:] == ["need.meal", "need.cleaning", "need.bathing", "need.more"]


def test_the_elderly_profile_gets_the_keyed_menu_first() -> None:
    state, _ = play(["1"], Caller(elderly=True))
    assert state.node == "pick_need"


def pages(turns: list[str], caller: Caller | None = None) -> list[list[str]]:
    """Every page of a pick node, pressing 4 (其他) until the last one."""
    found = []
    while True:
        state, outputs = play(turns, caller)
        offered = keys_offered(outputs)
        found.append(offered)
        if "4" not in offered or len(found) > 10:
            return found
        page = state.slots["pick"]["page"]
        turns = [*turns, "4"]
        if play(turns, caller)[0].slots["pick"]["page"] == page:
            return found


@pytest.mark.parametrize("turns", [["1", "5"], ["1", "送饭", "1"], ["1", "送饭", "1", "3"]])
def test_pages_keep_the_menu_rules(turns: list[str]) -> None:
    for offered in pages(turns):
        assert 1 <= len(offered) <= MAX_OPTIONS
        assert not set(offered) & RESERVED_KEYS
        assert offered == [str(k) for k in range(1, len(offered) + 1)]


def test_every_need_can_be_reached_by_keys() -> None:
    reached = set()
    for page, count in enumerate(len(p) for p in pages(["1", "5"])):
        for key in range(1, count + 1):
            state, _ = play(["1", "5", *["4"] * page, str(key)])
            if state.slots.get("need"):
                reached.add(state.slots["need"])
    assert reached == {code for code, _ in load().needs}


def test_an_unknown_caller_reaches_a_provider_by_keys_only() -> None:
    state, outputs = play(["1", "5", "1", "1", "3", "4", "2", "1"])
    assert state.slots["need"] == "meal" and state.slots["place"] == "340104005"
    assert connects(outputs) == ["provider"]


def test_a_known_resident_reaches_a_provider_by_keys_only() -> None:
    state, outputs = play(["1", "1", "1", "1", "1"], KNOWN)
    assert state.slots["place"] == KNOWN.division
    assert connects(outputs) == ["provider"]


# --- C. mixed initiative --------------------------------------------------------------------

def asked(outputs: list[Output]) -> list[str]:
    return [p.prompt for o in outputs if isinstance(o, Ask) for p in o.prompts]


def test_a_place_at_the_main_menu_is_kept_and_the_need_asked() -> None:
    state, _ = play(["我住在蜀山区三里庵街道"])
    assert state.slots["place"] == "340104001" and state.node == "ask_need"
    state, _ = play(["我住在蜀山区三里庵街道", "送饭"])
    assert state.node == "route_menu"  # the place is never asked again


def test_need_and_place_in_one_breath_go_straight_to_routing() -> None:
    state, _ = play(["我住在蜀山区三里庵街道，想找人送饭"])
    assert state.node == "route_menu"
    assert state.slots["need"] == "meal" and state.slots["place"] == "340104001"


def test_a_place_given_at_the_need_question_is_kept() -> None:
    state, _ = play(["1", "我住在蜀山区三里庵街道"])
    assert state.node == "ask_need" and state.slots["place"] == "340104001"
    state, _ = play(["1", "我住在蜀山区三里庵街道", "1", "1"])
    assert state.node == "route_menu"


def test_a_need_word_that_sounds_like_a_village_is_not_taken_for_a_place() -> None:
    state, _ = play(["1", "法律援助"])
    assert "place" not in state.slots and state.node == "ask_place"


@pytest.mark.parametrize("correction", ["不是包河，是蜀山", "不对，是蜀山区"])
def test_a_correction_at_a_confirmation(correction: str) -> None:
    state, _ = play(["1", "送饭", "包河", correction])
    assert state.slots.get("pending_place") == "340104" or state.slots.get("place") == "340104"


def test_a_correction_of_the_address_on_file() -> None:
    state, _ = play(["1", "送饭", "不对，我住在蜀山区三里庵街道"], KNOWN)
    assert state.slots["place"] == "340104001" and state.node == "route_menu"


def test_slots_already_filled_are_never_asked_again() -> None:
    for turns in (["我住在蜀山区三里庵街道，想找人送饭"], ["我住在蜀山区三里庵街道", "送饭"],
                  ["1", "我住在蜀山区三里庵街道", "送饭"]):
        state, _ = play(turns)
        # ask_need is on the path of an answer given at the menu, but nothing more is asked.
        assert not set(state.path) & {"ask_place", "pick_need", "pick_place", "confirm_place"}
        assert state.node == "route_menu"


def test_a_correction_of_the_other_slot_at_a_question() -> None:
    state, _ = play(["我住在包河区滨湖世纪社区", "不是包河，是蜀山"])
    assert state.node == "ask_need"
    assert "340104" in (state.slots.get("place"), state.slots.get("pending_place"))


def test_a_place_like_word_without_a_cue_at_the_menu_is_not_a_place() -> None:
    state, _ = play(["滨湖世纪"])
    assert "place" not in state.slots


def test_a_district_said_at_the_keyed_places_lists_its_streets() -> None:
    state, outputs = play(["1", "送饭", "1", "蜀山区"])
    assert state.node == "pick_place" and state.slots["pick"]["parent"] == "340104"
    assert any(p.params.get("choice") == "三里庵街道"
               for o in outputs if isinstance(o, Ask) for p in o.prompts)


def test_a_corrected_need_at_the_place_question_is_acknowledged_once() -> None:
    state, outputs = play(["1", "送饭", "不是送饭，是洗澡"])
    assert state.slots["need"] == "bathing" and state.node == "ask_place"
    assert [p.prompt for o in outputs if isinstance(o, Say | Ask)
            for p in ([o] if isinstance(o, Say) else o.prompts)].count("need.ack") == 1


def test_not_an_emergency_keeps_the_page_the_caller_was_on() -> None:
    state, _ = play(["1", "5", "4", "我刚才摔了一下", "2"], alarms=FALL)
    assert state.node == "pick_need" and state.slots["pick"]["page"] == 1
