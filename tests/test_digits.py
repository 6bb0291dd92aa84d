"""Missing numbers: every gap marked and flagged, filled only from evidence."""
from __future__ import annotations

import pytest
import regex

from normalize.pipeline import Pipeline

GAPS_002 = ["□年6月，我市在全市□个村级", "升格为党委，□个村级", "于□年12月", "全市共有□名党员干部参与了□栋楼宇",
            "全长□公里", "各地的□余批次约□多人次", "□0余名驾驶员、□多条交通线", "带动□名新锐", "“五四运动”□周年",
            "□余户建档立卡", "在全市□个农村网格", "生。□年，原溧城镇", "工作。□年10月"]


def test_gaps_in_forum_sample(sample_runs):
    arts, _doc = sample_runs["002"]
    text = "\n".join(t for _k, t in arts[0].blocks)
    for g in GAPS_002:
        assert g in text, g
    assert text.count("□") == 17
    flags = arts[0].meta["flags"]
    assert sum(f["rule"].startswith("digits.") for f in flags) == 17
    assert all({"rule", "line", "text", "message"} == set(f) for f in flags)


def test_no_gaps_in_clean_text(pipe):
    text = ("今年6月，一个人和多个部门在年底前完成了数十亿元的项目，上万名群众参与，百余名干部到场，"
            "月亮升起，万一出错也不怕。全市个人所得税收入增长，全市所有村都通了公路。\n")
    out, doc = pipe.fix(text)
    assert "□" not in out and not [f for f in doc.flags if f.rule.startswith("digits.")]


def test_gap_marker_is_a_setting():
    pipe = Pipeline(settings={"gap_marker": "〓"})
    assert pipe.fix("全长公里。\n")[0] == "全长〓公里。\n"


WITNESS = ("记者 王晓明\n\n本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。"
           "全市共有120名党员干部参与了46栋楼宇的值守工作。\n\n全县大会召开\n")


def test_witness_fills_every_gap_and_cites_it(tmp_path):
    from click.testing import CliRunner
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a_paper.txt").write_text(WITNESS, encoding="utf-8")
    stripped = WITNESS.replace("35", "").replace("120", "").replace("46", "")
    (raw / "b_repost.txt").write_text(stripped, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0, res.output
    assert "3 gaps filled" in res.output
    art = (out / "b_repost" / "01.md").read_text(encoding="utf-8")
    assert "□" not in art.split("\n---\n", 1)[1]
    assert "全长35公里" in art and "共有120名" in art and "46栋" in art
    import yaml
    fm = yaml.safe_load(art[4:art.index("\n---\n", 4) + 1])
    gap_flags = [f for f in fm["flags"] if f["rule"].startswith("digits.")]
    assert len(gap_flags) == 3
    assert all(f["message"].startswith("filled from raw/a_paper.txt") for f in gap_flags)
    assert fm["changes"]["collate.witness"] == 3
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    assert '"collate.witness": 3' in manifest
    # a second pass has nothing left to fill
    again = CliRunner().invoke(main, ["collate", str(out)])
    assert "0 gaps filled" in again.output


def test_a_filled_gap_whose_flag_predates_its_neighbours_gap_says_filled(tmp_path):
    """digits.year takes its context (全长公里，于□年12月) before the gap
    beside it is marked (全长□公里): filled, it still says so."""
    from click.testing import CliRunner
    import yaml
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    page = "大桥通车\n\n本报讯 该大桥全长35公里，于2020年12月正式通车，总投资48亿元。\n"
    (raw / "b.txt").write_text(page, encoding="utf-8")
    (raw / "a.txt").write_text(page.replace("35", "").replace("2020", "").replace("48", ""), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0, res.output
    art = (out / "a" / "01.md").read_text(encoding="utf-8")
    fm = yaml.safe_load(art[4:art.index("\n---\n", 4) + 1])
    gap_flags = [f for f in fm["flags"] if f["rule"].startswith("digits.")]
    assert len(gap_flags) == 3 and "□" not in art
    assert all(f["message"].startswith("filled from raw/b.txt") and "□" not in f["text"] for f in gap_flags), gap_flags


def test_no_witness_no_fill(tmp_path):
    from normalize.collate import collate
    from click.testing import CliRunner
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.txt").write_text(WITNESS.replace("35", ""), encoding="utf-8")
    (raw / "c.txt").write_text(WITNESS.replace("35", "").replace("农村", "乡村"), encoding="utf-8")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(raw), "--out", str(out)])
    assert collate(out) == {"articles_changed": 0, "gaps_filled": 0, "gaps_disputed": 0}


def test_corrections_file_fills_and_is_recorded(tmp_path):
    from normalize.pipeline import Pipeline
    (tmp_path / "corrections.toml").write_text('''
[[correction]]
file = "b.txt"
context = "全长□公里"
text = "全长35公里"
note = "print edition"
''', encoding="utf-8")
    pipe = Pipeline(settings={"corrections": str(tmp_path / "corrections.toml")})
    arts, doc = pipe.clean("本报讯 这条公路全长公里，串联全市景点。\n", {"path": "raw/b.txt"})
    assert "全长35公里" in arts[0].text
    assert arts[0].meta["changes"]["corrections.file"] == 1
    flag = next(f for f in arts[0].meta["flags"] if f["rule"].startswith("digits."))
    assert flag["message"].startswith("filled from corrections.toml (print edition)")
    other, _ = pipe.clean("本报讯 这条公路全长公里，串联全市景点。\n", {"path": "raw/c.txt"})
    assert "全长□公里" in other[0].text


# -- gaps found from counts (normalize/gaps.py, data/gapstats.tsv.gz) ---------
def _gaps(pipe, text):
    out, doc = pipe.fix(text)
    return out, [f for f in doc.flags if f.rule.startswith("digits.")]


WORDS_WITH_UNITS = ["他的失误降到了个位数。", "个人所得税改革", "名单已经公布。", "亿万人民的期待", "万一下雨就改期。",
                    "千万不要大意。", "年轻人的选择", "月亮升起来了。", "这个村的家庭农场", "整个项目的名单"]


def test_words_holding_a_unit_stay_untouched(pipe):
    for text in WORDS_WITH_UNITS:
        out, flags = _gaps(pipe, text + "\n")
        assert "□" not in out and not flags, (text, flags)


def test_every_keep_of_the_rule_file_stays_untouched_through_the_whole_pipeline(pipe):
    keeps = [k for r in pipe.rules if r.id.startswith("digits.") for k in r.keeps]
    assert len(keeps) > 40
    for text in keeps:
        out, flags = _gaps(pipe, text + "\n")
        assert "□" not in out and not flags, (text, out, flags)


MISSING = [("2023年国内旅游出游亿人次。", "出游□亿人次", "亿"), ("实现国内旅游收入亿元。", "收入□亿元", "亿"),
           ("惠及脱贫人口万人。", "人口□万人", "万"), ("实施产业帮扶项目个，覆盖全县。", "项目□个，", "个"),
           ("销售额同比增长%。", "增长□%", "%"), ("本报北京12月日电 记者报道。", "12月□日电", "日"),
           ("会谈举行。月7日，国家主席发表讲话。", "。□月7日", "月")]


def test_a_unit_with_no_number_is_marked_and_the_flag_names_it(pipe):
    for text, gap, unit in MISSING:
        out, flags = _gaps(pipe, text + "\n")
        assert gap in out, (text, out)
        assert len(flags) == 1 and f"“{unit}”" in flags[0].message and "□" in flags[0].text, flags


def test_the_gap_stage_counts_ship_in_the_package_and_stay_small():
    from normalize.gaps import DATA, language_model, lm_path, model
    assert DATA.is_file() and DATA.stat().st_size + lm_path(DATA).stat().st_size < 2_000_000
    assert language_model(str(lm_path(DATA))) is not None and "lm_weight" in model().params
    gm = model()
    assert {"个", "年", "月", "日", "亿", "万", "%"} <= set(gm.units)
    assert all(u in gm.thresholds for u in gm.units)


def test_gap_counts_are_rebuilt_from_a_corpus_without_its_held_out_articles(tmp_path):
    import json
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    from normalize.gaps import GapModel
    arts = [{"paragraphs": ["我们建设了12个村和3个镇，共计5项。" if k % 5 else "这里有一个独有的甲乙丙丁。"]}
            for k in range(40)]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in arts), encoding="utf-8")
    out = tmp_path / "g.tsv"
    assert build_gapstats.main([str(corpus), "--dict", "none", "--out", str(out), "--min-count", "5"]) == 0
    gm = GapModel.load(out)
    contexts = {key[3] for key in gm.shifts}
    assert "个" in gm.units and not any("丙" in c for c in contexts)  # held-out articles never counted
    gap, clean = "我们建设了个村", "这里有一个独有的"
    assert (gm.score_at(gap, gap.index("个"), gap.index("个") + 1)
            > gm.score_at(clean, clean.index("个"), clean.index("个") + 1))


def test_numbers_in_words_links_and_shared_numbers_are_no_gaps(pipe):
    for text in ["他今年十八岁，身高一米八。", "全国30多个省份参加。", "详见 https://example.com/a%E5%86%B0b 页面。",
                 "共有5万多名群众参加。", "均价5.63元/公斤，同比上涨。", "在 $50 \\%$ SOC状态下放电。"]:
        out, flags = _gaps(pipe, text + "\n")
        assert "□" not in out and not flags, (text, flags)


def test_a_word_the_page_uses_again_and_again_is_no_gap(pipe):
    # 日厂 (Japanese studios) three times, never after a digit: a word of this page
    page = "日厂这几年也不行了。\n\n日厂备受期待的新作。\n\n日厂都是小翻新。\n"
    out, flags = _gaps(pipe, page)
    assert "□" not in out and not flags
    # the same stripped unit once, next to numbered ones: still a gap
    out, flags = _gaps(pipe, "本报北京12月日电 记者报道。\n\n本报北京12月3日电 又一篇。\n")
    assert out.count("□") == 1 and len(flags) == 1


def test_a_keep_in_the_digits_rules_silences_the_gaps_stage(tmp_path):
    from normalize.pipeline import Pipeline
    text = "实施产业帮扶项目个，覆盖全县。\n"
    assert "□" in Pipeline().fix(text)[0]
    local = tmp_path / "rules"
    local.mkdir()
    (local / "digits.toml").write_text('''description = "local keeps"
[[rule]]
id = "local-keep"
message = "never matches: carries the archive's keeps"
pattern = '(?!)'
replace = "□"
fixes = [["x", "x"]]
keeps = ["帮扶项目个"]
''', encoding="utf-8")
    out, doc = Pipeline(rule_dirs=[local]).fix(text)
    assert "□" not in out and not [f for f in doc.flags if f.rule.startswith("digits.")]


def test_two_lost_numbers_side_by_side_are_both_marked_at_once(pipe):
    out, flags = _gaps(pipe, "会谈后，2018年月日，人民大会堂举行宴会。\n")
    assert "2018年□月□日" in out and len(flags) == 2
    assert pipe.fix(out)[0] == out


def test_other_gap_marker_in_patterns():
    """Rules that must not match next to a gap (leading-zero's lookbehind,
    list-parallel's) see the marker this run writes: with ■ a gap is marked
    once, not again on every pass."""
    pipe = Pipeline(settings={"gap_marker": "■"})
    out, doc = pipe.fix("本次活动吸引0余名驾驶员、多条交通线参加。\n")
    assert out == "本次活动吸引■0余名驾驶员、■多条交通线参加。\n"
    assert pipe.fix(out)[0] == out
    assert not [f for f in doc.flags if "examples" in f.message]


def test_literal_default_marker_in_a_user_pattern_is_the_setting():
    from normalize.rules import Rule
    rule = Rule(id="t.x", message="m", pattern="(?<=[\\d□])X", replace="Y").with_gap("■")
    assert rule.regex.search("■X") and not rule.regex.search("□X")
    assert rule.replacement == "Y"


def test_evidence_gaps_do_not_depend_on_the_marker():
    """gaps.py reads the run's marker as a lost number, as it reads □."""
    text = "本报讯 活动于2019年月日至年月日举行。\n"
    plain = Pipeline().fix(text)[0]
    assert plain.count("□") == 5
    assert Pipeline(settings={"gap_marker": "■"}).fix(text)[0] == plain.replace("□", "■")


def test_the_language_model_reads_a_lost_number_where_clean_text_has_one(tmp_path):
    """The character model's ratio: `建设了#个村` against `建设了个村` leans to
    the number, `这个村` to the text as printed."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    from normalize.gaps import NumberLM
    views = ["^我们建设了#个村和#个镇，共计#项。$", "^这个村有一个独有的传统。$"] * 5
    full = build_gapstats.lm_counts(views, 4)
    lm = NumberLM(build_gapstats.lm_rows(*full, {"个", "项", "#"}), 4)
    assert lm.ratio("设了", "个村") > 1 > lm.ratio("^这", "个村")
    # only strings with a number or unit and the contexts before them are
    # kept: with no count dropped, the ratio is the whole model's
    kept = NumberLM(build_gapstats.lm_rows(*full, {"个", "项", "#"}, min_count=1), 4)
    whole = NumberLM([[g, str(full[0].get(g, 0)), str(full[1].get(g, 0)), str(full[2].get(g, 0))]
                      for g in set(full[0]) | set(full[1])], 4)
    for left, right in [("设了", "个村"), ("^这", "个村"), ("共计", "项。")]:
        assert abs(whole.ratio(left, right) - kept.ratio(left, right)) < 1e-9


def test_a_page_of_speech_is_told_from_edited_prose():
    from normalize.gaps import is_colloquial
    rate = 6e-5  # modal particles per character in the counted news
    news = "本报北京12月3日电 会议强调，要坚持稳中求进工作总基调，推动经济实现质的有效提升。" * 20
    speech = "这游戏还行吧，你玩了吗？我觉得一般啊，反正也不贵嘛，买个试试呗。" * 3
    assert not is_colloquial(news, rate) and is_colloquial(speech, rate)
    assert not is_colloquial(speech, None)  # counts built without the figure: never


def test_speech_leaves_out_the_one_before_a_measure_word(pipe):
    """`发了条微博`, `是个好办法`, `加个好友`: clean text puts 一 there as often
    as a number, and a page of speech leaves that 一 out; no digit was lost.
    In edited prose the same unit after a counted context is still a gap."""
    from normalize.gaps import model
    gm = model()
    assert gm.spoken and gm.params.get("particles")
    page = ("他昨天发了条微博，说这是个好办法吧？\n\n你也加个好友呗，反正不要钱嘛。\n\n"
            "高个子的人穿什么都好看啊，身材线条好呀。\n")
    out, flags = _gaps(pipe, page)
    assert "□" not in out and not flags, flags
    out, flags = _gaps(pipe, "实施产业帮扶项目个，覆盖全县。\n")
    assert "项目□个" in out


DATES = {  # the list of dates: one case each
    "X月日: a day missing after its month": ("会议定于5月日召开。", "5月□日召开"),
    "月X日 at a clause start: a month missing": ("，月15日起实施。", "，□月15日起"),
    "年X月 after 在": ("在年5月，他回到家乡。", "在□年5月"),
    "年X月 after 于": ("该项目于年5月开工。", "于□年5月"),
    "年X月 after 至": ("至年3月底，共完成。", "至□年3月底"),
    "a dateline missing its month": ("本报北京月3日电 记者报道。", "北京□月3日电"),
    "a dateline missing its day": ("本报北京12月日电 记者报道。", "12月□日电"),
    "a dateline missing month and day": ("新华社东京月日电 记者报道。", "东京□月□日电"),
}


@pytest.mark.parametrize("case", sorted(DATES))
def test_dates_missing_a_year_month_or_day_are_marked(pipe, case):
    """`X月日`, `月X日` at a clause start, `年X月` after 于/在/至, a dateline
    missing its day or month: each gap marked and flagged, the flag naming
    the unit that needed the number."""
    text, gap = DATES[case]
    out, flags = _gaps(pipe, text + "\n")
    assert gap in out, (text, out)
    assert len(flags) == gap.count("□"), (text, flags)
    # the word that needed the number: “日” in the stage's message, 年 opening the year rule's
    assert all(regex.search("“[年月日]”|^年 ", f.message) for f in flags), flags


def test_the_packed_counts_answer_as_a_dict_of_the_rows_would():
    """The language model's compact table: every shipped string (a sample)
    and strings it does not hold give what a plain dict of the file gives;
    rows out of order, repeated, or with strings that do not fit 64 bits
    (five characters, beyond the BMP, a NUL) too."""
    import gzip
    import random
    from normalize.gaps import LM_DATA, NumberLM, PackedCounts
    rows = [line.split("\t") for line in gzip.decompress(LM_DATA.read_bytes()).decode("utf-8").split("\n")
            if line and not line.startswith("//")]
    plain = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    lm = NumberLM.load(LM_DATA)
    assert len(lm.stats) == len(plain) > 100_000 and not lm.stats.other
    rnd = random.Random(7)
    sample = rnd.sample(sorted(plain), 5000) + ["", " ", "#", min(plain), max(plain)]
    absent = ["个" * 4, "#年#", "\x00", "a\x00", "𠀀", "x" * 5, "\ud840\udc00"]
    absent += [a + b for a, b in zip(rnd.sample(sample, 2000), rnd.sample(sample, 2000))]
    for key in sample + absent:
        assert lm.stats.get(key) == plain.get(key), key
    mixed = [["个人", "3", "2", "1"], ["𠀀个", "4", "0", "0"], ["", "9", "8", "7"], ["五个字的词", "5", "1", "1"],
             ["a\x00", "6", "0", "0"], ["个人", "30", "20", "10"], ["a", "1", "2", "3"]]
    counts = PackedCounts.of_rows(mixed)
    as_dict = {r[0]: tuple(map(int, r[1:])) for r in mixed}
    for key in list(as_dict) + ["a\x00\x00", "𠀀", "个", "五个字的", "\ud840\udc00个"]:
        assert counts.get(key) == as_dict.get(key), key

def test_a_model_file_with_strings_that_do_not_pack_loads_as_a_dict_would(tmp_path):
    """The file read in slices: rows after a string that does not fit (and
    rows before it, packed already) are found as a dict of the rows finds them."""
    import gzip
    from normalize.gaps import NumberLM
    rows = [["", "0", "50", "9"]] + [[chr(0x4E00 + k) + "个", str(k + 1), "2", "1"] for k in range(12000)]
    rows.insert(9000, ["𠀀个", "7", "0", "0"])
    text = "//=order\t4\n//=discount\t0.75\n" + "".join("\t".join(r) + "\n" for r in rows)
    path = tmp_path / "lm.tsv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    lm = NumberLM.load(path)
    assert lm.stats.other == {"𠀀个": len(rows) - 1}
    for key, *vals in rows + [["丁", None], ["𠀀", None], ["", "0", "50", "9"]]:
        assert lm.stats.get(key) == (tuple(map(int, vals)) if vals[0] else None), key


def test_a_units_word_binding_hangs_on_three_characters_each_side():
    """The stage remembers a unit's binding by the characters around it:
    the answer on the window is the answer on the whole page, at every unit
    of the sample scans (edges of the page included)."""
    from pathlib import Path
    from normalize.gaps import DATA, model
    gm = model(str(DATA))
    raw = Path(__file__).resolve().parent.parent / "raw"
    texts = [p.read_text(encoding="utf-8") for p in sorted(raw.glob("*.txt"))]
    texts += ["个人", "年轻人一个", "整个"]
    checked, bound = 0, set()
    for text in texts:
        for m in gm.pattern.finditer(text):
            i, j = m.span()
            lo = max(0, i - 3)
            if i:
                assert gm.left_bound(text, i) == gm.left_bound(text[lo:i + 3], i - lo), (text[lo:i + 3], i)
                bound.add(("left", gm.left_bound(text, i)))
            assert gm.right_bound(text, i, j) == gm.right_bound(text[i:i + 4], 0, j - i), text[i:i + 4]
            bound.add(("right", gm.right_bound(text, i, j)))
            checked += 1
    assert checked > 500 and len(bound) == 4  # bound and free, on both sides


def test_speech_needs_a_number_seen_beside_both_neighbours(pipe):
    """On a page of speech a unit is a gap only where each Han character
    beside it has stood beside a number in the counted text: a unit at a
    post's start before a word the news never numbers (`日漫`), or after a
    character the news never puts before a number (`矮个`), is the writer's
    word.  The same page with a number lost where both sides vouch for it,
    or where punctuation closes the unit (`增收□%！`), is still marked."""
    talk = "这游戏还行吧，你玩了吗？我觉得一般啊，反正也不贵嘛。\n\n"
    page = talk + "日漫界对大只控一点也不友好吧。\n\n" + talk + "普遍不太能接受矮个，见过不少呢。\n"
    out, flags = _gaps(pipe, page)
    assert "□" not in out and not flags, flags
    out, flags = _gaps(pipe, talk + "实施产业帮扶项目个，覆盖全县吧。\n")
    assert "项目□个，" in out and len(flags) == 1, (out, flags)
    out, flags = _gaps(pipe, talk + "一些地块增收%！揣洼子村的人都说好呢。\n")
    assert "增收□%！" in out and len(flags) == 1, (out, flags)


def test_edited_prose_is_read_for_a_lost_digit_where_speech_would_drop_one(pipe):
    """`建设个经济开发区`: clean news writes 建设一个 more often than 建设12个,
    and speech leaves that 一 out; edited prose does not, so there a bare 个
    lost its digits."""
    out, flags = _gaps(pipe, "国家在西部地区建设个经济开发区。\n")
    assert "建设□个经济" in out and len(flags) == 1, (out, flags)


def test_a_page_is_damaged_when_it_shows_more_gaps_than_clean_text_does_by_chance():
    """At clean text's false-flag rate (6 per 100,000 characters), two gaps
    on a short page are beyond chance, two on 5,000 characters are not, and
    a whole issue of 100,000 needs thirteen."""
    from normalize.gaps import damaged
    rate = 6e-5
    assert damaged(2, 1500, rate) and not damaged(1, 1500, rate)
    assert not damaged(2, 5000, rate) and damaged(3, 5000, rate)
    assert not damaged(12, 100_000, rate) and damaged(13, 100_000, rate)
    assert not damaged(50, 1500, None)  # counts built without the figure: never


LOST_ELSEWHERE = "2023年国内旅游出游亿人次。\n\n实现国内旅游收入亿元。\n\n惠及脱贫人口万人。\n\n"


def _lowered_on_a_damaged_page(pipe, kept: tuple[str, ...], lowered: str, marked: str) -> None:
    """On a page damaged elsewhere (LOST_ELSEWHERE: three gaps) each of
    ``kept`` stays as it is and ``lowered`` gets its gap (``marked``); on a
    clean page ``lowered`` stays too."""
    for text in kept:
        out, flags = _gaps(pipe, LOST_ELSEWHERE + text + "\n")
        assert text in out and len(flags) == 3, (text, out, flags)
    out, flags = _gaps(pipe, LOST_ELSEWHERE + lowered + "\n")
    assert marked in out and len(flags) == 4, (out, flags)
    out, flags = _gaps(pipe, lowered + "\n")
    assert "□" not in out and not flags, flags


def test_a_page_that_lost_numbers_elsewhere_is_read_with_lower_thresholds(pipe):
    """A scraper that drops one number drops others on its page: where the
    page already shows more gaps than clean text gives by chance, a unit is
    marked below its usual threshold.  The same sentences alone (a clean
    page) stay as they are."""
    from normalize.gaps import model
    assert model().damage and model().params.get("damage_rate")
    for text, gap in (("与会专家还对个重要专题进行讨论。", "还对□个重要"), ("机坪能够停放架C类飞机。", "停放□架C类"),
                      ("会议作出项决议。", "作出□项决议")):
        out, flags = _gaps(pipe, text + "\n")
        assert "□" not in out and not flags, (text, flags)
        out, flags = _gaps(pipe, LOST_ELSEWHERE + text + "\n")
        assert gap in out and len(flags) == 4, (text, out, flags)


def test_a_unit_lowered_by_a_narrower_band_gets_its_gap_on_a_damaged_page_only(pipe):
    # 人 fails the whole band (bare uses further down) and passes half of it: on a damaged page
    # 接待游客□人次 is marked, alone it stays; 人 as a word (…的人。: the pair's own verdict) stays
    from normalize.gaps import model
    assert 0 < model().damage["人"] < max(model().damage.values())
    _lowered_on_a_damaged_page(pipe, ("他是村里最受信赖的人。", "接待游客人数同比增长。"), "全年接待游客人次。", "游客□人次")


def test_a_unit_whose_bare_uses_crowd_below_its_threshold_keeps_it_on_a_damaged_page(pipe):
    """多 is 多个 and 等多项 as often as a number's 多: the counts lower it on
    no page, so `培育出多名` stays as printed even beside lost numbers."""
    from normalize.gaps import model
    assert "个" in model().damage and "多" not in model().damage
    out, flags = _gaps(pipe, LOST_ELSEWHERE + "已经培育出多名农业职业经理人。\n")
    assert "培育出多名" in out and len(flags) == 3, (out, flags)


def test_damage_shifts_are_given_where_numbered_uses_outnumber_bare_ones_below_the_threshold():
    """The build lowers a unit on damaged pages only where, in the band
    that opens, numbered uses outnumber bare ones ``odds`` to one."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    data = [("个", 1.5, True)] * 8 + [("个", 1.2, False)] + [("多", 1.5, True)] * 3 + [("多", 1.9, False)] * 2
    data += [("个", 5.0, False), ("多", -3.0, False)]  # above the threshold, below the band: not counted
    # 多's bare uses sit right below its threshold: no band, however narrow, opens on more numbers
    assert build_gapstats.damage_shifts(data, {"个": 2.0, "多": 2.0}, 2.5, 4.0) == {"个": 2.5}


def test_a_unit_whose_bare_uses_sit_deeper_gets_the_narrower_band_that_passes():
    """Where the whole band fails the test, the build tries it halved, then
    quartered: 家's bare uses lie more than 1.25 below its threshold, its
    numbered ones just below, so 家 goes down by 1.25 (not 2.5, not 0)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    data = [("家", 1.8, True)] * 4 + [("家", 0.5, False)] * 3 + [("吨", 1.7, True)] * 2 + [("吨", 1.0, False)] * 2
    assert build_gapstats.damage_shifts(data, {"家": 2.0, "吨": 2.0}, 2.5, 4.0) == {"家": 1.25, "吨": 0.625}


def test_a_unit_and_its_next_character_get_their_own_damaged_page_shift_where_the_band_holds_enough():
    """The band test run on a unit and the character after it, where the
    band holds ``least`` of them: 多 lowered but not before 个 (多个,
    "several", crowds the band); a pair too rare for a verdict of its own,
    or answering as its unit does, is left to the unit."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    data = ([("多", 1.5, True)] * 12 + [("多", 1.5, True)] * 4 + [("多", 1.0, False)] * 3
            + [("多", 1.5, True)] * 3 + [("多", 1.2, False)])
    rights = ["亩"] * 12 + ["个"] * 4 + ["个"] * 3 + ["名"] * 3 + ["名"]
    units = build_gapstats.damage_shifts(data, {"多": 2.0}, 2.5, 3.0)
    assert units == {"多": 2.5}  # 19 numbered against 4 bare in the band
    pairs = build_gapstats.damage_pair_shifts(data, rights, {"多": 2.0}, 2.5, 3.0, 5, units)
    assert pairs == {("多", "个"): 0.0}  # 4 against 3: not lowered; 多名 (4 uses) too few for a verdict
    assert build_gapstats.damage_pair_shifts(data, rights, {"多": 2.0}, 2.5, 3.0, 0, units) == {("多", "个"): 0.0}
    assert build_gapstats.damage_pair_shifts(data, rights, {"多": 2.0}, 2.5, 3.0, 50, units) == {}


def test_a_damaged_page_lowers_a_unit_as_the_counts_judged_it_with_the_character_after_it(pipe):
    """年 is lowered on a damaged page, but not before 底, 内 or 度 (年底,
    年内, 年度 stand bare in clean text too often); 多 is not, but before 条
    it is (多条 after a number far more often than bare in the band).  On a
    clean page neither moves."""
    from normalize.gaps import model
    gm = model()
    assert "年" in gm.damage and gm.damage_right[("年", "底")] == 0.0 and gm.damage_right[("年", "内")] == 0.0
    assert "多" not in gm.damage and gm.damage_right[("多", "条")] > 0
    _lowered_on_a_damaged_page(pipe, ("计划年底完成。", "有望年内通车。", "完成了年度任务。"),
                               "他们修了多条路。", "修了□多条路")


def test_a_numeral_unit_before_a_measure_word_keeps_its_threshold_on_a_damaged_page(pipe):
    """万 and 亿 are numerals themselves: `千名党员、万名职工` counts ten
    thousand workers, and a damaged page does not make that a lost number."""
    out, flags = _gaps(pipe, LOST_ELSEWHERE + "辐射百家党支部、千名党员、万名职工的示范圈。\n")
    assert "、万名职工" in out and len(flags) == 3, (out, flags)


def test_a_numeral_unit_before_a_measure_word_is_lowered_outside_round_numbers(pipe):
    """万 and 亿 keep their threshold on a damaged page only where the
    sentence already counts in round numbers written in words; elsewhere
    `建成淤地坝万座` lost a number as any unit does."""
    from normalize.gaps import in_round_numbers, model
    measure = model().measure_chars
    text = "辐射百家党支部、千名党员、万名职工。建成万座。"
    assert in_round_numbers(text, text.index("万名"), measure)
    assert not in_round_numbers(text, text.index("万座"), measure)  # the sentence ended
    assert not in_round_numbers("建成淤地坝万座。", 5, measure)
    for sentence, gap in (("建成淤地坝万座。", "坝□万座"), ("培训了万名学员。", "了□万名")):
        out, flags = _gaps(pipe, sentence + "\n")
        assert "□" not in out and not flags, (sentence, flags)
        out, flags = _gaps(pipe, LOST_ELSEWHERE + sentence + "\n")
        assert gap in out and len(flags) == 4, (sentence, out, flags)


def test_a_damaged_page_that_writes_the_unit_after_a_number_elsewhere_lost_this_one(pipe):
    """`3处遗址` in one paragraph, `新发现处遗址` in the next, on a page that
    lost numbers: the page counts its sites in 处, so the second lost its
    number.  Without the first the second stays as printed."""
    from normalize.gaps import model, written_after_numbers
    assert model().params["page_weight"] > 0
    assert {"万册", "万册图", "亩地"} <= written_after_numbers("去年推动3万册图书。种了20亩地\n")
    assert "万册" not in written_after_numbers("推动□万册图书。\n")  # a marked gap is no number
    numbered, bare = "去年在这里新发现3处遗址。\n\n", "今年又新发现处遗址。\n"
    out, flags = _gaps(pipe, LOST_ELSEWHERE + numbered + bare)
    assert "又新发现□处遗址" in out and len(flags) == 4, (out, flags)
    out, flags = _gaps(pipe, LOST_ELSEWHERE + bare)
    assert "又新发现处遗址" in out and len(flags) == 3, (out, flags)
    out, flags = _gaps(pipe, numbered + bare)
    assert "□" not in out and not flags, flags


def test_the_build_sees_a_units_pair_after_a_number_elsewhere_in_its_article_not_its_own():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    from normalize.gaps import GapModel
    gm = GapModel([["U", "亩", "0", "0"], ["U", "年", "0", "0"], ["W", "年度"]])
    views = ["^种植#亩地$", "^还有亩地$", "^还有亩地$", "^#年度计划和年度目标$"]
    article_of = [0, 0, 1, 2]
    windows = [(0, ("^种植亩地$", 3)), (1, ("^还有亩地$", 3)), (2, ("^还有亩地$", 3)), (3, ("^#年度计划和年度目标$", 7))]
    data = [("亩", 1.0, True), ("亩", 0.0, False), ("亩", 0.0, False), ("年", 0.0, False)]
    # its own number left out; another article's number says nothing; a unit a word holds (年度) is not read
    assert build_gapstats.page_seen(gm, views, article_of, windows, data) == [False, True, False, False]


def test_a_unit_common_without_a_number_is_scanned_on_a_damaged_page_only(pipe):
    """人 stands bare in clean text far more often than after a number
    (个人, 人民): at the common threshold it finds a gap for a few hundred
    clean uses, so a clean page never has it judged; a page that lost
    numbers elsewhere does (`共约人参加`)."""
    from normalize.gaps import model
    assert "人" in model().damaged_only and "个" not in model().damaged_only
    text = "清明节期间，共约人参加祭扫活动。\n"
    out, flags = _gaps(pipe, text)
    assert "□" not in out and not flags, flags
    out, flags = _gaps(pipe, LOST_ELSEWHERE + text)
    assert "共约□人参加" in out and len(flags) == 4, (out, flags)


def test_a_numeral_unit_before_a_unit_of_damaged_pages_only_is_lowered_as_before(pipe):
    """The numerals' exception (万名职工) is read against the units scanned
    on every page, as it was chosen: 户 scanned on damaged pages too does
    not keep 万's threshold up before it (`为万户农户授信`)."""
    from normalize.gaps import model
    assert "户" in model().damaged_only and "户" not in model().measure_chars
    out, flags = _gaps(pipe, LOST_ELSEWHERE + "为万户农户授信。\n")
    assert "为□万户农户" in out and len(flags) == 4, (out, flags)


def test_the_build_scans_a_rare_yield_unit_on_damaged_pages_where_it_finds_gaps_per_flag():
    """A unit finding under one gap per hundred clean uses is still scanned,
    on damaged pages only, where it finds four gaps per false flag (no flag
    counted as one); else not at all."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    assert build_gapstats.scanned(20, 0, 1000) == "all"
    assert build_gapstats.scanned(14, 2, 7000) == "damaged"  # 人: 个人, 人民 crowd it
    assert build_gapstats.scanned(4, 0, 600) == "damaged"
    assert build_gapstats.scanned(3, 0, 600) is None
    assert build_gapstats.scanned(6, 8, 2200) is None  # 部: more flags than gaps


def test_a_unit_left_unscanned_by_the_common_threshold_gets_its_own_where_one_pays():
    """Of the cuts at a unit's clean scores, the build keeps the one finding
    the most numbered uses at four or more per false flag (none counted as
    one); where no cut does, the unit stays unscanned."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_gapstats
    numbered, bare = [5.0, 4.0, 3.0, 2.0, 1.5], [3.5, 1.0, 0.5]
    assert build_gapstats.own_threshold(numbered, bare, 4.0) == (1.0, 5, 1)  # above 3.5: only 2 found
    assert build_gapstats.own_threshold(numbered, bare, 6.0) is None
    assert build_gapstats.own_threshold([1.0], [2.0, 3.0], 4.0) is None  # 部: never above its clean uses


def test_no_gap_between_yu_or_duo_and_its_unit(pipe):
    """20余平方公里 holds its number; 公路余公里 lost it before 余: a gap never
    goes between 余 / 多 and the unit after them (a damaged page had both)."""
    page = ("本报讯 今年以来，全县新建农村公路公里，完成投资亿元。全县共有个行政村通了客车，"
            "新建公路余公里，覆盖面积20余平方公里，惠及群众万人。\n")
    out = pipe.fix(page)[0]
    assert "20余平方公里" in out and "公路□余公里" in out, out


def test_a_unit_and_its_next_character_are_judged_apart_from_three_in_the_band(pipe):
    """The band test on a unit and the character after it needs three of
    them in the band, not five: 年金, 时分 and 万家 stand bare too often
    for a damaged page to lower them (`年金保险`, `傍晚时分`, `送万家`),
    while 条 before a sentence's end is lowered (`刑法□条。`)."""
    from normalize.gaps import model
    gm = model()
    assert gm.damage_right[("年", "金")] == 0.0 and gm.damage_right[("分", "，")] == 0.0
    assert gm.damage_right[("条", "。")] > 0
    _lowered_on_a_damaged_page(pipe, ("我还购买了大病保险、年金保险等。", "傍晚时分，微风习习。", "硅片组装，光伏聚光，绿电送万家。"),
                               "草案共修改补充刑法条。", "刑法□条。")


def test_the_gap_eval_builds_long_clean_pages_wrapped_as_print(tmp_path):
    # scripts/eval_gaps.py --long: the fold's articles joined into one page,
    # each paragraph wrapped at 15 Chinese characters, a digit half a place
    import importlib.util
    import json
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scripts" / "eval_gaps.py"
    spec = importlib.util.spec_from_file_location("eval_gaps_under_test", path)
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    (tmp_path / "corpus").mkdir()
    arts = [{"paragraphs": ["朝鲜劳动党成立于1945年10月10日，迄今已召开过6次大会。", "第二段。"]}] + [
        {"paragraphs": [f"不在这一折的文章{k}。"]} for k in range(4)] + [{"paragraphs": ["一二三四五六七八九十一二三四五六"]}]
    (tmp_path / "corpus" / "a.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in arts) + "\n",
                                                encoding="utf-8")
    pages = ev.long_pages(tmp_path, 0, 50, 15)
    assert pages == ["朝鲜劳动党成立于1945年10月10日\n，迄今已召开过6次大会。\n第二段。\n\n"
                     "一二三四五六七八九十一二三四五\n六\n"]
    assert len(ev.long_pages(tmp_path, 0, 1, 15)) == 2  # one article a page


def test_a_number_in_marks_before_a_unit_is_no_gap(pipe):
    """A scraper drops the digits before a unit, not those in quotes or
    brackets before it inside a clause (`第“（2）”项规定`: the item's number
    is the quoted 2).  The page around it lost its numbers: read as damaged."""
    from normalize.gaps import enclosed_before
    page = ("今年月日，全市新增企业家，同比增长%，累计完成投资亿元。\n\n"
            "按合同第“（2）”项规定，乙方偿付违约金。\n\n"
            "去年全市接待游客万人次，实现旅游收入亿元。\n")
    out = pipe.fix(page)[0]
    assert "企业□家" in out and "旅游收入□亿元" in out, out  # the page's gaps
    assert "第“（2）”项规定" in out, out
    for text, unit, held in [("第（二）项", "项", True), ("有“3”个", "个", True), ("（记者）个", "个", False),
                             ("（张三）年", "年", False), ("（记者 刘一）年", "年", False)]:
        assert enclosed_before(text, text.index(unit)) is held, text


def _numbered_lines(n: int) -> list[str]:
    """``n`` lines of news, each with three numbers before their units."""
    subjects = ["全市新增企业", "各地开工项目", "今年培训人员", "累计完成投资", "参会代表共有"]
    units = ["家", "个", "名", "项", "亿元", "万人", "%", "条", "次"]
    return [f"{subjects[k % 5]}{11 + 7 * k}{units[k % 9]}，比上年增加{3 + 5 * k}{units[(k + 3) % 9]}，"
            f"同比增长{2 + k % 7}%。" for k in range(n)]


def test_a_page_that_kept_its_other_numbers_still_marks_a_lost_one(pipe):
    """A scraper that lost one number of a page of many leaves a page as
    intact as a writer's `年内在`: a unit a word holds is judged as on any
    page (each below went unmarked when such a page read it as the word:
    日电, 年末, 万册 are words of the list), and so are units sharing one
    number (亿元, 万人次, 年月, 多亿)."""
    lines = _numbered_lines(8)  # 24 numbers on the page
    for gap, marked in [("新华社北京6月日电 记者从国家统计局获悉。", "6月□日电"),
                        ("截至年末，全市共有各类市场主体3.2万户。", "截至□年末"),
                        ("该书出版后，累计发行量就已突破万册。", "突破□万册"),
                        ("今年新开工重大项目86个，总投资亿元。", "总投资□亿元"),
                        ("全市接待游客万人次，实现旅游收入518亿元。", "游客□万人次"),
                        ("大会于年月日在北京召开。", "大会于□年□月□日"),
                        ("累计完成投资多亿元，带动就业3200人。", "投资□多亿元")]:
        out = pipe.fix("\n\n".join(lines[:4] + [gap] + lines[4:]) + "\n")[0]
        assert marked in out, out
    free = pipe.fix("\n\n".join(lines[:4] + ["公司已连续年参会采购，成交额逐年增长。"] + lines[4:]) + "\n")[0]
    assert "连续□年参会" in free, free


def test_numbers_inside_a_link_do_not_hide_a_gap(pipe):
    """`%E4%B8%AD` in a link is no number the page kept: the one real gap
    beside it is marked."""
    link = "https://zh.wikipedia.org/wiki/" + "%E4%B8%AD%E5%8D%8E%E4%BA%BA%E6%B0%91" * 4
    out = pipe.fix(f"今年以来，全市新开工重大项目86个，总投资亿元，详见{link} 的介绍。\n")[0]
    assert "总投资□亿元" in out, out


def test_a_list_marker_or_a_latin_name_in_brackets_is_not_the_units_number(pipe):
    """A bracket opening a clause (at a line's start, after ：；，、 or a
    space) is a list's marker: `如下：（1）万元以下` lost the number after
    it; a Latin abbreviation is a name, not a number (`生产总值（GDP）亿元`)."""
    from normalize.gaps import enclosed_before
    out = pipe.fix("罚款标准如下：（1）万元以下的，处警告；（2）万元以上10万元以下的，处罚款。\n")[0]
    assert "（1）□万元以下" in out and "（2）□万元以上" in out, out
    out = pipe.fix("2022年，全市实现地区生产总值（GDP）亿元，同比增长6.5%。\n")[0]
    assert "（GDP）□亿元" in out, out
    for text, unit, held in [("如下：（一）万元", "万", False), ("（1）万元以下", "万", False), ("如下 （2）项", "项", False),
                             ("第“（2）”项", "项", True), ("总值（GDP）亿元", "亿", False),
                             ("（degree Celsius）摄氏度", "摄", False)]:
        assert enclosed_before(text, text.index(unit)) is held, text


def test_the_gap_eval_strips_exactly_the_numbers_it_picks_for_light_damage():
    # scripts/eval_gaps.py --light: one or two numbers of a page taken out,
    # the expected text holding the marker at each, nothing else changed
    import importlib.util
    import random
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scripts" / "eval_gaps.py"
    spec = importlib.util.spec_from_file_location("eval_gaps_under_test", path)
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    text = "全市新增企业12家，投资3.5亿元，接待游客400万人次，增长8%。\n"
    sites = list(ev.SITE.finditer(text))
    assert [m.group(0) for m in sites] == ["12", "3.5", "400", "8"]
    damaged, expected, places = ev.strip_sites(text, [sites[1], sites[2]])
    assert damaged == "全市新增企业12家，投资亿元，接待游客万人次，增长8%。\n"
    assert expected == "全市新增企业12家，投资□亿元，接待游客□万人次，增长8%。\n"
    assert [(expected[at], unit, n) for at, unit, n in places] == [("□", "亿", "3.5"), ("□", "万", "400")]
    # the rate-stripped pages draw as before: one draw a site, in order
    a = ev.strip(text, random.Random(3), 0.5)
    rnd = random.Random(3)
    assert a == ev.strip_sites(text, [m for m in sites if rnd.random() < 0.5])
