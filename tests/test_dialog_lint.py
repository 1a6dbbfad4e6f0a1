"""The dialog lint: the shipped dialog passes, every broken fixture is refused for its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.cli_lint import main
from dialogs.lint import lint
from dialogs.loader import DialogError, load, parse

BROKEN = sorted(Path(__file__).with_name("fixtures").joinpath("dialogs").glob("*.yaml"))


def test_the_shipped_dialog_passes() -> None:
    assert lint(load()) == []
    assert main([]) == 0


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_each_broken_dialog_is_refused(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = text.splitlines()[0].removeprefix("# expect: ")
    problems = lint(parse(text, path.name))
    assert any(expected in p for p in problems), problems
    assert main([str(path)]) == 1


def test_at_least_five_broken_fixtures() -> None:
    assert len(BROKEN) >= 5


def test_unreadable_dialog_names_the_problem() -> None:
    with pytest.raises(DialogError, match="needs a kind"):
        parse("name: x\nstart: a\nnodes:\n  a: {prompts: [goodbye]}\n")
    with pytest.raises(DialogError, match="not valid YAML"):
        parse("nodes: [\n")
