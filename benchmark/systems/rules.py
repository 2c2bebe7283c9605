"""The floor baseline: capitalisation, gazetteers and word lists, no model.

It shows what transparent surface rules reach, so that a statistical system
has to beat it to be worth its cost. Text is tokenised with ``spacy.blank("fr")``
(a tokenizer only: no tagger, parser or NER).

Entities
    Maximal sequences of capitalised tokens inside a sentence. An organisation
    cue ("Ministère", "Banque", "Parti"… or lower-case "ministère") opening the
    sequence lets it run on through "de/du/des/d'/de la/de l'", one lower-case
    noun and a few adjectives ("Conseil de sécurité", "Banque centrale
    européenne"); a known first name lets it run through particles ("Charles de
    Gaulle", "Ursula von der Leyen"). Titles ("M.", "Mme", "Président") and
    sentence-initial function words are left out. Typing: a gazetteer place →
    LOC, an organisation cue inside → ORG, a known first name at the start or a
    title just before → PER, otherwise ``default_label`` (dropped when None).
    A capitalised complement of a title ("ministre des Finances") is part of
    the title and no entity, unless it is a place, an organisation or an acronym.

Quotations
    « … » spans (direct; an unclosed one runs to the paragraph's end, a second «
    closes the first), with cue and speaker when a reporting verb follows
    (", a déclaré X"), precedes ("X a déclaré : « …") or interrupts them
    (", a-t-il ajouté,"). Indirect: "SUBJ a VERB que CONTENT." (content after
    que to the sentence end, speaker the subject before the verb),
    "CONTENT, a VERB SPEAKER." (content from the sentence start to the comma)
    and "selon SPEAKER, CONTENT". Content with guillemets inside makes the
    quotation mixed. A speaker phrase is reduced to the proper name in it if any.

Events
    A token whose form is in the trigger lexicon (see lexicon.event_triggers)
    is a trigger, unless it is a quotation's cue (speech acts are not events),
    a verb form used as a noun (after a determiner), or in an excluded context.
    One argument rule only: a LOC entity introduced by à/au/aux/en/dans/vers
    within a few tokens after the trigger is the Place of an event whose type
    admits one (schema.EVENT_ROLES), else its Destination if it has that role
    (Movement.Transport), else no argument (Contact.Phone-Write).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import (
    ENTITY_LABELS,
    EVENT_ROLES,
    Document,
    EntityMention,
    EventMention,
    Quote,
)
from benchmark.systems.base import Extractor, make_document

from . import lexicon as lx
from . import textspans as ts

# Words between an organisation cue and its capitalised complement.
CONNECTORS = lx.words("rules_connectors.txt")
# Name particles inside a person's name after a first name.
PARTICLES = lx.words("rules_name_particles.txt")
ARTICLES = lx.words("rules_articles.txt")
DETERMINERS = lx.words("rules_determiners.txt")
INVERTED_PRONOUNS = lx.words("rules_inverted_pronouns.txt")
PRONOUNS = lx.words("rules_pronouns.txt")
# Tokens between a subject and its reporting verb, or between a comma and a
# postposed verb: auxiliaries, negation, inversion clitics, a few adverbs.
VERB_PADDING = lx.words("rules_verb_padding.txt")
# "X que" that are conjunctions, not a complementiser after a reporting verb.
CONJUNCTION_QUE = lx.words("rules_conjunction_que.txt")
# Prepositions that end a postposed speaker phrase, or open a PP to skip before it.
STOP_PREPOSITIONS = lx.words("rules_stop_prepositions.txt")
PLACE_PREPOSITIONS = lx.words("rules_place_prepositions.txt")
CLAUSE_PUNCT = frozenset({",", ";", ":", "«", "»", "(", ")", "—", "–", ".", "!", "?", "…", '"', "“", "”"})
QUOTE_OPENERS = frozenset({"«", "“", '"', "(", ":", "—", "–", "-"})
TITLE_MODIFIERS = lx.words("rules_title_modifiers.txt")
_ADJ_SUFFIXES = lx.load("rules_adjective_suffixes.txt").entries
_NOT_ADJECTIVES = lx.words("rules_not_adjectives.txt")
MAX_ARGUMENT_DISTANCE = 8


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    text: str  # as written, apostrophes normalised
    word: str  # lower case, apostrophes normalised
    cap: bool  # starts with an upper-case letter
    sent: int  # sentence index


@dataclass
class Context:
    """One document, tokenised, with the lookups every rule needs."""

    text: str
    toks: list[Tok]
    sent_ranges: list[tuple[int, int]]  # token index range per sentence
    guillemets: list[ts.Guillemets]
    token_ends: set[int]
    end_to_token: dict[int, int]  # end offset -> index of the token ending there
    lower_words: frozenset[str]  # words written in lower case somewhere in the text

    def sent_start(self, i: int) -> int:
        return self.sent_ranges[self.toks[i].sent][0]

    def sent_end(self, i: int) -> int:
        return self.sent_ranges[self.toks[i].sent][1]

    def chars(self, i: int, j: int) -> tuple[int, int]:
        """Character bounds of tokens i..j-1."""
        return self.toks[i].start, self.toks[j - 1].end


class RulesExtractor(Extractor):
    """Floor baseline: capitalisation + gazetteers + word lists (no model)."""

    per_document = True  # each document is processed on its own

    def __init__(self, *, name: str = "rules", version: str = "2.0", default_label: str | None = "ORG"):
        super().__init__(name=name, version=version)
        if default_label is not None and default_label not in ENTITY_LABELS:
            raise ValueError(f"default_label must be one of {ENTITY_LABELS} or None, not {default_label!r}")
        self.default_label = default_label
        self._tokenizer: Callable[[str], Any] | None = None  # spaCy's tokenizer, loaded on first use

    def provenance(self) -> dict:
        import spacy

        return {
            **self.base_provenance(default_label=self.default_label),
            "tokenizer": f"spacy.blank('fr') (spaCy {spacy.__version__})",
            "resources": lx.resource_hashes(),
        }

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        return [self._predict_one(seed) for seed in documents]

    def _predict_one(self, seed: SeedDocument) -> Document:
        ctx = self._context(seed.text)
        entities = find_entities(ctx, self.default_label)
        quotes = find_quotes(ctx, entities)
        cues = {(q.cue.start, q.cue.end) for q in quotes if q.cue is not None}
        events = find_events(ctx, entities, cues)
        return make_document(seed, entities, quotes, events)

    def _context(self, text: str) -> Context:
        if self._tokenizer is None:
            import spacy

            self._tokenizer = spacy.blank("fr").tokenizer
            lx.warm_up()
        return build_context(text, self._tokenizer(text))


def build_context(text: str, doc) -> Context:
    """Tokens with their sentence, from a spaCy tokenisation of ``text``."""
    guillemets = ts.find_guillemets(text)
    bounds = ts.sentence_bounds(text, guillemets)
    starts = [b[0] for b in bounds]
    toks: list[Tok] = []
    k = 0
    for t in doc:
        if t.is_space:
            continue
        while k + 1 < len(starts) and t.idx >= starts[k + 1]:
            k += 1
        raw = lx.norm_case(t.text)
        toks.append(Tok(t.idx, t.idx + len(t.text), raw, raw.lower(), raw[:1].isupper(), k))
    sent_ranges: list[tuple[int, int]] = [(0, 0)] * max(len(bounds), 1)
    for i, tok in enumerate(toks):
        s, e = sent_ranges[tok.sent]
        sent_ranges[tok.sent] = (i, i + 1) if s == e else (s, i + 1)
    lower = frozenset(t.word for t in toks if not t.cap and t.word.isalpha())
    return Context(text, toks, sent_ranges, guillemets, {t.end for t in toks}, {t.end: i for i, t in enumerate(toks)}, lower)


# --------------------------------------------------------------------------
# Entities


def find_entities(ctx: Context, default_label: str | None) -> list[EntityMention]:
    """Capitalised sequences typed by gazetteers and cues (see module docstring)."""
    found: list[EntityMention | None] = []  # ts.entity is None for a span that trims to nothing
    toks, n, i = ctx.toks, len(ctx.toks), 0
    complement_end = -1  # token index just after the last title complement
    while i < n:
        if not _may_open_name(ctx, i):
            i += 1
            continue
        place_end = _place_end(ctx, i)
        if place_end is not None and not _continues_name(ctx, place_end, toks[i].sent):
            found.append(ts.entity(ctx.text, *ctx.chars(i, place_end), "LOC"))
            i = place_end
            continue
        if _is_stopword(ctx, i) or toks[i].word in lx.titles():
            i += 1
            continue
        j = _chunk_end(ctx, i)
        if _is_title_complement(ctx, i, complement_end) and not _is_named_complement(ctx, i, j):
            complement_end = j
        elif not _is_common_word(ctx, i, j) and not _is_demonym(ctx, i, j):
            label = _label(ctx, i, j, default_label)
            if label is not None:
                found.append(ts.entity(ctx.text, *ctx.chars(i, j), label))
        i = j
    return ts.drop_overlaps([m for m in found if m is not None])


def _may_open_name(ctx: Context, i: int) -> bool:
    """A capitalised token, or a lower-case head ("ministère") before
    (adjectives and) "de + Name" ("ministère ukrainien de la Défense")."""
    tok = ctx.toks[i]
    if tok.cap:
        return True
    if tok.word not in lx.org_cues().lowercase_heads:
        return False
    if _connected_capital(ctx, i + 1) is not None:
        return True
    return i + 2 < len(ctx.toks) and ctx.toks[i + 1].word.isalpha() and _connected_capital(ctx, i + 2) is not None


def _connected_capital(ctx: Context, k: int) -> int | None:
    """Index of the capitalised token after connectors starting at k ("de l'Intérieur")."""
    j = _skip_connectors(ctx, k)
    if j > k and j < len(ctx.toks) and ctx.toks[j].cap and ctx.toks[j].sent == ctx.toks[k].sent:
        return j
    return None


def _skip_connectors(ctx: Context, k: int) -> int:
    """Index after "de", "du", "des", "d'", "de la", "de l'" starting at k (k if none)."""
    toks = ctx.toks
    if k < len(toks) and toks[k].word in ("du", "des", "d'"):
        return k + 1
    if k < len(toks) and toks[k].word == "de":
        if k + 1 < len(toks) and toks[k + 1].word in ("la", "l'"):
            return k + 2
        return k + 1
    return k


def _place_end(ctx: Context, i: int) -> int | None:
    """Token index after a gazetteer place starting at token i."""
    tok = ctx.toks[i]
    end = lx.places().match_at(ctx.text, tok.start, lx.first_word(tok.text), ctx.token_ends)
    return None if end is None else ctx.end_to_token[end] + 1


def _continues_name(ctx: Context, j: int, sent: int) -> bool:
    """Whether a capitalised token at j prolongs the name ("Paris Saint-Germain")."""
    if j >= len(ctx.toks):
        return False
    tok = ctx.toks[j]
    return tok.cap and tok.sent == sent and tok.text not in lx.sentence_stopwords() and tok.word not in lx.titles()


def _sentence_initial(ctx: Context, i: int) -> bool:
    return i == ctx.sent_start(i) or ctx.toks[i - 1].text in QUOTE_OPENERS


def _is_stopword(ctx: Context, i: int) -> bool:
    """A capitalised function word; an article inside a sentence may open a name ("Le Monde")."""
    tok = ctx.toks[i]
    if tok.text not in lx.sentence_stopwords():
        return False
    if tok.text in ARTICLES and not _sentence_initial(ctx, i):
        return not (i + 1 < len(ctx.toks) and ctx.toks[i + 1].cap)
    return True


def _chunk_end(ctx: Context, i: int) -> int:
    """Token index just after the name that starts at i."""
    toks, n = ctx.toks, len(ctx.toks)
    sent = toks[i].sent
    is_org = toks[i].word in lx.org_cues().words
    in_first_names = lx.is_first_name(toks[i].text)
    j, adjectives, lower_nouns = i + 1, 0, 0
    while j < n and toks[j].sent == sent:
        tok = toks[j]
        if tok.cap:
            if _breaks_name(ctx, j, in_first_names):
                break
            in_first_names = in_first_names and lx.is_first_name(tok.text)
            j, adjectives = j + 1, 0
            continue
        if tok.word == "d'" and j + 1 < n and toks[j + 1].cap and toks[j + 1].sent == sent and not _breaks_name(ctx, j + 1, False):
            j += 1  # "Quai d'Orsay", "Côte d'Azur": one name
            continue
        if tok.text == "-" and j + 1 < n and toks[j + 1].cap and toks[j - 1].end == tok.start == toks[j + 1].start - 1:
            j += 1  # "Royaume-Uni" when the tokenizer splits at the hyphen
            continue
        if is_org and j == i + 1 and tok.word.isalpha() and _connected_capital(ctx, j + 1) is not None:
            j += 1  # "ministère russe des Affaires étrangères"
            continue
        if is_org:
            k = _skip_connectors(ctx, j)
            if k > j and k < n and toks[k].sent == sent:
                if toks[k].cap and j - i >= 2 and _is_acronym(toks[k]):
                    break  # "Conseil de sécurité | de l'ONU": two organisations
                if toks[k].cap and not _breaks_name(ctx, k, False):
                    j = k
                    continue
                if lower_nouns == 0 and _is_complement_noun(toks[k]):
                    j, lower_nouns = k + 1, 1
                    continue
            if _is_adjective(tok) and adjectives < 3:
                j, adjectives = j + 1, adjectives + 1
                continue
        if in_first_names and tok.word in PARTICLES and j + 1 < n and (toks[j + 1].cap or toks[j + 1].word in PARTICLES):
            j += 1
            continue
        break
    return j


def _breaks_name(ctx: Context, j: int, in_first_names: bool) -> bool:
    """A capitalised token that starts something new: a stopword, a title, or a
    first name followed by a surname after a non-name ("République Emmanuel Macron")."""
    toks = ctx.toks
    tok = toks[j]
    if tok.text in lx.sentence_stopwords() and not (tok.text in ARTICLES and j + 1 < len(toks) and toks[j + 1].cap):
        return True
    if tok.word in lx.titles():
        return True
    if not in_first_names and lx.is_first_name(tok.text) and j + 1 < len(toks):
        nxt = toks[j + 1]
        return nxt.sent == tok.sent and (nxt.cap or nxt.word in PARTICLES)
    return False


def _is_acronym(tok: Tok) -> bool:
    return len(tok.text) >= 2 and tok.text.isupper() and tok.text.isalpha()


def _is_adjective(tok: Tok) -> bool:
    """A lower-case word with an adjective ending ("nationale", "unies", "socialiste")."""
    w = tok.word
    return w.isalpha() and len(w) >= 5 and w not in _NOT_ADJECTIVES and w.endswith(_ADJ_SUFFIXES) and not lx.is_time_word(w)


def _is_complement_noun(tok: Tok) -> bool:
    """One lower-case noun after "de" in an institution's name ("Cour de cassation")."""
    w = tok.word
    return w.isalpha() and len(w) >= 4 and not w.endswith(("er", "ir")) and w not in _NOT_ADJECTIVES and not lx.is_time_word(w)


def _is_title_complement(ctx: Context, i: int, complement_end: int) -> bool:
    """Whether tokens before i read "title de (la|l')" ("ministre de l'Intérieur"),
    or continue a complement with "et de" ("de l'Économie et des Finances")."""
    toks, k, connected = ctx.toks, i - 1, False
    while k >= 0 and toks[k].word in CONNECTORS:
        k, connected = k - 1, True
    if not connected or k < 0:
        return False
    if toks[k].word == "et":
        return k == complement_end
    while k >= 0 and toks[k].word in TITLE_MODIFIERS:
        k -= 1
    return k >= 0 and toks[k].word in lx.portfolio_titles()


def _is_named_complement(ctx: Context, i: int, j: int) -> bool:
    """A complement that is a real name: a place, an organisation, an acronym."""
    text = ctx.text[ctx.toks[i].start : ctx.toks[j - 1].end]
    if text in lx.places():
        return True
    if any(t.word in lx.org_cues().words for t in ctx.toks[i:j]):
        return True
    return any(_is_acronym(t) for t in ctx.toks[i:j])


def _is_common_word(ctx: Context, i: int, j: int) -> bool:
    """A lone sentence-initial capitalised word that the document also writes in
    lower case, or that a word list knows as a common word ("Interrogé", "Face")."""
    if j - i != 1 or not _sentence_initial(ctx, i):
        return False
    tok = ctx.toks[i]
    if tok.text.isupper() or tok.text in lx.places() or lx.is_first_name(tok.text) or tok.word in lx.org_cues().words:
        return False
    w = tok.word
    return (
        w in ctx.lower_words
        or w in lx.reporting_verbs().forms
        or w in lx.event_triggers().by_form
        or lx.is_time_word(w)
    )


def _is_demonym(ctx: Context, i: int, j: int) -> bool:
    """"les Sénégalais", "des Ukrainiens": inhabitants, not a name to annotate."""
    tok = ctx.toks[i]
    return j - i == 1 and i > 0 and ctx.toks[i - 1].word in DETERMINERS and tok.text not in lx.places() and lx.looks_like_demonym(tok.text)


def _label(ctx: Context, i: int, j: int, default_label: str | None) -> str | None:
    toks = ctx.toks
    text = ctx.text[toks[i].start : toks[j - 1].end]
    if text in lx.places():
        return "LOC"
    if any(t.word in lx.org_cues().words for t in toks[i:j]):
        return "ORG"
    if lx.is_first_name(toks[i].text) and not (j - i == 1 and toks[i].text.isupper()):
        return "PER"
    if i > 0 and toks[i - 1].word in lx.titles():
        return "PER"
    return default_label


# --------------------------------------------------------------------------
# Quotations


def find_quotes(ctx: Context, entities: list[EntityMention]) -> list[Quote]:
    """Indirect, mixed and direct quotations (see module docstring).

    Indirect patterns are not sought inside « … » (a "je pense que" there is
    part of the direct quotation); the first rule to claim a content wins, in
    the order preposed, selon, postposed, guillemets, so that a quoted
    fragment inside reported speech makes one mixed quotation.
    """
    cue = _cue_indices(ctx)
    regions = ts.guillemet_regions(ctx.guillemets)
    outside = {i for i in cue if not ts.inside(regions, ctx.toks[i].start)}
    drafts = _preposed(ctx, outside, entities) + _selon(ctx, regions, entities) + _postposed(ctx, outside, entities)
    drafts += _direct(ctx, cue, entities)
    quotes = [ts.to_quote(ctx.text, d) for d in ts.dedupe_quotes(drafts)]
    return [q for q in quotes if q is not None]


def _cue_indices(ctx: Context) -> set[int]:
    """Tokens that are a reporting verb form and not a noun after a determiner."""
    forms = lx.reporting_verbs().forms
    return {i for i, t in enumerate(ctx.toks) if t.word in forms and not (i > 0 and ctx.toks[i - 1].word in DETERMINERS)}


def _quote_kind(ctx: Context, start: int, end: int) -> tuple[str, list[tuple[int, int]]]:
    """Indirect, or mixed when guillemets sit inside the content."""
    if ts.has_guillemet(ctx.text, start, end):
        return "mixed", ts.content_pieces(ctx.text, start, end)
    span = ts.trim_span(ctx.text, start, end)
    return "indirect", [span] if span else []


def _preposed(ctx: Context, cue: set[int], entities) -> list[ts.QuoteDraft]:
    """SUBJ a VERB (…) que CONTENT."""
    drafts = []
    for q, tok in enumerate(ctx.toks):
        if tok.word not in ("que", "qu'") or (q > 0 and ctx.toks[q - 1].word in CONJUNCTION_QUE):
            continue
        verb = _verb_before(ctx, q, cue)
        if verb is None:
            continue
        end = ctx.toks[ctx.sent_end(q) - 1].end
        content = ts.strip_que(ctx.text, tok.start, end)
        if content is None:
            continue
        kind, pieces = _quote_kind(ctx, *content)
        if pieces:
            drafts.append(ts.QuoteDraft(kind, pieces, ctx.chars(verb, verb + 1), _subject_before(ctx, verb, entities), "preposed"))
    return drafts


def _verb_before(ctx: Context, q: int, cue: set[int], window: int = 10) -> int | None:
    """The nearest reporting verb before "que", within the clause."""
    for k in range(q - 1, max(ctx.sent_start(q), q - window) - 1, -1):
        if k in cue:
            return k
        if ctx.toks[k].text in (".", ";", "«", "»", "!", "?") or ctx.toks[k].word in ("que", "qu'"):
            return None
    return None


def _subject_before(ctx: Context, verb: int, entities) -> tuple[int, int] | None:
    """The subject phrase before a reporting verb, reduced to its name if any."""
    s0, toks = ctx.sent_start(verb), ctx.toks
    end = verb
    while end > s0 and toks[end - 1].word in VERB_PADDING:
        end -= 1
    start = _clause_start(ctx, end, s0)
    if start == end and end - 1 > s0 and toks[end - 1].text == ",":
        end -= 1  # "Le porte-parole, Jean Dupont, a dit": the apposition before the comma
        start = _clause_start(ctx, end, s0)
    if end - start == 1 and toks[start].word == "qui" and start - 1 > s0 and toks[start - 1].text == ",":
        end = start - 1  # "le ministre, qui a déclaré que": the antecedent
        start = _clause_start(ctx, end, s0)
    while start < end and start > s0 and toks[start].word in STOP_PREPOSITIONS and toks[start - 1].text == ",":
        end = start - 1  # "Le ministre, en visite à Lyon, a dit": skip the incidental PP
        start = _clause_start(ctx, end, s0)
    while start < end and (lx.is_time_word(toks[start].word) or toks[start].word in ("et", "mais", "puis", "or")):
        start += 1
    return _reduce_speaker(ctx, start, end, entities)


def _clause_start(ctx: Context, end: int, floor: int) -> int:
    start = end
    while start > floor and ctx.toks[start - 1].text not in CLAUSE_PUNCT:
        start -= 1
    return start


def _reduce_speaker(ctx: Context, start: int, end: int, entities) -> tuple[int, int] | None:
    """A phrase reduced to its proper name (PER before ORG before LOC), or the
    noun phrase cut before a relative clause and a place complement."""
    if start >= end:
        return None
    toks = ctx.toks
    if end - start == 1 and toks[start].word in PRONOUNS:
        return None
    lo, hi = toks[start].start, toks[end - 1].end
    inner = [e for e in entities if lo <= e.start and e.end <= hi]
    for label in ("PER", "ORG", "LOC"):
        named = [e for e in inner if e.label == label]
        if named:
            return named[0].start, named[0].end
    cut = end
    for k in range(start + 1, end):
        if toks[k].word in ("qui", "dont", "que", "qu'") or (toks[k].word in PLACE_PREPOSITIONS and k > start + 1):
            cut = k
            break
    if toks[start].word in PRONOUNS:
        return None
    return ctx.chars(start, cut)


def _subject_after(ctx: Context, verb: int, entities) -> tuple[int, int] | None:
    """The speaker after a postposed verb: skip inversion clitics, adverbs,
    time words and a leading PP ("à l'AFP"), stop at a comma or preposition."""
    toks, s1 = ctx.toks, ctx.sent_end(verb)
    if any(t.word in INVERTED_PRONOUNS for t in toks[max(0, verb - 3) : verb]):
        return None  # "a-t-il déclaré": the speaker is the clitic pronoun
    k = verb + 1
    if k < s1 and toks[k].word == "-t":
        k += 1
    if k < s1 and toks[k].word in PRONOUNS:
        return None
    while k < s1 and (toks[k].word in VERB_PADDING or lx.is_time_word(toks[k].word)):
        k += 1
    if k < s1 and toks[k].word in STOP_PREPOSITIONS:
        skipped = _skip_pp(ctx, k, s1)
        if skipped is None:
            return None
        k = skipped
    end = k
    while end < s1 and toks[end].text not in CLAUSE_PUNCT and toks[end].word not in STOP_PREPOSITIONS and not (end > k and lx.is_time_word(toks[end].word)):
        end += 1
    apposed = _apposed_person(ctx, end, s1, entities)
    return apposed or _reduce_speaker(ctx, k, end, entities)


def _apposed_person(ctx: Context, comma: int, s1: int, entities, allow_title: bool = False) -> tuple[int, int] | None:
    """", Jean Dupont." after a speaker phrase: the person named in apposition
    (after a title such as "Me" when ``allow_title``), ending the clause."""
    if comma >= s1 - 1 or ctx.toks[comma].text != ",":
        return None
    k = comma + 1
    while allow_title and k < s1 - 1 and ctx.toks[k].word in lx.titles():
        k += 1
    start = ctx.toks[k].start
    for e in entities:
        if e.start == start and e.label == "PER":
            last = ctx.end_to_token.get(e.end)
            if last is not None and (last + 1 >= s1 or ctx.toks[last + 1].text in CLAUSE_PUNCT):
                return e.start, e.end
    return None


def _skip_pp(ctx: Context, k: int, limit: int) -> int | None:
    """Past a prepositional phrase to the next determiner, title or first name."""
    for j in range(k + 2, min(limit, k + 7)):
        tok = ctx.toks[j]
        if tok.text in CLAUSE_PUNCT:
            return None
        if tok.word in DETERMINERS or tok.word in lx.titles() or lx.is_first_name(tok.text):
            return j
    return None


def _postposed(ctx: Context, cue: set[int], entities) -> list[ts.QuoteDraft]:
    """CONTENT, a VERB SPEAKER. (content without guillemets; those go to _direct)."""
    drafts = []
    for verb in sorted(cue):
        comma = _comma_before(ctx, verb)
        if comma is None or ctx.toks[comma].text != "," or _followed_by_que(ctx, verb):
            continue
        s0 = ctx.sent_start(verb)
        if comma <= s0 or _is_one_guillemet_quote(ctx, ctx.toks[s0].start, ctx.toks[comma].start):
            continue  # « … », a dit X: the direct quotation takes the cue
        kind, pieces = _quote_kind(ctx, ctx.toks[s0].start, ctx.toks[comma].start)
        if pieces:
            drafts.append(ts.QuoteDraft(kind, pieces, ctx.chars(verb, verb + 1), _subject_after(ctx, verb, entities), "postposed"))
    return drafts


def _is_one_guillemet_quote(ctx: Context, start: int, end: int) -> bool:
    """Whether [start, end) is (inside) a single guillemet quotation."""
    span = ts.trim_span(ctx.text, start, end)
    return span is not None and any(g.open <= span[0] and span[1] <= g.end for g in ctx.guillemets)


def _comma_before(ctx: Context, verb: int) -> int | None:
    """The comma or closing guillemet just before a verb and its auxiliaries."""
    k = verb - 1
    while k >= ctx.sent_start(verb) and ctx.toks[k].word in VERB_PADDING:
        k -= 1
    if k >= 0 and ctx.toks[k].text in (",", "»"):
        return k
    return None


def _followed_by_que(ctx: Context, verb: int) -> bool:
    return any(t.word in ("que", "qu'") for t in ctx.toks[verb + 1 : min(verb + 4, ctx.sent_end(verb))])


def _selon(ctx: Context, regions, entities) -> list[ts.QuoteDraft]:
    """selon SPEAKER, CONTENT | CONTENT, selon SPEAKER | A, selon SPEAKER, B."""
    drafts = []
    for i, tok in enumerate(ctx.toks):
        if tok.word != "selon" or ts.inside(regions, tok.start):
            continue
        s0, s1 = ctx.sent_start(i), ctx.sent_end(i)
        end = i + 1
        while end < s1 and ctx.toks[end].text not in CLAUSE_PUNCT:
            end += 1
        text_end = ctx.toks[s1 - 1].end
        apposed = _apposed_person(ctx, end, s1, entities, allow_title=True)
        if apposed is not None:  # "selon son avocat, Me Olivier Garnier."
            end = s1
        before = (ctx.toks[s0].start, tok.start) if i > s0 else None
        after = (ctx.toks[end].end, text_end) if end < s1 and ctx.toks[end].text == "," else None
        pieces: list[tuple[int, int]] = []
        for part in (before, after):
            if part and ts.trim_span(ctx.text, *part):
                pieces += ts.content_pieces(ctx.text, *part)
        if pieces:
            mixed = any(ts.has_guillemet(ctx.text, *p) for p in (before, after) if p)
            speaker = apposed or _reduce_speaker(ctx, i + 1, end, entities)
            drafts.append(ts.QuoteDraft("mixed" if mixed else "indirect", pieces, (tok.start, tok.end), speaker, "selon"))
    return drafts


def _direct(ctx: Context, cue: set[int], entities) -> list[ts.QuoteDraft]:
    """Every « … » span, with its cue and speaker when a reporting verb is attached."""
    drafts = []
    for g in ctx.guillemets:
        if g.content is None:
            continue
        draft = ts.QuoteDraft("direct", [g.content], source="guillemets")
        for attach in (_attach_incise, _attach_after, _attach_before):
            if attach(ctx, g, draft, cue, entities):
                break
        drafts.append(draft)
    return drafts


def _token_at(ctx: Context, offset: int) -> int | None:
    """Index of the token starting at or after ``offset``."""
    lo, hi = 0, len(ctx.toks)
    while lo < hi:
        mid = (lo + hi) // 2
        if ctx.toks[mid].start < offset:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(ctx.toks) else None


def _attach_after(ctx: Context, g: ts.Guillemets, draft: ts.QuoteDraft, cue: set[int], entities) -> bool:
    """« … », a déclaré X."""
    if g.close is None:
        return False
    k = _token_at(ctx, g.close + 1)
    if k is None:
        return False
    if ctx.toks[k].text == ",":
        k += 1
    while k < len(ctx.toks) and ctx.toks[k].word in VERB_PADDING:
        k += 1
    if k < len(ctx.toks) and k in cue and ctx.toks[k].start - g.close < 40:
        draft.cue = ctx.chars(k, k + 1)
        draft.speaker = _subject_after(ctx, k, entities)
        return True
    return False


def _attach_before(ctx: Context, g: ts.Guillemets, draft: ts.QuoteDraft, cue: set[int], entities) -> bool:
    """X a déclaré : « … »."""
    k = _token_at(ctx, g.open)
    if k is None or k == 0 or ctx.toks[k - 1].text != ":":
        return False
    for v in range(k - 2, max(-1, k - 8), -1):
        if v in cue:
            draft.cue = ctx.chars(v, v + 1)
            draft.speaker = _subject_before(ctx, v, entities)
            return True
        if ctx.toks[v].text in CLAUSE_PUNCT:
            return False
    return False


def _attach_incise(ctx: Context, g: ts.Guillemets, draft: ts.QuoteDraft, cue: set[int], entities) -> bool:
    """« A, a-t-il ajouté, B »: the incise splits the content in two."""
    assert g.content is not None, "called for a quotation with content"
    c_start, c_end = g.content
    for v in sorted(k for k in cue if c_start < ctx.toks[k].start < c_end):
        comma = _comma_before(ctx, v)
        if comma is None or ctx.toks[comma].text != ",":
            continue
        close = v + 1
        while close < len(ctx.toks) and ctx.toks[close].end <= c_end and ctx.toks[close].text not in (",", ".") and close - v < 8:
            close += 1
        if close >= len(ctx.toks) or ctx.toks[close].end > c_end or ctx.toks[close].text not in (",", "."):
            continue
        pieces = [p for p in (ts.trim_span(ctx.text, c_start, ctx.toks[comma].start), ts.trim_span(ctx.text, ctx.toks[close].end, c_end)) if p]
        if pieces:
            draft.content = pieces
            draft.cue = ctx.chars(v, v + 1)
            draft.speaker = _subject_after(ctx, v, entities)
            return True
    return False


# --------------------------------------------------------------------------
# Events


def find_events(ctx: Context, entities: list[EntityMention], cues: set[tuple[int, int]]) -> list[EventMention]:
    """Lexicon triggers with the one Destination/Place rule."""
    events = []
    for i, entry in _triggers(ctx, cues):
        args = _place_argument(ctx, i, entry.type, entities)
        mention = ts.event(ctx.text, entry.type, ctx.chars(i, i + 1), args)
        if mention is not None:
            events.append(mention)
    return events


def _triggers(ctx: Context, cues: set[tuple[int, int]]) -> list[tuple[int, lx.TriggerEntry]]:
    """(token index, entry) of every trigger, one per token, adjacent repeats merged."""
    lex = lx.event_triggers()
    words = [t.word for t in ctx.toks]
    found: list[tuple[int, lx.TriggerEntry]] = []
    covered = -1
    for i, word in enumerate(words):
        if i <= covered or word not in lex.by_form or lx.is_excluded(lex, words, i):
            continue
        entry = _matching_entry(lex, words, i)
        if entry is None:
            continue
        head = i + entry.head
        if (ctx.toks[head].start, ctx.toks[head].end) in cues:
            continue
        covered = i + len(entry.words) - 1
        if found and found[-1][1].type == entry.type and head - found[-1][0] <= 2:
            continue  # "élections législatives": one event, the first word
        found.append((head, entry))
    return found


def _matching_entry(lex: lx.TriggerLexicon, words: list[str], i: int) -> lx.TriggerEntry | None:
    for entry in lex.by_form[words[i]]:
        if not lx.rest_matches(entry, words, i):
            continue
        if entry.reflexive and not lx.reflexive_before(words, i):
            continue
        if entry.pos == "V" and i > 0 and words[i - 1] in DETERMINERS and words[i] not in lex.noun_forms:
            continue  # "le marché", "un arrêté": a noun, not the verb
        return entry
    return None


def _place_argument(ctx: Context, i: int, type_: str, entities: list[EntityMention]) -> list:
    """A LOC entity after à/en/dans/vers, a few tokens after the trigger."""
    role = next((r for r in ("Place", "Destination") if r in EVENT_ROLES[type_]), None)
    if role is None:
        return []
    s1 = ctx.sent_end(i)
    starts = {e.start: e for e in entities if e.label == "LOC"}
    for k in range(i + 1, min(s1, i + 1 + MAX_ARGUMENT_DISTANCE)):
        tok = ctx.toks[k]
        if tok.word in PLACE_PREPOSITIONS and k + 1 < s1:
            nxt = ctx.toks[k + 1]
            mention = starts.get(nxt.start)
            if mention is None and nxt.word in ("l'", "la", "le", "les") and k + 2 < s1:
                mention = starts.get(ctx.toks[k + 2].start)
            if mention is not None:
                arg = ts.argument(ctx.text, (mention.start, mention.end), role)
                return [arg] if arg else []
    return []
