"""What a line of a Chinese news page *is*: byline, dateline, headline, body.

Why one module: the unwrapper must never join across a byline or a headline,
and the article splitter must find the same bylines and headlines to cut the
page.  Both ask here, so they cannot disagree.
"""
from __future__ import annotations

import gzip
import re
from datetime import date as _date
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex


@dataclass(frozen=True, slots=True)
class StructureParams:
    """The line classifier's thresholds, each with why its value.  The code
    reads them from ``PARAMS``; the pipeline hashes the values into the
    rules stamp, so a changed value re-cleans."""
    sentence_tail: int = 36       # a sentence end (mark, closing quotes/brackets, a closing note) fits in this many final characters
    byline_longest: int = 120     # a byline names a few people with roles: a longer line is body text
    bare_names_longest: int = 40  # a line of only names (at most max_bare_names of them) is short
    max_bare_names: int = 4       # a byline of bare names lists one to four people
    one_rare_among: int = 3       # in a line of this many names or more, one may bear an uncommon surname (莽九晨)


PARAMS = StructureParams()

HAN = r"\p{Han}"
# a sentence is over: final mark, then any closing quotes or brackets (and
# a report's closing note: see CLOSING_NOTE, with which it is widened below)
# (a half-width full stop after Chinese, 同意. or 增长5.1%., ends a sentence
# as 。 does: the punctuation stage makes it one, after the lines are read)
SENTENCE_END = regex.compile(r"(?:[。！？!?…]|\.{3}|——)[”’」』》）)\]]*$|[。！？]\s*[”’」』]$"
                             r"|(?<=\p{Han}|\p{Han}[\d.]*[%％]|[\p{Han}\d][”’」』》）)])(?<!\.)\.[”’」』》）)]*$")
HANGING = "，。、；：！？”’）》"  # closing marks a column lets hang past its edge
CAPTION_MARK = regex.compile(r"^[▲△▼◆]\s*")
# a photo credit standing alone (新华社发, 本报记者 李满摄): part of a caption, never a headline
PHOTO_CREDIT = regex.compile(r"^(?:(?:新华社|中新社|本报|人民日报)?(?:记者|通讯员)?[\s\p{Han}·、]{0,16}(?:摄|供图|摄影)"
                             r"|(?:新华社|中新社|人民图片|视觉中国)发)$")
MD_HEADING = regex.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")  # closing #s only after a space

_ROLES = (r"本报驻\p{Han}{1,8}记者|驻\p{Han}{1,8}记者|本报记者|\p{Han}{1,4}[网台]记者|本报通讯员|本报特约记者|本报见习记者|新华社记者|人民日报记者|特约记者|见习记者|"
          "实习记者|记者|通讯员|实习生|特约通讯员|摄影|摄|文/图|文／图|文·图|图/文|文|图|撰文|"
          "本報記者|本報通訊員|新華社記者|記者|通訊員|實習生|攝影|攝")  # and in traditional characters
ROLE = regex.compile(rf"^(?:{_ROLES})$")
_NAME = r"(?:\p{Han}{2,4}|\p{Han}{1,3}·\p{Han}{1,6})"
_NAME_SUFFIX = r"(?:/|／)(?:文|图|摄|摄影)"
_BYLINE_TOKEN = regex.compile(rf"^(?:(?P<role>{_ROLES})[：:]?)?(?P<name>{_NAME})?(?P<suffix>{_NAME_SUFFIX})?$")
BYLINE_BULLET = regex.compile(r"^[●◎★☆■]\s*")
# 本报讯 / 本报电 (a brief's, before a space: 15 corpus paragraphs open so, none
# holds it inside) / 本报北京10月1日电 / 新华社北京10月1日电 (记者 X); OCR spreads
# the digits of a date (``9月2 2日电``, as ``width`` knows): one space between
# two digits is still the date
_DAY = r"\d(?:[ \u3000]?\d)?"
DATELINE = regex.compile(  # simplified and traditional forms
    rf"^(?:本[报報][讯訊]|本[报報][电電](?=[^\S\n]|[（(]|$)|本[报報](?:\p{{Han}}{{2,8}})?{_DAY}月{_DAY}日(?:[电電]|[讯訊])|"
    rf"(?:新[华華]社|中新社|人民[网網])\p{{Han}}{{0,8}}{_DAY}月{_DAY}日[电電])"
    r"(?:\s*[（(](?P<inner>[^（()）\n]{1,40})[)）])?")

# one-character roles (文 X, 图 X) stand apart from the name; glued they are words
GLUE_FREE_ROLES = frozenset({"文", "图", "摄"})
SUFFIX_ROLE = {"文": "记者", "图": "摄影", "摄": "摄影", "摄影": "摄影"}
ROLE_NAMES = {"摄": "摄影", "撰文": "记者", "文": "记者", "图": "摄影", "攝": "攝影"}


_SPACE_NEAR_WIDE = regex.compile(r"[ \u3000\u00a0\t]+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])[ \u3000\u00a0\t]+")


# (classes of literal characters, found by the standard library's engine:
# faster than the regex module's, and width runs on every printed line)
_SPACE_CHAR = re.compile("[ \u3000\u00a0\t]")
_HALFWIDTH_CHAR = re.compile("[\uff61-\uffdc\u00a0]")
# digits OCR spread apart on a line of Chinese (2 0 2 3年): the spaces are
# stray too; a line set across columns is wider by its characters, not by them
_SPACE_IN_DIGITS = regex.compile(r"(?<=\d)[ \u3000\u00a0\t]+(?=\d)")
# a half-width mark in Chinese text (,;:?! beside a Han character, a . after
# one) is the full-width mark print set: the punctuation stage makes it one
# again, so it takes a full column (李源潮在两地敬献花圈,向志 fills its 13)
# (the mark first, the Han character before it looked behind after it: a
# pattern opening on a lookbehind is tried at every character of the line;
# the Han class written three times, as before: each costs a process some
# 12 M instructions to compile)
_HALF_MARK = re.compile(r"[,;:?!.](?:(?<=[\u3400-\u9fff].)(?:(?<=[,;:?!])|(?![\u3400-\u9fff.]))"
                        r"|(?<=[,;:?!])(?=[\u3400-\u9fff]))")


def width(text: str) -> float:
    """Display width in columns: Han and full-width marks 1 (and half-width
    marks in Chinese text, which print set full-width), other ASCII ½; spaces
    next to Han or full-width marks, or between digits on a line of Chinese
    (stray OCR spacing), count nothing."""
    s = text
    if _SPACE_CHAR.search(text):
        s = _SPACE_NEAR_WIDE.sub("", text)
        if not s.isascii():
            s = _SPACE_IN_DIGITS.sub("", s)
    if s.isascii():
        return 0.5 * len(s)
    narrow = len(s.encode("ascii", "ignore"))  # ASCII characters, counted in C
    if narrow:
        narrow -= len(_HALF_MARK.findall(s))
    if _HALFWIDTH_CHAR.search(s):
        narrow += len(_HALFWIDTH_CHAR.findall(s))
    return len(s) - 0.5 * narrow


def print_column(paragraph: str, columns: int, indent: int = 2) -> list[str]:
    """A paragraph printed as a newspaper column ``columns`` wide: the first
    line indented (the indent OCR loses), closing punctuation hanging past
    the edge rather than starting a line.  The damage ``unwrap`` repairs;
    tests and benchmarks build their column pages with it."""
    lines, cur, w = [], "", float(indent)
    for ch in paragraph:
        cw = width(ch) or 0.5
        if w + cw > columns and cur and ch not in HANGING:
            lines.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += cw
    if cur:
        lines.append(cur)
    return lines


_FINAL_CHARS = frozenset("。！？!?….—”’」』》）)]")
# the line ends on some punctuation that does not end a sentence
_SOFT_CHARS = frozenset("，、：；,:;（(“「‘《—-")


def ends_sentence(text: str) -> bool:
    t = text.rstrip()
    # the last character decides most lines without a regex; a search on a
    # $-anchored pattern would try every position of the line
    if not t:
        return False
    last = t[-1]
    if last not in _FINAL_CHARS:
        return False
    if SENTENCE_END.search(t[-PARAMS.sentence_tail:]):
        return True
    return last in ".”’)" and latin_sentence(t)


def soft_end(text: str) -> bool:
    t = text.rstrip()
    return bool(t) and t[-1] in _SOFT_CHARS


_ONE_HAN = regex.compile(HAN)
_NAME_SEP = regex.compile(r"[\s、，,]+")
_FIRST_SEP = regex.compile(r"[\s、]+")
_NAME_RE = regex.compile(_NAME)
_EDITORS = "本版主编|本版编辑|本版责编|本期编辑|责任编辑|责编|美编|主编|编辑|校对|审核|终审|监制"
_EDITOR_SPLIT = regex.compile(rf"([\s、，,：:]+|{_EDITORS})")
# cheap first look: a byline names a role, starts with a bullet, or credits with a slash
_BYLINE_HINT = regex.compile(rf"^[●◎★☆■]|{_ROLES}|/|评论员")
# an institution's commentary signs as its 评论员: the whole token is the author
COMMENTATOR = regex.compile(r"^(?:本报|人民日报|新华社|光明日报|经济日报|求是)?(?:特约)?评论员$")


def _merge_padded(tokens: list[str]) -> list[str]:
    """``王  刚`` is one two-character name padded to three columns."""
    out, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if (len(t) == 1 and _ONE_HAN.match(t) and i + 1 < len(tokens)
                and len(tokens[i + 1]) == 1 and _ONE_HAN.match(tokens[i + 1])):
            out.append(t + tokens[i + 1])
            i += 2
            continue
        out.append(t)
        i += 1
    return out


# Time words a report's lead puts after 记者 (本报讯 记者于日前报道：, 记者日前
# 从…获悉): 于 is a surname's character too, but 于日前 is no name.  None of
# the corpus' 118 reporters' names holds one after its surname.
TIME_WORDS = frozenset("日前 近日 今日 昨日 前日 连日 近期 日内 当天 当日 今天 昨天 前天 目前 此前 近来 "
                       "今年 去年 上午 下午 晚间 凌晨 今晨 昨晚 近年".split())


# the prepositions a time word follows (记者于日前报道, 在近日): a closed class of the
# grammar, read so only where the lead runs on; in a byline a time word after
# a surname is a given name (于凌晨, 王凌晨)
TIME_PREPOSITIONS = frozenset("于在自从至到当")


def time_word(name: str, glued: bool = False) -> bool:
    """Whether a would-be name is a time word: alone (近日), or, where the
    sentence runs on after the role (``glued``: 记者于日前报道), after a
    preposition whose character is also a surname's.  In a byline, also in
    brackets (（记者于凌晨）), ``于凌晨`` and ``王凌晨`` are names."""
    return name in TIME_WORDS or (glued and name[:1] in TIME_PREPOSITIONS
                                  and (name[1:] in TIME_WORDS or name[1:3] in TIME_WORDS))


def parse_names(text: str, default_role: str | None = None) -> list[dict] | None:
    """Role/name pairs from ``记者 吴昊 通讯员 陈秋瑾`` or ``张芙/文 刘冠男/摄``;
    None when a token is neither a role nor a name."""
    tokens = _merge_padded([t for t in _NAME_SEP.split(text.strip()) if t])
    role, out = default_role, []
    for tok in tokens:
        if COMMENTATOR.match(tok):
            out.append({"name": tok, "role": "评论员"})
            continue
        m = _BYLINE_TOKEN.match(tok)
        if not m or not (m.group("role") or m.group("name")):
            return None
        if m.group("name") and m.group("role") in GLUE_FREE_ROLES:
            return None  # 文交流, 图片: a one-character role is never glued to a name
        if m.group("name") and time_word(m.group("name")):
            return None  # 记者于日前: a time word, no name
        if m.group("role"):
            r = m.group("role")
            role = ROLE_NAMES.get(r, r)
            for prefix in ("本报", "本報", "新华社", "新華社", "人民日报"):
                role = role.removeprefix(prefix)
            if role.endswith("记者"):
                role = "记者"
        if m.group("name"):
            r = role
            if m.group("suffix"):
                r = SUFFIX_ROLE[m.group("suffix")[1:]]
            out.append({"name": m.group("name"), "role": r})
    return out or None


def parse_byline(line: str) -> list[dict] | None:
    """Authors of a byline line, or None when the line is not a byline.

    A byline names a role (记者, 通讯员, 本报记者 …) or starts with a bullet
    (``●刘乾坤 闫袁``); a bare run of names is not enough evidence.
    """
    s = line.strip()
    if not s or len(s) > PARAMS.byline_longest or not _BYLINE_HINT.search(s) or ends_sentence(s) or soft_end(s):
        return None
    bullet = BYLINE_BULLET.match(s)
    if bullet:
        s = s[bullet.end():]
    first = _FIRST_SEP.split(s, maxsplit=1)[0]
    has_role = (bool(_BYLINE_TOKEN.match(first) and _BYLINE_TOKEN.match(first).group("role")) or "/" in s
                or bool(COMMENTATOR.match(first)))
    if not (bullet or has_role):
        return None
    return parse_names(s)


# The most common Chinese surnames (well over nine in ten people bear one):
# a run of bare names is a byline only when every name starts with one, so a
# short headline (春耕忙, 乡村振兴) is not taken for a reporter's name.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪"
    "简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎"
    "甄丛仲虞敖巩明佘池查麻苑迟邝郁宦艾蔺惠揭鞠"
    # their traditional forms, for pages printed so (OpenCC s2t; a surname
    # that keeps its simple form in traditional print, 余 范 岳 郁 游 涂 于, is
    # not given the form that is another word there: 餘 範 嶽 鬱 遊 塗 於)
    "劉叢吳呂喬單嚴婁孫宮寧師張應時楊榮欒歐湯溫畢盧竇簡紀繆羅聶莊華萬葉蔣藍藺蘆蘇蘭衛許謝譚費賀賈趙車農"
    "連遲邊鄒鄔鄧鄭鄺錢鍾閆閔閻關陳陸陽鞏韋韓項顏顧饒馬馮駱魯鮑麥黃黨齊龍龐龔")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯",
                     "歐陽", "司馬", "諸葛", "東方", "尉遲", "公孫")


_NAME_FIRST = SURNAMES | {c[0] for c in COMPOUND_SURNAMES}   # what a surnamed name starts with
_PLAIN_NAME = regex.compile(r"\p{Han}{2,3}")

# A report closes on its end mark or on a closing note in parentheses, which
# ends it as 。 does: （完）, or a credit or dateline (（记者 王五 摄）,
# （本报平壤12月28日电）).  In the clean corpus 200 of 1,008 articles end on
# such a parenthesis (133 of them a dateline or a reporters' credit).  Not
# every bracketed 记者 is a credit: the reporters right after a dateline
# (…10月24日电（记者莽九晨）) open a report, a column tag (（记者手记）, 4
# times in the corpus) names no one (a credit's name starts with a
# surname), and a photo's credit inside a sentence (（见图，樊文宏摄）) ends
# nothing.  Inside the corpus' 16,933 paragraphs such a note stands once
# (（新闻摄影）), at a paragraph's end 99 times; no title or subtitle ends on one.
_SURNAME_CLASS = "[" + "".join(sorted(_NAME_FIRST)) + "]"
# a credit is roles and names only (记者 王晓明 通讯员 李红, 记者王莉、程维丹,
# 记者 王五 摄): a name of up to four characters, the first with a common
# surname, each apart by a space (a padded one too, 吴  君), 、 or ，, and a
# closing 摄, 报道, 采访整理 …; never a sentence that names a
# reporter (（记者王晓明曾专访过他）)
_CREDIT_ROLE = r"(?:记者|通讯员|实习生|摄影|摄)"
_CREDIT_NAMES = (rf"{_SURNAME_CLASS}\p{{Han}}{{0,3}}"
                 rf"(?:(?:[^\S\n]*[、，,][^\S\n]*|[^\S\n]+)(?:{_CREDIT_ROLE}[：:]?[^\S\n]*)?\p{{Han}}{{1,4}})*"
                 r"[^\S\n]*(?:摄影|摄|参与采写|采访整理|报道|整理|采写|对本文亦有贡献)?[^\S\n]*")
CLOSING_NOTE = (r"[（(][^\S\n]*(?:全文完|完|终|未完待续|待续)[^\S\n]*[）)]"
                rf"|(?<![电電讯訊][^\S\n]{{0,2}})[（(](?!见图)[^（）()\n]{{0,14}}(?:记者|通讯员)[：:]?[^\S\n]*{_CREDIT_NAMES}[）)]"
                r"|[（(](?!见图)[^（）()\n]{1,20}(?:摄|摄影|供图)[^\S\n]*[）)]"
                r"|[（(](?:新华社|中新社|本报)[^（）()\n]{1,20}电[^（）()\n]{0,10}[）)]"
                # a brief's credit, one surnamed name alone in parentheses after a finished
                # sentence or on its own line (（刘温馨）): 13 corpus paragraphs end so, none
                # holds one so inside, no title ends on one; after a closing quote it says
                # who spoke (“这是好事。”（王老师）), and the paragraph goes on
                rf"|(?<![^\s。！？）)…])[（(]{_SURNAME_CLASS}\p{{Han}}{{1,2}}[）)]")
SENTENCE_END = regex.compile(SENTENCE_END.pattern + rf"|(?:{CLOSING_NOTE})$")


# A sentence in English (an epigraph, a quoted line: Stay hungry, stay
# foolish.) ends on its full stop as a Chinese one does on 。: a capital,
# three words or more, a letter or a closing quote before the mark.  A
# headline in English closes on no full stop, an abbreviation (Inc.) is no line.
_LATIN_SENTENCE = regex.compile(r"^[\p{Lu}\d\"'“‘(]\P{Han}*?[\p{Ll}\d\"'”’)]+[.!?][\"'”’)]*$")


def latin_sentence(text: str) -> bool:
    """A line of one or more English sentences, ending on its mark."""
    t = text.strip()
    # (a line of a few sentences: a longer one is no epigraph, and the
    # pattern's backtracking stays short)
    return len(t) <= _LATIN_LONGEST and t.count(" ") >= 2 and bool(_LATIN_SENTENCE.match(t))


_LATIN_LONGEST = 400


def _surnamed(name: str) -> bool:
    if "·" in name:  # a transliterated foreign name: 玛丽娜·拉古什
        return True
    if name.startswith(COMPOUND_SURNAMES):
        return 3 <= len(name) <= 4
    return name[0] in SURNAMES and 2 <= len(name) <= 3


def bare_names(line: str, surnames: bool = True) -> list[dict] | None:
    """Authors of a line that is only names (``王明 李华``, ``刘  赫``,
    ``张成虎  高睿凯``): one to four names, no role.  With ``surnames``
    every name must start with a common surname.  Whether such a line *is*
    a byline depends on where it stands; callers decide that."""
    s = line.strip()
    p = PARAMS
    if not s or len(s) > p.bare_names_longest:
        return None
    if surnames and s[0] not in _NAME_FIRST and "·" not in s and len(s.split()) < p.one_rare_among:
        return None  # the first name's first character is a surname's (most lines fail here)
    tokens = _name_tokens(s)
    if not tokens or len(tokens) > p.max_bare_names or any(map(time_word, tokens)):
        return None
    if surnames:
        # one name of three or four may have a surname off the list, if it
        # reads as a plain name (莽九晨 林芮 王莉): of the corpus' 118
        # reporters two (莽九晨, 强薇) bear one.  Its other names must not
        # be words (安全 生产 常抓, 向阳 花开 时节 are a spaced
        # sub-heading), and a line of three or four whose names are mostly
        # words is one too (方法 路径 成效): of the corpus' 114 surnamed
        # reporters' names two (李强, 李宁) are words of the list
        rare = [t for t in tokens if not _surnamed(t)]
        if rare and (len(rare) > 1 or len(tokens) < p.one_rare_among or not _PLAIN_NAME.fullmatch(rare[0])):
            return None
        if len(tokens) >= p.one_rare_among:
            words = sum(t in _name_words() for t in tokens)
            if (rare and words) or 2 * words >= len(tokens):
                return None
    return [{"name": t, "role": None} for t in tokens]


@lru_cache(maxsize=None)
def _word_list(name: str) -> frozenset:
    """A word list of ``data/`` (its first line says what it is), read once."""
    with gzip.open(Path(__file__).with_name("data") / name, "rt", encoding="utf-8") as fh:
        return frozenset(w for w in fh.read().split("\n")[1:] if w)


def _name_words() -> frozenset:
    """Words that begin with a surname's character (安全, 方法, 时节), from
    jieba's dictionary by scripts/build_name_words.py: a token among them
    reads as a word, not as a name."""
    return _word_list("name_words.txt.gz")


def opens_with_word(name: str) -> bool:
    """Whether a would-be name's first two or three characters are a word
    of the name-word list (连日来: 连日), so that it reads as words."""
    return name[:2] in _name_words() or name[:3] in _name_words()


def _places() -> frozenset:
    return _word_list("places.txt.gz")


def is_place(token: str) -> bool:
    """A place the clean corpus names before 市, 省, 县, 区 or 州 (石家庄 of
    石家庄市), beginning with a surname's character (scripts/build_name_words.py)."""
    return token in _places()


def name_row(line: str) -> bool:
    """A row of two or more names, each with a common surname, apart by
    spaces (``王小明 李小红 张大伟 刘芳``, ``刘  芳`` a padded one), of any
    length: a list a sentence introduces, not a byline.  Its names pass the
    token checks of :func:`bare_names`."""
    s = line.strip()
    if not s or s[0] not in _NAME_FIRST:
        return False
    tokens = _name_tokens(s)
    return tokens is not None and len(tokens) >= 2 and all(_surnamed(t) for t in tokens)


def _name_tokens(s: str) -> list[str] | None:
    """The names of a line that is only names, padded ones merged (刘  芳),
    or None: names stand apart by spaces; words a 、 or ， separates are a
    list, not names."""
    tokens = _merge_padded(s.split())
    return tokens if tokens and all(_NAME_RE.fullmatch(t) for t in tokens) else None


def unlisted_names(line: str) -> list[dict] | None:
    """Authors of a line of one to four names of two or three Han each,
    whatever their surnames (``莽九晨 黄培昭``): where a byline stands for
    sure (over a dateline) an uncommon surname is still a name; a
    four-character word (新闻速递) is not taken for one.

    The surnames still weigh when the line holds several: a headline of
    short phrases set right over 本报讯 reads as names too (中秋月 中秋情,
    重成长 促交流 向未来: two of the clean corpus' 1,008 titles).  Of its
    articles signed by several reporters, every one names at most one off
    the surname list among common-surnamed ones (莽九晨 with 杜尚泽 …), so a
    line of several names keeps at most one off the list, and no word of
    the name word list beside it (as :func:`bare_names` asks of three or
    four names).  A name alone stays a name (强薇): a one-word headline
    over a dateline (朝鲜, four of the corpus' titles) loses its title to
    the byline, a reporter lost to the headline would join two articles."""
    people = bare_names(line, surnames=False)
    if not people or not all(_PLAIN_NAME.fullmatch(x["name"]) for x in people):
        return None
    tokens = [x["name"] for x in people]
    rare = [t for t in tokens if not _surnamed(t)]
    if len(tokens) > 1 and (len(rare) > 1 or (rare and any(t in _name_words() for t in tokens))):
        return None
    return people


# A body of people that signs what it wrote (中共浙江省委宣传部, 中共南京市委员会,
# 国务院发展研究中心课题组, 中共中央党史和文献研究院: the corpus' one such
# author): a name ending on what such bodies are called.  In the clean
# corpus' 16,933 paragraphs eight lines are only such a name, every one
# among the signatures closing a joint statement (朝鲜劳动党中央委员会 over
# 朝鲜劳动党中央军事委员会): where it stands decides (unwrap).
INSTITUTION = regex.compile(
    r"^(?:中共|中国共产党)?\p{Han}{2,20}?(?:委员会|宣传部|组织部|统战部|研究院|研究室|研究中心|研究会|办公厅|"
    r"办公室|课题组|中心组|写作组|调研组|编写组|评论组|理论组|领导小组|党校|人民政府)$")


def institution(line: str) -> list[dict] | None:
    """The author of a line that is only an institution's name, or None."""
    s = line.strip()
    return [{"name": s, "role": None}] if len(s) <= 26 and INSTITUTION.match(s) else None


DATELINE_HEADS = ("本报", "本報", "新华社", "新華社", "中新社", "人民网", "人民網")


def dateline(text: str) -> regex.Match | None:
    t = text.strip()
    return DATELINE.match(t) if t.startswith(DATELINE_HEADS) else None


EDITOR_ROLES = regex.compile(rf"(?:{_EDITORS})")


def parse_editors(text: str) -> list[dict]:
    """``本版主编 武曼晖 编辑 王娅楠 孙泓轩`` -> role/name pairs; a name
    padded to three columns (``陈  凌``) is one name."""
    out, role, names = [], None, []

    def flush():
        for name in _merge_padded(names):
            if _NAME_RE.fullmatch(name):
                out.append({"name": name, "role": role})
        names.clear()

    for tok in _EDITOR_SPLIT.split(text):
        tok = tok.strip(" \t\u3000：:、，,")
        if not tok:
            continue
        if EDITOR_ROLES.fullmatch(tok):
            flush()
            role = tok.removeprefix("本版").removeprefix("本期")
            continue
        names.append(tok)
    flush()
    return out


def iso_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` of a date the calendar has, else None (2021年2月30日 is
    a misprint or an OCR slip, not a date to hand an index)."""
    try:
        return _date(year, month, day).isoformat()
    except ValueError:
        return None
