"""Understanding places and needs in what callers say, on Hefei's real names."""

from __future__ import annotations

import csv

import pytest

from directory.lexicon import HEFEI_DIVISIONS_FILE, categories
from directory.names import english, reading, spoken
from directory.phonetic import fold, readable
from directory.understanding import CategoryRow, DivisionRow, NeedMatcher, PlaceMatcher


@pytest.fixture(scope="module")
def places() -> PlaceMatcher:
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    aliases = {"340176": ("高新区",)}
    return PlaceMatcher(
        DivisionRow(r["code"], r["name"], int(r["level"]),
                    reading(r["name"], aliases.get(r["code"], ())), aliases.get(r["code"], ()))
        for r in rows
    )


@pytest.fixture(scope="module")
def needs() -> NeedMatcher:
    return NeedMatcher(CategoryRow(c["code"], c["zh"], tuple(c["keywords"]))
                       for c in categories())


def test_folding_merges_what_hefei_speakers_merge() -> None:
    assert fold("nan") == fold("lan")
    assert fold("zhang") == fold("zan")
    assert fold("shi") == fold("si")
    assert fold("ying") == fold("yin")
    assert fold("dong") == "dong"


def test_polyphonic_place_names_read_right() -> None:
    assert readable("长丰县", place_name=True).startswith("can fen")  # chang, folded
    assert readable("长岗村", place_name=True).startswith("can")
    assert readable("六安") == "lu an"


def test_official_suffixes_become_what_people_say() -> None:
    assert (spoken("三十岗村民委员会").core, spoken("三十岗村民委员会").kind) == ("三十岗", "村")
    assert spoken("光明社区居委会").core == "光明"
    assert spoken("庐阳工业区（林店街道）").aliases == ("林店街道",)


@pytest.mark.parametrize(("text", "code"), [
    ("包河区", "340111"),
    ("包和区", "340111"),                       # homophone from the recognizer
    ("我住在包河区滨湖世纪社区", "340111400"),     # inside a sentence, with its district
    ("冰湖世纪社区", "340111400"),               # near-homophone
    ("滨湖世纪", "340111400"),                   # without suffix
    ("长丰县", "340121"),
    ("明光路街道", "340102001"),
    ("明光路", "340102001"),
    ("我在高新区", "340176"),                    # an alias
    ("三十岗村", "340103200200"),
])
def test_places_accepted(places: PlaceMatcher, text: str, code: str) -> None:
    result = places.find(text)
    assert result.best is not None
    assert (result.decision, result.best.code) == ("accept", code)


def test_a_repeated_short_name_is_asked_unless_the_district_is_known(
        places: PlaceMatcher) -> None:
    open_question = places.find("光明社区")
    assert open_question.decision == "confirm"
    assert len({a.code for a in open_question.alternatives}) >= 2
    known = places.find("光明社区", within="340104")
    assert known.best is not None
    assert (known.decision, known.best.code) == ("accept", "340104005001")
    said = places.find("蜀山区光明社区")
    assert said.best is not None and said.best.code == "340104005001"
    assert said.decision == "accept"


def test_a_name_inside_a_longer_name_is_not_a_rival(places: PlaceMatcher) -> None:
    # 石集社区 (shi ji she qu) sounds like the end of 滨湖世纪社区.
    result = places.find("滨湖世纪社区")
    assert "石集" not in "".join(a.name for a in result.alternatives)


def test_no_place_in_a_need(places: PlaceMatcher) -> None:
    assert places.find("我想找人帮忙做饭").decision == "none"
    assert places.find("").decision == "none"


@pytest.mark.parametrize(("text", "code"), [
    ("我想找人帮忙做饭", "meal"),
    ("能不能送饭", "meal"),
    ("住餐", "meal"),               # homophone of 助餐
    ("想找人帮我洗澡", "bathing"),
    ("我腿脚不好出不了门", "mobility"),
    ("我想要一个轮椅", "devices"),
    ("家里水管坏了", "repair"),
    ("我想申请低保", "benefits"),
])
def test_needs_from_everyday_words(needs: NeedMatcher, text: str, code: str) -> None:
    result = needs.find(text)
    assert result.best is not None
    assert (result.best.code, result.decision) == (code, "accept")


def test_hospital_is_not_bathing(needs: NeedMatcher) -> None:
    # 住院 (hospital) sounds like 助浴 (bathing); whether a spouse in hospital means the
    # caller needs medical help is asked, not assumed.
    result = needs.find("老伴住院了")
    assert result.best is not None and result.best.code == "medical"
    assert result.decision in ("accept", "confirm")


def test_emergencies_are_not_the_need_matchers(needs: NeedMatcher) -> None:
    # directory.emergency.assess runs first in every turn; the need matcher never says so.
    for text in ("我做饭的时候摔倒了", "我摔倒了", "救命"):
        result = needs.find(text)
        assert result.best is None or result.best.code != "emergency"


def test_two_needs_are_confirmed_not_guessed(needs: NeedMatcher) -> None:
    result = needs.find("我要洗澡还要送饭")
    assert result.decision == "confirm"


@pytest.mark.parametrize(("name", "said"), [
    ("三里庵街道", "Sanli'an Subdistrict"),  # san-li-an, not san-lian
    ("稻香村街道", "Daoxiangcun Subdistrict"),   # a 村 inside the name is not a village
    ("长丰县", "Changfeng County"),
    ("滨湖世纪社区老年食堂", "Binhushiji Community Seniors' Canteen"),
    ("包河区社会服务呼叫中心", "Baohe District Social Service Call Center"),
    ("包河区滨湖社区助餐点", "Baohe District Binhu Community Meal Point"),
    ("Hefei Canteen", "Hefei Canteen"),
])
def test_names_for_an_english_voice_have_no_characters(name: str, said: str) -> None:
    assert english(name) == said
