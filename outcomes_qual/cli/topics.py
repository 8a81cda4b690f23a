"""``outcomes-qual topics``: find codebook themes and emergent topics; write tables and figures.

Writes into ``--out DIR``: ``topics.csv``, ``topic_by_role.csv``,
``topic_by_authority.csv``, ``topic_assignments.csv`` and
``figures/topic_sizes.{png,svg}``, ``figures/topic_by_role.{png,svg}``.
Quotes are pseudonymised unless ``--no-anonymise`` is given.

Exit codes: 0 all inputs read; 1 some inputs could not be read (topics were
found in the rest); 2 nothing to model or bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import InputError
from ._common import add_anonymise_arguments, add_input_arguments, anonymise, load_corpus

logger = logging.getLogger(__name__)


def register(subparsers) -> None:
    """Add the ``topics`` subcommand."""
    parser = subparsers.add_parser(
        "topics",
        help="find emergent themes: topics the codebook covers and topics it does not",
        description=(
            "Model the topics of participants' turns (facilitator and very short turns left out). "
            "Turns that match a codebook theme (or were coded, with --codings) go to that theme; the rest "
            "are clustered, and each cluster is compared with the codebook: clusters no code is close to "
            "are emergent. Writes topic tables (CSV) and figures (PNG, SVG) into --out."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--codebook", metavar="CODEBOOK.yaml", help="codebook whose themes turns are matched to")
    parser.add_argument(
        "--codings", metavar="CODINGS.csv", help="codings table (segment_id, code[, confidence]) to use instead of matching"
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "light", "bertopic"),
        default="auto",
        help="bertopic: sentence embeddings + UMAP/HDBSCAN (embeddings extra); light: TF-IDF/LSA + k-means; "
        "auto (default): bertopic when installed",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (same seed, same topics; default 0)")
    parser.add_argument(
        "--min-topic-size", type=int, metavar="N", help="smallest emergent topic (default: 1 in 50 turns, 5 to 60)"
    )
    add_anonymise_arguments(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the tables and figures")
    parser.set_defaults(func=run)


def _check_out(args: argparse.Namespace) -> Path:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a directory, and this is a file", path=out)
    given = list(args.inputs or []) + [p for p in (args.roster, args.codebook, args.codings, args.names) if p]
    for raw in given:
        if Path(raw).resolve() == out.resolve():
            raise InputError("--out is one of the inputs; choose a new directory", path=out)
    return out


def run(args: argparse.Namespace) -> int:
    """Find topics in the corpus named by ``args`` and write tables and figures."""
    from ..topics import find_topics, write_topic_figures, write_topic_tables

    if args.min_topic_size is not None and args.min_topic_size < 2:
        raise InputError(f"--min-topic-size: expected an integer of at least 2, got {args.min_topic_size}")
    out = _check_out(args)
    corpus = load_corpus(args)
    from ..ingest import UnknownSpeakersError

    failures = [p for p in corpus.problems if not isinstance(p, UnknownSpeakersError)]
    corpus = anonymise(corpus, args)
    result = find_topics(
        corpus,
        codebook=args.codebook,
        codings=args.codings,
        backend=args.backend,
        random_state=args.seed,
        min_topic_size=args.min_topic_size,
    )
    paths = write_topic_tables(result, out)
    paths += write_topic_figures(result, out / "figures")
    s = result.summary
    print(
        f"{s['n_used']} turns modelled ({s['n_excluded_facilitator']} facilitator and {s['n_excluded_short']} "
        f"very short turns left out) with the {s['backend']} backend ({s['embedding']} embeddings): "
        f"{s['n_topics']} topics, {s['n_codebook_topics']} matched to codebook themes, {s['n_emergent']} emergent, "
        f"{s['n_outliers']} turns unassigned."
    )
    for row in result.emergent_topics().itertuples(index=False):
        print(
            f"  emergent topic {row.topic_id}: {row.label} ({row.size} turns, {row.n_groups} groups, {row.n_participants} people)"
        )
    for path in paths:
        print(f"wrote {path}")
    if failures:
        print(f"warning: {len(failures)} input(s) could not be read; topics were found in the rest", file=sys.stderr)
        return 1
    return 0
