"""Rules are data: one regex each, with a message and examples of their own.

Why: archivists must be able to teach the pipeline a new board's chrome or a
new look-alike without writing Python, and every rule must prove itself.  As
in LanguageTool, each rule carries examples (``fixes``, ``flags``, ``keeps``)
that ``normalize rules --test`` and the test suite run; as in Vale, every
report names the rule id (``<file>.<id>``).

A rule file is TOML::

    description = "why this file exists"
    scope = "page"          # "page": raw lines, before unwrapping;
                            # "blocks" (default): paragraphs after it
    when = '^#{5} *[0-9]+#'   # optional: the file runs only on a page this
                            # pattern finds (a board family known by its chrome)
    paragraphs = "lines"    # optional: on such a page every line is a paragraph
                            # as its writer typed it (a board's posts), never joined
    [[rule]]
    id = "spam-link"
    message = "promotional line with a bare link"
    pattern = '^...$'       # compiled with the regex module, MULTILINE
    replace = ""            # absent: the rule only flags; "" removes;
                            # {gap} (or a literal □), here and in ``pattern``,
                            # is the gap marker setting
    flag = false            # true: a replacing rule also flags each match
    in = ["p", "caption"]   # block kinds it applies to (scope "blocks")
    protect = true          # never edit addresses, e-mail, `code` or the spaces around them
    markup = true           # reads a converter's Markdown (>, #, ![]()): not run on an article we wrote
    fixes = [["before", "after"]]
    flags = ["text it must flag"]
    keeps = ["text it must leave alone"]

Named groups whose name is a metadata key (see ``NOTE_KEYS``) hand what they
captured to the article metadata; removed text goes to ``removed.jsonl``.

Running a file's rules over a page (matches, edits, the fixed point, the
change records) is :mod:`normalize.rulecore`'s, over plain data: the
interface a native core implements; :func:`apply_rules` hands it the page
and writes what it returns into the Doc's record.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import regex

from . import rulecore
from .doc import GAP, Doc, Flag
from .prefilter import required_strings

NOTE_KEYS = frozenset({
    "title", "credits", "editors", "source_org", "continued_from", "continued_on",
    "images", "forum_floor", "forum_author", "forum_time", "date", "site", "author",
})
COMMON = " \u3000，。、：；“”"  # characters nearly every page holds
BLOCK_KINDS = ("p", "h", "title", "byline", "caption", "quote")
SCOPES = ("page", "blocks")
RULE_KEYS = {"id", "message", "pattern", "replace", "flag", "in", "protect", "markup", "fixes", "flags", "keeps"}
# What a rule with ``protect = true`` never edits: see rulecore.PROTECTED.
PROTECTED = rulecore._PROTECTED


# A pattern runs under a time limit on every page: a user rule that
# backtracks without end ((a+)+$ on a long line) fails that file, naming the
# rule, and the batch goes on.  The limit grows with the page: a long page
# takes every pattern longer.
TIMEOUT = 5.0            # seconds for one pass of one pattern over a page …
TIMEOUT_PER_MB = 5.0     # … plus this per megabyte of page
STRESS_LENGTH = 5000     # ``rules --test``: the long line each pattern is tried on …
STRESS_SECONDS = 0.5     # … and the time it may take there


def gap_pattern(pattern: str, marker: str) -> str:
    """``pattern`` with ``{gap}`` (and a literal □) standing for ``marker``."""
    if "{gap}" not in pattern and GAP not in pattern:
        return pattern
    esc = regex.escape(marker, special_only=False) if marker.isascii() else marker
    return pattern.replace("{gap}", esc).replace(GAP, esc)


class RuleTimeout(Exception):
    """A pattern that ran past its time limit on one text."""

    def __init__(self, rule_id: str, seconds: float):
        self.rule_id, self.seconds = rule_id, seconds
        super().__init__(f"rule {rule_id} ran past its time limit ({seconds:.3g} s): "
                         "its pattern backtracks too much on this text")


def time_limit(text: str) -> float:
    return TIMEOUT + TIMEOUT_PER_MB * len(text) / 1e6


class RuleError(Exception):
    """A rule file that cannot be used; says which file, which rule, what is wrong."""

    def __init__(self, path: Path | str, rule_id: str | None, problem: str):
        self.path, self.rule_id, self.problem = str(path), rule_id, problem
        where = f"{self.path}" + (f" [rule {rule_id}]" if rule_id else "")
        super().__init__(f"{where}: {problem}")


class Unsettled(RuleError):
    """Rules that keep changing a page: each undoes what another (or it
    itself) did, so there is no fixed point.  Names the rules; the page fails."""

    def __init__(self, path: Path | str, rule_ids: list[str], problem: str):
        self.rule_ids = list(rule_ids)
        super().__init__(path, None, f"{problem}: rules still changing the text: {', '.join(self.rule_ids)}")


MAX_RULE_PASSES = 4  # one rule settles on nested matches (((党))) within this many passes


@dataclass
class Rule:
    id: str               # full id, "<file stem>.<id>"
    message: str
    pattern: str
    replace: str | None = None
    flag: bool = False
    kinds: tuple[str, ...] | None = None
    protect: bool = False  # leave addresses, e-mail and code spans (and their bounding spaces) alone
    markup: bool = False   # takes a converter's Markdown: on an article this program wrote the Markdown is ours
    fixes: list[tuple[str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    keeps: list[str] = field(default_factory=list)
    scope: str = "blocks"
    source: str = ""
    regex: regex.Pattern | None = None
    gap: str = GAP        # the gap marker that {gap} (and □) in ``pattern`` and ``replace`` stand for
    needs: tuple[str, ...] | None = field(init=False, default=None)
    replacement: str | None = field(init=False, default=None)
    core: rulecore.CoreRule | None = field(init=False, default=None, repr=False)  # this rule as the core reads it

    def __post_init__(self):
        # the text a match becomes: ``replace`` with the gap marker filled in
        # (``replace`` itself stays as the file wrote it)
        if self.replace is not None:
            self.replacement = self.replace.replace("{gap}", self.gap).replace(GAP, self.gap)
        # the pattern as compiled: a rule that must not match across a gap
        # (a lookbehind ``[\d{gap}]``) sees the marker this run writes, else
        # with another marker it marks the same gap again on every pass
        compiled = gap_pattern(self.pattern, self.gap)
        if self.regex is None or self.regex.pattern != compiled:
            self.regex = regex.compile(compiled, regex.MULTILINE)
        # a text holding none of these strings cannot match (see prefilter.py);
        # the likeliest first, so that a page that has one stops the test early
        needs = required_strings(compiled)
        self.needs = None if needs is None else tuple(sorted(needs, key=lambda s: (s[0] not in COMMON, s)))
        rulecore._COMPILED.setdefault(self.regex.pattern, self.regex)  # compiled once, MULTILINE as the core does
        mask = 0
        for k in self.kinds or ():
            mask |= 1 << rulecore.KIND_CODES[k]
        self.core = rulecore.CoreRule(
            pattern=self.regex.pattern, replacement=self.replacement,
            literal=self.replace is not None and "\\" not in self.replacement, flag=self.flag, kinds=mask,
            protect=self.protect, notes=tuple(g for g in self.regex.groupindex if g in NOTE_KEYS), needs=self.needs)

    def may_match(self, text: str) -> bool:
        """False only when the pattern cannot match ``text`` (see prefilter.py)."""
        return rulecore.may_match(self.needs, text)

    def apply(self, doc: Doc) -> None:
        """Run this rule over ``doc`` until it has nothing left to change
        (nested matches: ``((党))``), so its output is a fixed point; a rule
        whose output it matches again forever is an error, not a silent stop."""
        apply_rules([self], doc, self.source)

    # -- examples ---------------------------------------------------------
    def example_doc(self, text: str) -> Doc:
        doc = Doc.from_text(text)
        if self.scope == "blocks":
            kind = self.kinds[0] if self.kinds else "p"
            doc.kinds = [kind] * len(text.split("\n\n"))
        return doc

    def with_gap(self, marker: str) -> "Rule":
        """This rule writing ``marker`` for a gap (a copy; this one is unchanged)."""
        return self if marker == self.gap else dataclasses.replace(self, gap=marker)

    def check_examples(self) -> list[str]:
        """Run every example; return what failed (empty when all pass).
        Examples are written with the default gap marker □."""
        if self.gap != GAP:
            return self.with_gap(GAP).check_examples()
        try:
            return self._check_examples()
        except RuleTimeout as exc:
            return [str(exc)]

    def stress_lines(self) -> list[str]:
        """Long lines built to make a backtracking pattern blow up: runs of
        one character (from the rule's examples and of every common kind)
        with and without a character that breaks the match at the end, and
        the examples repeated."""
        texts = [b for b, _a in self.fixes] + self.flags + self.keeps
        chars = set("a1 中。，“\"(（《-.:/#*!@[") | set("".join(texts))
        chars.discard("\n")
        n = STRESS_LENGTH
        lines = []
        for ch in sorted(chars):
            lines += [ch * n, ch * n + "\x01", "中" + ch * n + "!"]
        lines += [(t.replace("\n", " ") * (n // max(1, len(t)) + 1))[:n] for t in texts if t.strip()]
        return lines

    def stress(self) -> str | None:
        """What ``rules --test`` warns of: a long line this pattern needs
        more than ``STRESS_SECONDS`` for (None when there is none)."""
        for line in self.stress_lines():
            try:
                for _m in self.regex.finditer(line, timeout=STRESS_SECONDS):
                    pass
            except TimeoutError:
                shown = line[:12] + ("…" if len(line) > 12 else "")
                return (f"pattern takes over {STRESS_SECONDS:g} s on a line of {len(line)} characters "
                        f"({shown!r}): it backtracks, and would fail files with long lines")
        return None

    def _check_examples(self) -> list[str]:
        fails = []

        def applied(text: str, example: str):
            doc = self.example_doc(text)
            try:
                self.apply(doc)
            except RuleError as exc:  # Unsettled: the rule matches its own output again
                fails.append(f"{example}: {exc.problem}")
                return None
            return doc

        for before, after in self.fixes:
            doc = applied(before, f"fix {before!r}")
            if doc is None:
                continue
            if doc.text != after:
                fails.append(f"fix {before!r}: got {doc.text!r}, expected {after!r}")
                continue
            again = applied(after, f"fix {before!r}, second pass")
            if again is not None and again.text != after:
                fails.append(f"fix {before!r}: output not stable, second pass gave {again.text!r}")
        for text in self.flags:
            doc = applied(text, f"flag {text!r}")
            if doc is not None and not doc.flags:
                fails.append(f"flag {text!r}: nothing flagged")
        for text in self.keeps:
            doc = applied(text, f"keep {text!r}")
            if doc is not None and (doc.text != text or (doc.flags and self.replace is None)):
                fails.append(f"keep {text!r}: changed to {doc.text!r}" if doc.text != text
                             else f"keep {text!r}: flagged")
        return fails


MAX_FILE_PASSES = 8  # a rule file's replacing rules settle within this many passes, or the page fails
APPLY = rulecore.apply_rule_set  # the core: the reference, or a faster implementation of it


def apply_rules(rules: list[Rule], doc: Doc, source: str, max_passes: int = MAX_FILE_PASSES) -> None:
    """Apply a rule file's ``rules`` to ``doc`` (the rule set's semantics are
    :mod:`rulecore`'s): its replacing rules in order, each to its fixed
    point and all again while a pass changed something, then the rules that
    only flag, once; every edit, removal, flag and note recorded on ``doc``.
    Rules that never settle raise :class:`Unsettled` (``source`` names the
    file), a pattern past its time limit :class:`RuleTimeout`."""
    if not rules:
        return
    kinds = None if doc.kinds is None else bytes(rulecore.KIND_CODES.get(k, 7) for k in doc.kinds)
    try:
        res = APPLY(doc.text, doc.origin, kinds, [r.core for r in rules],
                    (TIMEOUT, TIMEOUT_PER_MB, MAX_RULE_PASSES, max_passes))
    except rulecore.PatternTimeout as exc:
        raise RuleTimeout(rules[exc.rule].id, exc.seconds) from None
    except rulecore.NoFixedPoint as exc:
        if exc.level == "rule":
            rule = rules[exc.rules[0]]
            raise Unsettled(rule.source, [rule.id], f"no fixed point after {MAX_RULE_PASSES} passes of the rule "
                            "(what it writes matches its pattern again; a lookahead (?!…) after the match stops that)") \
                from None
        raise Unsettled(source, sorted({rules[n].id for n in exc.rules}),
                        f"no fixed point after {max_passes} passes of the file") from None
    if res.text is not doc.text:
        doc.text, doc.origin = res.text, res.origin
    ids = [r.id for r in rules]
    if res.change_rule:
        doc.changes.add_columns(ids, res.change_rule, res.change_line, res.change_before, res.change_after)
        removal = [r.replace == "" for r in rules]
        if any(removal):  # what a removing rule took out goes to removed.jsonl
            for n, line, before in zip(res.change_rule, res.change_line, res.change_before):
                if removal[n] and before.strip():
                    doc.remove(ids[n], line, before.strip())
    for n, line, text in zip(res.flag_rule, res.flag_line, res.flag_text):
        doc.flag(Flag(ids[n], line, text, rules[n].message))
    for n, line, key, value in zip(res.note_rule, res.note_line, res.note_key, res.note_value):
        doc.note(key, value, line, ids[n])


@dataclass
class RuleFile:
    name: str                 # stem, e.g. "spacing"
    path: str
    description: str
    scope: str
    rules: list[Rule]
    after: str | None = None  # for added files: the stage they follow
    raw: bytes = b""
    when: regex.Pattern | None = None  # the file applies only to a page this finds
    paragraphs: str | None = None      # "lines": each line of such a page is a paragraph

    when_needs: tuple[str, ...] | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self):
        # a page without any string ``when`` needs is another board's (see prefilter.py)
        needs = None if self.when is None else required_strings(self.when.pattern)
        self.when_needs = None if needs is None else tuple(sorted(needs, key=lambda s: (s[0] not in COMMON, s)))

    def applies(self, text: str) -> bool:
        if self.when is None:
            return True
        return rulecore.may_match(self.when_needs, text) and self.when.search(text) is not None


def _str_list(path, rid, key, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(path, rid, f"'{key}' must be a list of strings")
    return value


def load_rule_file(path: Path) -> RuleFile:
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleError(path, None, f"not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(path, None, f"bad TOML: {exc}") from None
    except OSError as exc:
        raise RuleError(path, None, f"cannot read: {exc.strerror}") from None
    stem = path.stem
    scope = data.get("scope", "blocks")
    if scope not in SCOPES:
        raise RuleError(path, None, f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RuleError(path, None, "missing 'description': say what this file is for")
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleError(path, None, "'rule' must be an array of tables ([[rule]])")
    rules, seen = [], set()
    for n, entry in enumerate(entries, 1):
        rid = entry.get("id") if isinstance(entry.get("id"), str) else None
        label = rid or f"#{n}"
        for key in ("id", "message", "pattern"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise RuleError(path, label, f"missing or empty '{key}'")
        unknown = set(entry) - RULE_KEYS
        if unknown:
            raise RuleError(path, rid, f"unknown field(s): {', '.join(sorted(unknown))}")
        if not regex.fullmatch(r"[a-z0-9][a-z0-9_-]*", rid):
            raise RuleError(path, rid, "id must be lower-case letters, digits, '-' or '_'")
        full = f"{stem}.{rid}"
        if full in seen:
            raise RuleError(path, rid, "duplicate id")
        seen.add(full)
        try:
            compiled = regex.compile(gap_pattern(entry["pattern"], GAP), regex.MULTILINE)
        except regex.error as exc:
            raise RuleError(path, rid, f"pattern does not compile: {exc}") from None
        replace = entry.get("replace")
        if replace is not None and not isinstance(replace, str):
            raise RuleError(path, rid, "'replace' must be a string")
        # a named group hands its text to the metadata or to the replacement;
        # one named neither way is a typo (forum_autor) that would drop it silently
        stray = [g for g in compiled.groupindex if g not in NOTE_KEYS and f"<{g}>" not in (replace or "")]
        if stray:
            raise RuleError(path, rid, f"named group(s) {', '.join(stray)} neither a metadata key "
                            f"({', '.join(sorted(NOTE_KEYS))}) nor used in 'replace' (\\g<name>): "
                            "rename it, or make it unnamed (?:…)")
        if replace is not None and not isinstance(replace, str):
            raise RuleError(path, rid, "'replace' must be a string")
        fixes = entry.get("fixes", [])
        if not isinstance(fixes, list) or not all(
                isinstance(f, list) and len(f) == 2 and all(isinstance(s, str) for s in f) for f in fixes):
            raise RuleError(path, rid, "'fixes' must be a list of [input, output] pairs")
        if replace is not None:
            try:  # a bad template (\3 with two groups) shows when a fix example is expanded
                for before, _after in fixes:
                    compiled.sub(replace, before, timeout=time_limit(before))
            except TimeoutError:
                pass  # a pattern that backtracks on its own example: its examples fail at the run
            except (regex.error, IndexError) as exc:
                raise RuleError(path, rid, f"bad replacement {replace!r}: {exc}") from None
        kinds = entry.get("in")
        if kinds is not None:
            kinds = tuple(_str_list(path, rid, "in", kinds))
            bad = [k for k in kinds if k not in BLOCK_KINDS]
            if bad:
                raise RuleError(path, rid, f"unknown block kind(s) {bad}; use {', '.join(BLOCK_KINDS)}")
        flags = _str_list(path, rid, "flags", entry.get("flags", []))
        keeps = _str_list(path, rid, "keeps", entry.get("keeps", []))
        if not (fixes or flags) or not keeps:
            raise RuleError(path, rid, "needs examples: at least one of 'fixes'/'flags' and one 'keeps'")
        if replace is None and fixes:
            raise RuleError(path, rid, "a rule without 'replace' only flags: use 'flags', not 'fixes'")
        flag = entry.get("flag", False)
        if not isinstance(flag, bool):
            raise RuleError(path, rid, "'flag' must be true or false")
        protect = entry.get("protect", False)
        if not isinstance(protect, bool):
            raise RuleError(path, rid, "'protect' must be true or false")
        markup = entry.get("markup", False)
        if not isinstance(markup, bool):
            raise RuleError(path, rid, "'markup' must be true or false")
        rules.append(Rule(id=full, message=entry["message"], pattern=entry["pattern"], replace=replace,
                          flag=flag, kinds=kinds, protect=protect, fixes=[tuple(f) for f in fixes], flags=flags,
                          keeps=keeps, scope=scope, source=str(path), regex=compiled, markup=markup))
    after = data.get("after")
    if after is not None and not isinstance(after, str):
        raise RuleError(path, None, "'after' must name a stage")
    when = data.get("when")
    if when is not None:
        if not isinstance(when, str) or not when:
            raise RuleError(path, None, "'when' must be a pattern")
        try:
            when = regex.compile(when, regex.MULTILINE)
        except regex.error as exc:
            raise RuleError(path, None, f"'when' does not compile: {exc}") from None
    paragraphs = data.get("paragraphs")
    if paragraphs not in (None, "lines"):
        raise RuleError(path, None, f"'paragraphs' can only be \"lines\", not {paragraphs!r}")
    return RuleFile(name=stem, path=str(path), description=description.strip(), scope=scope,
                    rules=rules, after=after, raw=raw, when=when, paragraphs=paragraphs)


def merge(base: RuleFile, extra: RuleFile) -> RuleFile:
    """``extra``'s rules on top of ``base``: the same id replaces, new ids follow."""
    by_id = {r.id: r for r in extra.rules}
    rules = [by_id.pop(r.id, r) for r in base.rules]
    rules += [r for r in extra.rules if r.id in by_id]
    return RuleFile(name=base.name, path=f"{base.path}+{extra.path}", description=base.description,
                    scope=base.scope, rules=rules, after=base.after, raw=base.raw + b"\0" + extra.raw,
                    when=extra.when or base.when, paragraphs=extra.paragraphs or base.paragraphs)
