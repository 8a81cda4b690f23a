"""``outcomes-qual validate``: the auto-coder against a person's coded sample, per code, with bootstrap intervals.

    outcomes-qual validate --project P.sqlite --coder outcomes_qual --against ana
        [--level theme|code] [--out validation.csv] [--confusions confusions.csv]
        [--per-unit units.csv] [--boot 1000] [--seed 0]

    outcomes-qual validate MACHINE.csv HUMAN.csv --segments SEGMENTS.csv [...]

With --project the units are the turns the person coded or reviewed; with
CSVs, the turns in --segments (the sample the person was given), or with
--units-from-human the turns the human file codes. Prints a summary table and
the theme x theme confusions; writes the CSVs asked for.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..agreement.validation import people
from ..errors import InputError
from ..safe_tables import write_csv
from ._compare import check_outputs, read_table

#: Decimal places in the written CSVs (the library returns unrounded values).
DECIMALS = 4


def register(subparsers) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="agreement of the auto-coder with a person's coded sample, per code, with bootstrap intervals",
        description=(
            "Compare the machine's codings with a person's on the turns the person coded or reviewed: per code "
            "and overall, percent agreement, Cohen's kappa, Krippendorff's alpha and Gwet's AC1 (95% bootstrap "
            "intervals over turns for the first three), precision, recall and F1 of the machine against the "
            "person, and which codes the machine gave instead."
        ),
    )
    parser.add_argument(
        "codings",
        nargs="*",
        metavar="CODINGS.csv",
        help="MACHINE.csv HUMAN.csv (segment_id, code, coder), or one CSV with both coders",
    )
    parser.add_argument("--project", metavar="P.sqlite", help="read the codings from a project file")
    parser.add_argument(
        "--coder", metavar="NAME", help="the auto-coder's name (default: outcomes_qual with --project; the coder of MACHINE.csv)"
    )
    parser.add_argument(
        "--against", metavar="NAME", help="the person whose coding is the reference (default with CSVs: the coder of HUMAN.csv)"
    )
    parser.add_argument(
        "--segments",
        metavar="SEGMENTS.csv",
        help="with CSVs: the turns the person was given (segment_id; role to leave out facilitators)",
    )
    parser.add_argument(
        "--units-from-human",
        action="store_true",
        help="with CSVs and no --segments: the units are the turns the human file codes or reviews",
    )
    parser.add_argument(
        "--level", choices=("theme", "code"), default="theme", help="roll sub-codes up to themes (default) or compare code keys"
    )
    parser.add_argument(
        "--codes", nargs="+", metavar="CODE", help="only these codes (default: the project's codebook, or every code used)"
    )
    parser.add_argument(
        "--boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for the 95%% intervals (default 1000; 0 for none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument(
        "--no-reviews",
        dest="include_reviews",
        action="store_false",
        help="use only the person's own codings, not the suggestions they accepted or rejected",
    )
    parser.add_argument("--include-facilitator", action="store_true", help="with --segments: count facilitator turns")
    parser.add_argument("--out", metavar="validation.csv", help="write the per-code table")
    parser.add_argument(
        "--confusions", metavar="confusions.csv", help="write the confusion counts (human_code, machine_code, n_units)"
    )
    parser.add_argument("--per-unit", metavar="units.csv", help="write each unit's machine and human code sets")
    parser.set_defaults(func=run)


def _check_outputs(args) -> None:
    check_outputs(
        {"--out": args.out, "--confusions": args.confusions, "--per-unit": args.per_unit},
        [*args.codings, args.segments, args.project],
    )


def _from_project(args) -> dict:
    from ..project import Project

    if args.codings:
        raise InputError("give either CODINGS.csv files or --project, not both", path=args.project)
    if args.segments or args.units_from_human:
        raise InputError(
            "--segments and --units-from-human go with CSVs; with --project the units are the turns --against coded or reviewed",
            path=args.project,
        )
    if not args.against:
        raise InputError("--project needs --against NAME (the person whose coding is the reference)", path=args.project)
    machine = args.coder or "outcomes_qual"
    with Project.open(args.project) as proj:
        codings = proj.codings()
        codes = args.codes
        if codes is None and len(proj.codebook_versions()):
            cb = proj.codebook()
            codes = cb.theme_keys() if args.level == "theme" else cb.keys()
    coders = sorted(set(codings["coder"]))
    if machine not in coders:
        raise InputError(
            f"--coder: no codings by {machine!r} in the project; coders in it: {coders or 'none'}", path=args.project
        )
    if args.against not in people(codings):
        raise InputError(
            f"--against: no codings by {args.against!r} in the project, nor any reviewed by them; "
            f"coders and reviewers in it: {people(codings) or 'none'}",
            path=args.project,
        )
    return {"codings": codings, "machine": machine, "against": args.against, "codes": codes}


def _coder_of(frame: pd.DataFrame, path: str, flag: str) -> str:
    names = sorted(set(frame["coder"].dropna().astype(str)))
    if len(names) != 1:
        raise InputError(f"names {len(names)} coders ({names}); say which is meant with {flag}", path=path)
    return names[0]


def _from_files(args) -> dict:
    if len(args.codings) not in (1, 2):
        raise InputError(
            "give MACHINE.csv HUMAN.csv (or one CSV with both coders) and --segments SEGMENTS.csv, "
            f"or --project P.sqlite; got {len(args.codings)} CSV file(s)"
        )
    frames = []
    for path in args.codings:
        frame = read_table(path, required=("segment_id", "code"), what="codings")
        if "coder" not in frame.columns:
            frame["coder"] = Path(path).stem
        frames.append(frame)
    if len(frames) == 2:
        machine = args.coder or _coder_of(frames[0], args.codings[0], "--coder")
        against = args.against or _coder_of(frames[1], args.codings[1], "--against")
    else:
        if not (args.coder and args.against):
            raise InputError("with one codings CSV, name both coders with --coder and --against", path=args.codings[0])
        machine, against = args.coder, args.against
    codings = pd.concat(frames, ignore_index=True)
    coders = people(codings)
    for flag, name in (("--coder", machine), ("--against", against)):
        if name not in coders:
            raise InputError(f"{flag}: no codings by {name!r} in {', '.join(args.codings)}; coders there: {coders}")
    segments = None
    if args.segments:
        segments = read_table(args.segments, required=("segment_id",), what="segments")
    elif not args.units_from_human:
        raise InputError(
            "with CSVs, give --segments SEGMENTS.csv (the turns the person was given) or "
            "--units-from-human (the turns the human file codes)"
        )
    return {"codings": codings, "machine": machine, "against": against, "codes": args.codes, "segments": segments}


def _fmt(value, ci_low=None, ci_high=None, digits: int = 2) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    if ci_low is not None and not pd.isna(ci_low):
        text += f" [{ci_low:.{digits}f}, {ci_high:.{digits}f}]"
    return text


def summary_lines(table: pd.DataFrame, confusions: pd.DataFrame) -> list[str]:
    """The printed summary: one line per code, then the confusion matrix."""
    from ..agreement import confusion_matrix

    head = [
        "code",
        "units",
        "machine",
        "human",
        "% agreement [95% CI]",
        "kappa [95% CI]",
        "alpha [95% CI]",
        "AC1",
        "precision",
        "recall",
        "F1",
    ]
    rows = []
    for r in table.to_dict("records"):
        rows.append(
            [
                r["code"],
                str(r["n_units"]),
                str(r["n_machine"]),
                str(r["n_human"]),
                _fmt(
                    100 * r["percent_agreement"],
                    100 * r["percent_agreement_ci_low"],
                    100 * r["percent_agreement_ci_high"],
                    digits=0,
                ),
                _fmt(r["cohen_kappa"], r["cohen_kappa_ci_low"], r["cohen_kappa_ci_high"]),
                _fmt(r["krippendorff_alpha"], r["krippendorff_alpha_ci_low"], r["krippendorff_alpha_ci_high"]),
                _fmt(r["gwet_ac1"]),
                _fmt(r["precision"]),
                _fmt(r["recall"]),
                _fmt(r["f1"]),
            ]
        )
    lines = _aligned(head, rows)
    if len(confusions):
        codes = [c for c in table["code"] if c != "all"]
        mat = confusion_matrix(confusions, codes)
        lines += ["", "confusions (rows: human, columns: machine; units)"]
        lines += _aligned(
            ["human \\ machine", *mat.columns], [[i, *map(str, row)] for i, row in zip(mat.index, mat.values, strict=True)]
        )
    return lines


def _aligned(head, rows) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

    def fmt(vals) -> str:
        return "  ".join(
            str(v).ljust(w) if j == 0 else str(v).rjust(w) for j, (v, w) in enumerate(zip(vals, widths, strict=True))
        ).rstrip()

    return [fmt(head), *(fmt(r) for r in rows)]


def run(args: argparse.Namespace) -> int:
    """Validate, print the summary and write the CSVs; return the exit code."""
    from ..agreement import confusion_counts, validate, validation_units

    _check_outputs(args)
    if args.boot < 0:
        raise InputError(f"--boot: expected a number of resamples >= 0, got {args.boot}")
    if args.project:
        given = _from_project(args)
        source = args.project
    else:
        given = _from_files(args)
        source = ", ".join(args.codings)
    common = dict(
        machine=given["machine"],
        against=given["against"],
        segments=given.get("segments"),
        level=args.level,
        codes=given["codes"],
        include_reviews=args.include_reviews,
        include_facilitator=args.include_facilitator,
    )
    try:
        table = validate(given["codings"], n_boot=args.boot, random_state=args.seed, **common)
        confusions = confusion_counts(given["codings"], **common)
        per_unit = validation_units(given["codings"], **common) if args.per_unit else None
    except InputError as err:
        raise InputError(f"{err} (codings: {source})") from None
    first, overall = table.iloc[0], table.iloc[-1]
    n_turns = int(first["n_units"] + first["n_undecided"]) if len(table) > 1 else 0
    undecided = (
        (
            f", {int(overall['n_undecided'])} undecided (turn, {args.level}) decision(s) left out (suggestion "
            "still pending on a reviewed turn)"
        )
        if overall["n_undecided"]
        else ""
    )
    print(
        f"{given['machine']} against {given['against']}: {n_turns} turn(s) in the sample, {len(table) - 1} "
        f"{args.level}(s){undecided}, {args.boot} bootstrap resamples (seed {args.seed})"
    )
    for line in summary_lines(table, confusions):
        print(line)
    for path, frame in ((args.out, table), (args.confusions, confusions), (args.per_unit, per_unit)):
        if path and frame is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            write_csv(frame.round(DECIMALS), path)
            print(f"wrote {path}")
    return 0
