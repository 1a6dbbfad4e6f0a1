"""Emergencies understood by meaning, both ways: heard when meant, not heard when not."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import emergency
from directory.emergency import KINDS, MODEL_FILE, Alarm, assess
from directory.lexicon import HEFEI_DIVISIONS_FILE

HEARD = [
    # The issue's misses.
    ("我老伴晕过去了", "unconscious"),
    ("他倒在地上不动了", None),
    ("我妈突然说不出话了嘴也歪了", "stroke"),
    ("家里有很重的煤气味", "gas"),
    ("我被困在电梯里了", "trapped"),
    ("我不想活了", "suicide"),
    ("有人要杀我", "violence"),
    ("我流了好多血止不住", "bleeding"),
    ("My husband collapsed", None),
    ("I can't breathe", "breathing"),
]

NOT_HEARD = [
    # The issue's false alarms: negation, the past, a word inside another, help with a service.
    "我没有摔倒，就是想找人帮忙做饭",
    "上次摔倒以后腿脚不好，想找人帮忙买菜",
    "煤气灶打不着火了想找人修",
    "我想学习急救知识",
    "I need someone to help me clean my flat",
    "Can you help me with meals",
]


@pytest.mark.parametrize(("text", "kind"), HEARD)
def test_the_issues_misses_are_heard(text: str, kind: str | None) -> None:
    alarm = assess(text)
    assert alarm.decision == "clear", alarm
    if kind is not None:
        assert alarm.kind == kind, alarm


@pytest.mark.parametrize("text", NOT_HEARD)
def test_the_issues_false_alarms_are_not(text: str) -> None:
    assert assess(text).decision == "none", assess(text)


EACH_KIND = [
    ("fall", "奶奶在厨房摔倒了，爬不起来", "My dad fell down the stairs and can't get up"),
    ("unconscious", "我爸怎么叫都叫不醒", "She fainted and won't wake up"),
    ("chest_pain", "我胸口疼得厉害", "My husband is having a heart attack"),
    ("breathing", "老人喘不上气了", "He's choking and can't breathe"),
    ("stroke", "我爸可能中风了，嘴歪了", "I think my mother is having a stroke"),
    ("bleeding", "伤口流血不止", "He won't stop bleeding"),
    ("burn", "奶奶被开水烫伤了", "She got scalded by boiling water, bad burns"),
    ("poisoning", "我妈吃错药了", "My father took too many of his pills"),
    ("fire", "厨房着火了", "The kitchen is on fire"),
    ("gas", "天然气泄漏了", "I can smell gas everywhere"),
    ("trapped", "我被困在电梯里", "We are trapped in the lift"),
    ("missing", "我爸有老年痴呆，走丢了", "My mother with dementia has gone missing"),
    ("violence", "有人拿刀闯进我家了", "Someone is hitting me"),
    ("suicide", "我想自杀", "I want to kill myself"),
]


@pytest.mark.parametrize(("kind", "zh", "en"), EACH_KIND)
def test_each_kind_in_mandarin_and_english(kind: str, zh: str, en: str) -> None:
    assert kind in KINDS
    for text in (zh, en):
        alarm = assess(text)
        assert alarm.decision == "clear", (text, alarm)
        assert alarm.kind == kind, (text, alarm)


@pytest.mark.parametrize("text", ["我不想活了", "活着没意思，想一了百了", "我想死",
                                  "I don't want to live anymore"])
def test_suicide_is_its_own_kind(text: str) -> None:
    alarm = assess(text)
    assert (alarm.decision, alarm.kind) == ("clear", "suicide"), alarm


def test_fearing_a_suicide_is_not_a_hypothesis() -> None:
    alarm = assess("我女儿刚才说了很多告别的话，我怕她想不开")
    assert (alarm.decision, alarm.kind) == ("clear", "suicide"), alarm
    assert assess("我怕老人摔倒，想装个扶手").decision == "none"


def test_a_cry_takes_the_kind_the_other_words_name() -> None:
    alarm = assess("救命啊，有人拿刀闯进来了")
    assert (alarm.decision, alarm.kind) == ("clear", "violence"), alarm


@pytest.mark.parametrize(("heard", "kind"), [
    ("就命啊", "other"),          # 救命啊
    ("我摔到了起不来", "fall"),    # 摔倒了
    ("家里着伙了", "fire"),        # 着火了
    ("我老伴昏到了", None),        # 晕倒 / 昏倒
])
def test_recognizer_homophones(heard: str, kind: str | None) -> None:
    alarm = assess(heard)
    assert alarm.decision == "clear", alarm
    if kind is not None:
        assert alarm.kind == kind


@pytest.mark.parametrize("text", [
    # negation
    "我没有摔倒，只是腿有点酸", "不是着火，是想问问电费", "没什么急事，想找人聊天",
    "I didn't fall, I just need help with the shopping", "It's not an emergency, call me back",
    # the past
    "去年中风以后一直要人照顾，想申请护理", "我爸以前晕倒过，想办个家庭医生",
    "他之前走丢过一次，想办个定位手环", "Last year I had a stroke and now I need physio",
    # a hypothesis
    "我怕老人摔倒，想装个扶手", "如果着火了该怎么办，想问问消防讲座",
    # a word inside another word
    "想换个煤气罐", "我想买个急救箱", "血压计怎么用", "我想死你们了，好久没打电话",
    "请打我手机", "救命稻草一样的补贴，怎么申请",
    # help with a service
    "Please help me find a cleaner", "Could you help me with my bath",
    "救救我吧，我家马桶堵了一个星期了",
    # ordinary days
    "你好", "转人工", "我想找人帮忙做饭", "快递运到了", "就明天来吧",
])
def test_traps_are_not_emergencies(text: str) -> None:
    alarm = assess(text)
    assert alarm.decision == "none", alarm


def test_a_danger_now_after_one_in_the_past_is_heard() -> None:
    assert assess("以前摔过一次，今天又摔倒了起不来").decision == "clear"
    assert assess("He fell last year") == assess("He fell last year")
    assert assess("He fell last year").decision == "none"


@pytest.mark.parametrize("text", [
    # Words that look like a scope but are not one.
    "我不小心摔倒了",              # 小心 is no hypothesis in 不小心
    "别人打我",                    # 别 is no negation in 别人
    "我害怕有人要杀我",            # 怕 in 害怕: fear of what is happening
    "消防队快来家里着火了",        # 防 in 消防
    "主要是我爸摔倒了起不来",      # 要是 in 主要是
    "十分钟之前他晕倒了",          # 之前 ten minutes ago is now
    "家里没人，我摔倒了",          # 没 in 没人
    "could you send an ambulance",  # could is no hypothesis
    "I think he might be having a stroke",
    "no, he is not breathing",
])
def test_look_alike_scopes_do_not_block(text: str) -> None:
    assert assess(text).decision == "clear", assess(text)


def test_a_negated_clause_does_not_hide_the_next_one() -> None:
    alarm = assess("我没有摔倒，是我老伴晕过去了")
    assert (alarm.decision, alarm.kind) == ("clear", "unconscious")


def test_instant_phrases_need_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError(f"the model was asked about {text!r}")

    monkeypatch.setattr(emergency, "meaning", refuse)
    for text in ("救命", "救命啊", "着火了", "喘不上气", "help!", "I can't breathe"):
        assert assess(text).decision == "clear", text


def test_meaning_hears_what_no_phrase_names() -> None:
    # No listed phrase: the classifier over sentence vectors has to understand it.
    for text in ("奶奶躺着一声不吭，脸色发青", "She's gone all grey and floppy and won't answer"):
        alarm = assess(text)
        assert alarm.decision != "none", (text, alarm)
        assert alarm.why.startswith("model:"), alarm


def test_without_the_model_cues_are_still_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emergency, "meaning", lambda text: None)
    assert assess("老人摔了").decision == "uncertain"
    assert assess("救命").decision == "clear"
    assert assess("我想找人帮忙做饭").decision == "none"


def test_a_failing_model_does_not_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(emergency, "meaning", broken)
    assert assess("老人摔了").decision == "uncertain"
    assert assess("救命").decision == "clear"


def test_the_model_ships_small_beside_the_code() -> None:
    assert MODEL_FILE.exists()
    assert MODEL_FILE.stat().st_size < 1_000_000
    probabilities = emergency.meaning("我老伴晕过去了")
    assert probabilities is not None
    assert set(probabilities) <= {*KINDS, "none"}
    assert abs(sum(probabilities.values()) - 1.0) < 1e-3
    assert emergency.GRAMS_FILE.stat().st_size < 1_000_000
    chars = emergency.CharGrams.load(emergency.GRAMS_FILE)
    assert chars.danger("我老伴晕过去了") > chars.danger("我想找人帮忙做饭")


def test_safe_under_threads() -> None:
    texts = [t for t, _ in HEARD] + NOT_HEARD + [zh for _, zh, _ in EACH_KIND]
    alone = [assess(t) for t in texts]
    emergency._rules.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(assess, texts * 4))
    assert together == alone * 4


@pytest.mark.parametrize("text", ["", " ", "\n\t", "0" * 10_000, "救" * 10_000,
                                  "😀🔥🚒" * 500, "1234567890", "\x00\ud7ff", "。，！？" * 100,
                                  "help " * 2000])
def test_odd_strings(text: str) -> None:
    alarm = assess(text)
    assert isinstance(alarm, Alarm)
    assert alarm.decision in ("clear", "uncertain", "none")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400) | st.text(st.sampled_from("救命摔倒着火没有不是上次help me !，。"),
                                       max_size=60))
def test_never_raises(text: str) -> None:
    alarm = assess(text)
    assert alarm.decision in ("clear", "uncertain", "none")
    assert alarm.kind is None or alarm.kind in KINDS
    assert 0.0 <= alarm.score <= 1.0


# Round 2: everyday phrasings written for these tests (not in the training file), in the kinds
# the round-1 test part missed, with Hefei words and recognizer homophones.
ROUND_TWO_HEARD = [
    ("gas", "厨房里那股煤气味越来越重了，俺头昏"),
    ("gas", "家里好大的没气味"),                # 煤气味
    ("gas", "The cooker is hissing and the room stinks of gas"),
    ("burn", "老伴端汤的时候泼了一身，烫起了大泡"),
    ("burn", "My wife poured boiling water on her foot, the skin came off"),
    ("missing", "俺家老爷子一早出门，到现在人影都没得，他糊涂了"),
    ("missing", "Grandad walked out of the care home and nobody knows where he is"),
    ("stroke", "我爸刚才一下子嘴就歪了，话说不清，右手拿不住碗"),
    ("stroke", "Her face has gone lopsided and she can't lift her left arm"),
    ("fall", "老太太在菜场门口跌倒了，爬不起来"),
    ("unconscious", "他躺在地上喊不应，眼睛也不睁"),
    ("suicide", "我把一瓶安眠药都攒好了，今晚就了结"),
]


@pytest.mark.parametrize(("kind", "text"), ROUND_TWO_HEARD)
def test_round_two_phrasings_are_heard(kind: str, text: str) -> None:
    alarm = assess(text)
    assert alarm.decision != "none", (text, alarm)
    assert alarm.kind == kind, (text, alarm)


@pytest.mark.parametrize("text", [
    # a service that did not come is a complaint, not someone missing
    "送饭的没来", "说好今天来打扫，到现在没人来", "护工三天没上门了，我要投诉",
    "助浴的阿姨又放我鸽子了", "The cleaner didn't turn up again",
    "nobody came to take me to the day centre", "I'm still waiting for my lunch delivery",
    # things and animals lost, not people
    "我家狗走丢了", "手机不见了，找不到了", "My cat has gone missing",
    # the past, after "after I"
    "After I scalded my hand last month I can't carry pans, can someone cook for me",
    # negation the old scopes missed
    "我不想死，就是想找人说说话", "There's no fire, the alarm battery is flat",
    # things that come off a wall are not a person falling
    "浴室的扶手掉下来了，找个师傅装一下",
])
def test_round_two_traps(text: str) -> None:
    alarm = assess(text)
    assert alarm.decision == "none", (text, alarm)


@pytest.mark.parametrize("text", [
    "我摔倒了，喊了半天没人来",                 # the fall is in its own clause
    "叫了救护车还没来，我爸已经没气了",         # an ambulance not coming is no complaint
    "My husband can't catch his breath",        # can't says what the danger is
])
def test_complaint_and_negation_scopes_do_not_hide_danger(text: str) -> None:
    assert assess(text).decision == "clear", assess(text)


def test_a_cry_with_an_errand_that_only_sounds_like_danger_is_not_dialled() -> None:
    # 老鼠咬断 sounds like 老鼠药 (rat poison): with the cable named, the cry is only a cue.
    alarm = assess("救命啊，我家电视线又被老鼠咬断了，看不成")
    assert alarm.decision != "clear", alarm
    assert alarm.kind != "poisoning", alarm


def test_thresholds_decide_the_same_evidence_differently() -> None:
    found = emergency.Evidence(None, danger=0.6, kind="fall", why="model:fall 0.60")
    assert emergency.decide(found).decision == "uncertain"
    assert emergency.decide(found, emergency.Thresholds(clear_at=0.5)).decision == "clear"
    assert emergency.decide(found, emergency.Thresholds(uncertain_at=0.7)).decision == "none"
    cue = emergency.Evidence(None, cue=True, danger=0.2, now=True, kind="fall")
    assert emergency.decide(cue).decision == "uncertain"  # 突然 keeps a weak cue alive


def test_the_character_model_reads_homophones_as_their_words() -> None:
    assert {"s:jiu min", "救命"} <= emergency.grams("救命")
    assert "s:jiu min" in emergency.grams("就命")
    assert "w:help" in emergency.grams("Help me")


# Round 3: written for these tests (not in the training file, not corpus sentences).
@pytest.mark.parametrize("text", [
    # a cry typed with spaces beside an errand is one clause each, so the errand is seen
    "救命 家里灯泡坏了 换不了", "救救我 洗衣机漏水漏了一地 找个师傅",
    # an all-clear or a chronic sign makes the models alone need more danger
    "他没有昏迷 就是睡得沉 喊了两声就醒了", "胸口疼是老毛病了 医生查过 想约个复查",
    # the news and the television are no danger here
    "新闻里说有个小区着火了 我们这消防通道能不能清一下",
    "The gas leak was fixed yesterday, when does the inspector come",
])
def test_round_three_traps(text: str) -> None:
    alarm = assess(text)
    assert alarm.decision == "none", (text, alarm)


@pytest.mark.parametrize(("kind", "text"), [
    ("gas", "厨房那个煤气管子好像漏了 味道冲得很"),        # gapped phrase 煤气*漏
    ("gas", "想问一下送餐几点到 还有我家燃气好像在漏"),    # a question first, then 还有
    ("fall", "My neighbour slipped on the stairs ten minutes ago and she's still lying there"),
    ("unconscious", "he has had a bad heart for years and he's collapsed in the kitchen"),
])
def test_round_three_dangers_are_heard(kind: str, text: str) -> None:
    alarm = assess(text)
    assert alarm.decision != "none", (text, alarm)
    assert alarm.kind == kind, (text, alarm)


def test_a_calm_word_never_hides_a_danger_said_now() -> None:
    calm = emergency.Evidence(None, danger=0.62, kind="fall", calm=True)
    assert emergency.decide(calm).decision == "none"
    assert emergency.decide(calm, emergency.Thresholds(calm_margin=0.0)).decision == "uncertain"
    # 现在, 突然, 刚才 outside the calm words undo them; 现在好了 is itself calm.
    assert emergency._calm("我想申请个护工") and not emergency._calm("我想申请个护工 我妈刚才摔了")
    assert emergency._calm("现在好了 想约个复查")
    # A now before the calm words dates the sign; one after them undoes the calm.
    assert emergency._calm("刚才晕了一下 这会好了 坐着呢")
    assert not emergency._calm("没事了，刚才又晕了")


@pytest.mark.parametrize("words", ["中风以后手脚不利索，想做做康复",
                                   "我妈中风后一直躺着，想找人上门理疗"])
def test_a_stroke_told_as_the_time_since_is_no_emergency(words: str) -> None:
    # 中风以后 is "since the stroke": a rehabilitation request, not a stroke now.
    assert assess(words).decision == "none"


def test_a_stroke_now_is_still_dialled_at_once() -> None:
    assert assess("我爸刚才突然中风了").decision == "clear"
    assert assess("他中风以后说不出话了，嘴也歪了").decision == "clear"


@pytest.mark.parametrize("text", [
    "她没昏，是睡着了叫不醒是因为耳朵背，我过去拍了拍就醒了，想给她配个助听器",
    "厨房着火了，已经灭了，想找人来修一下灶台",
    "那回被困在电梯里以后，我再也不敢一个人坐电梯了，能不能有人陪我下楼",
    "I was stuck in the lift for an hour on Monday, can you report it to the management",
    "We had a gas leak in October, it was fixed. Is there a subsidy for a gas alarm?",
    "中风险地区那个健康码现在还要不要查",
    "俺爹昨晚看电影看到一个中毒的情节，一晚上睡不着，想找人聊聊天",
])
def test_a_danger_told_with_its_end_or_its_time_is_no_alarm(text: str) -> None:
    """An all-clear, a time since, a past day, a plot or a look-alike word: nothing to dial."""
    assert assess(text).decision == "none"


@pytest.mark.parametrize(("text", "kind"), [
    ("刚才晕倒了现在醒了但是站不起来", "unconscious"),
    ("喂 我家电视机冒火了 老太婆腿脚不好跑不出来", "fire"),
    ("我不晓得我在哪 我找不到家了 这是哪里", "missing"),
])
def test_an_end_beside_a_now_or_a_new_sign_still_alarms(text: str, kind: str) -> None:
    """刚才 beside 醒了 is still now; 冒火 and a lost person's own words are signs."""
    alarm = assess(text)
    assert alarm.decision == "clear" and alarm.kind == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("我想问下洗澡服务怎么约，哎呀不好了，我老伴从椅子上栽下来了，头上全是血", "bleeding"),
    ("报名老年食堂要带什么，等一下，我爸脸一边歪了，话也说不清", "stroke"),
    ("她就是困了在打盹吧，不对，我推她她一点反应都没有，嘴唇发青", "unconscious"),
])
def test_a_danger_told_after_a_break_in_a_question_is_heard(text: str, kind: str) -> None:
    """哎呀, 等一下, 不对: a break is a word of now, and what follows is judged on its own too."""
    alarm = assess(text)
    assert alarm.decision != "none", alarm


@pytest.mark.parametrize("text", [
    "燃气没有漏，师傅拿仪器测了一圈，就是想换个新的灶",
    "差点就从梯子上摔下来了，老伴在下面扶住了，人好好的，想借个防滑垫",
    "我爸得过脑梗，左手不太灵活，想申请个护工",
    "房子的火灾险到期了，续保要去哪里办",
    "她是我们全家的救命恩人，想给那个医生送面锦旗",
    "前天胸口疼了一阵，去医院做了检查，医生说没问题，想约个复查",
    "呜呜呜",
])
def test_round_five_traps_are_not_alarms(text: str) -> None:
    """A gap negated, a near miss, an illness had, insurance, a benefactor, a spell that ended."""
    assert assess(text).decision == "none", assess(text)


def test_a_sign_among_other_words_needs_a_dangerous_whole() -> None:
    """The gate: an instant sign told with calm words is dropped; alone, or a suicide, never."""
    sign = emergency.Alarm("clear", "chest_pain", 1.0, "phrase:心口疼")
    told = emergency.Evidence(sign, whole=0.1)
    assert emergency.decide(told).decision == "none"
    assert emergency.decide(told, emergency.Thresholds(instant_gate=0.0)).decision == "clear"
    assert emergency.decide(emergency.Evidence(sign)).decision == "clear"  # said alone
    suicide = emergency.Alarm("clear", "suicide", 1.0, "phrase:不想活")
    assert emergency.decide(emergency.Evidence(suicide, whole=0.0)).decision == "clear"
    cue = emergency.Evidence(None, cue=True, danger=0.2, now=True, kind="fall", whole=0.1)
    assert emergency.decide(cue).decision == "none"  # now keeps a weak cue alive, not this
    assert emergency.evidence("救命").whole is None  # a sign alone is not second-guessed


@pytest.mark.parametrize("text", ["救护车叫了二十分钟还没到，老伴喊不应了",
                                  "The ambulance still hasn't come and she's gone very pale"])
def test_an_ambulance_that_has_not_come_is_an_emergency_now(text: str) -> None:
    """Waiting for an ambulance is an emergency in progress, whatever the models say of 没来."""
    assert assess(text).decision == "clear", assess(text)


@pytest.mark.parametrize("text", ["我想问问明天送不送饭，另外我爸刚才吐血了",
                                  "Just asking about the cleaner for Thursday, and my wife is "
                                  "vomiting blood"])
def test_a_sign_said_last_is_never_gated(text: str) -> None:
    """Nothing after the sign can take it back: no gate on the whole (a question, then 吐血)."""
    assert emergency.evidence(text).whole is None
    assert assess(text).decision == "clear"


# Round 6: written for these tests (not corpus sentences).
def test_thoughts_of_suicide_go_to_a_person_from_a_lower_threshold_and_calm_words_do_not_count(
        ) -> None:
    quiet = emergency.Evidence(None, danger=0.52, kind="suicide", why="model:suicide 0.52")
    assert emergency.decide(quiet).decision == "uncertain"
    assert emergency.decide(replace(quiet, kind="fall")).decision == "none"
    # 不用了，没事 beside such talk is how it sounds, not a reason to need more.
    calm = replace(quiet, danger=0.62, calm=1)
    assert emergency.decide(calm).decision == "uncertain"
    assert emergency.decide(replace(calm, kind="fall")).decision == "none"


def test_an_errand_given_up_with_suanle_leaves_what_follows_to_be_judged_alone() -> None:
    text = "我想问问助浴怎么约，算了，不约了，我也活够了，药都攒好了，今晚全吃了"
    assert emergency._after_interruption(emergency._normalise(text)).startswith("不约了")
    alarm = assess(text)
    assert alarm.decision != "none" and alarm.kind == "suicide", alarm


def test_no_district_or_street_said_alone_and_no_short_answer_is_an_emergency() -> None:
    # The place question hears these more than anything; round 6's models once took 蜀山区 for
    # a fire and 大兴镇 for a suicide (the trainer now reads the division list as `none`).
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        names = [row["name"] for row in csv.DictReader(f) if row["level"] in ("3", "4")]
    said = [*names, "1", "2", "0", "是的", "不是", "嗯", "yes", "no"]
    heard = {text: alarm for text in said if (alarm := assess(text)).decision != "none"}
    assert heard == {}


@pytest.mark.parametrize("text", [
    "我爸老说活着没意思，那是他口头禅，想给他找个人聊聊天",
    "俺说不想活了是说气话，跟儿子吵嘴了，想问问房子的事",
])
def test_words_the_caller_says_were_not_meant_are_judged_by_the_models(text: str) -> None:
    assert emergency._taken_back(text)
    assert assess(text).decision == "none"


@pytest.mark.parametrize("text", ["我不是开玩笑，我真的不想活了",
                                  "I'm not joking, I want to end it all",
                                  "她最近老说些丧气话，今天说不想活了", "我想死，但是我不敢"])
def test_a_suicide_said_in_earnest_stays_with_a_person(text: str) -> None:
    # 不是开玩笑 and 丧气话 take nothing back; without such words the sign stays instant.
    alarm = assess(text)
    assert alarm.decision == "clear" and alarm.kind == "suicide", alarm


def test_a_suicide_in_a_story_is_not_one_now_but_a_feared_one_is() -> None:
    assert assess("中午电视剧里演个老头上吊，俺看着心里难受，想找人说说话").decision == "none"
    assert assess("我怕她想不开").decision == "clear"


@pytest.mark.parametrize(("text", "kind"), [
    ("哥哥又发病了 电视砸了 拿着剪子说谁过来就捅谁", "violence"),
    ("咽好大 看不见楼梯", "fire"),  # 烟 heard as 咽
    ("订餐的事先放一放，我老公胸闷得不行，坐那儿一直捶", "chest_pain"),
])
def test_round_seven_misses_are_heard(text: str, kind: str) -> None:
    # From emergency33 and 34's test parts after their one look: a threat with scissors, smoke
    # by its homophone, and an errand put aside (先放一放, a break like 算了) for a danger.
    alarm = assess(text)
    assert alarm.decision != "none" and alarm.kind == kind, alarm


@pytest.mark.parametrize("text", ["马桶堵了要捅一下", "想找人拿着剪刀帮我剪剪指甲"])
def test_household_words_near_the_new_signs_are_no_alarm(text: str) -> None:
    assert assess(text).decision == "none"


def test_an_english_clause_that_comes_to_now_is_read_whole() -> None:
    text = "dad ate the wild mushrooms we picked yesterday and now he's throwing up and confused"
    assert assess(text).decision != "none"


def test_a_denied_sign_of_another_kind_does_not_take_the_suicide_threshold() -> None:
    quiet = emergency.Evidence(None, danger=0.55, kind="suicide", calm=1)
    assert emergency.decide(quiet).decision == "uncertain"
    assert emergency.decide(replace(quiet, other_denied=True)).decision == "none"


@pytest.mark.parametrize("text", ["气死我了", "累死了，那个送餐的又迟到一个钟头",
                                  "把我急死了，养老金怎么还没到账"])
def test_a_figure_of_speech_alone_names_no_danger(text: str) -> None:
    assert assess(text).decision == "none"


def test_a_figure_of_speech_beside_a_sign_leaves_the_sign_heard() -> None:
    assert assess("急死了，我爸倒在地上了，叫他也不应").decision == "clear"


def test_a_sign_denied_after_it_is_said_is_no_longer_instant() -> None:
    # The watch said fall, the caller then says she did not: the models judge, with calm.
    told = emergency.evidence("手表报警说摔倒了，我打视频问了，她没有摔倒，是表掉了")
    assert told.settled is None and told.calm >= 1
    # Denied first, another sign of the same kind still dials (not fainted, cannot be woken).
    assert assess("他没晕倒，就是叫不醒").decision == "clear"


def test_words_taken_back_lift_the_suicide_threshold() -> None:
    quiet = emergency.Evidence(None, danger=0.55, kind="suicide", calm=1)
    assert emergency.decide(quiet).decision == "uncertain"
    assert emergency.decide(replace(quiet, taken_back=True)).decision == "none"
    assert emergency.evidence("我说要跳楼是吓唬他的，我才不跳呢").taken_back


@pytest.mark.parametrize("text", ["我昨晚梦见老伴在河里喊救命，醒了心里难受，想找人聊聊",
                                  "小区里剧组在拍戏，演着火的场面，想问问你们知道不"])
def test_a_dream_or_a_film_set_is_no_emergency(text: str) -> None:
    assert assess(text).decision == "none"


@pytest.mark.parametrize(("text", "kind"), [
    ("我想约个理发 哎 老头子你咋了 眼睛往上翻 叫也不应", "unconscious"),
    ("邻居说隔着门听到老太太在里面喊，门反锁着打不开", "trapped"),
])
def test_signs_told_without_a_medical_word_are_heard(text: str, kind: str) -> None:
    alarm = assess(text)
    assert alarm.decision != "none" and alarm.kind == kind, alarm


def test_a_cry_with_an_errand_is_judged_at_the_models_own_thresholds() -> None:
    # 快来人啊 with a door that will not open names no sign: no cue's lower bar.
    told = emergency.evidence("快来人啊，单元门的门禁又刷不开了")
    assert told.settled is None and not told.cue
    assert assess("快来人啊，我老伴倒在地上不动了").decision == "clear"


def test_a_kind_ruled_out_and_named_by_the_models_is_calm_even_said_with_a_now() -> None:
    # 刚才 dates the alarm; the caller ruled out the very fire the models hear.
    told = emergency.evidence("刚才烟感响了，不是真着火，是炒辣椒烟大，窗开了")
    assert told.calm >= 1


def test_a_plea_beside_a_complaint_is_judged_with_the_complaint() -> None:
    text = "I really need your help, the carer hasn't shown up for three days"
    assert assess(text).decision == "none"


@pytest.mark.parametrize("text", ["帮帮我，我眼睛看不见了，想找人读读信",
                                  "安眠药吃完了，医生说要本人去开，俺腿脚不行"])
def test_words_that_only_sound_like_a_sign_are_not_one(text: str) -> None:
    # 看不见了 is not 不见了 (missing); 腿脚不行 sounds like 叫不醒.
    assert assess(text).decision == "none"


@pytest.mark.parametrize("text", ["今天我把炉子点上了，窗户缝都拿胶带封好了",
                                  "屋里烧着炭盆，门窗都关死了，就想睡一觉"])
def test_a_fire_in_a_sealed_room_is_at_least_asked_about(text: str) -> None:
    alarm = assess(text)
    assert alarm.decision in ("uncertain", "clear"), alarm


@pytest.mark.parametrize("text", ["冬天冷，窗户缝都拿胶带封好了，炉子晚上灭了才睡",
                                  "我想买点胶带封窗户", "屋里没生火，窗户都封好了"])
def test_a_sealed_room_without_a_fire_is_not_asked_about(text: str) -> None:
    # The rule only (the models read 没生火 as a fire, 0.65: that is theirs to learn).
    assert emergency.evidence(text).ask == ""


def test_the_sealed_fire_reads_english_words_whole_and_their_negation() -> None:
    # "out" in "passed out" is not the stove put out; "no" two words before is a negation.
    lit = "we lit a charcoal brazier and the windows are taped shut, dad passed out"
    assert emergency.evidence(lit).ask
    assert not emergency.evidence("there is no charcoal brazier, the windows are taped").ask
