"""The contract every competing extractor fulfils, and the helpers they share.

An extractor turns seed documents into prediction records (``Document``), and
says what a result must record to be reproduced (``provenance``). The runner
builds it from its Hydra config with ``hydra.utils.instantiate(cfg.model)``:
the config's keys are the constructor's keyword parameters, ``name`` and
``version`` included, so a config file is the complete description of a
system and nothing else is read from the environment.

Adding an extractor:

1. Subclass ``Extractor`` in a module of this package. Take every setting as a
   keyword parameter of ``__init__`` (plain values: the runner instantiates
   with ``_convert_="all"``, so mappings arrive as ``dict``), and call
   ``super().__init__(name=name, version=version)``.
2. ``predict`` returns one ``Document`` per input, same order, same ``id``,
   ``date`` and ``text``; offsets index ``text``, end exclusive, and a span
   never starts or ends with whitespace or punctuation (use ``trim_span``).
   Set a layer to ``None`` if the system does not predict it (not scored),
   to ``[]`` if it predicts nothing for that document. Two runs on the same
   input must give equal output.
3. ``provenance`` returns JSON-serialisable facts that change the output when
   they change: model package and version, hash of every data file read
   (``Resource.sha256``), the parameters. ``base_provenance`` gives the common
   part.
4. Add ``configs/model/<name>.yaml`` with ``_target_`` and every parameter,
   and a test in ``tests/test_extractors.py`` that builds it from that file.
"""

from __future__ import annotations

import abc
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import Document, EntityMention, EventMention, Quote


class Extractor(abc.ABC):
    """A system under evaluation: seed documents in, prediction records out."""

    name: str
    version: str
    # True when ``predict`` on a slice of the documents gives exactly that slice's
    # records (no state across documents), so the runner may feed documents in
    # chunks and show their progress. False is always safe: one call, no bar.
    per_document: bool = False

    def __init__(self, *, name: str, version: str):
        self.name = str(name)
        self.version = str(version)

    @abc.abstractmethod
    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        """One record per document, in the same order, with the same ids and texts."""

    @abc.abstractmethod
    def provenance(self) -> dict:
        """What a result must record so that someone else can reproduce it."""

    def base_provenance(self, **parameters: object) -> dict:
        """The part of ``provenance`` common to every extractor."""
        cls = type(self)
        return {
            "extractor": f"{cls.__module__}.{cls.__qualname__}",
            "name": self.name,
            "version": self.version,
            "parameters": parameters,
        }


def make_document(
    seed: SeedDocument,
    entities: list[EntityMention] | None,
    quotes: list[Quote] | None,
    events: list[EventMention] | None,
) -> Document:
    """A prediction record that repeats the seed's id, date and text verbatim."""
    return Document(id=seed.id, date=seed.date, text=seed.text, entities=entities, quotes=quotes, events=events)


def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink [start, end) past whitespace and punctuation at its edges.

    The guidelines forbid both at a span's edges, and the validator rejects
    whitespace there; ``None`` when nothing is left.
    """
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


@dataclass(frozen=True)
class Resource:
    """One data file of ``resources/``: its entries and the hash that identifies it."""

    filename: str
    entries: tuple[str, ...]  # non-blank lines that are not ``#`` comments, stripped
    sha256: str


@cache
def load_resource(filename: str) -> Resource:
    """Read a lexicon shipped in ``benchmark/systems/resources``.

    Loaded through importlib.resources so that it works from a checkout or an
    installed package alike; the sha256 is of the file's bytes, comments
    included, so any edit shows in a result's provenance.
    """
    data = resources.files("benchmark.systems").joinpath("resources", filename).read_bytes()
    lines = data.decode("utf-8").splitlines()
    entries = tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return Resource(filename=filename, entries=entries, sha256=hashlib.sha256(data).hexdigest())
