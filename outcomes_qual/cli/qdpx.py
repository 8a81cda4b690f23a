"""``outcomes-qual export-qdpx | export-qdc | import-qdpx | import-qdc``: REFI-QDA exchange.

Move coded projects (``.qdpx``) and codebooks (``.qdc``) to and from NVivo,
ATLAS.ti, MAXQDA and QualCoder. Thin layer over :mod:`outcomes_qual.interop`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from . import _common


def register(subparsers) -> None:
    """Add the four REFI-QDA subcommands."""
    p = subparsers.add_parser(
        "export-qdpx",
        help="export a project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder",
        description=(
            "Write the project's transcripts, participants (as cases with typed variables), codebook, "
            "codings and memos as a REFI-QDA .qdpx. Names are pseudonymised unless --no-anonymise."
        ),
    )
    p.add_argument("out", metavar="OUT.qdpx", help="the .qdpx file to write")
    _common.add_project_argument(p, help_text="the project file to export")
    _common.add_anonymise_arguments(p)
    p.add_argument("--accepted-only", action="store_true", help="export accepted codings only (default: all but rejected)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.qdpx if it exists")
    p.set_defaults(func=run_export_qdpx)

    p = subparsers.add_parser(
        "export-qdc",
        help="export a YAML codebook as a REFI-QDA codebook (.qdc)",
        description="Write CODEBOOK.yaml as a REFI-QDA codebook (.qdc) with stable GUIDs.",
    )
    p.add_argument("codebook", metavar="CODEBOOK.yaml", help="the YAML codebook")
    p.add_argument("out", metavar="OUT.qdc", help="the .qdc file to write")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.qdc if it exists")
    p.set_defaults(func=run_export_qdc)

    p = subparsers.add_parser(
        "import-qdpx",
        help="import a REFI-QDA project (.qdpx) into a project file",
        description=(
            "Read a .qdpx written by NVivo, ATLAS.ti, MAXQDA, QualCoder or outcomes_qual into a project "
            "(created if missing). Transcripts already in the project with the same text are reused and "
            "the imported codings are added to them. Unsafe or broken archives are refused and nothing is written."
        ),
    )
    p.add_argument("input", metavar="IN.qdpx", help="the .qdpx file to read")
    _common.add_project_argument(p, help_text="the project file to add to (created if missing)")
    p.add_argument(
        "--crlf",
        choices=("auto", "raw", "collapsed"),
        default="auto",
        help="how the other tool counted CRLF line ends in positions (default: auto)",
    )
    p.add_argument(
        "--align-turns",
        action="store_true",
        help="for transcripts already in the project whose text differs but whose turns match (a colleague "
        "coded a pseudonymised export), keep the project's text and move their codings onto it",
    )
    p.set_defaults(func=run_import_qdpx)

    p = subparsers.add_parser(
        "import-qdc",
        help="convert a REFI-QDA codebook (.qdc) to a YAML codebook",
        description="Read a .qdc from any REFI-QDA tool and write it in the toolkit's YAML codebook format.",
    )
    p.add_argument("input", metavar="IN.qdc", help="the .qdc file to read")
    p.add_argument("--out", required=True, metavar="CODEBOOK.yaml", help="the YAML codebook to write")
    p.add_argument("--overwrite", action="store_true", help="replace CODEBOOK.yaml if it exists")
    p.set_defaults(func=run_import_qdc)


def _check_out(path: str, overwrite: bool) -> Path:
    out = Path(path)
    if out.exists() and not overwrite:
        raise InputError("file exists; refusing to overwrite it (pass --overwrite)", path=out)
    return out


def run_export_qdpx(args: argparse.Namespace) -> int:
    """Export a project as a REFI-QDA project (.qdpx); print what was written; return the exit code."""
    from ..codebook import Codebook
    from ..interop import export_qdpx
    from ..interop.project_io import anonymise_for_export
    from ..project import Project

    out = _check_out(args.out, args.overwrite)
    with Project.open(args.project) as proj:  # refuses a missing project file
        corpus = proj.corpus()
        codings = proj.codings(status="accepted" if args.accepted_only else None)
        memos = proj.memos()
        try:
            codebook = proj.codebook()
        except InputError:
            codebook = Codebook(name=Path(args.project).stem, codes=())
        if args.anonymise:
            corpus, codings, memos, mapping = anonymise_for_export(corpus, codings, memos, names=args.names)
            proj.set_name_mapping(mapping)  # the way back to real names stays in the project, never in the export
        else:
            corpus = _common.anonymise(corpus, args)  # logs that real names are kept
    summary = export_qdpx(corpus, codings, codebook, out, memos=memos, name=Path(args.project).stem)
    for msg in summary.skipped:
        print(f"warning: {msg}", file=sys.stderr)
    print(
        f"wrote {out}: {summary.n_sources} transcripts, {summary.n_cases} participants, {summary.n_codes} codes, "
        f"{summary.n_codings} codings, {summary.n_memos} memos"
        + (" (names pseudonymised)" if args.anonymise else " (REAL NAMES: internal use only)")
    )
    return 0


def run_export_qdc(args: argparse.Namespace) -> int:
    """Export a codebook as a REFI-QDA codebook (.qdc); print what was written; return the exit code."""
    from ..codebook import load_codebook
    from ..interop import export_qdc

    out = _check_out(args.out, args.overwrite)
    codebook = load_codebook(args.codebook)
    export_qdc(codebook, out)
    print(f"wrote {out}: {len(codebook)} codes in {len(codebook.themes())} themes")
    return 0


def run_import_qdpx(args: argparse.Namespace) -> int:
    """Import a REFI-QDA project (.qdpx) into a project file; print what was added; return the exit code."""
    from ..interop.project_io import import_qdpx_to_project

    summary = import_qdpx_to_project(args.input, args.project, crlf=args.crlf, align_turns=args.align_turns)
    for msg in summary["skipped"]:
        print(f"warning: {msg}", file=sys.stderr)
    print(
        f"{'created' if summary['created'] else 'updated'} {args.project}: "
        f"{summary['transcripts_added']} transcripts added, {summary['transcripts_reused']} reused, "
        f"{summary['codings_added']} codings, {summary['memos_added']} memos"
        + (f"; {len(summary['skipped'])} item(s) skipped (see warnings)" if summary["skipped"] else "")
    )
    return 0


def run_import_qdc(args: argparse.Namespace) -> int:
    """Import a REFI-QDA codebook (.qdc) as a YAML codebook; print what was written; return the exit code."""
    from ..codebook import load_codebook, save_codebook
    from ..interop import import_qdc

    out = _check_out(args.out, args.overwrite)
    codebook = import_qdc(args.input)
    if not len(codebook):
        raise InputError("the codebook has no codes; nothing to write", path=args.input)
    save_codebook(codebook, out, overwrite=args.overwrite)
    load_codebook(out)  # what was written must load
    print(f"wrote {out}: {len(codebook)} codes in {len(codebook.themes())} themes")
    return 0
