"""The fixture pages: clean(dump) must give the hand-written article (fixtures/README.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import clean

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DUMPS = FIXTURES / "dumps"
EXPECTED = FIXTURES / "expected"
KNOWN_FAILURES = FIXTURES / "known_failures.txt"
# The hand-annotated seed pages: they pass exactly, always.
SEEDS = ("000_d20e688e2982bb1f", "001_54f2a879d566ec39")


def normalise(text: str) -> str:
    """Whitespace-normalised: how expected files are compared (line wrapping does not count)."""
    return " ".join(text.split())


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def known_failures() -> dict[str, str]:
    """NAME -> reason, from fixtures/known_failures.txt (`#` comments, blank lines allowed)."""
    reasons = {}
    if not KNOWN_FAILURES.exists():
        return reasons
    for number, line in enumerate(read(KNOWN_FAILURES).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, *reason = line.split(None, 1)
        assert reason, f"{KNOWN_FAILURES}:{number}: {name} has no reason"
        reasons[name] = reason[0]
    return reasons


NAMES = sorted(p.stem for p in DUMPS.glob("*.txt"))
FAILING = known_failures()


def fixture_params():
    for name in NAMES:
        marks = []
        if name in FAILING:
            marks.append(pytest.mark.xfail(strict=True, reason=FAILING[name]))
        yield pytest.param(name, id=name, marks=marks)


def difference(got: str, expected: str) -> str:
    """What was wrongly kept and wrongly removed, block by block, for the failure message."""
    got_blocks = [b.strip() for b in got.split("\n\n") if b.strip()]
    want = {normalise(b) for b in expected.split("\n\n") if b.strip()}
    have = {normalise(b) for b in got_blocks}
    lines = [f"wrongly kept: {b[:100]!r}" for b in got_blocks if normalise(b) not in want]
    lines += [f"wrongly removed: {b[:100]!r}" for b in sorted(want - have)]
    return "\n".join(lines) or "same blocks, different order or repetition"


@pytest.mark.parametrize("name", list(fixture_params()))
def test_clean_gives_the_expected_article(name):
    got = clean(read(DUMPS / f"{name}.txt"))
    expected = read(EXPECTED / f"{name}.txt")
    assert normalise(got) == normalise(expected), difference(got, expected)


def test_every_dump_has_an_expected_file_and_the_reverse():
    expected = sorted(p.stem for p in EXPECTED.glob("*.txt"))
    assert expected == NAMES
    assert len(NAMES) >= 12


def test_seeds_are_present_and_never_known_failures():
    for seed in SEEDS:
        assert seed in NAMES
        assert seed not in FAILING, f"{seed} is a seed page: it must pass, not be listed in {KNOWN_FAILURES.name}"


def test_known_failures_name_existing_fixtures():
    assert set(FAILING) <= set(NAMES), f"unknown names in {KNOWN_FAILURES.name}: {sorted(set(FAILING) - set(NAMES))}"


def test_expected_blocks_are_dump_blocks_in_dump_order():
    """Expected files follow the design: nothing invented, nothing reordered."""
    for name in NAMES:
        lines = [line.strip() for line in read(DUMPS / f"{name}.txt").splitlines() if line.strip()]
        position = 0
        for block in (b.strip() for b in read(EXPECTED / f"{name}.txt").split("\n\n") if b.strip()):
            block = normalise(block)
            found = next((i for i in range(position, len(lines)) if normalise(lines[i]) == block), None)
            assert found is not None, f"{name}: expected block not in the dump after line {position}: {block[:80]!r}"
            position = found + 1


def cleaner_command() -> list[str]:
    """The installed `cleaner` script when on PATH, else the same entry point through -m."""
    script = shutil.which("cleaner")
    return [script] if script else [sys.executable, "-m", "cleaner"]


def test_readme_batch_command_cleans_every_dump(tmp_path):
    """`cleaner batch fixtures/dumps out/`: exit 0, one output per dump, input untouched."""
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in DUMPS.iterdir()}
    result = subprocess.run(
        [*cleaner_command(), "batch", str(DUMPS), str(out), "-q"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in out.glob("*.txt")) == NAMES
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.txt" for n in NAMES)
    for name in NAMES:
        headline = read(EXPECTED / f"{name}.txt").split("\n", 1)[0].strip()
        assert headline in read(out / f"{name}.txt"), f"{name}: headline missing from the batch output"
    assert {p.name: p.read_bytes() for p in DUMPS.iterdir()} == before
