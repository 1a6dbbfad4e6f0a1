"""What the caller hears: numbers, dates, hours and counts as people say them, the speech
budget the lint keeps, the reserved keys once a call, and truthful hand-offs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from dialogs import engine
from dialogs.budget import waits
from dialogs.lint import lint
from dialogs.loader import FLOWS, load, parse
from dialogs.outputs import Ask, Connect, Event, Say
from dialogs.prompts import text
from dialogs.render_text import render as render_text
from dialogs.services import Environment
from dialogs.speech import (
    count_noun,
    hours_words,
    phone_groups,
    phone_words,
    seconds,
    spoken,
    when_words,
)
from dialogs.state import Caller
from ivr.voice.queue_routes import queue_prompt
from ivr.voice.render import VoiceRenderer

from .golden_directory import GoldenDirectory
from .test_golden import CONFIG

LINE = (FLOWS / "line.yaml").read_text(encoding="utf-8")


def test_phone_numbers_are_grouped_and_read_twice() -> None:
    assert phone_groups("+8655163100167") == ["0551", "6310", "0167"]
    assert phone_groups("+8613812345678") == ["138", "1234", "5678"]
    assert phone_groups("010-12345678") == ["010", "1234", "5678"]
    assert phone_words("0551-63100167", "zh-CN") == (
        "零五五一，六三一零，零一六七。再说一遍：零五五一，六三一零，零一六七")
    assert phone_words("0551-63100167", "en") == (
        "0 5 5 1, 6 3 1 0, 0 1 6 7. Once more: 0 5 5 1, 6 3 1 0, 0 1 6 7")


def test_a_referral_and_the_callers_last_digits_are_said_digit_by_digit() -> None:
    assert spoken("您的服务单号是R12。", "zh-CN") == "您的服务单号是一二。"
    assert spoken("Your request number is R12.", "en") == "Your request number is R 1 2."
    assert spoken("给您尾号0167的这个号码回电话", "zh-CN") == "给您尾号零一六七的这个号码回电话"
    # Not a referral: a latin word that happens to hold R and digits, and short numbers.
    assert spoken("ABR12，急救120，24小时", "zh-CN") == "ABR12，急救120，24小时"


@pytest.mark.parametrize(("at", "zh", "en"), [
    (datetime(2026, 12, 2, 8, 0), "今天上午八点", "today at 8 a.m."),
    (datetime(2026, 12, 3, 8, 30), "明天上午八点半", "tomorrow at 8:30 a.m."),
    (datetime(2026, 12, 4, 14, 0), "后天下午两点", "on Friday at 2 p.m."),
    (datetime(2026, 12, 7, 9, 0), "下周一上午九点", "next Monday at 9 a.m."),
    (datetime(2026, 12, 25, 20, 0), "十二月二十五日晚上八点", "on 25 December at 8 p.m."),
])
def test_dates_are_relative_when_near_and_times_in_words(at: datetime, zh: str,
                                                         en: str) -> None:
    now = datetime(2026, 12, 2, 7, 15)  # a Wednesday morning, before opening
    assert when_words(at, now, "zh-CN") == zh
    assert when_words(at, now, "en") == en


def test_opening_hours_in_words() -> None:
    assert hours_words("Mo-Su 08:00-20:00", "zh-CN") == "每天上午八点到晚上八点"
    assert hours_words("Mo-Su 08:00-20:00", "en") == "every day from 8 a.m. to 8 p.m."
    assert hours_words("Mo-Fr 08:30-17:30; Sa 09:00-12:00", "zh-CN") == (
        "周一到周五上午八点半到下午五点半，周六上午九点到中午十二点")
    assert hours_words("Mo-Fr 08:00-12:00,14:00-18:00", "en") == (
        "Monday to Friday from 8 a.m. to noon and from 2 p.m. to 6 p.m.")
    assert hours_words("sunrise-sunset", "zh-CN") == ""  # not said rather than said wrong


def test_english_counts_agree_with_their_nouns() -> None:
    assert count_noun(1, "request") == "1 request"
    assert count_noun(2, "request") == "2 requests"
    assert count_noun(3, "person") == "3 people"
    assert text("status.some", "en", count=1) == "You have 1 request in progress."
    assert text("status.some", "en", count=2) == "You have 2 requests in progress."
    assert text("queue.next", "en", minutes=1) == (
        "You are next; the expected wait is 1 minute. Please stay on the line.")
    assert "about 2 minutes" in text("queue.position.2", "en", position=2, minutes=2)
    assert text("status.some", "zh-CN", count=1) == "您有1件事情正在办理。"


def test_the_same_count_rule_in_chat_and_sms_texts() -> None:
    lines = render_text([Say("status.some", {"count": 1})], "en")
    assert lines == ["You have 1 request in progress."]


def test_the_speech_model_grows_with_length_and_the_elderly_profile_is_slower() -> None:
    short, long_ = seconds("请按1。", "zh-CN"), seconds("请说出您住在哪个街道或者社区。", "zh-CN")
    assert 0 < short < long_
    assert seconds("请说出您住在哪个街道或者社区。", "zh-CN", slow=True) > long_
    assert seconds("Press 1.", "en") < seconds("Please tell me where you live.", "en")


def test_the_shipped_dialog_keeps_within_its_speech_budget() -> None:
    measured = waits(load())
    assert measured and not [w for w in measured if w.over]
    profiles = {(w.language, w.profile) for w in measured}
    assert profiles == {("zh-CN", "normal"), ("zh-CN", "elderly"), ("en", "normal"),
                        ("en", "elderly")}
    first = [w for w in measured if w.how == "greeting and first question"]
    assert first and all(w.limit <= 9 for w in first)


def test_the_lint_refuses_a_prompt_that_keeps_the_caller_listening() -> None:
    long_menu = LINE.replace("prompts: [menu.intro]", "prompts: [menu.help, dial.gave_up]")
    problems = lint(parse(long_menu))
    assert any("node main_menu" in p and "before the caller can answer" in p
               for p in problems), problems


def test_the_lint_refuses_a_long_greeting_before_the_first_question() -> None:
    long_greeting = LINE.replace("prompts: [greeting]", "prompts: [greeting, callback.booked]")
    problems = lint(parse(long_greeting))
    assert any("greeting and first question" in p for p in problems), problems


def _start(language: str = "zh-CN") -> tuple[object, list[object]]:
    env = Environment(GoldenDirectory())
    return engine.start(load(), Caller(language=language), env)


def _after(outputs: list[object]) -> list[str]:
    return [s.prompt for o in outputs if isinstance(o, Ask) for s in o.after]


def test_reserved_keys_are_said_once_a_call_and_again_on_request_or_a_failure() -> None:
    env = Environment(GoldenDirectory())
    dialog = load()
    state, outputs = engine.start(dialog, Caller(), env)
    assert _after(outputs) == ["global.keys", "language.offer"]
    state, outputs = engine.step(dialog, state, Event(digits="1"), env)
    assert _after(outputs) == []  # the need question: no keys again
    state, outputs = engine.step(dialog, state, Event(digits="9"), env)
    assert "global.keys.back" in _after(outputs)  # asked to hear it again
    state, outputs = engine.step(dialog, state, Event(speech="嗯嗯嗯"), env)
    assert "global.keys.back" in _after(outputs)  # not understood: the keys again


def test_the_greeting_is_followed_by_the_question_before_the_language_offer() -> None:
    _, outputs = _start()
    ask = next(o for o in outputs if isinstance(o, Ask))
    said = [o.prompt for o in outputs if isinstance(o, Say)] + [p.prompt for p in ask.prompts]
    assert said == ["greeting", "menu.intro"]


def _voice(renderer: VoiceRenderer, outputs: list[object]) -> list[str]:
    root = ET.fromstring(str(renderer.render(outputs)))  # type: ignore[arg-type]
    return ["".join(s.itertext()) for s in root.iter("Say")]


@pytest.mark.parametrize(("language", "hours", "closed", "first_choice"), [
    ("zh-CN", "每天上午八点到晚上八点", "现在是非工作时间", "留言请按1"),
    ("en", "every day from 8 a.m. to 8 p.m.", "We are closed now", "To leave a message"),
])
def test_after_hours_the_hours_come_first_and_nobody_is_said_to_be_put_through(
        language: str, hours: str, closed: str, first_choice: str) -> None:
    config = {**CONFIG, "OPERATOR_HOURS": "Mo-Su 08:00-20:00"}
    renderer = VoiceRenderer(config, turn_path="/voice/turn", dial_done_path="/voice/dial",
                             language=language, handoff="closed",
                             queue_paths={"options": "/voice/queue/options"})
    said = _voice(renderer, [Say("connect.human"), Connect("duty", "asked")])
    assert not any("转接" in s or "Connecting" in s for s in said)
    assert said[0].startswith(closed) and hours in said[0]
    assert said[1].startswith(first_choice)


def test_after_hours_without_hours_in_words_it_still_says_closed_first() -> None:
    config = {**CONFIG, "OPERATOR_HOURS": "sunrise-sunset"}
    renderer = VoiceRenderer(config, turn_path="/t", dial_done_path="/d", handoff="closed",
                             queue_paths={"options": "/o"})
    said = _voice(renderer, [Connect("duty", "asked")])
    assert said == [text("closed.intro.unknown"), text("closed.options")]


def test_the_queue_says_place_and_minutes_in_other_words_each_round() -> None:
    heard = [text(p.prompt, "zh-CN", **p.params)
             for p in (queue_prompt(1, 3, r) for r in range(3))]
    assert len(set(heard)) == 3 and all("3分钟" in h for h in heard)
    ahead = [text(p.prompt, "en", **p.params) for p in (queue_prompt(3, 1, r) for r in range(3))]
    assert len(set(ahead)) == 3 and all("1 minute" in h and "minutes" not in h for h in ahead)


def test_the_bench_prints_the_longest_waits(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.speech_budget import report

    report(2)
    printed = capsys.readouterr().out
    for heading in ("zh-CN, normal", "zh-CN, elderly", "en, normal", "en, elderly"):
        assert heading in printed
    assert "longest prompts" in printed and "route.phone" in printed
    longest = [float(line.split()[0]) for line in printed.splitlines()
               if line.startswith("  ") and line.split()[1] == "s"]
    assert longest and max(longest) <= 12


@pytest.mark.parametrize("prompt", ["route.result.district_call_center",
                                    "route.result.district_call_center_closed",
                                    "route.result.district_call_center_full"])
def test_the_staff_who_arrange_a_service_are_named_as_the_doer(prompt: str) -> None:
    """由值班…安排: who arranges it is said, not dropped to fit the speech budget."""
    said = text(prompt, "zh-CN", need="送饭")
    assert "由值班" in said and said.endswith("安排。")
