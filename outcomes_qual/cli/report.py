"""``outcomes-qual report``: code the corpus (unless codings are given) and write the evaluation report.

Writes DIR/report.docx, DIR/tables.xlsx, DIR/tables/*.csv and DIR/figures/*,
then prints the output paths. A consultation export gets the consultation
report (:mod:`outcomes_qual.report.consultation_report`); the folder
``autocode --workers`` wrote gets the same report from its Parquet parts
(:mod:`._scale_report`). The corpus is pseudonymised before anything is
coded or written (``--no-anonymise`` turns that off for internal use), and the
written files are scanned for every speaker and listed name afterwards: a leak
is an error (exit 2) that names the file and the context.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..safe_tables import read_csv
from . import _common

logger = logging.getLogger(__name__)

CODING_METHODS = ("keyword", "semantic", "supervised", "ensemble")


def register(subparsers) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="write the evaluation report (report.docx, tables.xlsx, CSVs, figures)",
        description=(
            "Code the transcripts against the codebook (unless --codings is given), find emergent topics, "
            "and write DIR/report.docx, DIR/tables.xlsx, DIR/tables/*.csv and DIR/figures/*. Quotes are "
            "attributed by role only and taken from pseudonymised text. A consultation export gets a consultation "
            "report (questions, respondent types, non-response); INPUT may also be the folder `autocode --workers` "
            "wrote, whose report is computed from its Parquet parts."
        ),
    )
    _common.add_input_arguments(p)
    p.add_argument("--codebook", metavar="CODEBOOK.yaml", help="thematic codebook (default with --project: the project's)")
    p.add_argument(
        "--codings",
        metavar="CODINGS.csv|decided|confident|all",
        help="existing codings (segment_id, code, ...); skips auto-coding. With --project, which of the "
        "project's codings the findings count: decided (accepted suggestions and people's codings), "
        "confident (default: decided plus unreviewed suggestions at or above --review-threshold) or "
        "all (every coding not rejected)",
    )
    p.add_argument(
        "--review-threshold",
        type=float,
        default=0.5,
        metavar="P",
        help="with --codings confident: lowest confidence of an unreviewed suggestion that counts "
        "(default 0.5, the auto-coders' review threshold)",
    )
    p.add_argument("--method", choices=CODING_METHODS, default="ensemble", help="auto-coding method (default: ensemble)")
    p.add_argument(
        "--train", metavar="CODINGS.csv", help="human codings of some turns: needed by --method supervised, added to the ensemble"
    )
    p.add_argument(
        "--agreement", metavar="AGREEMENT.csv", help="agreement table (from `outcomes-qual agreement`) quoted in the methods"
    )
    p.add_argument(
        "--validate-against",
        metavar="NAME",
        help="a person who coded or reviewed a sample (with --project): the appendix on automated coding "
        "reports the machine's agreement with them",
    )
    p.add_argument(
        "--machine-coder",
        metavar="NAME",
        help="the auto-coder's name in the codings (default: the one coder with non-manual methods)",
    )
    p.add_argument(
        "--boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for the validation's 95%% intervals (default 1000)",
    )
    p.add_argument("--no-topics", dest="topics", action="store_false", help="skip emergent-topic modelling")
    p.add_argument(
        "--topic-backend",
        choices=("auto", "bertopic", "light"),
        default="auto",
        help="topic modelling backend (default auto: BERTopic when the embeddings extra is installed)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="random seed of coding and topic modelling, recorded in the report (default 0)",
    )
    p.add_argument("--title", help="report title")
    p.add_argument("--alias-authorities", action="store_true", help='show authorities as "Authority A", "Authority B"...')
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _common.add_anonymise_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    from ._reader import add_reader_arguments

    add_reader_arguments(p)

    scale = p.add_argument_group("from an autocode --workers output folder (INPUT is that folder; needs outcomes_qual[scale])")
    where = scale.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="compute the tables on a local Dask cluster of N workers "
        "(default: Dask's threaded scheduler in this process, partition by partition)",
    )
    where.add_argument("--scheduler", metavar="tcp://HOST:8786", help="compute the tables on an existing Dask cluster")
    p.set_defaults(func=run)


def read_codings(path: str | Path, corpus) -> pd.DataFrame:
    """Read a codings CSV and check it refers to the corpus's segments."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such codings file", path=path)
    try:
        codings = read_csv(path, dtype={"segment_id": str, "code": str}, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"not a readable codings CSV: {str(err).splitlines()[0]}", path=path) from None
    missing = [c for c in ("segment_id", "code") if c not in codings.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(map(repr, missing))}; expected at least ['segment_id', 'code'], "
            f"got {list(codings.columns)}",
            path=path,
        )
    known = set(corpus.segments["segment_id"])
    unknown = ~codings["segment_id"].isin(known)
    if unknown.all() and len(codings):
        raise InputError(
            f"no segment_id matches the corpus (e.g. {codings['segment_id'].iloc[0]!r}; corpus ids look like "
            f"{corpus.segments['segment_id'].iloc[0]!r})",
            path=path,
        )
    if unknown.any():
        logger.warning("%s: %d coding row(s) name segments not in the corpus; ignored", path, int(unknown.sum()))
    return codings[~unknown].reset_index(drop=True)


def _read_agreement(path):
    if not path:
        return None
    path = Path(path)
    if not path.is_file():
        raise InputError("no such agreement file", path=path)
    try:
        return read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"not a readable agreement CSV: {str(err).splitlines()[0]}", path=path) from None


def _load_codebook(args):
    from ..codebook import load_codebook

    if args.codebook:
        return load_codebook(args.codebook)
    if getattr(args, "project", None):
        from ..project import Project

        with Project.open(args.project) as proj:
            return proj.codebook()
    raise InputError("--codebook is required (a YAML codebook, e.g. codebooks/outcomes_practice.yaml)")


def _project_codings(args):
    """The project's codings the findings count (``--codings decided|confident|all``) and a Counted, or (None, None)."""
    if not getattr(args, "project", None):
        return None, None
    from ..project import Project
    from ..report.counted import count_codings

    with Project.open(args.project) as proj:
        codings = proj.codings()
    if not len(codings):
        return None, None  # nothing coded yet: the report codes the corpus itself
    codings, counted = count_codings(codings, args.selection, threshold=args.review_threshold)
    if not len(codings):
        raise InputError(
            f"--codings {args.selection}: none of the project's codings counts ({counted.n_rejected} "
            f"rejected, {counted.n_pending_left_out} unreviewed suggestion(s) left out); review some, or "
            "choose --codings confident or all",
            path=args.project,
        )
    logger.info("report counts %d coding(s) (%s)", counted.n_counted, args.selection)
    return codings, counted


def _ai_use(args, codings, codebook, method):
    """The facts for the appendix on automated coding, or None when no coding was automated."""
    from ..report.ai_use import ai_use, ai_use_from_project, machine_coder

    against = getattr(args, "validate_against", None)
    if method == "reader":  # coded here by the reading model, validated against a person's coding in the project
        return _reader_ai_use(args, codings, codebook, against)
    if getattr(args, "project", None) and not args.codings:
        info = ai_use_from_project(args.project, machine=args.machine_coder, against=against, n_boot=args.boot)
        if info is None and against:
            raise InputError("--validate-against: the project holds no machine codings to validate", path=args.project)
        return info
    if method is not None:  # coded here, with the default backend
        from ..embeddings import resolve_backend
        from ..report.ai_use import installed_embedding_model

        backend = None if method == "keyword" else resolve_backend("auto")
        model = installed_embedding_model() if backend == "sentence-transformers" else None
        settings = {
            "method": method,
            "backend": backend,
            "model": model,
            "trained on": f"human codings in {Path(args.train).name}" if args.train else None,
        }
        if not len(codings):
            return None
        machine = str(codings["coder"].iloc[0]) if "coder" in codings else "outcomes_qual"
        return ai_use(codings, machine=machine, codebook=codebook, settings=settings, n_boot=args.boot)
    if "coder" not in codings.columns:
        if against:
            raise InputError("--validate-against: the codings have no coder column", path=args.codings)
        return None
    machine = args.machine_coder or machine_coder(codings)
    if machine is None:
        if against:
            raise InputError("--validate-against: the codings hold no machine codings to validate", path=args.codings)
        return None
    return ai_use(codings, machine=machine, against=against, codebook=codebook, n_boot=args.boot)


def _reader_ai_use(args, codings, codebook, against):
    """The appendix's facts for codings the reader made in this run (none is a reviewed coding)."""
    from ..report.ai_use import ai_use
    from ._reader import audit_settings

    if not len(codings):
        return None
    est = args._reader_coder
    everything = codings
    if getattr(args, "project", None):
        from ..project import Project

        with Project.open(args.project) as proj:
            held = proj.codings()
        held = held[held["coder"].astype(str) != est.coder_]  # the project's own copies of the reader's suggestions
        everything = pd.concat([codings.drop(columns=["uncertain"], errors="ignore"), held], ignore_index=True)
    elif against:
        raise InputError("--validate-against with --reader needs --project (where the person's coding is)")
    return ai_use(
        everything, machine=est.coder_, against=against, codebook=codebook, settings=audit_settings(est), n_boot=args.boot
    )


def _reader_codings(args, corpus, codebook) -> pd.DataFrame:
    """Code the (pseudonymised) corpus through the reading model; answers cached in the project or beside the report."""
    from ._reader import run_reader

    train = read_codings(args.train, corpus) if args.train else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = args.reader_cache or args.project or out / "reader-cache.sqlite"
    # the corpus is already pseudonymised here (unless --no-anonymise); the reader pseudonymises again by default
    codings, est = run_reader(args, corpus, codebook, train=train, cache=cache, progress=not args.quiet)
    args._reader_coder = est
    if len(est.not_coded_):
        from ._reader import write_atomic

        write_atomic(est.not_coded_, out / "reader_not_coded.csv")
    return codings


def _consultation_report(args, corpus, codings, codebook, out, *, topics, agreement, method, info):
    """The consultation report (questions, respondent types, non-response) of a consultation corpus."""
    from ..analysis.consultation import consultation_counts
    from ..report.consultation_report import write_consultation_report
    from ..report.tables import alias_corpus

    if args.alias_authorities:
        corpus = alias_corpus(corpus)
        seg = corpus.segments.copy()
        if "authority" in seg:  # the consultation's segments carry the authority too
            seg["authority"] = seg["transcript_id"].map(corpus.transcripts.set_index("transcript_id")["authority"])
            corpus = type(corpus)(corpus.transcripts, corpus.participants, seg, corpus.texts, corpus.problems)
    counts = consultation_counts(corpus, codings, codebook=codebook, seed=args.seed)
    return write_consultation_report(
        counts,
        codebook,
        out,
        topics=topics,
        agreement=agreement,
        coding_method=method,
        title=args.title,
        ai_use=info,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    """Run the report pipeline; print the paths written."""
    from ._scale_report import run_scale_report, wants_scale_report

    if wants_scale_report(args):  # the folder autocode --workers wrote: the report from its Parquet parts
        return run_scale_report(args)
    if args.workers is not None or args.scheduler:
        raise InputError(
            "--workers/--scheduler apply to a report from an autocode --workers output folder; INPUT is "
            "not one (it needs segments/ and codings/ Parquet parts)"
        )
    from tqdm import tqdm

    from ..report import write_report
    from ..report.checks import check_no_names

    out = Path(args.out)
    for given in args.inputs or []:
        given = Path(given)
        if given.is_dir() and (out.resolve() == given.resolve() or given.resolve() in out.resolve().parents):
            raise InputError(
                "--out is inside an INPUT directory; the report would be read back as input next time and would "
                "write into your data: choose a directory outside it",
                path=out,
            )
    if args.validate_against and not (args.project or args.codings):
        raise InputError(
            "--validate-against needs --project (or --codings holding the person's codings too): "
            "codings made here have no human sample to compare with"
        )
    from ..report.counted import DEFAULT_SELECTION, SELECTIONS

    args.selection = DEFAULT_SELECTION
    if args.codings in SELECTIONS:
        if not args.project:
            raise InputError(
                f"--codings {args.codings} chooses among a project's codings: it needs --project "
                "(to read a CSV file of that name, write ./" + args.codings + ")"
            )
        args.selection, args.codings = args.codings, None

    from ._reader import wants_reader

    reader = wants_reader(args)
    if reader:
        from ..coding.reader_client import check_url

        check_url(args.reader, allow_remote=args.allow_remote)  # refused before anything is read or connected
        if args.codings:
            raise InputError("give --codings (existing codings) or --reader (code them now), not both")
    codebook = _load_codebook(args)
    agreement = _read_agreement(args.agreement)
    corpus = _common.load_corpus(args)
    real_names = [str(n) for n in corpus.participants["speaker"].dropna().unique()]
    corpus = _common.anonymise(corpus, args)
    codings = read_codings(args.codings, corpus) if args.codings else None
    steps = ["code", "topics", "report"]
    bar = tqdm(total=len(steps), desc="outcomes-qual report", unit="step", file=sys.stderr, disable=args.quiet)
    try:
        bar.set_postfix_str("coding")
        method = None
        counted = None
        if codings is None and reader:
            codings, method = _reader_codings(args, corpus, codebook), "reader"
        if codings is None:
            codings, counted = _project_codings(args)
            if codings is None:
                try:
                    from ..coding import autocode
                except ImportError as err:  # pragma: no cover - coding package missing
                    raise InputError(f"auto-coding is unavailable ({err}); pass --codings CODINGS.csv") from None
                train = read_codings(args.train, corpus) if args.train else None
                if args.method == "supervised" and train is None:
                    raise InputError("--method supervised needs --train CODINGS.csv (human codings of some turns)")
                codings = autocode(corpus, codebook, method=args.method, train=train, random_state=args.seed)
                method = args.method
        info = _ai_use(args, codings, codebook, method)
        if info is not None and counted is not None:
            from ..report.counted import counted_sentence

            info.counted_text = counted_sentence(counted)
        bar.update(1)
        topics = None
        if args.topics:
            bar.set_postfix_str("topics")
            from ..topics import find_topics

            topics = find_topics(corpus, codebook=codebook, codings=codings, backend=args.topic_backend, random_state=args.seed)
        bar.update(1)
        bar.set_postfix_str("writing")
        from ..analysis.consultation import is_consultation

        if is_consultation(corpus):  # a consultation export: the consultation report
            paths = _consultation_report(
                args, corpus, codings, codebook, out, topics=topics, agreement=agreement, method=method, info=info
            )
        else:
            paths = write_report(
                corpus,
                codings,
                codebook,
                out,
                topics=topics,
                agreement=agreement,
                coding_method=method,
                title=args.title,
                ai_use=info,
                alias_authorities=args.alias_authorities,
                seed=args.seed,
                counted=counted,
            )
        bar.update(1)
    finally:
        bar.close()
    if getattr(args, "anonymise", True):
        check_no_names(paths, real_names, getattr(args, "names", None))
    print(f"report:  {paths['report']}")
    print(f"tables:  {paths['xlsx']} and {paths['tables']}/*.csv")
    print(f"figures: {paths['figures']}/")
    return 1 if corpus.problems else 0
