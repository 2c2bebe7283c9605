"""``python -m benchmark SUBCOMMAND``: fetch, add, promote, validate, build, run, leaderboard, check, compare, explain,
export, import, agreement.

``run`` is a Hydra application and takes Hydra's command line (overrides,
``-m``, ``--cfg job``); the other subcommands are plain argparse commands.
Bad data ends every subcommand with located messages on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from benchmark import __version__, paths
from benchmark.cli.parsers import subcommand
from benchmark.errors import DataError, DataErrors

SUBCOMMANDS = ("fetch", "add", "promote", "validate", "build", "run", "leaderboard", "check", "compare", "explain", "export", "import", "agreement")


SOURCES = ("winer-fr",)  # outside corpora that `fetch` puts in the user cache


def _fetch(args: argparse.Namespace) -> int:
    from benchmark.sources import winer

    folder = winer.fetch(from_dir=args.from_dir, url=args.url, force=args.force)
    print(f"{args.source}: verified copy in {folder}")
    print(f"score on it: python -m benchmark run model=NAME dataset={args.source} [dataset.split=dev]")
    return 0


def _add(args: argparse.Namespace) -> int:
    from benchmark.annotation import intake

    if args.source is not None:
        return _add_source(args, intake)
    if args.skip or args.split or args.rank or args.draft_source_entities:
        raise DataError("command line", None, None, "--skip, --split, --rank and --draft-source-entities go with --source CORPUS")
    added = intake.add(args.paths, draft_model=args.draft_model, fix_cr=args.fix_line_ends)
    for item in added:
        print(f"added {item.source} as {item.path.relative_to(paths.ROOT)} (pending); draft: {item.draft_path.relative_to(paths.ROOT)}")
    print("review each draft, then `python -m benchmark promote ID` (see gold/GUIDELINES.md, \"Adding an article\")")
    return 0


def _add_source(args: argparse.Namespace, intake) -> int:
    """``add --source winer-fr PATH ...``: Wikinews articles referenced, never copied."""
    items = [str(p) for p in args.paths]
    if args.skip is not None:
        if len(items) != 1:
            raise DataError("command line", None, "--skip", "skip one candidate at a time (one reason each)")
        row = intake.skip_candidate(args.source, items[0], args.skip, split=args.split, rank=args.rank)
        print(f"skipped {row.path} (rank {row.rank}, {row.split}): {row.skipped}; listed in {paths.SELECTION_FILE.relative_to(paths.ROOT)}")
        return 0
    added = intake.add_references(args.source, items, split=args.split, rank=args.rank,
                                  draft_model=args.draft_model, source_entities=args.draft_source_entities)
    for item in added:
        print(f"added {args.source}/{item.seed.source.path} as {item.seed.id} ({item.row.split}, rank {item.row.rank}): "
              f"reference {item.path.relative_to(paths.ROOT)} (pending); draft: {item.draft_path.relative_to(paths.ROOT)}")
    print("review each draft, then `python -m benchmark promote ID` (see gold/GUIDELINES.md, \"Adding an article\")")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from benchmark.annotation import intake

    path = intake.promote(args.id, args.gold)
    print(f"promoted {args.id}: {path.relative_to(paths.ROOT)} is in its split (test, or its row of gold/selection.tsv); "
          "bump gold/dataset.yaml, add a gold/CHANGELOG.md entry, then `python -m benchmark build`")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from benchmark.data.corpus import read_pending, read_seeds
    from benchmark.data.validation import (
        read_gold,
        read_gold_file,
        read_prediction_file,
    )

    from benchmark.data import references, selection

    seeds = read_seeds()
    if not args.paths:
        docs = read_gold(seeds)
        problems = selection.check_ids(selection.read(), references.referenced_ids())
        if problems:
            raise DataErrors(problems)
        print(f"ok: {len(docs)} gold file(s) in {paths.ANNOTATIONS_DIR} are valid")
        return 0
    errors: list[DataError] = []
    for path in args.paths:
        try:
            if path.suffix == ".jsonl":
                gold = read_gold(seeds)  # referenced records joined: predictions cover them too
                docs = read_prediction_file(path, {d.id: d.joined_text() for d in gold})
                print(f"ok: {path}: {len(docs)} prediction record(s)")
            else:
                # An annotator's file may be for a seed still pending review.
                read_gold_file(path, {s.id: s for s in seeds + read_pending()})
                print(f"ok: {path}: gold record")
        except DataErrors as exc:
            errors += exc.errors
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return 0


def _build(args: argparse.Namespace) -> int:
    from benchmark.data import dataset

    if args.dry_run_push is not None:
        from benchmark.data import hub

        summary = hub.dry_run_push(args.dry_run_push)
        print(f"dry run: {summary['hub']} holds {', '.join(summary['files'])}")
        print(f"ok: load_dataset of it and load_from_disk of {summary['disk']} give the {summary['rows']} "
              f"committed row(s) of split {summary['split']!r} with the committed features; the card passes the offline checks")
        return 0
    if args.check:
        stale = dataset.stale_files()
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        print("ok: the packaged dataset is fresh" if not stale else "run `python -m benchmark build` and commit")
        return 1 if stale else 0
    changed = dataset.build()
    print(f"wrote {len(changed)} changed file(s)" + "".join(f"\n  {p}" for p in changed))
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from benchmark.report import leaderboard

    changed = leaderboard.write()
    print(f"leaderboard: {len(changed)} file(s) changed" + "".join(f"\n  {p}" for p in changed))
    return 0


def _check(args: argparse.Namespace) -> int:
    from benchmark.run import check

    return check.main(args.overrides)


def _compare(args: argparse.Namespace) -> int:
    from benchmark.report import compare

    return compare.main(args.systems, args.json, args.track)


def _explain(args: argparse.Namespace) -> int:
    from benchmark.report import explain

    return explain.main(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"newsbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    fetch = subcommand(sub, "fetch", "put an outside corpus (winer-fr) in the user cache, verified against its committed manifest")
    fetch.add_argument("source", choices=SOURCES)
    fetch.add_argument("--from", dest="from_dir", type=Path, metavar="DIR", help="copy a local checkout instead of downloading (what CI does)")
    fetch.add_argument("--url", help="download this archive instead of the manifest's (a mirror)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if a verified copy is there")
    fetch.set_defaults(func=_fetch)
    add = subcommand(sub, "add", "add raw articles as pending seeds with a draft annotation")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH.txt",
                     help="article files; with --source, article paths inside the fetched corpus (2017/10/2017_10_19-002)")
    add.add_argument("--source", choices=SOURCES, metavar="CORPUS",
                     help="reference articles of a fetched corpus (winer-fr) instead of copying them (gold/GUIDELINES.md §4)")
    add.add_argument("--split", choices=("dev", "test"), help="with --source: the split (default: by year, 2016 dev, later test)")
    add.add_argument("--rank", type=int, help="with --source: the first article's rank in the selection list (default: the next)")
    add.add_argument("--skip", metavar="REASON", help="with --source: list the candidate as skipped, with the reason, in gold/selection.tsv")
    add.add_argument("--draft-source-entities", action="store_true",
                     help="with --source: draft the entities from the corpus's own annotation (WiNER-fr's, through the track's mapping)")
    add.add_argument("--draft-model", metavar="NAME", help="extractor of configs/model/NAME.yaml to draft with: refused, as every repository "
                     "extractor competes on "
                          "the leaderboard on the layers it predicts (default: empty draft)")
    add.add_argument("--fix-line-ends", action="store_true", help="store CRLF or CR line ends as LF (otherwise such files are refused)")
    add.set_defaults(func=_add)
    promote = subcommand(sub, "promote", "move a pending seed into the test split with its reviewed gold")
    promote.add_argument("id", help="the pending seed's id")
    promote.add_argument("--gold", type=Path, help="the reviewed gold record (default: gold/annotations/ID.json)")
    promote.set_defaults(func=_promote)
    validate = subcommand(sub, "validate", "check gold (default) or prediction files (.jsonl)")
    validate.add_argument("paths", nargs="*", type=Path)
    validate.set_defaults(func=_validate)
    build = subcommand(sub, "build", "write the Hugging Face dataset under gold/")
    build.add_argument("--check", action="store_true", help="only report whether the committed package is fresh")
    build.add_argument("--dry-run-push", type=Path, metavar="DIR",
                       help="write what a Hub push would upload to DIR/hub (and save_to_disk to DIR/disk), load both back offline")
    build.set_defaults(func=_build)
    subcommand(sub, "run", "score one extractor (Hydra: model=NAME, -m, --cfg job ...)")
    board = subcommand(sub, "leaderboard", "rebuild leaderboard/ from leaderboard/results/")
    board.set_defaults(func=_leaderboard)
    check = subcommand(sub, "check", "regression check of every published system")
    check.add_argument("overrides", nargs="*", help="Hydra overrides applied to every re-run")
    check.set_defaults(func=_check)
    compare = subcommand(sub, "compare", "paired significance tests between systems, on every headline metric")
    compare.add_argument("systems", nargs="+", help="results files, run directories or published system names")
    compare.add_argument("--json", action="store_true", help="print JSON instead of tables")
    compare.add_argument("--track", default="newsbench", metavar="TRACK",
                         help="the track whose published systems NAMEs refer to (a configs/dataset/ name: newsbench, winer-fr)")
    compare.set_defaults(func=_compare)
    explain = subcommand(sub, "explain", "the errors of one run (errors.jsonl) in context; --html for a page")
    explain.add_argument("run", help="a run directory, or its results.json")
    explain.add_argument("--layer", action="append", help="a layer or its prefix (entities or ner, quotes, quotes.cue, events ...); repeatable")
    explain.add_argument("--class", dest="classes", action="append", help="an error class (missed, spurious, boundary ...; correct); repeatable")
    explain.add_argument("--doc", action="append", help="a document id; repeatable")
    explain.add_argument("--all", action="store_true", help="include correct units (default: errors only)")
    explain.add_argument("--html", type=Path, help="write a self-contained HTML page of the selected records to this file")
    explain.set_defaults(func=_explain)
    from benchmark.cli.annotation import add_parsers

    add_parsers(sub)
    return parser


def unknown_subcommand(argv: list[str]) -> str | None:
    """``python -m benchmark compar``: the closest subcommand, instead of argparse's list alone."""
    if not argv or argv[0].startswith("-") or argv[0] in SUBCOMMANDS:
        return None
    close = difflib.get_close_matches(argv[0], SUBCOMMANDS, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"no subcommand {argv[0]!r}; {hint}available: {', '.join(SUBCOMMANDS)}"


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "run":
        from benchmark.run import runner

        sys.argv = [f"{sys.argv[0]} run", *argv[1:]]
        return runner.hydra_entry(argv[1:])
    if (problem := unknown_subcommand(argv)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, DataErrors) as exc:
        errors = exc.errors if isinstance(exc, DataErrors) else [exc]
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"{len(errors)} error(s); nothing was written", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = _dispatch(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as ``cat`` does. stdout is
        # pointed at /dev/null so the interpreter's final flush raises nothing either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
