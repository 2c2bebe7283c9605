"""The dataset card, checked offline as the Hugging Face Hub would check it.

``RepoCard.validate`` posts the card to the Hub's ``/api/validate-yaml``, which
is out of reach here (and at CI time), so ``validate_card`` runs every check
the installed libraries can run offline:

- ``huggingface_hub.DatasetCard`` parses the card (a YAML mapping, strict
  ``DatasetCardData``), and writes it back byte for byte: the committed card is
  exactly what ``DatasetCard`` would push;
- ``annotations_creators``, ``language_creators``, ``multilinguality``,
  ``size_categories`` and ``language`` take values from the tag vocabularies
  that ``datasets`` ships (``datasets/utils/resources/*.json``), and the size
  category fits the number of examples;
- ``datasets`` reads the ``configs`` and ``dataset_info`` blocks as
  ``load_dataset`` does (``MetadataConfigs``, ``DatasetInfosDict``) and finds
  the package's features and split sizes;
- the fields well-kept datasets carry are present, and the ``newsbench`` block
  that results cite (version, fingerprint, size).

What remains Hub-side only: the licence and task identifiers against the Hub's
current lists.
"""

from __future__ import annotations

import json
from importlib import resources

from benchmark.data.features import FEATURES, size_category
from benchmark.errors import DataError, DataErrors

REQUIRED = (
    "language", "license", "pretty_name", "annotations_creators", "language_creators", "multilinguality",
    "size_categories", "source_datasets", "task_categories", "configs", "dataset_info", "newsbench",
)
NEWSBENCH_REQUIRED = ("name", "version", "fingerprint", "schema_version", "tokenizer", "size")


def _vocabulary(name: str):
    return json.loads(resources.files("datasets.utils.resources").joinpath(name).read_text(encoding="utf-8"))


def _values(value) -> list:
    return value if isinstance(value, list) else [value]


def validate_card(text: str, source: str) -> None:
    """Raise DataErrors listing every offline check the card fails."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard


    def error(field: str | None, message: str) -> None:
        errors.append(DataError(source, None, field, message))

    errors: list[DataError] = []
    try:
        card = DatasetCard(text, ignore_metadata_errors=False)
    except (ValueError, TypeError) as exc:
        raise DataErrors([DataError(source, None, None, f"huggingface_hub cannot parse the card: {exc}")]) from None
    if str(card) != text:
        error(None, "DatasetCard does not write the card back byte for byte (not rendered through DatasetCard)")
    data = card.data.to_dict()
    for field in REQUIRED:
        if not data.get(field):
            error(field, "missing or empty")
    creators = _vocabulary("creators.json")
    vocabularies = {
        "annotations_creators": creators["annotations"],
        "language_creators": creators["language"],
        "multilinguality": list(_vocabulary("multilingualities.json")),
        "size_categories": _vocabulary("size_categories.json"),
        "language": list(_vocabulary("languages.json")),
    }
    for field, known in vocabularies.items():
        for value in _values(data.get(field) or []):
            if value not in known:
                error(field, f"{value!r} is not a known value")
    try:
        configs = MetadataConfigs.from_dataset_card_data(card.data)
        infos = DatasetInfosDict.from_dataset_card_data(card.data)
    except (ValueError, TypeError, KeyError) as exc:
        raise DataErrors([*errors, DataError(source, None, "configs", f"datasets cannot read the card: {exc}")]) from None
    if list(configs) != ["default"] or list(infos) != ["default"]:
        error("configs", f"expected one 'default' config, got {list(configs)} / {list(infos)}")
    else:
        info = infos["default"]
        if info.features != FEATURES:
            error("dataset_info.features", "differ from the package's features")
        examples = sum(split.num_examples for split in info.splits.values())
        expected = size_category(examples)
        if _values(data.get("size_categories")) != [expected]:
            error("size_categories", f"{data.get('size_categories')} does not fit {examples} example(s): expected {expected!r}")
    block = data.get("newsbench") or {}
    for field in NEWSBENCH_REQUIRED:
        if field not in block:
            error(f"newsbench.{field}", "missing")
    if errors:
        raise DataErrors(errors)
