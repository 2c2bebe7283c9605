"""``model=onnx_token_classification`` on a tiny model this test builds.

No weights are downloaded: the "model" is an ONNX graph made here with
``onnx.helper`` (an embedding lookup from token ids to per-label logits, with
weights chosen so that chosen tokens get chosen labels), and the tokenizer a
WordPiece ``tokenizer.json`` over a vocabulary written here. So every expected
span and label below is known by construction and checked by hand on French
text (l’État, guillemets with non-breaking spaces, Jean-Pierre), for each
aggregation strategy, and across windows on a long document.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer
from tokenizers.models import WordPiece
from tokenizers.pre_tokenizers import BertPreTokenizer
from tokenizers.processors import TemplateProcessing

from benchmark.data.corpus import SeedDocument
from benchmark.data.validation import check_document
from benchmark.errors import DataErrors
from benchmark.systems.onnx_token_classification import (
    OnnxTokenClassificationExtractor,
    check_offsets,
    merge_windows,
    window_starts,
)

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
LABEL_MAP = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": None}
FILLER = ["de", "la", "ville", "et"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "Jean", "-", "Pierre", "a", "visité", "Mar", "##seille", ".", "Selon",
         "l", "’", "État", ",", "«", "Paris", "»", "attend", "!", "Euro", "Lyon", "Nice", "Brest", *FILLER]
# Probabilities per token (the logits are their logs, so the softmax gives them back); every other token is O.
PROBABILITIES = {
    "Jean": {"B-PER": 0.9}, "-": {"I-PER": 0.9}, "Pierre": {"I-PER": 0.9},
    "Mar": {"B-LOC": 0.50, "B-PER": 0.40, "B-ORG": 0.08},          # first: LOC
    "##seille": {"B-ORG": 0.58, "B-PER": 0.40},                     # max: ORG; average: PER (0.40 > 0.33 > 0.25)
    "État": {"B-ORG": 0.9}, "Paris": {"B-LOC": 0.9}, "Euro": {"B-MISC": 0.9},
    "Lyon": {"B-LOC": 0.9}, "Nice": {"B-LOC": 0.9}, "Brest": {"B-LOC": 0.9},
}
TEXT = "Jean-Pierre a visité Marseille. Selon l’État, «\u00a0Paris\u00a0» attend\u202f! Euro Toulouse."


def weights() -> np.ndarray:
    table = np.full((len(VOCAB), len(LABELS)), 1e-4)
    table[:, 0] = 1.0
    for token, probabilities in PROBABILITIES.items():
        row = np.full(len(LABELS), 1e-4)
        for label, p in probabilities.items():
            row[LABELS.index(label)] = p
        row[0] = max(1.0 - sum(probabilities.values()), 1e-4)
        table[VOCAB.index(token)] = row
    return np.log(table).astype(np.float32)


def build_model(path: Path, edge_positions: tuple[int, ...] = ()) -> None:
    """logits = W[input_ids] * attention_mask (+ a bias towards O at the window
    positions in ``edge_positions``, to stand for a model that is unsure near
    the edges of its window)."""
    nodes = [
        helper.make_node("Gather", ["W", "input_ids"], ["emb"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["emb", "mask3"], ["masked"]),
    ]
    initializers = [numpy_helper.from_array(weights(), "W"), numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis")]
    if edge_positions:
        bias = np.zeros((64, len(LABELS)), dtype=np.float32)
        bias[list(edge_positions), 0] = 20.0
        initializers += [numpy_helper.from_array(bias, "P"), numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
                         numpy_helper.from_array(np.array(1, dtype=np.int64), "one")]
        nodes += [
            helper.make_node("Shape", ["input_ids"], ["shape"]),
            helper.make_node("Gather", ["shape", "one"], ["length"], axis=0),
            helper.make_node("Range", ["zero", "length", "one"], ["positions"]),
            helper.make_node("Gather", ["P", "positions"], ["bias"], axis=0),
            helper.make_node("Add", ["masked", "bias"], ["logits"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["masked"], ["logits"]))
    graph = helper.make_graph(
        nodes, "tiny_token_classifier",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", len(LABELS)])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def build_tokenizer(path: Path) -> None:
    tokenizer = Tokenizer(WordPiece({t: i for i, t in enumerate(VOCAB)}, unk_token="[UNK]", continuing_subword_prefix="##"))
    tokenizer.pre_tokenizer = BertPreTokenizer()
    tokenizer.post_processor = TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tokenizer.save(str(path))


def model_dir(root: Path, *, edge_positions=(), config: dict | None = None, files=("model", "tokenizer", "config")) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if "model" in files:
        build_model(root / "model.onnx", edge_positions)
    if "tokenizer" in files:
        build_tokenizer(root / "tokenizer.json")
    if "config" in files:
        body = config if config is not None else {"id2label": {str(i): label for i, label in enumerate(LABELS)}, "pad_token_id": 0}
        (root / "config.json").write_text(json.dumps(body), encoding="utf-8")
    return root


def make(directory: Path, **overrides) -> OnnxTokenClassificationExtractor:
    settings = dict(name="tiny", version="1", model_dir=str(directory), aggregation_strategy="first", label_map=LABEL_MAP,
                    max_length=64, stride=8, batch_size=2)
    return OnnxTokenClassificationExtractor(**{**settings, **overrides})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return model_dir(tmp_path_factory.mktemp("tiny"))


def spans(record) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, m.text, m.label) for m in record.entities]


def doc(text: str, ident: str = "d1") -> SeedDocument:
    return SeedDocument(id=ident, date=None, text=text)


# -------------------------------------------------------------- offsets and strategies

# Hand-checked: "Jean-Pierre" 0-11, "Marseille" 21-30 ("Mar" 21-24, "seille" 24-30), "État" 40-44 after l’,
# "Paris" 48-53 inside «NBSP … NBSP», "Euro" 65-69 (MISC: dropped), "Toulouse" unknown ([UNK]: O).
EXPECTED = {
    "first": [(0, 11, "Jean-Pierre", "PER"), (21, 30, "Marseille", "LOC"), (40, 44, "État", "ORG"), (48, 53, "Paris", "LOC")],
    "max": [(0, 11, "Jean-Pierre", "PER"), (21, 30, "Marseille", "ORG"), (40, 44, "État", "ORG"), (48, 53, "Paris", "LOC")],
    "average": [(0, 11, "Jean-Pierre", "PER"), (21, 30, "Marseille", "PER"), (40, 44, "État", "ORG"), (48, 53, "Paris", "LOC")],
    "simple": [(0, 11, "Jean-Pierre", "PER"), (21, 24, "Mar", "LOC"), (24, 30, "seille", "ORG"), (40, 44, "État", "ORG"), (48, 53, "Paris", "LOC")],
}


def test_the_hand_checked_offsets_hold():
    for start, end, text, _ in EXPECTED["simple"]:
        assert TEXT[start:end] == text


@pytest.mark.parametrize("strategy", sorted(EXPECTED))
def test_each_aggregation_strategy(tiny, strategy):
    record = make(tiny, aggregation_strategy=strategy).predict([doc(TEXT)])[0]
    assert spans(record) == EXPECTED[strategy]
    assert record.quotes is None and record.events is None
    assert check_document(record, file="test", record="d1", gold=False, reference=doc(TEXT)) == []


def test_the_output_does_not_depend_on_batching_or_document_order(tiny):
    docs = [doc(TEXT, "a"), doc("Lyon et Nice.", "b"), doc("de la ville", "c")]
    one = make(tiny, batch_size=1).predict(docs)
    three = make(tiny, batch_size=3).predict(docs)
    reversed_ = make(tiny, batch_size=2).predict(docs[::-1])[::-1]
    assert one == three == reversed_
    assert spans(one[1]) == [(0, 4, "Lyon", "LOC"), (8, 12, "Nice", "LOC")] and one[2].entities == []


def test_provenance_records_files_labels_and_parameters(tiny):
    extractor = make(tiny)
    extractor.predict([doc(TEXT)])
    provenance = extractor.provenance()
    assert set(provenance["files"]) == {"model.onnx", "tokenizer.json", "config.json"}
    assert provenance["labels"] == LABELS
    assert provenance["parameters"]["aggregation_strategy"] == "first" and provenance["parameters"]["label_map"] == LABEL_MAP
    assert provenance["windows"] == {"documents": 1, "documents_windowed": 0, "windows": 1}


# -------------------------------------------------------------- long documents


def long_text() -> tuple[str, list[tuple[int, int]]]:
    """Filler words with a place name every few words (never among the first two tokens or the last ones)."""
    words, names = [], []
    for i in range(60):
        words.append(["Lyon", "Nice", "Brest"][i % 3] if i % 5 == 2 else FILLER[i % 4])
    text, at = "", 0
    for i, word in enumerate(words):
        if i:
            text += " "
        if word in ("Lyon", "Nice", "Brest") and i < 55:
            names.append((len(text), len(text) + len(word)))
        text += word
    return text, names


def test_window_starts_cover_the_document_with_the_stride():
    assert window_starts(5, 8, 4) == [0]
    assert window_starts(8, 8, 4) == [0]
    assert window_starts(9, 8, 4) == [0, 4]
    assert window_starts(20, 8, 4) == [0, 4, 8, 12]
    assert window_starts(0, 8, 4) == []


def test_overlaps_take_each_token_from_the_window_where_it_has_most_context():
    a = np.array([[1.0, 0.0]] * 6)  # window at 0: tokens 0-5
    b = np.array([[0.0, 1.0]] * 6)  # window at 3: tokens 3-8
    merged = merge_windows(9, [(0, a), (3, b)])
    # token 3: context 2 in a (3 before, 2 after), 0 in b -> a; token 4: 1 in a, 1 in b -> tie -> a; token 5: 0 in a, 2 in b -> b
    assert merged[:, 0].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0]


def test_a_long_document_is_windowed_with_stride_and_merged(tmp_path):
    """The model is biased to O at the first two and last two content positions
    of a full window (positions 1, 2, 7, 8 of 10): a name found only there would
    be lost. Taking each token from the window where it has most context keeps
    every name; taking the first or the last window's scores would lose some."""
    directory = model_dir(tmp_path / "edgy", edge_positions=(1, 2, 7, 8))
    text, names = long_text()
    extractor = make(directory, max_length=10, stride=4, batch_size=3)
    record = extractor.predict([doc(text)])[0]
    found = [(m.start, m.end) for m in record.entities if m.start < names[-1][1] + 1]
    assert found == names
    assert all(m.label == "LOC" for m in record.entities)
    provenance = extractor.provenance()
    assert provenance["windows"]["documents_windowed"] == 1 and provenance["windows"]["windows"] == math.ceil((60 - 8) / 4) + 1
    # The same document in one window gives the same entities (the bias only bites at window edges there).
    whole = make(model_dir(tmp_path / "plain"), max_length=64, stride=8).predict([doc(text)])[0]
    assert [(m.start, m.end) for m in whole.entities if m.start < names[-1][1] + 1] == names


def test_without_the_merge_rule_the_edges_would_lose_names(tmp_path):
    """The test above can fail: with no overlap (stride 0) names at window edges are lost."""
    directory = model_dir(tmp_path / "edgy", edge_positions=(1, 2, 7, 8))
    text, names = long_text()
    record = make(directory, max_length=10, stride=0).predict([doc(text)])[0]
    assert [(m.start, m.end) for m in record.entities] != names


# -------------------------------------------------------------- bad model directories: one clear message each


def test_a_missing_model_onnx_is_named(tmp_path):
    directory = model_dir(tmp_path / "m", files=("tokenizer", "config"))
    with pytest.raises(DataErrors, match=r"model\.onnx: missing: no ONNX model in .*optimum-cli export onnx"):
        make(directory)


def test_a_config_without_id2label_is_named(tmp_path):
    directory = model_dir(tmp_path / "m", config={"model_type": "bert"})
    with pytest.raises(DataErrors, match=r"config\.json, field id2label: no id2label"):
        make(directory)


def test_a_missing_fast_tokenizer_is_named(tmp_path):
    directory = model_dir(tmp_path / "m", files=("model", "config"))
    (directory / "vocab.txt").write_text("\n".join(VOCAB), encoding="utf-8")
    with pytest.raises(DataErrors, match=r"tokenizer\.json: missing: a fast tokenizer .* \(found only vocab\.txt: a slow tokenizer gives no offsets\)"):
        make(directory)


def test_a_tokenizer_that_gives_no_offsets_is_refused():
    no_offsets = SimpleNamespace(ids=[4, 5, 6], offsets=[(0, 0), (0, 0), (0, 0)])
    with pytest.raises(DataErrors, match="the tokenizer gives no character offsets"):
        check_offsets(no_offsets, "tokenizer.json")
    check_offsets(SimpleNamespace(ids=[], offsets=[]), "tokenizer.json")  # an empty document is not a broken tokenizer


def test_an_unmapped_model_tag_is_refused(tiny):
    with pytest.raises(DataErrors, match=r"model tag\(s\) MISC not in label_map"):
        make(tiny, label_map={"PER": "PER", "LOC": "LOC", "ORG": "ORG"})
    with pytest.raises(DataErrors, match=r"label_map\.MISC: 'GPE' is not one of PER, ORG, LOC"):
        make(tiny, label_map={**LABEL_MAP, "MISC": "GPE"})


def test_bad_settings_are_refused(tiny, tmp_path):
    with pytest.raises(DataErrors, match="aggregation_strategy"):
        make(tiny, aggregation_strategy="none")
    with pytest.raises(DataErrors, match="stride < max_length"):
        make(tiny, max_length=10, stride=8)
    with pytest.raises(DataErrors, match="not a directory"):
        make(tmp_path / "nowhere")


def test_the_shipped_config_composes(tiny):
    from hydra.utils import instantiate

    from benchmark.systems.config import compose_model

    model = compose_model("onnx_token_classification", [f"model.model_dir={tiny}", "model.aggregation_strategy=average"])
    extractor = instantiate(model, _convert_="all")
    assert isinstance(extractor, OnnxTokenClassificationExtractor) and extractor.strategy == "average"
    assert spans(extractor.predict([doc(TEXT)])[0]) == EXPECTED["average"]


def test_check_accepts_the_recorded_overrides_of_an_onnx_result():
    from benchmark.run.check import safe_overrides

    recorded = ["model=onnx_token_classification", "model.name=camembert_ner", "model.model_dir=models/camembert-ner-onnx",
                "model.aggregation_strategy=simple", "model.max_length=512", "model.stride=128", "model.batch_size=4"]
    assert safe_overrides(Path("camembert_ner.json"), recorded) == recorded
