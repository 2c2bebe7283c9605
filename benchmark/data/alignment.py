"""Canonical tokens, widening spans onto them, and the IOB2 tags of the packaged gold.

Gold and predictions are character spans. Every span, gold and predicted, is
widened to the canonical tokens it covers (spaCy's blank French tokenizer,
whitespace tokens dropped), so that no system is favoured by its own tokenizer;
the scorer matches units on token indices (``TokenIndex``) and counts how many
predicted spans were widened. The IOB2 tag projection (``spans_to_tags``) only
builds the packaged dataset's tag columns (gold layers, which do not overlap);
the scorer never projects predictions onto tags, so no predicted span is ever
dropped.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import spacy

TOKENIZER_NAME = "spacy.blank('fr')"
# Revision of what this module does on top of spaCy's tokens; part of the
# version string, hence of the dataset fingerprint. 2: the hyphen of an
# inverted subject pronoun is split off (GUIDELINES §2.4). 3: marks glued to a
# word are split off it (``_glued_marks``), so that a name's span ends on a token edge;
# this includes rev2's case (*dit-il*: spaCy keeps the hyphen on ``-il``, and the
# guidelines make the bare pronoun the speaker).
TOKENIZER_REVISION = 3
# A sentence ends after one of these tokens or where the whitespace before the
# next token contains a line break (a paragraph or line break in the article).
SENTENCE_FINAL = frozenset({".", "!", "?", "..", "...", "…", "?!", "!?"})


def tokenizer_version() -> str:
    return f"{TOKENIZER_NAME} rev{TOKENIZER_REVISION} spacy=={spacy.__version__}"


@lru_cache(maxsize=1)
def _blank_french():
    return spacy.blank("fr")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Canonical token offsets (start, end) of ``text``, whitespace tokens dropped,
    an inverted pronoun's hyphen split off (``a -t - il``, ``dit - il``)."""
    tokens: list[tuple[int, int]] = []
    for t in _blank_french().make_doc(text):
        if t.is_space:
            continue
        tokens += _glued_marks(text, t.idx, t.idx + len(t.text))
    return tokens


def _is_mark(char: str) -> bool:
    """A character spaCy may glue to a word that never belongs to a name: a format
    character (soft hyphen U+00AD, direction marks U+200E/U+200F), a quotation
    mark or single guillemet (‹ ›), a dash or hyphen, an elision's apostrophe
    (``l'``, ``J’``: the elided word is a token of its own)."""
    return unicodedata.category(char) in ("Cf", "Pi", "Pf", "Pd") or char in "‹›«»\"“”„'"


def _glued_marks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A token with marks glued to its word split into the marks and the word
    (``‹Suisse›`` → ``‹ Suisse ›``, ``\u00adSaturne``, ``Wales\u200f``), and an
    initial's period split off (``L.`` → ``L .``): a name's span then ends on a
    token edge (GUIDELINES §0.3). Tokens without a letter or digit stay whole."""
    word = text[start:end]
    if not any(c.isalnum() for c in word):
        return [(start, end)]
    lead = 0
    while lead < len(word) and _is_mark(word[lead]):
        lead += 1
    trail = len(word)
    while trail > lead and _is_mark(word[trail - 1]):
        trail -= 1
    if trail - lead == 2 and word[lead].isupper() and word[lead + 1] == ".":
        trail -= 1  # an initial: "L." -> "L" "."
    pieces = [(start + i, start + i + 1) for i in range(lead)]
    pieces.append((start + lead, start + trail))
    pieces += [(start + i, start + i + 1) for i in range(trail, len(word))]
    return pieces


def sentence_starts(text: str, tokens: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the tokens that open a sentence: the unit of scoring and of the bootstrap."""
    starts = [0] if tokens else []
    for i in range(1, len(tokens)):
        previous_end, start = tokens[i - 1][1], tokens[i][0]
        final = text[tokens[i - 1][0] : previous_end] in SENTENCE_FINAL and not _is_initials_period(text, tokens, i - 1)
        if final or "\n" in text[previous_end:start]:
            starts.append(i)
    return starts


def _is_initials_period(text: str, tokens: Sequence[tuple[int, int]], i: int) -> bool:
    """The period split off an initial (``R.`` in *Michael R. Pompeo*, rev3): it ends no sentence."""
    if i == 0 or text[tokens[i][0] : tokens[i][1]] != "." or tokens[i - 1][1] != tokens[i][0]:
        return False
    before = text[tokens[i - 1][0] : tokens[i - 1][1]]
    return len(before) == 1 and before.isupper()


def split_sentences(tags: Sequence[str], starts: Sequence[int]) -> list[list[str]]:
    """Cut a document's tags into sentences; an entity cut by a boundary restarts with B-."""
    bounds = [*starts, len(tags)]
    sentences = []
    for begin, end in pairwise(bounds):
        sentence = list(tags[begin:end])
        if sentence and sentence[0].startswith("I-"):
            sentence[0] = "B-" + sentence[0][2:]
        sentences.append(sentence)
    return sentences


@dataclass
class Projection:
    """Tags of one layer plus what it cost to make them."""

    tags: list[str]
    projected: list[tuple[int, int, str]] = field(default_factory=list)  # widened to token edges
    dropped: list[tuple[int, int, str]] = field(default_factory=list)  # shared a token with an earlier span


def covered_tokens(tokens: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens overlapping [start, end); tokens are sorted and disjoint,
    so a binary search finds the first one (this runs once per span of every layer)."""
    i = bisect_right(tokens, start, key=lambda token: token[1])
    covered = []
    while i < len(tokens) and tokens[i][0] < end:
        covered.append(i)
        i += 1
    return covered


def spans_to_tags(tokens: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int, str]]) -> Projection:
    """IOB2 tags for non-overlapping spans. Longer spans claim their tokens first,
    so an outer span wins over one nested in it, whatever the input order."""
    result = Projection(tags=["O"] * len(tokens))
    for start, end, label in sorted(set(spans), key=lambda s: (s[0], -s[1], s[2])):
        covered = covered_tokens(tokens, start, end)
        if not covered or any(result.tags[i] != "O" for i in covered):
            result.dropped.append((start, end, label))
            continue
        if tokens[covered[0]][0] != start or tokens[covered[-1]][1] != end:
            result.projected.append((start, end, label))
        result.tags[covered[0]] = "B-" + label
        for i in covered[1:]:
            result.tags[i] = "I-" + label
    return result


def tags_to_spans(tokens: Sequence[tuple[int, int]], tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Character spans of well-formed IOB2 chunks (an I- continuing a different label opens a new one)."""
    spans: list[tuple[int, int, str]] = []
    current: list | None = None
    for (start, end), tag in zip(tokens, tags, strict=True):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if prefix in ("B", "I"):
            current = [start, end, label]
    if current is not None:
        spans.append(tuple(current))
    return spans


@dataclass
class TokenIndex:
    """One document's canonical tokens, as sorted arrays made for span lookups."""

    id: str
    text: str
    starts: list[int]  # character start of each token
    ends: list[int]  # character end of each token
    sentence_starts: list[int]  # index of each sentence's first token
    _widened: dict = field(default_factory=dict, repr=False)  # memo: gold and predicted spans repeat
    _sentence: list[int] = field(default_factory=list, repr=False)  # token -> sentence

    @classmethod
    def from_row(cls, row: dict) -> TokenIndex:
        offsets = row["token_offsets"]
        return cls(
            id=row["id"], text=row["text"], starts=[s for s, _ in offsets], ends=[e for _, e in offsets],
            sentence_starts=list(row["sentence_starts"]),
        )

    def widen(self, start: int, end: int) -> tuple[tuple[int, int], bool]:
        """Token span (first, last + 1) of the tokens a character span overlaps, and
        whether the span had to be widened; a span covering no token is empty."""
        known = self._widened.get((start, end))
        if known is None:
            known = self._widened[start, end] = self._widen(start, end)
        return known

    def _widen(self, start: int, end: int) -> tuple[tuple[int, int], bool]:
        first = bisect_right(self.ends, start)
        stop = bisect_left(self.starts, end)
        if stop <= first:
            return (first, first), True
        return (first, stop), self.starts[first] != start or self.ends[stop - 1] != end

    def chars(self, first: int, stop: int) -> tuple[int, int]:
        """Character span of a token span (an empty one sits at its token's start)."""
        if stop > first:
            return self.starts[first], self.ends[stop - 1]
        position = self.starts[first] if first < len(self.starts) else len(self.text)
        return position, position

    def sentence_of(self, token: int) -> int:
        """Index (in the document) of the sentence holding a token: the bootstrap unit."""
        if not self._sentence:
            bounds = [*self.sentence_starts, len(self.starts)]
            self._sentence = [i for i, (a, b) in enumerate(pairwise(bounds)) for _ in range(a, b)] or [0]
        return self._sentence[min(token, len(self._sentence) - 1)]
