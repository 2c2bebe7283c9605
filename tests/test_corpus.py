"""The seed reader: the text every offset indexes, produced exactly or refused."""

import pytest
from conftest import SEED_ID

from benchmark import paths
from benchmark.data.corpus import parse_seed, read_seed, read_seeds
from benchmark.errors import DataError


@pytest.mark.parametrize(
    ("raw", "date", "text"),
    [
        (" date 2019-03 Le texte.\n", "2019-03", "Le texte.\n"),  # the seed's form: header and text on one line
        ("date 2019-03\nLe texte.\n", "2019-03", "Le texte.\n"),  # header on its own line
        ("date 2019-03\n\nLe texte.\n", "2019-03", "Le texte.\n"),  # ... and one blank line: part of the separator
        ("date 2019-03 \t\n \nLe texte.", "2019-03", "Le texte."),  # trailing space on both lines
        ("date 2019-03\n\n\nLe texte.", "2019-03", "\nLe texte."),  # only one blank line is the separator's
        ("date 2019-12  Le texte.", "2019-12", "Le texte."),  # several spaces are one separator
        ("Le texte.\n", None, "Le texte.\n"),  # no header
        ("Une date 2019-03 dans le texte.", None, "Une date 2019-03 dans le texte."),  # not a header
        ("\ufeff date 2019-03 Le texte.", "2019-03", "Le texte."),  # BOM removed, offsets unchanged
        ("\ufeffLe texte.", None, "Le texte."),
    ],
)
def test_parse_seed(raw, date, text):
    assert parse_seed(raw, "x.txt") == (date, text)


@pytest.mark.parametrize("raw", [" date 2019-03 Le texte.\r\nSuite.", "Le texte.\r\n"])
def test_carriage_returns_are_refused_not_normalised(raw):
    with pytest.raises(DataError, match=r"x\.txt.*carriage return at line 1"):
        parse_seed(raw, "x.txt")


@pytest.mark.parametrize("raw", ["date 2019-13 Le texte.", "date 2019-3 Le texte.", " date 2019-03"])
def test_malformed_header_is_an_error(raw):
    with pytest.raises(DataError, match="field date"):
        parse_seed(raw, "x.txt")


def test_invalid_utf8_names_the_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"date 2019-03 caf\xe9")
    with pytest.raises(DataError, match="bad.txt.*UTF-8"):
        read_seed(path)


def test_the_seed_keeps_its_artefacts():
    """The first article's source artefacts (a space before the header, NBSP before «, a
    doubled full stop) survive reading: it is found by id, whatever else the test set holds."""
    (seed,) = [s for s in read_seeds() if s.id == SEED_ID]
    raw = (paths.SEEDS_DIR / f"{seed.id}.txt").read_text(encoding="utf-8")
    assert seed.date == "2019-03"
    assert raw.endswith(seed.text) and raw[: len(raw) - len(seed.text)] == " date 2019-03 "
    assert seed.text.startswith("Le secrétaire d’État américain Mike Pompeo")
    assert "\u00a0«" in seed.text and "Maduro l’an dernier..\n" in seed.text
