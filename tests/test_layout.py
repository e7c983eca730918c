"""The heuristics' reading of a page: prose region, headline, table of contents."""

from __future__ import annotations

from cleaner import clean, clean_document, pipeline
from cleaner.document import split_blocks
from cleaner.heuristics import toc_entries
from fake_models import FixedModel

SECTIONS = {
    "Morning on the harbour": "The fishing boats come in before six, and the auction on the quay starts as soon as the first crates are landed.",
    "The old lighthouse": "Built in 1860, the lighthouse was restored by volunteers who spent three summers repairing its stone stairs.",
    "Where to eat": "Small restaurants along the front serve the morning catch, grilled simply and with bread from the bakery behind the church.",
    "Getting there": "A bus runs from the station every hour, and the coastal path from the next village takes about two hours on foot.",
    "The Sunday market": "Farmers from the valley sell cheese, honey and early vegetables on the square until the church bells ring at noon.",
    "Walks in the hills": "Marked trails climb from the last houses to the ridge, where on a clear day the islands are visible to the west.",
    "Where to stay": "Most rooms are in family guest houses, and in August they are booked months ahead, so plan your visit early.",
    "When to go": "Late spring is quiet and mild, while the autumn storms make for dramatic walks along the harbour wall at dusk.",
}
# one paragraph: alone it weighs less than the eight contents lines below it
INTRO = ["The small port town has changed little in a hundred years, and that is what draws visitors back every summer."]


def _page(lines):
    return pipeline.read_page(split_blocks("\n".join(lines)), pipeline.default_rulesets(), None)


def _guide():
    lines = ["Home", "Travel", "Guides", "A day in the old port town", *INTRO, "Contents"]
    lines += [f"{n}. {title}" for n, title in enumerate(SECTIONS, 1)]
    for n, (title, text) in enumerate(SECTIONS.items(), 1):
        lines += [f"{n}. {title}", text]
    return lines


def test_a_table_of_contents_is_recognised_by_its_headings_further_down():
    lines = _guide()
    page = _page(lines)
    scores = [pipeline.H.prose_score(s) for s in page.stats]
    entries = [i for i, flag in enumerate(toc_entries(page.norms, page.stats, scores)) if flag]
    first = lines.index("Contents") + 1
    assert entries == list(range(first, first + len(SECTIONS)))


def test_the_introduction_above_a_table_of_contents_stays_with_the_story():
    lines = _guide()
    layout = pipeline.analyse(_page(lines))
    assert layout.headline == lines.index("A day in the old port town")
    out = clean("\n".join(lines))
    for paragraph in INTRO + list(SECTIONS.values()):
        assert paragraph in out


def test_a_menu_repeated_in_the_footer_is_no_table_of_contents():
    menu = ["News", "Sport", "Weather", "Culture"]
    lines = menu + ["A day in the old port town", *INTRO, *SECTIONS.values()] + menu
    page = _page(lines)
    scores = [pipeline.H.prose_score(s) for s in page.stats]
    assert not any(toc_entries(page.norms, page.stats, scores))


def test_a_headline_with_one_label_separator_is_still_the_headline():
    lines = ["Home", "Subscribe to this feed", "Update | Crash victims on the coast road identified",
             "Published: Tuesday | April 26, 2022 | 9:52 PM", *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert layout.headline == 2


def test_a_dateline_glued_to_its_label_is_no_labelled_headline():
    # "Published:Tuesday" reads as one word: the bars after it make it a dateline
    lines = ["Home", "Subscribe to this feed", "Update | Crash victims on the coast road identified",
             "Published:Tuesday | April 26, 2022 | 9:52 PM", *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert layout.headline == 2


def test_a_name_and_a_role_between_bars_is_no_headline():
    lines = ["Home", "News", "Mayor resigns", "Jane Doe | Chief Political Correspondent", *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert layout.headline == 2


TEASERS = [
    "Police: 2 In Custody After Death Of Local Student-AthleteA 24-year-old woman and a 28-year-old man have been arrested in connection with the death.",
    "Customers Leave Without Paying Bill At Troy SteakhouseA party of six left the restaurant without paying their bill after a fight broke out.",
    "Michigan To Mail Redistricting Panel Applications To 250,000The state will mail applications encouraging voters to apply to serve on a new commission.",
]


def test_a_run_of_glued_teasers_goes_even_when_it_reads_as_prose():
    cleaned = clean("\n".join(["Latest Headlines", *TEASERS, "Mayor resigns", *INTRO, *SECTIONS.values()]))
    assert not any(teaser[:40] in cleaned for teaser in TEASERS)
    assert INTRO[0] in cleaned
    layout = pipeline.analyse(_page(["Latest Headlines", *TEASERS, *INTRO]))
    assert [v.rule if v else None for v in layout.verdicts[1:4]] == ["teaser-run"] * 3


def test_one_glued_teaser_alone_is_left_to_the_line_model():
    layout = pipeline.analyse(_page(["Latest Headlines", TEASERS[0], *INTRO, *SECTIONS.values()]))
    assert layout.verdicts[1] is None or layout.verdicts[1].rule != "teaser-run"


MORE_TEASERS = [
    "Ford Recalls F-150s; Loose Cable Can Cause StallingFord is recalling over 168,000 pickup trucks in North America to fix an electrical problem.",
    "Auto Union Opens Talks With Fiat Chrysler; Strike PossibleThe union on Monday turned its bargaining focus to the next automaker in line.",
    "Say Cheese? Detroit's Top 3 Cheese ShopsWondering where to find the best cheese near you? We crunched the numbers to find the top shops.",
]


def test_a_teaser_list_split_by_section_labels_goes_whole():
    # "Travel" and "Autos" label sections of one list: the list's first and
    # last teasers have a single glued neighbour each within two blocks
    lines = ["Travel", TEASERS[0], TEASERS[1], "Autos", MORE_TEASERS[0], MORE_TEASERS[1], "More", *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert [layout.verdicts[i].rule if layout.verdicts[i] else None for i in (1, 2, 4, 5)] == ["teaser-run"] * 4


def test_glued_teasers_too_far_apart_are_no_run():
    lines = [TEASERS[0], "Travel", "Autos", TEASERS[1], "News", "Weather", MORE_TEASERS[0], *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert all(layout.verdicts[i] is None or layout.verdicts[i].rule != "teaser-run" for i in (0, 3, 6))


def test_two_glued_teasers_are_no_run():
    layout = pipeline.analyse(_page(["Latest Headlines", *TEASERS[:2], *INTRO, *SECTIONS.values()]))
    assert all(v is None or v.rule != "teaser-run" for v in layout.verdicts[1:3])


def test_the_over_pruning_guard_does_not_bring_a_teaser_run_back():
    # one short paragraph of story, six teasers: most of the page's prose-like
    # words are teasers, which must not make the guard restore them
    lines = ["Mayor resigns", INTRO[0], "Latest Headlines", *TEASERS, *MORE_TEASERS]
    cleaned = clean("\n".join(lines))
    assert INTRO[0] in cleaned
    assert not any(teaser[:40] in cleaned for teaser in TEASERS + MORE_TEASERS)


def test_a_teaser_run_is_final_whatever_the_model_says(monkeypatch):
    from cleaner import linemodel

    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(1.0))
    cleaned = clean("\n".join(["Latest Headlines", *TEASERS, "Mayor resigns", *INTRO, *SECTIONS.values()]))
    assert not any(teaser[:40] in cleaned for teaser in TEASERS)
    assert INTRO[0] in cleaned


# summaries of other stories, each closed by its read-more link
READ_MORE_TEASERS = [
    "The council has voted to close the old swimming pool at the end of the season and to build a new one by the school. Read more",
    "Rettet die Halbinsel: Ohne ein schnelles Handeln geht der Raum für Naherholung verloren und Eigentum Weiterlesen …",
    "Volunteers planted four hundred trees along the river bank over the weekend, the third such day this year. Continue reading →",
]


def test_a_summary_closed_by_its_read_more_link_goes_as_a_teaser():
    lines = ["Mayor resigns", *INTRO, *SECTIONS.values(), "More stories", *READ_MORE_TEASERS]
    layout = pipeline.analyse(_page(lines))
    first = lines.index(READ_MORE_TEASERS[0])
    assert [v.rule if v else None for v in layout.verdicts[first:first + 3]] == ["teaser-read-more"] * 3
    cleaned = clean("\n".join(lines))
    assert INTRO[0] in cleaned and not any(t[:40] in cleaned for t in READ_MORE_TEASERS)


def test_read_more_teasers_are_final_whatever_the_model_says(monkeypatch):
    from cleaner import linemodel

    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(1.0))
    cleaned = clean("\n".join(["Mayor resigns", *INTRO, *SECTIONS.values(), "More stories", *READ_MORE_TEASERS]))
    assert INTRO[0] in cleaned and not any(t[:40] in cleaned for t in READ_MORE_TEASERS)


def test_read_more_teasers_above_the_story_or_inside_it_go_and_are_no_headline():
    body = list(SECTIONS.values())
    above = ["Home", "News", "Latest stories", *READ_MORE_TEASERS, "Mayor resigns after harbour scandal", *INTRO, *body]
    doc = clean_document("\n".join(above))
    assert doc.title == "Mayor resigns after harbour scandal"
    inside = ["Mayor resigns", *INTRO, *body[:3], "Read also", *READ_MORE_TEASERS, *body[3:]]
    for lines in (above, inside):
        cleaned = clean("\n".join(lines))
        assert INTRO[0] in cleaned and not any(t[:40] in cleaned for t in READ_MORE_TEASERS)


def test_a_lead_with_an_expander_link_is_no_teaser():
    lead = "The council has voted to close the old swimming pool at the end of the season, the mayor said on Monday. Read more"
    lines = ["Pool to close", lead, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert layout.verdicts[1] is None or layout.verdicts[1].rule != "teaser-read-more"


def test_a_story_whose_own_sentence_ends_with_a_read_more_word_keeps_it():
    # "continue", "video", "more", "listen" close sentences of stories too,
    # and a quotation's closing » is no link mark
    sentences = [
        "The mayor said the talks with the unions about the harbour would continue.",
        "How the storm flooded the lower town in a single night is shown in our video.",
        "The fair has rides, music, food stalls from the region and so many more…",
        "Asked what the town should do about the noise, the mayor gave a one-word answer: Listen",
        "Il sindaco si è voltato verso il porto e ai giornalisti ha detto soltanto: «Guarda»",
        "Le maire a simplement répondu aux journalistes qui l'attendaient : « Lire la suite »",
        "Asked what to do with the old library, the novelist did not hesitate for a second: Read more…",
    ]
    lines = ["Mayor resigns", *INTRO, *sentences, *list(SECTIONS.values())[:3]]
    layout = pipeline.analyse(_page(lines))
    for sentence in sentences:
        verdict = layout.verdicts[lines.index(sentence)]
        assert verdict is None or verdict.rule != "teaser-read-more", sentence


def _card(title, label, summary):
    return [title, label, title, "12 diggs example.org", summary]


# cards with a short dek each (a long summary between two cards reads as a
# story's own paragraph: see the pictures test below)
FEED = [
    *_card("Koala Rescued From A Bushfire In New South Wales", "A NATIONAL TRAGEDY", "One koala was pulled from the flames by a passer-by."),
    *_card("Senate Passes Hong Kong Rights Bill Without Objection", "BIPARTISAN SUPPORT", "The bill requires a yearly review of the city's status."),
    *_card("Armored Car Misjudges Its Speed And Careens Into A House", "THIS TURNED OUT POORLY", "Few details are known about the crash so far."),
]


def test_a_feed_of_story_cards_after_the_story_goes():
    lines = ["Mayor resigns", *INTRO, *SECTIONS.values(), "Sign up for our newsletter", *FEED]
    layout = pipeline.analyse(_page(lines))
    first = lines.index(FEED[0])
    # each card, from its title to the title again, goes as one
    cards = [first + 5 * k + offset for k in range(3) for offset in range(3)]
    assert [layout.verdicts[i].rule if layout.verdicts[i] else None for i in cards] == ["card-run"] * 9
    cleaned = clean("\n".join(lines))
    assert INTRO[0] in cleaned and FEED[0] not in cleaned and FEED[1] not in cleaned


def test_a_story_whose_pictures_look_like_cards_keeps_its_paragraphs_and_headline():
    # alt text, credit, caption: a picture between each two paragraphs has
    # the shape of a card; the paragraphs between are the story's
    paragraphs = list(SECTIONS.values())
    captions = ["The harbour at dawn with the fishing fleet", "The lighthouse after its restoration by volunteers", "The market square on a Sunday morning in May"]
    lines = ["Mayor resigns", INTRO[0]]
    for paragraph, caption in zip(paragraphs, captions):
        lines += [caption, "Photo: Reuters", caption, paragraph]
    lines += paragraphs[3:]
    cleaned = clean("\n".join(lines))
    assert "Mayor resigns" in cleaned and INTRO[0] in cleaned
    assert all(paragraph in cleaned for paragraph in paragraphs)
    layout = pipeline.analyse(_page(lines))
    assert all(v is None or v.rule != "card-run" for v in layout.verdicts)  # its captions are no feed


def test_pictures_of_the_story_with_their_caption_twice_are_no_feed():
    # alt text and caption repeat each picture's line inside the story's prose
    paragraphs = list(SECTIONS.values())
    captions = ["The harbour at dawn with the fishing fleet", "The lighthouse after its restoration by volunteers", "The market square on a Sunday morning in May"]
    lines = ["Mayor resigns", *INTRO]
    for paragraph, caption in zip(paragraphs, captions):
        lines += [paragraph, caption, caption]
    lines += paragraphs[3:]
    layout = pipeline.analyse(_page(lines))
    assert all(v is None or v.rule != "card-run" for v in layout.verdicts)


# a feed whose cards carry a summary of a sentence or two each
SUMMARISED_FEED = [
    *_card("Why Don't You Go Fight For The Reindeer?", "REINDEER GAMES",
           "Herders have moved their reindeer across the north for generations. Then the miners arrived, and the herders became protesters."),
    *_card("What Being Asexual Tells Us About Romance", "LOVE IS LOVE",
           "What is it like to feel love and share intimacy yet feel no attraction to the person you are with, and what does it teach the rest of us?"),
    *_card("Watching This Koala Get Rescued Is Heart-Wrenching", "A NATIONAL TRAGEDY",
           "Dozens of bushfires are spreading across the country, burning across more than two million acres and putting koalas in harm's way."),
]


def test_a_feed_of_title_case_cards_goes_with_each_cards_summary():
    chrome = ["Want more stories like this?", "Sign up for our newsletter", "Subscribe", "Share this:", "Facebook", "Twitter"]
    lines = ["Mayor resigns", *INTRO, *SECTIONS.values(), *chrome, *SUMMARISED_FEED]
    cleaned = clean("\n".join(lines))
    assert INTRO[0] in cleaned and all(p in cleaned for p in SECTIONS.values())
    summaries = SUMMARISED_FEED[4::5]
    assert not any(s in cleaned for s in summaries) and SUMMARISED_FEED[0] not in cleaned
    layout = pipeline.analyse(_page(lines))
    strong = [s for s in summaries if layout.scores[lines.index(s)] >= 0.6]
    assert strong and all(layout.verdicts[lines.index(s)].rule == "card-run" for s in strong)


LONG_FEED = SUMMARISED_FEED + [
    *_card("Why Movies Went From Fifteen Minutes To Two Hours", "RUNNING LONG",
           "Early films were short because a reel was short, and audiences came and went as they pleased, until the feature changed that."),
    *_card("Stolen Paintings Were Found In A Storage Locker", "A LUCKY FIND",
           "Of some two thousand missing paintings by a Scottish painter, more than half have been recovered, valued at over half a million dollars."),
]


def test_a_long_summarised_feed_under_the_story_stays_out_of_its_prose_region():
    # the summaries read as prose: counted as the story's, they would pull
    # the region over the feed, and inside the region they would stay
    lines = ["Mayor resigns", *INTRO, *SECTIONS.values(), *LONG_FEED]
    layout = pipeline.analyse(_page(lines))
    assert layout.end <= lines.index(LONG_FEED[0])
    cleaned = clean("\n".join(lines))
    assert all(p in cleaned for p in SECTIONS.values())
    assert not any(s in cleaned for s in LONG_FEED[4::5])


def test_a_card_summary_inside_the_prose_region_is_left_to_the_judgement():
    # a feed right above the story: the story's first paragraph stands where
    # the last card's summary would
    feed = SUMMARISED_FEED[:-1]
    lines = ["Mayor resigns", *feed, *SECTIONS.values()]
    page = _page(lines)
    first = lines.index(next(iter(SECTIONS.values())))
    assert page.card_summaries[first]
    layout = pipeline.analyse(page)
    assert layout.start <= first < layout.end
    assert layout.verdicts[first] is None or layout.verdicts[first].rule != "card-run"


def test_pictures_with_title_case_captions_keep_the_paragraphs_between():
    # paragraphs of a card summary's length, in the story's prose region
    long_paragraphs = [p + " " + p for p in SECTIONS.values()]
    captions = ["The Harbour At Dawn With The Fishing Fleet", "The Lighthouse After Its Restoration", "The Market Square On A Sunday Morning"]
    lines = ["Mayor resigns", INTRO[0]]
    for paragraph, caption in zip(long_paragraphs, captions):
        lines += [caption, "Photo: Reuters", caption, paragraph]
    lines += long_paragraphs[3:]
    layout = pipeline.analyse(_page(lines))
    assert not any(layout.verdicts[lines.index(p)] and layout.verdicts[lines.index(p)].rule == "card-run" for p in long_paragraphs)


def test_a_feed_that_closes_the_page_is_found():
    from cleaner.heuristics import card_runs

    lines = [*INTRO, *FEED, "Imprint"]
    page = _page(lines)
    flags, _ = card_runs(page.norms, page.stats)
    assert flags[1:4] == [3] * 3 and flags[-1] == 0  # each card's block counts the feed's three cards


def test_a_headline_the_page_repeats_is_no_feed():
    # a dump of the page's metadata gives the headline again and again
    headline = "How to retire early and travel on your own schedule"
    lines = ["Home", headline, headline, "Disclosure", headline, "Jane Doe", headline, "2019-11-13", headline, *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert all(v is None or v.rule != "card-run" for v in layout.verdicts)


RELATED = [
    "Prison Papers: Exiled prisoners plead with the governor to let them come home",
    "The Prison Papers: opening the case file on the brothers deemed too dangerous",
    "The Prison Papers: low-level killers or a national security threat to the islands",
    "Unprecedented secret hearing to decide the fate of the prisoners deported to the UK",
    "Governor to elected representatives: fully respect the separation of powers, always",
]


def test_a_thin_region_under_a_related_heading_is_its_list_when_the_story_is_above():
    story = "A senior prison official has said in a sworn affidavit that anyone with sufficient determination to escape from the prison could do so."
    lines = ["Home", "News", "Prison official: anyone could escape", "By Jane Doe", story, "Share", "Related articles", *RELATED, "Imprint"]
    layout = pipeline.analyse(_page(lines))
    assert layout.start == lines.index(story)
    cleaned = clean("\n".join(lines))
    assert story in cleaned and not any(r in cleaned for r in RELATED)


def test_a_story_under_a_comment_count_at_the_top_keeps_its_region():
    # "Comments (32)" above the headline is a link, not the start of a list
    lines = ["Home", "Comments (32)", "Mayor resigns", *INTRO, *SECTIONS.values()]
    layout = pipeline.analyse(_page(lines))
    assert layout.start == lines.index(INTRO[0])


def test_a_short_story_under_a_comment_count_keeps_its_region_with_a_blurb_above():
    # a comment count heads no list of other stories, even with prose above it
    blurb = "Our newsroom has covered the island for more than a century, and every week our reporters bring you the stories that matter here."
    story = "A senior prison official has said in a sworn affidavit that anyone with sufficient determination to escape from the prison could do so."
    lines = ["Home", blurb, "News", "Sport", "Weather", "Culture", "Prison official: anyone could escape", "Comments", story,
             "The hearing continues on Monday, when the governor is expected to give evidence for the first time."]
    page = _page(lines)
    assert page.hits[lines.index("Comments")].action == "tail"
    layout = pipeline.analyse(page)
    assert layout.start == lines.index(story)


def test_author_box_headings_are_told_by_an_intro_and_a_capitalised_name():
    from cleaner.heuristics import is_author_box_heading

    for heading in ("About Brigit Katz", "Über Moritz Bachmann", "Sobre Carlos Nadalim", "À propos de Marie Curie",
                    "About Jean de la Fontaine", "ABOUT JANE DOE"):
        assert is_author_box_heading(heading), heading
    # the rules' phrase, one word, a sentence, a lower-case name, a title with
    # a conjunction, lower-case letters of other scripts
    for text in ("About the author", "About Us", "About Brigit Katz and the friends who wrote this", "about jane doe",
                 "Über Leben und Tod", "About 200 people came to the harbour.", "About ōsaka ōtsu", "Über łódź śląsk"):
        assert not is_author_box_heading(text), text


def test_a_title_case_subheading_with_an_intro_is_no_author_box():
    # the shape of "About Jane Doe", but the paragraphs under it do not name it again
    paragraphs = list(SECTIONS.values())
    for heading in ("Over The Years", "OVER THE WEEKEND", "About The Study", "Sobre Nueva York"):
        lines = ["A day in the old port town", *INTRO, *paragraphs[:6], heading, *paragraphs[6:]]
        kept = [b.text for b in clean_document("\n".join(lines)).kept]
        assert all(p in kept for p in paragraphs), heading


def test_an_author_box_in_capitals_is_found_by_the_name_its_biography_gives():
    story = [*INTRO, *SECTIONS.values()]
    doc = clean_document("\n".join(["A day in the old port town", *story, "ABOUT JANE DOE", BIO]))
    assert {r.text: r.rule for r in doc.removed}.get("ABOUT JANE DOE") == "author-box"
    assert BIO not in [b.text for b in doc.kept]


BIO = "Jane Doe is a freelance writer based in Toronto. Her work has appeared in many magazines and newspapers."


def test_an_author_box_closes_the_story_with_its_biography():
    story = [*INTRO, *SECTIONS.values()]
    doc = clean_document("\n".join(["A day in the old port town", *story, "About Jane Doe", BIO, "Read more from this author"]))
    kept = [b.text for b in doc.kept]
    assert kept[-1] == story[-1] and BIO not in kept
    reasons = {r.text: r.rule for r in doc.removed}
    assert reasons["About Jane Doe"] == "author-box" and reasons[BIO] == "tail-section"


def test_the_rules_know_the_author_box_heading_in_several_languages():
    story = [*INTRO, *SECTIONS.values()]
    for heading in ("About the author", "Über den Autor", "Sobre o autor", "À propos de l'auteur"):
        doc = clean_document("\n".join(["A day in the old port town", *story, heading, BIO]))
        assert BIO not in [b.text for b in doc.kept], heading


def test_an_author_box_above_the_story_does_not_cut_it():
    story = [*INTRO, *SECTIONS.values()]
    doc = clean_document("\n".join(["A day in the old port town", "About Jane Doe", BIO, *story]))
    kept = [b.text for b in doc.kept]
    assert all(p in kept for p in story)


# a page's chrome under the story: rule hits, then short lines no rule knows
FOOTER_CHROME = ["Share this:", "Facebook", "Twitter", "Privacy Policy", "All examples", "Harbour walks 2015"]


def test_a_short_line_below_the_story_needs_a_surer_model_when_chrome_is_there(monkeypatch):
    from cleaner import linemodel

    story = [*INTRO, *SECTIONS.values()]
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.7))
    kept = [b.text for b in clean_document("\n".join(["A day in the old port town", *story, *FOOTER_CHROME])).kept]
    assert all(p in kept for p in story)
    assert "All examples" not in kept and "Harbour walks 2015" not in kept
    # a surer model keeps them
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.95))
    kept = [b.text for b in clean_document("\n".join(["A day in the old port town", *story, *FOOTER_CHROME])).kept]
    assert "All examples" in kept and "Harbour walks 2015" in kept


def test_short_lines_below_the_story_with_no_chrome_keep_the_models_threshold(monkeypatch):
    # extracted main content, or a cleaned page read back: its last lines are the story's
    from cleaner import linemodel

    story = [*INTRO, *SECTIONS.values()]
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.7))
    kept = [b.text for b in clean_document("\n".join(["A day in the old port town", *story, "All examples", "Harbour walks 2015"])).kept]
    assert "All examples" in kept and "Harbour walks 2015" in kept


def test_a_page_with_no_prose_region_keeps_the_models_bar(monkeypatch):
    # no region: chrome above the lines is not chrome "below the story"
    from cleaner import linemodel

    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.7))
    lines = ["Home", "News", "Share this:", "Facebook", "Budget passed after long night", "Council votes five to four", "Mayor to sign on Friday"]
    kept = [b.text for b in clean_document("\n".join(lines)).kept]
    assert "Council votes five to four" in kept and "Mayor to sign on Friday" in kept


def test_a_page_with_no_chrome_is_judged_with_a_lower_bar_and_stays_a_fixed_point(monkeypatch):
    from cleaner import linemodel

    story = ["A day in the old port town", *INTRO, *SECTIONS.values()]
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.3))
    # no rule finds chrome: the bar is CHROME_FREE_THRESHOLD, and the story stays
    clean_story = clean("\n".join(story))
    assert all(p in clean_story for p in SECTIONS.values())
    # with chrome on the page, the model's own bar: unsure lines outside the
    # region's strong prose go
    dump = clean("\n".join(["Home", "Share this:", "Facebook", *story, "Privacy Policy", "All examples"]))
    assert "All examples" not in dump
    assert clean(dump) == dump


def test_a_lower_bar_given_for_a_first_reading_is_not_raised_below_the_story(monkeypatch):
    from cleaner import linemodel

    story = [*INTRO, *SECTIONS.values()]
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.5))
    page = _page(["A day in the old port town", *story, *FOOTER_CHROME])
    verdicts = pipeline.judge(page, 0.1)
    assert verdicts[len(story) + 1 + FOOTER_CHROME.index("Harbour walks 2015")] is None


TOUR = [
    "June 9 -- Coral Sky Amphitheatre, West Palm Beach, FL",
    "June 10 -- Credit Union Amphitheatre, Tampa, FL",
    "June 14 -- Bank Amphitheatre, Alpharetta, GA",
    "June 17 -- Bridgestone Arena, Nashville, TN",
    "June 19 -- Music Pavilion, Charlotte, NC",
]


def test_a_list_the_story_introduces_with_a_colon_gets_the_lower_bar(monkeypatch):
    from cleaner import linemodel

    story = ["Band announces its anniversary tour", *INTRO, *SECTIONS.values(), "The band's anniversary tour dates are as follows:", *TOUR]
    chrome = ["Share this:", "Facebook", "Twitter", "Privacy Policy"]
    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.3))
    kept = [b.text for b in clean_document("\n".join(["Home", "Music", *story, *chrome])).kept]
    assert all(item in kept for item in TOUR)
    # the same lines under no intro are judged with the model's own bar
    plain = [line for line in story if not line.endswith("follows:")]
    kept = [b.text for b in clean_document("\n".join(["Home", "Music", *plain, *chrome])).kept]
    assert not any(item in kept for item in TOUR)


def test_an_introduced_list_ends_at_prose_at_the_next_intro_and_before_a_repeat():
    from cleaner.heuristics import introduced_lists

    intro = "You will find the dates of the whole tour below:"
    widget = "Follow the band on these sites and more:"
    lines = [*INTRO, *SECTIONS.values(), intro, *TOUR[:3], widget, "Gallery", "Gallery", "Photos"]
    page = _page(lines)
    layout = pipeline.analyse(page)
    items = introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits)
    listed = [lines[i] for i, flag in enumerate(items) if flag]
    assert listed == TOUR[:3]


def test_an_introduced_list_ends_before_an_item_it_already_holds():
    from cleaner.heuristics import introduced_lists

    intro = "You will find the dates of the whole tour below:"
    lines = [*INTRO, *SECTIONS.values(), intro, *TOUR[:3], TOUR[0], "Photos", "Videos"]
    page = _page(lines)
    layout = pipeline.analyse(page)
    items = introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits)
    assert [lines[i] for i, flag in enumerate(items) if flag] == TOUR[:3]


def test_an_intro_that_reads_as_no_prose_introduces_no_list():
    from cleaner.heuristics import introduced_lists

    paragraphs = list(SECTIONS.values())
    # the widget stands inside the story's prose region, between paragraphs
    lines = [*INTRO, *paragraphs[:4], "Follow our reporters on:", "Facebook page", "Instagram account", "Mastodon server", *paragraphs[4:]]
    page = _page(lines)
    layout = pipeline.analyse(page)
    assert not any(introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits))


def test_other_stories_headlines_under_a_colon_are_no_list():
    from cleaner.heuristics import introduced_lists

    headlines = [
        "Council votes to close the old library in the spring",
        "Fishermen fear the new quota will ruin the season",
        "Why the ferry to the islands is late again this year",
        "The mayor explains her plan for the empty harbour sheds",
    ]
    lines = [*INTRO, *SECTIONS.values(), "Here is what else our reporters have been working on this week:", *headlines]
    page = _page(lines)
    layout = pipeline.analyse(page)
    assert not any(introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits))


def test_a_bulleted_list_ends_where_its_bullets_do():
    from cleaner.heuristics import introduced_lists

    intro = "With every printer we deliver the accessories it needs:"
    bullets = ["• Ribbons", "• Labels", "• Spare print heads"]
    lines = [*INTRO, *SECTIONS.values(), intro, *bullets, "Head office", "Harbour Street 32", "Phone 555 0199"]
    page = _page(lines)
    layout = pipeline.analyse(page)
    items = introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits)
    assert [lines[i] for i, flag in enumerate(items) if flag] == bullets


def _dated_card(kicker, title, author, summary, date="Tuesday November 19, 2019"):
    return [kicker, title, author, date, summary]


DATED_FEED = [
    *_dated_card("Britain", "First election debate was a shambles", "Tom Rogan",
                 "The first leaders' debate of the campaign was a shambles from start to finish, and neither man gained from it."),
    *_dated_card("Impeachment", "Why the pivot to bribery is a bust", "Tiana Lowe",
                 "The core of the question has always rested on a simple exchange, and the witnesses have not shown one so far."),
    *_dated_card("Congress", "It does not matter who leaked to the media", "Kaylee McGhee",
                 "The officer made it clear in his testimony before the committee on Tuesday that he took his concerns upward."),
    *_dated_card("Business", "Boycotting the chicken chain is silly", "Kimberly Ross",
                 "Monday's news that the restaurant would no longer donate to some organisations set off a boycott on both sides."),
]


def test_a_feed_of_dated_teasers_under_the_story_goes_whole():
    lines = ["Mayor resigns", *INTRO, *SECTIONS.values(), "More from the Examiner", *DATED_FEED, "Privacy Policy"]
    layout = pipeline.analyse(_page(lines))
    first = lines.index(DATED_FEED[0])
    assert layout.end <= first
    feed = range(lines.index(DATED_FEED[3]), lines.index(DATED_FEED[-1]) + 1)
    assert all(layout.verdicts[i] is not None and layout.verdicts[i].rule == "dated-feed" for i in feed)
    cleaned = clean("\n".join(lines))
    assert all(p in cleaned for p in SECTIONS.values())
    assert not any(s in cleaned for s in DATED_FEED[4::5])


def test_a_story_with_dated_entries_or_a_table_of_years_is_no_dated_feed():
    from cleaner.heuristics import dated_feeds

    # a timeline's dates differ; a table's bare years are no card's date
    timeline = []
    for day, text in zip((12, 13, 14, 15), SECTIONS.values()):
        timeline += [f"Tuesday November {day}, 2019", text]
    table = []
    for n, title in enumerate(SECTIONS, 1):
        table += ["1913", f"4{n}", title]
    for lines in (timeline, table):
        page = _page(lines)
        dates, inside = dated_feeds(page.norms, page.stats, page.hits)
        assert not any(dates) and not any(inside)


def test_a_breadcrumb_trail_run_into_the_headline_goes_and_the_headline_stays():
    headline = "A day in the old port town"
    lines = ["Home", "Share this:", f"Home News Travel Guides {headline}", headline, *INTRO, *SECTIONS.values()]
    document = clean_document("\n".join(lines))
    kept = [b.text for b in document.kept]
    assert headline in kept and f"Home News Travel Guides {headline}" not in kept
    assert any(r.rule == "breadcrumb-title" for r in document.removed)


def test_a_sentence_that_leads_into_the_headline_is_no_breadcrumb():
    from cleaner.heuristics import is_breadcrumb_title

    headline = "Keep our rivers clean!"
    assert is_breadcrumb_title(f"Home » Events » {headline}", headline)
    assert is_breadcrumb_title(f"3. {headline}", headline)
    assert not is_breadcrumb_title(f"Children paint a poster under the motto: {headline}", headline)
    assert not is_breadcrumb_title(f"Motto: {headline}", headline)  # a label that quotes it
    assert not is_breadcrumb_title(f"The minister opened the {headline}", headline)
    assert not is_breadcrumb_title("Home News Brexit", "Brexit")  # a one-word headline is anyone's ending


def test_the_authors_biography_under_the_story_goes_by_the_bylines_name():
    bio = "Brigit Katz is a freelance writer based in Toronto. Her work has appeared in many publications."
    lines = ["A day in the old port town", "By Brigit Katz", *INTRO, *SECTIONS.values(), bio]
    document = clean_document("\n".join(lines))
    assert bio not in [b.text for b in document.kept]
    assert [r.rule for r in document.removed if r.index == lines.index(bio)] == ["author-bio"]
    assert "By Brigit Katz" in [b.text for b in document.kept]  # the byline itself stays


def test_a_paragraph_about_someone_the_story_names_is_no_biography():
    from cleaner.heuristics import author_bios

    # the name stands alone on a line (a list's heading) and the story's
    # other paragraphs name him too: he is what the story is about
    about = "Ben Whishaw is a versatile British actor who has worked in film, theatre and television for years."
    lines = ["The best actors of the decade", *INTRO, "Ben Whishaw", about,
             "Critics say Ben Whishaw gave the strongest performance of the festival this year.", *SECTIONS.values()]
    page = _page(lines)
    assert author_bios(page.blocks, page.stats, page.hits) == []
    # and with no byline of that name at all, nothing is a biography
    page = _page(["A day in the old port town", *INTRO, "Maria Lopez is the harbour master and has worked here for thirty years."])
    assert author_bios(page.blocks, page.stats, page.hits) == []


def test_a_caption_over_a_paragraph_about_its_subject_is_no_biography():
    from cleaner.heuristics import author_bios

    lines = ["Chancellor visits the port", "Angela Merkel", "Angela Merkel ist seit 2005 Bundeskanzlerin und führt die Regierung.",
             "Merkel sagte am Montag, der Hafen sei wichtig für das ganze Land.", *SECTIONS.values()]
    page = _page(lines)
    assert author_bios(page.blocks, page.stats, page.hits) == []
    # several people each under a line of their name: the story's list of them
    actors = ["Ben Whishaw", "Ben Whishaw is a versatile British actor who works in film and theatre.",
              "Olivia Colman", "Olivia Colman is an English actress known for her roles in comedy and drama."]
    page = _page(["The best actors of the decade", *INTRO, *actors, *SECTIONS.values()])
    assert author_bios(page.blocks, page.stats, page.hits) == []
    # one author box under the story: its biography goes
    box = ["Dallas Robinson", "Dallas Robinson is a freelance writer living in Minneapolis."]
    page = _page(["A day in the old port town", *INTRO, *SECTIONS.values(), *box])
    assert author_bios(page.blocks, page.stats, page.hits) == [len(SECTIONS) + 3]


def test_a_paragraph_said_twice_in_a_row_is_kept_once_even_in_the_story():
    quote = "“We had no idea the fleet would come back so early,” said the harbour master on Monday."
    paragraphs = list(SECTIONS.values())
    lines = ["A day in the old port town", *INTRO, *paragraphs[:3], quote, quote, *paragraphs[3:]]
    cleaned = clean("\n".join(lines))
    assert cleaned.count(quote) == 1
    # a refrain the story says again further on stays twice
    lines = ["A day in the old port town", *INTRO, quote, *paragraphs, quote]
    assert clean("\n".join(lines)).count(quote) == 2


def test_a_newsletter_boxs_heading_goes_with_its_pitch_and_alone_stays():
    paragraphs = list(SECTIONS.values())
    pitch = "Sign up to get the best content of the week, and great deals, as picked by the editors."
    lines = ["A day in the old port town", *INTRO, *paragraphs[:4], "Harbour Weekly Newsletter", pitch, *paragraphs[4:]]
    document = clean_document("\n".join(lines))
    assert [r.rule for r in document.removed if r.text == "Harbour Weekly Newsletter"] == ["newsletter-heading"]
    # with no pitch under it, the line is judged like any other
    page = _page(["The Substack Newsletter", *INTRO, *paragraphs])
    assert pipeline.H.newsletter_headings(page.norms, page.stats, page.hits) == []
