"""The Dask engine: same outputs, rows and summary as the local engine; bags and data frames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner import clean_document
from cleaner.batch import BatchOptions, plan, run_batch
from cleaner.cli import main
from cleaner.learn_cli import learn_for_batch
from cleaner.report import Summary, read_rows

try:
    import dask  # noqa: F401
    import distributed
    import pandas  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False

needs_dask = pytest.mark.skipif(not HAVE_DASK, reason="dask extra not installed: pip install 'cleaner[dask]'")

HEADLINE = "Council approves the new bridge over the river after long debate"
PROSE = (
    "The city council voted on Tuesday to approve the construction of a new bridge, "
    "ending a debate that had lasted for more than three years in the town."
)


def dump(n: int) -> str:
    body = [f"{PROSE} Paragraph {k} of story {n} adds detail about the cost and the schedule." for k in range(3)]
    return "\n".join(
        ["Home", "News", "Sport", "Weather", "Example News Daily", f"{HEADLINE} ({n})", *body,
         "Most read today", "Leave a Reply", "Copyright 2024 Example News"]
    ) + "\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    files: dict[str, str | bytes] = {f"site/p{i}.txt": dump(i) for i in range(6)}
    files["other/deep/q.txt"] = dump(99)
    files["other/q.html"] = f"<html><head><title>T</title></head><body><h1>{HEADLINE}</h1><p>{PROSE}</p></body></html>"
    files["other/q.txt"] = dump(98)  # same output name as q.html: the dump wins, q.html is a skipped row
    files["bad/binary.txt"] = b"\x00\x01\x02\x03 not a page" * 10
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


@pytest.fixture(scope="module")
def client():
    if not HAVE_DASK:
        pytest.skip("dask extra not installed: pip install 'cleaner[dask]'")
    import logging

    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR,
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def outputs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rows_as_set(report: Path, out_root: str) -> set[str]:
    """Rows without timings, the output folder replaced, as a comparable set."""
    found = set()
    for row in read_rows(str(report)):
        row.pop("seconds", None)
        if row["output"]:
            row["output"] = os.path.relpath(row["output"].removeprefix("file://"), out_root)
        for key in ("error", "note"):
            if row[key]:
                row[key] = row[key].replace(out_root, "OUT").replace("file://", "")
        found.add(json.dumps(row, sort_keys=True))
    return found


@needs_dask
def test_dask_batch_matches_local_engine_byte_for_byte(tree, tmp_path, client):
    from cleaner.dask import run_dask_batch

    templates = learn_for_batch(str(tree))
    try:
        options = BatchOptions(templates=templates)
        local = run_batch(str(tree), str(tmp_path / "local"), options, jobs=1, report_path=str(tmp_path / "local.jsonl"))
        dist = run_dask_batch(str(tree), str(tmp_path / "dask"), options, client=client, partition_size=3,
                              report_path=str(tmp_path / "dask.jsonl"))
    finally:
        os.unlink(templates)
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    assert len(outputs(tmp_path / "local")) == 8
    assert rows_as_set(tmp_path / "dask.jsonl", str(tmp_path / "dask")) == rows_as_set(tmp_path / "local.jsonl", str(tmp_path / "local"))
    assert dist.to_dict() == local.to_dict()
    assert (dist.done, dist.skipped, dist.failed) == (8, 1, 1)
    assert any(r.startswith("template:") for r in dist.reasons), "the broadcast templates were not used"
    failed = [r for r in read_rows(str(tmp_path / "dask.jsonl")) if r["status"] == "failed"]
    assert [r["path"] for r in failed] == [str(tree / "bad" / "binary.txt")]
    assert "binary file" in failed[0]["error"]


@needs_dask
def test_dask_batch_over_file_urls_matches_local_engine(tree, tmp_path, client):
    from cleaner.dask import run_dask_batch

    options = BatchOptions()
    run_batch(str(tree), str(tmp_path / "local"), options, jobs=1)
    summary = run_dask_batch(f"file://{tree}", f"file://{tmp_path / 'urls'}", options, client=client,
                             report_path=str(tmp_path / "urls.jsonl"))
    assert outputs(tmp_path / "urls") == outputs(tmp_path / "local")
    assert (summary.done, summary.skipped, summary.failed) == (8, 1, 1)
    rows = list(read_rows(str(tmp_path / "urls.jsonl")))
    assert all(r["path"].startswith("file://") for r in rows)
    past = time.time() - 3600
    for path in [*tree.rglob("*"), *(tmp_path / "urls").rglob("*")]:  # outputs of an earlier run
        os.utime(path, (past, past + 60 if "urls" in path.parts else past))
    again = run_dask_batch(f"file://{tree}", f"file://{tmp_path / 'urls'}", options, client=client)
    assert (again.done, again.skipped, again.failed) == (0, 9, 1)  # up to date, via fsspec mtimes


@needs_dask
def test_cli_scheduler_option_learns_and_exits_1_on_a_bad_file(tree, tmp_path, client, capsys):
    report = tmp_path / "r.jsonl"
    rc = main(["batch", str(tree), str(tmp_path / "out"), "--scheduler", client.scheduler.address,
               "--partition-size", "2", "--report", str(report)])
    err = capsys.readouterr().err
    assert rc == 1
    assert "learned: 1 site group" in err and "10 files: 8 cleaned, 1 skipped, 1 failed" in err
    assert Summary.of(read_rows(str(report))).failed == 1
    assert main(["batch", str(tree), str(tmp_path / "local"), "-j", "1", "-q"]) == 1  # learns the same way
    assert outputs(tmp_path / "out") == outputs(tmp_path / "local")


@needs_dask
def test_cli_usage_errors_exit_2_before_any_cluster(tree, tmp_path, capsys):
    rc = main(["batch", str(tree), str(tree / "site"), "--engine", "dask", "-q"])
    assert rc == 2 and "must not" in capsys.readouterr().err
    rc = main(["batch", str(tmp_path / "missing"), str(tmp_path / "out"), "--engine", "dask", "-q"])
    assert rc == 2 and "does not exist" in capsys.readouterr().err


def test_without_dask_the_option_is_a_usage_error(tree, tmp_path):
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "from cleaner.cli import main\n"
        f"sys.exit(main(['batch', {str(tree)!r}, {str(tmp_path / 'out')!r}, '--engine', 'dask']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "Dask is not installed: pip install 'cleaner[dask]'" in done.stderr
    assert not (tmp_path / "out").exists()


@needs_dask
def test_a_retried_partition_rewrites_its_outputs_and_reports_them_cleaned(tree, tmp_path):
    """A worker that died after writing some files: the rerun redoes them, same bytes, same rows."""
    from cleaner.dask import clean_partition

    items = [i for i in plan(str(tree / "site"), str(tmp_path / "out")) if i.status is None]
    started = time.time_ns() - 2_000_000_000
    first = clean_partition(items[:3], BatchOptions(), started)  # the attempt that died after 3 files
    before = outputs(tmp_path / "out")
    rerun = clean_partition(items, BatchOptions(), started)
    assert [r["status"] for r in rerun] == ["ok"] * len(items)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(rerun[:3]) == strip(first)
    after = outputs(tmp_path / "out")
    assert {k: after[k] for k in before} == before and len(after) == len(items)
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".cleaner-tmp")]
    # a later run (outputs older than its start) skips them as up to date
    later = clean_partition(items, BatchOptions(), time.time_ns() + 10_000_000_000)
    assert {r["status"] for r in later} == {"skipped"}


@needs_dask
def test_process_url_on_a_memory_file_system():
    import fsspec

    from cleaner.dask import process_url

    fs = fsspec.filesystem("memory")
    fs.pipe("/cleaner-test/in/a.txt", dump(1).encode("utf-8"))
    fs.pipe("/cleaner-test/in/bad.txt", b"\x00\x01\x02 binary")
    try:
        row = process_url("memory://cleaner-test/in/a.txt", "memory://cleaner-test/out/x/a.txt")
        assert row["status"] == "ok", row
        assert fs.cat("/cleaner-test/out/x/a.txt").decode("utf-8") == clean_document(dump(1)).text + "\n"
        assert fs.ls("/cleaner-test/out/x", detail=False) == ["/cleaner-test/out/x/a.txt"]  # no temp left
        bad = process_url("memory://cleaner-test/in/bad.txt", "memory://cleaner-test/out/bad.txt")
        assert bad["status"] == "failed" and "memory://cleaner-test/in/bad.txt: binary file" in bad["error"]
        assert not fs.exists("/cleaner-test/out/bad.txt")
    finally:
        fs.rm("/cleaner-test", recursive=True)


RECORDS = [
    {"text": dump(1), "url": "https://example.com/a"},
    {"text": dump(2)},
    {"text": None, "url": "https://example.com/broken"},
]


@needs_dask
def test_clean_bag_over_texts_and_records(client):
    import dask.bag as db

    from cleaner.dask import clean_bag

    out = clean_bag(db.from_sequence(RECORDS, npartitions=2)).compute()
    assert len(out) == 3
    expected = clean_document(dump(1), url="https://example.com/a")
    assert out[0]["url"] == "https://example.com/a"
    assert out[0]["text"] == expected.text and out[0]["title"] == expected.title
    assert out[0]["blocks_removed"] == len(expected.removed) > 0
    assert sum(out[0]["reasons"].values()) == out[0]["blocks_removed"]
    assert out[1]["text"] == clean_document(dump(2)).text and "url" not in out[1]
    assert out[2]["text"] is None and out[2]["error"].startswith("https://example.com/broken: ")
    texts = clean_bag(db.from_sequence([dump(3), dump(4).encode("utf-8")], npartitions=1), kind="text").compute()
    assert [t["text"] for t in texts] == [clean_document(dump(3)).text, clean_document(dump(4)).text]
    with pytest.raises(ValueError):
        clean_bag(db.from_sequence([dump(3)]), kind="pdf")
    with pytest.raises(TypeError):
        clean_bag(db.from_sequence([dump(3)]), colour="red")


@needs_dask
def test_clean_dataframe_adds_a_declared_column(client):
    import dask.dataframe as dd
    import pandas as pd

    from cleaner.dask import clean_dataframe

    pdf = pd.DataFrame({"id": [1, 2, 3], "text": [dump(1), dump(2), dump(3)], "url": ["https://example.com/a", None, None]})
    ddf = dd.from_pandas(pdf, npartitions=2)
    cleaned = clean_dataframe(ddf, "text", url_column="url")
    assert list(cleaned.columns) == ["id", "text", "url", "clean_text"]
    assert str(cleaned.dtypes["clean_text"]).startswith("string")
    result = cleaned.compute()
    assert result["clean_text"].tolist() == [
        clean_document(dump(1), url="https://example.com/a").text, clean_document(dump(2)).text, clean_document(dump(3)).text,
    ]
    assert result["id"].tolist() == [1, 2, 3]
    with pytest.raises(KeyError, match="'body': no such column"):
        clean_dataframe(ddf, "body")


def test_partitions_grow_to_the_set_size_and_stream_the_plan():
    from itertools import islice

    from cleaner.batch import Planned
    from cleaner.dask import _partitions

    def endless():
        n = 0
        while True:
            n += 1
            yield Planned(f"in/{n}.txt", f"out/{n}.txt", "skipped" if n == 3 else None, "decided" if n == 3 else None)

    first = list(islice(_partitions(endless(), 100), 8))  # an endless plan: taken lazily
    decided = [item for item, part in first if item is not None]
    sizes = [len(part) for item, part in first if part is not None]
    assert [i.in_path for i in decided] == ["in/3.txt"]
    assert sizes == [8, 16, 32, 64, 100, 100, 100]
