"""Menus defined once: the spoken list and the key dispatch both come from the same options."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.commands import RESERVED_KEYS, normalize

MAX_OPTIONS = 4


class MenuError(ValueError):
    """A menu definition breaks a rule of the line."""


@dataclass(frozen=True)
class Option:
    """One choice of a menu: its key, what it leads to, its prompt and the words that pick it."""

    key: str
    action: str
    prompt: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Menu:
    """A list of at most four options, checked when it is defined."""

    name: str
    options: tuple[Option, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.options) <= MAX_OPTIONS:
            raise MenuError(f"menu {self.name} has {len(self.options)} options (1-{MAX_OPTIONS})")
        keys = [o.key for o in self.options]
        if len(set(keys)) != len(keys):
            raise MenuError(f"menu {self.name} uses a key twice: {keys}")
        if reserved := RESERVED_KEYS.intersection(keys):
            raise MenuError(f"menu {self.name} uses reserved keys {sorted(reserved)}")

    @property
    def prompts(self) -> tuple[str, ...]:
        """The prompts that announce the options, in key order."""
        return tuple(o.prompt for o in self.options)

    @property
    def words(self) -> tuple[str, ...]:
        """Every word that selects an option, for speech recognition hints."""
        return tuple(w for o in self.options for w in o.words)

    def choose(self, digits: str, speech: str) -> Option | None:
        """Return the option picked by a key or by words, or None."""
        if digits:
            return next((o for o in self.options if o.key == digits), None)
        said = normalize(speech)
        if not said:
            return None
        # A lone spoken digit ("一", "1") picks by key as well.
        spoken = _SPOKEN_DIGITS.get(said, said)
        for option in self.options:
            if spoken == option.key or any(w in said for w in option.words):
                return option
        return None


_SPOKEN_DIGITS = {
    "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "幺": "1",
    "one": "1", "two": "2", "three": "3", "four": "4",
}
