"""Phone numbers on pages: the house's one formatter (`directory.phones`, phonenumbers) as the
`phone` filter, with nothing in E.164 ever reaching a page; a typed number read back."""

from __future__ import annotations

from directory import phones


def local(number: str | None) -> str:
    """A stored number as written in Hefei (0551-6310 0167, 138 0000 0001); '' for none."""
    if not number:
        return ""
    shown = phones.local_display(number)
    # A number phonenumbers cannot read is shown as digits, never as +86...
    return shown.lstrip("+") if shown == number else shown


def e164(text: str) -> str | None:
    """What a person typed (138 0000 0001, 0551-63100167, +86 ...) as E.164, or None."""
    return phones.parse(text)
