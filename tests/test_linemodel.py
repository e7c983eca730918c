"""The line model: the shipped file loads, agrees with its node arrays, and a
malformed model file is refused before anything is compiled from it."""

from __future__ import annotations

import json
import math

import pytest

from cleaner import linemodel


def shipped() -> dict:
    with open(linemodel.MODEL_PATH, encoding="utf-8") as f:
        return json.load(f)


def walk(tree, row) -> float:
    feature, threshold, left, right, value = tree
    node = 0
    while left[node] >= 0:
        node = left[node] if row[feature[node]] <= threshold[node] else right[node]
    return value[node]


def test_compiled_trees_equal_walking_the_node_arrays():
    spec = shipped()["stage1"]
    trees = linemodel.Trees(spec, len(linemodel.FEATURES))
    rows = [[float((i * 7 + j * 3) % 11) / 10 for j in range(len(linemodel.FEATURES))] for i in range(25)]
    skip = [i % 5 == 0 for i in range(len(rows))]
    for row, skipped, got in zip(rows, skip, trees.margins(rows, skip)):
        if skipped:
            assert got is None  # a row judged elsewhere is not evaluated
        else:
            expected = spec["bias"] + sum(walk(t, row) for t in spec["trees"])
            assert got == pytest.approx(expected, abs=1e-9)


def tiny_tree(**changes):
    tree = {"feature": [0, 0, 0], "threshold": [0.5, 0.0, 0.0], "left": [1, -1, -1], "right": [2, -1, -1], "value": [0.0, -1.0, 1.0]}
    tree.update(changes)
    return [tree["feature"], tree["threshold"], tree["left"], tree["right"], tree["value"]]


def test_a_small_tree_compiles_and_scores():
    trees = linemodel.Trees({"kind": "trees", "bias": 0.0, "trees": [tiny_tree()]}, 1)
    assert trees.margins([[0.2], [0.9]], [False, False]) == [-1.0, 1.0]
    assert trees.predict([[0.2], [0.9]], [False, True])[1] == 0.0


def test_the_second_stage_refines_only_what_the_first_is_unsure_of():
    spec = shipped()
    model = linemodel.LineModel(spec)
    rows = [[float((i * 7 + j * 3) % 11) / 10 for j in range(len(linemodel.FEATURES))] for i in range(40)]
    certain = [i % 9 == 0 for i in range(len(rows))]
    first = model.stage1.predict(rows, certain)
    second = model.stage2.predict(linemodel.stack_features(rows, first), certain)
    got = model.predict(rows, certain)
    unsure = [linemodel.SURE <= p <= 1 - linemodel.SURE for p, c in zip(first, certain) if not c]
    assert any(unsure) and not all(unsure)  # the rows exercise both branches
    for p1, p2, c, p in zip(first, second, certain, got):
        if c:
            assert p == 0.0  # boilerplate by rule: not evaluated
        elif linemodel.SURE <= p1 <= 1 - linemodel.SURE:
            assert p == p2
        else:
            assert p == p1


@pytest.mark.parametrize(
    "changes",
    [
        {"threshold": ["__import__('os').system('true')", 0.0, 0.0]},  # not a number
        {"value": [0.0, float("nan"), 1.0]},  # not finite
        {"feature": [5, 0, 0]},  # no such feature
        {"left": [7, -1, -1]},  # no such node
        {"value": [0.0, 1.0]},  # arrays of different lengths
    ],
)
def test_malformed_trees_are_refused(changes):
    with pytest.raises((ValueError, TypeError)):
        linemodel.Trees({"kind": "trees", "bias": 0.0, "trees": [tiny_tree(**changes)]}, 1)


def test_a_model_of_other_features_is_not_used(tmp_path, monkeypatch):
    spec = shipped()
    spec["features"] = spec["features"][:-1]
    path = tmp_path / "line_model.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setattr(linemodel, "MODEL_PATH", path)
    linemodel.load.cache_clear()
    try:
        assert linemodel.load() is None
    finally:
        monkeypatch.undo()
        linemodel.load.cache_clear()
    assert linemodel.load() is not None


class UnsureModel:
    """A model that scores every block just under its threshold."""

    threshold = 0.5

    def predict(self, rows, certain=None):
        return [0.45] * len(rows)


def test_when_the_model_is_unsure_prose_of_the_region_stays(monkeypatch):
    from cleaner import clean

    monkeypatch.setattr(linemodel, "load", lambda: UnsureModel())
    body = [
        "The council approved the new harbour budget on Tuesday evening after a debate that lasted for most of the afternoon.",
        "Residents who spoke at the meeting said the repairs to the sea wall had been delayed for far too long already.",
        "The mayor said the work would start in the spring and should be finished before the next winter storms arrive.",
    ]
    text = "\n".join(["Home", "News", "Harbour budget approved"] + body + ["Share this:", "Related posts", "Weekend market returns"])
    out = [line for line in clean(text).splitlines() if line.strip()]
    assert out[-3:] == body  # each paragraph is strong prose inside the region
    assert "Weekend market returns" not in out  # an unsure short line still goes


class DoubtfulModel(UnsureModel):
    """Unsure of paragraphs (just under the threshold), more doubtful of short lines."""

    def predict(self, rows, certain=None):
        words = linemodel.FEATURES.index("log_words")
        return [0.45 if row[words] > 2.5 else 0.35 for row in rows]


def test_when_the_model_doubts_a_subheading_between_paragraphs_it_stays(monkeypatch):
    from cleaner import clean

    monkeypatch.setattr(linemodel, "load", lambda: DoubtfulModel())
    first = [
        "The council approved the new harbour budget on Tuesday evening after a debate that lasted for most of the afternoon.",
        "Residents who spoke at the meeting said the repairs to the sea wall had been delayed for far too long already.",
    ]
    second = [
        "The mayor said the work would start in the spring and should be finished before the next winter storms arrive.",
        "Fishermen on the quay said they would believe it when they saw the first stones being laid along the wall.",
    ]
    text = "\n".join(["Home", "News", "Harbour budget approved", *first, "Read more: Storm damage on the coast road",
                      "Work starts in spring", *second, "Related posts", "Weekend market returns"])
    out = [line for line in clean(text).splitlines() if line.strip()]
    assert "Work starts in spring" in out  # prose above (past the inline link) and below: a subheading
    assert "Weekend market returns" not in out  # a short line after the story still goes


def test_a_paragraph_naming_the_headline_shares_its_topic_and_a_teaser_does_not():
    from cleaner import pipeline
    from cleaner.document import split_blocks

    lines = [
        "Harbour budget approved after long debate",
        "The council approved the harbour budget on Tuesday evening after a debate that lasted for most of the afternoon.",
        "Residents said the repairs to the sea wall had been delayed for far too long and welcomed the decision.",
        "Related posts",
        "Weekend market returns to the old town square with more stalls than ever before, organisers said on Friday.",
    ]
    page = pipeline.read_page(split_blocks("\n".join(lines)), pipeline.default_rulesets(), None)
    layout = pipeline.analyse(page)
    assert layout.headline == 0
    column = linemodel.FEATURES.index("topic_headline")
    values = [row[column] for row in linemodel.features(page, layout)]
    assert values[1] > 0  # "harbour", "budget", "approved", "debate"
    assert values[4] == 0  # another story
    assert values[0] == 0  # the headline itself is not counted


@pytest.mark.parametrize("text, joins", [
    ("Police: 2 In Custody After Death Of Student-AthleteA 24-year-old woman was arrested", 1),
    ("Michigan To Mail Panel Applications To 250,000The state of Michigan will mail them", 1),
    ("Is Violence In Sports On The Rise?Violence is part of the game in many sports", 1),
    ("The 3D printer and the 5G network were shown in Berlin on Monday.", 0),
    ('He said: "Yes!" Then he left the room without another word.', 0),
    ("Il governo dell’Unione ha detto che l’Italia e O’Neill sono d’accordo.", 0),
])
def test_a_headline_glued_to_its_teaser_counts_as_a_join(text, joins):
    from cleaner.features import stop_list, text_stats

    assert text_stats(text, stop_list("en")).joins == joins


@pytest.mark.parametrize("text, glued", [
    ("Police: 2 In Custody After Death Of U of M-Dearborn Student-AthleteA 24-year-old woman and a man were arrested", True),
    ("Michigan To Mail Redistricting Panel Applications To 250,000The state of Michigan will mail 250,000 applications", True),
    # a brand's two halves are no headline and summary
    ("Das neue iPhone kommt im September mit vielen neuen Funktionen auf den Markt.", False),
    ("Die Energie GmbH wurde auch in diesem Jahr mit dem Preis ausgezeichnet.", False),
    # a sentence with a brand in it: its words are not a title's
    ("The suspects used WhatsApp to plan the robbery, police said on Monday evening.", False),
    # a sentence ended before the join: prose, not a title
    ("He thanked the crowd. Then the band from SportScheck played their final song for everyone there.", False),
    # too short on either side
    ("Read MoreSubscribe", False),
    # the fields of a record run together: a label follows the join
    ("Name: Stolen SackLevel: 70NPC: Village Chief Bukra von Wind TownBeschreibung: Töte Feather Cloak", False),
    # a title-case headline may hold two sentences
    ("Say Cheese? Detroit's Top 3 Cheese ShopsWondering where to find the best cheese near you? We looked.", True),
    # ... but a brand's short first half is no headline's end, even in title
    # case, and a title-case tail is no summary
    ("US Online Payments Company PayPal said on Monday that its profit rose by a third.", False),
    ("Wichita East's Hugh McPherson won first place in the 100 yard freestyle on Saturday.", False),
    ("Apple Unveils The New Sixteen Inch MacBook Pro With A Better Keyboard And Touch Bar", False),
])
def test_a_headline_run_into_its_summary_is_a_glued_teaser(text, glued):
    from cleaner.features import glued_title

    assert glued_title(text) is glued


def test_numbered_items_of_one_list_carry_the_list_length():
    texts = ["Our picks:", "1) The first gift", "http://example.com/a", "2) The second gift", "3. The third gift", "Footer", "7. Lonely"]
    assert linemodel._enumerated_sequences(texts) == [0, 3, 3, 3, 3, 0, 0]
    countdown = ["The ten best", "10. Ray Gillen", "9. Keith Caputo", "8. Ann Wilson", "Footer"]
    assert linemodel._enumerated_sequences(countdown) == [0, 3, 3, 3, 0]


@pytest.mark.parametrize("text, dated", [
    ("June 9 – West Palm Beach, FL @ Coral Sky Amphitheatre", True),
    ("10. März: Konzert in der Philharmonie", True),
    ("10 de marzo – Madrid, WiZink Center", True),
    ("May 10 – Tampa, FL", True),
    ("Maybe later we go to the beach.", False),
    ("The June 9 show was cancelled because of the storm.", False),
])
def test_a_block_opening_with_a_date_is_a_schedule_item(text, dated):
    from cleaner.features import stop_list, text_stats

    assert text_stats(text, stop_list("en")).date_lead is dated


def test_blocks_below_a_comment_form_heading_know_it():
    from cleaner import pipeline
    from cleaner.document import split_blocks

    dump = "\n".join([
        "Most Popular",
        "The council approved the budget on Monday after a long debate about the schools.",
        "Related Posts",
        "Leave a Reply",
        "The best coffee makers of the year, tested by our editors in their own kitchens.",
    ])
    page = pipeline.read_page(split_blocks(dump), pipeline.default_rulesets(), None)
    rows = linemodel.features(page, pipeline.analyse(page))
    column = {name: [row[k] for row in rows] for k, name in enumerate(linemodel.FEATURES)}
    assert [h is not None and h.action == "tail" for h in page.hits] == [True, False, True, True, False]
    assert column["comment_form_above"] == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert column["markers_above"] == pytest.approx([math.log1p(k) for k in (0, 1, 1, 2, 3)])
    assert column["markers_below"] == pytest.approx([math.log1p(k) for k in (2, 2, 1, 0, 0)])
