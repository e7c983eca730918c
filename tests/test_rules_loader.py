"""Rule files with problems: every problem is reported as `file:line: problem`
with the line where it is, all problems of a load at once, and nothing loads."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from cleaner import RuleError, clean, clean_document
from cleaner.rules import MAX_NESTING, load_file, load_paths

HEAD = """\
[ruleset]
id = "{set_id}"
scope = "generic"
"""

RULE = """\
[[rule]]
id = "{rule_id}"
category = "ad"
action = "drop"
match = "line"
phrases = ["Sponsored content"]
reason = "ad label"
examples = ["SPONSORED CONTENT"]
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def problems(paths) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_paths(paths)
    lines = str(info.value).splitlines()
    assert lines == info.value.problems
    for line in lines:
        assert re.match(r"^.+?(:\d+)?: \S", line), f"not file:line: problem: {line!r}"
    return lines


def line_of(path: str, text: str) -> int:
    """1-based number of the first line of the file containing text."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_a_good_file_loads_and_applies(tmp_path):
    path = write(tmp_path, "ok.toml", HEAD.format(set_id="mine") + RULE.format(rule_id="mine.ad"))
    (ruleset,) = load_paths([path])
    assert ruleset.id == "mine" and [r.id for r in ruleset.rules] == ["mine.ad"]
    assert ruleset.rules[0].where == f"{path}:4"
    prose = "The minister said on Tuesday that the new budget would be presented to parliament next week."
    page = f"{prose}\nSponsored content\n{prose} Again."
    without = clean_document(page)
    assert "mine.ad" not in [r.rule for r in without.removed]
    with_rules = clean_document(page, rules=path)
    assert [r.text for r in with_rules.removed if r.rule == "mine.ad"] == ["Sponsored content"]


def test_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, "bad.toml", HEAD.format(set_id="s") + RULE.format(rule_id="r") + 'oops = "unclosed\n')
    (problem,) = problems([path])
    assert problem.startswith(f"{path}:{line_of(path, 'oops')}: invalid TOML")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes((HEAD.format(set_id="s") + RULE.format(rule_id="r")).replace("Sponsored", "Sponsoré").encode("latin-1"))
    (problem,) = problems([str(path)])
    assert problem.startswith(f"{path}: rule file is not UTF-8")


def test_unknown_keys(tmp_path):
    text = HEAD.format(set_id="s") + 'colour = "red"\n' + RULE.format(rule_id="r") + 'weight = 3\n[extra]\nx = 1\n'
    path = write(tmp_path, "unknown.toml", text)
    found = problems([path])
    assert f"{path}:{line_of(path, 'colour')}: unknown key 'colour' in [ruleset]" in found
    assert f"{path}:{line_of(path, 'weight')}: unknown key 'weight' in [[rule]]" in found
    assert any(p.startswith(f"{path}:") and "unknown top-level key 'extra'" in p for p in found)


@pytest.mark.parametrize("key", ["id", "category", "action", "match", "reason", "examples"])
def test_missing_required_key(tmp_path, key):
    rule = "\n".join(l for l in RULE.format(rule_id="r").splitlines() if not l.startswith(f"{key} ="))
    path = write(tmp_path, "missing.toml", HEAD.format(set_id="s") + "\n" + rule + "\n")
    found = problems([path])
    assert any(p.startswith(f"{path}:{line_of(path, '[[rule]]')}: missing required key '{key}'") for p in found), found


def test_missing_ruleset_table(tmp_path):
    path = write(tmp_path, "nohead.toml", RULE.format(rule_id="r"))
    assert problems([path]) == [f"{path}:1: missing [ruleset] table"]


def test_missing_phrases_and_pattern(tmp_path):
    rule = RULE.format(rule_id="r").replace('phrases = ["Sponsored content"]\n', "")
    path = write(tmp_path, "nophrases.toml", HEAD.format(set_id="s") + rule)
    (problem,) = [p for p in problems([path]) if "needs a non-empty list of phrases" in p]
    assert problem.startswith(f"{path}:{line_of(path, '[[rule]]')}:")


def test_duplicate_rule_id_within_a_file(tmp_path):
    text = HEAD.format(set_id="s") + RULE.format(rule_id="dup") + "\n" + RULE.format(rule_id="dup")
    path = write(tmp_path, "dup.toml", text)
    (problem,) = problems([path])
    second = [n for n, l in enumerate(Path(path).read_text().splitlines(), 1) if l == "[[rule]]"][1]
    assert problem == f"{path}:{second}: duplicate rule id 'dup' (also at {path}:4)"


def test_duplicate_ids_across_files(tmp_path):
    a = write(tmp_path, "a.toml", HEAD.format(set_id="same") + RULE.format(rule_id="shared"))
    b = write(tmp_path, "b.toml", HEAD.format(set_id="same") + RULE.format(rule_id="shared"))
    found = problems([a, b])
    assert f"{b}: duplicate ruleset id 'same' (also in {a})" in found
    assert f"{b}:4: duplicate rule id 'shared' (also at {a}:4)" in found
    # the same through a folder
    assert sorted(problems([str(tmp_path)])) == sorted(found)


def test_user_rule_id_clashing_with_a_builtin_one_is_reported(tmp_path):
    from cleaner.rules import load_builtin

    builtin_rule = load_builtin()[0].rules[0]
    path = write(tmp_path, "clash.toml", HEAD.format(set_id="mine") + RULE.format(rule_id=builtin_rule.id))
    # a user set alone loads; loaded together with the built-in folders the clash is named
    load_paths([path])
    from cleaner.rules import BUILTIN_DIR, BUILTIN_FOLDERS

    folders = [str(BUILTIN_DIR / f) for f in BUILTIN_FOLDERS if any((BUILTIN_DIR / f).glob("*.toml"))]
    found = problems(folders + [path])
    assert f"{path}:4: duplicate rule id {builtin_rule.id!r} (also at {builtin_rule.where})" in found


def test_example_that_does_not_match(tmp_path):
    rule = RULE.format(rule_id="r").replace('examples = ["SPONSORED CONTENT"]', 'examples = ["SPONSORED CONTENT", "Sponsored by ACME"]')
    path = write(tmp_path, "example.toml", HEAD.format(set_id="s") + rule)
    assert problems([path]) == [f"{path}:{line_of(path, 'examples')}: rule 'r': example does not match: 'Sponsored by ACME'"]


def test_counter_example_that_matches(tmp_path):
    rule = RULE.format(rule_id="r") + 'counter_examples = ["Sponsored Content!"]\n'
    path = write(tmp_path, "counter.toml", HEAD.format(set_id="s") + rule)
    assert problems([path]) == [
        f"{path}:{line_of(path, 'counter_examples')}: rule 'r': counter-example matches: 'Sponsored Content!'"
    ]


def test_bad_values(tmp_path):
    rule = (
        RULE.format(rule_id="r")
        .replace('category = "ad"', 'category = "spam"')
        .replace('action = "drop"', 'action = "explode"')
        + "max_chars = -1\n"
    )
    path = write(tmp_path, "values.toml", HEAD.format(set_id="s").replace('"generic"', '"global"') + rule)
    found = problems([path])
    assert f"{path}:{line_of(path, 'scope')}: scope must be one of generic, theme, site, not 'global'" in found
    assert any(p.startswith(f"{path}:{line_of(path, 'category')}: category must be one of") for p in found)
    assert any(p.startswith(f"{path}:{line_of(path, 'action')}: action must be one of") for p in found)
    assert f"{path}:{line_of(path, 'max_chars')}: max_chars must be a whole number >= 1" in found


def test_problems_of_several_files_are_reported_together(tmp_path):
    a = write(tmp_path, "a.toml", "this is not toml\n")
    b = write(tmp_path, "b.toml", RULE.format(rule_id="r"))
    found = problems([a, b])
    assert len(found) == 2 and found[0].startswith(f"{a}:1: invalid TOML") and found[1].startswith(f"{b}:1:")


def test_missing_file_and_folder(tmp_path):
    missing_file = str(tmp_path / "nope.toml")
    missing_dir = str(tmp_path / "nodir")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    found = problems([missing_file, missing_dir, str(empty_dir)])
    assert found == [
        f"{missing_file}: no such rule file or folder",
        f"{missing_dir}: no such rule file or folder",
        f"{empty_dir}: no *.toml rule files in this folder",
    ]
    with pytest.raises(RuleError, match="no such rule file"):
        clean("Some text.", rules=missing_file)


def test_load_file_on_a_folder_named_toml(tmp_path):
    folder = tmp_path / "x.toml"
    folder.mkdir()
    with pytest.raises(RuleError, match=r"cannot read rule file"):
        load_file(folder)


@pytest.mark.parametrize(
    "pattern, why",
    [
        (r"(a)\1", "backreferences are not supported"),
        (r"foo(?=bar)", "lookahead and lookbehind are not supported"),
        (r"(?<!x)foo", "lookahead and lookbehind are not supported"),
        (r"(?<=x)foo", "lookahead and lookbehind are not supported"),
        (r"(unclosed", "missing )"),
    ],
)
def test_pattern_re2_cannot_run_is_rejected_with_the_reason(tmp_path, pattern, why):
    rule = (
        RULE.format(rule_id="r")
        .replace('match = "line"', 'match = "regex"')
        .replace('phrases = ["Sponsored content"]', f"pattern = '{pattern}'")
    )
    path = write(tmp_path, "re.toml", HEAD.format(set_id="s") + rule)
    (problem,) = problems([path])
    assert problem.startswith(f"{path}:{line_of(path, 'pattern')}: pattern does not compile under RE2")
    assert why in problem
    assert "b'" not in problem  # RE2's message as text, not a bytes repr


def test_nesting_too_deep_is_refused_before_parsing(tmp_path):
    deep = "x = " + "[" * 100_000 + "]" * 100_000
    path = write(tmp_path, "deep.toml", HEAD.format(set_id="s") + RULE.format(rule_id="r") + deep + "\n")
    (problem,) = problems([path])
    assert problem == f"{path}:{line_of(path, 'x = ')}: arrays or tables nested more than {MAX_NESTING} levels deep"


def test_moderate_nesting_is_plain_toml(tmp_path):
    # nesting within the limit parses; the unknown key is what is wrong
    path = write(tmp_path, "nest.toml", HEAD.format(set_id="s") + "x = " + "[" * 10 + "]" * 10 + "\n" + RULE.format(rule_id="r"))
    assert problems([path]) == [f"{path}:4: unknown key 'x' in [ruleset]"]


def test_a_stock_photo_credit_outranks_the_source_line_keep_rule():
    from cleaner import pipeline
    from cleaner.normalize import normalize
    from cleaner.rules import Matcher

    matcher = Matcher(pipeline.default_rulesets())
    credit = "Quelle: jorisvo / Fotolia.com"
    assert matcher.match(normalize(credit), credit).category == "stock-photo-credit"
    # an agency's credit line keeps its attribution
    for line in ("Quelle: dpa/lno", "AFP/dpa", "Source : BFMTV"):
        assert matcher.match(normalize(line), line).action == "keep", line
