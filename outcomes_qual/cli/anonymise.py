"""``outcomes-qual anonymise``: review candidate names, then write pseudonymised copies.

Two steps, which may be run together:

``--review candidates.csv``
    lists words that may be names (with counts, turns, transcripts, a category
    guess, the reasons and an example in context) so that a person can copy
    the real names into a names list (``name,category`` or
    ``name,replacement``).
``--apply --out DIR``
    writes pseudonymised copies: ``DIR/transcripts/<transcript>.txt`` (one file
    per transcript, the header kept, then one ``Role P03: text`` paragraph per
    turn), ``DIR/segments.csv`` (the segments table, its ``start_char`` and
    ``end_char`` indexing those .txt files exactly), ``DIR/roster.csv`` (pseudonymised roster that
    reads the copies back with the right roles and attributes) and
    ``DIR/mapping.csv`` (or ``--mapping PATH``): the real names and their
    replacements. The mapping is sensitive: keep it away from the copies.

The originals are never modified: ``--out`` may not be, contain or sit inside
an input, and no output may overwrite an input file.

Exit codes: 0 done; 1 some inputs could not be read (the rest were done);
2 nothing done (bad arguments, bad names list, nothing readable).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import schema
from ..errors import InputError
from ..safe_tables import write_csv
from ._common import add_input_arguments, load_corpus

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def register(subparsers) -> None:
    """Add the ``anonymise`` subcommand."""
    parser = subparsers.add_parser(
        "anonymise",
        help="list candidate names for review (--review) and write pseudonymised copies (--apply)",
        description=(
            "Find names in transcripts and replace them with stable pseudonyms. Participants' names "
            "(roster, speaker labels, SPEAKERS headers) are always replaced; third-party names come from "
            "--names (CSV: name, replacement and/or category). Review first with --review, then --apply."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--names", metavar="NAMES.csv", help="third-party names to replace (name, replacement or category)")
    parser.add_argument("--review", metavar="CANDIDATES.csv", help="write candidate names with counts and context for review")
    parser.add_argument("--apply", action="store_true", help="write pseudonymised copies and the mapping to --out")
    parser.add_argument("--out", metavar="DIR", help="directory for the pseudonymised copies (with --apply)")
    parser.add_argument(
        "--mapping",
        metavar="MAPPING.csv",
        help="where to write the real-name mapping (default DIR/mapping.csv); it is sensitive",
    )
    parser.set_defaults(func=run)


def _input_files(args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    """Return (input files, input directories), resolved."""
    files: list[Path] = []
    dirs: list[Path] = []
    for raw in list(args.inputs) + [p for p in (args.roster, args.names, getattr(args, "project", None)) if p]:
        p = Path(raw).resolve()
        if p.is_dir():
            dirs.append(p)
            files.extend(q.resolve() for q in p.rglob("*") if q.is_file())
        else:
            files.append(p)
    return files, dirs


def _check_outputs(args: argparse.Namespace) -> None:
    files, dirs = _input_files(args)
    file_set = set(files)
    for option, value in (("--review", args.review), ("--mapping", args.mapping)):
        if value and Path(value).resolve() in file_set:
            raise InputError(f"{option} would overwrite an input file; choose another path", path=value)
    if args.apply:
        if not args.out:
            raise InputError("--apply needs --out DIR: where to write the pseudonymised copies")
        out = Path(args.out).resolve()
        if out.exists() and not out.is_dir():
            raise InputError("--out must be a directory, got a file", path=args.out)
        for f in files:
            if f == out or out in f.parents:
                raise InputError(
                    f"--out contains an input file ({f}); choose an empty directory outside the inputs",
                    path=args.out,
                )
        for d in dirs:
            if out == d or d in out.parents:
                raise InputError(
                    f"--out is inside the input directory {d}; choose a directory outside the inputs",
                    path=args.out,
                )


def layout_transcripts(anon) -> tuple[dict[str, str], "pd.DataFrame"]:
    """Lay out each pseudonymised transcript as ``Role P03: text`` paragraphs.

    Returns the file texts and the segments table with offsets into them.
    """
    from ..anonymise.pseudonymise import ROLE_LABELS

    texts: dict[str, str] = {}
    seg = anon.segments.sort_values(["transcript_id", "turn"]).copy()
    starts, ends, labels = {}, {}, {}
    for tid, rows in seg.groupby("transcript_id", sort=False):
        text = anon.texts.get(tid, "")
        # the header is whole lines before the first turn's line (not its speaker label)
        first = int(rows["start_char"].min())
        cut = text.rfind("\n", 0, first)
        header = text[:cut].strip() if cut > 0 else ""
        out = header + "\n\n" if header else ""
        for row in rows.itertuples():
            label = f"{ROLE_LABELS.get(str(row.role), 'Participant')} {row.speaker}"
            labels[row.Index] = label
            out += f"{label}: "
            starts[row.Index] = len(out)
            out += row.text
            ends[row.Index] = len(out)
            out += "\n\n"
        texts[tid] = out[:-1] if out.endswith("\n\n") else out
    seg["start_char"] = seg.index.map(starts)
    seg["end_char"] = seg.index.map(ends)
    seg["speaker"] = seg.index.map(labels)
    return texts, seg


def _write_copies(anon, mapping, out: Path, mapping_path: Path) -> list[Path]:
    from ..anonymise.pseudonymise import ROLE_LABELS

    written = []
    tdir = out / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    texts, seg = layout_transcripts(anon)
    for tid, text in texts.items():
        path = tdir / f"{tid}.txt"
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    seg_path = out / "segments.csv"
    write_csv(seg.loc[:, [*schema.SEGMENT_COLUMNS, *(c for c in schema.QUESTION_COLUMNS if c in seg.columns)]], seg_path)
    written.append(seg_path)
    roster = anon.participants.copy()
    roster.insert(0, "transcript", roster.pop("transcript_id"))
    roster["speaker"] = [
        f"{ROLE_LABELS.get(str(r), 'Participant')} {s}" for r, s in zip(roster["role"], roster["speaker"], strict=True)
    ]
    keep = [c for c in roster.columns if c not in ("role_raw",)]
    roster_path = out / "roster.csv"
    write_csv(roster.loc[:, keep], roster_path)
    written.append(roster_path)
    mapping_path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(mapping, mapping_path)
    written.append(mapping_path)
    return written


def run(args: argparse.Namespace) -> int:
    """Review and/or apply pseudonymisation; return the exit code."""
    from ..anonymise import find_candidates, pseudonymise_corpus, read_names
    from ..ingest import UnknownSpeakersError

    if not args.review and not args.apply:
        raise InputError("nothing to do: give --review CANDIDATES.csv and/or --apply --out DIR")
    _check_outputs(args)
    names = read_names(args.names) if args.names else None  # a bad names list stops before any output
    corpus = load_corpus(args)
    failures = [p for p in corpus.problems if not isinstance(p, UnknownSpeakersError)]

    if args.review:
        candidates = find_candidates(corpus, roster=args.roster, names=names)
        Path(args.review).parent.mkdir(parents=True, exist_ok=True)
        write_csv(candidates, args.review)
        unlisted = int((~candidates["listed"].astype(bool)).sum()) if len(candidates) else 0
        print(
            f"wrote {args.review}: {len(candidates)} candidate names ({unlisted} not yet in a names list); "
            "copy real names into a names CSV (name,category or name,replacement) and run with --apply"
        )
        print("warning: the candidates file shows real names in context; do not share it", file=sys.stderr)

    if args.apply:
        anon, mapping = pseudonymise_corpus(corpus, names=names)
        anon.check()
        out = Path(args.out)
        mapping_path = Path(args.mapping) if args.mapping else out / "mapping.csv"
        written = _write_copies(anon, mapping, out, mapping_path)
        n = int(mapping["n_replaced"].sum())
        print(
            f"wrote {len(written) - 3} pseudonymised transcripts to {out / 'transcripts'}, "
            f"{out / 'segments.csv'} and {out / 'roster.csv'}: {n} name occurrences replaced "
            f"({len(mapping)} people and places)"
        )
        print(
            f"WARNING: {mapping_path} holds the REAL NAMES and their pseudonyms. It is sensitive: "
            "keep it apart from the pseudonymised copies and never share or export it.",
            file=sys.stderr,
        )
    return 1 if failures else 0
