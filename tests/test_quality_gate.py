"""Quality gate: the dev benchmark's F1 must not drop below the pinned floors.

Raise a floor when the cleaner improves; never lower it to make a change pass.
Skipped (with the reason) when the benchmark folder is not beside the repository.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "dev"

# Pinned floors, from `python bench/quality.py` (dumps) and
# `python bench/quality.py --html` (the same pages' HTML) on the dev set (see README).
FLOOR_OVERALL = 0.952
FLOOR_PER_SET = 0.951
FLOOR_HTML = 0.968

pytestmark = pytest.mark.skipif(
    not (BENCH / "INDEX.tsv").exists(), reason=f"benchmark not found at {BENCH}"
)


def _quality():
    spec = importlib.util.spec_from_file_location("quality", Path(__file__).resolve().parent.parent / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality"] = module
    spec.loader.exec_module(module)
    return module


def _dev_f1(html: bool):
    quality = _quality()
    scorer = quality.load_scorer(BENCH)
    index = quality.read_index(BENCH)
    suffix = ".html.gz" if html else ".txt"
    tasks = [(n, str(BENCH / f"{n}{suffix}"), html) for n in sorted(index) if (BENCH / f"{n}{suffix}").exists()]
    outputs, _ = quality.run(tasks, quality._clean_one, workers=2)
    return quality.score(scorer, BENCH, outputs)


@pytest.fixture(scope="module")
def dev_result():
    return _dev_f1(html=False)


def test_overall_f1_above_floor(dev_result):
    assert dev_result["f1"] >= FLOOR_OVERALL, f"dev F1 {dev_result['f1']:.4f} fell below the floor {FLOOR_OVERALL}"


def test_each_set_above_floor(dev_result):
    for name, figures in dev_result["sets"].items():
        assert figures["f1"] >= FLOOR_PER_SET, f"{name} F1 {figures['f1']:.4f} fell below the floor {FLOOR_PER_SET}"


def test_html_f1_above_floor():
    result = _dev_f1(html=True)
    assert result["f1"] >= FLOOR_HTML, f"dev F1 on HTML {result['f1']:.4f} fell below the floor {FLOOR_HTML}"
