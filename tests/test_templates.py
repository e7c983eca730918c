"""Learned site templates: grouping, thresholds, the saved file, the API hook, streaming."""

from __future__ import annotations

import random
import shutil
import sys
import tracemalloc
from pathlib import Path

import pytest

from cleaner import clean_document
from cleaner.document import split_blocks
from cleaner.pipeline import default_rulesets
from cleaner.features import text_stats
from cleaner.learn_cli import iter_pages, learn_folder, read_manifest
from cleaner.normalize import normalize
from cleaner.templates import (
    LONG_MIN_SHARE,
    MIN_PAGES,
    SHORT_MIN_SHARE,
    GroupCounts,
    PageTemplates,
    TemplateError,
    TemplateLearner,
    Templates,
    block_hash,
    fold,
    load_templates,
    prefilter,
    resolve_templates,
    site_of,
)

SITES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"

WORDS = (
    "river council harbour school market bridge ferry mayor village festival winter budget road "
    "farmers library museum doctor station volunteers plan vote summer bakery project workers"
).split()


def article(rng: random.Random, n: int = 4) -> list[str]:
    """Invented prose paragraphs, different on every call."""
    paras = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(25, 40))]
        paras.append("The " + " ".join(words) + " and the " + rng.choice(WORDS) + " of " + str(rng.randint(1, 10**6)) + ".")
    return paras


def site_page(rng, name: str, menu: list[str], footer: list[str], day: int, extra_body=(), paragraphs: int = 4) -> str:
    title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.choice(WORDS)} plan {rng.randint(1, 10**6)}"
    lines = [f"Monday {day} March 2024", name, *menu, title, *article(rng, paragraphs), *extra_body, *footer]
    return "\n\n".join(lines)


def pages_of(site: str, prefix: str = "") -> list[Path]:
    """A fixture site's page dumps (not the gold files), sorted."""
    return [p for p in sorted((SITES / site).glob(prefix + "*.txt")) if not p.name.endswith(".expected.txt")]


def stats_of(text: str):
    return text_stats(text, frozenset())


def verdict(templates, text: str):
    return templates.verdict(normalize(text), stats_of(text))


# ---------------------------------------------------------------- hashing


def test_fold_digits_and_calendar_words():
    assert fold(normalize("Mardi 12 mars 2024")) == fold(normalize("jeudi 4 avril 2025"))
    assert block_hash(normalize("Monday, March 3, 2024")) == block_hash(normalize("Friday, October 17, 2023"))
    assert block_hash(normalize("Accueil")) != block_hash(normalize("Actualités"))


# ---------------------------------------------------------------- grouping


def test_pages_of_two_sites_land_in_two_groups_without_urls():
    rng = random.Random(1)
    learner = TemplateLearner()
    a_menu = ["Quayside", "Tideline", "Lighthouse Notes", "Moorings", "Fore Street"]
    b_menu = ["Seeblick", "Rathausgeflüster", "Hofladen", "Uferleben", "Vereinsecke"]
    shared_cms = ["Leave a Reply", "Your email address will not be published."]
    groups_a, groups_b = set(), set()
    for i in range(12):  # interleaved, as a crawl folder sorted by name would be
        groups_a.add(learner.add(site_page(rng, "Harbourline", a_menu, ["© Harbourline Trust", *shared_cms], i + 1)))
        groups_b.add(learner.add(site_page(rng, "Feldsee Kurier", b_menu, ["© Seemedien eG", *shared_cms], i + 1)))
    assert len(groups_a) == 1 and len(groups_b) == 1
    assert groups_a != groups_b


def test_urls_group_by_host():
    rng = random.Random(2)
    learner = TemplateLearner()
    g1 = learner.add(site_page(rng, "A", ["x"], [], 1), url="https://www.example.com/a")
    g2 = learner.add(site_page(rng, "B", ["y"], [], 2), url="http://example.com/b?q=1")
    g3 = learner.add(site_page(rng, "A", ["x"], [], 3), url="https://other.example/c")
    assert g1 == g2 == "example.com"
    assert g3 == "other.example"


def test_site_fixtures_group_by_chrome_as_by_url():
    """The four fixture sites, URLs ignored: four groups, one per site."""
    templates = learn_folder(str(SITES), use_urls=False)
    assert sorted(g.pages for g in templates.groups) == [10, 10, 10, 10]
    by_url = learn_folder(str(SITES))
    assert sorted(g.name for g in by_url.groups) == [
        "diariosierraclara.example", "harbourline-gazette.example", "kurier-feldsee.example", "vallonet-matin.example",
    ]


# ---------------------------------------------------------------- thresholds


def _learned(pages_with_block: int, block: str, total: int = 20) -> Templates:
    rng = random.Random(3)
    learner = TemplateLearner()
    for i in range(total):
        extra = [block] if i < pages_with_block else []
        learner.add(site_page(rng, "Zorblax Daily", ["Blorp", "Quibble"], [], i + 1, extra), url="https://z.example/")
    return learner.templates()


def test_short_menu_line_needs_share_and_pages():
    menu = "Glimmerwick Corner"
    need = max(MIN_PAGES, int(SHORT_MIN_SHARE * 20 + 0.999))
    assert verdict(_learned(need, menu), menu) is not None
    assert verdict(_learned(need - 1, menu), menu) is None


def test_quoted_sentence_on_two_pages_is_never_template():
    quote = "The mayor said the bridge would reopen in spring, and that nobody should expect it sooner."
    assert verdict(_learned(2, quote, total=3), quote) is None
    assert verdict(_learned(2, quote, total=2), quote) is None


def test_long_prose_needs_a_much_higher_share():
    para = ("Zorblax Daily is an independent newsroom funded by its readers, covering the valley towns since "
            "1998, owned by a charitable trust and answerable to no shareholder or advertiser whatsoever.")
    assert stats_of(para).words >= 25
    assert verdict(_learned(10, para), para) is None  # half the pages: a shared paragraph, kept
    assert verdict(_learned(int(LONG_MIN_SHARE * 20), para), para) is not None  # nearly every page: footer


@pytest.mark.parametrize("byline", ["By Maggie Trelawny | March 3, 2024 10:15", "Autor: Jan Kowalski", "Auteur : Claire Dumas"])
def test_byline_is_never_template(byline):
    assert verdict(_learned(20, byline), byline) is None


def test_lossy_counting_keeps_recurring_blocks_exact_enough():
    g = GroupCounts("g", "chrome")
    for i in range(1000):
        page = {1: "menu", 2 + i: "unique", 5_000_000 + (i % 3): "every third"}
        g.add(page)
    assert g.counts[1] == 1000
    assert len(g.counts) < 200  # one-off blocks are pruned
    assert all(g.counts[5_000_000 + k] >= 333 - 1000 // 50 for k in range(3))


def test_site_of_archived_and_non_urls():
    assert site_of("https://web.archive.org/web/20110106023242/http://www.dzs-clan.de/index.php?x=1") == "dzs-clan.de"
    assert site_of("https://web.archive.org/web/2013/the-pain.net/2008/05/x.html") == "the-pain.net"
    assert site_of("www.example.co.uk/a") == "example.co.uk"
    # names that are not web addresses group nothing (the chrome decides)
    assert site_of("hard::example.de.page.html") is None
    assert site_of("localhost") is None


# ---------------------------------------------------------------- one page of a site


def _site(pages: int = 10, teaser_label: str = "Over at the docks", caption_label: str = "Picture", ranked: bool = False):
    """An invented site: menu, a category label echoing a menu entry above the
    headline, a sponsor line above that on some pages, a labelled in-body teaser
    of another page's headline, a labelled caption, a "most read" list."""
    rng = random.Random(7)
    titles = [f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.choice(WORDS)} wins vote {k}" for k in range(pages)]
    menu = ["Quayside", "Moorings", "Fore Street Diary", "Tideline"]
    out = []
    for k, title in enumerate(titles):
        others = [t for t in titles if t != title]
        body = article(rng, 3)
        lines = ["Zorblax Gazette", *menu]
        if k % 3 == 0:
            lines += ["Brought to you by Quibble Ropes and Paint"]
        lines += ["Fore Street Diary", title, title, body[0]]
        lines += [f"{caption_label}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)} at dawn"]
        lines += [f"{teaser_label}: {others[k % len(others)]}", *body[1:]]
        listed = others[k % len(others): k % len(others) + 3]
        if ranked:
            listed = [f"{r + 1}. {t}" for r, t in enumerate(listed)]
        lines += ["Most read", *listed, "© Zorblax Trust"]
        out.append((title, "\n\n".join(lines)))
    learner = TemplateLearner()
    for _, text in out:
        learner.add(text, url="https://zorblax.example/x")
    return learner.templates(), out


def test_labelled_teaser_goes_labelled_caption_stays():
    templates, pages = _site()
    title, text = pages[4]
    doc = clean_document(text, templates=templates)
    removed = {r.text: r for r in doc.removed}
    teaser = next(line for line in text.split("\n\n") if line.startswith("Over at the docks:"))
    caption = next(line for line in text.split("\n\n") if line.startswith("Picture:"))
    assert removed[teaser].rule == "template:zorblax.example"
    assert "label 'over at the docks'" in removed[teaser].reason
    # the caption's label recurs just as much, but what follows it is no headline of the site
    assert templates.for_page(text.split("\n\n")).verdict(normalize(caption), stats_of(caption)) is None


def test_headline_spared_where_it_stands_category_echo_and_sponsor_line_go():
    templates, pages = _site()
    title, text = pages[3]  # a page with the sponsor line above the category label
    blocks = text.split("\n\n")
    view = templates.for_page(blocks)
    at = {i: view.verdict(normalize(b), stats_of(b), i) for i, b in enumerate(blocks)}
    first_title = blocks.index(title)
    # the page shows its headline twice: the copy where the headline stands
    # (nearest the prose) is spared, the one above it goes, since the same
    # headline is a template teaser in other pages' "most read" lists
    assert at[first_title + 1] is None
    assert at[first_title] is not None
    assert view.verdict(normalize(title), stats_of(title)) is not None
    assert title in clean_document(text, templates=templates).text
    # the category label above it repeats a menu entry and stands there on every page
    assert at[first_title - 1] is not None
    # the sponsor line stands above the prose on a third of the pages: the site's
    sponsor = blocks.index("Brought to you by Quibble Ropes and Paint")
    assert at[sponsor] is not None


@pytest.mark.parametrize("ranked", [False, True])
def test_headline_of_another_page_goes_even_when_lists_rotate_fast(ranked):
    """30 pages, "most read" shows 3 of them: no item is on a quarter of the pages."""
    templates, pages = _site(pages=30, ranked=ranked)
    title, text = pages[10]
    blocks = text.split("\n\n")
    view = templates.for_page(blocks)
    listed = blocks[blocks.index("Most read") + 1 : blocks.index("Most read") + 4]
    for i, b in enumerate(blocks):
        if b in listed:
            v = view.verdict(normalize(b), stats_of(b), i)
            assert v is not None and "headline of another page" in v.reason, (b, v)
    # this page's own headline, where it stands, stays
    near = max(i for i, b in enumerate(blocks) if b == title)
    assert view.verdict(normalize(title), stats_of(title), near) is None


def test_drop_rule_hit_the_site_repeats_leaves_with_the_rules_reason():
    rng = random.Random(11)
    pages = [site_page(rng, "Zorblax Daily", ["Blorp", "Advertisement"], ["Print this page"], i + 1) for i in range(6)]
    templates = TemplateLearner()
    for text in pages:
        templates.add(text, url="https://z.example/")
    templates = templates.templates()
    blocks = split_blocks(pages[2])
    rest, claimed = prefilter(blocks, templates, default_rulesets())
    by_text = {b.text: claimed.get(b.index) for b in blocks}
    assert by_text["Blorp"].rule == "template:z.example"
    # out of the page before it is judged, like the rest of the chrome, under the rule's id
    assert by_text["Advertisement"].rule.startswith("phrases-en."), by_text["Advertisement"]
    assert "Advertisement" not in {b.text for b in rest}
    doc = clean_document(pages[2], templates=templates)
    assert {r.text: r.rule for r in doc.removed}["Advertisement"] == by_text["Advertisement"].rule


# ---------------------------------------------------------------- saved file


def test_save_load_round_trip_gives_same_verdicts(tmp_path):
    templates = learn_folder(str(SITES))
    path = tmp_path / "templates.toml"
    templates.save(path)
    loaded = load_templates(path)
    assert [(g.name, g.pages, g.blocks) for g in loaded.groups] == [(g.name, g.pages, g.blocks) for g in templates.groups]
    for page in pages_of("harbourline-gazette")[:6]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert verdict(loaded, line) == verdict(templates, line)
    assert resolve_templates(str(path)) is resolve_templates(str(path))  # loaded once per file version


@pytest.mark.parametrize(
    "body, line, message",
    [
        ('format = 1\n\n[[group]]\nname = "a"\npages = 3\nblocks = [\n  ["zz", 3, "x"],\n]\n', 7, "16 lower-case hex"),
        ('format = 1\n\n[[group]]\nname = "a"\npages = 3\nblocks = [\n  ["00000000000000ff", 9, "x"],\n]\n', 7, "from 1 to the group's pages"),
        ('format = 1\n\n[[group]]\nname = "a"\npages = -1\nblocks = []\n', 5, "positive integer"),
        ('format = 2\n', 1, "format must be 1"),
        ('format = 1\n[[group]]\nname = "a"\npages = 3\ncolour = "red"\n', 5, "unknown key 'colour'"),
        ('format = 1\n[[group\n', 2, "not valid TOML"),
    ],
)
def test_load_reports_file_line_problem(tmp_path, body, line, message):
    path = tmp_path / "t.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_templates(path)
    first = err.value.problems[0]
    assert first.startswith(f"{path}:{line}: "), first
    assert message in first


# ---------------------------------------------------------------- the API


def test_api_removes_learned_menu_line_with_template_reason(tmp_path):
    site = SITES / "vallonet-matin"
    templates = learn_folder(str(site))
    path = tmp_path / "vallonet.toml"
    templates.save(path)
    page = pages_of("vallonet-matin", "03-")[0]
    text = page.read_text(encoding="utf-8")
    without = clean_document(text)
    doc = clean_document(text, templates=str(path))
    reasons = {r.text: (r.rule, r.reason) for r in doc.removed}
    assert "Le Kiosque Vert" in reasons
    rule, reason = reasons["Le Kiosque Vert"]
    assert rule == "template:vallonet-matin.example"
    assert reason.startswith("repeats on 10 of 10 pages of site vallonet-matin.example")
    # the page's own headline is on other pages' "most read" lists (so in the
    # template), and the byline's author signs a third of the pages: neither
    # is claimed by the template on this page
    for own in ("Le dernier médecin de Montcalvet part à la retraite", "Par Nadia Berthelot, le 22 mars 2024 à 12h41"):
        assert not reasons.get(own, ("kept",))[0].startswith("template:"), reasons.get(own)
    assert "Montcalvet lance un appel national pour trouver un médecin" in reasons  # a teaser here: it goes
    # the quote shared by two articles stays on both
    quote = "« Nous ne laisserons pas le Haut-Vallon devenir un désert médical »"
    assert quote in doc.text
    assert sum(1 for r in doc.removed if r.rule.startswith("template:")) >= 1
    assert len(doc.text) <= len(without.text)


def test_quoted_sentence_survives_on_both_fixture_pages():
    templates = learn_folder(str(SITES))
    quote = "« Nous ne laisserons pas le Haut-Vallon devenir un désert médical »"
    pages = [p for p in pages_of("vallonet-matin") if quote in p.read_text(encoding="utf-8")]
    assert len(pages) == 2
    for p in pages:
        assert quote in clean_document(p.read_text(encoding="utf-8"), templates=templates).text


def test_page_view_picks_the_pages_group():
    templates = learn_folder(str(SITES))
    page = pages_of("kurier-feldsee", "02-")[0]
    view = templates.for_page(page.read_text(encoding="utf-8").splitlines())
    assert isinstance(view, PageTemplates)
    assert view.group.name == "kurier-feldsee.example"
    assert templates.for_page(["nothing", "in common"]).group is None


# ---------------------------------------------------------------- folders and streaming


def test_manifest_and_sidecar_urls(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("Hello\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text("Hi\n", encoding="utf-8")
    (tmp_path / "a" / "x.url").write_text("https://side.example/x\n", encoding="utf-8")
    (tmp_path / "urls.tsv").write_text("path\turl\na/x.txt\thttps://manifest.example/x\n./y.txt\thttps://m.example/y\n", encoding="utf-8")
    assert read_manifest(str(tmp_path)) == {"a/x.txt": "https://manifest.example/x", "y.txt": "https://m.example/y"}
    urls = {Path(p).name: u for p, _, u in iter_pages(str(tmp_path))}
    assert urls == {"x.txt": "https://side.example/x", "y.txt": "https://m.example/y"}


def test_learning_streams_5000_files_and_holds_no_texts(tmp_path):
    rng = random.Random(5)
    names = ["Alder", "Birch", "Cedar", "Damson", "Elm"]  # letters: digits fold to 0 in hashes
    sites = [(f"{s} Herald", [f"{s} {m}" for m in WORDS[:6]], [f"© {s} Press"]) for s in names]
    bodies = []
    for i in range(5000):
        name, menu, footer = sites[i % 5]
        text = site_page(rng, name, menu, footer, i % 28 + 1, paragraphs=2)
        if i % 97 == 0:
            bodies.extend(normalize(l) for l in text.split("\n\n") if len(l) > 100)
        (tmp_path / f"p{i:05d}.txt").write_text(text, encoding="utf-8")

    learner = TemplateLearner()
    sizes = {}
    for n, (_, text, url) in enumerate(iter_pages(str(tmp_path)), 1):
        learner.add(text, url)
        if n in (1000, 5000):
            sizes[n] = sum(len(g.counts) + len(g.samples) for g in learner.groups.values())
    templates = learner.templates()
    assert len(templates.groups) == 5
    assert all(g.pages == 1000 for g in templates.groups)
    assert all(len(g.blocks) < 20 for g in templates.groups)
    # state: counts of recurring hashes plus at most a bucket of one-off ones per
    # group; it does not grow with the pages (5x the pages, not 5x the state)
    assert sizes[5000] < 1.5 * sizes[1000], sizes
    # no page text is held: samples are capped, short, and only of recurring blocks
    samples = [s for g in learner.groups.values() for s in g.samples.values()]
    assert all(len(s) <= 80 for s in samples)
    assert not any(s in b for s in samples if len(s) > 40 for b in bodies)
    texts = [v for g in learner.groups.values() for v in vars_of(g) if isinstance(v, str) and len(v) > 80]
    assert texts == []


def vars_of(obj) -> list:
    return [getattr(obj, name) for name in obj.__slots__ if name != "samples"]


# ---------------------------------------------------------------- command line


def test_cli_learn_then_batch_with_and_without_learning(tmp_path, capsys):
    from cleaner.cli import main

    site = tmp_path / "in"
    site.mkdir()
    for p in pages_of("harbourline-gazette"):
        shutil.copy(p, site / p.name)
    saved = tmp_path / "t.toml"
    assert main(["learn", str(site), "-o", str(saved), "-q"]) == 0
    assert load_templates(saved).groups[0].pages == 10
    assert main(["batch", str(site), str(tmp_path / "learned"), "-j", "1", "-q"]) == 0
    assert main(["batch", str(site), str(tmp_path / "plain"), "-j", "1", "-q", "--no-learn"]) == 0
    learned = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "learned").glob("*.txt")))
    plain = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "plain").glob("*.txt")))
    chrome = (
        "Lighthouse Notes", "Fore Street Diary", "Get the Morning Tide newsletter",
        "Polglase Chandlery", "is an independent, reader-funded newsroom",
    )
    assert not any(c in learned for c in chrome)
    assert any(c in plain for c in chrome)  # what learning removes, the rules alone keep
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 1\n[[group]]\nname = "a"\npages = 0\n', encoding="utf-8")
    assert main(["batch", str(site), str(tmp_path / "x"), "--templates", str(bad), "-q"]) == 2
    assert f"{bad}:4: pages must be a positive integer" in capsys.readouterr().err


def test_a_page_of_no_learned_site_passes_the_prefilter_untouched_and_cheaply(monkeypatch):
    import cleaner.templates as T

    templates = learn_folder(str(SITES))
    rng = random.Random(7)
    page = split_blocks(site_page(rng, "The Other Weekly", ["Home", "Sport"], ["© The Other Weekly"], 3))
    # no statistics are computed for a page no template applies to
    monkeypatch.setattr(T, "text_stats", lambda *a, **k: (_ for _ in ()).throw(AssertionError("stats computed")))
    rest, claimed = prefilter(page, templates, default_rulesets())
    assert rest == page and claimed == {}
