"""Phone numbers as people in Hefei write and say them."""

from __future__ import annotations


def local_display(phone: str) -> str:
    """+8655163100151 -> 0551-63100151; other +86 numbers lose the country code."""
    if phone.startswith("+86551") and len(phone) == 14:
        return f"0551-{phone[6:]}"
    if phone.startswith("+86"):
        return phone[3:]
    return phone
