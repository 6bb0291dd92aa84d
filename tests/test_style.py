"""House style: spacing, punctuation width and character forms."""
from __future__ import annotations

import regex
from hypothesis import example, given, settings, strategies as hs

from conftest import SAMPLES, blocks
from normalize.pipeline import Pipeline


def fix(pipe, text):
    return pipe.fix(text)[0]


def test_spaces_between_chinese_digits_latin_go(pipe):
    text = ("主攻20 亿元、50 亿元以上项目，水质达到 III 类标准，行政区） 为基本单元，"
            "在试点完成“ 一 组 一 会 ” 组建任务的基础上继续推进工作。\n")
    assert fix(pipe, text) == ("主攻20亿元、50亿元以上项目，水质达到III类标准，行政区）为基本单元，"
                               "在试点完成“一组一会”组建任务的基础上继续推进工作。\n")


def test_meaningful_spaces_survive(pipe):
    page = ("记者 郑晓明 沈丽\n\n本报讯 江苏省如皋市长江镇去年以来凝心聚力，会议由 John Smith 主持，"
            "详见 https://example.org/a b 页。\n\n安徽固镇 抓实“一组一会”解民忧\n\n记者 宫立灵\n\n本报讯 全县召开大会。\n")
    bl = blocks(pipe, page)
    assert ("byline", "记者 郑晓明 沈丽") in bl
    assert ("title", "安徽固镇 抓实“一组一会”解民忧") in bl
    lead = bl[1][1]
    assert lead.startswith("本报讯 江苏省")
    assert "John Smith" in lead
    # a dated dateline keeps its space as 本报讯 does (every one in the clean corpus has one)
    assert fix(pipe, "本报北京3月4日电 记者从国家统计局获悉，全国粮食 产量创新高。\n") \
        == "本报北京3月4日电 记者从国家统计局获悉，全国粮食产量创新高。\n"


def test_sub_heading_keeps_one_space_between_its_phrases(pipe):
    body = "全县新建农村公路二十公里，惠及群众十万人，这是一个说明问题的长句子，一行写完了整个段落的内容。"
    page = (f"{body}\n\n扎根乡土\u00a0\u00a0赢得群众\n\n{body}\n\n激发兴趣\u3000广泛参与\n\n{body}\n\n"
            f"——编  者\n\n{body}\n")
    heads = [t for k, t in blocks(pipe, page) if k == "h"]
    assert heads == ["扎根乡土 赢得群众", "激发兴趣 广泛参与", "——编者"]
    assert fix(pipe, fix(pipe, page)) == fix(pipe, page)


def test_byline_spaces_survive_in_articles(pipe):
    arts = pipe.clean("记者 郑晓明 沈丽\n\n本报讯 全县召开大会，部署今年工作。\n\n全县大会召开\n")[0]
    assert [a["name"] for a in arts[0].meta["authors"]] == ["郑晓明", "沈丽"]


def test_half_width_punctuation_becomes_full_width(pipe):
    assert fix(pipe, '近年来,镇赉县立足实际;通过"品牌联创"(试点)等方式:效果如何?很好!\n') == \
        "近年来，镇赉县立足实际；通过“品牌联创”（试点）等方式：效果如何？很好！\n"


def test_numbers_times_urls_latin_keep_their_marks(pipe):
    text = "会议于10:30开始，增长1.5%，比例为3:1，网址是https://example.org/a?x=1，他说 Hello, world.\n"
    assert fix(pipe, text) == "会议于10:30开始，增长1.5%，比例为3:1，网址是https://example.org/a?x=1，他说Hello, world.\n"


def test_html_markup_and_character_references_are_left_as_markup(pipe):
    """A converter's table: its attributes keep straight quotes and their
    spaces, &lt; stays an entity (it had become colspan=“2”rowspan=“1” and &lt；)."""
    text = '<table><tr><td colspan="2" rowspan="1">温度</td><td>5℃&lt;温度&amp;湿度</td></tr></table>\n'
    assert fix(pipe, text) == text
    # comparison signs in a sentence are no tag: its spaces go as anywhere
    assert fix(pipe, "当x<y 且 a>b 时，公式成立。\n") == "当x<y且a>b时，公式成立。\n"


def test_an_address_ends_where_chinese_text_goes_on_after_a_comma(pipe):
    """…/news,他说:"…": the sentence after the address is house-styled; a
    Han path inside an address stays part of it."""
    assert fix(pipe, '详情见官网https://example.com/news,他说:"我们明天见",大家都同意。\n') \
        == "详情见官网https://example.com/news，他说：“我们明天见”，大家都同意。\n"
    assert fix(pipe, "见https://zh.wikipedia.org/wiki/北京,Beijing 页面。\n") \
        == "见https://zh.wikipedia.org/wiki/北京,Beijing 页面。\n"  # the space bounding it stays


def test_hyphens_stay_and_ellipsis_is_six_dots(pipe):
    assert fix(pipe, "构建“街道党工委-社区大党委”架构，正在书写新篇章...\n") == \
        "构建“街道党工委-社区大党委”架构，正在书写新篇章……\n"


def test_odd_quotes_are_flagged_not_guessed(pipe):
    text, doc = pipe.fix('他说"我们一定会做到,大家都很受鼓舞。\n')
    assert '"' in text
    assert any(f.rule == "punctuation.odd-quotes" for f in doc.flags)


def test_full_width_digits_and_letters_become_half_width(pipe):
    assert fix(pipe, "２０２１年ＧＤＰ增长，标点，。保持全角。\n") == "2021年GDP增长，标点，。保持全角。\n"


def test_zero_width_and_soft_hyphen_removed_not_nfkc(pipe):
    assert fix(pipe, "党建\u200b引领\u00ad基层治理（试点）。\n") == "党建引领基层治理（试点）。\n"


def test_lookalike_only_where_proven(pipe):
    assert fix(pipe, "他说，要教-个，成一个。\n") == "他说，要教一个，成一个。\n"
    text, doc = pipe.fix("构建“街道党工委-社区大党委-小区党支部”架构。\n")
    assert "街道党工委-社区大党委-小区党支部" in text


def test_copywriting_preset_spaces_chinese_and_latin():
    pipe = Pipeline(settings={"preset": "copywriting"})
    assert pipe.fix("全年签约10亿元以上项目,使用GitHub托管。\n")[0] == "全年签约 10 亿元以上项目，使用 GitHub 托管。\n"


def test_opencc_setting_converts_text_and_titles():
    pipe = Pipeline(settings={"opencc": "t2s"})
    arts = pipe.clean("記者 王曉明\n\n本報訊 全縣召開大會，部署今年工作。\n\n全縣大會召開\n")[0]
    assert arts[0].title == "全县大会召开"
    assert arts[0].blocks[0][1].startswith("本报讯")
    assert arts[0].meta["authors"][0]["name"] == "王晓明"


def test_samples_are_idempotent(pipe):
    for p in SAMPLES:
        once = fix(pipe, p.read_text(encoding="utf-8"))
        assert fix(pipe, once) == once, p.name


PIECES = hs.sampled_from(list("党建引领基层治理全市共有名个年月亿元教") + ["2021", "3.5", "III", "GDP", "New York",
                         " ", "  ", "\u3000", ",", "，", ".", "。", ":", "：", ";", "?", "！", "!", "(", ")", "（", "）",
                         '"', "“", "”", "...", "、", "-", "——"])


@settings(max_examples=300, deadline=None)
@given(hs.lists(PIECES, min_size=1, max_size=40))
@example(["名", "党", " ", "党", "党"])  # a pair row whose first word then gets a gap: still a row
def test_fix_is_idempotent(pipe, pieces):
    text = "".join(pieces) + "\n"
    once = fix(pipe, text)
    assert fix(pipe, once) == once


def _conserved(text):
    return regex.sub(r"[^\p{Han}0-9A-Za-z]", "", text)


@settings(max_examples=300, deadline=None)
@given(hs.lists(PIECES, min_size=1, max_size=40))
@example(["-", "2021", "-"])
def test_spacing_and_punctuation_conserve_letters(pieces):
    """The style stages never drop or change a Han character, digit or letter;
    what furniture rules take out (a line `-2021-` is a page's folio) is in
    the record of removed text.  The look-alike stage is left out: changing a
    character is its job, and its rules prove each case with examples (gap
    marking only adds □)."""
    pipe = Pipeline(settings={})
    pipe.stages = [s for s in pipe.stages if s.name != "lookalike"]
    text = "".join(pieces) + "\n"
    out, doc = pipe.fix(text)
    if doc.removed:  # whole lines out: the characters are all still there, the order is the page's less those lines
        assert sorted(_conserved(out + "".join(r.text for r in doc.removed))) == sorted(_conserved(text))
    else:
        assert _conserved(out) == _conserved(text)



def test_a_joined_paragraph_that_looks_like_a_caption_stays_a_paragraph(pipe):
    """A line end inside ``*0*`` (NEL is a line end) joins into a paragraph
    that would read back as a caption: it is escaped, so fix settles."""
    once = fix(pipe, "*0\x85*")
    assert once == "\\*0*\n"
    assert fix(pipe, once) == once
