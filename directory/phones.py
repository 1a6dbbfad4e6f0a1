"""Phone numbers as people in Hefei write and say them (parsed and formatted by phonenumbers)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "CN"


@lru_cache(maxsize=4096)
def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def parse(text: str | None) -> str | None:
    """The E.164 form of a number written any usual way (0551-6310 0167, 138 0000 0001), or None."""
    if not text or not text.strip():
        return None
    number = _parsed(text.strip())
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


def is_valid(text: str | None) -> bool:
    """Whether the text is a dialable number (withheld and made-up ones are not)."""
    return parse(text) is not None


def local_display(phone: str | None) -> str:
    """As written in Hefei: 0551-6310 0167, 010-6234 5678, 138 0000 0001; abroad in full."""
    if not phone:
        return ""
    number = _parsed(phone)
    if number is None:
        return phone
    if number.country_code != 86:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
        # The area code is written apart from the subscriber's digits: 0551-6310 0167.
        area, _, rest = national.partition(" ")
        return f"{area}-{rest}" if rest else national
    return national


def digit_groups(phone: str | None) -> list[str]:
    """The groups a person reads a number in (0551 / 6310 / 0167), for the spoken line."""
    shown = local_display(phone)
    return [g for g in shown.replace("-", " ").split(" ") if g] if shown else []
