"""Speed and memory: clean() in one process, `cleaner batch -j 1/-j 2`, trafilatura.

    python bench/speed.py                       # the dev set's dumps, once
    python bench/speed.py --repeat 3 --limit 100
    python bench/speed.py --files 100000        # peak RSS of a batch over many small files
    python bench/speed.py --profile             # where clean() spends its time (needs pyinstrument)
    python bench/speed.py --dask                # batch on a Dask LocalCluster, 1 and 2 workers, vs -j 1/-j 2
    python bench/speed.py --html                # clean(html) against trafilatura, page by page in turn
    python bench/speed.py --stages              # the cost of each step of clean() on a dump, per page

Figures are wall-clock on a shared machine: compare runs made side by side.
Peak RSS is per process (the batch's main process, and its largest worker).
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BENCH = HERE.parent.parent / "shared" / "bench" / "dev"

# Run in a child so its getrusage figures belong to this batch alone.
_BATCH_CHILD = """
import json, resource, sys, time
from cleaner.cli import main
t = time.perf_counter()
rc = main(sys.argv[1:])
seconds = time.perf_counter() - t
print(json.dumps({"rc": rc, "seconds": seconds,
    "rss_main_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "rss_worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def mb(n: int) -> float:
    return n / 1e6


def line(label: str, docs: int, nbytes: int, seconds: float, extra: str = "") -> None:
    print(f"{label:<28} {docs:>7} docs {seconds:>7.2f} s {docs / seconds:>8.1f} docs/s {mb(nbytes) / seconds:>6.2f} MB/s  {extra}", flush=True)


def bench_clean(pages: list[bytes], repeat: int) -> None:
    from cleaner import clean

    clean(pages[0])  # load rules and models outside the timing
    t = time.perf_counter()
    for _ in range(repeat):
        for page in pages:
            clean(page)
    seconds = time.perf_counter() - t
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line("clean() one process", len(pages) * repeat, sum(map(len, pages)) * repeat, seconds, f"peak RSS {rss / 1024:.0f} MB")


def run_batch_child(in_dir: str, out_dir: str, jobs: int, *extra: str) -> dict:
    """Run `cleaner batch` in a child; its timing, peak RSS and report status counts."""
    report = out_dir.rstrip("/") + ".report.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _BATCH_CHILD, "batch", in_dir, out_dir, "-q", "-j", str(jobs), "--report", report, *extra],
        capture_output=True, text=True,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"batch failed: {done.stderr[-2000:]}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    from cleaner.report import Summary, read_rows

    summary = Summary.of(read_rows(report))
    res["status"] = f"{summary.done} ok, {summary.skipped} skipped, {summary.failed} failed"
    return res


def bench_batch(files: list[Path], repeat: int, jobs_list=(1, 2), engines=("local",)) -> None:
    with tempfile.TemporaryDirectory(prefix="cleaner-speed-") as tmp:
        src = Path(tmp) / "in"
        nbytes = 0
        for r in range(repeat):
            (src / f"r{r}").mkdir(parents=True)
            for f in files:
                shutil.copyfile(f, src / f"r{r}" / f.name)
                nbytes += f.stat().st_size
        n = len(files) * repeat
        for engine in engines:
            extra = ("--engine", engine) if engine != "local" else ()
            if engine == "dask":  # the fixed cost: start a LocalCluster, plan nothing, close it
                (Path(tmp) / "empty").mkdir()
                for jobs in jobs_list:
                    res = run_batch_child(str(Path(tmp) / "empty"), str(Path(tmp) / f"empty-out{jobs}"), jobs, *extra)
                    print(f"{'dask LocalCluster start+stop':<28} {jobs} worker(s) {res['seconds']:>6.2f} s (included below)", flush=True)
            for jobs in jobs_list:
                res = run_batch_child(str(src), str(Path(tmp) / f"out-{engine}{jobs}"), jobs, *extra)
                label = f"cleaner batch -j {jobs}" if engine == "local" else f"batch --engine {engine} -j {jobs}"
                line(
                    label, n, nbytes, res["seconds"],
                    f"peak RSS main {res['rss_main_kb'] / 1024:.0f} MB, worker {res['rss_worker_kb'] / 1024:.0f} MB; {res['status']}",
                )


def bench_trafilatura(html_files: list[Path]) -> None:
    try:
        import trafilatura
    except ImportError:
        print("trafilatura not installed: skipped")
        return
    pages = [gzip.decompress(f.read_bytes()) for f in html_files]
    trafilatura.extract(pages[0])
    t = time.perf_counter()
    for page in pages:
        trafilatura.extract(page)
    seconds = time.perf_counter() - t
    line("trafilatura.extract (HTML)", len(pages), sum(map(len, pages)), seconds, "same pages, .html.gz decompressed")


def bench_html_alternating(html_files: list[Path], repeat: int) -> None:
    """clean(kind="html") and trafilatura.extract on each page in turn, in one process.

    Timing one tool over the whole set and then the other lets a change in the
    machine's load between the two phases decide the ratio; taking turns page
    by page puts both under the same load.
    """
    import trafilatura

    from cleaner import clean

    pages = [gzip.decompress(f.read_bytes()) for f in html_files]
    clean(pages[0], kind="html")
    trafilatura.extract(pages[0])
    ours = theirs = 0.0
    for _ in range(repeat):
        for page in pages:
            t = time.perf_counter()
            clean(page, kind="html")
            ours += time.perf_counter() - t
            t = time.perf_counter()
            trafilatura.extract(page)
            theirs += time.perf_counter() - t
    n, nbytes = len(pages) * repeat, sum(map(len, pages)) * repeat
    line("clean(html) one process", n, nbytes, ours, "pages in turn with trafilatura")
    line("trafilatura.extract (HTML)", n, nbytes, theirs, f"cleaner's time / trafilatura's: {ours / theirs:.2f}x")


def bench_many_files(n: int, jobs: int) -> None:
    """N small dumps: does a batch stay flat in memory however many files it sees?"""
    body = (
        "Home\nNews\nA headline about the council and the bridge {i}\n"
        "The city council voted on Tuesday to approve a new bridge, ending a debate that lasted three years. "
        "Story {i} adds detail about the cost and the schedule of the works.\n"
        "Leave a Reply\nCopyright 2024 Example News\n"
    )
    with tempfile.TemporaryDirectory(prefix="cleaner-files-") as tmp:
        src = Path(tmp) / "in"
        t = time.perf_counter()
        for i in range(n):
            folder = src / f"d{i // 1000:04d}"
            if i % 1000 == 0:
                folder.mkdir(parents=True)
            (folder / f"p{i:07d}.txt").write_text(body.format(i=i), encoding="utf-8")
        print(f"generated {n} files in {time.perf_counter() - t:.1f} s", flush=True)
        res = run_batch_child(str(src), str(Path(tmp) / "out"), jobs)
        line(
            f"cleaner batch -j {jobs}, {n} files", n, len(body) * n, res["seconds"],
            f"peak RSS main {res['rss_main_kb'] / 1024:.0f} MB, worker {res['rss_worker_kb'] / 1024:.0f} MB; {res['status']}",
        )


def bench_stages(pages: list[bytes], repeat: int) -> None:
    """Each step of cleaning a dump, timed alone over the same pages, in ms per page.

    The steps are run one after the other on each page, as one pass of
    clean() runs them; the last column is the speed the step alone would
    allow. The steps are one pass; "pipeline, all passes" is the whole
    judgement (2-3 passes, each removal explained), without decoding and
    splitting. What a page must at least cost in this design is the
    per-block work every page needs (normalising, statistics, rule matching).
    """
    from cleaner import linemodel, pipeline
    from cleaner.document import split_blocks, to_text
    from cleaner.features import guess_language, stop_list, text_stats
    from cleaner.normalize import normalize

    rulesets = pipeline.default_rulesets()
    model = linemodel.load()
    steps: dict[str, float] = {}

    def timed(name, fn):
        t = time.perf_counter()
        result = fn()
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
        return result

    pipeline.run(split_blocks(to_text(pages[0])), rulesets)  # compile rules, load the model
    for _ in range(repeat):
        for page in pages:
            text = timed("decode", lambda: to_text(page))
            blocks = timed("split into blocks", lambda: split_blocks(text))
            norms = timed("normalise blocks", lambda: [normalize(b.text) for b in blocks])
            lang = timed("guess language", lambda: guess_language(b.text for b in blocks))
            stop = stop_list(lang)
            timed("block statistics", lambda: [text_stats(b.text, stop) for b in blocks])
            matcher = pipeline.matcher_for(pipeline.active_rulesets(rulesets, norms, None, lang))
            timed("rule matching", lambda: [matcher.match(n, b.text) if n else None for n, b in zip(norms, blocks)])
            page_ = pipeline.read_page(blocks, rulesets, None)
            layout = timed("layout heuristics", lambda: pipeline.analyse(page_))
            if model is not None:
                rows = timed("model features", lambda: linemodel.features(page_, layout))
                certain = [h is not None and h.action != "keep" for h in page_.hits]
                timed("model prediction", lambda: model.predict(rows, certain))
            timed("pipeline, all passes", lambda: pipeline.run(blocks, rulesets))
    n = len(pages) * repeat
    blocks_per_page = sum(len(split_blocks(to_text(p))) for p in pages) / len(pages)
    print(f"{len(pages)} dumps x {repeat}, {blocks_per_page:.0f} blocks per page on average")
    print(f"{'step':<22} {'ms/page':>8} {'docs/s if alone':>16}")
    for name, seconds in steps.items():
        ms = 1000 * seconds / n
        print(f"{name:<22} {ms:>8.2f} {1000 / ms if ms else float('inf'):>16.0f}", flush=True)
    floor = sum(steps[k] for k in ("normalise blocks", "block statistics", "rule matching")) * 1000 / n
    print(f"{'per-block floor':<22} {floor:>8.2f} {1000 / floor:>16.0f}   (normalise + statistics + rules)")


def profile_clean(pages: list[bytes]) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument not installed (pip install pyinstrument): no profile")
        return
    from cleaner import clean

    clean(pages[0])
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for page in pages:
        clean(page)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=str(DEFAULT_BENCH), help="folder of NAME.txt dumps (and NAME.html.gz pages)")
    parser.add_argument("--repeat", type=int, default=1, help="run over the set this many times")
    parser.add_argument("--limit", type=int, help="use only the first N documents")
    parser.add_argument("--files", type=int, help="instead: peak RSS of a batch over N generated small files")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="workers for --files (default 2)")
    parser.add_argument("--profile", action="store_true", help="instead: profile clean() with pyinstrument")
    parser.add_argument("--stages", action="store_true", help="instead: the cost of each step of clean() on a dump, per page")
    parser.add_argument("--no-trafilatura", action="store_true")
    parser.add_argument("--html", action="store_true", help="instead: clean(html) against trafilatura.extract, page by page in turn")
    parser.add_argument("--dask", action="store_true", help="instead: batch on a Dask LocalCluster (1 and 2 workers) against the local engine")
    args = parser.parse_args(argv)

    if args.files:
        bench_many_files(args.files, args.jobs)
        return 0
    files = sorted(Path(p) for p in glob.glob(os.path.join(args.bench, "*.txt")))[: args.limit]
    if not files:
        print(f"{args.bench}: no *.txt dumps", file=sys.stderr)
        return 2
    pages = [f.read_bytes() for f in files]
    if args.profile:
        profile_clean(pages)
        return 0
    if args.stages:
        bench_stages(pages, args.repeat)
        return 0
    if args.html:
        html = [f.with_name(f.name[:-4] + ".html.gz") for f in files]
        bench_html_alternating([h for h in html if h.exists()], args.repeat)
        return 0
    print(f"{len(files)} dumps ({mb(sum(map(len, pages))):.1f} MB) from {args.bench}, repeated {args.repeat}x", flush=True)
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("Dask is not installed: pip install 'cleaner[dask]'", file=sys.stderr)
            return 2
        bench_batch(files, args.repeat, engines=("local", "dask"))
        return 0
    bench_clean(pages, args.repeat)
    bench_batch(files, args.repeat)
    if not args.no_trafilatura:
        html = [f.with_name(f.name[:-4] + ".html.gz") for f in files]
        bench_trafilatura([h for h in html if h.exists()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
