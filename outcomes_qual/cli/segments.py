"""``outcomes-qual segments``: read transcripts and write the segments table (one row per turn).

Prints per-transcript counts (turns, speakers, words, the largest turn's
share of the words), marking a transcript that looks collapsed.

Exit codes: 0 all inputs read (warnings about speakers or a collapsed
transcript do not count as failures); 1 some inputs failed (the rest were
written); 2 nothing could be read (or a bad roster / ``--strict`` failure).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import schema
from ..errors import InputError
from ..safe_tables import write_csv
from ._common import add_input_arguments, consultation_options, refuse_output_over_inputs, report_problems, report_reads


def register(subparsers) -> None:
    """Add the ``segments`` subcommand."""
    parser = subparsers.add_parser(
        "segments",
        help="read transcripts (txt, docx, vtt, srt, csv, jsonl) and write one row per speaker turn",
        description=(
            "Read transcripts (files or directories, recursively) and write the segments table: "
            f"{', '.join(schema.SEGMENT_COLUMNS)} (and, for consultations, {', '.join(schema.QUESTION_COLUMNS)}). "
            "Files that cannot be read are reported one line each and the rest are written. For a consultation "
            "export (wide or long) what was read is printed: layout, question and attribute columns, counts."
        ),
    )
    add_input_arguments(parser, project=False)
    parser.add_argument("--out", required=True, metavar="SEGMENTS.csv", help="where to write the segments CSV ('-' for stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read ``args.inputs`` and write the segments CSV; return the exit code."""
    from ..ingest import UnknownSpeakersError, read_corpus
    from ..ingest.checks import counts_report

    if not args.inputs:
        raise InputError("no INPUT given: name transcript files or directories")
    out = args.out
    refuse_output_over_inputs(out, [*args.inputs, *([args.roster] if args.roster else [])])
    corpus = read_corpus(args.inputs, roster=args.roster, strict=args.strict, **consultation_options(args))
    report_reads(corpus)
    report_problems(corpus)
    failures = [p for p in corpus.problems if not isinstance(p, UnknownSpeakersError)]
    seg = corpus.segments
    if not len(seg):
        print(f"error: no turns could be read from {', '.join(map(str, args.inputs))}", file=sys.stderr)
        return 2
    table = seg.loc[:, [*schema.SEGMENT_COLUMNS, *(c for c in schema.QUESTION_COLUMNS if c in seg.columns)]]
    if out == "-":
        write_csv(table, sys.stdout)
        stream = sys.stderr
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, out)
        stream = sys.stdout
        print(f"wrote {out}", file=stream)
    from ..analysis import order_roles, role_ranks

    roles = seg["role"].value_counts()
    role_text = ", ".join(f"{roles[r]} {r}" for r in order_roles(roles.index, role_ranks(corpus)))
    n_files_failed = len(failures)
    counts = counts_report(corpus)
    if counts:
        print(counts, file=stream)
    print(
        f"{len(corpus.transcripts)} transcripts, {len(corpus.participants)} participants, "
        f"{len(seg)} turns ({role_text})" + (f"; {n_files_failed} problem(s) reported above" if n_files_failed else ""),
        file=stream,
    )
    return 1 if failures else 0
