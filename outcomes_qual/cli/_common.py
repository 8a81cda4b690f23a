"""Arguments and steps that several subcommands share."""

from __future__ import annotations

import argparse
import logging
import sys

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
    parser.add_argument("--roster", metavar="ROSTER.csv", help="participant roster (transcript, speaker, participant_id, role, ...)")
    parser.add_argument("--strict", action="store_true", help="make speakers missing from the roster an error")
    if project:
        parser.add_argument("--project", metavar="P.sqlite", help="read the corpus from a project file instead of INPUT")


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
    from ..ingest import read_corpus

    corpus = read_corpus(args.inputs, roster=args.roster, strict=args.strict)
    report_problems(corpus)
    if not len(corpus.segments):
        raise InputError(f"no turns could be read from {', '.join(map(str, args.inputs))}")
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
