"""The main menu of the line, with no-input and no-match ladders, as pure steps."""

from __future__ import annotations

from dialogs.commands import Command, global_command
from dialogs.menu import Menu, Option
from dialogs.outputs import Ask, Connect, Event, Hangup, Output, Say, Target

# After this many silences or misunderstandings in a row the caller goes to a person.
LADDER_STEPS = 3
# Failures of any kind in one call before the caller goes to a person.
FAILURE_BUDGET = 4
# Tries to reach a person before the line apologises.
DIAL_ATTEMPTS = 2

MAIN_MENU = Menu(
    "main",
    (
        Option("1", "request", "menu.request",
               ("服务", "帮忙", "帮助", "办理", "送饭", "做饭", "助餐", "洗澡", "看病", "维修")),
        Option("2", "status", "menu.status", ("查询", "进度", "办得怎么样", "status")),
        Option("3", "callback", "menu.callback", ("回电", "回电话", "打回来", "call back")),
    ),
)
MENU_PROMPTS = (*MAIN_MENU.prompts, "menu.human", "menu.repeat")


def start() -> list[Output]:
    """Open a call: greeting, then the main menu."""
    return [Say("greeting"), _ask({})]


def step(state: dict[str, int], event: Event) -> list[Output]:
    """Answer one turn of the main menu."""
    command = global_command(event.digits, event.speech)
    if command is Command.EMERGENCY:
        return [Say("connect.emergency"), Connect("emergency", "emergency")]
    if command is Command.HUMAN:
        return [Say("connect.human"), Connect("duty", "asked")]
    if command in (Command.REPEAT, Command.BACK):
        return [_ask(state)]
    if event.silent:
        return _failure(state, "ni", "noinput", "connect.after_silence", "silence")
    option = MAIN_MENU.choose(event.digits, event.speech)
    if option is None:
        return _failure(state, "nm", "nomatch", "connect.after_failures", "no_match")
    return _chosen(option)


def after_dial(target: Target, attempt: int, dial_status: str) -> list[Output]:
    """Decide what follows a <Dial>: done when answered, else try again, then apologise."""
    if dial_status == "completed":
        return [Say("goodbye"), Hangup()]
    if attempt < DIAL_ATTEMPTS:
        return [Say("dial.failed"), Connect(target, "retry", attempt + 1)]
    return [Say("dial.gave_up"), Hangup()]


def _ask(state: dict[str, int]) -> Ask:
    return Ask(MENU_PROMPTS, state, MAIN_MENU.words)


def _failure(state: dict[str, int], counter: str, ladder: str, give_up: str,
             reason: str) -> list[Output]:
    """Climb a ladder: reprompt, then a fuller prompt with an example, then a person."""
    new = {**state, counter: state.get(counter, 0) + 1}
    failures = new.get("ni", 0) + new.get("nm", 0)
    if new[counter] >= LADDER_STEPS or failures >= FAILURE_BUDGET:
        return [Say(give_up), Connect("duty", reason)]
    return [Say(f"{ladder}.{new[counter]}"), _ask(new)]


def _chosen(option: Option) -> list[Output]:
    # Until the service, status and callback dialogs exist, staff take each of these requests.
    return [Say("connect.human.for_request"), Connect("duty", option.action)]
