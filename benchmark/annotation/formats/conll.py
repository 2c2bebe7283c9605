"""CoNLL-2003-style IOB2 columns, export only.

One file per document, ``ID.conll``: a ``-DOCSTART-`` line, then one line per
canonical token (``token`` and one IOB2 tag per tag layer, space-separated,
in the order of ``COLUMNS``), a blank line after each sentence. Tokens,
sentences and tags are exactly those of the packaged dataset
(``dataset.to_row``), so a model trained on this file sees the benchmark's
own tokenisation. A nested quotation is not in the content column (IOB2
cannot nest), as in the dataset.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from benchmark.data.alignment import split_sentences
from benchmark.data.dataset import to_row
from benchmark.data.layers import TAG_LAYERS
from benchmark.data.schema import Document
from benchmark.errors import DataError, DataErrors

COLUMNS = ("token", *(layer.feature for layer in TAG_LAYERS))


def export_document(doc: Document) -> str:
    row = to_row(doc)
    tags = [[layer.names[i] for i in row[layer.feature]] for layer in TAG_LAYERS]
    bad = [token for token in row["tokens"] if not token or any(c.isspace() for c in token)]
    if bad:
        raise DataErrors([DataError(doc.id, doc.id, "tokens", f"tokens {bad!r} contain whitespace and cannot be a CoNLL column")])
    lines = ["-DOCSTART- " + " ".join("O" for _ in TAG_LAYERS)]
    starts = row["sentence_starts"]
    # Cut as the scorer cuts: a chunk that crosses a sentence boundary restarts with B-.
    columns = [split_sentences(layer_tags, starts) for layer_tags in tags]
    bounds = [*starts, len(row["tokens"])]
    for n, (begin, end) in enumerate(pairwise(bounds)):
        sentence = row["tokens"][begin:end]
        lines.append("")
        lines += [" ".join([token, *(column[n][i] for column in columns)]) for i, token in enumerate(sentence)]
    return "\n".join(lines) + "\n\n"


def export(docs: list[Document], out_dir: Path) -> dict[Path, bytes]:
    return {out_dir / f"{doc.id}.conll": export_document(doc).encode() for doc in docs}
