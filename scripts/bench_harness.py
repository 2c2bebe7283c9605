"""Time the harness: scoring at corpus scale against seqeval, and overhead against the model.

    PYTHONPATH=. .venv/bin/python scripts/bench_harness.py [--sizes 250000 500000 1000000]
        [--model spacy_sm] [--copies 200] [--repeats 2] [--track winer-fr]

Two reports, best of ``--repeats``, printed as JSON (timings are reported, never
asserted: they depend on the machine and its load):

1. ``scale``: the seed repeated to each size in ``--sizes`` tokens (each copy its
   own document with the seed's gold), predictions by the ``rules`` extractor on
   the seed (repeated likewise). ``score``: scoring every layer with bootstrap
   intervals and every block of a result; ``errors_jsonl``: rendering the rows of
   ``errors.jsonl`` on top; ``score_gold_replay_with_coreference``: scoring the
   gold as a submission, which adds entity and event coreference (``rules`` gives
   no ids, so its coreference is null); ``seqeval``: one seqeval strict (IOB2)
   ``classification_report`` on the NER layer alone (sentences as sequences), in
   the same process, as the yardstick. ``score`` includes seqeval itself (the
   harness computes ``ner.strict``/``ner.default`` with it on whole-document tags),
   so ``score_over_seqeval`` cannot fall below about 1; the aim is <= 2.
   ``seconds_per_million_tokens`` shows whether cost is linear.
2. ``overhead``: on ``--copies`` copies of the seed, ``nlp.pipe`` alone for the
   model's spaCy pipeline, the extractor's ``predict``, and the harness's own work
   (checking every record, scoring with intervals and errors), as in ``run_system``.
   The aim is harness / nlp.pipe <= 10%.
3. ``track`` (``--track winer-fr``, after ``python -m benchmark fetch winer-fr``): the
   same overhead on a real track's test split (620 articles): loading and checking
   the packaged split (``tracks.load``), ``nlp.pipe`` alone, ``predict``, checking
   every record, scoring with intervals and errors. Harness = load + check + score.
"""

from __future__ import annotations

import argparse
import json
import time

import spacy
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from benchmark import paths
from benchmark.data.alignment import spans_to_tags, split_sentences
from benchmark.data.corpus import SeedDocument
from benchmark.data import tracks
from benchmark.data.dataset import documents, load_test_split
from benchmark.data.validation import check_document
from benchmark.run import config as run_config
from benchmark.scoring import scorer as scoring


def best_of(repeats: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def time_extraction(cfg, inputs: list[SeedDocument], repeats: int, timings: dict[str, float]) -> list:
    """Time, into ``timings``, the bare spaCy pipe (spaCy models only: the reference a
    harness is compared with), the extractor's ``predict`` and the prediction checks on
    ``inputs``, each after a warm-up; the predictions."""
    extractor = instantiate(cfg.model, _convert_="all")
    if "model" in cfg.model and str(cfg.model.model).startswith("fr_core_news"):
        nlp = spacy.load(cfg.model.model)
        batch_size = int(cfg.model.get("batch_size", 64))
        texts = [d.text for d in inputs]
        list(nlp.pipe(texts[:4], batch_size=batch_size))  # warm-up
        timings["bare_nlp_pipe"], _ = best_of(repeats, lambda: list(nlp.pipe(texts, batch_size=batch_size)))
    extractor.predict(inputs[:4])  # warm-up (lazy model load)
    timings["predict"], predicted = best_of(repeats, lambda: extractor.predict(inputs))
    timings["check_predictions"], _ = best_of(
        repeats,
        lambda: [check_document(p, file="bench", record=p.id, gold=False, reference=r) for p, r in zip(predicted, inputs)],
    )
    return predicted


def summary(timings: dict[str, float], harness: float) -> dict:
    """The timings and the harness's time against the bare pipe (else predict) and predict."""
    reference = timings.get("bare_nlp_pipe", timings["predict"])
    return {
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        "harness_seconds": round(harness, 3),
        "harness_over_bare": round(harness / reference, 4),
        "harness_over_predict": round(harness / timings["predict"], 4),
    }


def _config(model: str):
    run_config.register()  # the typed model schemas the configs extend (defaults: /schema/...)
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        return compose(config_name="run", overrides=[f"model={model}"])


def repeated(rows, seed, predicted, copies: int):
    """The seed (its row, gold and prediction) as ``copies`` documents of their own."""
    ids = [f"{seed.id}-{i:06d}" for i in range(copies)]
    return (
        [dict(rows[0], id=i) for i in ids],
        [seed.model_copy(update={"id": i}) for i in ids],
        [predicted.model_copy(update={"id": i}) for i in ids],
    )


def scale(sizes: list[int], repeats: int) -> list[dict]:
    rows = load_test_split()
    (seed,) = documents(rows)
    cfg = _config("rules")
    (predicted,) = instantiate(cfg.model, _convert_="all").predict([SeedDocument(seed.id, seed.date, seed.text)])
    scoring_config = OmegaConf.to_container(cfg.scoring, resolve=True)
    per_seed = len(rows[0]["tokens"])
    names = rows.features["ner_tags"].feature.names
    gold_tags = [names[i] for i in rows[0]["ner_tags"]]
    tokens = [tuple(t) for t in rows[0]["token_offsets"]]
    pred_tags = spans_to_tags(tokens, [(m.start, m.end, m.label) for m in predicted.entities]).tags
    scoring.score(rows, [seed], [predicted], scoring_config)  # warm-up: load the metric modules
    reports = []
    for size in sizes:
        copies = max(1, round(size / per_seed))
        r, g, p = repeated(rows, seed, predicted, copies)
        timings = {}
        timings["score"], _ = best_of(repeats, lambda: scoring.score(r, g, p, scoring_config, errors=False))
        timings["score_and_errors_jsonl"], _ = best_of(repeats, lambda: scoring.score(r, g, p, scoring_config))
        # rules gives no coreference ids (coreference is null); the gold replayed has them
        timings["score_gold_replay_with_coreference"], _ = best_of(repeats, lambda: scoring.score(r, g, g, scoring_config, errors=False))
        y_true = [s for _ in range(copies) for s in split_sentences(gold_tags, rows[0]["sentence_starts"])]
        y_pred = [s for _ in range(copies) for s in split_sentences(pred_tags, rows[0]["sentence_starts"])]
        timings["seqeval"], _ = best_of(repeats, lambda: classification_report(y_true, y_pred, mode="strict", scheme=IOB2))
        reports.append({
            "tokens": copies * per_seed,
            "documents": copies,
            "seconds": {k: round(v, 3) for k, v in timings.items()},
            "score_over_seqeval": round(timings["score"] / timings["seqeval"], 3),
            "score_and_errors_over_seqeval": round(timings["score_and_errors_jsonl"] / timings["seqeval"], 3),
            "seconds_per_million_tokens": round(timings["score"] / (copies * per_seed) * 1e6, 3),
        })
    return reports


def overhead(model: str, copies: int, repeats: int) -> dict:
    cfg = _config(model)
    rows = load_test_split()
    (seed,) = documents(rows)
    inputs = [SeedDocument(f"{seed.id}-{i:06d}", seed.date, seed.text) for i in range(copies)]
    scoring_config = OmegaConf.to_container(cfg.scoring, resolve=True)
    timings: dict[str, float] = {}
    predicted = time_extraction(cfg, inputs, repeats, timings)
    r, g, _ = repeated(rows, seed, predicted[0], copies)
    scoring.score(r[:2], g[:2], predicted[:2], scoring_config)  # warm-up
    timings["score"], _ = best_of(repeats, lambda: scoring.score(r, g, predicted, scoring_config))
    harness = timings["check_predictions"] + timings["score"]
    return {
        "model": model,
        "documents": copies,
        "tokens": copies * len(rows[0]["tokens"]),
        **summary(timings, harness),
    }


def track(model: str, name: str, repeats: int) -> dict:
    """The harness against the model on a track's test split (see the module docstring)."""
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=[f"model={model}", f"dataset={name}"])
    dataset_cfg = OmegaConf.to_container(cfg.dataset, resolve=True)
    timings = {}
    tracks.load(dataset_cfg)  # packages the split on first use; timed below as a run finds it
    timings["load"], loaded = best_of(repeats, lambda: tracks.load(dataset_cfg))
    inputs = [SeedDocument(d.id, d.date, d.text) for d in loaded.gold]
    predicted = time_extraction(cfg, inputs, repeats, timings)
    scoring_config = OmegaConf.to_container(cfg.scoring, resolve=True)
    timings["score"], _ = best_of(repeats, lambda: scoring.score(loaded.rows, loaded.gold, predicted, scoring_config))
    harness = timings["load"] + timings["check_predictions"] + timings["score"]
    return {
        "model": model,
        "track": name,
        "documents": len(inputs),
        "tokens": sum(len(r["tokens"]) for r in loaded.rows),
        **summary(timings, harness),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[250_000, 500_000, 1_000_000])
    parser.add_argument("--model", default="spacy_sm")
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--track", help="also time the harness on this track's test split (e.g. winer-fr, fetched first)")
    args = parser.parse_args()
    report = {"scale": scale(args.sizes, args.repeats)} if args.sizes else {}
    if args.copies:
        report["overhead"] = overhead(args.model, args.copies, args.repeats)
    if args.track:
        report["track"] = track(args.model, args.track, args.repeats)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
