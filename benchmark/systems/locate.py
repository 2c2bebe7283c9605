"""From strings a system returns to character offsets in the document.

A generative system (an LLM) answers with the *strings* of its mentions,
quotations, cues, speakers, triggers and arguments, not with offsets; the
benchmark scores offsets. This module is the one place that turns the first
into the second, so that every adapter aligns the same way and says how well
it did. Nothing is dropped silently: every string is counted as located
exactly, located after normalisation, not found, or invalid (``Alignment``).

Matching, in this order:

1. **Exact**: the string as given (leading and trailing whitespace removed).
2. **Normalised**: text and string are compared after the same normalisation,
   and the match is mapped back to the original characters:

   - apostrophes ``’ ‘ ʼ ‛ ′ ` ´`` → ``'``;
   - quotation marks ``« » ‹ › “ ” „ ‟`` → ``"``, with the whitespace
     *inside* them dropped (after an opening, before a closing mark), so
     ``«\u00a0Oui\u00a0»`` matches ``« Oui »`` and ``"Oui"``;
   - whitespace before ``; : ! ?`` dropped (French puts a (narrow)
     non-breaking space there, models often do not);
   - every run of whitespace (space, NBSP U+00A0, NNBSP U+202F, thin space,
     tab, line break) → one space.

   Case, accents, dashes and ellipses are *not* normalised: a string that
   differs in those is not the text's string.

An occurrence counts only on word boundaries (it neither starts nor ends
inside a word), so "Paris" is not found inside "Parisiens".

**Which occurrence, when a string occurs more than once** (the rule every
adapter and the README state):

- *Pooled* strings (entity mentions, quotation content segments, event
  triggers) take the **first unused occurrence in text order**: the k-th time
  a system lists a string, it gets the k-th occurrence, exact occurrences
  before normalised-only ones. "Unused" means not already taken in the same
  pool: for entities not *overlapping* a taken span (entity spans never
  overlap), for content and triggers not the *same* span (a nested quotation's
  content lies inside its parent's). A string listed more often than it occurs
  is "not found" the extra times. Systems are asked to list items in text
  order, so this is the order they meant.
- *Anchored* strings (a quotation's cue and speaker, an event's arguments)
  take the occurrence **nearest to their anchor** (the quotation's first
  content segment, the event's trigger): first the fewest sentence ends
  between them (``. ! ? …``, possibly followed by a closing mark, then
  whitespace: a cue, a speaker or an argument belongs to its anchor's
  sentence), then the fewest characters between them (0 when they overlap),
  then the earlier one. A cue or speaker is looked for outside its
  quotation's own content first (the cue of a quotation nested in the content
  is not the outer one's).

A located span is then trimmed of whitespace and punctuation at its edges
(the guidelines forbid both there: ``« Oui »`` becomes ``Oui``); a string
that is nothing but those is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmark.systems.base import trim_span

APOSTROPHES = frozenset("’‘ʼ‛′`´")
OPENING_QUOTES = frozenset("«‹“„‟")
CLOSING_QUOTES = frozenset("»›”")
SPACE_BEFORE_DROPPED = frozenset(";:!?") | CLOSING_QUOTES
OUTCOMES = ("exact", "normalised", "not_found", "invalid")
MAX_EXAMPLES = 50  # not-found and invalid strings kept for the record, per run


@dataclass(frozen=True)
class Located:
    """A span of the original text, and how its string was found."""

    start: int
    end: int
    how: str  # "exact" or "normalised"


@dataclass
class _Normalised:
    """A normalised text and, for each of its characters, the original range it stands for."""

    text: str
    starts: list[int]
    ends: list[int]


def normalise(text: str) -> _Normalised:
    """The normalised form of ``text`` (see the module docstring), with the
    original [start, end) of every normalised character, so a match in the
    normalised text maps back to original offsets."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    after_opening = False  # the last normalised character is an opening mark (it absorbs following whitespace)
    for i, ch in enumerate(text):
        if ch.isspace():
            if chars and (chars[-1] == " " or after_opening):
                ends[-1] = i + 1  # a run of whitespace, or whitespace inside an opening mark: absorbed
                continue
            chars.append(" ")
            starts.append(i)
            ends.append(i + 1)
            continue
        out = "'" if ch in APOSTROPHES else '"' if ch in OPENING_QUOTES or ch in CLOSING_QUOTES else ch
        after_opening = ch in OPENING_QUOTES
        if ch in SPACE_BEFORE_DROPPED and chars and chars[-1] == " ":
            chars[-1] = out  # the whitespace before it is absorbed into this character
            ends[-1] = i + 1
            continue
        chars.append(out)
        starts.append(i)
        ends.append(i + 1)
    return _Normalised("".join(chars), starts, ends)


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Neither edge of [start, end) falls between two letters or digits."""
    inner_start = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    inner_end = end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return not inner_start and not inner_end


def _find_all(haystack: str, needle: str) -> list[int]:
    """Every start of ``needle`` in ``haystack``, overlapping ones included."""
    found, at = [], haystack.find(needle)
    while at != -1:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


class TextIndex:
    """One document's text with its normalised form, built once and searched
    for every string a system returned for that document."""

    def __init__(self, text: str):
        self.text = text
        self._normalised = normalise(text)

    def occurrences(self, string: str) -> list[Located]:
        """Every occurrence of ``string`` on word boundaries: exact ones in text
        order, then those found only after normalisation, in text order."""
        needle = string.strip()
        if not needle:
            return []
        exact = [Located(s, s + len(needle), "exact") for s in _find_all(self.text, needle)]
        exact = [o for o in exact if _on_word_boundaries(self.text, o.start, o.end)]
        seen = {(o.start, o.end) for o in exact}
        norm_needle = normalise(needle).text.strip()
        if not norm_needle:
            return exact
        norm = self._normalised
        extra = []
        for s in _find_all(norm.text, norm_needle):
            start, end = norm.starts[s], norm.ends[s + len(norm_needle) - 1]
            if (start, end) not in seen and _on_word_boundaries(self.text, start, end):
                seen.add((start, end))
                extra.append(Located(start, end, "normalised"))
        return exact + extra

    def trimmed(self, located: Located) -> Located | None:
        """The span without whitespace or punctuation at its edges (None if nothing is left)."""
        span = trim_span(self.text, located.start, located.end)
        return None if span is None else Located(span[0], span[1], located.how)


class Pool:
    """Spans already taken by one kind of pooled string in one document.

    ``exclusive``: a taken span blocks every occurrence overlapping it (entity
    mentions); otherwise it blocks only the same span (content, triggers)."""

    def __init__(self, exclusive: bool):
        self.exclusive = exclusive
        self.taken: list[tuple[int, int]] = []

    def free(self, located: Located) -> bool:
        if self.exclusive:
            return all(located.end <= s or e <= located.start for s, e in self.taken)
        return (located.start, located.end) not in self.taken

    def take(self, located: Located) -> None:
        self.taken.append((located.start, located.end))


def locate_next(index: TextIndex, string: str, pool: Pool) -> Located | None:
    """The first unused occurrence of ``string`` (the pooled rule), taken from ``pool``."""
    for occurrence in index.occurrences(string):
        trimmed = index.trimmed(occurrence)
        if trimmed is not None and pool.free(trimmed):
            pool.take(trimmed)
            return trimmed
    return None


_SENTENCE_END = re.compile(r"[.!?…][»”\"')\]]?\s")


def _gap(a: Located, anchor: tuple[int, int]) -> tuple[int, int]:
    """(first, last) of the characters between a span and the anchor (empty when they overlap)."""
    start, end = anchor
    if a.start < end and start < a.end:
        return (0, 0)
    return (a.end, start) if a.end <= start else (end, a.start)


def _distance(text: str, a: Located, anchor: tuple[int, int]) -> tuple[int, int]:
    """(sentence ends crossed, characters) between a span and the anchor."""
    first, last = _gap(a, anchor)
    return len(_SENTENCE_END.findall(text, first, last)), last - first


def locate_near(index: TextIndex, string: str, anchor: tuple[int, int], avoid: Sequence[tuple[int, int]] = ()) -> Located | None:
    """The occurrence of ``string`` nearest to ``anchor`` (the anchored rule); ties: the earlier.

    Occurrences overlapping a span of ``avoid`` come last (a quotation's cue and
    speaker are looked for outside its own content first: a nested quotation's
    cue inside the content is not the outer one's)."""
    candidates = [t for o in index.occurrences(string) if (t := index.trimmed(o)) is not None]
    if not candidates:
        return None

    def inside(c: Located) -> bool:
        return any(c.start < e and s < c.end for s, e in avoid)

    return min(candidates, key=lambda c: (inside(c), _distance(index.text, c, anchor), c.start, c.end))


@dataclass
class Alignment:
    """How the strings of a run were located, per layer: ``exact``,
    ``normalised``, ``not_found`` (no occurrence, or none left unused) and
    ``invalid`` (not a string, an unknown label, type or role, or a duplicate
    the record format refuses). Reported in the extractor's provenance so that
    a low score can be told apart from a failure to align."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)

    def count(self, layer: str, outcome: str, *, doc: str = "", what: str = "", string: object = None) -> None:
        layer_counts = self.counts.setdefault(layer, dict.fromkeys(OUTCOMES, 0))
        layer_counts[outcome] += 1
        if outcome in ("not_found", "invalid") and len(self.examples) < MAX_EXAMPLES:
            shown = string if isinstance(string, str) else repr(string)
            self.examples.append({"doc": doc, "layer": layer, "what": what, "outcome": outcome, "string": shown[:120]})

    def located(self, layer: str, located: Located | None, *, doc: str, what: str, string: str) -> Located | None:
        """Count one lookup's outcome and pass its result through."""
        self.count(layer, "not_found" if located is None else located.how, doc=doc, what=what, string=string)
        return located

    def merge(self, other: Alignment) -> None:
        for layer, counts in other.counts.items():
            mine = self.counts.setdefault(layer, dict.fromkeys(OUTCOMES, 0))
            for outcome, n in counts.items():
                mine[outcome] += n
        room = MAX_EXAMPLES - len(self.examples)
        self.examples += other.examples[: max(room, 0)]

    def as_dict(self) -> dict:
        return {"counts": {layer: dict(self.counts[layer]) for layer in sorted(self.counts)}, "not_found_or_invalid": list(self.examples)}
