"""The engine's own guarantees, apart from any channel."""

from __future__ import annotations

from dialogs import engine, serialize
from dialogs.loader import load
from dialogs.outputs import Ask, Connect, Event
from dialogs.services import Environment
from dialogs.state import Caller, State

from .golden_directory import GoldenDirectory

ENV = Environment(GoldenDirectory())


def test_state_survives_json() -> None:
    state, _ = engine.start(load(), Caller(known=True, name="李", division="340111400001"), ENV)
    state, _ = engine.step(load(), state, Event(digits="1"), ENV)
    again = State.from_json(state.to_json())
    assert again == state


def test_outputs_survive_json() -> None:
    _, outputs = engine.start(load(), Caller(), ENV)
    assert serialize.load(serialize.dump(outputs)) == outputs


def test_step_does_not_change_the_state_it_was_given() -> None:
    state, _ = engine.start(load(), Caller(), ENV)
    before = state.to_json()
    engine.step(load(), state, Event(digits="1"), ENV)
    assert state.to_json() == before


def test_each_answer_numbers_its_turn() -> None:
    state, outputs = engine.start(load(), Caller(), ENV)
    asks = [o for o in outputs if isinstance(o, Ask)]
    assert asks[0].turn == 0
    state, outputs = engine.step(load(), state, Event(digits="2"), ENV)
    assert [o.turn for o in outputs if isinstance(o, Ask)] == [1]


def test_a_finished_conversation_goes_to_a_person() -> None:
    state, _ = engine.start(load(), Caller(), ENV)
    state, _ = engine.step(load(), state, Event(digits="0"), ENV)
    _, outputs = engine.step(load(), state, Event(digits="1"), ENV)
    assert any(isinstance(o, Connect) and o.target == "duty" for o in outputs)


def test_menus_never_offer_more_than_four_choices() -> None:
    for node in load().nodes.values():
        assert len(node.options) <= 4
