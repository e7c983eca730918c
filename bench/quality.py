#!/usr/bin/env python3
"""Accuracy of `cleaner` on a benchmark folder, with breakdowns and the worst documents.

    python bench/quality.py [--bench DIR] [--html] [--compare] [--worst N] [--out DIR] [--json]

DIR (default: ../shared/bench/dev beside the repository) holds NAME.txt dumps,
NAME.html.gz pages, NAME.json gold, INDEX.tsv and the scorer score.py one level
up. Prints: overall F1 and per set (the scorer's figures), then per language
guess, per dump style and per source, each group scored with the same metric
(mean of the set F1s present in the group), the seed dumps' exactness, and the
worst documents with what was wrongly kept or removed.

--html     clean the original HTML (NAME.html.gz) instead of the dump
--compare  also run trafilatura.extract on the same pages' HTML, in the same
           run (defaults, then include_comments=False), and print its rows
           beside cleaner's
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "dev"
SEEDS = ROOT.parent / "shared" / "seeds"


def load_scorer(bench: Path):
    path = bench.parent / "score.py"
    spec = importlib.util.spec_from_file_location("bench_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_index(bench: Path) -> dict[str, dict]:
    index = {}
    with open(bench / "INDEX.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            index[row["name"]] = row
    return index


def _clean_one(args):
    name, path, html = args
    from cleaner import clean

    if html:
        with gzip.open(path, "rb") as f:
            data = f.read()
        return name, clean(data, kind="html")
    with open(path, encoding="utf-8") as f:
        return name, clean(f.read())


def _trafilatura_one(args):
    name, path = args[:2]
    options = args[2] if len(args) > 2 else {}
    import trafilatura

    with gzip.open(path, "rb") as f:
        data = f.read()
    return name, trafilatura.extract(data, **options) or ""


def run(tasks, fn, workers: int) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    if workers <= 1:
        results = dict(map(fn, tasks))
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = dict(pool.map(fn, tasks, chunksize=8))
    return results, time.perf_counter() - started


def score(scorer, bench: Path, outputs: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in outputs.items():
            Path(tmp, name + ".txt").write_text(text, encoding="utf-8")
        return scorer.evaluate(str(bench), tmp)


def group_f1(scorer, docs: list[dict]) -> float:
    by_set: dict[str, list[dict]] = {}
    for d in docs:
        by_set.setdefault(d["source"], []).append(d)
    f1s = [scorer.aggregate(ds[0]["kind"], ds)["f1"] for ds in by_set.values()]
    return sum(f1s) / len(f1s) if f1s else 0.0


def breakdown(scorer, result: dict, index: dict, key: str) -> list[tuple[str, int, float]]:
    groups: dict[str, list[dict]] = {}
    for d in result["docs"]:
        groups.setdefault(index.get(d["name"], {}).get(key, "?"), []).append(d)
    return sorted(((g, len(ds), group_f1(scorer, ds)) for g, ds in groups.items()), key=lambda r: -r[1])


def seeds_exact() -> list[tuple[str, bool]]:
    from cleaner import clean

    rows = []
    for expected in sorted(SEEDS.glob("*.expected.txt")):
        dump = expected.with_name(expected.name.replace(".expected.txt", ".txt"))
        got = clean(dump.read_text(encoding="utf-8"))
        rows.append((dump.name, got.split() == expected.read_text(encoding="utf-8").split()))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    ap.add_argument("--html", action="store_true", help="clean NAME.html.gz instead of NAME.txt")
    ap.add_argument("--compare", action="store_true", help="also score trafilatura on the HTML")
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, help="also write cleaner's outputs here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if not (args.bench / "INDEX.tsv").exists():
        print(f"no benchmark at {args.bench} (INDEX.tsv missing)", file=sys.stderr)
        return 2
    scorer = load_scorer(args.bench)
    index = read_index(args.bench)
    names = sorted(index)
    suffix = ".html.gz" if args.html else ".txt"
    tasks = [(n, str(args.bench / (n + suffix)), args.html) for n in names if (args.bench / (n + suffix)).exists()]
    outputs, seconds = run(tasks, _clean_one, args.workers)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in outputs.items():
            (args.out / (name + ".txt")).write_text(text, encoding="utf-8")
    result = score(scorer, args.bench, outputs)
    rows = [("cleaner (" + ("html" if args.html else "dump") + ")", result, seconds, len(tasks))]
    if args.compare:
        t_tasks = [(n, str(args.bench / (n + ".html.gz"))) for n in names if (args.bench / (n + ".html.gz")).exists()]
        t_out, t_sec = run(t_tasks, _trafilatura_one, args.workers)
        rows.append(("trafilatura (html, defaults)", score(scorer, args.bench, t_out), t_sec, len(t_tasks)))
        nc_tasks = [t + ({"include_comments": False},) for t in t_tasks]
        nc_out, nc_sec = run(nc_tasks, _trafilatura_one, args.workers)
        rows.append(("trafilatura (html, no comments)", score(scorer, args.bench, nc_out), nc_sec, len(nc_tasks)))

    sets = sorted(result["sets"])
    figures = {}
    print(f"{'method':<30} " + " ".join(f"{s[:16]:>16}" for s in sets) + f" {'F1':>7} {'docs/s':>8}")
    for label, res, sec, n in rows:
        cells = " ".join(f"{res['sets'][s]['f1']:>16.4f}" for s in sets)
        print(f"{label:<30} {cells} {res['f1']:>7.4f} {n / sec if sec else 0:>8.1f}")
        figures[label] = {"F1": res["f1"], "sets": {s: res["sets"][s]["f1"] for s in sets}, "docs_per_s": n / sec if sec else 0}
    for key, title in (("lang_guess", "language guess"), ("style", "dump style"), ("source", "source")):
        print(f"\nby {title}:")
        for group, count, f1 in breakdown(scorer, result, index, key):
            flag = "  <-- more than 0.05 below overall" if f1 < result["f1"] - 0.05 and count >= 5 else ""
            print(f"  {group:<20} {count:>4} docs  F1 {f1:.4f}{flag}")
            figures.setdefault(key, {})[group] = {"docs": count, "F1": f1}
    if SEEDS.is_dir() and not args.html:
        print("\nseed dumps:")
        for name, ok in seeds_exact():
            print(f"  {name:<30} {'exact' if ok else 'DIFFERS'}")
    worst = scorer._worst(result["docs"], args.worst)
    if worst:
        print(f"\n{len(worst)} worst documents")
    for d in worst:
        print(f"\n{d['name']} [{d['source']}, {index.get(d['name'], {}).get('style', '?')}] P={d['p']:.3f} R={d['r']:.3f} F1={d['f1']:.3f}")
        for label, items in (("kept", d["wrongly_kept"]), ("removed", d["wrongly_removed"])):
            for text in items[:3]:
                print(f"  wrongly {label}: {scorer._short(text)}")
    for s in sets:
        print(f"\n{s} F1 {result['sets'][s]['f1']:.4f}", end="")
    print(f"\nF1 {result['f1']:.4f}")
    if args.json:
        json.dump(figures, sys.stdout, indent=1)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
