"""Phone numbers as people in Hefei write them (0551-6310 0167, 138 0000 0001), and a number
typed in any format read back to E.164."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "CN"


def local(number: str | None) -> str:
    """A stored number (E.164) in the local written format; '' for none."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, REGION)
    except NumberParseException:
        return _digits_only(number)
    if parsed.country_code != 86:
        return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    kind = phonenumbers.number_type(parsed)
    if kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE) \
            or not national.startswith("0"):
        return national
    # A landline: the area code joined by a hyphen, as on Hefei's signs (0551-6310 0167).
    area, _, rest = national.partition(" ")
    return f"{area}-{rest}" if rest else national


def e164(text: str) -> str | None:
    """What a person typed (138 0000 0001, 0551-63100167, +86 ...) as E.164, or None."""
    cleaned = text.strip()
    if not re.search(r"\d{5,}", re.sub(r"[\s\-()]", "", cleaned)):
        return None
    try:
        parsed = phonenumbers.parse(cleaned, REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def _digits_only(number: str) -> str:
    """An unparseable number without a leading +, so no E.164 form ever reaches a page."""
    return number.lstrip("+")
