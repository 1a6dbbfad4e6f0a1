"""The house's import graph runs one way: no module imports back up the floors of ivr/.

Each room (a package of ivr/) may import only rooms on lower floors; within a room, modules may
import each other but never in a circle. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

IVR = Path(__file__).resolve().parents[1] / "ivr"
# Lowest floor first. A room imports only rooms listed before it.
FLOORS = ["core", "providers", "webhooks", "accounts", "residents", "stations", "conversations",
          "voice", "text", "care", "operators", "reports", "manage", "city", "worker", "tools",
          "cli", "migrations"]


def _module(path: Path) -> str:
    parts = path.relative_to(IVR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in IVR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (IVR / parts[1]).is_dir()) else ""


def test_every_room_has_a_floor() -> None:
    rooms = {p.name for p in IVR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms <= set(FLOORS), rooms - set(FLOORS)
    flat = sorted(p.name for p in IVR.glob("*.py") if p.name != "__init__.py")
    assert flat == [], f"modules outside a room: {flat}"


def test_rooms_import_only_downwards() -> None:
    wrong = []
    for source, targets in _graph().items():
        room = _room(source)
        if not room:  # ivr/__init__.py, the app factory, stands above everything
            continue
        for target in targets:
            other = _room(target)
            if other == "" or (other != room and FLOORS.index(other) > FLOORS.index(room)):
                wrong.append(f"{source} -> {target}")
    assert wrong == []


def test_no_module_imports_in_a_circle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []
