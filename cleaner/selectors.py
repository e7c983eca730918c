"""Element rules for HTML input: load, validate (`file:line: problem`), apply.

A selector file names elements of a CMS or theme that are never the article
(a tagDiv share bar, the WordPress comment form, Jetpack's related posts) so
they can be cut from the page before main-content extraction. Rules are data
(cleaner/data/selectors/*.toml, format in docs/rules.md): each has an id, a
CSS selector or an XPath, a reason, and an example HTML snippet that the
loader checks the rule matches.

CSS selectors are translated to XPath here (a small subset: type, `.class`,
`#id`, `[attr]`, `[attr=v]`, `[attr~=v]`, `[attr^=v]`, `[attr$=v]`,
`[attr*=v]`, descendant and `>` child combinators, `,` groups), so lxml's
XPath engine is all that runs: no extra dependency.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from .rules import RuleError

BUILTIN_DIR = Path(__file__).parent / "data" / "selectors"

_SET_KEYS = {"id", "description", "fingerprints"}
_RULE_KEYS = {"id", "category", "css", "xpath", "reason", "example"}


class SelectorError(RuleError):
    """One or more problems in selector files, each `file:line: problem`."""


@dataclass(frozen=True, slots=True)
class ElementRule:
    id: str
    category: str
    selector: str  # as written (CSS or XPath)
    xpath: etree.XPath
    reason: str
    example: str
    where: str  # file:line
    keys: frozenset | None = None  # see simple_keys(); None: XPath only


@dataclass(frozen=True, slots=True)
class SelectorSet:
    id: str
    description: str
    fingerprints: tuple[etree.XPath, ...]  # the set applies when one matches; none: always
    rules: tuple[ElementRule, ...]
    path: str
    fingerprint_keys: frozenset | None = None  # simple_keys() of all fingerprints, when all are simple

    def applies_to(self, root, page_keys=None) -> bool:
        if not self.fingerprints:
            return True
        if self.fingerprint_keys is not None and page_keys is not None:
            return any((kind, value) in page_keys for kind, value, _ in self.fingerprint_keys)
        return any(_first(fp, root) for fp in self.fingerprints)


# ---------------------------------------------------------------- CSS -> XPath


class CssError(ValueError):
    pass


_CSS_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comb>[>,])
      | (?P<type>[A-Za-z][\w-]*|\*)
      | \.(?P<cls>-?[A-Za-z_][\w-]*)
      | \#(?P<id>-?[A-Za-z_][\w-]*)
      | \[\s*(?P<attr>[A-Za-z_][\w:-]*)\s*
          (?:(?P<op>[~^$*]?=)\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[\w-]+))\s*)?\]
    )""",
    re.X,
)


def _literal(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _attr_test(name: str, op: str | None, value: str | None) -> str:
    a = f"@{name}"
    if op is None:
        return a
    v = _literal(value)
    if op == "=":
        return f"{a}={v}"
    if op == "~=":
        return f"contains(concat(' ', normalize-space({a}), ' '), concat(' ', {v}, ' '))"
    if op == "^=":
        return f"starts-with({a}, {v})"
    if op == "$=":
        return f"substring({a}, string-length({a}) - string-length({v}) + 1)={v}"
    return f"contains({a}, {v})"  # *=


def css_to_xpath(css: str) -> str:
    """Translate a CSS selector (the subset above) to an XPath over descendants-or-self."""
    paths: list[str] = []
    steps: list[str] = []
    axis = "descendant-or-self::"
    tag, preds = None, []
    pos = 0
    text = css.strip()
    if not text:
        raise CssError("empty selector")

    def close_step():
        nonlocal tag, preds
        if tag is None and not preds:
            raise CssError(f"selector step missing at column {pos + 1}")
        steps.append(axis + (tag or "*") + "".join(f"[{p}]" for p in preds))
        tag, preds = None, []

    while pos < len(text):
        m = _CSS_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CssError(f"unsupported CSS at column {pos + 1}: {text[pos:pos + 20]!r}")
        gap = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]
        if gap and (tag is not None or preds) and not m.group("comb"):
            close_step()  # whitespace between compounds: descendant combinator
            axis = "/descendant::"
        pos = m.end()
        if m.group("comb") == ",":
            close_step()
            paths.append("".join(steps))
            steps, axis = [], "descendant-or-self::"
        elif m.group("comb") == ">":
            close_step()
            axis = "/"
        elif m.group("type"):
            if tag is not None or preds:
                raise CssError(f"element type must come first in a compound, column {m.start('type') + 1}")
            tag = m.group("type").lower()
        elif m.group("cls"):
            preds.append(_attr_test("class", "~=", m.group("cls")))
        elif m.group("id"):
            preds.append(_attr_test("id", "=", m.group("id")))
        else:
            value = m.group("dq") if m.group("dq") is not None else m.group("sq") if m.group("sq") is not None else m.group("bare")
            preds.append(_attr_test(m.group("attr").lower(), m.group("op"), value))
    close_step()
    paths.append("".join(steps))
    return " | ".join(paths)


_SIMPLE = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<cls>-?[A-Za-z_][\w-]*)|#(?P<id>-?[A-Za-z_][\w-]*))$")


def simple_keys(css: str) -> frozenset | None:
    """Index keys when every alternative is `tag.class`, `.class`, `#id` (or `tag#id`).

    Such rules are matched by one walk over the elements' class and id
    attributes instead of an XPath scan each: most theme rules are of this kind.
    """
    keys = set()
    for part in css.split(","):
        m = _SIMPLE.match(part.strip())
        if not m:
            return None
        tag = m.group("tag")
        keys.add(("class", m.group("cls"), tag) if m.group("cls") else ("id", m.group("id"), tag))
    return frozenset(keys)


def compile_selector(css: str | None = None, xpath: str | None = None) -> etree.XPath:
    """An XPath object for a CSS selector or an XPath expression; ValueError if bad."""
    expr = css_to_xpath(css) if css is not None else xpath
    try:
        return etree.XPath(expr)
    except etree.XPathSyntaxError as exc:
        raise CssError(f"invalid XPath {expr!r}: {exc}") from None


def _first(xpath: etree.XPath, root) -> bool:
    try:
        found = xpath(root)
    except etree.XPathEvalError:
        return False
    return bool(found) if isinstance(found, list) else bool(found)


# ---------------------------------------------------------------- loading


class _Locator:
    """Line numbers for problems: tomllib keeps none, so find keys in the text."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.rule_starts = [i for i, l in enumerate(lines) if l.strip().startswith("[[rule]]")]

    def at(self, n: int | None, key: str | None = None) -> int:
        if n is None:
            start, end = 0, self.rule_starts[0] if self.rule_starts else len(self.lines)
        elif n < len(self.rule_starts):
            start = self.rule_starts[n]
            end = self.rule_starts[n + 1] if n + 1 < len(self.rule_starts) else len(self.lines)
        else:
            return 1
        if key:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for i in range(start, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        return start + 1


def load_file(path: str | os.PathLike) -> SelectorSet:
    """Load and validate one selector file; raise SelectorError listing every problem."""
    path = str(path)
    try:
        source = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise SelectorError([f"{path}: cannot read selector file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise SelectorError([f"{path}: selector file is not UTF-8 ({exc.reason} at byte {exc.start})"]) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)\s*$", "", str(exc))
        raise SelectorError([f"{path}:{m.group(1) if m else 1}: invalid TOML: {message}"]) from None
    loc = _Locator(source.splitlines())
    problems: list[str] = []

    def problem(n, key, text):
        problems.append(f"{path}:{loc.at(n, key)}: {text}")

    for key in data:
        if key not in ("selectors", "rule"):
            problem(None, key, f"unknown top-level key {key!r} (expected [selectors] and [[rule]] tables)")
    head = data.get("selectors")
    if not isinstance(head, dict):
        raise SelectorError(problems + [f"{path}:1: missing [selectors] table"])
    for key in head:
        if key not in _SET_KEYS:
            problem(None, key, f"unknown key {key!r} in [selectors]")
    set_id = head.get("id")
    if not isinstance(set_id, str) or not set_id.strip():
        problem(None, "id", "[selectors] needs an id (a non-empty string)")
        set_id = "?"
    fingerprints = []
    raw_fps = head.get("fingerprints", [])
    if not isinstance(raw_fps, list) or not all(isinstance(f, str) for f in raw_fps):
        problem(None, "fingerprints", "fingerprints must be a list of CSS selectors")
        raw_fps = []
    for fp in raw_fps:
        try:
            fingerprints.append(compile_selector(css=fp))
        except ValueError as exc:
            problem(None, "fingerprints", f"fingerprint {fp!r}: {exc}")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        problem(None, "rule", f"selector set {set_id!r} has no [[rule]] tables")
        raw_rules = []
    rules, seen = [], {}
    for n, raw in enumerate(raw_rules):
        rule = _build_rule(path, n, raw, loc, problem)
        if rule is None:
            continue
        if rule.id in seen:
            problem(n, "id", f"duplicate rule id {rule.id!r} (also at {seen[rule.id]})")
            continue
        seen[rule.id] = rule.where
        rules.append(rule)
    if problems:
        raise SelectorError(problems)
    fp_keys = [simple_keys(fp) for fp in raw_fps]
    fp_keys = frozenset().union(*fp_keys) if fp_keys and all(k is not None for k in fp_keys) else None
    return SelectorSet(set_id, str(head.get("description", "")), tuple(fingerprints), tuple(rules), path, fp_keys)


def _build_rule(path, n, raw, loc, problem) -> ElementRule | None:
    if not isinstance(raw, dict):
        problem(n, None, "each [[rule]] must be a table")
        return None
    ok = True
    for key in raw:
        if key not in _RULE_KEYS:
            problem(n, key, f"unknown key {key!r} in [[rule]]")
            ok = False
    for key in ("id", "category", "reason", "example"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problem(n, key if key in raw else None, f"{key} must be a non-empty string" if key in raw else f"missing required key {key!r}")
            ok = False
    css, xpath = raw.get("css"), raw.get("xpath")
    if (css is None) == (xpath is None):
        problem(n, None, "a rule needs exactly one of css or xpath")
        return None
    selector = css if css is not None else xpath
    if not isinstance(selector, str) or not selector.strip():
        problem(n, "css" if css is not None else "xpath", "the selector must be a non-empty string")
        return None
    try:
        compiled = compile_selector(css=css) if css is not None else compile_selector(xpath=xpath)
    except ValueError as exc:
        problem(n, "css" if css is not None else "xpath", f"selector {selector!r}: {exc}")
        return None
    if not ok:
        return None
    keys = simple_keys(css) if css is not None else None
    rule = ElementRule(raw["id"], raw["category"], selector, compiled, raw["reason"], raw["example"], f"{path}:{loc.at(n)}", keys)
    try:
        matched = matches(rule, parse_fragment(rule.example))
    except etree.XPathEvalError as exc:
        problem(n, "xpath", f"rule {rule.id!r}: selector fails on its example: {exc}")
        return None
    if not matched:
        problem(n, "example", f"rule {rule.id!r}: selector matches nothing in its example")
        return None
    return rule


def parse_fragment(snippet: str):
    return lxml_html.fragment_fromstring(snippet, create_parent="div")


def matches(rule: ElementRule, root) -> list:
    if rule.keys is not None:
        index = _KeyIndex([rule])
        return [el for el in _ATTRIBUTED(root) if index.rule_for(el) is not None]
    found = rule.xpath(root)
    return [el for el in found if isinstance(el, etree._Element)] if isinstance(found, list) else []


def load_paths(paths) -> list[SelectorSet]:
    files, problems = [], []
    for p in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        p = str(p)
        if os.path.isdir(p):
            files.extend(sorted(str(f) for f in Path(p).glob("*.toml")))
        elif os.path.exists(p):
            files.append(p)
        else:
            problems.append(f"{p}: no such selector file or folder")
    sets = []
    for f in files:
        try:
            sets.append(load_file(f))
        except SelectorError as exc:
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for s in sets:
        for r in s.rules:
            if r.id in seen:
                problems.append(f"{r.where}: duplicate rule id {r.id!r} (also at {seen[r.id]})")
            seen.setdefault(r.id, r.where)
    if problems:
        raise SelectorError(problems)
    return sets


@functools.lru_cache(maxsize=1)
def load_builtin() -> tuple[SelectorSet, ...]:
    return tuple(load_paths(BUILTIN_DIR)) if BUILTIN_DIR.is_dir() else ()


# ---------------------------------------------------------------- applying


@dataclass(frozen=True, slots=True)
class Cut:
    """An element cut from the page before extraction."""

    rule: str
    reason: str
    text: str  # its text, whitespace collapsed (for the account)


# An element holding this share of the page's text or more is not cut: a
# class name reused on a wrapper (e.g. `comments` on the article's container)
# must not take the article with it.
MAX_CUT_SHARE = 0.6
MIN_GUARDED_CHARS = 200


def apply(sets, root) -> list[Cut]:
    """Cut the elements the applicable sets name from `root` (in place); return what went."""
    found: dict = {}  # element -> the first rule (in file order) that names it
    # the page's class tokens and ids as plain strings, read in one XPath pass:
    # walking every element from Python costs several times more
    page_keys = {("class", token) for value in _CLASS_VALUES(root) for token in value.split()}
    page_keys.update(("id", value) for value in _ID_VALUES(root) if value)
    active = [s for s in sets if s.applies_to(root, page_keys)]
    keyed = [r for s in active for r in s.rules if r.keys is not None]
    if keyed:
        index = _KeyIndex(keyed)
        candidates = index.candidates(root, page_keys)
        for el in candidates:
            rule = index.rule_for(el)
            if rule is not None:
                found[el] = rule
    for s in active:
        for rule in s.rules:
            if rule.keys is not None:
                continue
            try:
                for el in matches(rule, root):
                    found.setdefault(el, rule)
            except etree.XPathEvalError:
                continue
    if not found:
        return []
    total = page_chars(root) or 1
    cuts: list[Cut] = []
    doomed = []
    for el, rule in found.items():
        if el is root or el.getparent() is None or el.tag in ("html", "body"):
            continue
        if any(a in found for a in el.iterancestors()):
            continue  # goes with its matched ancestor
        text = _text(el)
        if len(text) > MIN_GUARDED_CHARS and len(text) >= MAX_CUT_SHARE * total:
            continue
        cuts.append(Cut(rule.id, rule.reason, text))
        doomed.append(el)
    for el in doomed:
        drop_element(el)
    return cuts


_ATTRIBUTED = etree.XPath("//*[@class or @id]")
_CLASS_VALUES = etree.XPath("//@class", smart_strings=False)
_ID_VALUES = etree.XPath("//@id", smart_strings=False)


class _KeyIndex:
    """class token / id -> rules, for rules made of simple selectors."""

    def __init__(self, rules):
        self.order = {r.id: i for i, r in enumerate(rules)}
        self.by_class: dict[str, list] = {}
        self.by_id: dict[str, list] = {}
        for r in rules:
            for kind, value, tag in r.keys:
                (self.by_class if kind == "class" else self.by_id).setdefault(value, []).append((tag, r))

    def candidates(self, root, page_keys) -> list:
        """The elements that carry a key of this index, in document order.

        Only keys present on the page are looked for, so a page that uses
        none of them costs no element walk at all.
        """
        classes = sorted(v for k, v in page_keys if k == "class" and v in self.by_class)
        ids = sorted(v for k, v in page_keys if k == "id" and v in self.by_id)
        if not classes and not ids:
            return []
        # a plain substring test is several times cheaper than the exact
        # token test; rule_for() checks the tokens of what it finds
        tests = [f"contains(@class, {_literal(c)})" for c in classes] + [_attr_test("id", "=", i) for i in ids]
        return etree.XPath("//*[" + " or ".join(tests) + "]")(root)

    def rule_for(self, el):
        best = None
        candidates = []
        cls = el.get("class")
        if cls:
            for token in cls.split():
                candidates.extend(self.by_class.get(token, ()))
        ident = el.get("id")
        if ident:
            candidates.extend(self.by_id.get(ident, ()))
        for tag, rule in candidates:
            if tag is not None and el.tag != tag:
                continue
            if best is None or self.order[rule.id] < self.order[best.id]:
                best = rule
        return best


_PAGE_TEXT = etree.XPath("//body//text()[not(ancestor::script or ancestor::style)]", smart_strings=False)
_BODY_CHARS = etree.XPath("string-length(normalize-space(//body))")
_BODY_CODE = etree.XPath("//body//script | //body//style")
_OWN_CHARS = etree.XPath("string-length(normalize-space(.))")


def _page_text(root) -> str:
    return " ".join("".join(_PAGE_TEXT(root)).split())


def page_chars(root) -> int:
    """About len(_page_text(root)): the body's text, whitespace collapsed, less scripts and styles.

    Counted inside libxml2 (no text copied into Python), so it is cheap
    enough to ask on every page; off by a space or so per script.
    """
    try:
        chars = int(_BODY_CHARS(root)) - sum(int(_OWN_CHARS(el)) for el in _BODY_CODE(root))
    except (etree.XPathEvalError, ValueError):
        return len(_page_text(root))
    return max(chars, 0)


def _text(el) -> str:
    try:
        return " ".join("".join(el.itertext()).split())
    except ValueError:
        return ""


def drop_element(el) -> None:
    """Remove an element but keep its tail text (the text that follows it)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
