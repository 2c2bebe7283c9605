"""spaCy ``DocBin`` of the entity layer, export only (``newsbench.spacy``).

Each ``Doc`` is made by the canonical tokenizer (``spacy.blank("fr")``, the
one ``alignment.tokenize`` uses), so ``doc.text`` is the record's text and
every gold entity falls on token boundaries (``char_span`` in strict mode);
the document id is kept in ``doc.user_data["id"]``. Load it with
``DocBin().from_disk(path).get_docs(nlp.vocab)``, e.g. to train or evaluate
a spaCy NER component (``spacy train --paths.dev newsbench.spacy``).
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.tokens import DocBin

from benchmark.data.alignment import TOKENIZER_NAME
from benchmark.data.schema import Document
from benchmark.errors import DataError, DataErrors

FILE_NAME = "newsbench.spacy"


def to_spacy(doc: Document, nlp) -> spacy.tokens.Doc:
    sdoc = nlp.make_doc(doc.text)
    spans, errors = [], []
    for i, m in enumerate(doc.entities or []):
        span = sdoc.char_span(m.start, m.end, label=m.label, alignment_mode="strict")
        if span is None:
            errors.append(DataError(doc.id, doc.id, f"entities[{i}]", f"[{m.start}, {m.end}) is not on {TOKENIZER_NAME} token boundaries"))
        else:
            spans.append(span)
    if errors:
        raise DataErrors(errors)
    sdoc.ents = spans
    sdoc.user_data["id"] = doc.id
    return sdoc


def export(docs: list[Document], out_dir: Path) -> dict[Path, bytes]:
    nlp = spacy.blank("fr")
    binary = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for doc in docs:
        binary.add(to_spacy(doc, nlp))
    return {out_dir / FILE_NAME: binary.to_bytes()}
