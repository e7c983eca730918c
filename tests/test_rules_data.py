"""The rule data shipped in the package: every file loads, ids are unique, every
rule's examples match and its counter-examples do not, the languages and theme
sets the design promises are there, and the shipped line model fits the code."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cleaner import clean_document, linemodel
from cleaner.document import split_blocks
from cleaner.normalize import normalize
from cleaner.rules import (
    BUILTIN_DIR,
    BUILTIN_FOLDERS,
    CATEGORIES,
    Matcher,
    check_examples,
    load_builtin,
    load_file,
    load_paths,
    select_rulesets,
)

SEED_001 = Path(__file__).resolve().parent.parent / "fixtures" / "dumps" / "001_54f2a879d566ec39.txt"
SEED_000 = SEED_001.with_name("000_d20e688e2982bb1f.txt")
LANGUAGES = ("fr", "en", "de", "es", "pt", "it")
RULE_FILES = sorted(p for name in BUILTIN_FOLDERS for p in (BUILTIN_DIR / name).glob("*.toml"))
BUILTIN = load_builtin()
# A page with no comment form and no theme furniture: no theme set may claim it.
PLAIN_PAGE = """\
Harbour bridge reopens after six months of repairs

The harbour bridge reopened to traffic on Monday morning, six months after cracks in two of its supports forced the council to close it.

Engineers replaced the damaged bearings and strengthened the deck, at a cost of 4.1 million pounds, the council said in a statement.

Drivers had faced detours of up to twenty minutes during the closure, and several shops near the bridge reported a sharp fall in trade.
"""


def rule_params():
    return [pytest.param(rs, rule, id=rule.id) for rs in BUILTIN for rule in rs.rules]


def test_there_are_rule_files_and_the_builtin_loader_reads_them_all():
    assert len(RULE_FILES) >= len(LANGUAGES)
    assert sorted(Path(rs.path).resolve() for rs in BUILTIN) == [p.resolve() for p in RULE_FILES]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_rule_file_loads_on_its_own(path):
    rs = load_file(path)  # raises RuleError with file:line: problem
    assert rs.rules


def test_ruleset_ids_are_unique_across_builtin_files():
    counts = Counter(load_file(p).id for p in RULE_FILES)
    assert [i for i, n in counts.items() if n > 1] == []


def test_rule_ids_are_unique_across_builtin_files():
    counts = Counter(rule.id for p in RULE_FILES for rule in load_file(p).rules)
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("rs, rule", rule_params())
def test_rule_examples_match_and_counter_examples_do_not(rs, rule):
    assert rule.examples, f"{rule.where}: no examples"
    for example in rule.examples:
        assert rule.matches(example), f"{rule.where}: example does not match: {example!r}"
    for counter in rule.counter_examples:
        assert not rule.matches(counter), f"{rule.where}: counter-example matches: {counter!r}"


@pytest.mark.parametrize("rs, rule", rule_params())
def test_rule_has_a_reason_and_a_known_category(rs, rule):
    assert isinstance(rule.reason, str) and rule.reason.strip(), f"{rule.where}: no reason"
    assert rule.category in CATEGORIES, f"{rule.where}: unknown category {rule.category!r}"
    assert rule.action in ("drop", "tail", "keep")


@pytest.mark.parametrize("rs", BUILTIN, ids=lambda rs: rs.id)
def test_examples_match_through_the_compiled_matcher_of_their_set(rs):
    """The fast path (Matcher: dict lookups, first-word index, combined regexes) agrees with the slow one."""
    assert check_examples([rs]) == []
    matcher = Matcher([rs])
    for rule in rs.rules:
        for counter in rule.counter_examples:
            hit = matcher.match(normalize(counter), counter)
            assert hit is None or hit.id != rule.id, f"{rule.where}: counter-example matches through the Matcher: {counter!r}"


def test_no_builtin_rule_removes_any_counter_example():
    """Counter-examples are article prose: with every built-in set active, none of them may be removed."""
    matcher = Matcher(BUILTIN)
    removed = []
    for rs in BUILTIN:
        for rule in rs.rules:
            for counter in rule.counter_examples:
                hit = matcher.match(normalize(counter), counter)
                if hit is not None and hit.action != "keep":
                    removed.append(f"{rule.where}: {counter!r} removed by {hit.id}")
    assert removed == []


def test_attribution_lines_reach_a_keep_rule_with_every_builtin_set_active():
    matcher = Matcher(BUILTIN)
    keep_rules = [rule for rs in BUILTIN for rule in rs.rules if rule.action == "keep"]
    assert keep_rules
    wrong = []
    for rule in keep_rules:
        for text in (*rule.examples, "Source : AFP", "Source: Reuters"):
            hit = matcher.match(normalize(text))
            if hit is None or hit.action != "keep":
                wrong.append(f"{text!r} -> {hit.id if hit else None}")
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_a_generic_phrase_file(lang):
    path = BUILTIN_DIR / "phrases" / f"{lang}.toml"
    assert path.exists(), f"no phrase file for {lang}"
    rs = load_file(path)
    assert rs.scope == "generic"
    assert lang in rs.languages
    categories = {rule.category for rule in rs.rules}
    assert {"comment-form", "ad", "related"} <= categories, f"{path}: missing core categories"


def theme_set(word: str):
    found = [rs for rs in BUILTIN if rs.scope == "theme" and word in rs.id.lower()]
    return found[0] if found else None


def seed_norms(seed) -> list[str]:
    return [normalize(b.text) for b in split_blocks(seed.read_text(encoding="utf-8"))]


def test_tagdiv_and_wordpress_theme_sets_exist():
    assert theme_set("tagdiv") is not None
    assert theme_set("wordpress") is not None


# seed 001 is a tagDiv Newspaper page; seed 000 shows the WordPress comment form
@pytest.mark.parametrize("word, seed", [("tagdiv", "001"), ("wordpress", "000")])
def test_theme_sets_are_recognised_by_fingerprints_on_the_seed_only(word, seed):
    rs = theme_set(word)
    if rs is None:
        pytest.skip(f"no {word} theme set shipped (see test_tagdiv_and_wordpress_theme_sets_exist)")
    assert rs.fingerprints, f"{rs.path}: a theme set is recognised by fingerprints"
    on_seed = select_rulesets(BUILTIN, seed_norms(SEED_001 if seed == "001" else SEED_000), None)
    assert rs.id in [s.id for s in on_seed]
    on_plain = select_rulesets(BUILTIN, [normalize(b.text) for b in split_blocks(PLAIN_PAGE)], None)
    assert rs.id not in [s.id for s in on_plain]
    assert all(s.scope == "generic" for s in on_plain)


def test_generic_sets_apply_to_every_page_and_themes_need_evidence():
    chosen = select_rulesets(BUILTIN, [normalize(b.text) for b in split_blocks(PLAIN_PAGE)], None)
    assert {rs.id for rs in chosen} == {rs.id for rs in BUILTIN if rs.scope == "generic"}


def test_shipped_line_model_matches_the_feature_list():
    with open(linemodel.MODEL_PATH, encoding="utf-8") as f:
        spec = json.load(f)
    assert linemodel.matches_features(spec)
    linemodel.load.cache_clear()
    assert linemodel.load() is not None


@pytest.mark.parametrize(
    "block, rule_id",
    [
        ("Related articlesMore from author", "phrases-en.related-heading"),  # a tab widget's two labels
        ("Leave a ReplyCancel reply", "phrases-en.comment-heading"),
        ("Schreibe einen Kommentar: Antwort abbrechen", "phrases-de.comment-heading"),
        ("Contact Us | Privacy Policy", "phrases-en.footer-links"),  # the first label decides
        ("About/Contact", "phrases-en.footer-links"),
        ("Kommentarfeed | Kommentare geschlossen | Trackback-URL", "phrases-de.footer-links"),
        ("Zostaw odpowiedźAnuluj odpowiedź", "phrases-pl.comment-heading"),  # cases beyond Latin-1
        ("About | Contact | Privacy Policy | Terms of Use | Advertise | Careers | Cookies | Sitemap | Help", "phrases-en.footer-links"),
    ],
)
def test_labels_run_together_match_as_their_first_label(block, rule_id):
    hit = Matcher(BUILTIN).match(normalize(block), block)
    assert hit is not None and hit.id == rule_id
    assert hit.reason.endswith("(labels run together)")


@pytest.mark.parametrize(
    "block",
    [
        "Related articles about the budget",  # a label, then words that are no label
        "More from author Jane Doe, who covered the trial",
        # no visible join: a space, or letters of one case, do not cut
        "Close contacts",  # a subheading ("close" and "contacts" are both labels somewhere)
        "Welcome Home",  # a film's title
        "Nomad",  # "nom" + "ad"
        "Photoshop",
        "RELATED ARTICLESMORE FROM AUTHOR",  # all capitals: the join cannot be seen
    ],
)
def test_a_block_without_visible_joins_between_labels_is_not_glued_labels(block):
    assert Matcher(BUILTIN).match(normalize(block), block) is None


def test_a_keep_label_is_never_guessed_from_parts(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[ruleset]\nid = "mine"\nscope = "generic"\n'
        '[[rule]]\nid = "mine.credit"\ncategory = "other"\naction = "keep"\nmatch = "line"\n'
        'phrases = ["Source AFP"]\nreason = "attribution"\nexamples = ["Source AFP"]\n'
        '[[rule]]\nid = "mine.share"\ncategory = "share"\naction = "drop"\nmatch = "line"\n'
        'phrases = ["Share"]\nreason = "share label"\nexamples = ["Share"]\n',
        encoding="utf-8",
    )
    matcher = Matcher(load_paths([str(path)]))
    assert matcher.match("share share", "Share | Share").id == "mine.share"
    assert matcher.match("share source afp", "Share | Source AFP") is None


def test_a_cookie_plugin_modal_goes_with_its_labels_once_its_notice_is_seen():
    story = [
        "Harbour master retires after forty years",
        "The harbour master, who took up the post in 1985, retired on Friday after forty years of guiding boats into the port.",
        "He said the job had changed beyond recognition since the first radar was installed on the pier in the nineties.",
        "His successor, a former ferry captain, starts on Monday and plans to modernise the booking of berths for visitors.",
    ]
    modal = [
        "Datenschutz-Übersicht",
        "Unbedingt notwendige Cookies",
        "Unbedingt notwendige Cookies sollten jederzeit aktiviert sein, damit wir deine Einstellungen für die Cookie-Einstellungen speichern können.",
        "Aktiviert",
    ]
    doc = clean_document("\n".join(story + modal))
    assert "gdpr-cookie-compliance" in doc.rulesets
    assert {r.text: r.rule for r in doc.removed if r.text in modal} == {
        "Datenschutz-Übersicht": "gdpr-cookie-compliance.modal-labels",
        "Unbedingt notwendige Cookies": "gdpr-cookie-compliance.modal-labels",
        modal[2]: "gdpr-cookie-compliance.modal-text",
        "Aktiviert": "gdpr-cookie-compliance.modal-labels",
    }
    # without the plugin's notice, a common word such as "Aktiviert" is not its label
    plain = clean_document("\n".join(story + ["Aktiviert"]))
    assert "gdpr-cookie-compliance" not in plain.rulesets
