"""Arguments and steps that several subcommands share."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)


def add_input_arguments(parser: argparse.ArgumentParser, *, project: bool = True) -> None:
    """Add ``INPUT...``, ``--roster``, ``--strict`` (and ``--project``) to ``parser``."""
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="transcript files or directories (read recursively), or a CSV/JSONL of segments",
    )
    add_roster_arguments(parser)
    if project:
        parser.add_argument("--project", metavar="P.sqlite", help="read the corpus from a project file instead of INPUT")


def add_roster_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--roster``, ``--strict`` and the consultation options ``--questions`` and ``--attributes``."""
    parser.add_argument(
        "--roster", metavar="ROSTER.csv", help="participant roster (transcript, speaker, participant_id, role, ...)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="make speaker problems errors: a speaker missing from the roster, a roster speaker "
        "never found in their transcript, a transcript collapsed into one turn; and any doubt about a consultation's columns",
    )
    parser.add_argument(
        "--questions",
        action="append",
        metavar="COLUMN",
        help="consultation exports: the question columns (headers or keys such as q1; repeat the option "
        "or separate with commas); no other column is read as a question",
    )
    parser.add_argument(
        "--attributes",
        action="append",
        metavar="COLUMN",
        help="consultation exports: the respondent attribute columns; no other column is kept as an attribute",
    )


def consultation_options(args: argparse.Namespace) -> dict:
    """``questions`` and ``attributes`` for :func:`outcomes_qual.ingest.read_corpus` from ``args``."""
    return {"questions": getattr(args, "questions", None), "attributes": getattr(args, "attributes", None)}


def report_reads(corpus, stream=None) -> None:
    """Print what each consultation read decided and counted (``corpus.reads``) on stderr."""
    stream = stream or sys.stderr
    for report in getattr(corpus, "reads", []):
        print(str(report), file=stream)


def add_project_argument(parser: argparse.ArgumentParser, *, help_text: str = "the project file") -> None:
    """Add a required ``--project P.sqlite``."""
    parser.add_argument("--project", required=True, metavar="P.sqlite", help=help_text)


def refuse_output_over_inputs(out: str, inputs) -> None:
    """Raise :class:`InputError` when ``--out`` names one of the ``inputs`` (``'-'``, stdout, never does)."""
    if out == "-":
        return
    target = Path(out).resolve()
    for raw in inputs:
        if Path(raw).resolve() == target:
            raise InputError("--out would overwrite an input file; choose another path", path=out)


def load_corpus(args: argparse.Namespace):
    """Read the corpus named by ``args`` (INPUT paths or ``--project``).

    Problems with single files are reported on stderr, one line each; the
    batch goes on. Raises :class:`InputError` when nothing could be read.
    """
    project = getattr(args, "project", None)
    if project:
        if args.inputs:
            raise InputError("give either INPUT paths or --project, not both", path=project)
        from ..project import Project

        with Project.open(project) as proj:
            return proj.corpus()
    if not args.inputs:
        raise InputError("no INPUT given: name transcript files or directories (or --project)")
    return read_inputs(args.inputs, roster=args.roster, strict=args.strict, **consultation_options(args))


def read_inputs(inputs, *, roster=None, strict: bool = False, questions=None, attributes=None):
    """Read transcripts from ``inputs``, reporting what each consultation read and each problem on stderr.

    Raises :class:`InputError` when no turn could be read from any of them.
    """
    from ..ingest import read_corpus

    corpus = read_corpus(inputs, roster=roster, strict=strict, questions=questions, attributes=attributes)
    report_reads(corpus)
    report_problems(corpus)
    if not len(corpus.segments):
        raise InputError(f"no turns could be read from {', '.join(map(str, inputs))}")
    return corpus


def report_problems(corpus) -> int:
    """Print each of ``corpus.problems`` as one line on stderr; return how many."""
    for problem in corpus.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return len(corpus.problems)


def add_anonymise_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--names`` and ``--no-anonymise``."""
    parser.add_argument("--names", metavar="NAMES.csv", help="third-party names to pseudonymise (name, replacement or category)")
    parser.add_argument(
        "--no-anonymise",
        dest="anonymise",
        action="store_false",
        help="keep real names in quotes and exports (internal use only)",
    )


def anonymise(corpus, args: argparse.Namespace):
    """Pseudonymise ``corpus`` unless ``--no-anonymise`` was given."""
    if not getattr(args, "anonymise", True):
        logger.warning("--no-anonymise: outputs contain real names; do not share them")
        return corpus
    from ..anonymise import pseudonymise_corpus

    corpus, _mapping = pseudonymise_corpus(corpus, names=getattr(args, "names", None))
    return corpus
