"""Batch report rows: the JSONL file, and the summary computed from rows alone.

A row is the dict `batch.process_file` returns. The summary reads nothing
else, so rows made by any engine (local pool, Dask) give the same summary.
Neither keeps the rows: a run over a million files holds counters only.
"""

from __future__ import annotations

import json
from collections import Counter

TOP_REASONS = 8
# Failed files listed in the summary; the report file has all of them.
FAILURES_SHOWN = 10


class ReportWriter:
    """One JSON object per line, flushed per row: an interrupted run keeps its rows."""

    def __init__(self, path: str):
        self.path = path
        self._file = open(path, "w", encoding="utf-8")

    def write(self, row: dict) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_rows(path: str):
    """The rows of a JSONL report, one at a time."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


class Summary:
    """Totals over report rows: statuses, blocks and characters, removal reasons."""

    def __init__(self):
        self.status = Counter()
        self.blocks_kept = self.blocks_removed = 0
        self.chars_kept = self.chars_removed = 0
        self.reasons = Counter()
        self.records = self.records_failed = 0  # JSON Lines files: one page per record
        self.failures: list[str] = []  # the first FAILURES_SHOWN error messages

    @classmethod
    def of(cls, rows) -> "Summary":
        summary = cls()
        for row in rows:
            summary.add(row)
        return summary

    def add(self, row: dict) -> None:
        status = row.get("status") or "failed"
        self.status[status] += 1
        self.blocks_kept += row.get("blocks_kept") or 0
        self.blocks_removed += row.get("blocks_removed") or 0
        self.chars_kept += row.get("chars_kept") or 0
        self.chars_removed += row.get("chars_removed") or 0
        self.reasons.update(row.get("reasons") or {})
        self.records += row.get("records") or 0
        self.records_failed += row.get("records_failed") or 0
        if status == "failed" and len(self.failures) < FAILURES_SHOWN:
            self.failures.append(row.get("error") or f"{row.get('path')}: failed")

    @property
    def done(self) -> int:
        return self.status["ok"]

    @property
    def skipped(self) -> int:
        return self.status["skipped"]

    @property
    def failed(self) -> int:
        return self.status["failed"]

    @property
    def files(self) -> int:
        return sum(self.status.values())

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "ok": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "blocks_kept": self.blocks_kept,
            "blocks_removed": self.blocks_removed,
            "chars_kept": self.chars_kept,
            "chars_removed": self.chars_removed,
            "reasons": dict(self.reasons.most_common()),
            "records": self.records,
            "records_failed": self.records_failed,
        }

    def format(self) -> str:
        lines = [f"{self.files} files: {self.done} cleaned, {self.skipped} skipped, {self.failed} failed"]
        blocks = self.blocks_kept + self.blocks_removed
        chars = self.chars_kept + self.chars_removed
        if blocks:
            lines.append(
                f"blocks: {self.blocks_kept:,} kept, {self.blocks_removed:,} removed; "
                f"characters: {self.chars_kept:,} kept, {self.chars_removed:,} removed "
                f"({100 * self.chars_kept / max(chars, 1):.0f}% kept)"
            )
        if self.records:
            lines.append(
                f"JSONL records: {self.records - self.records_failed:,} cleaned, {self.records_failed:,} failed"
                + (" (their output lines carry the error)" if self.records_failed else "")
            )
        if self.reasons:
            top = ", ".join(f"{rule} {n:,}" for rule, n in self.reasons.most_common(TOP_REASONS))
            lines.append(f"top removal reasons: {top}")
        if self.failures:
            more = self.failed - len(self.failures)
            lines.append("failed:")
            lines.extend(f"  {message}" for message in self.failures)
            if more > 0:
                lines.append(f"  ... and {more} more (the --report file lists every one)")
        return "\n".join(lines)


def consume(rows, writer: ReportWriter | None = None, bar=None) -> "Summary":
    """Fold report rows into a Summary, writing each to the report and ticking the bar.

    Every engine (local processes, Dask) goes through here, so their reports
    and summaries are made the same way.
    """
    summary = Summary()
    for row in rows:
        summary.add(row)
        if writer:
            writer.write(row)
        if bar:
            bar.update(1)
            if summary.failed:
                bar.set_postfix(failed=summary.failed, refresh=False)
    return summary
