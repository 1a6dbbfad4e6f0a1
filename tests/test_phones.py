"""Phone numbers are parsed and shown as people in Hefei write them."""

from __future__ import annotations

import pytest

from directory.phones import digit_groups, is_valid, local_display, parse


@pytest.mark.parametrize(("written", "e164"), [
    ("0551-6310 0167", "+8655163100167"),
    ("055163100167", "+8655163100167"),
    ("138 0000 0001", "+8613800000001"),
    ("+86 138-0000-0001", "+8613800000001"),
    ("010 6234 5678", "+861062345678"),
    ("+12025550123", "+12025550123"),
])
def test_usual_ways_of_writing_a_number_are_parsed(written: str, e164: str) -> None:
    assert parse(written) == e164


@pytest.mark.parametrize("bad", ["", "  ", "anonymous", "+266696687", "12345", "电话", None])
def test_withheld_and_invalid_numbers_are_not_numbers(bad: str | None) -> None:
    assert parse(bad) is None
    assert not is_valid(bad)


@pytest.mark.parametrize(("e164", "shown"), [
    ("+8655163100167", "0551-6310 0167"),
    ("+861062345678", "010-6234 5678"),
    ("+8613800000001", "138 0000 0001"),
    ("+12025550123", "+1 202-555-0123"),
    ("anonymous", "anonymous"),
])
def test_numbers_are_shown_in_the_local_format(e164: str, shown: str) -> None:
    assert local_display(e164) == shown


def test_a_number_is_read_in_its_groups() -> None:
    assert digit_groups("+8655163100167") == ["0551", "6310", "0167"]
    assert digit_groups("+8613800000001") == ["138", "0000", "0001"]
    assert digit_groups("") == []
