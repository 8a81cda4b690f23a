"""``outcomes-qual project``: create a project file, add transcripts, code, review, undo and export.

Subcommands::

    project init P.sqlite [--codebook CB.yaml]
    project add PATH... [--roster R.csv] [--strict] [--codebook CB.yaml] --project P.sqlite
    project roster ROSTER.csv --project P.sqlite
    project codebook CB.yaml --project P.sqlite
    project code SEGMENT_ID CODE --coder NAME --project P.sqlite
    project code --search "TEXT" CODE --coder NAME [--regex] [--case] [--preview] --project P.sqlite
    project code --span TRANSCRIPT START END CODE --coder NAME --project P.sqlite
    project accept|reject [CODING_ID...] [--coder NAME] [--reviewer NAME] --project P.sqlite
    project memo TARGET_TYPE TARGET_ID TEXT --author NAME --project P.sqlite
    project undo [--coder NAME] --project P.sqlite
    project info --project P.sqlite
    project export --project P.sqlite --out DIR [--names NAMES.csv] [--no-anonymise]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..safe_tables import write_csv
from ._common import add_anonymise_arguments, add_project_argument, add_roster_arguments

#: Tables ``project export`` writes, one CSV each.
EXPORT_TABLES: tuple[str, ...] = (
    "transcripts",
    "participants",
    "segments",
    "codings",
    "codebook",
    "codebook_versions",
    "memos",
    "actions",
)


def register(subparsers) -> None:
    """Add the ``project`` subcommand and its own subcommands."""
    parser = subparsers.add_parser(
        "project",
        help="a team coding project in one SQLite file: add transcripts, code, review, undo, export",
        description=(
            "Keep a coding project in one SQLite file: transcripts and their text, participants, "
            "codebook versions, codings by people and machines (suggested / accepted / rejected), "
            "memos and a log of every action. Every write is one transaction."
        ),
    )
    sub = parser.add_subparsers(dest="project_command", metavar="ACTION", required=True)

    p = sub.add_parser("init", help="create a new, empty project file")
    p.add_argument("path", metavar="P.sqlite")
    p.add_argument("--codebook", metavar="CB.yaml", help="store this codebook as version 1")
    p.set_defaults(func=run_init)

    p = sub.add_parser("add", help="add transcripts (files or directories) to a project")
    p.add_argument("inputs", nargs="+", metavar="PATH")
    add_roster_arguments(p)
    p.add_argument("--codebook", metavar="CB.yaml", help="also store this codebook version")
    add_project_argument(p)
    p.set_defaults(func=run_add)

    p = sub.add_parser("roster", help="apply a (corrected) roster to the participants already in a project")
    p.add_argument("roster", metavar="ROSTER.csv")
    add_project_argument(p)
    p.set_defaults(func=run_roster)

    p = sub.add_parser("codebook", help="store a codebook version (identical content keeps its version)")
    p.add_argument("codebook", metavar="CB.yaml")
    add_project_argument(p)
    p.set_defaults(func=run_codebook)

    p = sub.add_parser(
        "code",
        help="code a turn, a span, or every turn a text search finds",
        description=(
            "Code a turn (SEGMENT_ID CODE), a character span (--span TRANSCRIPT START END CODE), or every "
            "turn matching a text search (--search TEXT CODE; whole words, case-insensitive, * as a "
            "wildcard; --preview lists the matches without coding). Each call is one undoable action."
        ),
    )
    p.add_argument("args", nargs="+", metavar="ARG", help="SEGMENT_ID CODE, or CODE with --search/--span")
    p.add_argument("--coder", required=True, help="who is coding")
    p.add_argument("--search", metavar="TEXT", help="code every turn that matches TEXT")
    p.add_argument("--regex", action="store_true", help="TEXT is a regular expression")
    p.add_argument("--case", action="store_true", help="match case exactly")
    p.add_argument(
        "--spread", choices=("turn", "match"), default="turn", help="code the whole turn (default) or only the matched text"
    )
    p.add_argument("--preview", action="store_true", help="list the matching turns; code nothing")
    p.add_argument(
        "--span", nargs=3, metavar=("TRANSCRIPT", "START", "END"), help="code characters START:END of TRANSCRIPT's text"
    )
    add_project_argument(p)
    p.set_defaults(func=run_code)

    for action in ("accept", "reject"):
        p = sub.add_parser(action, help=f"{action} suggested codings by id, or all of a coder's suggestions")
        p.add_argument("ids", nargs="*", metavar="CODING_ID")
        p.add_argument("--coder", help=f"{action} every suggested coding of this coder")
        p.add_argument("--code", help="with --coder: only this code")
        p.add_argument("--reviewer", help="who reviewed them (kept in the project)")
        add_project_argument(p)
        p.set_defaults(func=run_review, action=action)

    p = sub.add_parser("memo", help="write a memo on the project, a code, transcript, segment, participant or coding")
    p.add_argument("target_type", choices=("project", "code", "transcript", "segment", "participant", "coding"))
    p.add_argument(
        "target_id", metavar="TARGET_ID", help="the code key, transcript, segment, participant or coding id ('-' for the project)"
    )
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--author", required=True)
    add_project_argument(p)
    p.set_defaults(func=run_memo)

    p = sub.add_parser("undo", help="reverse the last action (or the last one by --coder)")
    p.add_argument("--coder", help="undo this person's last action, leaving others' work alone")
    add_project_argument(p)
    p.set_defaults(func=run_undo)

    p = sub.add_parser("info", help="counts of transcripts, segments, codings by status, memos")
    add_project_argument(p)
    p.set_defaults(func=run_info)

    p = sub.add_parser(
        "export",
        help="write every table as CSV (and each transcript's text) into DIR, names pseudonymised",
        description=(
            "Write the project's tables as CSV and each transcript's text into DIR. Participants' names "
            "(and those in --names) are pseudonymised unless --no-anonymise is given; coding spans move "
            "with the text. The name mapping is never exported."
        ),
    )
    add_project_argument(p)
    p.add_argument("--out", required=True, metavar="DIR")
    add_anonymise_arguments(p)
    p.set_defaults(func=run_export)


def _load_codebook(path: str):
    from ..codebook import load_codebook

    return load_codebook(path)


def run_init(args: argparse.Namespace) -> int:
    """Create the project file."""
    from ..project import Project

    codebook = _load_codebook(args.codebook) if args.codebook else None
    with Project.create(args.path) as proj:
        if codebook is not None:
            proj.add_codebook(codebook)
    print(f"created {args.path}" + (f" with codebook {codebook.name!r}" if codebook else ""))
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Read transcripts and add them (one transaction)."""
    from ..ingest import UnknownSpeakersError
    from ..project import Project
    from ._common import consultation_options, read_inputs

    codebook = _load_codebook(args.codebook) if args.codebook else None
    with Project.open(args.project) as proj:
        corpus = read_inputs(args.inputs, roster=args.roster, strict=args.strict, **consultation_options(args))
        failures = [p for p in corpus.problems if not isinstance(p, UnknownSpeakersError)]
        have = proj.texts()
        same = [t for t, text in corpus.texts.items() if have.get(t) == text]
        changed = sorted(t for t, text in corpus.texts.items() if t in have and have[t] != text)
        if changed:
            raise InputError(
                f"transcript(s) {changed[:5]} are already in the project with different text; "
                "rename the new file(s) or use a new project",
                path=args.project,
            )
        if same:
            print(
                f"skipped {len(same)} transcript(s) already in the project: {', '.join(same[:5])}"
                + (" ..." if len(same) > 5 else "")
            )
            corpus = corpus.subset([t for t in corpus.texts if t not in set(same)])
        if len(corpus.transcripts):
            proj.add_corpus(corpus)
        if codebook is not None:
            proj.add_codebook(codebook)
        s = proj.summary()
    from ..ingest.checks import counts_report

    counts = counts_report(corpus) if len(corpus.transcripts) else ""
    if counts:
        print(counts)
    print(
        f"added {len(corpus.transcripts)} transcript(s), {len(corpus.segments)} turn(s) to {args.project}; "
        f"it now holds {s['transcripts']} transcript(s), {s['segments']} turn(s)"
    )
    return 1 if failures else 0


def run_roster(args: argparse.Namespace) -> int:
    """Apply a roster to the project's participants (undoable)."""
    from ..project import Project

    with Project.open(args.project) as proj:
        n = proj.add_roster(args.roster)
    print(f"updated {n} participant(s) from {args.roster}")
    return 0


def run_codebook(args: argparse.Namespace) -> int:
    """Store a codebook version."""
    from ..project import Project

    codebook = _load_codebook(args.codebook)
    with Project.open(args.project) as proj:
        version = proj.add_codebook(codebook)
    print(f"codebook {codebook.name!r} is version {version} in {args.project}")
    return 0


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{name}: expected an integer, got {value!r}") from None


def run_code(args: argparse.Namespace) -> int:
    """Code a segment, a span or search matches."""
    from ..project import Project

    if args.search is not None and args.span:
        raise InputError("give --search or --span, not both")
    expected = 1 if (args.search is not None or args.span) else 2
    if len(args.args) != expected:
        form = "CODE" if expected == 1 else "SEGMENT_ID CODE"
        raise InputError(f"project code: expected {form}, got {' '.join(args.args)!r}")
    code = args.args[-1]
    with Project.open(args.project) as proj:
        if args.search is not None:
            found = proj.search(args.search, regex=args.regex, case=args.case)
            if args.preview:
                for rec in found.itertuples(index=False):
                    print(f"{rec.segment_id}\t{rec.role}\t{rec.preview}")
                print(f"{len(found)} turn(s) match {args.search!r}; run without --preview to code them as {code!r}")
                return 0
            ids = proj.code_matches(args.search, code, coder=args.coder, regex=args.regex, case=args.case, spread=args.spread)
            print(f"{len(found)} turn(s) match {args.search!r}; {len(ids)} new coding(s) as {code!r} by {args.coder}")
        elif args.span:
            tid, start, end = args.span
            ids = proj.code_span(tid, _int(start, "START"), _int(end, "END"), code, coder=args.coder)
            print(f"coded {tid}[{start}:{end}] as {code!r} ({len(ids)} turn(s); coding id(s) {', '.join(map(str, ids))})")
        else:
            cid = proj.code_segment(args.args[0], code, coder=args.coder)
            print(f"coded {args.args[0]} as {code!r} by {args.coder} (coding id {cid})")
    return 0


def run_review(args: argparse.Namespace) -> int:
    """Accept or reject codings."""
    from ..project import Project
    from ..project.store import StaleCodingError

    ids = [_int(i, "CODING_ID") for i in args.ids]
    if args.code and not args.coder:
        raise InputError("--code needs --coder")
    if not ids and not args.coder:
        raise InputError(f"project {args.action}: give CODING_ID(s) or --coder NAME")
    with Project.open(args.project) as proj:
        if args.coder:
            sugg = proj.codings(status="suggested", coder=args.coder)
            if args.code:
                sugg = sugg[sugg["code"] == args.code]
            ids += sugg["coding_id"].tolist()
        # the review screen's rule: only a pending suggestion is accepted or rejected (undo reverses a decision)
        review = proj.accept if args.action == "accept" else proj.reject
        try:
            n = review(ids, reviewer=args.reviewer, expect="suggested")
        except StaleCodingError as err:
            raise InputError(
                f"coding {err.coding_id} is {err.status}{err.decided}, not a suggestion: only suggested codings can be "
                f"{args.action}ed; nothing was changed",
                path=args.project,
            ) from None
    print(f"{args.action}ed {n} coding(s)")
    return 0


def run_memo(args: argparse.Namespace) -> int:
    """Write a memo."""
    from ..project import Project

    target = None if args.target_id == "-" else args.target_id
    with Project.open(args.project) as proj:
        memo_id = proj.add_memo(args.target_type, target, args.text, author=args.author)
    print(f"memo {memo_id} on {args.target_type} {target or ''}".rstrip())
    return 0


def run_undo(args: argparse.Namespace) -> int:
    """Undo the last action."""
    from ..project import Project

    with Project.open(args.project) as proj:
        what = proj.undo(actor=args.coder)
    print(f"undone: {what}" if what else "nothing to undo")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print counts."""
    from ..project import Project

    with Project.open(args.project) as proj:
        s = proj.summary()
        coders = proj.codings()["coder"].value_counts()
    print(
        f"{args.project}: {s['transcripts']} transcript(s), {s['participants']} participant(s), "
        f"{s['segments']} turn(s), {s['codebook_versions']} codebook version(s), {s['memos']} memo(s)"
    )
    print(f"codings: {s['codings']} ({s['suggested']} suggested, {s['accepted']} accepted, {s['rejected']} rejected)")
    for coder, n in coders.items():
        print(f"  {coder}: {n}")
    return 0


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "transcript"


def _pseudonymise_tables(corpus, tables: dict, names) -> tuple[dict, pd.DataFrame, int]:
    """Pseudonymise the corpus tables, spans, memos, evidence and action log in place.

    Returns the pseudonymised texts, the mapping back to real names and the number of names replaced.
    """
    from ..anonymise import pseudonymise_text
    from ..interop.project_io import anonymise_for_export

    anon, codings, memos, mapping = anonymise_for_export(corpus, tables["codings"], tables["memos"], names=names)
    tables.update(
        transcripts=anon.transcripts, participants=anon.participants, segments=anon.segments, codings=codings, memos=memos
    )
    table = mapping[["original", "replacement"]].dropna()
    table = table[table["original"].astype(str).str.strip() != ""]
    if len(table):
        for name, col in (("codings", "evidence"), ("actions", "description")):
            frame = tables[name].copy()
            frame[col] = [v if not isinstance(v, str) else pseudonymise_text(v, table) for v in frame[col]]
            tables[name] = frame
    return anon.texts, mapping, len(table)


def run_export(args: argparse.Namespace) -> int:
    """Write the tables as CSV and the texts as UTF-8 files (pseudonymised unless --no-anonymise)."""
    import logging

    from .. import schema
    from ..project import Project

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder, and this is a file", path=out)
    with Project.open(args.project) as proj:
        try:
            codebook = proj.codebook().to_frame()
        except InputError:
            from ..codebook import CODEBOOK_COLUMNS

            codebook = schema.empty_frame(CODEBOOK_COLUMNS)
        corpus = proj.corpus()
        tables = {
            "transcripts": corpus.transcripts,
            "participants": corpus.participants,
            "segments": corpus.segments,
            "codings": proj.codings(),
            "codebook": codebook,
            "codebook_versions": proj.codebook_versions(),
            "memos": proj.memos(),
            "actions": proj.actions(),
        }
        texts = corpus.texts
        if args.anonymise:
            texts, mapping, n_names = _pseudonymise_tables(corpus, tables, args.names)
            proj.set_name_mapping(mapping)  # the way back stays in the project, never in the export
    if args.anonymise:
        note = f"; names pseudonymised ({n_names} replaced; --no-anonymise for a full internal copy)"
    else:
        logging.getLogger(__name__).warning("--no-anonymise: the export contains real names; do not share it")
        note = "; real names kept (--no-anonymise)"
    out.mkdir(parents=True, exist_ok=True)
    for name in EXPORT_TABLES:
        write_csv(tables[name], out / f"{name}.csv")
    text_dir = out / "texts"
    text_dir.mkdir(exist_ok=True)
    used: set[str] = set()
    for tid, text in texts.items():
        name = _safe_name(tid)
        while name in used:
            name += "_"
        used.add(name)
        (text_dir / f"{name}.txt").write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(EXPORT_TABLES)} tables and {len(texts)} text(s) to {out}{note}", file=sys.stdout)
    return 0
