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
Needs scikit-learn (training only; the shipped model is plain JSON).
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
from sklearn.ensemble import GradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaner import linemodel, pipeline  # noqa: E402
from cleaner.document import split_blocks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "dev"
CACHE = Path(tempfile.gettempdir()) / "cleaner-train-cache"
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")

WEIGHT_SNIPPET = 3.0
WEIGHT_WEAK = 0.5
WEIGHT_FULL = 1.0


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
        lines = {norm(l) for l in body.splitlines() if l.strip()} | {norm(gold.get("title") or "")}
        for b in blocks:
            sh = shingles(b.text)
            if len(_TOKEN.findall(b.text)) >= 4:
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


def dataset(bench: Path):
    """(names, per-document rows, labels, weights)."""
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
        page = pipeline.read_page(blocks, rulesets, None)
        layout = pipeline.analyse(page)
        X = linemodel.features(page, layout)
        y, w = labels_for(bench, name, gold, blocks)
        docs.append((name, X, y, w))
    return docs


def fit(docs, seed=0):
    X = np.array([r for _, xs, _, _ in docs for r in xs], dtype=float)
    y = np.array([v for _, _, ys, _ in docs for v in ys])
    w = np.array([v for _, _, _, ws in docs for v in ws])
    clf = GradientBoostingClassifier(
        n_estimators=120, max_depth=3, learning_rate=0.1, subsample=0.8, min_samples_leaf=20, random_state=seed
    )
    clf.fit(X, y, sample_weight=w)
    return clf


def export(clf, threshold: float) -> dict:
    trees = []
    for est in clf.estimators_[:, 0]:
        t = est.tree_
        leaf_value = (t.value[:, 0, 0] * clf.learning_rate).tolist()
        trees.append([
            [int(f) if f >= 0 else 0 for f in t.feature],
            [float(x) for x in t.threshold],
            [int(x) for x in t.children_left],
            [int(x) for x in t.children_right],
            leaf_value,
        ])
    prior = clf.init_.class_prior_[1]
    return {
        "kind": "trees",
        "features": list(linemodel.FEATURES),
        "threshold": threshold,
        "bias": float(np.log(prior / (1 - prior))),
        "trees": trees,
        "trained_on": "development benchmark (trafilatura-eval + scrapinghub dev split)",
    }


def end_to_end(bench: Path, names: list[str]) -> float:
    """Clean the named dumps with the currently loaded model and score them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score", bench.parent / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    from cleaner import clean

    with tempfile.TemporaryDirectory() as gold_dir, tempfile.TemporaryDirectory() as out:
        for name in names:
            os.symlink(bench / f"{name}.json", Path(gold_dir) / f"{name}.json")
            text = clean((bench / f"{name}.txt").read_text(encoding="utf-8"))
            Path(out, f"{name}.txt").write_text(text, encoding="utf-8")
        result = score.evaluate(gold_dir, out)
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    ap.add_argument("--cv", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    # the layout features must not depend on a previously trained model
    saved = linemodel.MODEL_PATH.read_bytes() if linemodel.MODEL_PATH.exists() else None
    docs = dataset(args.bench)
    n_blocks = sum(len(d[1]) for d in docs)
    print(f"{len(docs)} documents, {n_blocks} blocks, {sum(sum(d[2]) for d in docs)} article blocks")
    if args.cv:
        folds = [[d for k, d in enumerate(docs) if k % args.cv == f] for f in range(args.cv)]
        scores = []
        for f in range(args.cv):
            train = [d for g in range(args.cv) if g != f for d in folds[g]]
            model = export(fit(train), args.threshold)
            linemodel.load.cache_clear()
            linemodel.MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
            linemodel.MODEL_PATH.write_text(json.dumps(model), encoding="utf-8")
            result = end_to_end(args.bench, [d[0] for d in folds[f]])
            sets = {k: round(v["f1"], 4) for k, v in result["sets"].items()}
            print(f"fold {f}: F1 {result['f1']:.4f} {sets}")
            scores.append(result)
        mean = sum(r["f1"] for r in scores) / len(scores)
        print(f"cross-validated F1 (mean of folds): {mean:.4f}")
    if saved is not None:
        linemodel.MODEL_PATH.write_bytes(saved)
    if not args.no_write:
        model = export(fit(docs), args.threshold)
        linemodel.MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        linemodel.MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
        print(f"wrote {linemodel.MODEL_PATH} ({linemodel.MODEL_PATH.stat().st_size // 1024} KiB)")
    elif saved is None and linemodel.MODEL_PATH.exists():
        linemodel.MODEL_PATH.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
