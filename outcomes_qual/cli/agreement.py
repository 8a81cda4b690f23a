"""``outcomes-qual agreement``: inter-coder agreement between codings tables.

    outcomes-qual agreement A.csv B.csv [C.csv ...] --segments SEGMENTS.csv
        [--unit segment|participant] [--codes CODE ...] [--level code|theme]
        [--boot N] --out agreement.csv [--disagreements D.csv]

    outcomes-qual agreement --project P.sqlite --coders ana ben [--segments S.csv] ...

Each codings CSV needs segment_id and code (and coder; without it the file
name stands for the coder). One CSV with several coders in its coder column
works too. SEGMENTS lists the units every coder was asked to code; with
--project it defaults to every turn of the transcripts the coders coded.
The disagreement table quotes turns: with --project participants' names (and
--names) are pseudonymised unless --no-anonymise; with CSVs, --names names
to replace in its text.

With --project, when one of two --coders is an auto-coder (it made codings by
a method other than manual) and the other a person, the question is "how far
does the machine agree with this person", answered as ``outcomes-qual
validate`` answers it (:func:`outcomes_qual.agreement.review_agreement`): the
units are the turns the person coded or reviewed, a suggestion they accepted
is their coding too, and a suggestion they left pending on a turn they
reviewed is undecided and left out. The codes default to the project's
codebook (its themes with --level theme), as for validate.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..safe_tables import write_csv
from ._common import add_anonymise_arguments
from ._compare import check_outputs, read_table

#: Decimal places in the written CSV (the library returns unrounded values).
DECIMALS = 4


def _f3(value) -> str:
    """A coefficient to three places, or "undefined" (kappa of a code nobody used is undefined, not 1)."""
    return "undefined" if value is None or pd.isna(value) else f"{value:.3f}"


def register(subparsers) -> None:
    """Add the ``agreement`` subcommand."""
    parser = subparsers.add_parser(
        "agreement",
        help="inter-coder agreement (kappa, Krippendorff's alpha, Gwet's AC1) per code and overall",
        description=(
            "Compare two or more coders' codings per code and overall: percent agreement, Cohen's kappa, "
            "Krippendorff's alpha (nominal), Gwet's AC1 and prevalence. The units are the turns (or "
            "participants) in --segments, so a turn no coder coded counts as agreement on absence. "
            "A person against the auto-coder works the same way."
        ),
    )
    parser.add_argument(
        "codings",
        nargs="*",
        metavar="CODINGS.csv",
        help="codings tables (segment_id, code, coder), one per coder or one with several coders",
    )
    parser.add_argument(
        "--segments",
        metavar="SEGMENTS.csv",
        help="the units: segment_id (participant_id for --unit participant; role); required with CSVs",
    )
    parser.add_argument(
        "--project",
        metavar="P.sqlite",
        help="read the codings of --coders from a project instead of CSVs; units default to every "
        "turn of the transcripts those coders coded",
    )
    parser.add_argument(
        "--coders",
        nargs="+",
        metavar="NAME",
        help="with --project: the coders to compare; an auto-coder and a person are compared as "
        "`outcomes-qual validate` does (the turns the person coded or reviewed, accepted "
        "suggestions as theirs, pending ones on reviewed turns undecided)",
    )
    parser.add_argument(
        "--unit", choices=("segment", "participant"), default="segment", help="unit of agreement (default: segment, i.e. turn)"
    )
    parser.add_argument("--codes", nargs="+", metavar="CODE", help="only these codes (a code nobody used still gets a row)")
    parser.add_argument(
        "--level", choices=("code", "theme"), default="code", help="compare code keys as given, or roll sub-codes up to themes"
    )
    parser.add_argument(
        "--boot",
        "--bootstrap",
        dest="bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="95%% bootstrap confidence intervals for kappa and alpha from N resamples (e.g. 1000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument("--include-facilitator", action="store_true", help="count facilitator turns as units")
    parser.add_argument("--out", required=True, metavar="agreement.csv", help="where to write the agreement table")
    parser.add_argument(
        "--disagreements", metavar="D.csv", help="also write the turns where two coders differ (with both codes and the text)"
    )
    add_anonymise_arguments(parser)
    parser.set_defaults(func=run)


def _machine_and_person(args: argparse.Namespace, everything: pd.DataFrame) -> tuple[str, str] | None:
    """(machine, person) when --coders names one auto-coder and one person; refuse other mixes with a machine."""
    from ..agreement import machine_coders

    machines = [c for c in args.coders if c in set(machine_coders(everything))]
    if not machines or len(machines) == len(args.coders):
        return None
    if len(args.coders) != 2:
        raise InputError(
            f"--coders: {machines} made machine codings; compare the machine with one person at a time "
            "(--coders MACHINE PERSON), or use `outcomes-qual validate`",
            path=args.project,
        )
    if args.unit != "segment" or args.segments or args.include_facilitator:
        raise InputError(
            "with an auto-coder among --coders the units are the turns the person coded or reviewed; "
            "--unit participant, --segments and --include-facilitator do not apply (for a given sample "
            "use `outcomes-qual validate --segments`)",
            path=args.project,
        )
    person = next(c for c in args.coders if c not in machines)
    return machines[0], person


def _review_run(args: argparse.Namespace, machine: str, person: str) -> int:
    """`agreement` of an auto-coder with a person: validate's rule, written as an agreement table."""
    from ..agreement import review_agreement, validation_units
    from ..agreement.validation import people
    from ..project import Project

    with Project.open(args.project) as proj:
        codings = proj.codings()
        codes = args.codes
        if codes is None and len(proj.codebook_versions()):
            cb = proj.codebook()
            codes = cb.theme_keys() if args.level == "theme" else cb.keys()
        if args.disagreements and args.anonymise:
            from ..anonymise import pseudonymise_corpus

            segments = pseudonymise_corpus(proj.corpus(), names=args.names)[0].segments
        else:
            segments = proj.segments()
    if person not in people(codings):
        raise InputError(
            f"no codings by {person!r} in the project, nor any reviewed by them; coders and reviewers in it: {people(codings)}",
            path=args.project,
        )
    table = review_agreement(
        codings,
        machine=machine,
        against=person,
        level=args.level,
        codes=codes,
        n_bootstrap=args.bootstrap,
        random_state=args.seed,
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table.round(DECIMALS), args.out)
    overall = table.iloc[-1]
    units = validation_units(codings, machine=machine, against=person, level=args.level, codes=codes)
    n_turns = len(units)
    print(
        f"wrote {args.out}: {len(table) - 1} code(s); {machine} against {person} on the {n_turns} turn(s) "
        f"{person} coded or reviewed (as `outcomes-qual validate`: accepted suggestions are {person}'s codings, "
        f"pending ones on reviewed turns are undecided); overall kappa {_f3(overall['cohen_kappa'])}, "
        f"alpha {_f3(overall['krippendorff_alpha'])}, AC1 {_f3(overall['gwet_ac1'])} over {overall['n_units']} "
        f"decisions"
    )
    if args.disagreements:
        differ = units[~units["agree"]]
        seg = segments.assign(segment_id=segments["segment_id"].astype(str)).set_index("segment_id")
        rows = []
        cols = ["segment_id", "machine_codes", "human_codes", "only_machine", "only_human"]
        for sid, machine_codes, human_codes, only_machine, only_human in differ[cols].itertuples(index=False, name=None):
            rec: pd.Series | dict[str, Any] = seg.loc[sid] if sid in seg.index else {}
            rows.append(
                {
                    "segment_id": sid,
                    "transcript_id": rec.get("transcript_id"),
                    "turn": rec.get("turn"),
                    "role": rec.get("role"),
                    "coder_a": machine,
                    "coder_b": person,
                    "codes_a": machine_codes,
                    "codes_b": human_codes,
                    "only_a": only_machine,
                    "only_b": only_human,
                    "text": rec.get("text"),
                }
            )
        from ..agreement import DISAGREEMENT_COLUMNS

        diff = pd.DataFrame(rows, columns=list(DISAGREEMENT_COLUMNS))
        Path(args.disagreements).parent.mkdir(parents=True, exist_ok=True)
        write_csv(diff, args.disagreements)
        print(f"wrote {args.disagreements}: {len(diff)} turn(s) where the coders differ")
    return 0


def _from_project(args: argparse.Namespace) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """The coders' codings (not rejected) and the turns of the transcripts they coded."""
    from ..project import Project

    if args.codings:
        raise InputError("give either CODINGS.csv files or --project, not both", path=args.project)
    if not args.coders or len(args.coders) < 2:
        raise InputError(f"--project needs --coders with two or more names, got {args.coders or 'none'}", path=args.project)
    with Project.open(args.project) as proj:
        codings = proj.codings(coder=args.coders)
        if args.anonymise:  # the disagreement table quotes turns: participants' names pseudonymised
            from ..anonymise import pseudonymise_corpus

            segments = pseudonymise_corpus(proj.corpus(), names=args.names)[0].segments
        else:
            segments = proj.segments()
        known = sorted(set(proj.codings()["coder"]))
    missing = [c for c in args.coders if c not in set(codings["coder"])]
    if missing:
        raise InputError(f"no codings by {missing} in the project; coders in it: {known}", path=args.project)
    codings = codings[codings["status"] != "rejected"]
    coded = set(segments.loc[segments["segment_id"].isin(set(codings["segment_id"])), "transcript_id"])
    segments = segments[segments["transcript_id"].isin(coded)].reset_index(drop=True)
    return [codings[codings["coder"] == c] for c in args.coders], segments


def run(args: argparse.Namespace) -> int:
    """Compute agreement and write the CSV(s); return the exit code."""
    from ..agreement import agreement, disagreements

    check_outputs({"--out": args.out, "--disagreements": args.disagreements}, [*args.codings, args.segments, args.project])
    seg_required = ("segment_id", "participant_id") if args.unit == "participant" else ("segment_id",)
    if args.project and not args.codings and args.coders and len(args.coders) >= 2:
        from ..project import Project

        with Project.open(args.project) as proj:
            pair = _machine_and_person(args, proj.codings(coder=args.coders))
        if pair is not None:
            return _review_run(args, *pair)
    if args.project:
        frames, segments = _from_project(args)
        if args.segments:
            segments = read_table(args.segments, required=seg_required, what="segments")
    else:
        if not args.codings or not args.segments:
            raise InputError("give two or more CODINGS.csv and --segments SEGMENTS.csv (or --project P --coders A B)")
        if args.coders:
            raise InputError("--coders goes with --project; with CSVs each file (or its coder column) is a coder")
        frames = []
        for path in args.codings:
            frame = read_table(path, required=("segment_id", "code"), what="codings")
            if "coder" not in frame.columns:
                frame["coder"] = Path(path).stem
            frames.append(frame)
        segments = read_table(args.segments, required=seg_required, what="segments")
    for col in ("turn",):
        if col in segments.columns:
            segments[col] = pd.to_numeric(segments[col], errors="coerce")
    try:
        table = agreement(
            *frames,
            segments=segments,
            unit=args.unit,
            codes=args.codes,
            level=args.level,
            include_facilitator=args.include_facilitator,
            n_bootstrap=args.bootstrap,
            random_state=args.seed,
        )
    except InputError as err:
        source = args.project or ", ".join(args.codings)
        raise InputError(f"{err} (codings: {source}; segments: {args.segments or args.project})") from None
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table.round(DECIMALS), args.out)
    overall = table.iloc[-1]
    per_code = table.iloc[0]["n_units"] if len(table) > 1 else 0  # every code is judged on every unit
    # the "all" row pools every (unit, code) decision: its n_units is units x codes, not units per code
    print(
        f"wrote {args.out}: {len(table) - 1} code(s) x {per_code} {args.unit} unit(s) "
        f"({overall['n_units']} decisions pooled in 'all'), "
        f"coders {overall['coders']}; overall kappa {_f3(overall['cohen_kappa'])}, "
        f"alpha {_f3(overall['krippendorff_alpha'])}, AC1 {_f3(overall['gwet_ac1'])}"
    )
    if args.disagreements:
        single = pd.concat(frames, ignore_index=True) if len(frames) == 1 else None
        diff = disagreements(
            *(frames if single is None else [single]),
            segments=segments,
            codes=args.codes,
            level=args.level,
            include_facilitator=args.include_facilitator,
        )
        if args.names and not args.project and args.anonymise:
            from ..anonymise import pseudonymise_text

            diff["text"] = [t if not isinstance(t, str) else pseudonymise_text(t, args.names) for t in diff["text"]]
        Path(args.disagreements).parent.mkdir(parents=True, exist_ok=True)
        write_csv(diff, args.disagreements)
        print(f"wrote {args.disagreements}: {len(diff)} turn(s) where the coders differ")
    return 0
