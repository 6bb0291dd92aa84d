"""A pipeline is a plain list of stages, read from ``pipeline.toml``.

Why a list in a file: the order of repairs matters (boilerplate must go
before lines are joined; spacing after), and an archivist should be able to
read it in one place.  A :class:`Stage` is either a rule file or one of the
few built-in functions; both are ``Doc -> Doc``.  The list governs: the code
inserts, drops and reorders nothing.  Rule files the list does not name
(added with ``--rules``) go after the stage their ``after`` names; without
one, a ``scope = "page"`` file goes right before ``unwrap`` (it reads raw
lines) and any other at the end.  ``segment``, if listed, is last; without
it a page is one article.  Without ``unwrap`` every line is a block.

Settings (``preset``, ``opencc``, ``gap_marker``, extra rule folders …) come
from the defaults, then the nearest ``normalize.toml`` above a raw file, then
the command line.  They are hashed together with the rule files into the
``normalizer.rules`` stamp, so a changed rule or setting re-cleans its files.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import __version__
from .article import (DESCRIPTIVE, FIELDS, LAID_OUT, Article, front_matter_text, laid_out, own_front_matter,
                      render_block)
from .corrections import apply_corrections, load_corrections
from .builtins import OPENCC_CONFIGS, normalize_line_ends, opencc_stage, unicode_cleanup
from .doc import GAP, Doc
from .gaps import DATA as GAP_DATA, lm_path, mark_gaps
from .interleave import check as check_interleaving
from .posts import quote_stage, settle_kinds
from .rules import RuleError, RuleFile, apply_rules, load_rule_file, merge
from . import segment as _segment_module, structure as _structure, unwrap as _unwrap_module
from .segment import segment
from .unwrap import unwrap

def unwrap_stage(doc: Doc) -> Doc:
    """Paragraphs from printed lines; on a thread, each block then takes the
    kind its post gives it (posts.settle_kinds), before any rule reads kinds."""
    return settle_kinds(unwrap(doc))


BUILTINS: dict[str, Callable[[Doc], Doc]] = {
    "unicode": unicode_cleanup,
    "opencc": opencc_stage,
    "unwrap": unwrap_stage,
    "corrections": apply_corrections,
    "gaps": mark_gaps,
    "quotes": quote_stage,
}
PRESETS = ("newspaper", "copywriting")   # house-style files: only the chosen one is a stage
BEFORE_UNWRAP = "<before unwrap>"
PRESET_FROM = "_preset_from"   # find_settings: the normalize.toml that set the preset (not a setting)
DEFAULT_SETTINGS = {"preset": "newspaper", "opencc": "off", "gap_marker": GAP, "keep_replies": False,
                    "forum_posts": "all", "rules": [], "corrections": None}
SETTING_TYPES = {"preset": str, "opencc": str, "gap_marker": str, "keep_replies": bool, "forum_posts": str,
                 "rules": list, "corrections": str}


def default_rules_dir() -> Path:
    """The rule files shipped with the package (a source checkout: ``rules/``)."""
    here = Path(__file__).resolve().parent
    packaged = here / "rules"
    return packaged if packaged.is_dir() else here.parent / "rules"


def rule_files(folder: Path) -> list[Path]:
    """A rule folder's TOML files, sorted; the suffix in any case
    (``Extra.TOML`` saved on Windows is a rule file, not a file to skip
    without a word)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".toml" and p.is_file())


@dataclass
class Stage:
    name: str
    run: Callable[[Doc], Doc]
    rules: RuleFile | None = None


MAX_PASSES = 8  # a rule file's replacing rules settle within this many passes, or the page fails


def _apply_rules(rf: RuleFile) -> Callable[[Doc], Doc]:
    """A rule file as a stage.  Rules of one file can enable each other (a
    quote paired makes a comma touch Chinese text), so its replacing rules
    run again while their last pass changed something: the output is a
    fixed point.  Rules that undo each other never settle: after
    ``MAX_PASSES`` the page fails with an error naming them, rather than
    leaving the text wherever the count stopped.  Rules that only flag then
    run once on the settled output.  On an article this program wrote the
    rules marked ``markup`` are left out: its Markdown is ours, no converter's."""
    def run(doc: Doc) -> Doc:
        if not rf.applies(doc.text):  # another board family's file
            return doc
        if rf.paragraphs:  # the page's lines are typed paragraphs (see unwrap)
            doc.note("paragraphs", rf.paragraphs, 1)
        rules = rf.rules
        if laid_out(doc):  # an article we wrote: its Markdown is no converter's
            rules = [r for r in rules if not r.markup]
        apply_rules(rules, doc, rf.path, MAX_PASSES)  # to the fixed point, or Unsettled
        return doc
    return run


def _placed_after(name: str, anchor: str, placed: dict[str, str | None]) -> bool:
    """Whether added file ``name`` was placed after ``anchor``, directly or
    after a file that was: files after one stage run in the order loaded."""
    while name in placed:
        name = placed[name]
        if name == anchor:
            return True
    return False


def check_settings(settings: dict, where: str) -> dict:
    for key, value in settings.items():
        if key not in SETTING_TYPES:
            raise RuleError(where, None, f"unknown setting {key!r}; known: {', '.join(SETTING_TYPES)}")
        if not isinstance(value, SETTING_TYPES[key]):
            raise RuleError(where, None, f"setting {key!r} must be a {SETTING_TYPES[key].__name__}")
    oc = settings.get("opencc")
    if oc is not None and oc != "off" and oc.removesuffix(".json") not in OPENCC_CONFIGS:
        raise RuleError(where, None, f"unknown opencc config {oc!r}; use off or one of {', '.join(OPENCC_CONFIGS)}")
    fp = settings.get("forum_posts")
    if fp is not None and fp not in ("all", "first"):
        raise RuleError(where, None, f"forum_posts must be \"all\" or \"first\", not {fp!r}")
    gm = settings.get("gap_marker")
    if gm is not None and len(gm) != 1:
        raise RuleError(where, None, "gap_marker must be a single character")
    return settings


class Pipeline:
    """Stages built from rule folders and settings; loading checks everything."""

    def __init__(self, rule_dirs=(), default_rules: bool = True, settings: dict | None = None):
        self.settings = dict(DEFAULT_SETTINGS)
        settings = dict(settings or {})
        self._preset_from = settings.pop(PRESET_FROM, None)
        self.settings.update(check_settings(settings, "settings"))
        dirs = ([default_rules_dir()] if default_rules else []) + [Path(d) for d in rule_dirs]
        dirs += [Path(d) for d in self.settings.get("rules", [])]
        self.dirs = dirs
        order_file = None
        files: dict[str, RuleFile] = {}
        corrections, self._corrections_raw = [], b""
        extra = [Path(self.settings["corrections"])] if self.settings.get("corrections") else []
        for d in dirs:
            if not d.is_dir():
                raise RuleError(d, None, "rule folder not found")
            found = rule_files(d)
            named = {p.name.lower(): p for p in found}  # (PIPELINE.TOML too)
            if "pipeline.toml" in named:
                order_file = named["pipeline.toml"]
            if "corrections.toml" in named:
                extra.append(named["corrections.toml"])
            for p in found:
                if p.name.lower() in ("pipeline.toml", "normalize.toml", "corrections.toml"):
                    continue
                rf = load_rule_file(p)
                files[rf.name] = merge(files[rf.name], rf) if rf.name in files else rf
        seen: dict[str, str] = {}
        for rf in files.values():
            for r in rf.rules:
                if r.id in seen and seen[r.id] != rf.path:
                    raise RuleError(rf.path, r.id, "duplicate id")
                seen[r.id] = rf.path
        for path in extra:
            entries, raw = load_corrections(path)
            corrections += entries
            self._corrections_raw += raw + b"\0"
        self.settings["_corrections"] = tuple(corrections)
        # the digits rules' keeps are the archivist's word that a text holds no gap: the gaps stage obeys them too
        self.settings["_gap_keeps"] = tuple(k for r in files["digits"].rules for k in r.keeps) if "digits" in files else ()
        self.files = files
        self.stages = self._stages(order_file, files)
        self.hash = self._hash()

    def _stages(self, order_file: Path | None, files: dict[str, RuleFile]) -> list[Stage]:
        """The stages, in the order ``pipeline.toml`` lists them; added rule
        files (not listed) go where their ``after`` says.  Nothing else
        decides the order: without a ``pipeline.toml`` (``--no-default-rules``
        and rule folders that bring none) only the added files run."""
        names: list[str] = []
        if order_file is not None:
            try:
                data = tomllib.loads(order_file.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise RuleError(order_file, None, f"bad TOML: {exc}") from None
            names = data.get("stages")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise RuleError(order_file, None, "'stages' must be a list of stage names")
            names = [n.replace("{preset}", self.settings["preset"]) for n in names]
        where = order_file or "pipeline"
        if len(set(names)) != len(names):
            raise RuleError(where, None, "a stage is listed twice")
        if "segment" in names and names[-1] != "segment":
            raise RuleError(where, None, "'segment' turns the page into articles: it must be the last stage")
        self.segmenting = "segment" in names
        names = [n for n in names if n != "segment"]
        stages = []
        for name in names:
            if name in BUILTINS:
                stages.append(Stage(name, BUILTINS[name]))
            elif name in files:
                stages.append(self._rule_stage(files[name]))
            elif name in PRESETS or name == self.settings["preset"]:
                raise RuleError(self._preset_from if name == self.settings["preset"] and self._preset_from
                                else where, None, f"preset {name!r} has no rule file {name}.toml"
                                + (f"; valid presets: {', '.join(sorted(PRESETS))}" if name not in PRESETS else ""))
            else:
                raise RuleError(where, None, f"unknown stage {name!r}")
        # rule files the list does not name (other presets' files are not stages)
        added = [rf for name, rf in files.items() if name not in names and name not in PRESETS]
        placed: dict[str, str | None] = {}   # added file -> the stage it was placed after
        waiting = 0   # files put back in a row: all of them, and the 'after's go round in a circle
        while added:
            rf = added.pop(0)
            anchor = rf.after or self._default_anchor(rf, stages)
            if anchor == "segment":
                raise RuleError(rf.path, None, "'after' cannot be segment: segment makes articles and comes last")
            known = [s.name for s in stages]
            if anchor not in (None, BEFORE_UNWRAP) and anchor not in known:
                if any(a.name == anchor for a in added) and waiting <= len(added):  # after a file not placed yet
                    added.append(rf)
                    waiting += 1
                    continue
                raise RuleError(rf.path, None, f"'after' names unknown stage {anchor!r}"
                                + (" (the added files' 'after's form a circle)" if waiting else ""))
            waiting = 0
            if anchor is None:
                at = len(stages)
            elif anchor == BEFORE_UNWRAP:
                at = known.index("unwrap")
            else:  # after the anchor and the files already placed after it (or after those)
                at = known.index(anchor) + 1
                while at < len(stages) and _placed_after(known[at], anchor, placed):
                    at += 1
            placed[rf.name] = anchor
            stages.insert(at, self._rule_stage(rf))
        self._check_scopes(stages, where)
        self.order = [s.name for s in stages] + (["segment"] if self.segmenting else [])
        return stages

    def _default_anchor(self, rf: RuleFile, stages: list[Stage]) -> str | None:
        """Where an added file without ``after`` goes: a ``page`` file works
        on raw lines, so right before ``unwrap``; any other at the end
        (before ``segment``)."""
        if rf.scope == "page" and any(s.name == "unwrap" for s in stages):
            return BEFORE_UNWRAP
        return None

    def _rule_stage(self, rf: RuleFile) -> Stage:
        """A rule file as a stage, its rules writing this pipeline's gap marker."""
        marker = self.settings["gap_marker"]
        if any(r.gap != marker for r in rf.rules):
            rf = dataclasses.replace(rf, rules=[r.with_gap(marker) for r in rf.rules])
        return Stage(rf.name, _apply_rules(rf), rf)

    @staticmethod
    def _check_scopes(stages: list[Stage], where) -> None:
        """A ``page`` file reads raw lines, so it must run before ``unwrap``."""
        names = [s.name for s in stages]
        if "unwrap" not in names:
            return
        for s in stages[names.index("unwrap") + 1:]:
            if s.rules and s.rules.scope == "page":
                raise RuleError(s.rules.path, None, "scope 'page' works on raw lines: it must run before unwrap")

    def _hash(self) -> str:
        """Rule files, settings, the heuristics' parameters (``UnwrapParams``,
        ``SegmentParams``, ``StructureParams``) and the package version: a
        change to any of them changes the output, so it re-cleans the files
        it covers.  The source code itself is not hashed: a comment must not
        churn every committed output; the output folder keeps which code
        wrote it instead (``runner.code_stamp``), and other code re-cleans."""
        h = hashlib.sha256()
        h.update(__version__.encode())
        for name in self.order:
            h.update(name.encode() + b"\0")
        for s in self.stages:
            if s.rules:
                h.update(s.rules.raw)
            if s.name == "gaps" and GAP_DATA.is_file():  # the counts decide like a rule file
                h.update(GAP_DATA.read_bytes())
                if lm_path(GAP_DATA).is_file():  # and so does the model beside them
                    h.update(lm_path(GAP_DATA).read_bytes())
        h.update(json.dumps({k: v for k, v in self.settings.items() if not k.startswith("_")},
                            sort_keys=True, ensure_ascii=False).encode())
        h.update(self._corrections_raw)
        h.update(json.dumps({m.__name__: dataclasses.asdict(m.PARAMS)
                             for m in (_unwrap_module, _segment_module, _structure)},
                            sort_keys=True).encode())
        return h.hexdigest()[:12]

    @property
    def rules(self):
        return [r for s in self.stages if s.rules for r in s.rules.rules]

    # -- running ------------------------------------------------------------
    def run_text_stages(self, text: str, source: str | None = None, first_line: int = 1) -> Doc:
        """The text stages over ``text``; ``first_line`` is the raw line its
        first line is (a piece of a large file, see ``batch``): every change,
        flag and removed piece then names the raw file's own line."""
        text = normalize_line_ends(text)
        if not text.endswith("\n"):  # a last line is a line: rules anchor on its end
            text += "\n"
        doc = Doc.from_text(text, settings=self.settings)
        if first_line != 1:
            shift = first_line - 1
            doc.origin = array("i", map(shift.__add__, doc.origin))
            doc.page_breaks = [b + shift for b in doc.page_breaks]
        doc.source = source
        own = own_front_matter(text) if first_line == 1 else None  # a piece further on is no article's start
        if own:  # an article this program wrote: its front matter is no text, its body is laid out
            doc.written = own
            doc.edit([(0, own[1], "")], "article.front-matter", removal=True)
            doc.note("paragraphs", LAID_OUT, 1)
        for stage in self.stages:
            doc = stage.run(doc)
        if doc.kinds is None:  # no unwrap in the list: every non-blank line is a block
            lines_as_blocks(doc)
        return doc

    def fix(self, text: str, source: str | None = None) -> tuple[str, Doc]:
        """The text cleaned; an article this program wrote keeps its front
        matter as it stands, over its body cleaned."""
        doc = self.run_text_stages(text, source)
        own = doc.written
        if own:
            return normalize_line_ends(text)[:own[1]] + "\n" + (render_fix(doc) or "\n"), doc
        return render_fix(doc), doc

    def clean(self, text: str, source: dict | None = None, first_line: int = 1) -> tuple[list[Article], Doc]:
        """The articles of ``text`` (a whole raw file, or with ``first_line``
        a piece of one starting on that raw line) and the Doc they came from."""
        doc = self.run_text_stages(text, (source or {}).get("path"), first_line)
        normalizer = {"version": __version__, "rules": self.hash}
        own = doc.written
        if own:  # an article this program wrote is one article still, its metadata its own
            last = normalize_line_ends(text).rstrip("\n").count("\n") + 1
            return [as_written(doc, own[0], source or {}, normalizer, last)], doc
        if not self.segmenting:  # no segment in the list: the page is one article
            return whole_page(doc, source or {}, normalizer), doc
        articles = segment(doc, source or {}, normalizer)
        check_interleaving(articles, doc, text, first_line)  # per article: blocks of two columns merged by height
        return articles, doc


def as_written(doc: Doc, old: dict, source: dict, normalizer: dict, last: int) -> Article:
    """An article this program wrote, cleaned again as raw input.  It is not
    split again: where its articles began was read when it was written, and
    what it is (kicker, authors, dateline, forum …) is what its front matter
    says; the title is its ``# `` line as cleaned now.  How it was cleaned
    (source, flags, changes, stamp) is this run's.  A body left empty (a post
    that was all chrome) is still an article."""
    blocks = [b for b in doc.blocks() if b.text.strip()]
    title = None
    if blocks and blocks[0].kind == "title":
        title, blocks = " ".join(blocks[0].text.split()), blocks[1:]
    meta = {k: None for k in FIELDS}
    for key in DESCRIPTIVE:
        if old.get(key) is not None and _writable(key, old[key]):
            meta[key] = old[key]
    images = list(meta["images"] or [])
    images += [v for v in dict.fromkeys(n.value.strip() for n in doc.notes if n.key == "images") if v not in images]
    meta.update({
        "id": f"{source.get('stem', 'page')}-01",
        "title": title if title is not None else meta["title"],
        "images": images,
        "source": {"path": source.get("path"), "sha256": source.get("sha256"),
                   "lines": [min(b.first for b in blocks), max(b.last for b in blocks)] if blocks else [1, last]},
        "flags": sorted((f.as_dict() for f in doc.flags), key=lambda f: (f["line"], f["rule"], f["text"])),
        "changes": dict(sorted(Counter(c.rule for c in doc.changes).items())),
        "normalizer": normalizer,
    })
    return Article(meta=meta, blocks=[("h" if b.kind == "title" else b.kind, b.text) for b in blocks])


def _writable(key: str, value) -> bool:
    """Whether a value read from an article's front matter can be written
    again (a hand-edited one may hold what the contract has no place for)."""
    try:
        front_matter_text({key: value})
    except (TypeError, ValueError):
        return False
    return True


def lines_as_blocks(doc: Doc) -> None:
    """Blocks when the stage list has no ``unwrap``: each non-blank line as
    printed (its surrounding spaces aside) is a paragraph; nothing is joined."""
    blocks, pos = [], 0
    for line in doc.text.split("\n"):
        s = line.strip()
        if s:
            at = pos + line.index(s)
            blocks.append(("p", s, doc.origin[at:at + len(s)]))
        pos += len(line) + 1
    doc.set_blocks(blocks)


def whole_page(doc: Doc, source: dict, normalizer: dict) -> list[Article]:
    """The article when the stage list has no ``segment``: every block of the
    page, bylines and decks included, as body; no title, authors or dateline
    (those are segment's reading); every flag and change; none for an empty page."""
    blocks = [b for b in doc.blocks() if b.text.strip()]
    if not blocks:
        return []
    meta = {k: None for k in FIELDS}
    meta.update({
        "id": f"{source.get('stem', 'page')}-01",
        "images": [n.value.strip() for n in doc.notes if n.key == "images"],
        "source": {"path": source.get("path"), "sha256": source.get("sha256"),
                   "lines": [min(b.first for b in blocks), max(b.last for b in blocks)]},
        "flags": sorted((f.as_dict() for f in doc.flags), key=lambda f: (f["line"], f["rule"], f["text"])),
        "changes": dict(sorted(Counter(c.rule for c in doc.changes).items())),
        "normalizer": normalizer,
    })
    return [Article(meta=meta, blocks=[(k if k in ("p", "h", "caption") else "p", t) for k, t, _f, _l in blocks])]


def render_fix(doc: Doc) -> str:
    parts = []
    for kind, text, _f, _l in doc.blocks():
        if not text.strip():
            continue
        parts.append("# " + text if kind == "title" else render_block(kind, text))
    return "\n\n".join(parts) + ("\n" if parts else "")


def find_settings(path: Path, stop: Path) -> tuple[dict, list[Path]]:
    """Settings from the nearest ``normalize.toml`` between ``path``'s folder
    and the input folder ``stop`` (no further up)."""
    d = (path.parent if path.is_file() else path).resolve()
    stop = stop.resolve()
    while True:
        f = d / "normalize.toml"
        if f.is_file():
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise RuleError(f, None, f"bad TOML: {exc}") from None
            check_settings(data, str(f))
            if "rules" in data:
                data["rules"] = [str((d / r).resolve()) for r in data["rules"]]
            if "corrections" in data:
                data["corrections"] = str((d / data["corrections"]).resolve())
            if "preset" in data:  # a preset no rule folder has is this file's mistake: errors name it
                data[PRESET_FROM] = str(f)
            return data, [f]
        if d == stop or d.parent == d:
            return {}, []
        d = d.parent
