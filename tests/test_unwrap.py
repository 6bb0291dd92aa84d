"""Paragraphs rebuilt from printed lines: one fixture per kind of damage,
and round trips through columns of every width an OCR page has."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as hs

from conftest import blocks, paragraphs
from damage import set_column as wrap

PARAS = json.loads((Path(__file__).parent / "fixtures" / "paragraphs.json").read_text(encoding="utf-8"))
def column_page(paras, width, blank=True, byline="记者 王晓明 通讯员 李华", title=None, title_after=False):
    out = [byline] if byline else []
    if title and not title_after:
        out = [title] + out
    for p in paras:
        out += wrap(p, width)
    if title and title_after:
        out.append(title)
    return ("\n\n" if blank else "\n").join(out) + "\n"


@pytest.mark.parametrize("width", range(10, 18))
@pytest.mark.parametrize("blank", [True, False])
def test_column_page_round_trip(pipe, width, blank):
    page = column_page(PARAS[:4], width, blank)
    got = [t for k, t in blocks(pipe, page) if k == "p"]
    assert got == PARAS[:4]


def test_title_after_body_is_a_deck_not_body(pipe):
    page = column_page(PARAS[:2], 13, title="河西镇科技助春耕", title_after=True)
    bl = blocks(pipe, page)
    assert bl[0] == ("byline", "记者 王晓明 通讯员 李华")
    assert bl[-1] == ("title", "河西镇科技助春耕")
    assert [t for k, t in bl if k == "p"] == PARAS[:2]


def test_paragraph_split_across_columns_is_joined(pipe):
    page = "全县持续深化党建引领，县里在各村（社区）党支部\n\n书记中开展了“擂台比武”活动，效果明显。\n"
    assert paragraphs(pipe, page) == ["全县持续深化党建引领，县里在各村（社区）党支部书记中开展了“擂台比武”活动，效果明显。"]


def test_pdf_join_spaces_go_latin_spaces_stay(pipe):
    page = ("加快形成城市基层治理新局面。 党建品牌联创,在建强基层组织中强化引领力,用 笔墨讴歌部队。"
            "会上播放了 New York Times 的报道。\n")
    assert paragraphs(pipe, page) == [
        "加快形成城市基层治理新局面。党建品牌联创，在建强基层组织中强化引领力，用笔墨讴歌部队。"
        "会上播放了New York Times的报道。"]


def test_centred_short_lines_make_one_paragraph(pipe):
    long = "市委组织部全面落实从严治党要求，坚持从党员教育管理基础性工作做起，" * 3 + "确保党员队伍的先进性。"
    page = f"党组织的工作落实最终靠的是\n\n一支敢打硬仗、能打胜仗的党员队伍。\n\n{long}\n"
    assert paragraphs(pipe, page) == ["党组织的工作落实最终靠的是一支敢打硬仗、能打胜仗的党员队伍。", long]


def test_short_heading_before_paragraph_stays_a_heading(pipe):
    long = "三十年来，始终坚持一切工作到支部，以一抓到底的韧劲夯实组织基础，" * 3 + "推进基层党建工作。"
    page = f"{long}\n\n抓基层、打基础，筑牢战斗堡垒\n\n{long}\n\n基层治理\n\n是国家治理体系和治理能力现代化的\n\n有机部分和重要基础。\n\n{long}\n"
    assert blocks(pipe, page) == [("p", long), ("h", "抓基层、打基础，筑牢战斗堡垒"), ("p", long),
                                  ("p", "基层治理是国家治理体系和治理能力现代化的有机部分和重要基础。"), ("p", long)]


def test_heading_in_column_page(pipe):
    lines = [l for p in PARAS[:1] for l in wrap(p, 14)] + ["聚焦科技兴农"] + [l for p in PARAS[1:3] for l in wrap(p, 14)]
    page = "记者 王晓明\n\n" + "\n\n".join(lines) + "\n"
    bl = blocks(pipe, page)
    assert ("h", "聚焦科技兴农") in bl
    assert [t for k, t in bl if k == "p"] == PARAS[:3]


def test_letter_spaced_justified_line_is_collapsed(pipe):
    lines = wrap(PARAS[3], 15)
    lines[1] = " ".join(lines[1])  # a justified line, letters spread out
    page = "记者 王晓明\n\n" + "\n\n".join(lines) + "\n"
    assert [t for k, t in blocks(pipe, page) if k == "p"] == [PARAS[3]]


def test_never_join_across_byline_or_dateline(pipe):
    page = "这是上一篇文章没有结束的句子\n\n记者 王晓明\n\n本报讯 今天全县召开大会。\n"
    kinds = [k for k, _t in blocks(pipe, page)]
    assert kinds == ["title", "byline", "p"]


def test_raw_line_numbers_survive_joins(pipe):
    page = column_page(PARAS[:2], 12)
    doc = pipe.run_text_stages(page)
    bl = doc.blocks()
    raw_lines = page.split("\n")
    for _kind, text, first, last in bl:
        assert raw_lines[first - 1].strip()[:2] == text[:2]
        assert first <= last


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.sampled_from(PARAS), min_size=1, max_size=5))
def test_unwrapping_clean_text_changes_nothing(pipe, paras):
    page = "\n\n".join(paras) + "\n"
    assert paragraphs(pipe, page) == paras
    fixed = pipe.fix(page)[0]
    assert fixed == page


@pytest.mark.parametrize("width", [24, 30, 36])
def test_wider_hard_wrapped_page_round_trip(pipe, width):
    """PDF text extraction wraps at 25-40 columns: still one width, still a column."""
    page = column_page(PARAS * 2, width, blank=False)
    got = [t for k, t in blocks(pipe, page) if k == "p"]
    assert got == PARAS * 2


def test_headline_printed_across_columns(pipe):
    # (a sub-heading is set in its column: see the next test)
    heading = "建立党支部，实现应管尽管、全面覆盖的目标"
    lines = [l for p in PARAS[:1] for l in wrap(p, 12)] + [heading] + [l for p in PARAS[1:3] for l in wrap(p, 12)]
    bl = blocks(pipe, "记者 王晓明\n\n" + "\n\n".join(lines) + "\n")
    assert ("title", heading) in bl
    assert [t for k, t in bl if k == "p"] == PARAS[:3]


@pytest.mark.parametrize("width", [12, 14, 16])
def test_heading_wrapped_onto_two_lines_of_its_column(pipe, width):
    heading = "坚持问题导向，把调研成果转化为实际成效"
    lines = [l for p in PARAS[:1] for l in wrap(p, width)] + wrap(heading, width) + \
        [l for p in PARAS[1:3] for l in wrap(p, width)]
    assert len(wrap(heading, width)) == 2
    bl = blocks(pipe, "记者 王晓明\n\n" + "\n\n".join(lines) + "\n")
    assert ("h", heading) in bl
    assert [t for k, t in bl if k == "p"] == PARAS[:3]


def test_short_heading_right_after_the_byline(pipe):
    # (before a dateline, 本报讯 …, such a line is a headline deck instead)
    lines = ["核心阅读"] + [l for p in PARAS[1:4] for l in wrap(p, 14)]
    bl = blocks(pipe, "记者 王晓明\n\n" + "\n\n".join(lines) + "\n")
    assert ("h", "核心阅读") in bl
    assert [t for k, t in bl if k == "p"] == PARAS[1:4]


def test_heading_on_two_short_pieces_before_body_text(pipe):
    long = "三十年来，始终坚持一切工作到支部，以一抓到底的韧劲夯实组织基础，" * 3 + "推进基层党建工作。"
    page = f"{long}\n\n朝鲜\n\n或将重启板门店红十字会联络渠道\n\n{long}\n"
    assert blocks(pipe, page) == [("p", long), ("h", "朝鲜"), ("h", "或将重启板门店红十字会联络渠道"), ("p", long)]


def test_fix_of_its_own_paragraphs_ending_on_ocr_dot_changes_nothing(pipe):
    # OCR read 。 as ·: the first paragraph ends on a short printed line that
    # stops on ·, which the first pass keeps apart; written out one paragraph
    # a line, that paragraph is wider than any printed column and stops on ·
    # before a blank line, which a second pass must read as its end too
    first = ("我注意北航的一句话，开门整风，这个态度是很好的，这种方法很好，不管多数还是少数，"
             "都会有错，有多少错就承认多少错，要善于在大风浪中学会游泳，惩前毖后，治病救人·")
    second = ("革命左派不能自封，不是恩赐的，也不是自封的，要在斗争中产生，我的话现在还是不改，"
              "因为是符合毛泽东思想的，是符合辩证法的，大家要记住这一点·")
    third = ("人家要他去检讨，他就是不去检讨，你们是受蒙蔽了，要不为什么不让他出去呢？"
             "有人八次出去了，就是没有这个勇气，正视错误，这是不对的·")
    fourth = "一无所错是不可能的，错又少、又轻，知道后马上改，这好得很，革命的学生应该提倡这种精神。"
    # (as fix writes them, one paragraph a line; the page shows · for 。 at
    # three paragraphs' ends: one such line alone is a name cut at a page
    # end, 列夫· / 托尔斯泰)
    once = first + "\n\n" + second + "\n\n" + third + "\n\n" + fourth + "\n"
    assert pipe.fix(once)[0] == once


def test_one_line_ending_on_a_middle_dot_is_a_name_cut_at_a_page_end(pipe):
    """A page that writes 。 shows no OCR'd ·: its one wide line ending on ·
    before a blank line is a transliterated name cut by a page end."""
    first = ("在世界文学史上，以宏大的篇幅描写战争与和平、描写社会各阶层生活的作家中，"
             "把一个民族的命运写进家庭的悲欢离合里的，最著名的莫过于列夫·")
    rest = "托尔斯泰。他的作品影响了一代又一代的读者。"
    assert pipe.fix(first + "\n\n" + rest + "\n")[0] == first + rest + "\n"


@settings(max_examples=300, deadline=None)
@given(hs.text(alphabet="中文字,.;:?!a1 。", max_size=16))
def test_a_half_width_mark_in_chinese_counts_as_its_plain_form_reads_it(line):
    """``structure._HALF_MARK`` matches each mark first and looks behind
    after it (a speed-up): it counts what the plain form, the lookbehind
    first, counts; a width depends on that count."""
    import re

    from normalize import structure as st
    plain = re.compile(r"(?<=[\u3400-\u9fff])(?:[,;:?!]|\.(?![\u3400-\u9fff.]))|[,;:?!](?=[\u3400-\u9fff])")
    assert len(st._HALF_MARK.findall(line)) == len(plain.findall(line))


def test_a_half_width_mark_between_han_takes_a_full_column():
    from normalize import structure as st
    assert st.width("花圈,向志") == 5 and st.width("同意.") == 3 and st.width("a,b") == 1.5 and st.width("3.5亿") == 2.5
