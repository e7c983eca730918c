"""The `cleaner` command through main(argv) and as a real process (`python -m cleaner`, the script)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import __version__, clean, clean_document
from cleaner.cli import main

PAGE = "\n".join(
    [
        "Home",
        "News",
        "Council approves the new bridge over the river",
        *(
            f"The city council voted on Tuesday to approve the construction of a new bridge, ending a debate "
            f"that had lasted for more than three years. Paragraph {k} adds detail about the cost."
            for k in range(4)
        ),
        "Leave a Reply",
        "Copyright 2024 Example News",
    ]
) + "\n"

GOOD_RULES = """[ruleset]
id = "my-site"
scope = "generic"

[[rule]]
id = "my-site.promo"
category = "ad"
action = "drop"
match = "line"
phrases = ["Buy our mugs"]
reason = "shop promotion"
examples = ["BUY OUR MUGS"]
"""

BAD_RULES = """[ruleset]
id = "my-site"
scope = "generic"

[[rule]]
id = "my-site.promo"
category = "ad"
action = "drop"
match = "line"
phrases = ["Buy our mugs"]
reason = "shop promotion"
examples = ["Buy our cups"]
"""


def run(*args, stdin: bytes | None = None, exe=(sys.executable, "-m", "cleaner")):
    return subprocess.run([*exe, *args], input=stdin, capture_output=True, timeout=120)


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out
    for argv in (["--help"], ["batch", "--help"], ["clean", "--help"], ["explain", "--help"], ["rules", "--help"],
                 ["rules", "list", "--help"], ["rules", "check", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        assert "usage: cleaner" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_clean_file_and_stdin(page):
    expected = (clean(PAGE) + "\n").encode()
    assert run("clean", str(page)).stdout == expected
    done = run("clean", "-", stdin=PAGE.encode())
    assert done.returncode == 0 and done.stdout == expected
    assert b"Leave a Reply" not in done.stdout


def test_clean_json(page, capsysbinary):
    assert main(["clean", "--json", str(page)]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert data == json.loads(json.dumps(clean_document(PAGE).to_dict()))
    assert any(r["text"] == "Leave a Reply" and r["rule"] and r["reason"] for r in data["removed"])


def test_clean_kind_and_url_are_passed(page, capsysbinary):
    assert main(["clean", "--json", "--kind", "text", "--url", "https://example.com/a", str(page)]) == 0
    assert json.loads(capsysbinary.readouterr().out)["kind"] == "text"
    with pytest.raises(SystemExit) as exc:
        main(["clean", "--kind", "pdf", str(page)])
    assert exc.value.code == 2


def test_clean_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: no such file" in capsys.readouterr().err


def test_clean_with_user_rules(tmp_path, capsysbinary):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(GOOD_RULES)
    page = tmp_path / "p.txt"
    page.write_text(PAGE.replace("Leave a Reply", "Buy our mugs"), encoding="utf-8")
    assert main(["clean", "--json", "--rules", str(rules), str(page)]) == 0
    removed = json.loads(capsysbinary.readouterr().out)["removed"]
    assert {"index": 7, "text": "Buy our mugs", "rule": "my-site.promo", "reason": "shop promotion"} in removed


def test_rules_check_good_and_bad(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "mine.toml").write_text(GOOD_RULES)
    (bad / "mine.toml").write_text(BAD_RULES)
    done = run("rules", "check", str(good))
    assert done.returncode == 0 and b"1 rule sets, 1 rules" in done.stderr
    done = run("rules", "check", str(bad))
    assert done.returncode == 2
    assert f"{bad / 'mine.toml'}:12: rule 'my-site.promo': example does not match: 'Buy our cups'".encode() in done.stderr
    done = run("rules", "check", str(tmp_path / "missing"))
    assert done.returncode == 2 and b"no such rule file or folder" in done.stderr


def test_rules_check_refuses_a_builtin_id(tmp_path, capsys):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "x.toml").write_text(GOOD_RULES.replace('id = "my-site.promo"', 'id = "phrases-en.comment-heading"'))
    assert main(["rules", "check", str(folder)]) == 2
    assert "already used by a built-in rule" in capsys.readouterr().err


def test_rules_list(tmp_path, capsysbinary):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(GOOD_RULES)
    assert main(["rules", "list", "--rules", str(rules)]) == 0
    out = capsysbinary.readouterr().out.decode()
    lines = out.splitlines()
    assert lines[0].split() == ["id", "scope", "rules", "file"]
    assert lines[1].split() == ["my-site", "generic", "1", str(rules / "mine.toml")]
    assert any(line.split()[:2] == ["phrases-en", "generic"] for line in lines)


def test_batch_as_a_process_exit_codes(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(PAGE, encoding="utf-8")
    (src / "sub" / "b.txt").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    done = run("batch", str(src), str(out), "-j", "2", "--no-learn")
    assert done.returncode == 0, done.stderr
    assert b"2 files: 2 cleaned, 0 skipped, 0 failed" in done.stderr
    assert b"\r" not in done.stderr  # no progress bar when stderr is not a terminal
    assert (out / "sub" / "b.txt").read_text(encoding="utf-8") == clean(PAGE) + "\n"

    done = run("batch", str(src), str(out), "-q")
    assert done.returncode == 0 and done.stderr == b""  # quiet, and everything was skipped

    (src / "c.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    done = run("batch", str(src), str(out))
    assert done.returncode == 1 and b"c.txt: binary file" in done.stderr

    done = run("batch", str(src), str(src / "out"))
    assert done.returncode == 2 and b"must not be the input folder or inside it" in done.stderr
    assert not (src / "out").exists()


@pytest.mark.skipif(shutil.which("cleaner") is None, reason="the cleaner script is not installed (pip install -e .)")
def test_the_installed_script(page):
    done = run("clean", str(page), exe=(shutil.which("cleaner"),))
    assert done.returncode == 0 and done.stdout == (clean(PAGE) + "\n").encode()
    done = run("--version", exe=(shutil.which("cleaner"),))
    assert done.returncode == 0 and __version__.encode() in done.stdout


def test_output_is_utf8_whatever_the_locale(tmp_path):
    page = tmp_path / "fr.txt"
    text = PAGE.replace("Paragraph 1 adds", "Le conseil municipal a voté « oui » à l'unanimité, dit-il, après débat. Paragraph 1 adds")
    page.write_text(text, encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "cleaner", "clean", str(page)], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0
    assert "« oui »".encode() in done.stdout
