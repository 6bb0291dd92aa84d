"""Mutation check: does the test suite notice when a heuristic breaks?

Why by hand: a test suite can pass for years while following the code
instead of judging it.  Each entry below is one deliberate one-line edit of
a heuristic (a threshold moved, a condition dropped), written with the
reason it should matter.  For each, this script edits a temporary copy of
the tree, runs ``pytest -x -q`` there and reports whether a test failed
(killed) or not (survived).  The mutation score is killed / applied.

Edits are found by exact text.  A threshold's edit goes where the code
reads its parameter, never the dataclass default: the defaults are hashed
into the rules stamp, so the golden ``clean/`` test would catch every such
edit whatever it does to the output.  When the code changes, an edit whose text is
gone is reported as "gone" (not applied, not counted), never a crash; update
or drop it.

    python scripts/mutate.py                 # every mutation
    python scripts/mutate.py unwrap.column   # those whose id starts so
    python scripts/mutate.py --list          # ids, files and whether each applies

Not part of the test suite: a full run takes several minutes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str
    old: str
    new: str
    why: str


U, T, S, P = "normalize/unwrap.py", "normalize/structure.py", "normalize/segment.py", "normalize/pipeline.py"
L = "normalize/linecore.py"  # unwrap's per-line core: column widths, decks, joins
MUTATIONS = [
    # -- unwrap: column pages
    Mutation("unwrap.column-max", L, "    column_max = p.column_max\n", "    column_max = 8\n",
             "narrow column pages are no longer column pages"),
    Mutation("unwrap.column-min-lines", L, "if len(body) < p.column_min_lines:", "if len(body) < 80:",
             "no page is long enough to be a column page"),
    Mutation("unwrap.wide-open-share", L, "len(open_) < p.wide_open_share * len(body)", "len(open_) < 0.9 * len(body)",
             "a wider column needs nearly every line open"),
    Mutation("unwrap.wide-one-width", L, "< p.mode_share * len(open_)", "< 0.99 * len(open_)",
             "a wider column needs every open line of one width"),
    Mutation("unwrap.upper-quartile", L, "w = open_[int(len(open_) * p.quartile)]", "w = open_[len(open_) // 4]",
             "W from the lower quartile: first lines, two short, taken for full ones"),
    Mutation("unwrap.per-stretch", L, '        elif k in (BYLINE, TITLE):\n            close()',
             '        elif False:\n            close()', "one W for the whole page instead of one per stretch"),
    Mutation("unwrap.full-line", L, "full = aw >= w - p.full_slack or justified", "full = aw >= w + 1 or justified",
             "no line counts as full"),
    Mutation("unwrap.narrow", L, "min(w, local) - p.narrow_margin", "min(w, local) - 8",
             "sub-headings must be far narrower than the column"),
    Mutation("unwrap.wide", L, "wide = aw > w + p.across_margin and", "wide = aw > w + 12 and",
             "a line printed across columns is not seen as one"),
    Mutation("unwrap.after-byline", L, "aw <= w * p.after_byline_share", "aw <= w / 5",
             "a short line right after the byline is no sub-heading"),
    Mutation("unwrap.two-line-heading", L, "widths[i - 1] + aw <= 2 * heading_max",
             "widths[i - 1] + aw <= heading_max", "a sub-heading too long for its column is body"),
    Mutation("unwrap.lost-indent", L, "<= w - p.indent_slack", "<= w - 3", "a first line two short is not seen as indented"),
    Mutation("unwrap.hanging", L, "(1 if bits[i + 1] & HANGS and bw > w else 0)", "0",
             "punctuation hanging past the edge counts in the next line's width"),
    Mutation("unwrap.goes-on", L, "goes_on = i + 2 < len(kinds) and kinds[i + 2] == TEXT and not bits[i + 1] & ENDED",
             "goes_on = True", "a one-line paragraph after a full line is taken for a new paragraph"),
    Mutation("unwrap.full-ended-joins", L, "return not (nxt_short and goes_on)", "return False",
             "a full line ending a sentence always closes its paragraph"),
    Mutation("unwrap.parenthetical", L,
             "and not a & (SOFT | DATELINE | PAREN)):",
             "and not a & (SOFT | DATELINE)):", "a parenthesis note may become a sub-heading"),
    Mutation("unwrap.letter-spacing", U, r'(?:\S[ \u3000]){4,}', r'(?:\S[ \u3000]){40,}',
             "letter-spaced justified lines are not collapsed"),
    # -- unwrap: paragraph pages
    Mutation("unwrap.pdf-join", L, "        return False  # a long line ending on a colon introduces what follows\n    return True\n",
             "        return False  # a long line ending on a colon introduces what follows\n    return False\n",
             "pieces that end no sentence are not joined"),
    Mutation("unwrap.pdf-sentence-end", L, "    if a & ENDED:\n        return False\n    if (widths[i] <= p.heading_max",
             "    if False:\n        return False\n    if (widths[i] <= p.heading_max",
             "a piece ending a sentence does not close its paragraph"),
    Mutation("unwrap.heading-width", L, "if (widths[i] <= p.heading_max and not a & (SOFT | PAREN)", "if (widths[i] <= 5 and not a & (SOFT | PAREN)",
             "only a very short piece can be a heading"),
    Mutation("unwrap.heading-before-body", L, "and widths[i + 1] > p.long\n", "and widths[i + 1] > 2 * p.long\n",
             "a heading needs a much longer line after it"),
    Mutation("unwrap.heading-run", L, "or i - k >= p.heading_lines:", "or i - k > 0:", "a heading is one piece only"),
    Mutation("unwrap.colon", L, "if a & COLON_END and widths[i] > p.long:", "if False:",
             "a long line ending on a colon joins what follows"),
    # -- unwrap: decks, captions, bylines, markup
    Mutation("unwrap.deck-width", L, "longest = 2 * p.long if column_page else p.long", "longest = p.long",
             "a column page's headline is as short as a paragraph page's"),
    Mutation("unwrap.deck-at-end", L, "after_ok = j == n or _starts_block(kinds, bits, j)",
             "after_ok = j < n and _starts_block(kinds, bits, j)", "no deck at the end of a page"),
    Mutation("unwrap.deck-before-byline", L, "return kinds[i] in (BYLINE, TITLE) or bool(bits[i] & DATELINE)",
             "return kinds[i] in (TITLE,) or bool(bits[i] & DATELINE)", "a byline does not end a deck"),
    Mutation("unwrap.deck-before-dateline", L, "return kinds[i] in (BYLINE, TITLE) or bool(bits[i] & DATELINE)",
             "return kinds[i] in (BYLINE, TITLE)", "a dateline does not end a deck"),
    Mutation("unwrap.deck-after-finished", L, "(kinds[i - 1] != TEXT or bool(bits[i - 1] & ENDED))", "True",
             "a deck may start in the middle of a sentence"),
    Mutation("unwrap.deck-statement", L, 'if last in "。；…" or', 'if last in "；…" or',
             "a line ending on 。 may be a headline"),
    Mutation("unwrap.deck-question", L, 'if last in "。；…" or', 'if last in "。；…？" or',
             "a headline may not end on ？"),
    Mutation("unwrap.caption-mark", U, 'elif first in "▲△▼◆" and st.CAPTION_MARK.match(ln.text):', "elif False:",
             "▲ lines are not captions"),
    Mutation("unwrap.caption-lines", L, "caption_lines < caption_max", "caption_lines < 3", "a caption runs on for two more lines"),
    Mutation("unwrap.italic-caption", U, "        elif it:\n", "        elif False:\n", "*italic* lines are not captions"),
    Mutation("unwrap.photo-credit", U, 'elif last in "摄图影发" and st.PHOTO_CREDIT.match(ln.text):', "elif False:",
             "a photographer's credit is body text"),
    Mutation("unwrap.join-into-byline", L, "if ka != TEXT or kb != TEXT or bits[i + 1] & (DATELINE | EDITORS_NOTE):",
             "if ka != TEXT or bits[i + 1] & (DATELINE | EDITORS_NOTE):", "a line may be joined into the byline after it"),
    Mutation("unwrap.join-into-dateline", L, "if ka != TEXT or kb != TEXT or bits[i + 1] & (DATELINE | EDITORS_NOTE):",
             "if ka != TEXT or kb != TEXT or bits[i + 1] & EDITORS_NOTE:", "a line may be joined into the dateline after it"),
    Mutation("unwrap.names-under-deck", U, "i - k <= p.deck_above_names and", "i - k <= 1 and",
             "a bare name is a byline only under a one-line headline"),
    Mutation("unwrap.deck-opens-on-dash", U, '            and not lines[k + 1].text.startswith("——")\n', "\n",
             "——编者 may open the deck over a bare name"),
    Mutation("unwrap.unlisted-names", U, "if st.bare_names(ln.text) or st.unlisted_names(ln.text):",
             "if st.bare_names(ln.text):", "a name with an uncommon surname is never a byline"),
    Mutation("unwrap.unlisted-anywhere", U, "or (prev.ended and nxt.kind == \"text\")) and st.bare_names(ln.text):",
             "or (prev.ended and nxt.kind == \"text\")) and (st.bare_names(ln.text) or st.unlisted_names(ln.text)):",
             "a name with an uncommon surname is a byline wherever a common one is"),
    Mutation("unwrap.no-mark-paragraph-end", L, "if para_open and narrow and not ended and widths[i + 1] + p.indent_slack <= w:",
             "if False:", "a short line ending on no mark goes on into the next"),
    Mutation("unwrap.md-level", U, 'if ln.md_level == 2 and (nxt.kind == "byline"', 'if ln.md_level == 3 and (nxt.kind == "byline"',
             "## before a byline is a sub-heading, not a headline"),
    Mutation("unwrap.latin-space", U, 'parts.append(" ")', 'parts.append("")', "New / York joins as NewYork"),
    # -- structure
    Mutation("structure.sentence-end-window", T, "SENTENCE_END.search(t[-PARAMS.sentence_tail:])", "SENTENCE_END.search(t[-2:])",
             "a sentence end seen only in the last two characters"),
    Mutation("structure.byline-length", T, "len(s) > PARAMS.byline_longest", "len(s) > 12", "long bylines are not bylines"),
    Mutation("structure.padded-name", T, "if (len(t) == 1 and _ONE_HAN.match(t)", "if (len(t) == 9 and _ONE_HAN.match(t)",
             "王  刚 is two names"),
    Mutation("structure.byline-needs-role", T, "if not (bullet or has_role):", "if not bullet:",
             "a byline must start with a bullet"),
    Mutation("structure.reporter-role", T, 'if role.endswith("记者"):', 'if role.endswith("记者者"):',
             "本报驻京记者 keeps its whole role"),
    Mutation("structure.dateline", T, "return DATELINE.match(t) if t.startswith(DATELINE_HEADS) else None", "return None",
             "no datelines at all"),
    # -- segment
    Mutation("segment.glued-author", S, "<= len(g.group(1)) <= p.glued_name_max", "<= len(g.group(1)) <= 4", "four Han after a sentence end are an author"),
    Mutation("segment.glued-author-length", S, "len(body[-1][1]) > p.glued_body_min", "len(body[-1][1]) > 2000",
             "no glued author is ever taken"),
    Mutation("segment.titles-after", S, 'return bool(opens and units[-1][0] == "deck")', "return False",
             "headlines are always before their bodies"),
    Mutation("segment.kicker", S, 'kicker = " ".join(mains[:-1]) or None', "kicker = None", "kickers are dropped"),
    Mutation("segment.dateline-authors", S, "if names and not authors:", "if False:",
             "authors named in the dateline are not taken"),
    Mutation("segment.closing-dateline", S, "    if closing:\n", "    if False:\n",
             "the reporters a closing dateline names are not taken"),
    Mutation("segment.byline-after-body", S, "if cur is None or cur.closed or cur.body or (after and cur.authors):",
             "if cur is None or cur.closed or (after and cur.authors):", "a byline after body text continues the article"),
    # -- issue 14, pages not tuned to: datelines spread apart, bylines, signatures, headlines under bylines
    Mutation("structure.dateline-spread-digits", T, '_DAY = r"\\d(?:[ \\u3000]?\\d)?"', '_DAY = r"\\d{1,2}"',
             "a dateline whose digits OCR spread apart (9月2 2日电) is no dateline"),
    Mutation("unwrap.letter-spaced-wide-space", U, r'(?:\S[ \u3000]{1,3}){4,}', r'(?:\S[ \u3000]){4,}',
             "a letter-spaced line holding a wider space (本 报 讯   两 岸) is left spread"),
    Mutation("structure.one-rare-among", T, "if rare and (len(rare) > 1 or len(tokens) < p.one_rare_among",
             "if rare and (True or len(tokens) < p.one_rare_among", "every bare name needs a common surname again"),
    Mutation("segment.compiled-by", S, "            if st.bare_names(who) or COMPILER_BODY.fullmatch(who):",
             "            if False:", "who compiled an article (…整理) is not its author"),
    Mutation("segment.compiled-by-a-person", S, "            if st.bare_names(who) or COMPILER_BODY.fullmatch(who):",
             "            if True:", "whatever precedes 整理 is its compiler (根据录音)"),
    Mutation("segment.signer-not-place", S, 'if name[-1] in "市省县区州" or st.is_place(name):',
             'if name[-1] in "市省县区州":', "a place the corpus names (石家庄) signs a letter"),
    Mutation("structure.name-words", T, "if (rare and words) or 2 * words >= len(tokens):", "if False:",
             "a spaced line of words (安全 生产 常抓, 方法 路径 成效) is a line of names"),
    Mutation("segment.reader-signature", S, "if k == len(tail) - 1 and (m := SIGNED.match(text))",
             "if False and (m := SIGNED.match(text))", "a reader's place and name do not sign the letter"),
    Mutation("unwrap.deck-under-byline", L, "            if i > 0 and kinds[i - 1] == BYLINE and (i == 1 or",
             "            if False and (i == 1 or", "a headline under a byline is read only when set across columns"),
    Mutation("unwrap.deck-under-byline-page-end", L, "                    and bits[n - 1] & ENDED:",
             "                    and True:", "a page ending on a headline gets headlines under its bylines too"),
    Mutation("unwrap.deck-under-byline-label", L, "or col[k] * p.after_byline_share < widths[k]",
             "or 0 < widths[k]", "a short label under a byline (核心阅读) is taken for a headline"),
    Mutation("unwrap.deck-under-byline-first-line", L, "wide = list(takewhile(lambda q: unlike_first(q[0]), pieces))",
             "wide = list(takewhile(lambda q: all(unlike_first(k) for k in range(*q)), pieces))",
             "every line of a headline broken in its brackets must look unlike a first line"),
    Mutation("unwrap.comma-broken", L, "        return k + 1  # a headline broken after its comma",
             "        return None  # a headline broken after its comma", "a headline broken at its comma is never one"),
    Mutation("unwrap.comma-broken-byline", L, "    if (i and kinds[i - 1] == BYLINE) or bits[i] & DASH_START:",
             "    if bits[i] & DASH_START:", "a paragraph's first line on a comma under a byline reads as a headline"),
    Mutation("unwrap.comma-run", L, "        if commas and len(pieces) > p.opening_deck:", "        if False:",
             "a comma break joins a paragraph's column lines into a deck of any length"),
    # -- pipeline
    Mutation("pipeline.passes", P, "MAX_PASSES = 8 ", "MAX_PASSES = 1 ", "a rule file is not run to its fixed point"),
    Mutation("pipeline.page-before-unwrap", P, 'at = known.index("unwrap")', "at = len(stages)",
             "an added page-scope file runs after unwrap"),
    Mutation("pipeline.segment-last", P, 'if "segment" in names and names[-1] != "segment":', "if False:",
             "segment may stand anywhere in the list"),
    Mutation("pipeline.scopes", P, "        self._check_scopes(stages, where)\n", "",
             "a page-scope file may run after unwrap"),
    Mutation("pipeline.no-unwrap", P, "            lines_as_blocks(doc)\n", "            unwrap(doc)\n",
             "a list without unwrap unwraps all the same"),
    Mutation("pipeline.load-order", P, "        if name == anchor:\n            return True", "        if name == anchor:\n            return False",
             "files after one stage run in reverse order"),
    Mutation("pipeline.gap-marker", P, "rules=[r.with_gap(marker) for r in rf.rules]", "rules=list(rf.rules)",
             "the gap_marker setting is ignored"),
    # -- documents that are not news (forms, specifications, transcripts, tabloids)
    Mutation("unwrap.bold-line", U, "    _mark_bold_lines(lines)\n", "",
             "a bold line alone is text again, glued to the next"),
    Mutation("unwrap.empty-fields", L, "            if widths[i] < short:\n                joins[i] = 0",
             "            if widths[i] < short:\n                pass", "a form's empty fields run into one paragraph"),
    Mutation("unwrap.html-block", L, "                joins[i] = 0\n            if i:\n                joins[i - 1] = 0\n",
             "                pass\n", "a one-line HTML table joins the lines around it"),
    Mutation("unwrap.numbered-sections", U, "    _mark_numbered_sections(lines, contents)\n", "",
             "every numbered Markdown headline of a specification starts an article"),
    Mutation("unwrap.contents-leaders", U, "if len(t) <= PARAMS.entry_widest or _LEADER_PAGE.search(t):",
             "if len(t) <= PARAMS.entry_widest:", "a wide entry with a leader and a page number ends the table"),
    Mutation("unwrap.contents-wrapped", U, "            goes_on.update(_entry_goes_on(lines, i, key, entry))\n", "",
             "a heading wrapped like its entry is cut in two"),
    Mutation("unwrap.opening-title", L, "    _mark_opening_title(texts, widths, bits, kinds, col, p)\n", "",
             "a transcript's title line is glued into its first paragraph"),
    Mutation("unwrap.vertical-title", U, "    goes_on |= _mark_vertical_titles(lines)\n", "",
             "a vertical headline's characters are glued into the text"),
    Mutation("segment.note-above-headline", S, "        _move_notes(drafts)\n", "",
             "an editor's note stays with the article before the one it introduces"),
    # -- headlines between bodies (issue 14: articles with neither byline nor dateline)
    Mutation("unwrap.deck-across-columns", L, "        if all(widths[k] > col[k] + p.across_margin for k in range(a, e)):\n            m = x + 1",
             "        if all(widths[k] > col[k] + 40 for k in range(a, e)):\n            m = x + 1",
             "a line set across columns between two bodies is no headline"),
    Mutation("unwrap.deck-retry-after-end", L, "k = next((k for k in range(i + 1, j) if bits[k - 1] & ENDED), j)", "k = j",
             "a deck under a headline-shaped last line of a paragraph is skipped"),
    Mutation("unwrap.names-under-found-deck", U, "late = _names_under_decks(lines, decided)", "late = []",
             "names under a deck broken inside its brackets join the body"),
    Mutation("structure.digit-spaces", T, "            s = _SPACE_IN_DIGITS.sub(\"\", s)\n", "            pass\n",
             "digits spread apart widen a line past its column"),
    # -- documents: titles over short lines, institutions' bylines (issue 14, the four classes)
    Mutation("unwrap.title-over-lines", L, "    while j < n and j - i < p.title_lines_max and narrow(j)", "    while j < n and j - i < 1 and narrow(j)",
             "a document's title set over two or three short lines keeps only its first"),
    Mutation("unwrap.title-under-body-byline", L, "            goes_on |= _title_under(texts, widths, bits, kinds, ref, p, s + 1)\n",
             "            pass\n",
             "a title under a commentator's byline further down the page is a sub-heading"),
    Mutation("unwrap.opening-trim", L, "                pieces, j = pieces[:-1], last[0]\n", "                pass\n",
             "the body's first line is taken into the headline that opens the page"),
    Mutation("unwrap.institution-byline", U, "    _mark_institution_bylines(lines)\n", "",
             "an institution on the line under its title is text"),
    Mutation("structure.several-one-rare", T, "    if len(tokens) > 1 and (len(rare) > 1 or", "    if len(tokens) > 9 and (len(rare) > 1 or",
             "a spaced headline over 本报讯 is read as names"),
    # -- later titles on booklet pages and small misreadings (issue 14)
    Mutation("unwrap.later-titles", U, "        _mark_later_titles(doc, lines, kinds, joins, set(blank))\n", "        pass\n",
             "a later title set as the opening one reads as a sub-heading again"),
    Mutation("unwrap.later-title-sameness", U, "        if cand_blank != open_blank or cand_centred != open_centred \\\n",
             "        if False \\\n", "any short run after a blank line is a title, however set"),
    Mutation("unwrap.split-ellipsis", U, "        bits[i] |= core.GOES_ON\n    listed", "        pass\n    listed",
             "an ellipsis broken at a line's end splits the paragraph"),
    Mutation("unwrap.references", U, "    listed |= _mark_references(lines, bits)\n", "",
             "a reference list's entries run together and turn into headings"),
    Mutation("structure.time-word", T, "        if m.group(\"name\") and time_word(m.group(\"name\")):", "        if False:",
             "记者于日前: a time word is a reporter's name"),
    Mutation("structure.latin-sentence", T, "    return last in \".”’)\" and latin_sentence(t)", "    return False",
             "an English sentence ends nothing"),
]

IGNORE = shutil.ignore_patterns(".venv", ".git", ".hypothesis", ".pytest_cache", "__pycache__", "*.egg-info", "build")


def run_suite(tree: Path, timeout: float) -> tuple[str, str, float]:
    """(outcome, first failing test, seconds) of ``pytest -x -q`` in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"],
                              cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "killed", f"(timeout after {timeout:.0f} s)", time.monotonic() - start
    took = time.monotonic() - start
    if proc.returncode == 0:
        return "survived", "", took
    failed = next((ln.split(" ", 1)[1].split(" - ")[0] for ln in proc.stdout.splitlines()
                   if ln.startswith(("FAILED ", "ERROR "))), f"(exit {proc.returncode})")
    return "killed", failed, took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("only", nargs="*", help="run the mutations whose id starts with one of these")
    ap.add_argument("--list", action="store_true", help="list the mutations and whether each applies")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per test run (a timeout counts as killed)")
    args = ap.parse_args()
    chosen = [m for m in MUTATIONS if not args.only or m.id.startswith(tuple(args.only))]
    ids = [m.id for m in MUTATIONS]
    assert len(ids) == len(set(ids)), "mutation ids are unique"
    if args.list:
        for m in chosen:
            n = (ROOT / m.file).read_text(encoding="utf-8").count(m.old)
            print(f"{m.id:34} {m.file:24} {'applies' if n == 1 else 'gone' if n == 0 else f'{n} matches'}  {m.why}")
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=IGNORE)
        outcome, _, took = run_suite(tree, args.timeout)
        if outcome != "survived":
            print("the unmutated tree fails its tests: fix that first", file=sys.stderr)
            return 2
        print(f"unmutated suite: {took:.1f} s", flush=True)
        for m in chosen:
            path = tree / m.file
            original = path.read_text(encoding="utf-8")
            n = original.count(m.old)
            if n != 1:
                results.append((m, "gone" if n == 0 else "ambiguous", f"old text found {n} times", 0.0))
            else:
                path.write_text(original.replace(m.old, m.new), encoding="utf-8")
                try:
                    outcome, test, took = run_suite(tree, args.timeout)
                finally:
                    path.write_text(original, encoding="utf-8")
                results.append((m, outcome, test, took))
            m_, outcome, test, took = results[-1]
            print(f"{outcome:9} {m.id:34} {took:6.1f} s  {test}", flush=True)
    applied = [r for r in results if r[1] in ("killed", "survived")]
    killed = [r for r in applied if r[1] == "killed"]
    print()
    for m, outcome, _t, _s in results:
        if outcome != "killed":
            print(f"{outcome}: {m.id} ({m.file}): {m.why}")
    print(f"mutation score: {len(killed)}/{len(applied)} killed"
          + (f" = {len(killed) / len(applied):.2f}" if applied else "")
          + (f"; {len(results) - len(applied)} no longer apply" if len(results) > len(applied) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
