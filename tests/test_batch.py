"""Folder runs: mirroring, resuming, report rows, bad files, atomic outputs, a killed run."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner import batch, clean, clean_document
from cleaner.batch import BatchOptions, Planned, output_name, plan, process_file, process_item, run_batch
from cleaner.cli import main
from cleaner.report import Summary, read_rows

HEADLINE = "Council approves the new bridge over the river after long debate"
PROSE = (
    "The city council voted on Tuesday to approve the construction of a new bridge, "
    "ending a debate that had lasted for more than three years in the town."
)


def dump(n: int = 0) -> str:
    """A page dump: chrome, a headline, prose, a comment form, a footer."""
    body = [f"{PROSE} Paragraph {k} of story {n} adds detail about the cost and the schedule." for k in range(4)]
    return "\n".join(
        ["Home", "News", "Sport", "Weather", f"{HEADLINE} ({n})", *body, "Leave a Reply", "Your email address will not be published.", "Copyright 2024 Example News"]
    ) + "\n"


def make_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def rows_by_path(report: Path) -> dict[str, dict]:
    return {os.path.basename(r["path"]): r for r in read_rows(str(report))}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "in"
    make_tree(src, {"a.txt": dump(1), "sub/b.txt": dump(2), "sub/deep/c.txt": dump(3), "notes.md": "not a page"})
    return src


def test_output_names():
    assert output_name("x.txt") == "x.txt"
    assert output_name("x.html") == "x.txt"
    assert output_name("x.HTM") == "x.txt"
    assert output_name("x.html.gz") == "x.txt"
    assert output_name("x.dump") == "x.dump.txt"
    assert output_name(".txt") == ".txt.txt"


def test_batch_mirrors_tree_and_keeps_names(tree, tmp_path):
    out = tmp_path / "out"
    before = snapshot(tree)
    # --no-learn: outputs equal clean() of each page alone (no site template learned from the folder)
    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--no-learn"]) == 0
    assert sorted(snapshot(out)) == ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
    for rel in ("a.txt", "sub/b.txt", "sub/deep/c.txt"):
        expected = clean((tree / rel).read_text(encoding="utf-8")) + "\n"
        assert (out / rel).read_text(encoding="utf-8") == expected
        assert "Leave a Reply" not in expected and PROSE in expected
    assert snapshot(tree) == before  # the input is never touched


def test_rerun_skips_up_to_date_and_force_redoes(tree, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--report", str(report)]) == 0
    assert {r["status"] for r in read_rows(str(report))} == {"ok"}
    mtime = (out / "a.txt").stat().st_mtime_ns

    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--report", str(report)]) == 0
    rows = list(read_rows(str(report)))
    assert len(rows) == 3 and {r["status"] for r in rows} == {"skipped"}
    assert all("up to date" in r["note"] for r in rows)
    assert (out / "a.txt").stat().st_mtime_ns == mtime

    # an input edited after its output was made is redone, the others are not
    (tree / "a.txt").write_text(dump(9), encoding="utf-8")
    os.utime(tree / "a.txt", ns=(mtime + 10**9, mtime + 10**9))
    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--report", str(report)]) == 0
    statuses = {k: r["status"] for k, r in rows_by_path(report).items()}
    assert statuses == {"a.txt": "ok", "b.txt": "skipped", "c.txt": "skipped"}
    assert "of story 9" in (out / "a.txt").read_text(encoding="utf-8")

    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--force", "--report", str(report)]) == 0
    assert {r["status"] for r in read_rows(str(report))} == {"ok"}


def test_report_rows_match_the_document(tree, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    assert main(["batch", str(tree), str(out), "-q", "-j", "2", "--no-learn", "--report", str(report)]) == 0
    rows = rows_by_path(report)
    assert set(rows) == {"a.txt", "b.txt", "c.txt"}
    row = rows["a.txt"]
    doc = clean_document((tree / "a.txt").read_bytes())
    assert row["status"] == "ok" and row["error"] is None
    assert row["output"] == str(out / "a.txt")
    assert row["blocks_kept"] == len(doc.kept) and row["blocks_removed"] == len(doc.removed)
    assert row["chars_kept"] == sum(len(b.text) for b in doc.kept)
    assert row["chars_removed"] == sum(len(r.text) for r in doc.removed)
    assert sum(row["reasons"].values()) == len(doc.removed)
    assert row["reasons"] == {rule: sum(1 for r in doc.removed if r.rule == rule) for rule in row["reasons"]}


def test_summary_is_computed_from_rows_alone(tree, tmp_path):
    report = tmp_path / "r.jsonl"
    summary = run_batch(str(tree), str(tmp_path / "out"), jobs=1, report_path=str(report))
    again = Summary.of(read_rows(str(report)))
    assert again.to_dict() == summary.to_dict()
    assert summary.done == 3 and summary.failed == 0
    text = summary.format()
    assert "3 files: 3 cleaned, 0 skipped, 0 failed" in text
    assert "top removal reasons:" in text


def test_summary_on_stderr(tree, tmp_path, capsys):
    assert main(["batch", str(tree), str(tmp_path / "out"), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "3 cleaned" in err and "removed" in err


def test_bad_files_are_failed_rows_and_the_rest_succeeds(tree, tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randrange(256) for _ in range(2000))
    make_tree(tree, {"image.txt": png, "zeros.txt": b"\x00" * 4096, "bad.html.gz": b"not gzip at all"})
    os.mkfifo(tree / "pipe.txt")
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    assert main(["batch", str(tree), str(out), "-q", "-j", "2", "--report", str(report)]) == 1
    rows = rows_by_path(report)
    assert rows["image.txt"]["status"] == "failed" and "binary file" in rows["image.txt"]["error"]
    assert str(tree / "image.txt") in rows["image.txt"]["error"]
    assert "binary file" in rows["zeros.txt"]["error"]
    assert "not a valid gzip file" in rows["bad.html.gz"]["error"]
    assert "not a regular file" in rows["pipe.txt"]["error"]
    assert {k for k, r in rows.items() if r["status"] == "ok"} == {"a.txt", "b.txt", "c.txt"}
    assert sorted(snapshot(out)) == ["a.txt", "sub/b.txt", "sub/deep/c.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file; the folder-named-x.txt case covers unreadable input")
def test_unreadable_file_is_a_failed_row(tree, tmp_path):
    (tree / "secret.txt").write_text(dump(5), encoding="utf-8")
    (tree / "secret.txt").chmod(0)
    try:
        row = process_file(str(tree / "secret.txt"), str(tmp_path / "o.txt"))
    finally:
        (tree / "secret.txt").chmod(0o644)
    assert row["status"] == "failed" and "cannot read" in row["error"] and "secret.txt" in row["error"]


def test_a_folder_given_as_a_file_is_a_failed_row(tmp_path):
    (tmp_path / "x.txt").mkdir()
    row = process_file(str(tmp_path / "x.txt"), str(tmp_path / "out" / "x.txt"))
    assert row["status"] == "failed" and "is a folder" in row["error"] and "x.txt" in row["error"]
    assert not (tmp_path / "out" / "x.txt").exists()


def test_folder_named_like_a_page_is_walked_as_a_folder(tmp_path):
    make_tree(tmp_path / "in", {"x.txt/inner.txt": dump(1)})
    assert main(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    assert (tmp_path / "out" / "x.txt" / "inner.txt").is_file()


def test_unwritable_output_is_a_failed_row_without_partial_files(tree, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    out.mkdir()
    (out / "sub").write_text("a file where the sub folder should be")  # sub/ cannot be created
    (out / "a.txt").mkdir()  # the output path is taken by a folder
    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--report", str(report)]) == 1
    rows = rows_by_path(report)
    assert rows["a.txt"]["status"] == "failed" and "cannot write output" in rows["a.txt"]["error"]
    assert str(out / "a.txt") in rows["a.txt"]["error"]
    assert rows["b.txt"]["status"] == "failed" and str(out / "sub") in rows["b.txt"]["error"]
    assert not [p for p in out.rglob("*") if p.name.endswith(batch.TEMP_SUFFIX)]


def test_full_disk_is_a_failed_row_and_leaves_no_file(tree, tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd, mode):
            self.f = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            no_space()

    monkeypatch.setattr(batch.os, "fdopen", FullFile)
    row = process_file(str(tree / "a.txt"), str(tmp_path / "out" / "a.txt"))
    assert row["status"] == "failed"
    assert "No space left on device" in row["error"] and str(tmp_path / "out" / "a.txt") in row["error"]
    assert list((tmp_path / "out").iterdir()) == []


def test_out_inside_in_is_refused_and_nothing_is_written(tree, tmp_path, capsys):
    for out in (tree, tree / "out", tree / "sub"):
        assert main(["batch", str(tree), str(out), "-q"]) == 2
        assert "must not be the input folder or inside it" in capsys.readouterr().err
    assert not (tree / "out").exists()
    # the other way round: mirrored outputs could land among the inputs
    assert main(["batch", str(tree), str(tree.parent), "-q"]) == 2
    assert "must not contain the input folder" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path, tree, capsys):
    assert main(["batch", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(tree)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(tree), str(tmp_path / "out"), "-j", "0"])
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()


def test_invalid_rules_folder_exits_2_and_writes_nothing(tree, tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text('[ruleset]\nid = "mine"\nscope = "generic"\n\n[[rule]]\nid = "mine.x"\ncategory = "nope"\n')
    out = tmp_path / "out"
    assert main(["batch", str(tree), str(out), "--rules", str(rules), "--report", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{rules / 'mine.toml'}:" in err and "category must be one of" in err
    assert not out.exists() and not (tmp_path / "r.jsonl").exists()


def test_user_rules_reach_every_file(tree, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(
        '[ruleset]\nid = "mine"\nscope = "generic"\n\n[[rule]]\nid = "mine.copyright"\ncategory = "copyright"\n'
        'action = "drop"\nmatch = "prefix"\nphrases = ["Paragraph 0 of story"]\nmax_chars = 400\nreason = "test rule"\n'
        'examples = ["Paragraph 0 of story 1"]\n'
    )
    # a rule that removes a prose paragraph: visible in the output and the report
    (tree / "a.txt").write_text(dump(1).replace(PROSE + " Paragraph 0", "Paragraph 0"), encoding="utf-8")
    report = tmp_path / "r.jsonl"
    assert main(["batch", str(tree), str(tmp_path / "out"), "-q", "-j", "2", "--rules", str(rules), "--report", str(report)]) == 0
    assert rows_by_path(report)["a.txt"]["reasons"].get("mine.copyright") == 1
    assert "Paragraph 0 of story 1" not in (tmp_path / "out" / "a.txt").read_text(encoding="utf-8")


def test_symlink_out_of_input_is_not_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    make_tree(outside, {"private.txt": dump(7), "dir/p.txt": dump(8)})
    (tree / "link.txt").symlink_to(outside / "private.txt")
    (tree / "linkdir").symlink_to(outside / "dir")
    (tree / "inner.txt").symlink_to(tree / "a.txt")  # inside: followed
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    assert main(["batch", str(tree), str(out), "-q", "-j", "1", "--report", str(report)]) == 0
    rows = rows_by_path(report)
    assert rows["link.txt"]["status"] == "skipped" and "leads out of the input folder" in rows["link.txt"]["note"]
    assert rows["linkdir"]["status"] == "skipped" and "not followed" in rows["linkdir"]["note"]
    assert rows["inner.txt"]["status"] == "ok"
    assert not (out / "link.txt").exists() and not (out / "linkdir").exists()
    assert (out / "inner.txt").read_bytes() == (out / "a.txt").read_bytes()


def test_same_output_name_prefers_the_text_dump(tmp_path):
    make_tree(tmp_path / "in", {"x.txt": dump(1), "x.htm": "<html><body><p>other</p></body></html>"})
    items = list(plan(str(tmp_path / "in"), str(tmp_path / "out")))
    assert items[0] == Planned(str(tmp_path / "in" / "x.txt"), str(tmp_path / "out" / "x.txt"))
    assert items[1].status == "skipped" and "x.txt" in items[1].message


def test_glob_chooses_files(tmp_path):
    make_tree(tmp_path / "in", {"a.dump": dump(1), "b.txt": dump(2)})
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "in"), str(out), "-q", "-j", "1", "--glob", "*.DUMP"]) == 0
    assert sorted(snapshot(out)) == ["a.dump.txt"]


def test_gzip_input(tmp_path):
    import gzip

    make_tree(tmp_path / "in", {"a.txt.gz": gzip.compress(dump(1).encode())})
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "in"), str(out), "-q", "-j", "1", "--no-learn", "--glob", "*.gz"]) == 0
    assert (out / "a.txt").read_text(encoding="utf-8") == clean(dump(1)) + "\n"


def test_process_item_and_options_pickle():
    import pickle

    options = BatchOptions(rules=("r/",), kind="text", force=True)
    assert pickle.loads(pickle.dumps(options)) == options
    row = process_item(Planned("x.txt", None, "skipped", "why"), options)
    assert row["status"] == "skipped" and row["note"] == "why"


def test_plan_is_a_stream(tmp_path):
    make_tree(tmp_path / "in", {f"d{i}/f{j}.txt": "x" for i in range(3) for j in range(3)})
    items = plan(str(tmp_path / "in"), str(tmp_path / "out"))
    assert iter(items) is items  # a generator, not a list
    assert [os.path.relpath(i.out_path, tmp_path / "out") for i in items] == [
        f"d{i}/f{j}.txt" for i in range(3) for j in range(3)
    ]


def test_leftover_temp_files_are_removed(tree, tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    leftover = out / "sub" / (".b.txt.abc123" + batch.TEMP_SUFFIX)
    leftover.write_text("half a fil")
    assert main(["batch", str(tree), str(out), "-q", "-j", "1"]) == 0
    assert not leftover.exists()
    assert sorted(snapshot(out)) == ["a.txt", "sub/b.txt", "sub/deep/c.txt"]


def test_sigkill_mid_run_leaves_only_complete_files_and_rerun_completes(tmp_path):
    src = tmp_path / "in"
    make_tree(src, {f"d{i % 7}/page{i:03d}.txt": dump(i) for i in range(300)})
    reference = tmp_path / "reference"
    assert main(["batch", str(src), str(reference), "-q", "-j", "1"]) == 0
    expected = snapshot(reference)
    assert len(expected) == 300

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cleaner", "batch", str(src), str(out), "-q", "-j", "2"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until some outputs exist, then kill at a random moment a little
    # later (soon enough that the 300 small pages are not all done)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and any(out.rglob("page*.txt"))):
        time.sleep(0.02)
    time.sleep(random.uniform(0.0, 0.1))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    written = {k: v for k, v in snapshot(out).items() if not os.path.basename(k).startswith(".")}
    assert written, "the run was killed before it wrote anything"
    assert len(written) < 300, "the run finished before the kill; nothing was tested"
    for rel, content in written.items():
        assert content == expected[rel], f"{rel} is incomplete after the kill"

    report = tmp_path / "r.jsonl"
    assert main(["batch", str(src), str(out), "-q", "-j", "2", "--report", str(report)]) == 0
    assert snapshot(out) == expected  # complete, and no temp file left
    statuses = [r["status"] for r in read_rows(str(report))]
    assert statuses.count("skipped") == len(written) and statuses.count("ok") == 300 - len(written)


def test_sigterm_stops_a_run_like_ctrl_c_and_leaves_no_learned_templates_file(tmp_path):
    src = tmp_path / "in"
    make_tree(src, {f"d{i % 7}/page{i:03d}.txt": dump(i) for i in range(300)})
    scratch = tmp_path / "scratch"  # the run's temporary directory
    scratch.mkdir()
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cleaner", "batch", str(src), str(out), "-q", "-j", "2"]
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and any(out.rglob("page*.txt"))):
        time.sleep(0.02)
    assert list(scratch.glob("cleaner-templates-*")), "the learned templates file should exist during the run"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert not list(scratch.glob("cleaner-templates-*"))
    written = [p for p in out.rglob("*.txt") if not p.name.startswith(".")]
    assert 0 < len(written) < 300


def test_outputs_get_the_permissions_of_a_plain_open(tree, tmp_path):
    out = tmp_path / "out"
    assert main(["batch", str(tree), str(out), "-q", "-j", "1"]) == 0
    mask = os.umask(0)
    os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.rglob("*.txt")}
    assert modes and set(modes.values()) == {0o666 & ~mask}, modes  # not mkstemp's 0600
