"""Phone numbers as people in Hefei write and say them."""

from __future__ import annotations


def local_display(phone: str) -> str:
    """+8655163100151 -> 0551-63100151; other +86 numbers lose the country code."""
    if phone.startswith("+86551") and len(phone) == 14:
        return f"0551-{phone[6:]}"
    if phone.startswith("+86"):
        return phone[3:]
    return phone


def written(phone: str) -> str:
    """A number as Hefei writes it for a person to dial: +8655163000120 -> 0551-6300 0120,
    +8613800000000 -> 138 0000 0000; short service numbers (120, 110) as they are."""
    if phone.startswith("+86551") and len(phone) == 14:
        return f"0551-{phone[6:10]} {phone[10:]}"
    if phone.startswith("+861") and len(phone) == 14:
        return f"{phone[3:6]} {phone[6:10]} {phone[10:]}"
    return local_display(phone)
