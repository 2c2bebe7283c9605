"""Word lists of the newsbench extractors, and the French conjugation helper.

Every list lives in ``resources/`` as a plain text file (one entry a line,
``#`` comments) so that a reader can audit what the systems know, and every
file's sha256 goes into the extractors' provenance so that any edit shows in a
result. The lists were written blind to the benchmark's test data; their
headers say where each comes from.

Reporting verbs and verb triggers are stored as infinitives; ``conjugate``
generates the inflected forms news prose uses (participles, présent,
imparfait, passé simple, futur, conditionnel, participe présent), so that the
rules extractor, which has no lemmatiser, can match word forms. Irregular
verbs are listed explicitly in ``_IRREGULAR`` by their principal parts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from benchmark.systems.base import Resource

RESOURCES_DIR = Path(__file__).parent / "resources"

# Every data file either extractor reads; their hashes are the provenance.
RESOURCE_FILES: tuple[str, ...] = (
    "countries_fr.txt",
    "capitals_fr.txt",
    "places_fr.txt",
    "first_names.txt",
    "titles.txt",
    "org_cues.txt",
    "sentence_stopwords.txt",
    "reporting_verbs.txt",
    "event_triggers.txt",
    "time_words.txt",
    # The closed word classes each extractor matches tokens against (one list a file).
    "rules_connectors.txt",
    "rules_name_particles.txt",
    "rules_articles.txt",
    "rules_determiners.txt",
    "rules_inverted_pronouns.txt",
    "rules_pronouns.txt",
    "rules_verb_padding.txt",
    "rules_conjunction_que.txt",
    "rules_stop_prepositions.txt",
    "rules_place_prepositions.txt",
    "rules_title_modifiers.txt",
    "rules_adjective_suffixes.txt",
    "rules_not_adjectives.txt",
    "spacy_receiving_lemmas.txt",
    "spacy_pronouns.txt",
    "spacy_verb_padding.txt",
    "spacy_auxiliary_forms.txt",
    "spacy_place_cases.txt",
    "spacy_origin_cases.txt",
    "spacy_of_cases.txt",
    "spacy_determiners.txt",
    "spacy_relative_pronouns.txt",
    "spacy_clitic_pronouns.txt",
    "doubling_verbs.txt",
    "demonym_suffixes.txt",
    "abbreviations.txt",
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@lru_cache(maxsize=65536)
def norm(word: str) -> str:
    """Lower case with one apostrophe, the key every word list is matched on.

    News text mixes the typographic (’) and the ASCII (') apostrophe; both are
    one character, so normalising never moves an offset.
    """
    return word.translate(_APOSTROPHES).lower()


@lru_cache(maxsize=65536)
def norm_case(word: str) -> str:
    """Like ``norm`` but case-preserving (for case-sensitive lists)."""
    return word.translate(_APOSTROPHES)


# --------------------------------------------------------------------------
# Loading


@cache
def load(filename: str) -> Resource:
    """Read one file of ``resources/``: its entries and the sha256 of its bytes.

    Relative to this module so that the package works wherever it is copied.
    """
    data = (RESOURCES_DIR / filename).read_bytes()
    lines = data.decode("utf-8").splitlines()
    entries = tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return Resource(filename=filename, entries=entries, sha256=hashlib.sha256(data).hexdigest())


@cache
def words(filename: str) -> frozenset[str]:
    """The entries of one file of ``resources/`` as a set, exactly as written (a closed
    word class an extractor matches tokens against; the caller normalises the token)."""
    return frozenset(load(filename).entries)


def resource_hashes() -> dict[str, str]:
    """sha256 of every data file, for ``provenance()``."""
    return {name: load(name).sha256 for name in RESOURCE_FILES}


# --------------------------------------------------------------------------
# Conjugation

# Principal parts of irregular verbs, keyed by the ending they share with
# their compounds (``mettre`` covers admettre, promettre…): past participle,
# présent 3sg, présent 3pl, imparfait stem, passé simple 3sg, passé simple
# 3pl, futur stem, participe présent. The longest matching key wins, so
# ``prendre`` is not conjugated like ``vendre`` and ``prévoir`` not like
# ``voir``.
_IRREGULAR: dict[str, tuple[str, str, str, str, str, str, str, str]] = {
    "dire": ("dit", "dit", "disent", "dis", "dit", "dirent", "dir", "disant"),
    "crire": ("crit", "crit", "crivent", "criv", "crivit", "crivirent", "crir", "crivant"),
    "mettre": ("mis", "met", "mettent", "mett", "mit", "mirent", "mettr", "mettant"),
    "venir": ("venu", "vient", "viennent", "ven", "vint", "vinrent", "viendr", "venant"),
    "tenir": ("tenu", "tient", "tiennent", "ten", "tint", "tinrent", "tiendr", "tenant"),
    "prendre": ("pris", "prend", "prennent", "pren", "prit", "prirent", "prendr", "prenant"),
    "connaître": ("connu", "connaît", "connaissent", "connaiss", "connut", "connurent", "connaîtr", "connaissant"),
    "paraître": ("paru", "paraît", "paraissent", "paraiss", "parut", "parurent", "paraîtr", "paraissant"),
    "mentir": ("menti", "ment", "mentent", "ment", "mentit", "mentirent", "mentir", "mentant"),
    "partir": ("parti", "part", "partent", "part", "partit", "partirent", "partir", "partant"),
    "sortir": ("sorti", "sort", "sortent", "sort", "sortit", "sortirent", "sortir", "sortant"),
    "mourir": ("mort", "meurt", "meurent", "mour", "mourut", "moururent", "mourr", "mourant"),
    "fuir": ("fui", "fuit", "fuient", "fuy", "fuit", "fuirent", "fuir", "fuyant"),
    "clure": ("clu", "clut", "cluent", "clu", "clut", "clurent", "clur", "cluant"),
    "suivre": ("suivi", "suit", "suivent", "suiv", "suivit", "suivirent", "suivr", "suivant"),
    "croire": ("cru", "croit", "croient", "croy", "crut", "crurent", "croir", "croyant"),
    "voir": ("vu", "voit", "voient", "voy", "vit", "virent", "verr", "voyant"),
    "prévoir": ("prévu", "prévoit", "prévoient", "prévoy", "prévit", "prévirent", "prévoir", "prévoyant"),
    "faire": ("fait", "fait", "font", "fais", "fit", "firent", "fer", "faisant"),
    "lire": ("lu", "lit", "lisent", "lis", "lut", "lurent", "lir", "lisant"),
    "cevoir": ("çu", "çoit", "çoivent", "cev", "çut", "çurent", "cevr", "cevant"),
    "battre": ("battu", "bat", "battent", "batt", "battit", "battirent", "battr", "battant"),
    "uire": ("uit", "uit", "uisent", "uis", "uisit", "uisirent", "uir", "uisant"),
    "ouvrir": ("ouvert", "ouvre", "ouvrent", "ouvr", "ouvrit", "ouvrirent", "ouvrir", "ouvrant"),
    "offrir": ("offert", "offre", "offrent", "offr", "offrit", "offrirent", "offrir", "offrant"),
    "quérir": ("quis", "quiert", "quièrent", "quér", "quit", "quirent", "querr", "quérant"),
    "aindre": ("aint", "aint", "aignent", "aign", "aignit", "aignirent", "aindr", "aignant"),
    "eindre": ("eint", "eint", "eignent", "eign", "eignit", "eignirent", "eindr", "eignant"),
    "oindre": ("oint", "oint", "oignent", "oign", "oignit", "oignirent", "oindr", "oignant"),
    "envoyer": ("envoyé", "envoie", "envoient", "envoy", "envoya", "envoyèrent", "enverr", "envoyant"),
    "rompre": ("rompu", "rompt", "rompent", "romp", "rompit", "rompirent", "rompr", "rompant"),
    "promouvoir": ("promu", "promeut", "promeuvent", "promouv", "promut", "promurent", "promouvr", "promouvant"),
    "cueillir": ("cueilli", "cueille", "cueillent", "cueill", "cueillit", "cueillirent", "cueiller", "cueillant"),
    "choir": ("chu", "choit", "choient", "choy", "chut", "churent", "choir", "choyant"),
    "vaincre": ("vaincu", "vainc", "vainquent", "vainqu", "vainquit", "vainquirent", "vaincr", "vainquant"),
}

# -eler/-eter verbs that double their consonant (appelle) instead of taking
# a grave accent (martèle, achète).
_DOUBLING = words("doubling_verbs.txt")

_CONSONANT = "[^aeiouyéèêëàâîïôûù]"


def _participle_forms(pp: str) -> set[str]:
    """The four agreements of a past participle (dit, dite, dits, dites)."""
    if pp.endswith("s"):
        return {pp, pp + "e", pp + "es"}
    return {pp, pp + "e", pp + "s", pp + "es"}


def _from_parts(infinitive: str, parts: tuple[str, ...]) -> set[str]:
    pp, pres_sg, pres_pl, impf, ps_sg, ps_pl, fut, ppr = parts
    forms = {infinitive, pres_sg, pres_pl, impf + "ait", impf + "aient", ps_sg, ps_pl, ppr}
    forms |= {fut + "a", fut + "ont", fut + "ait", fut + "aient"}
    return forms | _participle_forms(pp)


def _irregular_parts(infinitive: str) -> tuple[str, ...] | None:
    """Principal parts from the longest irregular key the verb ends with."""
    for key in sorted(_IRREGULAR, key=len, reverse=True):
        if infinitive.endswith(key):
            prefix = infinitive[: -len(key)]
            return tuple(prefix + part for part in _IRREGULAR[key])
    return None


def _first_group_strong_stems(infinitive: str, stem: str) -> set[str]:
    """Stems before a silent e (présent, futur): lève, appelle, révèle, emploie."""
    if stem.endswith(("oy", "uy")):
        return {stem[:-1] + "i"}
    if stem.endswith("ay"):
        return {stem, stem[:-1] + "i"}
    if infinitive in _DOUBLING:
        return {stem + stem[-1]}
    if re.search(rf"(?<![aeiouy])e{_CONSONANT}$", stem):
        return {stem[:-2] + "è" + stem[-1]}
    match = re.search(rf"é({_CONSONANT}{{1,2}})$", stem)
    if match:
        return {stem[: match.start()] + "è" + match.group(1)}
    return {stem}


def _first_group(infinitive: str) -> set[str]:
    """Forms of an -er verb, with the spelling changes of c/g and of stem vowels."""
    stem = infinitive[:-2]
    soft = stem[:-1] + "ç" if stem.endswith("c") else stem + "e" if stem.endswith("g") else stem
    forms = {infinitive, stem + "èrent", soft + "ait", soft + "aient", soft + "a", soft + "ant"}
    forms |= _participle_forms(stem + "é")
    for strong in _first_group_strong_stems(infinitive, stem):
        forms |= {strong + "e", strong + "ent"}
        # futur / conditionnel: both the traditional (révélera) and the
        # reformed (révèlera) spelling appear in print.
        for fut in {strong + "er", infinitive}:
            forms |= {fut + "a", fut + "ont", fut + "ait", fut + "aient"}
    return forms


def _second_group(infinitive: str) -> set[str]:
    """Forms of an -ir verb with -iss- (avertir, envahir, périr)."""
    stem = infinitive[:-2]
    parts = (stem + "i", stem + "it", stem + "issent", stem + "iss", stem + "it", stem + "irent", infinitive, stem + "issant")
    return _from_parts(infinitive, parts)


def _dre_verb(infinitive: str) -> set[str]:
    """Forms of a regular -dre verb (répondre, vendre, perdre)."""
    stem = infinitive[:-2]
    parts = (stem + "u", stem, stem + "ent", stem, stem + "it", stem + "irent", infinitive[:-1], stem + "ant")
    return _from_parts(infinitive, parts)


@cache
def conjugate(infinitive: str) -> frozenset[str]:
    """The inflected forms news prose uses of a French verb, infinitive included.

    Third person only (reported speech and events are told in the third
    person): past participle m/f/pl, présent, imparfait, passé simple, futur,
    conditionnel, participe présent.
    """
    verb = norm(infinitive)
    parts = _irregular_parts(verb)
    if parts is not None:
        return frozenset(_from_parts(verb, parts))
    if verb.endswith("er"):
        return frozenset(_first_group(verb))
    if verb.endswith("ir"):
        return frozenset(_second_group(verb))
    if verb.endswith("dre"):
        return frozenset(_dre_verb(verb))
    return frozenset({verb})


@cache
def noun_forms(noun: str) -> frozenset[str]:
    """Singular and plural of a noun (attaque/attaques, bureau/bureaux, tribunal/tribunaux)."""
    word = norm(noun)
    if word.endswith(("s", "x", "z")):
        return frozenset({word})
    if word.endswith("al"):
        return frozenset({word, word + "s", word[:-2] + "aux"})
    if word.endswith(("eau", "au", "eu")):
        return frozenset({word, word + "x", word + "s"})
    return frozenset({word, word + "s"})


def split_reflexive(entry: str) -> tuple[str, bool]:
    """("se rendre" | "s'entretenir") -> ("rendre" | "entretenir", True)."""
    entry = norm(entry)
    if entry.startswith("se "):
        return entry[3:], True
    if entry.startswith("s'"):
        return entry[2:], True
    return entry, False


# --------------------------------------------------------------------------
# Reporting verbs


@dataclass(frozen=True)
class ReportingLexicon:
    lemmas: frozenset[str]
    forms: dict[str, str]  # inflected form -> lemma


@cache
def reporting_verbs() -> ReportingLexicon:
    """Reporting verbs with all their generated forms (reflexive clitic dropped)."""
    lemmas: list[str] = []
    forms: dict[str, str] = {}
    for entry in load("reporting_verbs.txt").entries:
        lemma, _ = split_reflexive(entry)
        lemmas.append(lemma)
        for form in sorted(conjugate(lemma)):
            forms.setdefault(form, lemma)
    return ReportingLexicon(lemmas=frozenset(lemmas), forms=forms)


# --------------------------------------------------------------------------
# Event triggers


@dataclass(frozen=True)
class TriggerEntry:
    """One line of event_triggers.txt."""

    type: str
    pos: str  # "V" verb, "N" noun, "W" literal word form
    words: tuple[str, ...]  # normalised; words[0] is the lemma (V/N) or form (W)
    head: int  # index in ``words`` of the trigger word
    reflexive: bool
    forms: frozenset[str]  # inflected forms of words[0]

    @property
    def lemma(self) -> str:
        return self.words[0]


@dataclass(frozen=True)
class ExcludePattern:
    """A context in which a form is not a trigger ("à partir", "cour d'appel")."""

    slots: tuple[frozenset[str], ...]  # accepted forms at each position
    star: int  # position of the would-be trigger


@dataclass(frozen=True)
class TriggerLexicon:
    entries: tuple[TriggerEntry, ...]
    by_form: dict[str, tuple[TriggerEntry, ...]]  # form of the first word -> entries, longest first
    by_lemma: dict[tuple[str, str], tuple[TriggerEntry, ...]]  # (pos, lemma) -> entries, longest first
    excludes: dict[str, tuple[ExcludePattern, ...]]  # starred form -> patterns
    noun_forms: frozenset[str]  # every form of an N entry (a noun reading is licensed)
    lemmas: frozenset[str]  # first words of all entries (a cheap pre-filter)


def _forms_of(pos: str, word: str) -> frozenset[str]:
    if pos == "V":
        return conjugate(word)
    if pos == "N":
        return noun_forms(word)
    return frozenset({norm(word)})


def _split_words(text: str) -> list[str]:
    """Words of a multi-word entry, the elided article kept with its apostrophe."""
    return re.findall(r"\*?[^\s']+'?", norm(text))


def _parse_entry(type_: str, line: str) -> TriggerEntry:
    pos, _, rest = line.partition(" ")
    rest, reflexive = split_reflexive(rest.strip())
    raw = _split_words(rest)
    head = next((i for i, word in enumerate(raw) if word.startswith("*")), 0)
    words = tuple(word.lstrip("*") for word in raw)
    return TriggerEntry(type=type_, pos=pos, words=words, head=head, reflexive=reflexive, forms=_forms_of(pos, words[0]))


def _parse_exclude(line: str) -> ExcludePattern:
    pos, _, rest = line.partition(" ")
    raw = _split_words(rest)
    star = next(i for i, word in enumerate(raw) if word.startswith("*"))
    slots = tuple(_forms_of(pos, word.lstrip("*")) if i == star else frozenset({word}) for i, word in enumerate(raw))
    return ExcludePattern(slots=slots, star=star)


def _index(entries: list[TriggerEntry], key) -> dict:
    """Group entries by key, longest entries first, then in file order."""
    grouped: dict = {}
    for entry in entries:
        for k in key(entry):
            grouped.setdefault(k, []).append(entry)
    return {k: tuple(sorted(v, key=lambda e: -len(e.words))) for k, v in grouped.items()}


@cache
def event_triggers() -> TriggerLexicon:
    """Parse event_triggers.txt into lookup tables (see the file's header)."""
    entries: list[TriggerEntry] = []
    excludes: dict[str, list[ExcludePattern]] = {}
    section = None
    for line in load("event_triggers.txt").entries:
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "exclude":
            pattern = _parse_exclude(line)
            for form in pattern.slots[pattern.star]:
                excludes.setdefault(form, []).append(pattern)
        elif section is None:
            raise ValueError(f"event_triggers.txt: {line!r} comes before any [section], so it has no event type")
        else:
            entries.append(_parse_entry(section, line))
    nouns = frozenset(form for e in entries if e.pos == "N" for form in e.forms)
    return TriggerLexicon(
        entries=tuple(entries),
        by_form=_index(entries, lambda e: e.forms),
        by_lemma=_index(entries, lambda e: [(e.pos, e.words[0])]),
        excludes={k: tuple(v) for k, v in excludes.items()},
        noun_forms=nouns,
        lemmas=frozenset(e.words[0] for e in entries),
    )


def rest_matches(entry: TriggerEntry, words: list[str], i: int) -> bool:
    """Whether words[i+1:] continue a multi-word entry whose first word is at i."""
    tail = entry.words[1:]
    return tuple(words[i + 1 : i + 1 + len(tail)]) == tail


def reflexive_before(words: list[str], i: int, window: int = 4) -> bool:
    """A reflexive clitic among the few words before i ("s'est rendu", "se sont rendus")."""
    return any(w in ("se", "s'") for w in words[max(0, i - window) : i])


def is_excluded(lexicon: TriggerLexicon, words: list[str], i: int) -> bool:
    """Whether the word at i sits in one of the [exclude] contexts."""
    for pattern in lexicon.excludes.get(words[i], ()):
        start = i - pattern.star
        if start < 0 or start + len(pattern.slots) > len(words):
            continue
        if all(words[start + k] in slot for k, slot in enumerate(pattern.slots)):
            return True
    return False


# --------------------------------------------------------------------------
# Names


class Gazetteer:
    """Place names matched case-sensitively on whole tokens.

    Entries are indexed by their first word so that a lookup at a token costs
    a handful of string comparisons, whatever the list's size.
    """

    def __init__(self, entries: tuple[str, ...]):
        self.names = frozenset(norm_case(e) for e in entries)
        by_first: dict[str, list[str]] = {}
        for name in self.names:
            by_first.setdefault(first_word(name), []).append(name)
        self.by_first = {k: sorted(v, key=len, reverse=True) for k, v in by_first.items()}

    def __contains__(self, name: str) -> bool:
        return norm_case(name) in self.names

    def match_at(self, text: str, start: int, first: str, token_ends: set[int]) -> int | None:
        """End offset of the longest entry starting at ``start`` and ending on a token end."""
        for name in self.by_first.get(first, ()):
            end = start + len(name)
            if end in token_ends and norm_case(text[start:end]) == name:
                return end
        return None


def first_word(text: str) -> str:
    """The leading run of word characters ("Côte", "Saint" of "Saint-Denis"):
    the same key whether a tokenizer splits "Tel-Aviv" at its hyphen or not."""
    match = re.match(r"\w+", norm_case(text))
    return match.group(0) if match else norm_case(text)


@cache
def places() -> Gazetteer:
    """Countries, capitals, regions and cities: the LOC gazetteer."""
    names = load("countries_fr.txt").entries + load("capitals_fr.txt").entries + load("places_fr.txt").entries
    return Gazetteer(names)


@cache
def first_names() -> frozenset[str]:
    return frozenset(norm_case(e) for e in load("first_names.txt").entries)


def is_first_name(word: str) -> bool:
    """A listed given name, or a hyphenated compound whose first part is one (Jean-Pierre)."""
    names = first_names()
    word = norm_case(word)
    return word in names or word.split("-")[0] in names


@cache
def titles() -> frozenset[str]:
    """Every honorific and function noun of titles.txt."""
    return frozenset(norm(e.lstrip("+")) for e in load("titles.txt").entries)


@cache
def portfolio_titles() -> frozenset[str]:
    """Titles whose capitalised complement is part of the title ("ministre des Finances")."""
    return frozenset(norm(e[1:]) for e in load("titles.txt").entries if e.startswith("+"))


@dataclass(frozen=True)
class OrgCues:
    words: frozenset[str]  # open an organisation name when capitalised
    lowercase_heads: frozenset[str]  # also open one in lower case before "de + Name"


@cache
def org_cues() -> OrgCues:
    entries = load("org_cues.txt").entries
    words = frozenset(norm(e.lstrip("+")) for e in entries)
    heads = frozenset(norm(e[1:]) for e in entries if e.startswith("+"))
    return OrgCues(words=words, lowercase_heads=heads)


@cache
def sentence_stopwords() -> frozenset[str]:
    return frozenset(norm_case(e) for e in load("sentence_stopwords.txt").entries)


@cache
def time_words() -> frozenset[str]:
    return frozenset(norm(e) for e in load("time_words.txt").entries)


@lru_cache(maxsize=65536)
def is_time_word(word: str) -> bool:
    """A listed time word (or its plural: "jours", "années"), or a year (1900-2099)."""
    w = norm(word)
    words = time_words()
    return w in words or (w[-1:] in ("s", "x") and w[:-1] in words) or bool(re.fullmatch(r"(19|20)\d\d", w))


def warm_up() -> None:
    """Parse every list now (they are cached), so that the first document
    processed does not pay for it."""
    reporting_verbs(), event_triggers(), places(), first_names(), titles(), portfolio_titles()
    org_cues(), sentence_stopwords(), time_words(), resource_hashes()


_DEMONYM_SUFFIXES = load("demonym_suffixes.txt").entries


def looks_like_demonym(word: str) -> bool:
    """A capitalised inhabitant noun ("les Sénégalais", "des Ukrainiens"): a
    nationality, not a place. Only called after a determiner, where a place
    name rarely stands without a preposition; places of the gazetteer are
    checked first by the callers."""
    w = norm(word)
    return len(w) > 4 and w.isalpha() and w.endswith(_DEMONYM_SUFFIXES)

