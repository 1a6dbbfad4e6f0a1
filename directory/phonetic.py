"""Mandarin text as folded, toneless syllables, one symbol per syllable.

Speech recognizers write homophones (包和区 for 包河区) and Hefei speakers merge n/l and
-n/-ng; comparing the *sounds* catches what comparing characters misses. Each distinct folded
syllable becomes one private-use character, so rapidfuzz compares syllables, not letters.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from pypinyin import Style, lazy_pinyin, load_phrases_dict

# Readings that pypinyin's defaults get wrong in place names (长丰 is chang, 六安 is lu).
PLACE_READINGS: dict[str, str] = {
    "长丰": "cháng fēng",
    "长临河": "cháng lín hé",
    "长岗": "cháng gǎng",
    "长宁": "cháng níng",
    "长淮": "cháng huái",
    "长庄": "cháng zhuāng",
    "长郢": "cháng yǐng",
    "长冲": "cháng chōng",
    "长镇": "cháng zhèn",
    "长王": "cháng wáng",
    "长刘": "cháng liú",
    "长东": "cháng dōng",
    "长临": "cháng lín",
    "朝阳": "cháo yáng",
    "朝晖": "cháo huī",
    "朝霞": "cháo xiá",
    "六安": "lù ān",
    "蚌埠": "bèng bù",
    "柏堰": "bǎi yàn",
    "大圩": "dà wéi",
    "柘皋": "zhè gāo",
    "烔炀": "tóng yáng",
}
# In a place name an initial 长 or 朝 is read chang / chao (长岗, 朝阳门), whatever follows.
NAME_INITIAL_READINGS = {"长": "chang", "朝": "chao"}

load_phrases_dict({phrase: [[s] for s in reading.split()] for phrase, reading in
                   PLACE_READINGS.items()})

_HAN = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z]+|[0-9]")
_PRIVATE_USE = 0xE000


def fold(syllable: str) -> str:
    """Merge the sounds Hefei speakers and recognizers confuse: zh/z, ch/c, sh/s, n/l, -ng/-n."""
    s = syllable.lower()
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s.startswith("n") and not s.startswith("ng"):
        s = "l" + s[1:]
    if s.endswith("ng") and not s.endswith("ong") and len(s) > 2:
        s = s[:-1]
    return s


class _Alphabet:
    """One private-use character per folded syllable, shared by the whole process."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def symbol(self, syllable: str) -> str:
        code = self._codes.get(syllable)
        if code is None:
            with self._lock:
                code = self._codes.setdefault(syllable, chr(_PRIVATE_USE + len(self._codes)))
        return code


ALPHABET = _Alphabet()


@dataclass(frozen=True)
class Sounds:
    """A text as symbols (one per syllable) and the characters they came from, aligned."""

    symbols: str
    chars: str
    # Other readings of the same text, symbol for symbol (a caller's polyphones read otherwise).
    readings: tuple[str, ...] = ()
    # Where the caller's polyphonic characters are (positions in `chars`).
    polyphones: frozenset[int] = frozenset()
    # What each symbol came from: "h" a Chinese character or digit, "w" the first syllable of a
    # word written in pinyin and "p" the next ones, "e"/"f" the same for a word that is also
    # common English (he, can, long), "x" a word that is not pinyin (help, address).
    source: str = field(default="")


def _readings(text: str, *, place_name: bool) -> list[tuple[str, str]]:
    """(character or word, folded reading) pairs for the Han characters, letters and digits."""
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    han = "".join(t for t in tokens if _HAN.match(t))
    pinyin = iter(lazy_pinyin(han, style=Style.NORMAL, errors="ignore", strict=False))
    pairs: list[tuple[str, str]] = []
    for index, token in enumerate(tokens):
        if _HAN.match(token):
            reading = next(pinyin, token)
            if place_name and index == 0 and token in NAME_INITIAL_READINGS:
                reading = NAME_INITIAL_READINGS[token]
            pairs.append((token, fold(reading)))
        else:
            pairs.append((token[:1], fold(token)))
    return pairs


@lru_cache(maxsize=65536)
def sounds(text: str, place_name: bool = False) -> Sounds:
    """Encode a text as syllable symbols aligned with its characters."""
    pairs = _readings(text, place_name=place_name)
    return Sounds("".join(ALPHABET.symbol(r) for _, r in pairs), "".join(c for c, _ in pairs))


def readable(text: str, place_name: bool = False) -> str:
    """The folded syllables of a text, space-separated (for people and debugging)."""
    return " ".join(r for _, r in _readings(text, place_name=place_name))


# --- A caller's words ---------------------------------------------------------------------------
# Names are read once, at import, with their readings fixed; a caller's words are read every
# way a polyphone can be read, and may be written in pinyin or in English with kind words.

# Polyphonic characters of place names and the readings callers may mean (pypinyin picks one
# from the context of a sentence, often the wrong one: 我是长峒 is read "shi zhang dong").
POLYPHONES: dict[str, tuple[str, ...]] = {
    "长": ("chang", "zhang"), "朝": ("chao", "zhao"), "重": ("chong", "zhong"),
    "行": ("xing", "hang"), "乐": ("le", "yue"), "曾": ("zeng", "ceng"),
    "降": ("jiang", "xiang"), "单": ("dan", "shan"), "藏": ("cang", "zang"),
    "柏": ("bai", "bo"), "圩": ("wei", "xu"), "堡": ("bao", "pu", "bu"),
    "泊": ("bo", "po"), "传": ("chuan", "zhuan"), "省": ("sheng", "xing"),
    "种": ("zhong", "chong"), "查": ("cha", "zha"), "角": ("jiao", "jue"),
    "蚌": ("beng", "bang"), "六": ("liu", "lu"), "解": ("jie", "xie"), "调": ("diao", "tiao"),
}
# At most this many readings of one utterance are searched (every combination up to it; past
# it, each polyphone flipped alone and all of them flipped together).
MAX_READINGS = 8

_SYLLABLES = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chuai chuan
chuang chui chun chuo ci cong cu cuan cui cun cuo da dai dan dang dao de dei deng di dian
diao die ding diu dong dou du duan dui dun duo e en eng er fa fan fang fei fen feng fo fou
fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai
han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang
jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua
kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin
ling liu long lou lu luan lue lun luo lv lve ma mai man mang mao me mei men meng mi mian
miao mie min ming miu mo mou mu na nai nan nang nao ne nei neng ni nian niang niao nie nin
ning niu nong nu nuan nue nuo nv nve ou pa pai pan pang pao pei pen peng pi pian piao pie
pin ping po pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re
ren reng ri rong rou ru ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang
shao she shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue
xun ya yan yang yao ye yi yin ying yong you yu yuan yue yun za zai zan zang zao ze zei zen
zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua zhuan zhuang zhui zhun
zhuo zi zong zou zu zuan zui zun zuo
"""
PINYIN_SYLLABLES = frozenset(_SYLLABLES.split())
# Words that are pinyin but far more often English: read as pinyin, never enough to accept.
_ENGLISH_WORDS = """
a an are area bade bane bang bare came can cane care change china cure dame dare date dean
die din dude dune fade fame fan fare game gang gene gin gun ha hang hare hate he hen here huge
june lame lane late lean lie lime line long made mane man mare mate me mean men mile mine
name nine nude pan pane pare pen pie pile pure ran rang rare ride rude rune same sane sang see
share she sun sure tame tan tare tide tie tin tune wade wane ware women you
"""
ENGLISH_PINYIN = frozenset(_ENGLISH_WORDS.split())
# English kind words and zone names, said after the name as in Chinese (Guangming community).
_ENGLISH = [
    (r"high[- ]?tech(?:nology)?(?: industry| industrial)?(?: development)? zone", "高新区"),
    (r"hi[- ]?tech(?: industry| industrial)?(?: development)? zone", "高新区"),
    (r"economic(?:al)?(?: and technolog(?:y|ical))? development zone", "经开区"),
    (r"development zone", "开发区"),
    (r"sub-?district", "街道"), (r"district", "区"), (r"county", "县"), (r"street", "街道"),
    (r"township", "乡"), (r"town", "镇"), (r"neighbou?rhood", "社区"), (r"community", "社区"),
    (r"village", "村"), (r"city", "市"), (r"road", "路"),
]
_ENGLISH_RE = re.compile(r"\b(?:" + "|".join(f"({p})" for p, _ in _ENGLISH) + r")\b")
_CALLER_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z]+(?:['’-]?[a-z]+|[1-5])*|[0-9]")
_TONE_MARK = re.compile(r"[\u0300-\u036f]")


def _plain(text: str) -> str:
    """Lower case, tone marks dropped (Bīnhú -> binhu), ü written v, English kinds in Chinese."""
    text = unicodedata.normalize("NFD", text.lower()).replace("u\u0308", "v")
    text = unicodedata.normalize("NFC", _TONE_MARK.sub("", text))
    return _ENGLISH_RE.sub(lambda m: _ENGLISH[(m.lastindex or 1) - 1][1], text)


@lru_cache(maxsize=4096)
def segment(word: str) -> tuple[str, ...] | None:
    """A latin word as pinyin syllables (binhushiji -> bin hu shi ji), None if it is not pinyin.
    Fewest syllables; on a tie no syllable but the first starts with a vowel (xian, chang'an
    is written with its apostrophe)."""
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (len(word) + 1)
    best[0] = (0, 0, ())
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            before = best[start]
            piece = word[start:end]
            if before is None or piece not in PINYIN_SYLLABLES:
                continue
            cost = (before[0] + 1, before[1] + (start > 0 and piece[0] in "aoe"))
            current = best[end]
            if current is None or cost < current[:2]:
                best[end] = (*cost, (*before[2], piece))
    found = best[len(word)]
    return found[2] if found else None


def _latin(word: str) -> tuple[list[str], str] | None:
    """The syllables of a word written in pinyin (apostrophes, hyphens and tone digits split
    it) and their sources; None when it is not pinyin."""
    syllables: list[str] = []
    for piece in re.split(r"['’\-1-5]+", word):
        found = segment(piece) if piece else ()
        if found is None:
            return None
        syllables += found
    if not syllables:
        return None
    weak = re.sub(r"['’\-1-5]+", "", word) in ENGLISH_PINYIN
    first, rest = ("e", "f") if weak else ("w", "p")
    return syllables, first + rest * (len(syllables) - 1)


_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def heard(text: str) -> Sounds:
    """A caller's words as symbols: every reading of their polyphones, pinyin and English."""
    if not _LETTER.search(text):
        # Chinese only (the common case): the readings the need matcher reads too, cached.
        base = sounds(text)
        options = [(symbol, *_other_symbols(char, symbol))
                   for symbol, char in zip(base.symbols, base.chars, strict=True)]
        return _with_readings(base.symbols, base.chars, options, "h" * len(base.symbols))
    tokens = _CALLER_TOKEN.findall(_plain(text))
    han = "".join(t for t in tokens if _HAN.match(t))
    pinyin = iter(lazy_pinyin(han, style=Style.NORMAL, errors="ignore", strict=False))
    chars: list[str] = []
    source = ""
    options = []
    for token in tokens:
        if _HAN.match(token):
            first = ALPHABET.symbol(fold(next(pinyin, token)))
            options.append((first, *_other_symbols(token, first)))
            chars.append(token)
            source += "h"
        elif token.isdigit():
            options.append((ALPHABET.symbol(fold(token)),))
            chars.append(token)
            source += "h"
        elif (spelled := _latin(token)) is not None:
            options += [(ALPHABET.symbol(fold(s)),) for s in spelled[0]]
            chars += [s[:1] for s in spelled[0]]
            source += spelled[1]
        else:  # an English word: a symbol no syllable shares
            options.append((ALPHABET.symbol("#" + token),))
            chars.append(token[:1])
            source += "x"
    return _with_readings("".join(o[0] for o in options), "".join(chars), options, source)


def _other_symbols(char: str, symbol: str) -> tuple[str, ...]:
    """The symbols of a polyphone's other readings."""
    readings = POLYPHONES.get(char)
    if not readings:
        return ()
    return tuple(dict.fromkeys(s for s in (ALPHABET.symbol(fold(r)) for r in readings)
                               if s != symbol))


def _with_readings(symbols: str, chars: str, options: list[tuple[str, ...]],
                   source: str) -> Sounds:
    many = [i for i, o in enumerate(options) if len(o) > 1]
    if not many:
        return Sounds(symbols, chars, source=source)
    combinations = 1
    for i in many:
        combinations *= len(options[i])
    choices: Iterable[tuple[str, ...]]
    if combinations <= MAX_READINGS:
        choices = product(*options)
    else:  # each polyphone read otherwise alone, then all of them together
        choices = iter([*(tuple(o[1] if i == j else o[0] for j, o in enumerate(options))
                          for i in many), tuple(o[-1] for o in options)])
    readings = dict.fromkeys("".join(c) for c in choices)
    readings.pop(symbols, None)
    return Sounds(symbols, chars, tuple(readings), frozenset(many), source)
