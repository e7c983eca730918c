"""The records `clean_document` returns: frozen, so a result can be shared."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the input: a line of a dump, a paragraph of HTML."""

    index: int  # position in the input's block sequence
    text: str  # the block as it appears in the input, outer whitespace stripped
    indent: int = 0  # leading spaces in the dump (inscriptis-style layout)


@dataclass(frozen=True, slots=True)
class Removal:
    """A removed block and why it went."""

    index: int
    text: str
    rule: str  # id of the rule or heuristic that removed it
    reason: str  # short human reason


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What `clean_document` returns: the article and the account of what went."""

    text: str
    title: str | None
    kept: tuple[Block, ...]
    removed: tuple[Removal, ...]
    kind: str = "text"  # "text" or "html": how the input was read
    rulesets: tuple[str, ...] = field(default=())  # theme/site sets recognised

    @property
    def blocks(self) -> tuple[str, ...]:
        """The kept block texts, in input order."""
        return tuple(b.text for b in self.kept)

    def rebuild(self) -> list[str]:
        """Re-insert the removals between the kept blocks: the input's block sequence."""
        merged = [(b.index, b.text) for b in self.kept] + [(r.index, r.text) for r in self.removed]
        merged.sort()
        return [text for _, text in merged]

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "title": self.title,
            "kind": self.kind,
            "rulesets": list(self.rulesets),
            "kept": [{"index": b.index, "text": b.text} for b in self.kept],
            "removed": [
                {"index": r.index, "text": r.text, "rule": r.rule, "reason": r.reason}
                for r in self.removed
            ],
        }
