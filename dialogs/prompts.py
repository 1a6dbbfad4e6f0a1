"""Prompt catalogs: every sentence the line says, as whole sentences, in zh-CN and en."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

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
    return template.format_map(_Missing(params)) if params or "{" in template else template


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
