"""``outcomes-qual suggest``: which turns to code next, so that the coder learns most from them.

Exit codes: 0 written; 2 nothing could be suggested (bad codebook or training file, no turns).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ..safe_tables import write_csv
from ._common import add_input_arguments, load_corpus, refuse_output_over_inputs


def register(subparsers) -> None:
    """Add the ``suggest`` subcommand."""
    parser = subparsers.add_parser(
        "suggest",
        help="list the turns whose coding would teach the auto-coder most (active learning)",
        description=(
            "Rank the turns not yet coded by how much a person's coding of them would teach the default "
            "auto-coder: the turns it is least sure of (near a decision boundary), passing over near-copies. "
            "Code them, then run 'autocode --train' with your codings to code the rest."
        ),
    )
    add_input_arguments(parser, project=True)
    parser.add_argument("--codebook", required=True, metavar="CODEBOOK.yaml")
    parser.add_argument("--train", metavar="CODINGS.csv", help="codings people have made so far (segment_id, code)")
    parser.add_argument("-n", type=int, default=20, help="how many turns to suggest (default 20)")
    parser.add_argument("--strategy", choices=("mixed", "uncertainty", "diversity"), default="mixed")
    parser.add_argument("--backend", choices=("auto", "lsa", "sentence-transformers"), default="auto")
    parser.add_argument("--model", metavar="DIR", help="local sentence-transformers model directory")
    parser.add_argument("--out", required=True, metavar="SUGGESTED.csv", help="where to write the ranked turns ('-' for stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the ranked turns with their text, speaker role and why each was chosen."""
    from ..codebook import load_codebook
    from ..coding import suggest_next
    from .autocode import read_training_codings

    if args.out != "-":
        refuse_output_over_inputs(
            args.out, [*args.inputs, *(p for p in (args.roster, args.codebook, args.train, args.project) if p)]
        )
    if args.n < 1:
        raise InputError(f"-n: expected a positive number of turns, got {args.n}")
    codebook = load_codebook(args.codebook)
    coded = read_training_codings(args.train) if args.train else None
    corpus = load_corpus(args)
    segments = corpus.segments
    try:
        picks = suggest_next(
            segments, codebook, coded=coded, n=args.n, strategy=args.strategy, backend=args.backend, model_path=args.model
        )
    except ValueError as err:
        raise InputError(str(err)) from None
    cols = [c for c in ("segment_id", "role", "text") if c in segments.columns]
    table = picks.merge(segments[cols].astype({"segment_id": str}), on="segment_id", how="left")
    if args.out == "-":
        write_csv(table, sys.stdout)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, args.out)
        print(f"wrote {args.out}: {len(table)} turns to code next ({args.strategy})")
    return 0
