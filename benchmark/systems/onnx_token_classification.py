"""``model=onnx_token_classification``: a fine-tuned NER model exported to ONNX.

The model directory is what ``optimum-cli export onnx --task
token-classification`` writes: ``model.onnx``, ``tokenizer.json`` (a fast
tokenizer: the offsets come from it) and ``config.json`` (with ``id2label``).
It runs with ``onnxruntime`` and ``tokenizers`` alone (no torch, no
transformers), so a model fine-tuned anywhere is scored here from files,
without a download.

What happens to a document, and why:

1. **Tokens with offsets.** The text is encoded without special tokens; the
   tokenizer's offset mapping gives each token's characters in the original
   text (the benchmark's offsets, end exclusive). A tokenizer whose offsets
   are all empty is refused: spans could not be placed.
2. **Windows.** A document longer than ``max_length`` (special tokens
   included) is cut into windows of ``max_length`` tokens that share
   ``stride`` tokens with the next one; each window gets the special tokens
   the tokenizer's post-processor adds (``[CLS] … [SEP]``, ``<s> … </s>``).
   Windows are run ``batch_size`` at a time, padded with the model's pad id
   and masked.
3. **Overlaps are merged per token, before any aggregation**: a token seen in
   several windows takes its scores from the window where it has the most
   context on its poorer side (the largest ``min(tokens before, tokens after)``
   within the window; ties: the earlier window). Words and entities are then
   built once over the whole document, so an entity cut by a window edge is
   not split or duplicated. (transformers instead pools the entities of
   every window and keeps the longest of overlapping ones.)
4. **Aggregation** as transformers' ``TokenClassificationPipeline`` defines
   it (``postprocess``, ``gather_pre_entities``, ``aggregate_words``,
   ``group_entities``): softmax per token; ``simple`` labels each token by its
   argmax; ``first``, ``average`` and ``max`` first rebuild words from
   subwords (``first``: the word's first token decides; ``average``: the mean
   of its tokens' scores; ``max``: the token with the highest score decides),
   then adjacent words (tokens) are grouped into entities by their B-/I- tags
   (a tag without a prefix continues the previous group), and ``O`` groups
   are dropped. A token continues a word when the tokenizer marks subwords
   (``continuing_subword_prefix``, e.g. WordPiece's ``##``: the token's string
   is longer than its text), else when no whitespace separates it from the
   previous character — any Unicode whitespace here (transformers only tests
   U+0020; French puts NBSP and NNBSP before « » : ; ! ?). An unknown token
   (``[UNK]``) starts a word; a token covering no character is skipped.
5. **Labels**: the model's tag (B-/I- removed) goes through ``label_map`` to
   PER, LOC, ORG, or null (dropped, e.g. MISC). Every tag of ``id2label``
   must be mapped: a tag absent from the map is refused, not silently lost.
   Entity spans are trimmed of whitespace and punctuation at their edges.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark import paths
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import ENTITY_LABELS, Document, EntityMention
from benchmark.errors import DataError, DataErrors
from benchmark.systems.base import Extractor, make_document, trim_span

STRATEGIES = ("first", "average", "max", "simple")
KNOWN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE = "model.onnx", "tokenizer.json", "config.json"
EXPORT_HINT = "export the model with `optimum-cli export onnx --model NAME --task token-classification DIR`"


# -- the model directory ------------------------------------------------------------------


def _refuse(path: Path | str, message: str, field: str | None = None) -> DataErrors:
    return DataErrors([DataError(str(path), None, field, message)])


def read_labels(config_path: Path) -> list[str]:
    """``id2label`` of config.json as a list indexed by the model's output column."""
    if not config_path.is_file():
        raise _refuse(config_path, f"missing: the model directory needs config.json with id2label ({EXPORT_HINT})")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(config_path, f"not valid JSON: {exc}") from None
    id2label = config.get("id2label") if isinstance(config, dict) else None
    if not isinstance(id2label, dict) or not id2label:
        raise _refuse(config_path, "no id2label: the model's output columns cannot be named (a token-classification config.json has it)", "id2label")
    try:
        by_index = {int(k): v for k, v in id2label.items()}
    except ValueError:
        raise _refuse(config_path, "id2label keys must be the integers 0 … n-1", "id2label") from None
    if sorted(by_index) != list(range(len(by_index))) or not all(isinstance(v, str) for v in by_index.values()):
        raise _refuse(config_path, "id2label must map each of 0 … n-1 to a label string", "id2label")
    return [by_index[i] for i in range(len(by_index))]


def tag_of(label: str) -> tuple[str, str]:
    """(B or I, entity type) as transformers' ``get_tag``: no prefix counts as I."""
    if label.startswith("B-"):
        return "B", label[2:]
    if label.startswith("I-"):
        return "I", label[2:]
    return "I", label


def check_label_map(labels: list[str], label_map: dict, source: str) -> dict[str, str | None]:
    """Every model tag but O mapped to one of our labels or to null."""
    tags = sorted({tag_of(label)[1] for label in labels} - {"O"})
    unmapped = [t for t in tags if t not in label_map]
    wrong = {k: v for k, v in label_map.items() if v is not None and v not in ENTITY_LABELS}
    if unmapped or wrong:
        problems = ([f"model tag(s) {', '.join(unmapped)} not in label_map (map each to PER, LOC, ORG or null)"] if unmapped else [])
        problems += [f"label_map.{k}: {v!r} is not one of {', '.join(ENTITY_LABELS)} or null" for k, v in sorted(wrong.items())]
        raise DataErrors([DataError(source, None, "label_map", p) for p in problems])
    return {t: label_map[t] for t in tags}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Specials:
    """The special tokens the post-processor puts around one sequence."""

    prefix: list[int]
    suffix: list[int]


def special_tokens(tokenizer) -> Specials:
    encoding = tokenizer.encode("a", add_special_tokens=True)
    mask = encoding.special_tokens_mask
    content = [i for i, m in enumerate(mask) if not m]
    first, last = (content[0], content[-1]) if content else (len(mask), len(mask) - 1)
    return Specials(prefix=list(encoding.ids[:first]), suffix=list(encoding.ids[last + 1 :]))


def check_offsets(encoding, source: str) -> None:
    """A tokenizer that maps no token to characters gives nothing to place a span on."""
    if encoding.ids and all(start == end for start, end in encoding.offsets):
        raise _refuse(source, "the tokenizer gives no character offsets (every token maps to an empty span): "
                              "spans cannot be placed; use the fast tokenizer's tokenizer.json that the export writes")


# -- windows ------------------------------------------------------------------------------------


def window_starts(n_tokens: int, capacity: int, stride: int) -> list[int]:
    """Starts of windows of ``capacity`` tokens, each sharing ``stride`` tokens with
    the next, covering ``n_tokens``; one window when the document fits."""
    starts, start = [], 0
    while n_tokens > 0:
        starts.append(start)
        if start + capacity >= n_tokens:
            break
        start += capacity - stride
    return starts


def merge_windows(n_tokens: int, windows: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """Per token, the scores of the window where it has the most context
    (``min(before, after)`` within the window); ties: the earlier window."""
    if not windows:
        return np.zeros((0, 0))
    merged = np.zeros((n_tokens, windows[0][1].shape[1]))
    best = np.full(n_tokens, -1)
    for start, scores in windows:
        length = scores.shape[0]
        inside = np.arange(length)
        context = np.minimum(inside, length - 1 - inside)
        better = context > best[start : start + length]
        merged[start : start + length][better] = scores[better]
        best[start : start + length][better] = context[better]
    return merged


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


# -- aggregation (transformers' TokenClassificationPipeline) ------------------------------------


@dataclass
class Piece:
    """A token (pre-entity) or a word, with its scores and characters."""

    start: int
    end: int
    scores: np.ndarray
    is_subword: bool = False
    label: str = ""
    score: float = 0.0


def pre_entities(text: str, tokens: list[str], ids: list[int], offsets, scores: np.ndarray, subword_prefix: str | None, unk_id: int | None) -> list[Piece]:
    pieces = []
    for i, (start, end) in enumerate(offsets):
        if start == end:
            continue  # covers no character (e.g. a lone "▁"): nothing to label
        if subword_prefix:
            is_subword = len(tokens[i]) != end - start
        else:
            is_subword = start > 0 and not text[start - 1].isspace() and not text[start].isspace()
        if unk_id is not None and ids[i] == unk_id:
            is_subword = False
        pieces.append(Piece(start, end, scores[i], is_subword))
    return pieces


def _labelled(piece: Piece, scores: np.ndarray, labels: list[str]) -> Piece:
    index = int(scores.argmax())
    return Piece(piece.start, piece.end, scores, label=labels[index], score=float(scores[index]))


def aggregate_word(group: list[Piece], strategy: str, labels: list[str]) -> Piece:
    if strategy == "first":
        scores = group[0].scores
    elif strategy == "max":
        scores = max(group, key=lambda p: p.scores.max()).scores
    else:  # average
        scores = np.nanmean(np.stack([p.scores for p in group]), axis=0)
    return _labelled(Piece(group[0].start, group[-1].end, scores), scores, labels)


def aggregate_words(pieces: list[Piece], strategy: str, labels: list[str]) -> list[Piece]:
    words: list[Piece] = []
    group: list[Piece] = []
    for piece in pieces:
        if group and not piece.is_subword:
            words.append(aggregate_word(group, strategy, labels))
            group = []
        group.append(piece)
    if group:
        words.append(aggregate_word(group, strategy, labels))
    return words


def group_entities(pieces: list[Piece]) -> list[tuple[str, int, int]]:
    """Adjacent pieces with the same type and no B- in between make one entity: (type, start, end)."""
    groups: list[list[Piece]] = []
    for piece in pieces:
        bi, tag = tag_of(piece.label)
        if groups and bi != "B" and tag == tag_of(groups[-1][-1].label)[1]:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return [(tag_of(g[0].label)[1], g[0].start, g[-1].end) for g in groups]


def aggregate(pieces: list[Piece], strategy: str, labels: list[str]) -> list[tuple[str, int, int]]:
    """Entities (type, start, end) of one document's pre-entities, ``O`` dropped."""
    if strategy == "simple":
        units = [_labelled(p, p.scores, labels) for p in pieces]
    else:
        units = aggregate_words(pieces, strategy, labels)
    return [g for g in group_entities(units) if g[0] != "O"]


# -- the extractor --------------------------------------------------------------------------------


class OnnxTokenClassificationExtractor(Extractor):
    """Entities from an ONNX token-classification model; see the module docstring."""

    per_document = True  # no state across documents

    def __init__(
        self,
        *,
        name: str,
        version: str,
        model_dir: str,
        aggregation_strategy: str = "first",
        label_map: dict | None = None,
        max_length: int = 512,
        stride: int = 128,
        batch_size: int = 8,
        intra_op_num_threads: int = 1,
    ):
        super().__init__(name=name, version=version)
        self.directory = Path(model_dir) if Path(model_dir).is_absolute() else paths.ROOT / model_dir
        if aggregation_strategy not in STRATEGIES:
            raise _refuse("model.aggregation_strategy", f"{aggregation_strategy!r}: expected one of {', '.join(STRATEGIES)}")
        self.strategy = aggregation_strategy
        self.max_length, self.stride, self.batch_size = int(max_length), int(stride), int(batch_size)
        self.threads = int(intra_op_num_threads)
        self._check_directory()
        self.labels = read_labels(self.directory / CONFIG_FILE)
        self.label_map = check_label_map(self.labels, dict(label_map or {}), "model.label_map")
        self.tokenizer = self._load_tokenizer()
        self.specials = special_tokens(self.tokenizer)
        self.capacity = self.max_length - len(self.specials.prefix) - len(self.specials.suffix)
        if batch_size < 1 or not 0 <= self.stride < self.capacity:
            raise _refuse("model", f"need batch_size ≥ 1 and 0 ≤ stride < max_length minus the "
                                   f"{len(self.specials.prefix) + len(self.specials.suffix)} special tokens ({self.capacity})")
        self.session, self.inputs, self.output = self._load_session()
        self.pad_id = self._pad_id()
        self.unk_id = self._unk_id()
        self.subword_prefix = getattr(self.tokenizer.model, "continuing_subword_prefix", None)
        self.windowed = {"documents": 0, "documents_windowed": 0, "windows": 0}

    # ---- loading

    def _check_directory(self) -> None:
        if not self.directory.is_dir():
            raise _refuse(self.directory, f"not a directory: model.model_dir must be the export's directory ({EXPORT_HINT})")
        if not (self.directory / MODEL_FILE).is_file():
            raise _refuse(self.directory / MODEL_FILE, f"missing: no ONNX model in {self.directory} ({EXPORT_HINT})")

    def _load_tokenizer(self):
        from tokenizers import Tokenizer

        path = self.directory / TOKENIZER_FILE
        if not path.is_file():
            slow = [p.name for p in self.directory.iterdir() if p.name in ("vocab.txt", "sentencepiece.bpe.model", "spm.model", "vocab.json")]
            found = f" (found only {', '.join(slow)}: a slow tokenizer gives no offsets)" if slow else ""
            raise _refuse(path, f"missing: a fast tokenizer (tokenizer.json) is needed for character offsets{found}; {EXPORT_HINT}")
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # the Rust side raises a bare Exception
            raise _refuse(path, f"not a tokenizers file: {exc}") from None
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def _load_session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        path = self.directory / MODEL_FILE
        try:
            session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own exception types vary by version
            raise _refuse(path, f"onnxruntime cannot load it: {' '.join(str(exc).split())[:300]}") from None
        inputs = [i.name for i in session.get_inputs()]
        unknown = [n for n in inputs if n not in KNOWN_INPUTS]
        if "input_ids" not in inputs or unknown:
            raise _refuse(path, f"inputs {inputs}: expected input_ids (and optionally attention_mask, token_type_ids)")
        outputs = session.get_outputs()
        output = next((o for o in outputs if o.name == "logits"), outputs[0])
        width = output.shape[-1] if output.shape else None
        if isinstance(width, int) and width != len(self.labels):
            raise _refuse(path, f"the model has {width} output labels, config.json's id2label {len(self.labels)}")
        return session, inputs, output.name

    def _pad_id(self) -> int:
        config = json.loads((self.directory / CONFIG_FILE).read_text(encoding="utf-8"))
        pad = config.get("pad_token_id")
        return pad if isinstance(pad, int) else 0

    def _unk_id(self) -> int | None:
        unk = getattr(self.tokenizer.model, "unk_token", None)
        return self.tokenizer.token_to_id(unk) if isinstance(unk, str) else None

    # ---- running

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        encodings = [self.tokenizer.encode(d.text, add_special_tokens=False) for d in documents]
        for document, encoding in zip(documents, encodings, strict=True):
            check_offsets(encoding, f"{self.directory / TOKENIZER_FILE} (document {document.id})")
        windows = [(d, s) for d, e in enumerate(encodings) for s in window_starts(len(e.ids), self.capacity, self.stride)]
        scores = self._run(windows, encodings)
        per_document: list[list[tuple[int, np.ndarray]]] = [[] for _ in documents]
        for (d, start), window_scores in zip(windows, scores, strict=True):
            per_document[d].append((start, window_scores))
        self._count(encodings, per_document)
        return [self._record(doc, enc, merge_windows(len(enc.ids), wins)) for doc, enc, wins in zip(documents, encodings, per_document, strict=True)]

    def _run(self, windows: list[tuple[int, int]], encodings) -> list[np.ndarray]:
        """Softmax scores of each window's content tokens (special tokens and padding removed)."""
        scores = []
        for first in range(0, len(windows), self.batch_size):
            batch = windows[first : first + self.batch_size]
            rows = [encodings[d].ids[s : s + self.capacity] for d, s in batch]
            logits = self.session.run([self.output], self._inputs(rows))[0]
            skip = len(self.specials.prefix)
            scores += [softmax(logits[i, skip : skip + len(row)].astype(np.float64)) for i, row in enumerate(rows)]
        return scores

    def _inputs(self, rows: list[list[int]]) -> dict[str, np.ndarray]:
        width = max(len(r) for r in rows) + len(self.specials.prefix) + len(self.specials.suffix)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            sequence = self.specials.prefix + list(row) + self.specials.suffix
            ids[i, : len(sequence)] = sequence
            mask[i, : len(sequence)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return {name: feeds[name] for name in self.inputs}

    def _count(self, encodings, per_document) -> None:
        self.windowed["documents"] += len(encodings)
        self.windowed["documents_windowed"] += sum(len(w) > 1 for w in per_document)
        self.windowed["windows"] += sum(len(w) for w in per_document)

    def _record(self, document: SeedDocument, encoding, scores: np.ndarray) -> Document:
        pieces = pre_entities(document.text, encoding.tokens, encoding.ids, encoding.offsets, scores, self.subword_prefix, self.unk_id)
        mentions = []
        for tag, start, end in aggregate(pieces, self.strategy, self.labels):
            label = self.label_map.get(tag)
            span = trim_span(document.text, start, end) if label else None
            if span is not None and label is not None:
                mentions.append(EntityMention(start=span[0], end=span[1], text=document.text[span[0] : span[1]], label=label))
        return make_document(document, mentions, None, None)

    # ---- what a result records

    def provenance(self) -> dict:
        import onnxruntime
        import tokenizers

        files = sorted(p for p in self.directory.iterdir()
                       if p.name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE) or p.name.startswith(MODEL_FILE + "_data") or p.suffix == ".onnx_data")
        try:
            shown = self.directory.resolve().relative_to(paths.ROOT.resolve()).as_posix()
        except ValueError:
            shown = str(self.directory)
        return {
            **self.base_provenance(
                model_dir=shown, aggregation_strategy=self.strategy, label_map=self.label_map, max_length=self.max_length,
                stride=self.stride, batch_size=self.batch_size, intra_op_num_threads=self.threads,
            ),
            "files": {p.name: sha256_file(p) for p in files},
            "labels": self.labels,
            "runtime": {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__, "providers": ["CPUExecutionProvider"]},
            "windows": dict(self.windowed),
        }
