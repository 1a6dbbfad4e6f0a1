"""Tables of the directory: divisions, categories, platforms and providers."""

from __future__ import annotations
