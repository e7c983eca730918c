#!/usr/bin/env python3
"""F1 with and without learned site templates, on the site fixtures and the dev set.

    python bench/templates_quality.py [--sites DIR] [--bench DIR] [--no-dev] [--worst N]

Site fixtures (fixtures/sites/<site>/NAME.txt, gold NAME.expected.txt, URL in
NAME.url): all sites cleaned as one folder,
  - without templates,
  - learned by URL (the .url sidecars),
  - learned by shared chrome (URLs ignored),
scored with the shingle scorer (../shared/bench/score.py), overall and per site.

Dev set (../shared/bench/dev, one folder of unrelated sites): without
templates, learned by shared chrome (what `batch --learn` does on a folder
without URLs), and learned by URL (the INDEX.tsv url column as a manifest).
Every figure is the scorer's `F1` on the same outputs of this run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SITES = ROOT / "fixtures" / "sites"
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "dev"

_TEMPLATES = None


def _init(templates_path):
    global _TEMPLATES
    if templates_path:
        from cleaner.templates import load_templates

        _TEMPLATES = load_templates(templates_path)
    else:
        _TEMPLATES = None


def _clean(args):
    name, path, url = args
    from cleaner import clean

    with open(path, encoding="utf-8") as f:
        text = f.read()
    extra = {"templates": _TEMPLATES} if _TEMPLATES is not None else {}
    return name, clean(text, url=url, **extra)


def clean_all(tasks, templates_path, workers) -> dict[str, str]:
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(templates_path,)) as pool:
        return dict(pool.map(_clean, tasks, chunksize=4))


def score(scorer: Path, gold: Path, preds: dict[str, str], tmp: Path) -> dict:
    out = Path(tempfile.mkdtemp(dir=tmp))
    for name, text in preds.items():
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
    res = subprocess.run([sys.executable, str(scorer), str(gold), str(out), "--json"], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def learn(pages, use_urls: bool, tmp: Path) -> tuple[str, str]:
    from cleaner.learn_cli import describe
    from cleaner.templates import TemplateLearner

    learner = TemplateLearner()
    for path, url in pages:
        learner.add(Path(path).read_text(encoding="utf-8"), url if use_urls else None)
    templates = learner.templates()
    fd, out = tempfile.mkstemp(suffix=".toml", dir=tmp)
    os.close(fd)
    templates.save(out)
    return out, describe(templates)


def site_fixtures(sites: Path, scorer: Path, workers: int, tmp: Path, worst: int) -> None:
    from cleaner.learn_cli import sidecar_url

    gold = tmp / "sites-gold"
    gold.mkdir()
    tasks, pages = [], []
    for site_dir in sorted(p for p in sites.iterdir() if p.is_dir()):
        for page in sorted(site_dir.glob("*.txt")):
            if page.name.endswith(".expected.txt"):
                continue
            name = f"{site_dir.name}__{page.stem}"
            shutil.copy(page.with_name(page.stem + ".expected.txt"), gold / f"{name}.expected.txt")
            url = sidecar_url(str(page))
            tasks.append((name, str(page), None))  # cleaning itself gets no URL: only learning uses it
            pages.append((str(page), url))
    print(f"site fixtures: {len(tasks)} pages, {len({t[0].split('__')[0] for t in tasks})} sites ({sites})")
    rows = []
    for label, mode in (("no templates", None), ("learned by URL", True), ("learned by shared chrome", False)):
        path, what = (None, "") if mode is None else learn(pages, mode, tmp)
        started = time.perf_counter()
        preds = clean_all(tasks, path, workers)
        result = score(scorer, gold, preds, tmp)
        per_site: dict[str, list[float]] = {}
        for d in result["docs"]:
            per_site.setdefault(d["name"].split("__")[0], []).append(d["f1"])
        rows.append((label, result["F1"], {s: sum(v) / len(v) for s, v in per_site.items()}, what, time.perf_counter() - started))
        if mode is True and worst:
            bad = sorted(result["docs"], key=lambda d: d["f1"])[:worst]
            for d in bad:
                print(f"  worst with templates: {d['name']} F1 {d['f1']:.3f}")
                for t in d["wrongly_kept"][:3]:
                    print(f"    wrongly kept: {t[:100]}")
                for t in d["wrongly_removed"][:3]:
                    print(f"    wrongly removed: {t[:100]}")
    sites_names = sorted(rows[0][2])
    print(f"\n{'mode':<26} {'F1':>6}  " + "  ".join(f"{s[:18]:>18}" for s in sites_names))
    for label, f1, per, what, secs in rows:
        print(f"{label:<26} {f1:6.4f}  " + "  ".join(f"{per[s]:18.4f}" for s in sites_names))
    for label, _, _, what, _ in rows[1:]:
        print(f"  {label}: {what}")


def dev_set(bench: Path, scorer: Path, workers: int, tmp: Path) -> None:
    index = {}
    with open(bench / "INDEX.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            index[row["name"]] = row.get("url") or None
    tasks, pages = [], []
    for page in sorted(bench.glob("*.txt")):
        tasks.append((page.stem, str(page), None))
        pages.append((str(page), index.get(page.stem)))
    print(f"\ndev set: {len(tasks)} dumps ({bench})")
    rows = []
    for label, mode in (("no templates", None), ("learned by shared chrome", False), ("learned by URL (INDEX.tsv)", True)):
        path, what = (None, "") if mode is None else learn(pages, mode, tmp)
        preds = clean_all(tasks, path, workers)
        result = score(scorer, bench, preds, tmp)
        sets = {k: v.get("f1", 0.0) for k, v in result["sets"].items()}
        rows.append((label, result["F1"], sets, what))
    set_names = sorted(rows[0][2])
    print(f"{'mode':<28} {'F1':>6}  " + "  ".join(f"{s:>18}" for s in set_names))
    for label, f1, sets, _ in rows:
        print(f"{label:<28} {f1:6.4f}  " + "  ".join(f"{sets.get(s, 0.0):18.4f}" for s in set_names))
    for label, _, _, what in rows[1:]:
        print(f"  {label}: {what}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=Path, default=DEFAULT_SITES)
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    ap.add_argument("--no-dev", action="store_true", help="site fixtures only")
    ap.add_argument("--worst", type=int, default=3, help="worst site pages to show with templates")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    scorer = args.bench.parent / "score.py"
    with tempfile.TemporaryDirectory(prefix="templates-bench-") as tmp:
        tmp = Path(tmp)
        site_fixtures(args.sites, scorer, args.jobs, tmp, args.worst)
        if not args.no_dev:
            dev_set(args.bench, scorer, args.jobs, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
