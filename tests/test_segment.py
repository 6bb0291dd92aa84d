"""Pages split into articles from the text alone."""
from __future__ import annotations

import pytest

from normalize import clean_text

BODY1 = "本报讯 春耕时节，河西镇组织农技人员深入田间地头，为种植户讲解实用技术。\n\n今年以来，该镇累计举办培训班26期。\n"
BODY2 = "本报讯 在社区服务中心，志愿者们为老人测量血压、讲解防诈骗知识。\n\n活动受到居民欢迎。\n"


def titles(arts):
    return [(a.meta["kicker"], a.title, a.meta["subtitle"]) for a in arts]


def test_titles_before_bylines():
    page = f"河西镇科技助春耕\n\n记者 王晓明\n\n{BODY1}\n志愿服务暖人心\n——社区为老服务见闻\n\n通讯员 李华 张强\n\n{BODY2}"
    arts = clean_text(page)
    assert titles(arts) == [(None, "河西镇科技助春耕", None), (None, "志愿服务暖人心", "——社区为老服务见闻")]
    assert [[p["name"] for p in a.meta["authors"]] for a in arts] == [["王晓明"], ["李华", "张强"]]
    assert arts[1].meta["authors"][0]["role"] == "通讯员"


def test_titles_after_bodies():
    page = f"记者 王晓明\n\n{BODY1}\n甘肃河西镇\n科技助春耕\n\n通讯员 李华\n\n{BODY2}\n志愿服务暖人心\n"
    arts = clean_text(page)
    assert titles(arts) == [("甘肃河西镇", "科技助春耕", None), (None, "志愿服务暖人心", None)]
    assert arts[0].blocks[0][1].startswith("本报讯 春耕时节")
    assert arts[0].meta["dateline"] == "本报讯"


@pytest.mark.parametrize("byline,expected", [
    ("本报记者 张芙/文 刘冠男/摄", [("张芙", "记者"), ("刘冠男", "摄影")]),
    ("记者 王  刚", [("王刚", "记者")]),
    ("●刘乾坤 闫袁", [("刘乾坤", None), ("闫袁", None)]),
    ("新华社记者 邹多为", [("邹多为", "记者")]),
    ("实习生 赵一 记者 钱二", [("赵一", "实习生"), ("钱二", "记者")]),
    ("本报评论员", [("本报评论员", "评论员")]),            # an institution's commentary
    ("●本报评论员\n\n本报评论员", [("本报评论员", "评论员")]),  # printed twice, named once
])
def test_bylines(byline, expected):
    arts = clean_text(f"一个标题\n\n{byline}\n\n{BODY1}")
    assert [(a["name"], a["role"]) for a in arts[0].meta["authors"]] == expected


def test_names_inside_the_lead():
    arts = clean_text("一个标题\n\n本报讯(赵轶群 姜涛)近年来,镇赉县立足县域实际,深入实施提升行动。\n")
    assert [a["name"] for a in arts[0].meta["authors"]] == ["赵轶群", "姜涛"]
    assert arts[0].blocks[0][1] == "本报讯（赵轶群、姜涛）近年来，镇赉县立足县域实际，深入实施提升行动。"
    assert arts[0].meta["dateline"] == "本报讯"


def test_editors_are_not_authors_and_go_to_every_article():
    page = f"本版主编 武曼晖 编辑 王娅楠 孙泓轩\n\n河西镇科技助春耕\n\n记者 王晓明\n\n{BODY1}\n志愿服务暖人心\n\n记者 李华\n\n{BODY2}"
    arts = clean_text(page)
    for a in arts:
        assert a.meta["editors"] == [{"name": "武曼晖", "role": "主编"}, {"name": "王娅楠", "role": "编辑"},
                                     {"name": "孙泓轩", "role": "编辑"}]
        assert all(p["name"] not in ("武曼晖", "王娅楠") for p in a.meta["authors"])


EDITORS = [("武曼晖", "王娅楠"), ("钱彤", "韩梁"), ("周之然", "陆睿"), ("郭一娜", "朱龙川")]


def _issue(opening: str, editors_at_foot: bool = False) -> str:
    """Four pages of two articles each; page k's editor line names EDITORS[k]."""
    pages = []
    for k, (chief, editor) in enumerate(EDITORS):
        line = f"本版主编 {chief} 编辑 {editor}\n\n"
        arts = f"河西镇科技助春耕{k}\n\n记者 王晓明\n\n{BODY1}\n志愿服务暖人心{k}\n\n记者 李华\n\n{BODY2}\n"
        pages.append(opening.format(n=k + 1) + (arts + line if editors_at_foot else line + arts))
    return "".join(pages)


@pytest.mark.parametrize("opening", ["\f", "《人民日报》（2021年3月5日 第 {n} 版）\n", "第{n}版 要闻\n\n", ""])
@pytest.mark.parametrize("at_foot", [False, True])
def test_page_editors_stay_on_their_page(opening, at_foot):
    """A file holding a whole issue: each article gets its own page's editors
    and no other page's, each person once (pages bounded by form feeds, page
    headers, or, with no marks at all, by the editor lines themselves)."""
    if at_foot and opening == "":
        opening = "\n"
    arts = clean_text(_issue(opening, at_foot))
    assert [a.title for a in arts] == [f"{t}{k}" for k in range(4) for t in ("河西镇科技助春耕", "志愿服务暖人心")]
    for n, a in enumerate(arts):
        chief, editor = EDITORS[n // 2]
        assert a.meta["editors"] == [{"name": chief, "role": "主编"}, {"name": editor, "role": "编辑"}], (n, a.meta)


def test_page_editors_printed_twice_count_once():
    line = "本版主编 武曼晖 编辑 王娅楠\n\n"
    arts = clean_text(f"{line}河西镇科技助春耕\n\n记者 王晓明\n\n{BODY1}\n{line}志愿服务暖人心\n\n记者 李华\n\n{BODY2}"
                      f"\n美编 钱彤\n")
    for a in arts:
        names = [p["name"] for p in a.meta["editors"]]
        assert len(names) == len(set(names)) and {"武曼晖", "王娅楠"} <= set(names), a.meta["editors"]


def test_continued_article_has_no_title():
    page = f"河西镇科技助春耕\n\n记者 王晓明\n\n{BODY1}\n#### (上接一版)\n\n“3”，就是实施三大工程。深入推进重点产业跃升计划。\n"
    arts = clean_text(page)
    assert len(arts) == 2
    assert arts[1].title is None and arts[1].meta["continued_from"] == "一版"


def test_date_only_when_the_text_states_it():
    assert clean_text(f"标题\n\n记者 王晓明\n\n{BODY1}")[0].meta["date"] is None
    page = f"《河西日报》（2021年3月5日 第 4 版）\n\n标题\n\n记者 王晓明\n\n{BODY1}"
    assert clean_text(page)[0].meta["date"] == "2021-03-05"
    assert clean_text(page.replace("3月5日", "2月30日"))[0].meta["date"] is None  # no such day


def test_subheadings_stay_with_their_article():
    long = "南召县组建污染防治攻坚联合党委，由县委、县政府主要干部分别担任党委书记，把党员力量整合起来。" * 2
    page = f"全域党建点燃发展引擎\n\n记者 李向东\n\n{long}\n\n聚力污染防治\n\n{long}\n"
    arts = clean_text(page)
    assert len(arts) == 1
    assert ("h", "聚力污染防治") in arts[0].blocks


def test_traditional_bylines_without_opencc():
    arts = clean_text("本報記者 王曉明 通訊員 李華\n\n本報訊 全縣召開大會，部署今年工作。\n\n全縣大會召開\n")
    assert arts[0].meta["authors"] == [{"name": "王曉明", "role": "記者"}, {"name": "李華", "role": "通訊員"}]
    assert arts[0].meta["dateline"] == "本報訊"


def test_second_dateline_goes_on_unless_a_headline_stands_before_it():
    one = "本报平壤4月13日电（记者周之然）朝鲜当天发射卫星。\n\n"
    two = "本报莫斯科4月13日电（记者谢亚宏）外交部长就此表示关切。\n\n"
    # one headline over two reports, whoever filed them: one article
    arts = clean_text(f"朝鲜发射卫星\n\n●周之然 谢亚宏\n\n{one}{two}")
    assert len(arts) == 1 and [b[1][:6] for b in arts[0].blocks] == ["本报平壤4月", "本报莫斯科4"]
    assert len(clean_text(f"朝鲜发射卫星\n\n●周之然\n\n{one}{two}")) == 1
    assert len(clean_text(f"朝鲜发射卫星\n\n{one}{two}")) == 1
    # briefs: each under its own headline, each an article
    arts = clean_text(f"朝鲜发射卫星\n\n{one}各方表示关切\n\n{two}")
    assert len(arts) == 2 and arts[1].title == "各方表示关切" and arts[1].blocks[0][1].startswith("本报莫斯科")


def test_a_web_pages_front_matter_gives_title_date_and_author():
    """---/title/date/author/--- at the top of a web copy: what it says goes
    to the metadata (the author only where no byline names one)."""
    page = ("---\nlayout: post\ntitle: 陆家嘴财经早餐\ndate: 2024-08-06\nauthor: 万得资讯\n---\n\n"
            "1、巴菲特大规模抛售苹果股票的消息，在投资圈引发巨大关注。\n")
    (art,) = clean_text(page, "raw/w.md")
    assert (art.title, art.meta["date"]) == ("陆家嘴财经早餐", "2024-08-06")
    assert art.meta["authors"] == [{"name": "万得资讯", "role": None}]
    assert "万得资讯" not in art.text
    for listed in ("[张三, 李四]", '"张三, 李四"', "张三、李四"):
        (art,) = clean_text(page.replace("万得资讯", listed), "raw/w.md")
        assert art.meta["authors"] == [{"name": "张三", "role": None}, {"name": "李四", "role": None}], listed



@pytest.mark.parametrize("title, date", [
    ("陆家嘴财经早餐2024年8月5日星期一", "2024-08-05"),   # an issue's date and weekday
    ("财经早餐（2024年8月5日 周一）", "2024-08-05"),
    ("纪念2024年8月5日的那场大雨", None),                 # a date the article is about
    ("陆家嘴财经早餐2024年2月30日星期一", None),          # no such day
])
def test_a_title_ending_on_date_and_weekday_dates_the_article(title, date):
    page = f"# {title}\n\n1、巴菲特大规模抛售苹果股票的消息，在投资圈引发巨大关注。\n"
    (art,) = clean_text(page, "raw/w.md")
    assert art.title.startswith(title[:6]) and art.meta["date"] == date


def test_a_web_pages_toolbar_and_time_stamp_are_furniture():
    page = ("# 陆家嘴财经早餐\n## 08-05 06:31Wind\nEnRA+A-收藏到AliceBox\n## 热点聚焦\n"
            "1、巴菲特大规模抛售苹果股票的消息，在投资圈引发巨大关注。\n")
    (art,) = clean_text(page, "raw/w.md")
    assert "Wind" not in art.text and "AliceBox" not in art.text
    assert {"furniture.web-toolbar", "furniture.web-timestamp"} <= set(art.meta["changes"])

@pytest.mark.parametrize("line, names", [
    ("莽九晨 林芮 王莉", True),    # one uncommon surname among names that are no words
    ("张成虎  高睿凯", True),
    ("安全 生产 常抓", False),     # a spaced sub-heading: 安全 is a word
    ("王者 荣耀 大赛", False),
    ("向阳 花开 时节", False),
    ("方法 路径 成效", False),     # every token surnamed, but all words
])
def test_spaced_words_are_not_bare_names(line, names):
    from normalize import structure as st
    assert bool(st.bare_names(line)) is names


@pytest.mark.parametrize("last, authors", [
    ("（本报记者李亚楠采访整理）", [("李亚楠", "整理")]),
    ("（根据录音整理）", []),
    ("本文内容由网络资料整理", []),
    ("本文由编辑部整理", []),         # a body of people, but which one is not said
    ("河南鄢陵县  邢先生", [("邢先生", None)]),
    ("河北省 石家庄", []),
])
def test_closing_signature_names_a_person(last, authors):
    raw = ("一位老人的回忆\n那时候我们住在厂区的平房里，每天天不亮就起床，步行去车间。日子虽然清苦，但大家心气很高。\n"
           + last + "\n")
    (art,) = clean_text(raw)
    assert [(a["name"], a["role"]) for a in art.meta["authors"] or []] == authors


@pytest.mark.parametrize("lead, authors", [
    ("本报讯 记者张三报道：今天全市召开安全生产工作会议。", ["张三"]),
    ("本报讯 记者连日来报道：全县各地抢抓农时，春耕生产有序推进。", None),  # 连日 is a word, no name
])
def test_the_reporter_a_lead_names_after_its_dateline(lead, authors):
    (art,) = clean_text(f"春耕生产有序推进\n\n{lead}\n")
    got = art.meta["authors"]
    assert (got and [a["name"] for a in got]) == (authors or None)


def test_a_speakers_name_after_a_quote_does_not_end_the_paragraph():
    page = ("市民热议新政策\n本报讯 新政策出台后，市民纷纷点赞。退休教师说：“这是好事。”（王老师）\n"
            "记者随机采访了多位市民，大家都表示支持。\n")
    (art,) = clean_text(page)
    assert len(art.blocks) == 1 and art.blocks[0][1].endswith("大家都表示支持。")
