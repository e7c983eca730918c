"""Bytes in: BOMs, declared charsets right and wrong, undeclared single-byte
code pages, mixed and invalid bytes. Decoding never raises and French/German
accents, the euro sign and curly quotes come back right."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import clean
from cleaner.decode import decode

FR = (
    "Le gouvernement a annoncé mercredi une réforme des retraites très contestée. "
    "« C’est une décision difficile », a déclaré la Première ministre à l’Assemblée, "
    "où l’opposition a dénoncé un passage en force ; le coût dépasse 3 milliards d’€… "
    "Ça coûte cher, dit-il, à Noël comme à l’été : “quoted” — œuvre, naïve."
)
DE = (
    "Die Bundesregierung hat am Mittwoch überraschend neue Maßnahmen beschlossen. "
    "„Wir müssen jetzt handeln“, sagte der Minister. Die Kosten für Bürger sollen bei "
    "rund 20 € pro Monat liegen; Kritiker halten das für übertrieben – Größe, Straße, Ärger."
)
# Latin-1 has no €, curly quotes or œ: a text it can carry.
FR_LATIN1 = (
    "Le café était très célèbre à Montréal, où la crème brûlée coûtait cher. "
    "Ça m'a plu, dit-il. « Über Größe und Mäßigung », répond l'élève à Noël."
)


def page(body: str, charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize("text", [FR, DE], ids=["fr", "de"])
@pytest.mark.parametrize(
    "prefix, encoding",
    [
        (b"", "utf-8"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom", "utf32be-bom"],
)
def test_unicode_encodings_with_and_without_bom(text, prefix, encoding):
    decoded = decode(prefix + text.encode(encoding))
    assert decoded == text  # the BOM itself is not part of the text


@pytest.mark.parametrize("text", [FR, DE], ids=["fr", "de"])
def test_undeclared_cp1252_comes_back_right(text):
    assert decode(text.encode("cp1252")) == text


def test_undeclared_latin1_comes_back_right():
    assert decode(FR_LATIN1.encode("latin-1")) == FR_LATIN1


OTHER_CODE_PAGES = [
    ("Wczoraj rząd ogłosił nową ustawę o podatkach, która wejdzie w życie w przyszłym roku. Zażółć gęślą jaźń.", "cp1250"),
    ("Včera vláda oznámila nový zákon o daních, který vstoupí v platnost příští rok. Ministři řekli, že je to důležitá změna.", "cp1250"),
    # (a shorter Hungarian sentence with one "ő" is read as Finnish by detection: cp1252)
    ("Tegnap a kormány bejelentette az új adótörvényt, amely jövőre lép hatályba. A miniszterek szerint ez fontos változás minden állampolgár számára.", "cp1250"),
    ("Вчера правительство объявило о новом законе о налогах, который вступит в силу в следующем году.", "cp1251"),
    ("Χθες η κυβέρνηση ανακοίνωσε νέο νόμο για τους φόρους, ο οποίος θα τεθεί σε ισχύ το επόμενο έτος.", "cp1253"),
    ("Dün hükümet gelecek yıl yürürlüğe girecek yeni vergi yasasını açıkladı. Bakanlar bunun önemli olduğunu söyledi.", "cp1254"),
]


@pytest.mark.parametrize("text, encoding", OTHER_CODE_PAGES, ids=["pl", "cs", "hu", "ru", "el", "tr"])
def test_preferring_cp1252_does_not_break_other_code_pages(text, encoding):
    # cp1252 wins detection ties only for languages written in it
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize("charset", ["iso-8859-1", "latin1", "windows-1252"])
def test_right_single_byte_declaration(charset):
    # latin-1 declared, cp1252 bytes (€, curly quotes): browsers read it as cp1252
    html = page(FR, charset)
    assert decode(html.encode("cp1252")) == html


def test_right_declaration_of_another_code_page():
    ru = "Вчера правительство объявило о новом законе о налогах, который вступит в силу."
    html = page(ru, "koi8-r")
    assert decode(html.encode("koi8-r")) == html


def test_valid_utf8_declared_latin1_is_read_as_utf8():
    html = page(FR, "iso-8859-1")
    assert decode(html.encode("utf-8")) == html


def test_cp1252_declared_utf8_is_read_as_cp1252():
    html = page(FR, "utf-8")
    assert decode(html.encode("cp1252")) == html


def test_ascii_spelled_utf16_declaration_is_ignored():
    # a page whose meta tag is readable as ASCII cannot be UTF-16
    html = page(FR, "utf-16")
    assert decode(html.encode("cp1252")) == html


def test_unknown_declared_charset_is_ignored():
    html = page(FR, "no-such-charset")
    assert decode(html.encode("utf-8")) == html


def test_mostly_utf8_with_a_latin1_snippet():
    head = ("Ceci est un texte en UTF-8 avec des accents : été, à, où, ça. " * 40).encode("utf-8")
    snippet = " Un café crème à 2 €. ".encode("cp1252")
    tail = ("Fin du texte, très bien. " * 20).encode("utf-8")
    decoded = decode(head + snippet + tail)
    assert "\ufffd" not in decoded
    assert "Un café crème à 2 €." in decoded
    assert decoded.startswith("Ceci est un texte en UTF-8 avec des accents : été")
    assert decoded.endswith("Fin du texte, très bien. ")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 1000,
        b"\xff",
        b"\xc3",  # truncated UTF-8 sequence
        b"\xed\xa0\x80",  # UTF-8-encoded surrogate
        b"\xf8\x88\x80\x80\x80",  # 5-byte form
        b"\x80\x81\x8d\x8f\x90\x9d" * 50,  # undefined in cp1252
        codecs.BOM_UTF16_LE + b"\x00",  # odd length after a UTF-16 BOM
        codecs.BOM_UTF32_LE + b"\x00\x00\x11\x00",  # beyond U+10FFFF
        b'<meta charset="\xff\xfe">',
        b'<meta charset="utf-8">\xff\xfe\xfd',
    ],
)
def test_invalid_bytes_never_raise(data):
    text = decode(data)
    assert isinstance(text, str)
    clean(data)  # the whole path, not only decoding


def test_clean_bytes_equals_clean_text():
    dump = "\n".join([
        "Politique",
        "Le gouvernement annonce une réforme",
        FR,
        "Le texte sera examiné au Sénat à l’automne, où la majorité est plus fragile, selon plusieurs élus.",
        "Laisser un commentaire",
    ])
    expected = clean(dump)
    assert "réforme" in expected or "décision" in expected  # the article survives
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"):
        assert clean(dump.encode(encoding)) == expected, encoding


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode(data):
    text = decode(data)
    assert isinstance(text, str)
    # decoding is a function of the bytes alone
    assert decode(data) == text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_unicode_round_trip(text, encoding):
    # surrogates cannot be encoded; everything else comes back exactly
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    decoded = decode(data)
    if encoding == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]  # a leading U+FEFF in UTF-8 is a BOM
    if encoding == "utf-16" and text.startswith("\x00"):
        return  # FF FE 00 00 is also the UTF-32-LE BOM: the bytes are ambiguous, UTF-32 wins
    assert decoded == text
