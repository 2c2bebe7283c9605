"""The one record format shared by gold annotations and system predictions.

Gold and predictions go through the same pydantic models so that a prediction
file is checked by exactly the rules the gold obeys; gold is only stricter
(``validation.check_document(..., gold=True)``): it must carry ids, entity links and span texts, which a
prediction may leave out. The label inventories below are the ones the
annotation guidelines (``gold/GUIDELINES.md``) define; changing one is a
guideline change and changes the dataset fingerprint.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from benchmark.errors import DataError

SCHEMA_VERSION = "2.0"

# Named-entity labels (guidelines section 1). No other label is annotated.
ENTITY_LABELS: tuple[str, ...] = ("PER", "ORG", "LOC")

# Quotation kinds (guidelines section 2).
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed")

# Event types and the roles each admits (guidelines section 3.1): the 33
# subtypes of ACE 2005 (English Annotation Guidelines for Events, v5.4.3) with
# ACE's role names, in the guidelines' order. ACE's eight Time-* roles are merged
# into "Time"; "Place" is admitted where ACE admits it, i.e. by every type but
# the three that have none (the movement types have Origin/Destination instead).
TIME = ("Time",)
TIME_PLACE = ("Time", "Place")
EVENT_ROLES: dict[str, tuple[str, ...]] = {
    "Life.Be-Born": ("Person", *TIME_PLACE),
    "Life.Marry": ("Person", *TIME_PLACE),
    "Life.Divorce": ("Person", *TIME_PLACE),
    "Life.Injure": ("Agent", "Victim", "Instrument", *TIME_PLACE),
    "Life.Die": ("Agent", "Victim", "Instrument", *TIME_PLACE),
    "Movement.Transport": ("Agent", "Artifact", "Vehicle", "Price", "Origin", "Destination", *TIME),
    "Transaction.Transfer-Ownership": ("Buyer", "Seller", "Beneficiary", "Artifact", "Price", *TIME_PLACE),
    "Transaction.Transfer-Money": ("Giver", "Recipient", "Beneficiary", "Money", *TIME_PLACE),
    "Business.Start-Org": ("Agent", "Org", *TIME_PLACE),
    "Business.Merge-Org": ("Org", *TIME_PLACE),
    "Business.Declare-Bankruptcy": ("Org", *TIME_PLACE),
    "Business.End-Org": ("Org", *TIME_PLACE),
    "Conflict.Attack": ("Attacker", "Target", "Instrument", *TIME_PLACE),
    "Conflict.Demonstrate": ("Entity", *TIME_PLACE),
    "Contact.Meet": ("Entity", *TIME_PLACE),
    "Contact.Phone-Write": ("Entity", *TIME),
    "Personnel.Start-Position": ("Person", "Entity", "Position", *TIME_PLACE),
    "Personnel.End-Position": ("Person", "Entity", "Position", *TIME_PLACE),
    "Personnel.Nominate": ("Person", "Agent", "Position", *TIME_PLACE),
    "Personnel.Elect": ("Person", "Entity", "Position", *TIME_PLACE),
    "Justice.Arrest-Jail": ("Person", "Agent", "Crime", *TIME_PLACE),
    "Justice.Release-Parole": ("Person", "Entity", "Crime", *TIME_PLACE),
    "Justice.Trial-Hearing": ("Defendant", "Prosecutor", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Charge-Indict": ("Defendant", "Prosecutor", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Sue": ("Plaintiff", "Defendant", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Convict": ("Defendant", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Sentence": ("Defendant", "Adjudicator", "Crime", "Sentence", *TIME_PLACE),
    "Justice.Fine": ("Entity", "Adjudicator", "Money", "Crime", *TIME_PLACE),
    "Justice.Execute": ("Person", "Agent", "Crime", *TIME_PLACE),
    "Justice.Extradite": ("Agent", "Person", "Destination", "Origin", "Crime", *TIME),
    "Justice.Acquit": ("Defendant", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Appeal": ("Plaintiff", "Adjudicator", "Crime", *TIME_PLACE),
    "Justice.Pardon": ("Defendant", "Adjudicator", "Crime", *TIME_PLACE),
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_ROLES)


class _Record(BaseModel):
    # Unknown fields are errors: a misspelt field name must not pass as "absent".
    model_config = ConfigDict(extra="forbid")


class Span(_Record):
    """A character span into the document's ``text``, end exclusive."""

    # Strict: an offset is a JSON integer; true, "31" and 31.0 are refused, not coerced.
    start: int = Field(ge=0, strict=True)
    end: int = Field(ge=0, strict=True)
    text: str | None = Field(default=None, description="Must equal text[start:end]; required in gold.")


class EntityMention(Span):
    id: str | None = None
    label: str
    entity: str | None = Field(default=None, description="Id of the entity this mention refers to (coreference).")


class Quote(_Record):
    id: str | None = None
    kind: str
    content: list[Span] = Field(min_length=1)
    cue: Span | None = None
    speaker: Span | None = None
    speaker_entity: str | None = Field(default=None, description="Entity id of the speaker, or null.")
    parent: str | None = Field(default=None, description="Id of the quotation this one is nested in.")


class EventArgument(Span):
    role: str


class EventMention(_Record):
    id: str | None = None
    event: str | None = Field(default=None, description="Event id shared by coreferent mentions.")
    type: str
    trigger: Span
    arguments: list[EventArgument] = Field(default_factory=list)


class Source(_Record):
    """Where the text of a referenced record lives (guidelines §4): a file of a fetched
    outside corpus, pinned by the SHA-256 of its bytes. Such a record carries no text,
    so that a corpus we may not commit (WiNER-fr's Wikinews articles) never is."""

    corpus: str = Field(description="The outside corpus, as `python -m benchmark fetch` names it (winer-fr).")
    path: str = Field(pattern=r"^[A-Za-z0-9_./-]+$", description="The file's path inside the fetched corpus.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file's bytes.")

class DraftedBy(_Record):
    """Which machine source drafted a gold record, and which layers it filled
    (GUIDELINES §4, §7): kept after review, so that the gold never silently
    leans toward a system scored on it."""

    source: str = Field(min_length=1)
    layers: list[str] = Field(min_length=1)


class Document(_Record):
    """One document. A layer set to ``None`` (or left out) is a layer the system
    does not predict: it is not scored, which is different from an empty list.

    A record file has either ``text`` or ``source`` (a referenced record, whose
    spans then carry offsets only); in memory a joined referenced record has both."""

    id: str
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    text: str | None = Field(default=None, description="The full text; absent from a record that references it (source).")
    source: Source | None = Field(default=None, description="The fetched file holding the text of a referenced record.")
    entities: list[EntityMention] | None = None
    quotes: list[Quote] | None = None
    events: list[EventMention] | None = None
    drafted_by: DraftedBy | None = Field(default=None, description="Gold only: the draft source and layers the annotators started from.")

    def joined_text(self) -> str:
        """The text of a record that has it in memory: every validated record does (a
        referenced one once joined with its fetched file, ``references.join``). Code
        past validation reads the text through this, so a record that skipped the
        join fails here, named, instead of somewhere downstream on ``None``."""
        if self.text is None:
            raise DataError("(in memory)", self.id, "text",
                            "no text: a record that references its text must be joined with its fetched corpus first")
        return self.text


LAYERS: tuple[str, ...] = ("entities", "quotes", "events")


def record_json_schema() -> dict:
    """The JSON Schema of one record, as committed in ``gold/schema/``."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"newsbench record (schema {SCHEMA_VERSION})"
    return schema
