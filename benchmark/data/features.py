"""The packaged dataset's Arrow features, and the Hub's size bins.

One definition, read by ``dataset`` (which writes and loads the package) and
``card`` (which checks that the card declares exactly these features).
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from benchmark.data.layers import TAG_LAYERS

_SPAN = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
FEATURES = Features(
    {
        "id": Value("string"),
        "date": Value("string"),
        "text": Value("string"),
        "tokens": List(Value("string")),
        "token_offsets": List(List(Value("int32"), length=2)),
        "sentence_starts": List(Value("int32")),
        **{layer.feature: List(ClassLabel(names=list(layer.names))) for layer in TAG_LAYERS},
        "entities": List(
            {"id": Value("string"), **_SPAN, "label": Value("string"), "entity": Value("string")}
        ),
        "quotes": List(
            {
                "id": Value("string"),
                "kind": Value("string"),
                "content": List(_SPAN),
                "cue": _SPAN,
                "speaker": _SPAN,
                "speaker_entity": Value("string"),
                "parent": Value("string"),
            }
        ),
        "events": List(
            {
                "id": Value("string"),
                "event": Value("string"),
                "type": Value("string"),
                "trigger": _SPAN,
                "arguments": List({"role": Value("string"), **_SPAN}),
            }
        ),
    }
)


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` value for ``n`` examples (the bins of ``datasets``' tag list)."""
    bins = ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T")
    for exponent, name in enumerate(bins, start=3):
        if n < 10**exponent:
            return name
    return "n>1T"
