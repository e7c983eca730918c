"""JSON Lines input: records cleaned in order, bad records, gzip, resuming, templates per site."""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from pathlib import Path

import pytest

from cleaner import jsonl
from cleaner.batch import BatchOptions, plan, process_file, run_rows
from cleaner.cli import main
from cleaner.learn_cli import learn_folder
from cleaner.report import Summary

SITES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"

PROSE = (
    "The council voted on Monday to approve the new budget for the harbour, which had been "
    "debated for months by the fishermen, the ferry company and the people of the village."
)
DUMP = f"Leave a Reply\n\nHarbour budget approved\n\n{PROSE}\n\nLeave a Reply\n\nCaptcha verification failed!"
HTML = (
    "<html><head><title>Harbour budget approved</title></head><body><nav><a href='/'>Home</a></nav>"
    f"<article><h1>Harbour budget approved</h1><p>{PROSE}</p></article>"
    "<footer>Copyright 2024 Harbour News</footer></body></html>"
)


def write_jsonl(path: Path, lines, gz: bool = False) -> Path:
    data = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(in_dir: Path, out_dir: Path, **options):
    """One local run in this process: (summary, report rows)."""
    rows = list(run_rows(plan(str(in_dir), str(out_dir)), BatchOptions(**options), jobs=1))
    return Summary.of(rows), rows


def test_records_are_cleaned_in_order_with_their_fields_kept(tmp_path):
    write_jsonl(tmp_path / "in" / "a" / "pages.jsonl", [
        {"id": "p1", "url": "https://harbour.example/1", "text": DUMP, "crawl": {"day": 3}},
        {"id": "p2", "html": HTML, "lang": "en"},
        {"id": "p3", "content": DUMP, "text": None},
    ])
    summary, rows = run(tmp_path / "in", tmp_path / "out")
    out = read_jsonl(tmp_path / "out" / "a" / "pages.jsonl")
    assert [r["id"] for r in out] == ["p1", "p2", "p3"]
    assert out[0]["crawl"] == {"day": 3} and out[0]["url"] == "https://harbour.example/1"
    assert out[0]["text"] == DUMP and out[1]["lang"] == "en"  # the input's fields, untouched
    for record in out:
        cleaned = record["cleaned"]
        assert PROSE in cleaned["text"]
        assert "Leave a Reply" not in cleaned["text"] and "Copyright" not in cleaned["text"]
        assert cleaned["title"] == "Harbour budget approved"
    assert out[0]["cleaned"]["kind"] == "text" and out[1]["cleaned"]["kind"] == "html"
    assert out[0]["cleaned"]["blocks_removed"] == 3 and sum(out[0]["cleaned"]["reasons"].values()) == 3
    [row] = rows
    assert row["status"] == "ok" and row["records"] == 3 and row["records_failed"] == 0
    assert row["blocks_kept"] == sum(r["cleaned"]["blocks_kept"] for r in out)
    assert summary.done == 1


def test_a_bad_line_is_one_error_record_and_the_rest_are_cleaned(tmp_path):
    write_jsonl(tmp_path / "in" / "p.jsonl", [
        {"id": 1, "text": DUMP},
        '{"id": 2, "text": "unterminated',
        "",  # a blank line holds no record
        [1, 2],
        {"id": 4, "text": 42},
        {"id": 5, "body": DUMP},
        {"id": 6, "text": DUMP},
    ])
    summary, [row] = run(tmp_path / "in", tmp_path / "out")
    out = read_jsonl(tmp_path / "out" / "p.jsonl")
    assert len(out) == 6
    errors = [r["cleaned"].get("error") for r in out]
    assert errors[0] is None and errors[5] is None
    assert errors[1].startswith("line 2: not JSON")
    assert errors[2] == "line 4: a JSON array, not an object"
    assert errors[3] == "line 5 (id 4): field \"text\" is a number, not a string"
    assert errors[4].startswith('line 6 (id 5): no "text", "html", "content" or "raw" field')
    assert out[3]["id"] == 4 and out[4]["body"] == DUMP  # fields of a failed object are kept too
    assert PROSE in out[5]["cleaned"]["text"]
    assert row["status"] == "ok" and row["records"] == 6 and row["records_failed"] == 4
    assert "4 of 6 records could not be cleaned" in row["note"]
    assert summary.failed == 0  # files: the file itself was read
    assert (summary.records, summary.records_failed) == (6, 4)
    assert "JSONL records: 2 cleaned, 4 failed" in summary.format()


def test_a_file_where_no_record_can_be_cleaned_is_a_failed_row_without_output(tmp_path):
    write_jsonl(tmp_path / "in" / "p.jsonl", [{"body": DUMP}, {"body": DUMP}])
    _, [row] = run(tmp_path / "in", tmp_path / "out")
    assert row["status"] == "failed" and row["records_failed"] == 2
    assert "none of its 2 records could be cleaned" in row["error"] and "--jsonl-field" in row["error"]
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
    # naming the field makes the same file work
    _, [row] = run(tmp_path / "in", tmp_path / "out", jsonl_field="body")
    assert row["status"] == "ok" and PROSE in read_jsonl(tmp_path / "out" / "p.jsonl")[1]["cleaned"]["text"]


def test_binary_and_utf16_files_are_failed_rows(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bin.jsonl").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "in" / "wide.jsonl").write_bytes('{"text": "x"}\n'.encode("utf-16"))
    _, rows = run(tmp_path / "in", tmp_path / "out")
    errors = {Path(r["path"]).name: r["error"] for r in rows}
    assert all(r["status"] == "failed" for r in rows)
    assert "binary file" in errors["bin.jsonl"] and "must be UTF-8" in errors["wide.jsonl"]


def test_gzip_input_and_a_broken_gzip(tmp_path):
    write_jsonl(tmp_path / "in" / "a.jsonl.gz", [{"id": "g", "text": DUMP}], gz=True)
    whole = gzip.compress(("".join(json.dumps({"text": DUMP}) + "\n" for _ in range(200))).encode())
    (tmp_path / "in" / "b.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # cut midway
    _, rows = run(tmp_path / "in", tmp_path / "out")
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["a.jsonl.gz"]["status"] == "ok"
    assert by_name["a.jsonl.gz"]["output"].endswith(os.sep + "a.jsonl")
    assert PROSE in read_jsonl(tmp_path / "out" / "a.jsonl")[0]["cleaned"]["text"]
    assert by_name["b.jsonl.gz"]["status"] == "failed" and "b.jsonl.gz" in by_name["b.jsonl.gz"]["error"]
    assert sorted(os.listdir(tmp_path / "out")) == ["a.jsonl"]  # no half output, no temp file


def test_rerun_skips_up_to_date_output_and_force_redoes_it(tmp_path):
    src = write_jsonl(tmp_path / "in" / "p.jsonl", [{"text": DUMP}])
    out = tmp_path / "out" / "p.jsonl"
    run(tmp_path / "in", tmp_path / "out")
    first = out.stat().st_mtime_ns
    _, [row] = run(tmp_path / "in", tmp_path / "out")
    assert row["status"] == "skipped" and out.stat().st_mtime_ns == first
    _, [row] = run(tmp_path / "in", tmp_path / "out", force=True)
    assert row["status"] == "ok" and row["records"] == 1
    write_jsonl(src, [{"text": DUMP}, {"text": DUMP}])
    later = time.time() + 5
    os.utime(src, (later, later))  # the input changed after the output was written
    _, [row] = run(tmp_path / "in", tmp_path / "out")
    assert row["status"] == "ok" and len(read_jsonl(out)) == 2


def test_jsonl_files_are_in_the_default_globs_beside_pages(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_text(DUMP, encoding="utf-8")
    write_jsonl(tmp_path / "in" / "x.jsonl", [{"text": DUMP}])
    write_jsonl(tmp_path / "in" / "x.jsonl.gz", [{"text": DUMP}], gz=True)
    items = {Path(i.in_path).name: i for i in plan(str(tmp_path / "in"), str(tmp_path / "out"))}
    assert Path(items["x.txt"].out_path).name == "x.txt"
    assert Path(items["x.jsonl"].out_path).name == "x.jsonl"
    assert items["x.jsonl.gz"].status == "skipped"  # same output as x.jsonl, which is preferred


def test_url_and_page_fields_can_be_named(tmp_path):
    write_jsonl(tmp_path / "in" / "p.jsonl", [{"body": DUMP, "link": "https://a.example/x", "url": 5}])
    assert main(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "-q", "-j", "1", "--no-learn",
                 "--jsonl-field", "body", "--jsonl-url-field", "link"]) == 0
    [record] = read_jsonl(tmp_path / "out" / "p.jsonl")
    assert PROSE in record["cleaned"]["text"] and record["url"] == 5
    pages = list(jsonl.iter_pages(str(tmp_path / "in" / "p.jsonl"), jsonl.Fields("body", "link")))
    assert [(Path(w).name, u) for w, _, u in pages] == [("p.jsonl:1", "https://a.example/x")]


def test_an_over_long_line_is_one_error_record(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_RECORD_BYTES", 1000)
    monkeypatch.setattr(jsonl, "_SKIP_CHUNK", 64)
    write_jsonl(tmp_path / "in" / "p.jsonl", [{"text": DUMP * 10}, {"text": DUMP}])
    _, [row] = run(tmp_path / "in", tmp_path / "out")
    out = read_jsonl(tmp_path / "out" / "p.jsonl")
    assert out[0] == {"cleaned": {"error": "line 1: longer than 0 MiB, not one page"}}
    assert PROSE in out[1]["cleaned"]["text"] and row["records_failed"] == 1


def test_lone_surrogates_and_a_bom_survive():
    line = '\ufeff{"text": "caf\\u00e9 \\ud800", "id": 1}\n'.encode("utf-8")
    [record] = jsonl.iter_records(io.BytesIO(line))
    assert record.error is None and record.text == "café \ud800"
    out = json.loads(jsonl.dump_line({"text": record.text}))
    assert out["text"] == "café \ud800"


def _two_site_jsonl(path: Path) -> dict[str, str]:
    """Ten pages each of two fixture sites in one JSONL, interleaved; {id: site}."""
    lines, sites = [], {}
    pages = {s: sorted(p for p in (SITES / s).glob("*.txt") if not p.name.endswith(".expected.txt"))
             for s in ("vallonet-matin", "kurier-feldsee")}
    for pair in zip(*pages.values()):
        for site, page in zip(pages, pair):
            ident = f"{site}/{page.stem[:2]}"
            sites[ident] = site
            url = page.with_suffix(".url").read_text(encoding="utf-8").strip()
            lines.append({"id": ident, "url": url, "text": page.read_text(encoding="utf-8")})
    write_jsonl(path, lines)
    return sites


def test_records_are_grouped_by_their_url_and_each_site_loses_its_own_chrome(tmp_path):
    sites = _two_site_jsonl(tmp_path / "in" / "pages.jsonl")
    by_url = learn_folder(str(tmp_path / "in"))
    assert sorted(g.name for g in by_url.groups) == ["kurier-feldsee.example", "vallonet-matin.example"]
    by_chrome = learn_folder(str(tmp_path / "in"), use_urls=False)
    assert all(g.how == "chrome" for g in by_chrome.groups)

    assert main(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    out = read_jsonl(tmp_path / "out" / "pages.jsonl")
    assert [r["id"] for r in out] == list(sites)
    for record in out:
        site = sites[record["id"]]
        reasons = record["cleaned"]["reasons"]
        assert f"template:{site}.example" in reasons, (record["id"], reasons)
        other = "kurier-feldsee" if site == "vallonet-matin" else "vallonet-matin"
        assert f"template:{other}.example" not in reasons
    vallonet = [r["cleaned"]["text"] for r in out if sites[r["id"]] == "vallonet-matin"]
    assert not any("Le Kiosque Vert" in text.split("\n\n") for text in vallonet)


def test_clean_prints_each_record_as_jsonl_and_explain_points_to_it(tmp_path, capsysbinary):
    path = write_jsonl(tmp_path / "p.jsonl.gz", [{"id": "a", "text": DUMP}, {"id": "b", "html": HTML}], gz=True)
    assert main(["clean", str(path)]) == 0
    out = [json.loads(line) for line in capsysbinary.readouterr().out.decode("utf-8").splitlines()]
    assert [r["id"] for r in out] == ["a", "b"] and all(PROSE in r["cleaned"]["text"] for r in out)

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "text": DUMP}, "nope"])
    assert main(["clean", str(bad)]) == 1
    captured = capsysbinary.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert b"1 of 2 records could not be cleaned" in captured.err

    assert main(["clean", str(bad), "--url", "https://a.example/"]) == 2
    assert main(["explain", str(bad)]) == 2
    assert b"cleaner clean" in capsysbinary.readouterr().err


def test_process_file_never_raises_on_a_missing_jsonl(tmp_path):
    row = process_file(str(tmp_path / "gone.jsonl"), str(tmp_path / "out" / "gone.jsonl"))
    assert row["status"] == "failed" and "gone.jsonl: cannot read" in row["error"]


def test_dask_engine_reads_jsonl_over_fsspec_urls(tmp_path):
    pytest.importorskip("fsspec")
    from cleaner import dask as dask_engine
    write_jsonl(tmp_path / "in" / "p.jsonl.gz", [{"id": 1, "url": "https://a.example/1", "text": DUMP}, "bad"], gz=True)
    items = list(dask_engine.plan_urls(f"file://{tmp_path / 'in'}", f"file://{tmp_path / 'out'}"))
    assert [Path(i.out_path).name for i in items] == ["p.jsonl"]
    [row] = dask_engine.clean_partition(items, BatchOptions())
    assert row["status"] == "ok" and row["records"] == 2 and row["records_failed"] == 1
    out = read_jsonl(tmp_path / "out" / "p.jsonl")
    assert PROSE in out[0]["cleaned"]["text"] and out[1]["cleaned"]["error"].startswith("line 2: not JSON")
    assert os.listdir(tmp_path / "out") == ["p.jsonl"]  # the temp name was moved over the output
    assert dask_engine.clean_partition(items, BatchOptions())[0]["status"] == "skipped"
    pages = list(dask_engine.iter_url_pages(f"file://{tmp_path / 'in'}"))
    assert [(p.endswith("p.jsonl.gz:1"), u) for p, _, u in pages] == [(True, "https://a.example/1")]


def test_a_stopped_run_gives_up_a_long_file_between_records(tmp_path, monkeypatch):
    import threading

    from cleaner import batch

    stop = threading.Event()
    monkeypatch.setattr(batch, "_STOP", stop)
    src = write_jsonl(tmp_path / "in" / "p.jsonl", [{"text": DUMP}] * 3)
    out = tmp_path / "out" / "p.jsonl"
    cleaned = []
    real = jsonl.clean_record

    def clean_then_stop(record, **kw):  # the run is stopped while record 1 is cleaned
        cleaned.append(record.line)
        stop.set()
        return real(record, **kw)

    monkeypatch.setattr(jsonl, "clean_record", clean_then_stop)
    row = process_file(str(src), str(out))
    assert row["status"] == "failed" and "stopped midway" in row["error"]
    assert cleaned == [1] and os.listdir(tmp_path / "out") == []  # no output, no temp file


def test_lone_surrogates_neither_stop_learning_nor_saving_the_templates(tmp_path):
    subjects = ["bridge", "library", "harbour wall", "school roof", "tram line", "market hall"]
    records = [
        {"id": i, "url": f"https://x.example/{i}",
         "text": f"Menu\ud800 bar\nThe council approved the new {subject} on Tuesday after a long debate, and work "
                 f"on the {subject} starts in spring, officials said.\nShare\ud800 this"}
        for i, subject in enumerate(subjects)
    ]
    write_jsonl(tmp_path / "in" / "a.jsonl", records)
    saved = tmp_path / "t.toml"
    assert main(["learn", str(tmp_path / "in"), "-o", str(saved), "-q"]) == 0
    assert "\ufffd" in saved.read_text(encoding="utf-8")  # the sample shows a replacement character
    assert main(["batch", str(tmp_path / "in"), str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    out = read_jsonl(tmp_path / "out" / "a.jsonl")
    assert [r["id"] for r in out] == list(range(6))
    assert all("The council approved" in r["cleaned"]["text"] and "Menu" not in r["cleaned"]["text"] for r in out)
