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

SCHEMA_VERSION = "1.0"

# Named-entity labels (guidelines section 1). No other label is annotated.
ENTITY_LABELS: tuple[str, ...] = ("PER", "ORG", "LOC")

# Quotation kinds (guidelines section 2).
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed")

# Event types and the roles each admits (guidelines section 3), after ACE 2005.
COMMON_ROLES = ("Time", "Place")
EVENT_ROLES: dict[str, tuple[str, ...]] = {
    "Contact.Meet": ("Participant", "Topic", *COMMON_ROLES),
    "Contact.Phone-Write": ("Agent", "Recipient", "Participant", "Topic", *COMMON_ROLES),
    "Movement.Transport": ("Agent", "Artifact", "Vehicle", "Origin", "Destination", *COMMON_ROLES),
    "Personnel.Elect": ("Person", "Agent", "Position", *COMMON_ROLES),
    "Personnel.Start-Position": ("Person", "Entity", "Position", *COMMON_ROLES),
    "Personnel.End-Position": ("Person", "Entity", "Position", *COMMON_ROLES),
    "Conflict.Attack": ("Attacker", "Target", "Instrument", *COMMON_ROLES),
    "Conflict.Demonstrate": ("Entity", *COMMON_ROLES),
    "Transaction.Transfer-Ownership": ("Giver", "Recipient", "Artifact", "Price", *COMMON_ROLES),
    "Justice.Arrest-Jail": ("Person", "Agent", "Crime", *COMMON_ROLES),
    "Life.Die": ("Victim", "Agent", "Instrument", *COMMON_ROLES),
    "Life.Injure": ("Victim", "Agent", "Instrument", *COMMON_ROLES),
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


class DraftedBy(_Record):
    """Which machine source drafted a gold record, and which layers it filled
    (GUIDELINES §4, §7): kept after review, so that the gold never silently
    leans toward a system scored on it."""

    source: str = Field(min_length=1)
    layers: list[str] = Field(min_length=1)


class Document(_Record):
    """One document. A layer set to ``None`` (or left out) is a layer the system
    does not predict: it is not scored, which is different from an empty list."""

    id: str
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    text: str
    entities: list[EntityMention] | None = None
    quotes: list[Quote] | None = None
    events: list[EventMention] | None = None
    drafted_by: DraftedBy | None = Field(default=None, description="Gold only: the draft source and layers the annotators started from.")


LAYERS: tuple[str, ...] = ("entities", "quotes", "events")


def record_json_schema() -> dict:
    """The JSON Schema of one record, as committed in ``gold/schema/``."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"newsbench record (schema {SCHEMA_VERSION})"
    return schema
