"""Bylines are attribution: kept beside the article, never taken for the headline."""

from __future__ import annotations

import pytest

from cleaner import clean
from cleaner.heuristics import is_byline


@pytest.mark.parametrize(
    "text",
    [
        "By Maggie Trelawny | September 18, 2024 8:38",
        "Von Hanna Riedl | 10.01.2024, 21:12 Uhr",
        "Por Marcos Villalba | 25/03/2024 - 13:52",
        "Par Julien Ferrand, le 22 février 2024 à 17h51",
        "Written by John O'Neill",
        "Autor: Lisa Borch",
        "door Jan van der Berg",
        "Przez Jana Kowalskiego - 12 maja 2024",
        "By John Smith and Jane Doe",
    ],
)
def test_bylines_are_recognised(text):
    assert is_byline(text)


@pytest.mark.parametrize(
    "text",
    [
        "Di Maio ha detto che il governo cadrà.",
        "Von Montag an gilt die neue Regel.",
        "By the end of the day, nothing had changed.",
        "Por qué el gobierno cambió de opinión",
        "Par ailleurs, le ministre a annoncé une réforme.",
        "Bydgoszcz Mayor resigns",
        "ByJohn Smith",
        "By " + "Name " * 40,
    ],
)
def test_sentences_and_other_lines_are_not_bylines(text):
    assert not is_byline(text)


BODY = [
    "The harbour authority confirmed on Tuesday that the ferry timetable will be cut by a third from next month.",
    "Crew shortages have forced the operator to cancel the early sailing twice a week since the spring, officials said.",
    "Passengers who hold season tickets will be offered a refund for the cancelled crossings, the company added.",
    "The union said talks on pay and rotas would resume on Friday, but warned that more cuts were possible.",
]


def page(byline: str, headline: str = "Ferry timetable cut as crew shortage bites") -> str:
    chrome = ["Home", "News", "Sport", "Weather", "Contact"]
    footer = ["Leave a Reply", "Your email address will not be published.", "© 2024 Harbourline Gazette"]
    return "\n".join(chrome + [headline, byline] + BODY + footer)


def test_a_byline_under_the_headline_stays():
    text = page("By Priya Chandran | April 1, 2024 17:41")
    out = [line for line in clean(text).splitlines() if line.strip()]
    assert out[0] == "Ferry timetable cut as crew shortage bites"
    assert out[1] == "By Priya Chandran | April 1, 2024 17:41"
    assert "Leave a Reply" not in out


def test_a_dated_byline_is_not_taken_for_the_headline():
    # a short headline scores lower as a headline than the longer byline nearer the text
    text = page("Par Julien Ferrand, le 22 février 2024 à 17h51", headline="Ferry timetable cut")
    out = [line for line in clean(text).splitlines() if line.strip()]
    assert out[:2] == ["Ferry timetable cut", "Par Julien Ferrand, le 22 février 2024 à 17h51"]


def test_a_lower_case_word_of_another_script_is_not_a_name():
    assert not is_byline("przez żołnierzy")
    assert is_byline("Przez Żanetę Nowak")


def test_a_headline_that_starts_like_a_byline_is_still_the_headline():
    headline = "Di Maio, Salvini e Conte al vertice notturno"
    assert is_byline(headline)  # it reads like "di Mario Rossi, …"
    text = page("", headline=headline).replace("\n\n", "\n")
    out = [line for line in clean(text).splitlines() if line.strip()]
    assert out[0] == headline
