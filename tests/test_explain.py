"""`cleaner explain`: every block with its verdict, for a terminal and as an HTML page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

from cleaner import clean_document
from cleaner.api import resolve_rulesets
from cleaner.cli import main
from cleaner.explain import explain, format_html, format_terminal

PAGE = "\n".join(
    [
        "Home",
        "News",
        "Weather <script>alert('x')</script> & more",
        "Council approves the new bridge over the river",
        *(
            f"The city council voted on Tuesday to approve the construction of a new bridge, ending a debate "
            f"that had lasted for more than three years. Paragraph {k} adds detail about the cost."
            for k in range(4)
        ),
        "Leave a Reply",
        "Your email address will not be published.",
        "Copyright 2024 Example News",
    ]
) + "\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_every_block_once_in_order_with_its_verdict():
    doc = clean_document(PAGE)
    lines = explain(doc, resolve_rulesets(None))
    assert [e.index for e in lines] == list(range(len(PAGE.splitlines())))
    assert [e.text for e in lines] == PAGE.splitlines()
    removed = {r.index: r for r in doc.removed}
    for e in lines:
        assert e.kept == (e.index not in removed)
        if not e.kept:
            assert (e.rule, e.reason) == (removed[e.index].rule, removed[e.index].reason)
            assert e.category
    reply = next(e for e in lines if e.text == "Leave a Reply")
    assert not reply.kept and reply.category == "comment-form"


def test_terminal_view(page, capsys):
    assert main(["explain", str(page)]) == 0  # captured stdout is no tty: no colour
    out = capsys.readouterr().out
    assert not ANSI.search(out)
    doc = clean_document(PAGE)
    for r in doc.removed:
        assert f"- [{r.rule}] {r.text}  <- {r.reason}" in out
    for b in doc.kept:
        assert f"+ {b.text}" in out
    assert f"{len(doc.kept)} blocks kept" in out and f"{len(doc.removed)} removed" in out


def test_colour_only_when_asked_for():
    lines = explain(clean_document(PAGE))
    coloured = format_terminal(lines, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == format_terminal(lines, color=False)


def test_no_color_flag_and_env(page, capsys, monkeypatch):
    import sys

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["explain", str(page)]) == 0
    assert ANSI.search(capsys.readouterr().out)
    assert main(["explain", "--no-color", str(page)]) == 0
    assert not ANSI.search(capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["explain", str(page)]) == 0
    assert not ANSI.search(capsys.readouterr().out)


class _Blocks(HTMLParser):
    """Collects the page's blocks: (classes, text) per div.block."""

    def __init__(self):
        super().__init__()
        self.blocks, self.depth, self.scripts = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "div" and "block" in (attrs.get("class") or "").split():
            self.blocks.append([attrs["class"], ""])
            self.depth = 1
        elif tag == "div" and self.depth:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.blocks:
            self.blocks[-1][1] += data


def test_html_page(page, tmp_path):
    out = tmp_path / "why.html"
    assert main(["explain", "--no-color", "--html", str(out), str(page)]) == 0
    html = out.read_text(encoding="utf-8")
    parser = _Blocks()
    parser.feed(html)
    assert parser.scripts == 0  # the page's text is escaped, never markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    doc = clean_document(PAGE)
    assert len(parser.blocks) == len(PAGE.splitlines())
    removed = {r.index: r for r in doc.removed}
    for i, (classes, text) in enumerate(parser.blocks):
        if i in removed:
            assert "removed" in classes and removed[i].rule in text and removed[i].reason in text
        else:
            assert "kept" in classes
    assert "text-decoration: line-through" in html and 'class="legend"' in html
    assert f"{len(doc.kept)} blocks kept" in html
    assert "comment-form (" in html  # the legend counts categories
    assert not html.count("http://") and not html.count("https://")  # self-contained


def test_explain_binary_file_exits_1(tmp_path, capsys):
    (tmp_path / "x.txt").write_bytes(b"\x00" * 100)
    assert main(["explain", str(tmp_path / "x.txt")]) == 1
    assert "binary file" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian: apt-get install chromium); bench/render_explain.sh does the same by hand")
def test_html_renders_in_a_browser(page, tmp_path):
    out = tmp_path / "why.html"
    assert main(["explain", "--no-color", "--html", str(out), str(page)]) == 0
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", f"file://{out}"],
            capture_output=True, text=True, timeout=60,
        ).stdout
    parser = _Blocks()
    parser.feed(dom)
    assert len(parser.blocks) == len(PAGE.splitlines())
    assert parser.scripts == 0
    assert "Leave a Reply" in dom
