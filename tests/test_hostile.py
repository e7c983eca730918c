"""Hostile input and hostile rule files: nothing hangs, nothing runs.

- a rule whose pattern backtracks catastrophically on a backtracking engine
  runs in linear time (RE2);
- rule files are data: Python code, `__import__`, YAML `!!python` tags in
  their strings stay text, and Python files beside them are never imported;
- tomllib bombs (deep nesting, long dotted keys) are refused before parsing;
- big and degenerate inputs: time grows linearly (measured against a smaller
  input, never an absolute figure), a single 2 MB line, HTML nested 100,000
  levels, NUL bytes, empty and whitespace-only input.

The full-size runs (1-100 MB, 20 MB line) are bench/scale.py.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
import time
from pathlib import Path

import pytest

import cleaner.rules
from cleaner import RuleError, clean, clean_document
from cleaner.rules import Matcher, load_paths
from cleaner.normalize import normalize

HTML_SUPPORTED = importlib.util.find_spec("cleaner.html") is not None
needs_html = pytest.mark.skipif(not HTML_SUPPORTED, reason="HTML input (cleaner/html.py) is not available yet")

PROSE = "The minister said on Tuesday that the new budget would be presented to parliament next week, officials said."


def rule_file(tmp_path: Path, name: str, rules: str, set_id: str = "hostile") -> str:
    path = tmp_path / name
    path.write_text(f'[ruleset]\nid = "{set_id}"\nscope = "generic"\n\n' + textwrap.dedent(rules), encoding="utf-8")
    return str(path)


def seconds(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


# ------------------------------------------------------------------ regex


BACKTRACKING = """\
[[rule]]
id = "bt"
category = "other"
action = "drop"
match = "regex"
pattern = '(a+)+$'
max_chars = 1000000
reason = "catastrophic on a backtracking engine"
examples = ["aaa"]
counter_examples = ["aaab"]
"""


def test_catastrophic_pattern_is_linear(tmp_path):
    (ruleset,) = load_paths([rule_file(tmp_path, "bt.toml", BACKTRACKING)])
    matcher = Matcher([ruleset])
    # Python's re takes longer than the age of the universe on this; RE2 is linear
    assert seconds(matcher.match, normalize("a" * 100_000 + "b")) < 2.0
    assert matcher.match(normalize("a" * 100_000)) is not None
    # and through clean(): the run of a's is one block among prose
    page = f"{PROSE}\n{'a' * 100_000}b\n{PROSE} Again."
    assert seconds(clean, page, rules=[ruleset]) < 10.0


def test_many_patterns_on_many_blocks(tmp_path):
    rules = "\n".join(
        BACKTRACKING.replace('id = "bt"', f'id = "bt{i}"').replace("(a+)+$", f"(a+)+{'x' * i}$").replace('"aaa"', f'"aaa{"x" * i}"')
        for i in range(30)
    )
    (ruleset,) = load_paths([rule_file(tmp_path, "many.toml", rules)])
    page = "\n".join(("a" * 150 + "b") if i % 2 else PROSE for i in range(400))
    assert isinstance(clean(page, rules=[ruleset]), str)


# ------------------------------------------------------------------ data only


EVIL_STRINGS = [
    "__import__('os').system('touch {marker}')",
    "!!python/object/apply:os.system ['touch {marker}']",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}",
    "$(touch {marker})",
    "`touch {marker}`",
    "eval(compile('open(\"{marker}\", \"w\")', 'x', 'exec'))",
]


def test_rule_file_strings_are_only_text(tmp_path, monkeypatch):
    marker = tmp_path / "executed"
    phrases = [s.format(marker=marker) for s in EVIL_STRINGS]
    toml_list = "[" + ", ".join("'" + p.replace("'", "") + "'" for p in phrases) + "]"
    plain = [p.replace("'", "") for p in phrases]
    path = rule_file(tmp_path, "evil.toml", f"""\
        [[rule]]
        id = "evil"
        category = "other"
        action = "drop"
        match = "line"
        phrases = {toml_list}
        reason = "!!python/name:os.system"
        examples = {toml_list}
        """)
    imported = []
    real_import = __builtins__["__import__"] if isinstance(__builtins__, dict) else __builtins__.__import__

    def spy(name, *args, **kwargs):
        imported.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", spy)
    (ruleset,) = load_paths([path])
    page = "\n".join([PROSE] + plain + [PROSE + " Again."])
    out = clean(page, rules=[ruleset])
    monkeypatch.undo()
    assert not marker.exists()
    assert not [m for m in imported if m.split(".")[0] in ("os", "subprocess", "yaml", "pickle", "marshal")]
    # the strings did what a phrase does, nothing more: those lines matched and went
    assert ruleset.rules[0].reason == "!!python/name:os.system"
    for p in plain:
        assert p not in out.split("\n\n")
    assert PROSE in out


def test_python_files_beside_rule_files_are_not_imported(tmp_path):
    marker = tmp_path / "imported"
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("__init__.py", "conftest.py", "evil.py", "evil.toml.py"):
        (folder / name).write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    rule_file(folder, "ok.toml", BACKTRACKING)
    before = set(sys.modules)
    (ruleset,) = load_paths([folder])
    assert ruleset.id == "hostile"
    assert not marker.exists()
    assert not [m for m in set(sys.modules) - before if "evil" in m or m == "rules"]


def test_loader_only_parses_with_tomllib():
    """No eval/exec/import machinery or other deserialiser in the loader's code."""
    source = Path(cleaner.rules.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("eval", "exec", "compile", "__import__"), node.func.id
    assert imported <= {"__future__", "functools", "os", "re", "tomllib", "dataclasses", "pathlib", "urllib", "re2", "normalize", ""}, imported
    assert not {"yaml", "pickle", "marshal", "importlib", "runpy", "subprocess", "json"} & imported


# ------------------------------------------------------------------ tomllib bombs


def test_long_dotted_key_is_refused_fast(tmp_path):
    # tomllib spends time and memory quadratic in a dotted key's parts:
    # 100,000 parts would take tens of GB
    path = tmp_path / "dots.toml"
    path.write_text('[ruleset]\nid = "x"\nscope = "generic"\n' + "a" + ".a" * 100_000 + " = 1\n", encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(RuleError, match=rf"{path}:4: more than \d+ dots outside strings"):
        load_paths([path])
    assert time.perf_counter() - start < 2.0


def test_deep_inline_tables_are_refused(tmp_path):
    path = tmp_path / "inline.toml"
    path.write_text("x = " + "{a=" * 100_000 + "1" + "}" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match=rf"{path}:1: arrays or tables nested more than"):
        load_paths([path])


def test_oversized_rule_file_is_refused(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + b"x" * (cleaner.rules.MAX_RULE_FILE_BYTES + 10) + b"\n")
    with pytest.raises(RuleError, match=rf"{path}: rule file is larger than"):
        load_paths([path])


def test_dots_and_brackets_inside_strings_are_fine(tmp_path):
    path = rule_file(tmp_path, "strings.toml", """\
        [[rule]]
        id = "dots"
        category = "other"
        action = "drop"
        match = "regex"
        pattern = '^[.]{0,3}[[(]?a.b.c.d.e.f.g.h.i.j.k[])]?$'   # [[[[ ... in a comment
        reason = "dots and brackets in a pattern"
        examples = ["a.b.c.d.e.f.g.h.i.j.k"]
        """)
    (ruleset,) = load_paths([path])
    assert ruleset.rules[0].pattern.startswith("^[.]")


# ------------------------------------------------------------------ size


def make_dump(n_pages: int) -> str:
    page = [
        "Accueil", "Politique", "  Économie", "",
        "Le gouvernement présente une réforme n°{n}",
        "Le gouvernement a présenté mercredi une réforme très contestée, a déclaré la Première ministre devant l'Assemblée.",
        "spot_img", "Publicité",
        f"{PROSE} Number {{n}}.",
        "Articles connexes", "Un autre titre {n}", "Leave a Reply", "© 2026 Exemple.", "",
    ]
    return "".join("\n".join(page).replace("{n}", str(n)) + "\n" for n in range(n_pages))


def best_of(n: int, fn, *args) -> float:
    return min(seconds(fn, *args) for _ in range(n))


def test_time_is_linear_in_dump_size():
    # ~0.025 MB and ~0.25 MB: enough blocks (5,000) for a quadratic step to show
    # as ~100x instead of ~10x, small enough for a test (bench/scale.py does 1-100 MB)
    small = make_dump(120)
    big = make_dump(1200)
    assert len(big) > 9 * len(small)
    t_small = best_of(2, clean, small)
    t_big = best_of(1, clean, big)
    # linear: ~10x; quadratic: ~100x. The machine is shared, so the bound is generous.
    assert t_big < 30 * t_small + 1.0, (t_small, t_big)


def test_single_long_line_is_linear():
    sentence = "The minister said the plan, which costs 3 billion euros, would pass. "
    small = sentence * (200_000 // len(sentence))
    big = sentence * (2_000_000 // len(sentence))  # a 2 MB single line
    t_small = best_of(2, clean, small)
    t_big = best_of(1, clean, big)
    assert t_big < 30 * t_small + 1.0, (t_small, t_big)
    assert clean(big) in ("", big.strip())  # one block: kept whole or removed whole


@pytest.mark.parametrize(
    "filler",
    [" ", "-", "…", "*"],
    ids=["spaces", "dashes", "ellipses", "stars"],
)
def test_a_long_run_of_marks_inside_a_block_is_linear(filler):
    # the block's ends are stripped of marks and its last words compared with
    # read-more labels: a run of marks inside it must not be scanned again
    # from each of its positions
    def block(k):
        return f"{PROSE}\n{PROSE}{filler * k}Read more\n{PROSE} Again."

    t_small = best_of(2, clean, block(4_000))
    t_big = best_of(1, clean, block(40_000))
    assert t_big < 30 * t_small + 1.0, (t_small, t_big)


@pytest.mark.parametrize(
    "x",
    ["", b"", " \t\n" * 10_000, b"\x00" * 1_000_000, "\x00" * 100_000, "\n" * 1_000_000, b"\xff" * 100_000],
    ids=["empty", "empty-bytes", "whitespace", "nul-bytes", "nul-text", "newlines", "ff-bytes"],
)
def test_degenerate_files(x):
    doc = clean_document(x)
    assert isinstance(doc.text, str)
    if isinstance(x, str) and not x.strip():
        assert doc.text == "" and doc.kept == () and doc.removed == ()


@needs_html
def test_html_nested_100000_levels():
    deep = "<html><body>" + "<div>" * 100_000 + PROSE + "</div>" * 100_000 + "</body></html>"
    start = time.perf_counter()
    out = clean(deep)
    assert time.perf_counter() - start < 60
    assert isinstance(out, str)


@needs_html
def test_html_nested_100000_levels_unclosed():
    deep = "<html><body>" + "<span><b>" * 50_000 + PROSE
    assert isinstance(clean(deep, kind="html"), str)


def test_deep_markup_read_as_text():
    # the same markup through the text path: one huge block, no recursion anywhere
    deep = "<div>" * 100_000 + PROSE + "</div>" * 100_000
    assert isinstance(clean(deep, kind="text"), str)


def test_a_block_extending_the_headline_with_long_words_is_judged_fast():
    # the page-title test reads what follows the headline word by word; a
    # pattern that could split words would take hours on this block
    headline = "Storm hits the coast overnight"
    tail = " ".join(["x" * 200] * 8) + "."
    page = "\n".join([headline, PROSE, f"{headline} - {tail}", PROSE + " Again."])
    assert seconds(clean, page) < 5.0
