"""What the caller hears, as people say it: numbers, dates, hours and counts in words, and how
long a sentence takes to say (the lint's speech budget and `bench/speech_budget.py`).

Pure text: phone numbers are grouped and read twice with commas for pauses, so the same words
work on every voice provider, with or without SSML.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
# A phone number as a prompt carries it (0551-63100167, 13812345678, +8655163100167).
_PHONE = re.compile(r"\+?[0-9]{3,}(?:[- ][0-9]{3,})+|\+?[0-9]{7,}")
# A referral's short number (R12), not inside a latin word.
_REFERRAL = re.compile(r"(?<![A-Za-z0-9])R([0-9]{1,9})(?![0-9])")
# The last digits of the caller's own number (尾号0167, ending in 0167), read one by one.
_TAIL = re.compile(r"(尾号|ending in )([0-9]{3,6})(?![0-9])")
_IRREGULAR = {"person": "people", "child": "children"}

# --- the speech model, calibrated by `python -m bench.speech_budget --calibrate` ------------
# Seconds per Mandarin syllable (a character or digit) or English word, the pauses of a comma
# and of a full stop, and how much longer `<prosody rate="slow">` (the elderly profile) takes:
# fitted to espeak-ng's renderings of all 122 prompts (cmn at -s 290 and en at -s 160, the
# rates of telephone voices), mean error 0.3 s (Mandarin) and 0.5 s (English) a prompt.
SECONDS = {"zh-CN": {"unit": 0.225, "comma": 0.03, "stop": 0.12, "slow": 1.27},
           "en": {"unit": 0.275, "comma": 0.49, "stop": 0.30, "slow": 1.25}}
# How long a waiting prompt may keep the caller listening before the first thing they can
# answer (a question's end, or a menu's first option), and the greeting with the first
# question; the elderly profile's second limit grows as its first does (8 s to 12 s).
BUDGET_S = {"normal": 8.0, "elderly": 12.0}
FIRST_QUESTION_S = {"normal": 6.0, "elderly": 9.0}
_UNIT_ZH = re.compile(r"[\u3400-\u9fff0-9A-Za-z]")
_WORD_EN = re.compile(r"[A-Za-z0-9\u3400-\u9fff]+(?:['\-][A-Za-z]+)*")
_COMMA = re.compile(r"[，、,;；：:—]")
_STOP = re.compile(r"[。！？.!?]")


def seconds(sentence: str, language: str, *, slow: bool = False) -> float:
    """How long a voice takes to say `sentence` (as spoken: run `spoken` first)."""
    rates = SECONDS["en" if language == "en" else "zh-CN"]
    sentence = sentence.replace("a.m.", "am").replace("p.m.", "pm")  # said as one word each
    units = len((_WORD_EN if language == "en" else _UNIT_ZH).findall(sentence))
    said = (units * rates["unit"] + len(_COMMA.findall(sentence)) * rates["comma"]
            + len(_STOP.findall(sentence)) * rates["stop"])
    return round(said * (rates["slow"] if slow else 1.0), 2)


# --- numbers -----------------------------------------------------------------------------


def digits(number: str, language: str) -> str:
    """Digits one by one: 12 -> 一二 (Mandarin) or 1 2 (English)."""
    if language == "en":
        return " ".join(number)
    return "".join(_ZH_DIGITS[int(d)] for d in number)


def phone_groups(number: str) -> list[str]:
    """A phone number in the groups people read it in: 0551 6310 0167, 138 1234 5678 (the
    groups it is written in, as directory.phones.local_display writes it, when it has them)."""
    written = [g for g in re.split(r"[- ]", number.strip()) if g]
    if len(written) > 1 and all(g.isdigit() and len(g) <= 4 for g in written):
        return written
    plain = re.sub(r"[^0-9]", "", number)
    if plain.startswith("86") and len(plain) > 11:
        plain = "0" + plain[2:] if not plain[2:].startswith("1") else plain[2:]
    if len(plain) == 11 and plain.startswith("1"):
        return [plain[:3], plain[3:7], plain[7:]]
    if plain.startswith("0") and len(plain) > 8:
        head = 3 if plain[1] in "12" else 4  # 010, 021 ... have three digits, 0551 four
        rest = plain[head:]
        return [plain[:head], *[rest[i:i + 4] for i in range(0, len(rest), 4)]]
    return [plain[i:i + 4] for i in range(0, len(plain), 4)]


def phone_words(number: str, language: str) -> str:
    """A phone number grouped and read twice, a pause between groups."""
    groups = ", ".join(digits(g, language) for g in phone_groups(number))
    if language == "en":
        return f"{groups}. Once more: {groups}"
    return f"{groups.replace(', ', '，')}。再说一遍：{groups.replace(', ', '，')}"


def spoken(sentence: str, language: str) -> str:
    """A prompt as the voice should read it: phone numbers grouped and twice, a referral's
    number digit by digit (R12 -> 一二 in Mandarin, whose voice reads a lone R as a foreign
    letter many older callers do not know; R 1 2 in English)."""
    sentence = _PHONE.sub(lambda m: phone_words(m.group(), language), sentence)
    sentence = _TAIL.sub(lambda m: m.group(1) + digits(m.group(2), language), sentence)
    letter = "R " if language == "en" else ""
    return _REFERRAL.sub(lambda m: letter + digits(m.group(1), language), sentence)


def zh_number(n: int) -> str:
    """0..99 in Mandarin words (二十五, 十二)."""
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_ZH_DIGITS[tens] if tens > 1 else "") + "十" + (_ZH_DIGITS[ones] if ones else "")


def count_noun(n: int, noun: str, language: str = "en") -> str:
    """A count with its noun: 1 request, 2 requests, 2 people (Mandarin needs no plural)."""
    if language != "en":
        return f"{n}{noun}"
    if n == 1:
        return f"1 {noun}"
    return f"{n} {_IRREGULAR.get(noun, noun + 's')}"


# --- times, dates and opening hours --------------------------------------------------------


def time_words(hour: int, minute: int, language: str) -> str:
    """A time of day as people say it: 上午九点, 下午五点半 / 9 a.m., 5:30 p.m."""
    if language == "en":
        twelve = hour % 12 or 12
        suffix = "a.m." if hour < 12 else "p.m."
        if hour == 12 and not minute:
            return "noon"
        return f"{twelve}{f':{minute:02d}' if minute else ''} {suffix}"
    part = ("凌晨" if hour < 6 else "上午" if hour < 12 else "中午" if hour == 12
            else "下午" if hour < 18 else "晚上")
    twelve = hour if hour <= 12 else hour - 12
    said = "两" if twelve == 2 else zh_number(twelve)
    tail = "" if not minute else "半" if minute == 30 else f"{zh_number(minute)}分"
    return f"{part}{said}点{tail}"


def when_words(at: datetime, now: datetime | None, language: str) -> str:
    """A day and time, relative when near: 今天上午八点, 明天, 下周一 / today at 8 a.m.
    (the date itself when today is not known)."""
    today = now.date() if now is not None else at.date() - timedelta(days=365)
    days = (at.date() - today).days
    clock = time_words(at.hour, at.minute, language)
    week = (at.date() - timedelta(days=at.weekday())) - (today - timedelta(days=today.weekday()))
    if language == "en":
        if days == 0:
            day = "today"
        elif days == 1:
            day = "tomorrow"
        elif 1 < days < 7 and week.days == 0:
            day = f"on {_EN_WEEKDAYS[at.weekday()]}"
        elif 1 < days < 14 and week.days == 7:
            day = f"next {_EN_WEEKDAYS[at.weekday()]}"
        else:
            day = f"on {at.day} {_EN_MONTHS[at.month - 1]}"
        return f"{day} at {clock}"
    if days == 0:
        day = "今天"
    elif days == 1:
        day = "明天"
    elif days == 2:
        day = "后天"
    elif 2 < days < 7 and week.days == 0:
        day = f"这周{_ZH_WEEKDAYS[at.weekday()]}"
    elif 2 < days < 14 and week.days == 7:
        day = f"下周{_ZH_WEEKDAYS[at.weekday()]}"
    else:
        day = f"{zh_number(at.month)}月{zh_number(at.day)}日"
    return day + clock


_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_RULE = re.compile(r"^(?P<days>[A-Za-z,\-]+)\s+(?P<spans>\d{1,2}:\d{2}-\d{1,2}:\d{2}"
                   r"(?:,\d{1,2}:\d{2}-\d{1,2}:\d{2})*)$")


def hours_words(expression: str, language: str) -> str:
    """Opening hours (OpenStreetMap's simple forms) in words: 每天早上八点到晚上八点 /
    every day from 8 a.m. to 8 p.m.; empty when the expression is not one of those forms."""
    said: list[str] = []
    for rule in (r.strip() for r in expression.split(";") if r.strip()):
        match = _RULE.match(rule)
        if not match:
            return ""
        days = _days_words(match.group("days"), language)
        if not days:
            return ""
        spans = []
        for span in match.group("spans").split(","):
            (h1, m1), (h2, m2) = ((int(x) for x in t.split(":")) for t in span.split("-"))
            a, b = time_words(h1, m1, language), time_words(h2, m2, language)
            spans.append(f"from {a} to {b}" if language == "en" else f"{a}到{b}")
        joined = " and ".join(spans) if language == "en" else "、".join(spans)
        said.append(f"{days} {joined}" if language == "en" else f"{days}{joined}")
    return ("; ".join(said) if language == "en" else "，".join(said))


def _days_words(days: str, language: str) -> str:
    if days in ("Mo-Su", "Su-Sa"):
        return "every day" if language == "en" else "每天"
    parts = []
    for piece in days.split(","):
        ends = piece.split("-")
        if any(e not in _DAYS for e in ends) or len(ends) > 2:
            return ""
        names = [(_EN_WEEKDAYS[_DAYS.index(e)] if language == "en"
                  else f"周{_ZH_WEEKDAYS[_DAYS.index(e)]}") for e in ends]
        parts.append(" to ".join(names) if language == "en" else "到".join(names))
    return ", ".join(parts) if language == "en" else "、".join(parts)


# Values that placeholders take in the budget: long but ordinary ones, so that a prompt that
# fits with them fits for nearly every caller.
SAMPLES: dict[str, dict[str, object]] = {
    "zh-CN": {"name": "王秀英", "salutation": "王阿姨", "provider": "滨湖世纪社区老年食堂",
              "need": "陪着聊天",  # as long as the longest everyday words (need.said.*)
              "place": "包河区滨湖世纪社区", "district": "包河区", "choice": "三里庵街道",
              "tied": "光明社区",
              "phone": "0551-63100167", "number": "R12", "last4": "0167", "count": 2,
              "ahead": 2, "position": 3, "minutes": 5, "key": "1", "closed": "服务点",
              "next_open": "明天上午九点", "state": "对方已经接单",
              "hours": "每天上午八点到晚上八点"},
    "en": {"name": "Wang Xiuying", "salutation": "Mrs Wang",
           "provider": "Binhu Shiji Community Canteen",
           "need": "someone to go out with",  # the longest need.said
           "place": "Binhu Shiji Community, Baohe District",
           "district": "Baohe District", "choice": "Sanli'an Street",
           "tied": "Guangming Community",
           "phone": "0551-63100167", "number": "R12", "last4": "0167", "count": 2,
           "ahead": 2, "position": 3, "minutes": 5, "key": "1", "closed": "service point",
           "next_open": "tomorrow at 9 a.m.", "state": "accepted",
           "hours": "every day from 8 a.m. to 8 p.m."},
}
