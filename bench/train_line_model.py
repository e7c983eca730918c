#!/usr/bin/env python3
"""Train the line model on the development benchmark and write it as package data.

    python bench/train_line_model.py [--bench DIR] [--cv K] [--no-write]

Trains only on the development set (default ../shared/bench/dev). Labels per
dump block come from the gold:
  scrapinghub (full body)  a block is article when most of its token 4-grams
                           are in the gold body (short blocks: when they are a
                           gold line or the title);
  trafilatura-eval         blocks holding a "with" snippet are article, blocks
                           holding a "without" snippet are not (weighted up:
                           they are what the metric counts); the remaining
                           blocks get a weak label from trafilatura's
                           extraction of the page's HTML (weighted down).
--cv K   also reports K-fold cross-validated end-to-end F1 (the model of each
         fold cleans the documents it did not see): the honest estimate.
         With --cv-html, each fold's model also cleans those documents' HTML.
Needs scikit-learn >= 1.4 (training only; the shipped model is plain JSON).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaner import linemodel, pipeline  # noqa: E402
from cleaner.document import split_blocks  # noqa: E402
from cleaner.model import Block  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "dev"
CACHE = Path(tempfile.gettempdir()) / "cleaner-train-cache"
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")

WEIGHT_SNIPPET = 3.0
WEIGHT_WEAK = 0.5
WEIGHT_FULL = 1.0
WEIGHT_AUGMENT = 0.5
ITERATIONS = 200
LEAVES = 16
# each split sees a random half of the features (scikit-learn >= 1.4): the
# trees lean less on any one column, which carries better to unseen sites
# (3-fold cross-validation: mean F1 0.8932 with all features, 0.8948 with
# half, one seed each; the seed alone moves that mean by about 0.005)
FEATURE_SHARE = 0.5
BAG = 1
MIN_LEAF = 40
# The score is a mean over documents, but a page of 1,000 blocks weighs fifty
# times one of 20 in the training loss. Each page's weights are scaled by
# (median blocks per page / its blocks) ** DOC_WEIGHT: 0 leaves them as they
# are, 1 gives every page about the weight of a median one.
DOC_WEIGHT = 0.0
INNER_FOLDS = 3


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", _WS.sub(" ", text).strip())


def shingles(text: str) -> set:
    toks = _TOKEN.findall(text)
    if len(toks) < 4:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + 4]) for i in range(len(toks) - 3)}


def trafilatura_text(bench: Path, name: str) -> str:
    CACHE.mkdir(exist_ok=True)
    path = bench / f"{name}.html.gz"
    key = CACHE / (hashlib.sha1(str(path).encode()).hexdigest() + ".txt")
    if key.exists():
        return key.read_text(encoding="utf-8")
    import trafilatura

    text = ""
    if path.exists():
        with gzip.open(path, "rb") as f:
            text = trafilatura.extract(f.read()) or ""
    key.write_text(text, encoding="utf-8")
    return text


def labels_for(bench: Path, name: str, gold: dict, blocks) -> tuple[list[int], list[float]]:
    ys, ws = [], []
    if "body" in gold:
        body = gold.get("body") or ""
        g = shingles(body)
        title = norm(gold.get("title") or "")
        lines = {norm(l) for l in body.splitlines() if l.strip()} | {title}
        for b in blocks:
            sh = shingles(b.text)
            if title and norm(b.text) == title:
                y = True  # the headline is the article's (the score leaves it neutral)
            elif len(_TOKEN.findall(b.text)) >= 4:
                y = sum(1 for s in sh if s in g) * 2 > len(sh)
            else:
                y = norm(b.text) in lines
            ys.append(int(y))
            ws.append(WEIGHT_FULL)
        return ys, ws
    withs = [norm(w) for w in gold.get("with", []) if norm(w)]
    withouts = [norm(w) for w in gold.get("without", []) if norm(w)]
    weak = norm(trafilatura_text(bench, name))
    for b in blocks:
        t = norm(b.text)
        if any(w in t or (len(t) >= 20 and t in w) for w in withs):
            ys.append(1)
            ws.append(WEIGHT_SNIPPET)
        elif any(w in t for w in withouts):
            ys.append(0)
            ws.append(WEIGHT_SNIPPET)
        else:
            ys.append(int(len(t) >= 15 and t in weak))
            ws.append(WEIGHT_WEAK)
    return ys, ws


def _page_rows(blocks, rulesets):
    page = pipeline.read_page(blocks, rulesets, None)
    return linemodel.features(page, pipeline.analyse(page))


def _renumber(blocks):
    """The blocks as a cleaned output reads back: renumbered, no indentation."""
    return [Block(k, b.text, 0) for k, b in enumerate(blocks)]


def dataset(bench: Path, augment: bool = True):
    """Pages as (document name, rows, labels, weights): each dump, then its extra pages.

    Besides each dump, the model sees two other pages per document, so that it
    learns to leave text that is already clean alone (cleaning must be
    idempotent, and HTML input arrives as extracted main content):
      - the dump's article blocks alone (what a good cleaning returns);
      - the blocks cleaner.html extracts from the page's HTML.
    """
    from cleaner.html import html_to_blocks

    rulesets = pipeline.default_rulesets()
    docs = []
    for gold_path in sorted(bench.glob("*.json")):
        name = gold_path.stem
        dump = bench / f"{name}.txt"
        if not dump.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        blocks = split_blocks(dump.read_text(encoding="utf-8"))
        if not blocks:
            continue
        y, w = labels_for(bench, name, gold, blocks)
        docs.append((name, _page_rows(blocks, rulesets), y, w))
        if augment:
            article = _renumber([b for b, label in zip(blocks, y) if label])
            if article:
                y2, w2 = labels_for(bench, name, gold, article)
                docs.append((name, _page_rows(article, rulesets), y2, [v * WEIGHT_AUGMENT for v in w2]))
            html_path = bench / f"{name}.html.gz"
            if html_path.exists():
                with gzip.open(html_path, "rb") as f:
                    raw = f.read()
                from cleaner.document import to_text

                hblocks, _ = html_to_blocks(to_text(raw))
                if hblocks:
                    y3, w3 = labels_for(bench, name, gold, hblocks)
                    docs.append((name, _page_rows(hblocks, rulesets), y3, [v * WEIGHT_AUGMENT for v in w3]))
    return docs


def cached_dataset(bench: Path, augment: bool):
    """dataset(), remembered across runs while the code and data it reads are unchanged."""
    digest = hashlib.sha1(f"{bench}|{augment}".encode())
    digest.update(Path(__file__).read_bytes())  # the labels and weights are made here
    package = ROOT / "cleaner"
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt") :
            digest.update(path.read_bytes())
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"dataset-{digest.hexdigest()[:16]}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    docs = dataset(bench, augment)
    path.write_bytes(pickle.dumps(docs))
    return docs


def fold_of(name: str, k: int) -> int:
    """Pages of one document always fall in the same fold."""
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % k


def _matrix(docs, column):
    return np.array([r for d in docs for r in d[column]], dtype=float)


def balance_pages(docs, power: float):
    """The pages with their weights scaled by (median blocks / blocks) ** power.

    With power 1 every page's blocks weigh, all told, what a median page's
    would with the same labels; their weights within a page keep their ratios.
    """
    if not power or not docs:
        return docs
    sizes = sorted(len(d[1]) for d in docs)
    median = sizes[len(sizes) // 2]
    return [(name, rows, y, [v * (median / max(1, len(rows))) ** power for v in w]) for name, rows, y, w in docs]


def _fit_trees(X, y, w, seed=0, bag=1, min_leaf=MIN_LEAF):
    """`bag` models on different feature-sampling seeds, each with 1/bag of the trees
    (and bag times the learning rate): their average has the cost of one model
    and less of the noise any one seed's sampling brings."""
    members = []
    for k in range(bag):
        clf = HistGradientBoostingClassifier(
            max_iter=ITERATIONS // bag, max_leaf_nodes=LEAVES, learning_rate=0.1 * bag, min_samples_leaf=min_leaf,
            l2_regularization=1.0, random_state=seed + k, early_stopping=False, max_features=FEATURE_SHARE,
        )
        clf.fit(X, y, sample_weight=w)
        members.append(clf)
    return members


def _predict(members, X) -> np.ndarray:
    """The bag's probability: the members' margins averaged (what the exported trees compute)."""
    margin = np.mean([m.decision_function(X) for m in members], axis=0)
    return 1.0 / (1.0 + np.exp(-margin))


def _export_trees(members) -> dict:
    """One tree list for the bag: each member's leaf values divided by the bag's size."""
    trees = []
    for clf in members:
        for (predictor,) in clf._predictors:
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            trees.append([
                [int(f) for f in nodes["feature_idx"]],
                [float(t) for t in nodes["num_threshold"]],
                [-1 if lf else int(l) for l, lf in zip(nodes["left"], leaf)],
                [-1 if lf else int(r) for r, lf in zip(nodes["right"], leaf)],
                [round(float(v) / len(members), 6) if lf else 0.0 for v, lf in zip(nodes["value"], leaf)],
            ])
    bias = float(np.mean([np.ravel(clf._baseline_prediction)[0] for clf in members]))
    return {"kind": "trees", "bias": bias, "trees": trees}


_DROP = linemodel.FEATURES.index("rule_drop")
_TAIL = linemodel.FEATURES.index("rule_tail")


def _certain(rows):
    """Rule hits, which LineModel.predict scores 0 without evaluating the trees."""
    return [row[_DROP] > 0 or row[_TAIL] > 0 for row in rows]


def _stack(docs, probs_per_doc):
    out = []
    for d, probs in zip(docs, probs_per_doc):
        probs = [0.0 if c else p for p, c in zip(probs, _certain(d[1]))]
        out.append(linemodel.stack_features(d[1], probs))
    return out


def fit(docs, seed=0, bag=1, min_leaf=MIN_LEAF) -> dict:
    """Stage 1 on all docs; stage 2 on stage-1 probabilities predicted out of fold."""
    y = np.array([v for d in docs for v in d[2]])
    w = np.array([v for d in docs for v in d[3]])
    oof = [None] * len(docs)
    for f in range(INNER_FOLDS):
        train = [d for d in docs if fold_of(d[0], INNER_FOLDS) != f]
        members = _fit_trees(_matrix(train, 1), np.array([v for d in train for v in d[2]]),
                             np.array([v for d in train for v in d[3]]), seed, bag, min_leaf)
        for k, d in enumerate(docs):
            if fold_of(d[0], INNER_FOLDS) == f:
                oof[k] = _predict(members, np.array(d[1], dtype=float)).tolist()
    stage1 = _fit_trees(_matrix(docs, 1), y, w, seed, bag, min_leaf)
    X2 = np.array([r for rows in _stack(docs, oof) for r in rows], dtype=float)
    stage2 = _fit_trees(X2, y, w, seed, bag, min_leaf)
    return {"stage1": _export_trees(stage1), "stage2": _export_trees(stage2), "_check": (stage1, docs[0])}


def export(fitted, threshold: float) -> dict:
    stage1, doc = fitted.pop("_check")
    spec = {
        "features": list(linemodel.FEATURES),
        "stack_features": list(linemodel.STACK_FEATURES),
        "threshold": threshold,
        **fitted,
        "trained_on": "development benchmark (trafilatura-eval + scrapinghub dev split)",
    }
    # the plain-Python evaluation must agree with scikit-learn's
    mine = linemodel.Trees(spec["stage1"], len(linemodel.FEATURES)).predict(doc[1])
    theirs = _predict(stage1, np.array(doc[1], dtype=float))
    assert max(abs(a - b) for a, b in zip(mine, theirs)) < 1e-4, "exported trees disagree with scikit-learn"
    return spec


def end_to_end(bench: Path, names: list[str], keep: Path | None = None, html: bool = False) -> dict:
    """Clean the named dumps (or, with `html`, their NAME.html.gz pages) with the
    currently loaded model and score them (outputs kept in `keep`)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score", bench.parent / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    from cleaner import clean

    with tempfile.TemporaryDirectory() as gold_dir, tempfile.TemporaryDirectory() as out:
        for name in names:
            os.symlink((bench / f"{name}.json").resolve(), Path(gold_dir) / f"{name}.json")
            if html:
                page = bench / f"{name}.html.gz"
                text = clean(page.read_bytes(), kind="html") if page.exists() else ""
            else:
                text = clean((bench / f"{name}.txt").read_text(encoding="utf-8"))
            Path(out, f"{name}.txt").write_text(text, encoding="utf-8")
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"{name}.txt").write_text(text, encoding="utf-8")
        result = score.evaluate(gold_dir, out)
    return result


def _report(label: str, result: dict) -> None:
    """One scored run: its F1 and each set's."""
    sets = {k: round(v["f1"], 4) for k, v in result["sets"].items()}
    print(f"{label} F1 {result['f1']:.4f} {sets}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    ap.add_argument("--cv", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--try-thresholds", default="", help="comma-separated thresholds also scored in each fold")
    ap.add_argument("--no-augment", action="store_true", help="train on the dumps only")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--cv-out", type=Path, help="keep each document's cross-validated output here")
    ap.add_argument("--cv-html", action="store_true", help="also clean each fold's NAME.html.gz pages and score them")
    ap.add_argument("--seed", type=int, default=0, help="seed of the trees' feature sampling (the shipped model uses 0)")
    ap.add_argument("--bag", type=int, default=BAG, help=f"models averaged per stage, on seeds SEED, SEED+1, ... (default {BAG})")
    ap.add_argument("--doc-weight", type=float, default=DOC_WEIGHT,
                    help=f"scale each page's weights by (median blocks / its blocks) ** this (default {DOC_WEIGHT})")
    ap.add_argument("--min-leaf", type=int, default=MIN_LEAF, help=f"fewest blocks per tree leaf (default {MIN_LEAF})")
    args = ap.parse_args(argv)
    if not 1 <= args.bag <= ITERATIONS:
        ap.error(f"--bag must be between 1 and {ITERATIONS} (each model gets {ITERATIONS} // bag trees)")
    if not 0 <= args.doc_weight <= 2:
        ap.error("--doc-weight must be between 0 and 2")
    if args.min_leaf < 1:
        ap.error("--min-leaf must be at least 1")
    shipped = linemodel.MODEL_PATH
    if not any(args.bench.glob("*.json")):
        raise SystemExit(f"{args.bench}: no benchmark documents (NAME.json gold beside NAME.txt); pass --bench DIR")
    docs = balance_pages(cached_dataset(args.bench, augment=not args.no_augment), args.doc_weight)
    print(f"{len({d[0] for d in docs})} documents, {len(docs)} pages, {sum(len(d[1]) for d in docs)} blocks, "
          f"{sum(sum(d[2]) for d in docs)} article blocks", flush=True)
    if args.cv:
        if args.cv_out:
            for stale in args.cv_out.glob("fold*-model.json"):
                stale.unlink()  # an earlier run's folds are not this run's
        # each fold's model goes to a scratch file: the shipped one is not touched
        scratch = Path(tempfile.mkdtemp()) / "line_model.json"
        linemodel.MODEL_PATH = scratch
        results, html_results = [], []
        tried: dict[float | tuple[str, float], list[float]] = {}
        for f in range(args.cv):
            train = [d for d in docs if fold_of("outer" + d[0], args.cv) != f]
            held = sorted({d[0] for d in docs if fold_of("outer" + d[0], args.cv) == f})
            fold_model = json.dumps(export(fit(train, args.seed, args.bag, args.min_leaf), args.threshold))
            scratch.write_text(fold_model, encoding="utf-8")
            if args.cv_out:
                # the fold's model beside its outputs, to read its reasons on the pages it did not see
                args.cv_out.mkdir(parents=True, exist_ok=True)
                (args.cv_out / f"fold{f}-model.json").write_text(fold_model, encoding="utf-8")
            linemodel.load.cache_clear()
            result = end_to_end(args.bench, held, args.cv_out)
            _report(f"fold {f}: {len(held)} documents,", result)
            results.append(result)
            if args.cv_html:
                out = args.cv_out.with_name(args.cv_out.name + "-html") if args.cv_out else None
                other = end_to_end(args.bench, held, out, html=True)
                _report("   html:", other)
                html_results.append(other)
            for t in [float(x) for x in args.try_thresholds.split(",") if x]:
                linemodel.load().threshold = t
                other = end_to_end(args.bench, held)
                _report(f"   threshold {t}:", other)
                tried.setdefault(t, []).append(other["f1"])
                if args.cv_html:
                    other = end_to_end(args.bench, held, html=True)
                    _report(f"   threshold {t}, html:", other)
                    tried.setdefault(("html", t), []).append(other["f1"])
            linemodel.load().threshold = args.threshold
        print(f"cross-validated F1 (mean of folds): {sum(r['f1'] for r in results) / len(results):.4f}")
        if html_results:
            print(f"   html: cross-validated F1 (mean of folds): {sum(r['f1'] for r in html_results) / len(html_results):.4f}")
        for t, f1s in sorted(tried.items(), key=lambda kv: (isinstance(kv[0], tuple), str(kv[0]))):
            label = f"{t[1]}, html" if isinstance(t, tuple) else f"{t}"
            print(f"   threshold {label}: cross-validated F1 {sum(f1s) / len(f1s):.4f}")
        linemodel.MODEL_PATH = shipped
        linemodel.load.cache_clear()
    if not args.no_write:
        model = export(fit(docs, args.seed, args.bag, args.min_leaf), args.threshold)
        shipped.parent.mkdir(parents=True, exist_ok=True)
        tmp = shipped.with_suffix(".tmp")
        tmp.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, shipped)
        print(f"wrote {shipped} ({shipped.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
