"""``python -m benchmark export`` and ``import``: the file side of the formats.

Both render everything in memory first and write only when every document
passed, so a bad file leaves nothing half-written.
"""

from __future__ import annotations

import argparse
from importlib import import_module
from pathlib import Path

from benchmark import paths
from benchmark.annotation.annotators import check_name, work_path
from benchmark.annotation.formats import EXPORT_FORMATS, IMPORT_FORMATS
from benchmark.annotation.records import gold_json, known_seeds, source_documents
from benchmark.cli.parsers import subcommand
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_bytes


def _module(name: str):
    return import_module(f"benchmark.annotation.formats.{name}")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def export_command(args: argparse.Namespace) -> int:
    docs = source_documents(args.ids, known_seeds(), args.source)
    files = _module(args.format).export(docs, args.out)
    for path, data in files.items():
        atomic_write_bytes(path, data)
    print(f"exported {len(docs)} document(s) as {args.format} to {args.out}" + "".join(f"\n  {_shown(p)}" for p in files))
    return 0


def import_command(args: argparse.Namespace) -> int:
    errors = check_name(args.annotator)
    if errors:
        raise DataErrors(errors)
    if args.format == "labelstudio":
        from benchmark.annotation.formats.labelstudio import Choice

        docs = _module(args.format).read(args.path, known_seeds(), Choice(args.annotator, args.annotation_index))
    elif args.annotation_index is not None:
        raise DataErrors([DataError(str(args.path), None, "--annotation-index", "only a Label Studio export holds several annotations per document")])
    else:
        docs = _module(args.format).read(args.path, known_seeds())
    rendered = {work_path(args.annotator, doc.id): gold_json(doc).encode() for doc in docs}
    for path, data in rendered.items():
        atomic_write_bytes(path, data)
    print(f"imported {len(docs)} document(s) for annotator {args.annotator}" + "".join(f"\n  {_shown(p)}" for p in rendered))
    return 0


def agreement_command(args: argparse.Namespace) -> int:
    from benchmark.annotation import agreement

    return agreement.command(args.ids, args.sheet or paths.SHEET_FILE)


def add_parsers(sub) -> None:
    export = subcommand(sub, "export", "write records for an annotation tool or a trainer")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("ids", nargs="*", help="document ids (default: every record of the source)")
    export.add_argument("--out", required=True, type=Path, help="output directory")
    export.add_argument("--from", dest="source", type=Path, default=None,
                        help=f"directory of records to export (default: {_shown(paths.ANNOTATIONS_DIR)}/ID.json, else the draft "
                             f"{_shown(paths.DRAFTS_DIR)}/ID.json; e.g. {_shown(paths.WORK_DIR)}/NAME)")
    export.set_defaults(func=export_command)
    imp = subcommand(sub, "import", "read an annotation tool's output into gold/work/ANNOTATOR/")
    imp.add_argument("--format", required=True, choices=IMPORT_FORMATS)
    imp.add_argument("path", type=Path, help="Label Studio JSON export, or a brat directory or .ann file")
    imp.add_argument("--annotator", required=True,
                     help="whose version this is (gold/work/ANNOTATOR/); in a Label Studio task with several annotations, "
                          "the one whose completed_by (user id, email, its part before @, username or name) is ANNOTATOR")
    imp.add_argument("--annotation-index", type=int, default=None, metavar="N",
                     help="Label Studio: import annotations[N] of every task (0-based, as in the export) instead")
    imp.set_defaults(func=import_command)
    agree = subcommand(sub, "agreement", "inter-annotator agreement of gold/work/*/ and an adjudication sheet")
    agree.add_argument("ids", nargs="*", help="document ids (default: every document an annotator has)")
    agree.add_argument("--sheet", type=Path, default=None, help="where to write the adjudication sheet (Markdown)")
    agree.set_defaults(func=agreement_command)
