"""The dialog lint on the command line: `python -m dialogs.cli_lint [FILE ...]`."""

from __future__ import annotations

import sys
from pathlib import Path

from dialogs.lint import lint


def main(paths: list[str]) -> int:
    """Lint the shipped dialogs, or the files named."""
    from dialogs.loader import FLOWS, DialogError, parse

    files = [Path(p) for p in paths] or sorted(FLOWS.glob("*.yaml"))
    failed = 0
    for path in files:
        try:
            problems = lint(parse(path.read_text(encoding="utf-8"), str(path)))
        except DialogError as error:
            problems = [str(error)]
        for problem in problems:
            print(f"{path}: {problem}")
        failed += bool(problems)
    print(f"{len(files) - failed} of {len(files)} dialog files pass the lint")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
