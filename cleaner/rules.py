"""Rule files: load, validate (`file:line: problem`), compile once, match blocks.

Rule files are TOML data (format: docs/rules.md). Nothing in them is executed:
regex patterns run on RE2, whose matching time is linear in the text, so a
user's pattern cannot hang a batch.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import re2

from .normalize import normalize

SCOPES = ("generic", "theme", "site")
ACTIONS = ("drop", "tail", "keep")
MATCHES = ("line", "prefix", "contains", "regex")
CATEGORIES = (
    "comment-form", "comments", "captcha", "ad", "image-placeholder", "related",
    "most-read", "next-post", "share", "follow", "newsletter", "cookie",
    "navigation", "login", "search", "footer", "copyright", "date-header",
    "read-more", "paywall", "print", "tags", "author-box", "stock-photo-credit", "other",
)
# A picture's credit that names a stock-photo agency ("Quelle: jorisvo /
# Fotolia.com") is never the story's source, even where a keep rule for
# source lines ("Quelle: dpa") also matches it: this category outranks keep.
OUTRANKS_KEEP = frozenset(("stock-photo-credit",))
DEFAULT_MAX_CHARS = 160
MAX_PATTERN_CHARS = 2000
# Limits that keep a hostile rule file from exhausting the parser (see _nesting_problems).
MAX_RULE_FILE_BYTES = 4 << 20
MAX_NESTING = 32
MAX_KEY_DOTS = 8

_RULESET_KEYS = {"id", "description", "scope", "languages", "fingerprints", "min_fingerprints", "domains"}
_RULE_KEYS = {
    "id", "category", "action", "match", "phrases", "pattern", "max_chars", "lang",
    "reason", "examples", "counter_examples",
}
_RULE_REQUIRED = ("id", "category", "action", "match", "reason", "examples")

BUILTIN_DIR = Path(__file__).parent / "data"
BUILTIN_FOLDERS = ("phrases", "themes", "keep")


class RuleError(ValueError):
    """One or more problems in rule files, each `file:line: problem`."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    ruleset: str
    category: str
    action: str
    match: str
    phrases: tuple[str, ...]  # normalised
    pattern: str | None
    max_chars: int
    reason: str
    lang: str | None
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    where: str  # file:line of the rule

    def matches(self, text: str) -> bool:
        """Does this rule alone match a block? (Slow path: tests and explanations.)"""
        return _rule_matches(self, normalize(text), _compile_pattern(self.pattern) if self.pattern else None)


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    description: str
    scope: str
    languages: tuple[str, ...]
    fingerprints: tuple[str, ...]  # normalised
    min_fingerprints: int
    domains: tuple[str, ...]
    rules: tuple[Rule, ...]
    path: str
    # Shipped with the package and reviewed: its patterns may run on Python's
    # re, which is ~10x faster per call than the RE2 binding. Every user
    # pattern runs on RE2, so no rule file from outside can hang a batch.
    builtin: bool = False

    # The matcher cache is keyed on tuples of rule sets, looked up once per
    # page: hashing every rule each time costs more than the lookup saves.
    # Equal sets have equal ids and paths, so this agrees with __eq__.
    def __hash__(self) -> int:
        return hash((self.id, self.path))


# ---------------------------------------------------------------- loading


def load_file(path: str | os.PathLike) -> RuleSet:
    """Load and validate one rule file; raise RuleError listing every problem."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_RULE_FILE_BYTES + 1)
    except OSError as exc:
        raise RuleError([f"{path}: cannot read rule file: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RuleError([f"{path}: rule file is larger than {MAX_RULE_FILE_BYTES >> 20} MB"])
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError([f"{path}: rule file is not UTF-8 ({exc.reason} at byte {exc.start})"]) from None
    lines = source.splitlines()
    too_deep = _nesting_problems(path, lines)
    if too_deep:
        raise RuleError(too_deep)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise RuleError([f"{path}:{line}: invalid TOML: {_strip_position(str(exc))}"]) from None
    except RecursionError:  # nesting the pre-check did not see (inside a multi-line string trick)
        raise RuleError([f"{path}:1: invalid TOML: nested too deeply"]) from None
    return _build(path, lines, data)


# tomllib recurses once per nested array or inline table, and spends time and
# memory quadratic in the parts of one dotted key (a 200 KB line of `a.a.a...`
# takes tens of GB). Rule files nest two levels; refuse far deeper ones before
# parsing.
_STRING_LITERAL = re.compile(r""" "(?:[^"\\\n]|\\.)*" | '[^'\n]*' """, re.X)


def _nesting_problems(path: str, lines: list[str]) -> list[str]:
    depth = 0
    for number, line in enumerate(lines, 1):
        bare = _STRING_LITERAL.sub('""', line).split("#", 1)[0]
        if bare.count(".") > MAX_KEY_DOTS:
            return [f"{path}:{number}: more than {MAX_KEY_DOTS} dots outside strings on one line (dotted keys that deep are not a rule file)"]
        for ch in bare:
            if ch in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return [f"{path}:{number}: arrays or tables nested more than {MAX_NESTING} levels deep"]
            elif ch in "]}":
                depth = max(0, depth - 1)
    return []


def load_paths(paths) -> list[RuleSet]:
    """Load rule files and folders (every *.toml under a folder), checking ids across them."""
    files: list[str] = []
    problems: list[str] = []
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for p in paths:
        p = str(p)
        if os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).rglob("*.toml"))
            if not found:
                problems.append(f"{p}: no *.toml rule files in this folder")
            files.extend(found)
        elif os.path.exists(p):
            files.append(p)
        else:
            problems.append(f"{p}: no such rule file or folder")
    sets: list[RuleSet] = []
    for f in files:
        try:
            sets.append(load_file(f))
        except RuleError as exc:
            problems.extend(exc.problems)
    problems.extend(_duplicate_ids(sets))
    if problems:
        raise RuleError(problems)
    return sets


@functools.lru_cache(maxsize=1)
def load_builtin() -> tuple[RuleSet, ...]:
    """The rule sets shipped in the package (phrases per language, themes)."""
    folders = [BUILTIN_DIR / name for name in BUILTIN_FOLDERS if any((BUILTIN_DIR / name).glob("*.toml"))]
    return tuple(dataclasses.replace(rs, builtin=True) for rs in load_paths(folders))


def _duplicate_ids(sets: list[RuleSet]) -> list[str]:
    problems = []
    seen_sets: dict[str, str] = {}
    seen_rules: dict[str, str] = {}
    for rs in sets:
        if rs.id in seen_sets:
            problems.append(f"{rs.path}: duplicate ruleset id {rs.id!r} (also in {seen_sets[rs.id]})")
        seen_sets.setdefault(rs.id, rs.path)
        for rule in rs.rules:
            if rule.id in seen_rules:
                problems.append(f"{rule.where}: duplicate rule id {rule.id!r} (also at {seen_rules[rule.id]})")
            seen_rules.setdefault(rule.id, rule.where)
    return problems


_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")


def _line_from_message(message: str) -> int:
    m = _POSITION.search(message)
    return int(m.group(1)) if m else 1


def _strip_position(message: str) -> str:
    return _POSITION.sub("", message)


class _Locator:
    """Line numbers for semantic errors: tomllib keeps none, so find them in the text."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.rule_starts = [i for i, l in enumerate(lines) if l.strip().startswith("[[rule]]")]
        self.ruleset_start = next((i for i, l in enumerate(lines) if l.strip().startswith("[ruleset]")), 0)

    def at(self, table: int | None, key: str | None = None) -> int:
        """1-based line of `key` in rule number `table` (None: the [ruleset] table)."""
        if table is None:
            start = self.ruleset_start
            end = self.rule_starts[0] if self.rule_starts else len(self.lines)
        else:
            if table >= len(self.rule_starts):
                return 1
            start = self.rule_starts[table]
            end = self.rule_starts[table + 1] if table + 1 < len(self.rule_starts) else len(self.lines)
        if key:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for i in range(start, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        return start + 1


def _build(path: str, lines: list[str], data: dict) -> RuleSet:
    loc = _Locator(lines)
    problems: list[str] = []

    def problem(table, key, text):
        problems.append(f"{path}:{loc.at(table, key)}: {text}")

    for key in data:
        if key not in ("ruleset", "rule"):
            problem(None, key, f"unknown top-level key {key!r} (expected [ruleset] and [[rule]] tables)")
    head = data.get("ruleset")
    if not isinstance(head, dict):
        problems.append(f"{path}:1: missing [ruleset] table")
        raise RuleError(problems)
    for key in head:
        if key not in _RULESET_KEYS:
            problem(None, key, f"unknown key {key!r} in [ruleset]")
    set_id = _string(head, "id", None, problem, required=True) or "?"
    scope = _string(head, "scope", None, problem, required=True)
    if scope is not None and scope not in SCOPES:
        problem(None, "scope", f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    fingerprints = _string_list(head, "fingerprints", None, problem)
    domains = _string_list(head, "domains", None, problem)
    min_fp = head.get("min_fingerprints", 1)
    if not isinstance(min_fp, int) or isinstance(min_fp, bool) or min_fp < 1:
        problem(None, "min_fingerprints", "min_fingerprints must be a whole number >= 1")
        min_fp = 1
    if scope in ("theme", "site") and not fingerprints and not domains:
        problem(None, "scope", f"a {scope} ruleset needs fingerprints or domains to be recognised")
    if fingerprints and min_fp > len(set(fingerprints)):
        problem(None, "min_fingerprints", f"min_fingerprints is {min_fp} but only {len(set(fingerprints))} fingerprints are listed")

    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        problem(None, "rule", "rule must be an array of tables ([[rule]])")
        raw_rules = []
    rules = []
    for n, raw in enumerate(raw_rules):
        rule = _build_rule(path, set_id, n, raw, loc, problem)
        if rule is not None:
            rules.append(rule)
    if not raw_rules:
        problems.append(f"{path}:1: ruleset {set_id!r} has no [[rule]] tables")
    problems.extend(_duplicate_ids([RuleSet(set_id, "", "generic", (), (), 1, (), tuple(rules), path)]))
    if problems:
        raise RuleError(problems)
    return RuleSet(
        id=set_id,
        description=str(head.get("description", "")),
        scope=scope,
        languages=tuple(_string_list(head, "languages", None, problem)),
        fingerprints=tuple(dict.fromkeys(normalize(f) for f in fingerprints if normalize(f))),
        min_fingerprints=min_fp,
        domains=tuple(d.lower().lstrip(".") for d in domains),
        rules=tuple(rules),
        path=path,
    )


def _string(table, key, n, problem, required=False):
    value = table.get(key)
    if value is None:
        if required:
            problem(n, None, f"missing required key {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        problem(n, key, f"{key} must be a non-empty string")
        return None
    return value


def _string_list(table, key, n, problem) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problem(n, key, f"{key} must be a list of strings")
        return []
    return value


def _build_rule(path, set_id, n, raw, loc, problem) -> Rule | None:
    if not isinstance(raw, dict):
        problem(n, None, "each [[rule]] must be a table")
        return None
    ok = True
    for key in raw:
        if key not in _RULE_KEYS:
            problem(n, key, f"unknown key {key!r} in [[rule]]")
            ok = False
    values = {}
    for key in _RULE_REQUIRED:
        if key == "examples":
            continue
        values[key] = _string(raw, key, n, problem, required=True)
        ok = ok and values[key] is not None
    for key, allowed in (("category", CATEGORIES), ("action", ACTIONS), ("match", MATCHES)):
        if values.get(key) is not None and values[key] not in allowed:
            problem(n, key, f"{key} must be one of {', '.join(allowed)}, not {values[key]!r}")
            ok = False
    examples = _string_list(raw, "examples", n, problem)
    if "examples" not in raw:
        problem(n, None, "missing required key 'examples' (every rule carries examples)")
        ok = False
    elif not examples:
        problem(n, "examples", "examples must list at least one block the rule matches")
        ok = False
    counter = _string_list(raw, "counter_examples", n, problem)
    phrases = _string_list(raw, "phrases", n, problem)
    pattern = raw.get("pattern")
    match = values.get("match")
    compiled = None
    if match == "regex":
        if phrases:
            problem(n, "phrases", "a regex rule takes pattern, not phrases")
            ok = False
        if not isinstance(pattern, str) or not pattern:
            problem(n, "pattern" if "pattern" in raw else None, "a regex rule needs a non-empty pattern string")
            ok = False
        elif len(pattern) > MAX_PATTERN_CHARS:
            problem(n, "pattern", f"pattern is longer than {MAX_PATTERN_CHARS} characters")
            ok = False
        else:
            try:
                compiled = _compile_pattern(pattern)
            except Exception as exc:  # re2.error and friends
                problem(n, "pattern", f"pattern does not compile under RE2 (linear-time engine): {_re2_problem(exc)}")
                ok = False
    elif match is not None:
        if pattern is not None:
            problem(n, "pattern", f"a {match} rule takes phrases, not pattern")
            ok = False
        if not [p for p in phrases if normalize(p)]:
            problem(n, "phrases" if "phrases" in raw else None, f"a {match} rule needs a non-empty list of phrases")
            ok = False
    max_chars = raw.get("max_chars", DEFAULT_MAX_CHARS)
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
        problem(n, "max_chars", "max_chars must be a whole number >= 1")
        ok = False
    lang = raw.get("lang")
    if lang is not None and not isinstance(lang, str):
        problem(n, "lang", "lang must be a string")
        ok = False
    if not ok:
        return None
    rule = Rule(
        id=values["id"],
        ruleset=set_id,
        category=values["category"],
        action=values["action"],
        match=match,
        phrases=tuple(dict.fromkeys(normalize(p) for p in phrases if normalize(p))),
        pattern=pattern if match == "regex" else None,
        max_chars=max_chars,
        reason=values["reason"],
        lang=lang,
        examples=tuple(examples),
        counter_examples=tuple(counter),
        where=f"{path}:{loc.at(n)}",
    )
    for example in examples:
        if not _rule_matches(rule, normalize(example), compiled):
            problem(n, "examples", f"rule {rule.id!r}: example does not match: {example!r}")
            ok = False
    for example in counter:
        if _rule_matches(rule, normalize(example), compiled):
            problem(n, "counter_examples", f"rule {rule.id!r}: counter-example matches: {example!r}")
            ok = False
    return rule if ok else None


def _re2_problem(exc: Exception) -> str:
    """RE2's complaint as text, with what the pattern uses that RE2 has not."""
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    detail = str(detail)
    if re.search(r"invalid escape sequence: \\\d", detail):
        return f"{detail} (backreferences are not supported)"
    if re.search(r"invalid perl operator: \(\?<?[=!]", detail):
        return f"{detail} (lookahead and lookbehind are not supported)"
    return detail


@functools.lru_cache(maxsize=4096)
def _compile_pattern(pattern: str):
    options = re2.Options()
    options.max_mem = 8 << 20  # a pathological pattern fails to compile instead of eating memory
    options.log_errors = False
    return re2.compile(pattern, options)


def _at_boundary(text: str, start: int, end: int) -> bool:
    before_ok = start == 0 or not text[start - 1].isalnum()
    after_ok = end == len(text) or not text[end].isalnum()
    return before_ok and after_ok


def _rule_matches(rule: Rule, norm: str, compiled) -> bool:
    if rule.match == "line":
        return norm in rule.phrases
    if len(norm) > rule.max_chars:
        return False
    if rule.match == "prefix":
        return any(norm.startswith(p) and _at_boundary(norm, 0, len(p)) for p in rule.phrases)
    if rule.match == "contains":
        for p in rule.phrases:
            start = norm.find(p)
            while start != -1:
                if _at_boundary(norm, start, start + len(p)):
                    return True
                start = norm.find(p, start + 1)
        return False
    if compiled is None:
        return False
    try:
        return compiled.search(norm) is not None
    except UnicodeEncodeError:
        # RE2 reads UTF-8; a lone surrogate (text read with errors="surrogateescape")
        # cannot be encoded, so it is matched as "?"
        return compiled.search(norm.encode("utf-8", "replace").decode("utf-8")) is not None


# ---------------------------------------------------------------- matching

# Labels run together: blocks up to this long, cut where the dump left a
# visible join: a separator ("About | Contact", "Home / News", "Kommentar:
# Antwort abbrechen") or a lower-case letter run into a capital
# ("Related articlesMore from author"). A space alone, or two letters of the
# same case, is no join: "Close contacts" and "Nomad" are no labels.
GLUED_MAX_CHARS = 120
GLUED_MAX_PIECES = 16
_GLUE_SEPARATOR = re.compile(r"\s*[|/·•>»«<]+\s*|\s+[-–—]\s+|:\s+")


class Matcher:
    """All rules of the active rule sets compiled into few lookups.

    `line` phrases go into one dict; `prefix` and `contains` phrases are
    indexed by their first word, so a block costs one dict lookup per word;
    built-in regex rules run on Python's re (anchored ones tried at the start
    only); user regex rules run on RE2.
    """

    def __init__(self, rulesets):
        self.rulesets = tuple(rulesets)
        self._line: dict[str, Rule] = {}
        self._glued: dict[str, Rule] = {}  # a rule, with its reason saying the labels ran together
        self._label_lengths: dict = {}  # a label's first two characters -> the lengths of such labels
        self._prefix: dict[str, list[tuple[str, Rule]]] = {}
        self._contains: dict[str, list[tuple[str, Rule]]] = {}
        self._contains_odd: list[tuple[str, Rule]] = []  # phrases not starting with a letter or digit
        self._fast_regex: list[tuple[Rule, object]] = []
        self._safe_regex: list[tuple[Rule, object]] = []
        self._order: dict[str, int] = {}
        for rs in self.rulesets:
            for rule in rs.rules:
                self._order.setdefault(rule.id, len(self._order))
                if rule.match == "line":
                    for p in rule.phrases:
                        self._line.setdefault(p, rule)
                        self._label_lengths.setdefault(p[:2], set()).add(len(p))
                elif rule.match == "prefix":
                    for p in rule.phrases:
                        self._prefix.setdefault(p.split(" ", 1)[0], []).append((p, rule))
                elif rule.match == "contains":
                    for p in rule.phrases:
                        if p[0].isalnum():
                            self._contains.setdefault(_first_word(p), []).append((p, rule))
                        else:
                            self._contains_odd.append((p, rule))
                elif rs.builtin:
                    # "^..." patterns only need trying at the start: .match, not .search
                    compiled = re.compile(rule.pattern)
                    self._fast_regex.append((rule, compiled.match if _anchored(rule.pattern) else compiled.search))
                else:
                    self._safe_regex.append((rule, _compile_pattern(rule.pattern)))
        every = [r for lst in self._prefix.values() for _, r in lst]
        every += [r for lst in self._contains.values() for _, r in lst] + [r for _, r in self._contains_odd]
        every += [r for r, _ in self._fast_regex] + [r for r, _ in self._safe_regex]
        self._max_chars = max((r.max_chars for r in every), default=0)
        self._label_lengths = {k: tuple(sorted(v)) for k, v in self._label_lengths.items()}
        # the longest block each kind of rule takes: a paragraph of prose is
        # longer than most, and skips the kinds that cannot match it
        self._prefix_max = max((r.max_chars for lst in self._prefix.values() for _, r in lst), default=0)
        self._contains_max = max((r.max_chars for lst in self._contains.values() for _, r in lst), default=0)
        self._contains_odd_max = max((r.max_chars for _, r in self._contains_odd), default=0)
        self._safe_max = max((r.max_chars for r, _ in self._safe_regex), default=0)
        self._contains_keys = frozenset(self._contains)
        self._has_keep = any(r.action == "keep" for rs in self.rulesets for r in rs.rules)
        # anchored built-in patterns fail at the first character: one combined
        # .match rules them all out at once
        self._fast_anchored = [(r, f) for r, f in self._fast_regex if f.__name__ == "match"]
        self._fast_unanchored = [(r, f) for r, f in self._fast_regex if f.__name__ != "match"]
        self._unanchored_max = max((r.max_chars for r, _ in self._fast_unanchored), default=0)
        # one combined pattern per rule set, not per combination of sets:
        # pages select different combinations, and each set compiles once
        anchored = {id(r): f for r, f in self._fast_anchored}
        # (longest block any of the set's patterns takes, combined .match, the set's rules):
        # only the rules of a set whose combined pattern matched are tried one by one
        self._anchored_any = []
        for rs in self.rulesets:
            rules = [(r, anchored[id(r)]) for r in rs.rules if id(r) in anchored]
            if rules:
                combined = _any_of(tuple(r.pattern for r, _ in rules))
                self._anchored_any.append((max(r.max_chars for r, _ in rules), combined, rules))

    def match(self, norm: str, text: str | None = None) -> Rule | None:
        """The rule matching a normalised block (keep rules first, then load order), or None.

        Given the block's own text too, a block that no rule matches but that
        is made of `line` labels run together is judged by its first label.
        """
        found = self._match(norm)
        if found is None and text is not None and len(text) <= GLUED_MAX_CHARS and self._opens_with_label(norm):
            return self.glued_labels(text)
        return found

    def _opens_with_label(self, norm: str) -> bool:
        """Does the block's normal form start with a `line` label? (Labels run together all do.)"""
        return any(norm[:length] in self._line for length in self._label_lengths.get(norm[:2], ()))

    def _match(self, norm: str) -> Rule | None:
        line_rule = self._line.get(norm)
        if line_rule is not None and not self._has_keep:
            return line_rule
        n = len(norm)
        if n > self._max_chars:
            return line_rule
        found: list[Rule] = [line_rule] if line_rule is not None else []
        if n <= self._prefix_max:
            for p, rule in self._prefix.get(norm.split(" ", 1)[0], ()):
                if n <= rule.max_chars and norm.startswith(p) and _at_boundary(norm, 0, len(p)):
                    found.append(rule)
        if n <= self._contains_max and not self._contains_keys.isdisjoint(_WORDS.findall(norm)):
            for m in _WORDS.finditer(norm):
                for p, rule in self._contains.get(m.group(), ()):
                    start = m.start()
                    if n <= rule.max_chars and norm.startswith(p, start) and _at_boundary(norm, start, start + len(p)):
                        found.append(rule)
        if n <= self._contains_odd_max:
            for p, rule in self._contains_odd:
                if n <= rule.max_chars and _rule_matches(rule, norm, None):
                    found.append(rule)
        for longest, any_of, rules in self._anchored_any:
            if n <= longest and any_of(norm) is not None:
                for rule, find in rules:
                    if n <= rule.max_chars and find(norm) is not None:
                        found.append(rule)
        if n <= self._unanchored_max:
            for rule, find in self._fast_unanchored:
                if n <= rule.max_chars and find(norm) is not None:
                    found.append(rule)
        if n <= self._safe_max:
            for rule, compiled in self._safe_regex:
                if n <= rule.max_chars and compiled.search(norm) is not None:
                    found.append(rule)
        if not found:
            return None
        # a keep rule (attribution: "Source : AFP") wins over drop rules that
        # also match, e.g. an agency's picture credit ("AFP/dpa"), but not
        # over a stock-photo agency's credit; otherwise load order decides
        return min(found, key=lambda r: (r.category not in OUTRANKS_KEEP, r.action != "keep", self._order[r.id]))

    def glued_labels(self, text: str) -> Rule | None:
        """The first label's rule when a block is two or more `line` phrases run together.

        Text dumps join a widget's labels when its markup had no break between
        them: tabs ("Related articlesMore from author"), a form's heading and
        its cancel link ("Leave a ReplyCancel reply"), footer links ("About |
        Contact"). The block is cut at its visible joins; neighbouring pieces
        may make one label together ("Linked" + "In"). A block made of
        nothing but labels is judged by its first one, the widget's heading.
        A label that keeps text ends the search: a keep is never guessed from
        parts.
        """
        cuts = _glue_cuts(text)
        if not cuts or len(cuts) >= GLUED_MAX_PIECES:
            return None
        # pieces between the joins: [(start, end)] in the block's text
        starts = [0] + [end for _, end in cuts]
        ends = [start for start, _ in cuts] + [len(text)]
        pieces = [(a, b) for a, b in zip(starts, ends) if b > a]
        reached: dict[int, Rule | None] = {0: None}  # pieces covered -> the first label's rule
        for k in range(len(pieces)):
            if k not in reached:
                continue
            for m in range(k + 1, len(pieces) + 1):
                rule = self._line.get(normalize(text[pieces[k][0]:pieces[m - 1][1]]))
                if rule is None or m in reached:
                    continue
                if rule.action == "keep":
                    return None
                reached[m] = reached[k] or rule
        first = reached.get(len(pieces))
        if first is None or len(pieces) < 2:
            return None
        glued = self._glued.get(first.id)
        if glued is None:
            glued = self._glued[first.id] = dataclasses.replace(first, reason=f"{first.reason} (labels run together)")
        return glued


def _glue_cuts(text: str) -> list[tuple[int, int]]:
    """Where a block's labels may join: its separators, and each lower-case letter run into a capital."""
    cuts = [(m.start(), m.end()) for m in _GLUE_SEPARATOR.finditer(text)]
    # any script's cases ("odpowiedźAnuluj", "sięŚledź"), which a character class would miss
    cuts += [(i, i) for i in range(1, len(text)) if text[i].isupper() and text[i - 1].islower()]
    return sorted(cuts)


@functools.lru_cache(maxsize=256)
def _any_of(patterns: tuple[str, ...]):
    """One .match for several anchored patterns: fails at once when none can start here."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)).match


@functools.lru_cache(maxsize=4096)
def _anchored(pattern: str) -> bool:
    """Starts with ^ and has no top-level | (which would start an unanchored branch)."""
    if not pattern.startswith("^"):
        return False
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return True


_WORD_HEAD = re.compile(r"\w+")
_WORDS = _WORD_HEAD


def _first_word(text: str) -> str:
    """The leading run of word characters: the key phrases and block words share."""
    m = _WORD_HEAD.match(text)
    return m.group(0) if m else text


def select_rulesets(rulesets, norm_blocks: list[str], url: str | None) -> list[RuleSet]:
    """Generic sets always; theme/site sets when the url or the page's fingerprints say so."""
    host = ""
    if url:
        try:
            host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
        except ValueError:
            host = ""
    page = "\n".join(norm_blocks)
    chosen = []
    for rs in rulesets:
        if rs.scope == "generic":
            chosen.append(rs)
        elif host and any(host == d or host.endswith("." + d) for d in rs.domains):
            chosen.append(rs)
        elif rs.fingerprints and _fingerprints_seen(rs, page) >= rs.min_fingerprints:
            chosen.append(rs)
    return chosen


def _fingerprints_seen(rs: RuleSet, page: str) -> int:
    seen = 0
    for fp in rs.fingerprints:
        if fp in page:
            seen += 1
            if seen >= rs.min_fingerprints:
                break
    return seen


def check_examples(rulesets) -> list[str]:
    """Problems with examples when matched through a full Matcher (rule order effects)."""
    problems = []
    for rs in rulesets:
        matcher = Matcher([rs])
        for rule in rs.rules:
            for example in rule.examples:
                if matcher.match(normalize(example), example) is None:
                    problems.append(f"{rule.where}: rule {rule.id!r}: example does not match: {example!r}")
    return problems
