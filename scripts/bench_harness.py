"""Time the harness against the bare extractor on a larger synthetic corpus.

    .venv/bin/python scripts/bench_harness.py [--copies 200] [--model spacy_sm] [--repeats 3]

The corpus is the seed repeated ``--copies`` times (each copy its own
document, with the seed's gold). Reported, best of ``--repeats``:
- bare: ``nlp.pipe`` alone over the texts (the statistical model's own work);
- predict: the extractor's ``predict`` (``nlp.pipe`` plus its rules);
- harness: what the benchmark adds around ``predict`` in ``run_system``:
  checking every predicted record against its text, and scoring every layer
  with bootstrap intervals.
The aim is harness / bare < 10%. Speed is measured here and reported, never
asserted by a test (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import time

import spacy
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from benchmark import scoring
from benchmark.corpus import SeedDocument
from benchmark.dataset import documents, load_test_split, to_row
from benchmark.runner import CONFIG_DIR
from benchmark.validation import check_document


def synthetic_corpus(copies: int):
    (seed,) = documents(load_test_split())
    golds = [seed.model_copy(update={"id": f"{seed.id}-{i:05d}"}) for i in range(copies)]
    return golds, [to_row(doc) for doc in golds]


def best_of(repeats: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--model", default="spacy_sm")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=[f"model={args.model}"])
    gold, rows = synthetic_corpus(args.copies)
    inputs = [SeedDocument(d.id, d.date, d.text) for d in gold]
    texts = [d.text for d in inputs]
    extractor = instantiate(cfg.model, _convert_="all")
    scoring_config = OmegaConf.to_container(cfg.scoring, resolve=True)

    timings = {}
    if "model" in cfg.model and str(cfg.model.model).startswith("fr_core_news"):
        nlp = spacy.load(cfg.model.model)
        batch_size = int(cfg.model.get("batch_size", 64))
        list(nlp.pipe(texts[:4], batch_size=batch_size))  # warm-up
        timings["bare_nlp_pipe"], _ = best_of(args.repeats, lambda: list(nlp.pipe(texts, batch_size=batch_size)))
    extractor.predict(inputs[:4])  # warm-up (lazy model load)
    timings["predict"], predicted = best_of(args.repeats, lambda: extractor.predict(inputs))
    timings["check_predictions"], _ = best_of(
        args.repeats,
        lambda: [check_document(p, file="bench", record=p.id, gold=False, reference=r) for p, r in zip(predicted, inputs)],
    )
    scoring.score(rows[:2], gold[:2], predicted[:2], scoring_config)  # warm-up: load the metric modules
    timings["score"], _ = best_of(args.repeats, lambda: scoring.score(rows, gold, predicted, scoring_config))

    harness = timings["check_predictions"] + timings["score"]
    reference = timings.get("bare_nlp_pipe", timings["predict"])
    report = {
        "model": args.model,
        "documents": len(inputs),
        "sentences": sum(len(r["sentence_starts"]) for r in rows),
        "tokens": sum(len(r["tokens"]) for r in rows),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        "harness_seconds": round(harness, 3),
        "harness_over_bare": round(harness / reference, 4),
        "harness_over_predict": round(harness / timings["predict"], 4),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
