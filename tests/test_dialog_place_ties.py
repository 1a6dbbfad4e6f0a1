"""Places that sound exactly alike are offered for the caller to choose, never guessed."""

from __future__ import annotations

from dialogs.outputs import Ask, Say
from directory.understanding import Candidate, Understood, tied

from .test_dialog_keys_and_emergencies import keys_offered, play


def said(outputs: list[object]) -> list[str]:
    """The prompt names of a turn: sentences said, and those of the question it asks."""
    found = [o.prompt for o in outputs if isinstance(o, Say)]
    for o in outputs:
        if isinstance(o, Ask):
            found += [p.prompt for p in o.prompts]
    return found


def test_tied_lists_the_look_alikes_of_an_uncertain_answer() -> None:
    a, b, c = (Candidate(code, "光明社区", 96.0) for code in ("340104", "340122", "340178"))
    assert [x.code for x in tied(Understood(a, "confirm", [b, c]))] == [a.code, b.code, c.code]
    # A clear leader, or an answer taken without asking, is no tie.
    assert tied(Understood(a, "confirm", [Candidate("340102", "光华社区", 80.0)])) == []
    assert tied(Understood(a, "accept", [b])) == []
    assert tied(Understood(None, "none")) == []


def test_a_place_in_several_districts_is_chosen_by_key() -> None:
    state, outputs = play(["1", "送饭", "光明社区"])
    assert state.node == "choose_place"
    assert "place.tied" in said(outputs)
    assert keys_offered(outputs)[:4] == ["1", "2", "3", "4"]
    first, second = state.slots["tied_place"][:2]
    assert first[:6] != second[:6]  # the same name in different districts
    state, _ = play(["1", "送饭", "光明社区", "2"])
    assert state.slots.get("place") == second
    assert "tied_place" not in state.slots and "pending_place" not in state.slots


def test_none_of_the_look_alikes_leads_to_the_keyed_list_of_places() -> None:
    state, outputs = play(["1", "送饭", "光明社区", "4"])
    assert state.node == "pick_place"
    assert "place" not in state.slots and "tied_place" not in state.slots
    assert "place.keys" in said(outputs)


def test_a_wrong_key_at_the_choice_is_not_understood_and_asked_again() -> None:
    state, _ = play(["1", "送饭", "光明社区", "7"])
    assert state.node == "choose_place"
    assert state.nomatch == 1
