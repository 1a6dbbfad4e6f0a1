"""Prompt catalogs: every sentence the line says, as whole sentences, in zh-CN and en."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

from dialogs.speech import count_noun

LANGUAGES = ("zh-CN", "en")
CATALOGS = Path(__file__).with_name("prompts")


@cache
def catalog(language: str) -> dict[str, str]:
    """The prompts of one language."""
    data = yaml.safe_load((CATALOGS / f"{language}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def text(prompt_id: str, language: str = "zh-CN", **params: Any) -> str:
    """A prompt in a language (Mandarin when missing) with its placeholders filled."""
    template = catalog(language).get(prompt_id) or catalog("zh-CN")[prompt_id]
    return fill(template, language, params) if params or "{" in template else template


def fill(template: str, language: str, params: dict[str, Any]) -> str:
    """Fill placeholders; `{count:n request}` says the count with its noun, plural-aware
    (1 request, 2 requests), the one rule for prompts, SMS and chat alike."""
    filled = _Formatter(language).vformat(template, (), _Missing(params))
    # "8 p.m." at the end of an English sentence takes no second full stop.
    return filled.replace("m..", "m.") if language == "en" else filled


class _Formatter(Formatter):
    """str.format with the `n NOUN` spec for counts."""

    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        """A count with its noun for `n NOUN`, else as str.format does."""
        if format_spec.startswith("n "):
            try:
                return count_noun(int(value), format_spec[2:], self.language)
            except (TypeError, ValueError):
                return str(value)
        return str(super().format_field(value, format_spec))


def placeholders(prompt_id: str, language: str) -> set[str]:
    """Names a prompt expects to be filled."""
    return {f for _, f, _, _ in Formatter().parse(catalog(language)[prompt_id]) if f}


def missing_translations() -> list[tuple[str, str]]:
    """(prompt, language) pairs present in one catalog but not another."""
    every = set().union(*(catalog(lang) for lang in LANGUAGES))
    return sorted((p, lang) for lang in LANGUAGES for p in every if p not in catalog(lang))


class _Missing(dict[str, Any]):
    """Leave an unfilled placeholder visible rather than failing in front of a caller."""

    def __missing__(self, key: str) -> str:
        return ""
