"""What each WiNER-fr conversion rule affects, counted over a corpus.

Adopting an external corpus as a track means adopting its annotation
conventions wherever ours are not enforced by the conversion. This report
says how much each rule and each residual difference weighs, so the choice is
made on numbers. It counts; it never prints corpus text: examples are given as
``document id start-end`` (the report may be committed or pasted in an issue).

The token-cut count needs the benchmark's canonical tokenizer; it is passed
in (``tokenize``: text -> sorted (start, end) token offsets) rather than
imported, so this subpackage does not depend on where the tokenizer lives.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmark.sources.winer import Conversion, Mention

MAX_EXAMPLES = 5
# Our guidelines (GUIDELINES.md §1.3) exclude determiners and prepositions from a
# span. Three cases, from clear to ambiguous: an elided article or preposition
# ("l'", "d'"); a lower-case article or preposition ("la", "du", "de" ...; for PER
# "de" is often a name particle); a capitalised article, often part of the name
# itself (a city, a newspaper), so only a candidate difference.
_ELIDED = re.compile(r"[ldLD]['’]")
_LOWER_ARTICLE = re.compile(r"(?:le|la|les|du|des|de|au|aux|un|une)\s")
_CAPITAL_ARTICLE = re.compile(r"(?:Le|La|Les|Du|Des|Au|Aux)\s")
# ... and titles and honorifics from a PER span (§1.1, §1.3).
_TITLE = re.compile(r"(?:M\.|MM\.|Mme|Mmes|Mlle|Dr|Pr|Me|Mgr|président|présidente|ministre|roi|reine|pape|prince|princesse|général|sénateur"
                    r"|député|maire)\s", re.IGNORECASE)


@dataclass
class Report:
    """Counts over a converted corpus; ``examples`` maps a category to ``id start-end`` strings."""

    documents_per_split: Counter = field(default_factory=Counter)
    winer_mentions_per_label: Counter = field(default_factory=Counter)
    mentions_per_split_label: Counter = field(default_factory=Counter)  # after mapping: (split, PER/LOC/ORG)
    drops_per_reason: Counter = field(default_factory=Counter)
    nested_drops: Counter = field(default_factory=Counter)  # (outer WiNER label, inner WiNER label)
    same_extent_drops: Counter = field(default_factory=Counter)  # (winner, loser)
    reanchored: int = 0
    edge_problems: Counter = field(default_factory=Counter)  # (label, "leading"/"trailing", kind), mapped mentions
    edge_problem_mentions: Counter = field(default_factory=Counter)  # label -> mentions with any edge problem
    elided_start: Counter = field(default_factory=Counter)  # label -> mapped mentions starting "l'", "d'"
    lower_article_start: Counter = field(default_factory=Counter)  # label -> mapped mentions starting "la ", "du " ...
    capital_article_start: Counter = field(default_factory=Counter)  # label -> mapped mentions starting "La ", "Le " ...
    title_start: Counter = field(default_factory=Counter)  # label -> mapped mentions
    lowercase_start: Counter = field(default_factory=Counter)  # label -> mapped mentions
    multiline: Counter = field(default_factory=Counter)  # label -> mapped mentions holding a line break
    token_cuts: Counter = field(default_factory=Counter)  # label -> mapped mentions cutting a token
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def example(self, category: str, doc_id: str, mention: Mention) -> None:
        if len(self.examples[category]) < MAX_EXAMPLES:
            self.examples[category].append(f"{doc_id} {mention.start}-{mention.end}")


def edge_kind(character: str) -> str | None:
    """'whitespace', 'punctuation' or 'invisible' (a format character such as U+200F)
    if a span may not start or end with this character (GUIDELINES.md §0.3), else None."""
    category = unicodedata.category(character)
    if character.isspace() or category.startswith("Z"):
        return "whitespace"
    if category.startswith("P"):
        return "punctuation"
    if category == "Cf":
        return "invisible"
    return None


def cuts_a_token(tokens: Sequence[tuple[int, int]], mention: Mention) -> bool:
    """True if a span edge falls strictly inside a token (the scorer would widen it)."""
    for edge in (mention.start, mention.end):
        i = bisect_right(tokens, edge, key=lambda token: token[0]) - 1
        if i >= 0 and tokens[i][0] < edge < tokens[i][1]:
            return True
    return False


def report(conversions: Sequence[Conversion], tokenize: Callable[[str], list[tuple[int, int]]] | None = None) -> Report:
    """Count what every rule did and every residual convention difference over ``conversions``."""
    result = Report()
    for conversion in conversions:
        document = conversion.document
        result.documents_per_split[document.split] += 1
        result.reanchored += len(conversion.reanchored)
        result.winer_mentions_per_label.update(span.label for span in conversion.source.spans)
        count_drops(result, conversion)
        tokens = tokenize(document.text) if tokenize else None
        for mention in document.mentions:
            result.mentions_per_split_label[document.split, mention.label] += 1
            count_mention(result, document.id, document.text, mention, tokens)
    return result


def count_drops(result: Report, conversion: Conversion) -> None:
    for drop in conversion.drops:
        result.drops_per_reason[drop.reason] += 1
        if drop.reason == "nested":
            assert drop.by is not None, "a nested drop names the mention it is nested in"
            result.nested_drops[drop.by.label, drop.mention.label] += 1
        elif drop.reason == "same-extent":
            assert drop.by is not None, "a same-extent drop names the mention it lost to"
            result.same_extent_drops[drop.by.label, drop.mention.label] += 1
        if drop.reason != "unscored-label":
            result.example(f"dropped {drop.reason}", conversion.document.id, drop.mention)


def count_mention(result: Report, doc_id: str, text: str, mention: Mention, tokens) -> None:
    """The residual differences of one mapped mention with our guidelines."""
    surface = text[mention.start : mention.end]
    problems = [(side, edge_kind(char)) for side, char in (("leading", surface[0]), ("trailing", surface[-1]))]
    problems = [(side, kind) for side, kind in problems if kind]
    for side, kind in problems:
        result.edge_problems[mention.label, side, kind] += 1
        result.example(f"{mention.label} {side} {kind}", doc_id, mention)
    if problems:
        result.edge_problem_mentions[mention.label] += 1
    checks = (
        ("elided_start", _ELIDED.match(surface) is not None),
        ("lower_article_start", _LOWER_ARTICLE.match(surface) is not None),
        ("capital_article_start", _CAPITAL_ARTICLE.match(surface) is not None),
        ("title_start", mention.label == "PER" and _TITLE.match(surface) is not None),
        ("lowercase_start", surface[0].islower()),
        ("multiline", "\n" in surface or "\r" in surface),
        ("token_cuts", tokens is not None and cuts_a_token(tokens, mention)),
    )
    for name, hit in checks:
        if hit:
            getattr(result, name)[mention.label] += 1
            result.example(f"{mention.label} {name}", doc_id, mention)


def render(result: Report) -> str:
    """The report as plain text: counts, then examples as ``id start-end`` (never text)."""
    lines = ["documents per split: " + _pairs(result.documents_per_split)]
    lines.append("WiNER mentions per label: " + _pairs(result.winer_mentions_per_label))
    lines.append("mentions per split after mapping: " + _pairs(result.mentions_per_split_label))
    lines.append("dropped per reason: " + _pairs(result.drops_per_reason))
    lines.append("nested drops (outer, inner): " + _pairs(result.nested_drops))
    lines.append("same-extent drops (winner, loser): " + _pairs(result.same_extent_drops))
    lines.append(f"re-anchored offsets: {result.reanchored}")
    for name in ("edge_problem_mentions", "edge_problems", "elided_start", "lower_article_start", "capital_article_start", "title_start",
                 "lowercase_start", "multiline", "token_cuts"):
        lines.append(f"{name.replace('_', ' ')}: " + _pairs(getattr(result, name)))
    lines.append("examples:")
    lines += [f"  {category}: {', '.join(found)}" for category, found in sorted(result.examples.items())]
    return "\n".join(lines) + "\n"


def _pairs(counter: Counter) -> str:
    if not counter:
        return "none"
    return ", ".join(f"{'/'.join(k) if isinstance(k, tuple) else k} {v}" for k, v in sorted(counter.items()))
