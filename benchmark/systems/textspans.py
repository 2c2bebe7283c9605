"""Character-level helpers both extractors share: paragraphs, sentences,
guillemet quotations, span trimming and the conversion to schema records.

Everything here works on offsets into the document's ``text`` and never on a
modified copy, so that a span's text is always ``text[start:end]``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from benchmark.data.schema import (
    EntityMention,
    EventArgument,
    EventMention,
    Quote,
    Span,
)
from benchmark.systems.base import trim_span

SPACES = " \t\u00a0\u202f\u2009"
OPEN_QUOTE = "«"
CLOSE_QUOTE = "»"

# Abbreviations whose final dot does not end a sentence.
_ABBREVIATIONS = frozenset({"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "mgr", "st", "ste", "cf", "etc", "av", "bd", "no", "n°", "p",
                            "vol", "env", "hab", "jr", "sr"})
_SENTENCE_END = re.compile(r"[.!?…]+")


@dataclass(frozen=True)
class Guillemets:
    """One « … » quotation: the opening mark, the closing mark (None when the
    paragraph ends first) and the trimmed content between them."""

    open: int
    close: int | None
    content: tuple[int, int] | None

    @property
    def end(self) -> int:
        """Offset just after the closing mark (or the content when unclosed)."""
        if self.close is not None:
            return self.close + 1
        return self.content[1] if self.content else self.open + 1


# --------------------------------------------------------------------------
# Paragraphs, guillemets, sentences


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Lines of text (a news paragraph is one line), empty ones skipped."""
    bounds, start = [], 0
    for match in re.finditer(r"\n", text):
        if text[start : match.start()].strip():
            bounds.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


def find_guillemets(text: str) -> list[Guillemets]:
    """Every « … » quotation, per paragraph.

    The closing mark may be missing (the quotation then runs to the end of
    the paragraph) or wrongly oriented: a second « before any » closes the
    first one, as the annotation guidelines prescribe.
    """
    found: list[Guillemets] = []
    for p_start, p_end in paragraphs(text):
        i = text.find(OPEN_QUOTE, p_start, p_end)
        while i != -1:
            close = _next_mark(text, i + 1, p_end)
            inner_end = close if close is not None else p_end
            found.append(Guillemets(open=i, close=close, content=trim_span(text, i + 1, inner_end)))
            if close is None:
                break
            i = text.find(OPEN_QUOTE, close + 1, p_end)
    return found


def _next_mark(text: str, start: int, end: int) -> int | None:
    """The first » or « from ``start``: whichever comes first closes the quotation."""
    positions = [p for p in (text.find(CLOSE_QUOTE, start, end), text.find(OPEN_QUOTE, start, end)) if p != -1]
    return min(positions) if positions else None


def guillemet_regions(quotes: list[Guillemets]) -> list[tuple[int, int]]:
    """[open, end) of each quotation, for 'is this offset inside a quotation' tests."""
    return [(q.open, q.end) for q in quotes]


def inside(regions: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` falls strictly inside one of the sorted regions."""
    k = bisect.bisect_right(regions, (offset, float("inf"))) - 1
    return k >= 0 and regions[k][0] < offset < regions[k][1]


def sentence_bounds(text: str, quotes: list[Guillemets] | None = None) -> list[tuple[int, int]]:
    """Sentences as (start, end) offsets, never split inside a « … » quotation.

    A sentence ends at . ! ? … (optionally followed by a closing mark) when
    whitespace and a capital, a digit, an opening quotation mark or a dash
    follow, unless the dot ends an abbreviation (M., Mme, an initial).
    """
    quotes = find_guillemets(text) if quotes is None else quotes
    regions = guillemet_regions(quotes)
    bounds: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs(text):
        start = p_start
        for match in _SENTENCE_END.finditer(text, p_start, p_end):
            end = _after_closing_mark(text, match.end(), p_end)
            if _is_boundary(text, match, end, p_end, regions):
                if trim_span(text, start, end):
                    bounds.append((start, end))
                start = end
        if trim_span(text, start, p_end):
            bounds.append((start, p_end))
    return bounds


def _after_closing_mark(text: str, end: int, limit: int) -> int:
    """Extend a sentence end over spaces and a closing », ” or ) that follow it."""
    j = end
    while j < limit and text[j] in SPACES:
        j += 1
    if j < limit and text[j] in "»”\")":
        return j + 1
    return end


def _is_boundary(text: str, match: re.Match, end: int, limit: int, regions) -> bool:
    j = end
    while j < limit and text[j] in SPACES:
        j += 1
    if j == end or j >= limit:
        return False
    nxt = text[j]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "«\"“—–-"):
        return False
    if inside(regions, match.start()) and inside(regions, end - 1) and text[end - 1] != CLOSE_QUOTE:
        return False
    if match.group(0) == ".":
        word = re.search(r"([\w°]+)$", text[: match.start()])
        if word and (word.group(1).lower() in _ABBREVIATIONS or (len(word.group(1)) == 1 and word.group(1).isupper())):
            return False
    return True


# --------------------------------------------------------------------------
# Spans and records


def content_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A content region cut at its guillemets, each piece trimmed.

    Content spans exclude the quotation marks; a mixed quotation ("a dit que
    la situation est « grave »") therefore yields one piece per side of a mark.
    """
    pieces, s = [], start
    for i in range(start, end + 1):
        if i == end or text[i] in "«»":
            span = trim_span(text, s, i)
            if span:
                pieces.append(span)
            s = i + 1
    return pieces


def strip_que(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop a leading complementiser que/qu' (and a guillemet after it) from a content span."""
    span = trim_span(text, start, end)
    if span is None:
        return None
    s, e = span
    match = re.match(r"(?:que\b|qu['\u2019])[\s\u00a0\u202f«]*", text[s:e], flags=re.IGNORECASE)
    if match:
        return trim_span(text, s + match.end(), e)
    return span


def has_guillemet(text: str, start: int, end: int) -> bool:
    return "«" in text[start:end] or "»" in text[start:end]


@dataclass
class QuoteDraft:
    """A quotation under construction; offsets only, converted at the end."""

    kind: str
    content: list[tuple[int, int]]
    cue: tuple[int, int] | None = None
    speaker: tuple[int, int] | None = None
    source: str = field(default="", compare=False)  # which rule found it (debugging)


def span(text: str, bounds: tuple[int, int] | None) -> Span | None:
    if bounds is None:
        return None
    trimmed = trim_span(text, *bounds)
    return Span(start=trimmed[0], end=trimmed[1], text=text[trimmed[0] : trimmed[1]]) if trimmed else None


def to_quote(text: str, draft: QuoteDraft) -> Quote | None:
    content = [s for s in (span(text, c) for c in draft.content) if s is not None]
    if not content:
        return None
    return Quote(kind=draft.kind, content=content, cue=span(text, draft.cue), speaker=span(text, draft.speaker))


def entity(text: str, start: int, end: int, label: str) -> EntityMention | None:
    trimmed = trim_span(text, start, end)
    if trimmed is None:
        return None
    return EntityMention(start=trimmed[0], end=trimmed[1], text=text[trimmed[0] : trimmed[1]], label=label)


def argument(text: str, bounds: tuple[int, int], role: str) -> EventArgument | None:
    trimmed = trim_span(text, *bounds)
    if trimmed is None:
        return None
    return EventArgument(start=trimmed[0], end=trimmed[1], text=text[trimmed[0] : trimmed[1]], role=role)


def event(text: str, type_: str, trigger: tuple[int, int], arguments: list[EventArgument]) -> EventMention | None:
    trig = span(text, trigger)
    if trig is None:
        return None
    return EventMention(type=type_, trigger=trig, arguments=arguments)


def drop_overlaps(mentions: list) -> list:
    """Keep mentions in text order; one overlapping an earlier kept mention is dropped."""
    kept, last_end = [], -1
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start >= last_end:
            kept.append(m)
            last_end = m.end
    return kept


def dedupe_quotes(drafts: list[QuoteDraft]) -> list[QuoteDraft]:
    """Drop a quotation whose content overlaps an earlier kept one's (first rule wins)."""
    kept: list[QuoteDraft] = []
    for draft in drafts:
        if not any(_overlap(a, b) for a in draft.content for k in kept for b in k.content):
            kept.append(draft)
    return sorted(kept, key=lambda d: d.content[0])


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
