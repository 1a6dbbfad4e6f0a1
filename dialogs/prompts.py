"""Prompt catalog: every sentence the line says, in Mandarin (zh-CN) and English (en)."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

PROMPTS: dict[str, dict[str, str]] = {
    "greeting": {
        "zh-CN": "您好，这里是合肥市社会服务热线。",
        "en": "Hello, this is the Hefei social service line.",
    },
    "menu.request": {
        "zh-CN": "需要上门或社区服务，请按1。",
        "en": "For a service at home or in your community, press 1.",
    },
    "menu.status": {
        "zh-CN": "查询已经办理的事情，请按2。",
        "en": "To hear about a request you already made, press 2.",
    },
    "menu.callback": {
        "zh-CN": "请我们给您回电话，请按3。",
        "en": "To have us call you back, press 3.",
    },
    "menu.human": {
        "zh-CN": "转人工服务，请按0，或者直接说“人工”。",
        "en": "For a person, press 0 or say operator.",
    },
    "menu.repeat": {
        "zh-CN": "重听请按9。",
        "en": "To hear this again, press 9.",
    },
    "noinput.1": {
        "zh-CN": "对不起，没有听到您的声音。",
        "en": "Sorry, I did not hear anything.",
    },
    "noinput.2": {
        "zh-CN": "您可以按电话上的数字键，也可以直接说出您需要什么，比如“我要找人送饭”。",
        "en": "You can press a key on your phone, or just say what you need, "
        "for example: I need meals delivered.",
    },
    "nomatch.1": {
        "zh-CN": "对不起，没有听明白。",
        "en": "Sorry, I did not understand.",
    },
    "nomatch.2": {
        "zh-CN": "请只按一个数字键，或者说“人工”。",
        "en": "Please press a single key, or say operator.",
    },
    "connect.human": {
        "zh-CN": "正在为您转接人工服务，请稍等。",
        "en": "Connecting you to a person, please hold.",
    },
    "connect.human.for_request": {
        "zh-CN": "好的，工作人员会为您办理，正在为您转接，请稍等。",
        "en": "All right, a member of staff will take your request. Connecting you now.",
    },
    "connect.after_silence": {
        "zh-CN": "我们还是没有听到您的声音，现在为您转接工作人员。",
        "en": "We still cannot hear you. Connecting you to a member of staff now.",
    },
    "connect.after_failures": {
        "zh-CN": "为了更好地帮助您，现在为您转接工作人员。",
        "en": "So that we can help you better, connecting you to a member of staff now.",
    },
    "connect.emergency": {
        "zh-CN": "这是紧急情况，正在为您接通紧急救助电话，请不要挂机。",
        "en": "This is an emergency. Connecting you to emergency help now, "
        "please stay on the line.",
    },
    "dial.failed": {
        "zh-CN": "对不起，工作人员暂时没有接听，我们再试一次，请不要挂机。",
        "en": "Sorry, nobody answered yet. We will try again, please stay on the line.",
    },
    "dial.gave_up": {
        "zh-CN": "非常抱歉，现在没有工作人员能接听。请稍后再拨打本热线；"
        "如遇紧急情况，请拨打120或110。",
        "en": "We are very sorry, nobody can answer right now. Please call this line again later; "
        "in an emergency call 120 or 110.",
    },
    "error.apology": {
        "zh-CN": "对不起，系统暂时出现问题，正在为您转接值班人员。",
        "en": "Sorry, the system has a problem right now. Connecting you to the duty officer.",
    },
    "goodbye": {
        "zh-CN": "感谢您的来电，再见。",
        "en": "Thank you for calling. Goodbye.",
    },
}


def text(prompt_id: str, language: str = "zh-CN") -> str:
    """Return the sentence of a prompt in a language, falling back to Mandarin."""
    entry = PROMPTS[prompt_id]
    return entry.get(language) or entry["zh-CN"]


def missing_translations() -> list[tuple[str, str]]:
    """List (prompt, language) pairs that have no sentence."""
    return [
        (pid, lang) for pid, entry in PROMPTS.items() for lang in LANGUAGES if not entry.get(lang)
    ]
