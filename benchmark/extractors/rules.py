"""A transparent rule baseline: capitalisation, gazetteers and word lists only.

No statistical model is involved: tokens come from the canonical
``spacy.blank("fr")`` tokenizer the scorer uses, and every decision is a rule
below or an entry of a lexicon in ``resources/`` (each file says where its
entries come from; their sha256 goes into the provenance). It is the floor a
learned system has to beat, and its lexicons and text-level quotation rules
are shared with the spaCy extractor so that the two differ by the parse only.

Entities: maximal runs of capitalised tokens (function words, weekdays and
honorifics never start one), split before a first name, typed in this order:
place gazetteer (countries, capitals, regions) → organisation/place cue word
in the name → title complement ("ministre des Affaires étrangères": a
portfolio, dropped) → organisation head noun ("département d'État": ORG,
noun included) → honorific or function noun before it, or a first name →
acronym → place head noun ("la ville de Homs") → place preposition ("en",
"au") → a name already typed in the document (a surname repeats its person)
→ ``default_label``. A lone capitalised word opening a sentence with no such
evidence and never capitalised elsewhere is taken for a common word.

Quotations: guillemets (a wrongly oriented « closes; a missing closing mark
closes at the incise that carries the cue, or at the end of the paragraph; a
paragraph reopening « with no cue continues the previous quotation), reporting
verbs with a complement clause (``X a dit [à Y] que …``), postposed cues
(``…, a déclaré X``) and ``selon X``. The speaker is the name in the source NP
if there is one, else the NP.

Events: trigger words of ``event_triggers.txt`` with the roles of
``event_roles.txt`` given to the adjacent subject name, the first name after
the verb, a place after a locative preposition and an adjacent time word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import spacy

from benchmark.alignment import SENTENCE_FINAL, tokenize
from benchmark.corpus import SeedDocument
from benchmark.extractors.base import Extractor, load_resource, make_document, trim_span
from benchmark.schema import ENTITY_LABELS, EVENT_ROLES, Document, EntityMention, EventArgument, EventMention, Quote, Span

RESOURCE_FILES = (
    "countries_fr.txt",
    "capitals_fr.txt",
    "first_names.txt",
    "titles.txt",
    "stopwords_fr.txt",
    "time_words.txt",
    "entity_cues.txt",
    "reporting_verbs.txt",
    "event_triggers.txt",
    "event_roles.txt",
)

# Closed classes of French grammar used by the rules (not lexicons: they do not
# grow with the vocabulary).
AUXILIARIES = frozenset(
    "a ont avait avaient aurait auraient aura auront eut eurent ai as avons avez "
    "est sont était étaient sera seront serait seraient fut été".split()
)
PRONOUN_CLITICS = frozenset("-il -elle -ils -elles -on".split())
VERB_SATELLITES = frozenset("-t ne n' pas se s' y en".split())  # between subject and verb, or in inversions
CONNECTIVE_ADVERBS = frozenset(
    "également aussi encore ensuite alors enfin notamment déjà toutefois cependant pourtant "
    "néanmoins ainsi d'ailleurs plus tard publiquement officiellement dernier dernière soir matin".split()
)
JOINERS = frozenset("de du des d' la l'".split())
NAME_PARTICLES = frozenset("de d'".split())  # "Charles de Gaulle"
DETERMINERS = frozenset("le la les l' un une des du au aux ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes".split())
COMPLEMENTISERS = frozenset("que qu'".split())
SPEAKER_STOP = frozenset(
    "à au aux dans lors sur en pour devant pendant après avant selon que qu' qui dont où et ou mais car "
    "depuis par avec alors tandis lorsque lorsqu' quand si comme contre chez vers ne n' :".split()
)
PREPOSITIONAL_STARTS = frozenset("à au aux dans devant lors sur par en auprès".split())  # "a dit à X que", "a indiqué dans un communiqué que"
LOCATIVE_PREPOSITIONS = frozenset("à au aux en dans vers sur".split())
PLACE_PREPOSITIONS = frozenset("en au aux".split())  # "en X", "au X": X is a place unless a cue says otherwise
RECIPROCAL_PREPOSITIONS = frozenset("entre avec".split())
OPENING_MARKS = {"«": "«»", "“": "“”"}  # opening mark -> marks that close it (a wrongly oriented one included)
MAX_SPEAKER_TOKENS = 12
MAX_CUE_TO_QUE = 14


def key(word: str) -> str:
    """Lookup form of a token: lower case, typographic apostrophe as ASCII."""
    return word.replace("’", "'").lower()


def is_punct(word: str) -> bool:
    return all(not c.isalnum() for c in word)


def is_capitalised(word: str) -> bool:
    return word[:1].isupper()


# ---------------------------------------------------------------- lexicons


@dataclass(frozen=True)
class RoleRow:
    """Roles of a trigger's syntactic arguments (a row of ``event_roles.txt``)."""

    subject_transitive: str | None
    subject_intransitive: str | None
    object: str | None
    locative: str | None

    def complement(self) -> str | None:
        """Role of a noun trigger's de-complement: the object's, else the subject's."""
        return self.object or self.subject_intransitive


@dataclass(frozen=True)
class Lexicons:
    places: frozenset[tuple[str, ...]]  # token tuples, case kept, apostrophes normalised
    first_names: frozenset[str]
    title_abbrs: frozenset[str]
    title_nouns: frozenset[str]
    portfolio_nouns: frozenset[str]
    stopwords: frozenset[str]
    time_words: frozenset[str]
    name_cues: dict[str, str]  # capitalised word inside a name -> label
    head_cues: dict[str, str]  # lower-case head noun before "de Name" -> label
    reporting_forms: dict[str, str]  # inflected form -> lemma
    reporting_lemmas: frozenset[str]
    trigger_forms: dict[str, tuple[str, str]]  # inflected form -> (lemma, type)
    trigger_lemmas: dict[str, tuple[str, str]]  # lemma -> (type, VERB|NOUN)
    roles: dict[str, RoleRow]  # "Type" or "Type/lemma" -> roles
    hashes: dict[str, str]  # file name -> sha256

    def role_row(self, event_type: str, lemma: str) -> RoleRow:
        return self.roles.get(f"{event_type}/{lemma}") or self.roles[event_type]

    def is_place(self, words: Sequence[str]) -> bool:
        return tuple(w.replace("’", "'") for w in words) in self.places


def _columns(entry: str, n: int) -> list[str]:
    parts = entry.split("\t")
    if len(parts) < n:
        raise ValueError(f"lexicon entry {entry!r} has fewer than {n} tab-separated columns")
    return parts


def _place_tuples(names: Sequence[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(name[a:b].replace("’", "'") for a, b in tokenize(name)) for name in names)


def _role_rows(entries: Sequence[str]) -> dict[str, RoleRow]:
    rows = {}
    for entry in entries:
        k, *roles = _columns(entry, 5)
        rows[k] = RoleRow(*(None if r == "-" else r for r in roles[:4]))
    return rows


@lru_cache(maxsize=1)
def load_lexicons() -> Lexicons:
    """Every lexicon of ``resources/``, parsed once per process."""
    res = {name: load_resource(name) for name in RESOURCE_FILES}
    titles = [_columns(e, 2) for e in res["titles.txt"].entries]
    cues = [_columns(e, 2) for e in res["entity_cues.txt"].entries]
    reporting = [_columns(e, 2) for e in res["reporting_verbs.txt"].entries]
    triggers = [_columns(e, 4) for e in res["event_triggers.txt"].entries]
    head_cues = {c[0]: c[1] for c in cues if len(c) > 2 and c[2] == "head"}
    name_cues = {c[0]: c[1] for c in cues}
    name_cues.update({w[:1].upper() + w[1:]: label for w, label in head_cues.items()})
    return Lexicons(
        places=_place_tuples(res["countries_fr.txt"].entries + res["capitals_fr.txt"].entries),
        first_names=frozenset(res["first_names.txt"].entries),
        title_abbrs=frozenset(w for kind, w, *_ in titles if kind == "abbr"),
        title_nouns=frozenset(key(w) for kind, w, *_ in titles if kind in ("noun", "portfolio")),
        portfolio_nouns=frozenset(key(w) for kind, w, *_ in titles if kind == "portfolio"),
        stopwords=frozenset(key(w) for w in res["stopwords_fr.txt"].entries),
        time_words=frozenset(key(w) for w in res["time_words.txt"].entries),
        name_cues=name_cues,
        head_cues=head_cues,
        reporting_forms={key(f): lemma for lemma, forms, *_ in reporting for f in forms.split()},
        reporting_lemmas=frozenset(lemma for lemma, *_ in reporting),
        trigger_forms={key(f): (lemma, etype) for lemma, etype, _, forms, *_ in triggers for f in forms.split()},
        trigger_lemmas={lemma: (etype, pos) for lemma, etype, pos, *_ in triggers},
        roles=_role_rows(res["event_roles.txt"].entries),
        hashes={name: r.sha256 for name, r in sorted(res.items())},
    )


# ---------------------------------------------------------------- text analysis


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    text: str
    key: str


@dataclass
class Analysis:
    """Tokens of one text with their sentence and paragraph numbers."""

    text: str
    toks: list[Tok]
    sentence: list[int]
    paragraph: list[int]
    sentence_bounds: list[tuple[int, int]]  # [first, end) token index per sentence

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character span of tokens first..last (inclusive)."""
        return self.toks[first].start, self.toks[last].end

    def sentence_range(self, i: int) -> tuple[int, int]:
        return self.sentence_bounds[self.sentence[i]]

    def is_sentence_initial(self, i: int) -> bool:
        """First word of its sentence, opening punctuation («, tirets) aside."""
        first, _ = self.sentence_range(i)
        return all(is_punct(t.text) for t in self.toks[first:i])


def analyse(text: str, offsets: Sequence[tuple[int, int]]) -> Analysis:
    """Sentences end after ., !, ?, … or at a line break; paragraphs at a line break."""
    toks = [Tok(a, b, text[a:b], key(text[a:b])) for a, b in offsets]
    sentence, paragraph, bounds = [], [], []
    sent = para = 0
    first = 0
    for i, tok in enumerate(toks):
        if i > 0:
            gap = text[toks[i - 1].end : tok.start]
            new_para = "\n" in gap
            if new_para or toks[i - 1].text in SENTENCE_FINAL:
                bounds.append((first, i))
                first, sent = i, sent + 1
            para += new_para
        sentence.append(sent)
        paragraph.append(para)
    if toks:
        bounds.append((first, len(toks)))
    return Analysis(text, toks, sentence, paragraph, bounds)


# ---------------------------------------------------------------- entities


@dataclass(frozen=True)
class Mention:
    first: int  # token index, inclusive
    last: int  # token index, inclusive
    label: str


def _multiword_places(an: Analysis, lex: Lexicons) -> list[tuple[int, int]]:
    """Longest gazetteer matches of two tokens or more ("Arabie saoudite", "Côte d'Ivoire")."""
    longest = max((len(p) for p in lex.places), default=0)
    found, i = [], 0
    while i < len(an.toks):
        for n in range(min(longest, len(an.toks) - i), 1, -1):
            words = [t.text for t in an.toks[i : i + n]]
            if an.sentence[i] == an.sentence[i + n - 1] and lex.is_place(words):
                found.append((i, i + n - 1))
                i += n
                break
        else:
            i += 1
    return found


def _is_name_token(tok: Tok, lex: Lexicons) -> bool:
    return (
        is_capitalised(tok.text)
        and not is_punct(tok.text)
        and tok.key not in lex.stopwords
        and tok.key not in lex.time_words
        and tok.text not in lex.title_abbrs
    )


def _name_runs(an: Analysis, lex: Lexicons, claimed: set[int]) -> list[list[int]]:
    """Maximal runs of name tokens in one sentence. A capitalised function word
    ("Le Pen") or a particle after a first name ("Charles de Gaulle") or after
    an organisation cue ("Banque de France") continues a run when a name follows."""
    runs: list[list[int]] = []
    run: list[int] = []
    i = 0
    while i < len(an.toks):
        tok = an.toks[i]
        if i not in claimed and _is_name_token(tok, lex):
            if run and (an.sentence[run[-1]] != an.sentence[i] or run[-1] != i - 1):
                runs.append(run)
                run = []
            run.append(i)
            i += 1
            continue
        bridge = _bridge_length(an, lex, run, i, claimed) if run and run[-1] == i - 1 else 0
        if bridge:
            run.extend(range(i, i + bridge))
            i += bridge
            continue
        if run:
            runs.append(run)
            run = []
        i += 1
    if run:
        runs.append(run)
    return runs


def _bridge_length(an: Analysis, lex: Lexicons, run: list[int], i: int, claimed: set[int]) -> int:
    """How many tokens from i continue the run into a following name (0: none)."""
    words = [an.toks[j] for j in run]
    for n in (1, 2):
        after = i + n
        if after >= len(an.toks) or after in claimed or not _is_name_token(an.toks[after], lex):
            continue
        middle = an.toks[i:after]
        if any(an.sentence[j] != an.sentence[i] or j in claimed for j in range(i, after + 1)):
            continue
        if n == 1 and middle[0].text == "-" and an.toks[i - 1].end == middle[0].start and middle[0].end == an.toks[after].start:
            return n  # "France-Presse", which the tokenizer splits at the hyphen
        if all(is_capitalised(t.text) and t.key in lex.stopwords for t in middle):
            return n  # "Le Pen", "La Fontaine"
        if n == 1 and middle[0].key in NAME_PARTICLES and len(words) == 1 and words[0].text in lex.first_names:
            return n  # "Charles de Gaulle"
        if all(t.key in JOINERS for t in middle) and any(w.text in lex.name_cues for w in words):
            return n  # "Banque de France", "Ministère des Affaires"
    return 0


def _split_at_first_names(run: list[int], an: Analysis, lex: Lexicons) -> list[list[int]]:
    """Cut before a first name that follows a non-first-name token: the run
    "État Robert Palladino" (of "département d'État Robert Palladino") holds two names."""
    segments, current = [], [run[0]]
    for j in run[1:]:
        prev = an.toks[current[-1]].text
        word = an.toks[j].text
        if _first_name(word, lex) and not _first_name(prev, lex) and an.toks[current[-1]].key not in JOINERS:
            segments.append(current)
            current = []
        current.append(j)
    segments.append(current)
    return segments


def _first_name(word: str, lex: Lexicons) -> bool:
    """A listed first name, or a hyphenated compound whose first part is one."""
    return word in lex.first_names or word.split("-")[0] in lex.first_names


def _left_context(an: Analysis, i: int, skip: Callable[[Tok], bool], limit: int) -> int | None:
    """Index of the first token left of i (same sentence) that ``skip`` does not pass over."""
    j = i - 1
    while j >= 0 and an.sentence[j] == an.sentence[i] and i - j <= limit + 1:
        if not skip(an.toks[j]):
            return j
        j -= 1
    return None


def _lowercase_word(tok: Tok, lex: Lexicons) -> bool:
    """A lower-case content word (an adjective between a noun and its complement)."""
    return tok.text[:1].islower() and not is_punct(tok.text) and tok.key not in lex.stopwords


def _after_joiners(an: Analysis, first: int) -> int | None:
    """Index of the word before the de/du/des/d'/de la that precedes a name, if any."""
    j = first - 1
    seen = 0
    while j >= 0 and an.toks[j].key in JOINERS and seen < 2:
        j, seen = j - 1, seen + 1
    if seen == 0 or an.toks[first - seen].key not in ("de", "du", "des", "d'"):
        return None
    return j if j >= 0 and an.sentence[j] == an.sentence[first] else None


def _head_before(an: Analysis, lex: Lexicons, first: int, heads: Callable[[str], bool], adjectives: int) -> int | None:
    """The head noun of "NOUN [adj…] de Name" before a name, if it satisfies ``heads``."""
    j = _after_joiners(an, first)
    for _ in range(adjectives + 1):
        if j is None or j < 0:
            return None
        if heads(an.toks[j].key):
            return j
        if not _lowercase_word(an.toks[j], lex):
            return None
        j -= 1
    return None


def _portfolio(an: Analysis, lex: Lexicons, first: int) -> bool:
    """Whether the name complements a portfolio title: in "ministre (russe) des
    Affaires étrangères" or "secrétaire d'État" it names a portfolio, not an
    organisation (guidelines §1.1)."""
    j = _after_joiners(an, first)
    for _ in range(3):
        if j is None or j < 0 or an.sentence[j] != an.sentence[first]:
            return False
        if an.toks[j].key in lex.portfolio_nouns:
            return True
        if not _lowercase_word(an.toks[j], lex) or an.toks[j].key in lex.title_nouns:
            return False
        j -= 1
    return False


def _titled(an: Analysis, lex: Lexicons, first: int) -> bool:
    """Right after an honorific ("M.") or a function noun and its adjectives ("président intérimaire")."""
    j = _left_context(an, first, lambda t: _lowercase_word(t, lex) and t.key not in lex.title_nouns, 2)
    if first > 0 and an.toks[first - 1].text in lex.title_abbrs:
        return True
    return j is not None and an.toks[j].key in lex.title_nouns


def _type_segment(an: Analysis, lex: Lexicons, seg: list[int]) -> tuple[str | None, int]:
    """(label, first token of the mention): the first rule that applies, in the
    order of the module docstring; label None when no rule does, "SKIP" for a
    portfolio."""
    first, words = seg[0], [an.toks[j].text for j in seg]
    if lex.is_place(words):
        return "LOC", first
    surface = an.text[an.toks[first].start : an.toks[seg[-1]].end]
    for word in [*words, *surface.split()]:  # tokens, and hyphenated compounds whole ("Maison-Blanche")
        if word in lex.name_cues:
            return lex.name_cues[word], first
    if _portfolio(an, lex, first):
        return "SKIP", first
    org_head = _head_before(an, lex, first, lambda k: lex.head_cues.get(k) == "ORG", 0)
    if org_head is not None:
        return "ORG", org_head
    if _titled(an, lex, first) or _first_name(words[0], lex):
        return "PER", first
    if all(len(w) >= 2 and w.isupper() and w.isalpha() for w in words):
        return "ORG", first
    if _head_before(an, lex, first, lambda k: lex.head_cues.get(k) == "LOC", 2) is not None:
        return "LOC", first
    if first > 0 and an.toks[first - 1].key in PLACE_PREPOSITIONS:
        return "LOC", first
    return None, first


def _sentence_initial_guess(an: Analysis, seg: list[int], mid_sentence: set[str]) -> bool:
    """A lone capitalised word opening a sentence that never appears capitalised
    elsewhere is most likely a common word ("Manifestations…")."""
    return len(seg) == 1 and an.is_sentence_initial(seg[0]) and an.toks[seg[0]].text not in mid_sentence


def _propagate(an: Analysis, segs: list[tuple[list[int], str | None]], default_label: str | None) -> list[Mention]:
    """Give an untyped name the label of the same name elsewhere in the document:
    a surname repeats its person ("Mike Pompeo" … "Pompeo")."""
    by_text: dict[str, str] = {}
    by_word: dict[str, str] = {}
    for seg, label in segs:
        if label is not None:
            by_text.setdefault(" ".join(an.toks[j].text for j in seg), label)
            if label == "PER":
                for j in seg:
                    by_word.setdefault(an.toks[j].text, "PER")
    mentions = []
    for seg, label in segs:
        text = " ".join(an.toks[j].text for j in seg)
        label = label or by_text.get(text) or (by_word.get(text) if len(seg) == 1 else None) or default_label
        if label is not None:
            mentions.append(Mention(seg[0], seg[-1], label))
    return mentions


def find_entities(an: Analysis, lex: Lexicons, default_label: str | None) -> list[Mention]:
    """Named mentions by capitalisation and gazetteers (see the module docstring)."""
    places = _multiword_places(an, lex)
    claimed = {j for a, b in places for j in range(a, b + 1)}
    mid_sentence = {t.text for i, t in enumerate(an.toks) if is_capitalised(t.text) and not an.is_sentence_initial(i)}
    typed: list[tuple[list[int], str | None]] = [(list(range(a, b + 1)), "LOC") for a, b in places]
    for run in _name_runs(an, lex, claimed):
        for seg in _split_at_first_names(run, an, lex):
            label, first = _type_segment(an, lex, seg)
            if label == "SKIP" or (label is None and _sentence_initial_guess(an, seg, mid_sentence)):
                continue
            typed.append((list(range(first, seg[-1] + 1)), label))
    typed.sort(key=lambda t: t[0][0])
    return _propagate(an, typed, default_label)


# ---------------------------------------------------------------- quotations


@dataclass
class QuoteDraft:
    kind: str
    content: list[tuple[int, int]]  # character spans
    cue: int | None = None  # token index
    speaker: tuple[int, int] | None = None  # character span
    parent: QuoteDraft | None = None
    opens_paragraph: bool = False

    def covers(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.content)


# A function that, given the analysis and a cue token, returns the speaker's
# character span or None: the rule extractor reads it off the token sequence,
# the spaCy extractor off the parse.
SpeakerFinder = Callable[[Analysis, int, str], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Guillemets:
    content_start: int
    content_end: int
    closed: bool  # False: no closing mark before the end of the paragraph
    opens_paragraph: bool


def find_guillemets(text: str) -> list[Guillemets]:
    """Quoted stretches. An opening mark is closed by the next mark of its pair,
    whatever its orientation (« … « counts as closed), else by the end of the
    paragraph: guillemets never span a line break, French typography reopens
    them on each new paragraph."""
    found = []
    offset = 0
    for paragraph in text.split("\n"):
        opened: tuple[int, str] | None = None
        for pos, char in enumerate(paragraph):
            if opened is None and char in OPENING_MARKS:
                opened = (pos, OPENING_MARKS[char])
            elif opened is not None and char in opened[1]:
                found.append(_guillemets(paragraph, offset, opened[0], pos, True))
                opened = None
        if opened is not None:
            found.append(_guillemets(paragraph, offset, opened[0], len(paragraph), False))
        offset += len(paragraph) + 1
    return found


def _guillemets(paragraph: str, offset: int, open_pos: int, close_pos: int, closed: bool) -> Guillemets:
    return Guillemets(offset + open_pos + 1, offset + close_pos, closed, not paragraph[:open_pos].strip())


def _in_verb_group(tok: Tok, lex: Lexicons) -> bool:
    """Auxiliary, clitic, negation or adverb around a verb ("a-t-il également")."""
    k = tok.key
    return k in AUXILIARIES or k in PRONOUN_CLITICS or k in VERB_SATELLITES or k in CONNECTIVE_ADVERBS or k in lex.time_words


def _skip_verb_group(an: Analysis, lex: Lexicons, i: int, limit: int = 5) -> int:
    """Index of the first token from i rightwards that is not part of a verb group."""
    for _ in range(limit):
        if i >= len(an.toks) or not _in_verb_group(an.toks[i], lex):
            break
        i += 1
    return i


def _verb_group_start(an: Analysis, lex: Lexicons, verb: int) -> int:
    """Index of the first token of the verb group that ends with ``verb`` ("n'a pas été arrêté")."""
    j = verb
    while j > 0 and an.sentence[j - 1] == an.sentence[verb] and _in_verb_group(an.toks[j - 1], lex):
        j -= 1
    return j


def cue_after(an: Analysis, lex: Lexicons, i: int) -> int | None:
    """Index of a postposed cue starting at token i (", a déclaré …", ", estime-t-il")."""
    j = _skip_verb_group(an, lex, i)
    if j < len(an.toks) and an.toks[j].key in lex.reporting_forms and an.sentence[j] == an.sentence[i]:
        return j
    return None


def _region_after(an: Analysis, lex: Lexicons, cue: int) -> tuple[int, int] | None:
    """Tokens of the NP after a postposed cue: past a date ("lundi"), up to a
    preposition or punctuation ("une source diplomatique | à Caracas")."""
    i = cue + 1
    while i < len(an.toks) and (an.toks[i].key in lex.time_words or an.toks[i].key in CONNECTIVE_ADVERBS):
        i += 1
    j = i
    while (
        j < len(an.toks)
        and j - i < MAX_SPEAKER_TOKENS
        and an.sentence[j] == an.sentence[cue]
        and not is_punct(an.toks[j].text)
        and an.toks[j].key not in SPEAKER_STOP
        and an.toks[j].key not in lex.time_words
        and an.toks[j].key not in lex.reporting_forms
    ):
        j += 1
    return (i, j - 1) if j > i else None


def _region_before(an: Analysis, lex: Lexicons, cue: int) -> tuple[int, int] | None:
    """Tokens of the subject NP before a cue, its auxiliaries and adverbs aside."""
    j = _verb_group_start(an, lex, cue) - 1
    end = j
    while (
        j >= 0
        and end - j < MAX_SPEAKER_TOKENS
        and an.sentence[j] == an.sentence[cue]
        and not is_punct(an.toks[j].text)
        and an.toks[j].key not in SPEAKER_STOP
    ):
        j -= 1
    return (j + 1, end) if end > j else None


def _clitic_near(an: Analysis, cue: int) -> int | None:
    """A subject clitic of an inversion next to the cue ("a-t-il déclaré", "estime-t-elle")."""
    for j in (cue - 1, cue + 1, cue + 2):
        if 0 <= j < len(an.toks) and an.toks[j].key in PRONOUN_CLITICS and an.sentence[j] == an.sentence[cue]:
            return j
    return None


def _clitic_span(an: Analysis, j: int) -> tuple[int, int]:
    tok = an.toks[j]
    return tok.start + 1, tok.end  # without the hyphen


def choose_speaker(an: Analysis, region: tuple[int, int], mentions: Sequence[Mention]) -> tuple[int, int] | None:
    """The name denoting the source: a person named in the NP (the last one: the
    apposition to a title comes last), or a name heading the NP; else the NP."""
    first, last = region
    inside = [m for m in mentions if m.first >= first and m.last <= last]
    persons = [m for m in inside if m.label == "PER"]
    if persons:
        return an.span(persons[-1].first, persons[-1].last)
    head = first + (an.toks[first].key in DETERMINERS)
    leading = [m for m in inside if m.first == head]
    if leading:
        return an.span(leading[0].first, leading[0].last)
    return trim_span(an.text, *an.span(first, last))


def linear_speaker(mentions: Sequence[Mention]) -> SpeakerFinder:
    """Speaker from the token sequence: the NP after a postposed cue, before a preposed one."""

    def find(an: Analysis, cue: int, position: str) -> tuple[int, int] | None:
        lex = load_lexicons()
        clitic = _clitic_near(an, cue)
        if clitic is not None:
            return _clitic_span(an, clitic)
        region = _region_after(an, lex, cue) if position == "after" else _region_before(an, lex, cue)
        return choose_speaker(an, region, mentions) if region else None

    return find


def _tokens_within(an: Analysis, start: int, end: int) -> list[int]:
    return [i for i, t in enumerate(an.toks) if t.start >= start and t.end <= end]


def _incise(an: Analysis, lex: Lexicons, toks: list[int]) -> tuple[int, int] | None:
    """(comma index, cue index) of the first ", a dit X" inside a token range."""
    for i in toks:
        if an.toks[i].text == ",":
            cue = cue_after(an, lex, i + 1)
            if cue is not None:
                return i, cue
    return None


def _direct_quote(an: Analysis, lex: Lexicons, g: Guillemets, speaker: SpeakerFinder) -> QuoteDraft | None:
    toks = _tokens_within(an, g.content_start, g.content_end)
    end, cue, position = g.content_end, None, "after"
    if not g.closed:
        incise = _incise(an, lex, toks)
        if incise is not None:
            end, cue = an.toks[incise[0]].start, incise[1]
    else:
        after = [i for i, t in enumerate(an.toks) if t.start >= g.content_end + 1]
        if after:
            k = after[0] + (an.toks[after[0]].text == ",")
            cue = cue_after(an, lex, k) if k < len(an.toks) else None
    if cue is None:
        before = [i for i, t in enumerate(an.toks) if t.end <= g.content_start - 1]
        if before and an.toks[before[-1]].text == ":":
            j = before[-1] - 1
            if j >= 0 and an.toks[j].key in lex.reporting_forms:
                cue, position = j, "before"
    span = trim_span(an.text, g.content_start, end)
    if span is None:
        return None
    return QuoteDraft(
        "direct", [span], cue, speaker(an, cue, position) if cue is not None else None, opens_paragraph=g.opens_paragraph
    )


def content_end(an: Analysis, lex: Lexicons, start_tok: int, limit_char: int | None) -> int:
    """End (characters) of a reported clause starting at a token: the sentence
    end, an enclosing quotation's end or the incise of a further cue."""
    _, sent_end = an.sentence_range(start_tok)
    toks = [i for i in range(start_tok, sent_end) if limit_char is None or an.toks[i].end <= limit_char]
    incise = _incise(an, lex, toks)
    if incise is not None:
        toks = [i for i in toks if i < incise[0]]
    return an.toks[toks[-1]].end if toks else an.toks[start_tok].start


def _enclosing(drafts: Sequence[QuoteDraft], pos: int) -> QuoteDraft | None:
    return next((d for d in drafts if d.kind == "direct" and d.covers(pos)), None)


def _determiner_before(an: Analysis, i: int) -> bool:
    """A determiner before the cue word makes it a noun ("la demande que …")."""
    return i > 0 and an.toks[i - 1].key in DETERMINERS


def _que_after(an: Analysis, lex: Lexicons, cue: int) -> int | None:
    """The complementiser of "X a dit [à Y | dans Z] que …" within the cue's sentence."""
    j = _skip_verb_group(an, lex, cue + 1)
    if j >= len(an.toks) or an.sentence[j] != an.sentence[cue]:
        return None
    if an.toks[j].key in COMPLEMENTISERS:
        return j
    if an.toks[j].key not in PREPOSITIONAL_STARTS:
        return None
    for k in range(j + 1, min(cue + MAX_CUE_TO_QUE, len(an.toks))):
        tok = an.toks[k]
        if an.sentence[k] != an.sentence[cue] or tok.text in "«»“”" or tok.key in lex.reporting_forms:
            return None
        if tok.key in COMPLEMENTISERS:
            return k
    return None


def _complement_quotes(an: Analysis, lex: Lexicons, drafts: list[QuoteDraft], speaker: SpeakerFinder, used: set[int]) -> list[QuoteDraft]:
    """Indirect quotations "X a déclaré (à Y) que CONTENT"."""
    found = []
    for cue, tok in enumerate(an.toks):
        if tok.key not in lex.reporting_forms or cue in used or _determiner_before(an, cue):
            continue
        que = _que_after(an, lex, cue)
        if que is None or que + 1 >= len(an.toks):
            continue
        parent = _enclosing(drafts, tok.start)
        limit = parent_span(parent, tok.start)[1] if parent else None
        span = trim_span(an.text, an.toks[que + 1].start, content_end(an, lex, que + 1, limit))
        if span is not None:
            used.add(cue)
            found.append(QuoteDraft("indirect", [span], cue, speaker(an, cue, "before"), parent))
    return found


def _overlaps_direct(drafts: Sequence[QuoteDraft], start: int, end: int) -> bool:
    return any(d.kind == "direct" and any(a < end and start < b for a, b in d.content) for d in drafts)


def _postposed_quotes(an: Analysis, lex: Lexicons, drafts: list[QuoteDraft], speaker: SpeakerFinder, used: set[int]) -> list[QuoteDraft]:
    """Indirect quotations "CONTENT, a déclaré X." (no guillemets)."""
    found = []
    for comma, tok in enumerate(an.toks):
        if tok.text != ",":
            continue
        cue = cue_after(an, lex, comma + 1)
        if cue is None or cue in used or _que_after(an, lex, cue) is not None:
            continue
        first, _ = an.sentence_range(comma)
        while first < comma and is_punct(an.toks[first].text):
            first += 1
        parent = _enclosing(drafts, tok.start)
        start = max(an.toks[first].start, parent_span(parent, tok.start)[0]) if parent else an.toks[first].start
        if comma - first < 3 or (parent is None and _overlaps_direct(drafts, start, tok.start)):
            continue
        span = trim_span(an.text, start, tok.start)
        if span is not None:
            used.add(cue)
            found.append(QuoteDraft("indirect", [span], cue, speaker(an, cue, "after"), parent))
    return found


def _selon_content(an: Analysis, cue: int, region: tuple[int, int]) -> tuple[int, int] | None:
    """Characters reported by "selon X": what follows "Selon X," at the start of
    a sentence, else what precedes "selon" in its sentence."""
    first, end = an.sentence_range(cue)
    after = region[1] + 1
    if an.is_sentence_initial(cue) and after + 1 < end and an.toks[after].text == ",":
        return an.toks[after + 1].start, an.toks[end - 1].end
    if an.is_sentence_initial(cue):
        return None
    return an.toks[first].start, an.toks[cue].start


def _selon_quotes(an: Analysis, lex: Lexicons, mentions: Sequence[Mention], drafts: list[QuoteDraft]) -> list[QuoteDraft]:
    """Quotations attributed with "selon": "Selon X, CONTENT." and "CONTENT, selon X."."""
    found = []
    for cue, tok in enumerate(an.toks):
        region = _region_after(an, lex, cue) if tok.key == "selon" else None
        content = _selon_content(an, cue, region) if region is not None else None
        if content is None:
            continue
        parent = _enclosing(drafts, tok.start)
        if parent is not None:
            low, high = parent_span(parent, tok.start)
            content = (max(content[0], low), min(content[1], high))
        span = trim_span(an.text, *content) if content[0] < content[1] else None
        if span is None or (parent is None and _overlaps_direct(drafts, *span)):
            continue
        found.append(QuoteDraft("indirect", [span], cue, choose_speaker(an, region, mentions), parent))
    return found


def parent_span(parent: QuoteDraft, anchor: int) -> tuple[int, int]:
    """The content span of an enclosing quotation that holds a nested cue:
    a nested quotation's content stays inside it."""
    return next((a, b) for a, b in parent.content if a <= anchor < b)


def _merge_continuations(drafts: list[QuoteDraft], an: Analysis) -> list[QuoteDraft]:
    """A paragraph that reopens « with no cue of its own continues the direct
    quotation of the previous paragraph (French typography): one speech act,
    one record with several content spans."""
    kept: list[QuoteDraft] = []
    for d in drafts:
        previous = kept[-1] if kept else None
        if (
            d.kind == "direct"
            and d.cue is None
            and d.opens_paragraph
            and previous is not None
            and previous.kind == "direct"
            and _paragraph_at(an, d.content[0][0]) == _paragraph_at(an, previous.content[-1][0]) + 1
        ):
            previous.content.append(d.content[0])
            continue
        kept.append(d)
    return kept


def _paragraph_at(an: Analysis, pos: int) -> int:
    """Paragraph number of the token at or after a character position."""
    i = next((i for i, t in enumerate(an.toks) if t.end > pos), len(an.toks) - 1)
    return an.paragraph[i]


def _mark_mixed(drafts: list[QuoteDraft]) -> list[QuoteDraft]:
    """A cue-less guillemet fragment inside an indirect content makes it mixed."""
    kept = []
    for d in drafts:
        host = next(
            (h for h in drafts if h.kind == "indirect" and d.kind == "direct" and d.cue is None and h.covers(d.content[0][0])),
            None,
        )
        if host is not None:
            host.kind = "mixed"
            continue
        kept.append(d)
    return kept


# A finder of complement-clause quotations by other means (the spaCy
# extractor's parse): given the analysis, the direct quotations and the cue
# tokens already used, it returns drafts and adds the cues it used.
ClauseFinder = Callable[[Analysis, list[QuoteDraft], set[int]], list[QuoteDraft]]


def find_quotes(
    an: Analysis, lex: Lexicons, mentions: Sequence[Mention], speaker: SpeakerFinder, clauses: ClauseFinder | None = None
) -> list[QuoteDraft]:
    """Every quotation of a text, in order of first content span. ``clauses``
    runs before the linear complement-clause rule, which then only takes the
    cues it left."""
    direct = [q for g in find_guillemets(an.text) if (q := _direct_quote(an, lex, g, speaker)) is not None]
    direct = _merge_continuations(direct, an)
    used = {d.cue for d in direct if d.cue is not None}
    drafts = list(direct)
    if clauses is not None:
        drafts += clauses(an, direct, used)
    drafts += _complement_quotes(an, lex, direct, speaker, used)
    drafts += _postposed_quotes(an, lex, direct, speaker, used)
    drafts += _selon_quotes(an, lex, mentions, direct)
    drafts = _mark_mixed(drafts)
    return sorted(drafts, key=lambda d: (d.content[0][0], d.content[0][1]))


def quote_records(an: Analysis, drafts: Sequence[QuoteDraft]) -> list[Quote]:
    """Schema records with ids q1, q2… so that nested quotations can name their parent."""
    ids = {id(d): f"q{n}" for n, d in enumerate(drafts, start=1)}
    records = []
    for d in drafts:
        cue = Span(start=an.toks[d.cue].start, end=an.toks[d.cue].end, text=an.toks[d.cue].text) if d.cue is not None else None
        records.append(
            Quote(
                id=ids[id(d)],
                kind=d.kind,
                content=[_span(an.text, a, b) for a, b in sorted(d.content)],
                cue=cue,
                speaker=_span(an.text, *d.speaker) if d.speaker else None,
                parent=ids.get(id(d.parent)) if d.parent is not None else None,
            )
        )
    return records


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


# ---------------------------------------------------------------- events


@dataclass
class EventDraft:
    trigger: int  # token index
    type: str
    lemma: str
    arguments: list[tuple[str, int, int]] = field(default_factory=list)  # (role, start, end)

    def add(self, role: str | None, span: tuple[int, int] | None) -> None:
        """Keep an argument only if its role belongs to the type and it is new."""
        if role is None or span is None or role not in EVENT_ROLES[self.type]:
            return
        if any((s, e) == span for _, s, e in self.arguments):
            return
        self.arguments.append((role, *span))


def excluded_trigger(an: Analysis, i: int, lemma: str) -> bool:
    """Fixed expressions where a trigger word names no event: "à partir de",
    "appeler à" (to call for)."""
    prev = an.toks[i - 1].key if i > 0 else ""
    nxt = an.toks[i + 1].key if i + 1 < len(an.toks) else ""
    return (lemma == "partir" and prev == "à") or (lemma == "appeler" and nxt in ("à", "au", "aux"))


def _mention_at(mentions: Sequence[Mention], i: int) -> Mention | None:
    return next((m for m in mentions if m.first <= i <= m.last), None)


def _subject_mention(an: Analysis, lex: Lexicons, mentions: Sequence[Mention], trigger: int) -> tuple[Mention | None, bool]:
    """The name right before the verb group, and whether the clause is passive ("a été arrêté")."""
    start = _verb_group_start(an, lex, trigger)
    passive = any(t.key == "été" for t in an.toks[start:trigger])
    j = start - 1
    if j < 0 or an.sentence[j] != an.sentence[trigger]:
        return None, passive
    m = _mention_at(mentions, j)
    return (m if m is not None and m.last == j else None), passive


def _mention_after(an: Analysis, mentions: Sequence[Mention], i: int, window: int, stop: frozenset[str]) -> Mention | None:
    """First name within ``window`` tokens after i, not past punctuation or a stop word."""
    for j in range(i + 1, min(i + 1 + window, len(an.toks))):
        tok = an.toks[j]
        if an.sentence[j] != an.sentence[i] or is_punct(tok.text):
            return None
        m = _mention_at(mentions, j)
        if m is not None:
            return m
        if tok.key in stop:
            return None
    return None


def _locative(an: Analysis, mentions: Sequence[Mention], trigger: int) -> Mention | None:
    """A place after a locative preposition following the trigger ("arrivés à Caracas")."""
    for j in range(trigger + 1, min(trigger + 8, len(an.toks))):
        if an.sentence[j] != an.sentence[trigger] or is_punct(an.toks[j].text):
            return None
        if an.toks[j].key in LOCATIVE_PREPOSITIONS:
            m = _mention_after(an, mentions, j, 5, SPEAKER_STOP)
            return m if m is not None and m.label == "LOC" else None
    return None


def _linear_arguments(an: Analysis, lex: Lexicons, mentions: Sequence[Mention], ev: EventDraft, pos: str) -> None:
    """Names next to the trigger, by position: a floor, not an analysis."""
    roles = lex.role_row(ev.type, ev.lemma)
    i = ev.trigger
    stop = SPEAKER_STOP | {"pour"}

    def span(m: Mention | None) -> tuple[int, int] | None:
        return an.span(m.first, m.last) if m is not None else None

    if pos == "VERB":
        subject, passive = _subject_mention(an, lex, mentions, i)
        obj = None if passive else _mention_after(an, mentions, i, 8, stop)
        if obj is not None and obj.label == "LOC" and roles.object in ("Artifact", "Person", "Victim", "Recipient"):
            obj = None
        if passive:
            ev.add(roles.object, span(subject))
            nxt = i + 1 if i + 1 < len(an.toks) and an.toks[i + 1].key == "par" else None
            ev.add(roles.subject_transitive, span(_mention_after(an, mentions, nxt, 3, stop)) if nxt else None)
        else:
            ev.add(roles.subject_transitive if obj else roles.subject_intransitive, span(subject))
            ev.add(roles.object, span(obj))
    elif i + 1 < len(an.toks) and an.toks[i + 1].key in ("de", "du", "des", "d'"):
        ev.add(roles.complement(), span(_mention_after(an, mentions, i + 1, 4, stop)))
    if i + 1 < len(an.toks) and an.toks[i + 1].key in RECIPROCAL_PREPOSITIONS:
        ev.add("Participant", span(_mention_after(an, mentions, i + 1, 4, stop)))
    ev.add(roles.locative, span(_locative(an, mentions, i)))
    if i + 1 < len(an.toks) and an.toks[i + 1].key in lex.time_words and an.sentence[i + 1] == an.sentence[i]:
        ev.add("Time", an.span(i + 1, i + 1))


def find_events(an: Analysis, lex: Lexicons, mentions: Sequence[Mention]) -> list[EventDraft]:
    """Trigger words of the lexicon, outside names and fixed expressions."""
    events = []
    for i, tok in enumerate(an.toks):
        hit = lex.trigger_forms.get(tok.key)
        if hit is None or _mention_at(mentions, i) is not None:
            continue
        lemma, etype = hit
        if excluded_trigger(an, i, lemma):
            continue
        ev = EventDraft(i, etype, lemma)
        _linear_arguments(an, lex, mentions, ev, lex.trigger_lemmas[lemma][1])
        events.append(ev)
    return events


def event_records(an: Analysis, drafts: Sequence[EventDraft]) -> list[EventMention]:
    records = []
    for ev in drafts:
        tok = an.toks[ev.trigger]
        args = [EventArgument(role=r, start=s, end=e, text=an.text[s:e]) for r, s, e in sorted(ev.arguments, key=lambda a: (a[1], a[2], a[0]))]
        records.append(EventMention(type=ev.type, trigger=_span(an.text, tok.start, tok.end), arguments=args))
    return records


def entity_records(an: Analysis, mentions: Sequence[Mention]) -> list[EntityMention]:
    records = []
    for m in mentions:
        span = trim_span(an.text, *an.span(m.first, m.last))
        if span is not None:
            records.append(EntityMention(start=span[0], end=span[1], text=an.text[span[0] : span[1]], label=m.label))
    return records


# ---------------------------------------------------------------- extractor


class RulesExtractor(Extractor):
    """Capitalisation + gazetteers + word lists; no statistical model.

    ``default_label``: label of a capitalised name that no rule types
    (PER, ORG or LOC), or None to drop such names.
    """

    def __init__(self, *, name: str = "rules", version: str = "1.0", default_label: str | None = "ORG"):
        super().__init__(name=name, version=version)
        if default_label is not None and default_label not in ENTITY_LABELS:
            raise ValueError(f"default_label must be one of {ENTITY_LABELS} or null, got {default_label!r}")
        self.default_label = default_label
        self.lexicons = load_lexicons()

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        return [self._predict_one(seed) for seed in documents]

    def _predict_one(self, seed: SeedDocument) -> Document:
        an = analyse(seed.text, tokenize(seed.text))
        mentions = find_entities(an, self.lexicons, self.default_label)
        quotes = find_quotes(an, self.lexicons, mentions, linear_speaker(mentions))
        cues = {q.cue for q in quotes if q.cue is not None}
        events = [e for e in find_events(an, self.lexicons, mentions) if e.trigger not in cues]
        return make_document(seed, entity_records(an, mentions), quote_records(an, quotes), event_records(an, events))

    def provenance(self) -> dict:
        return {
            **self.base_provenance(default_label=self.default_label),
            "tokenizer": f"spacy.blank('fr') spacy=={spacy.__version__}",
            "resources": dict(self.lexicons.hashes),
        }
