"""``outcomes-qual autocode``: propose codes for every turn, with the evidence for each.

Exit codes: 0 all inputs read and coded; 1 some inputs failed (the rest were
coded); 2 nothing could be coded (bad codebook, bad training file, no turns).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import InputError
from ..safe_tables import read_csv, write_csv
from ._common import add_input_arguments, load_corpus, refuse_output_over_inputs
from ._reader import add_reader_arguments, sidecar, wants_reader, write_atomic
from ._scale import add_scale_arguments, run_scale, wants_scale


def register(subparsers) -> None:
    """Add the ``autocode`` subcommand."""
    parser = subparsers.add_parser(
        "autocode",
        help="code every turn against a codebook (keyword, semantic, supervised or ensemble) with evidence",
        description=(
            "Propose codes for every non-facilitator turn against a YAML codebook and write the codings "
            f"table ({', '.join(schema.CODING_COLUMNS)}): one row per theme assigned plus one per sub-code "
            "that fires. INPUT is transcripts or directories, a CSV/JSONL of segments with id and text, or a consultation "
            "export (CSV, XLSX, Parquet: one row per respondent, one column per question). "
            "With --workers N or --scheduler tcp://HOST:8786 the run goes on Dask; --out CODINGS.csv (or .parquet) "
            "is then the same one file, and --out DIR a folder of Parquet parts and tables. "
            "With --project, the suggestions are stored in the project (status 'suggested'). "
            "With --reader URL --reader-model NAME, a reading model on a chat-completions server you run codes the "
            "turns (docs/reader.md)."
        ),
    )
    add_input_arguments(parser, project=True)
    parser.add_argument("--codebook", required=True, metavar="CODEBOOK.yaml", help="the YAML codebook to code against")
    parser.add_argument(
        "--method",
        choices=("keyword", "semantic", "supervised", "ensemble"),
        default="ensemble",
        help="coder to use (default: ensemble of keyword + semantic, + supervised with --train)",
    )
    parser.add_argument("--train", metavar="CODINGS.csv", help="human codings (segment_id, code) to learn from")
    parser.add_argument(
        "--train-from-reviews",
        action="store_true",
        help="with --project: learn from the project's reviewed turns (accepted, rejected and hand-made codings)",
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "lsa", "sentence-transformers"),
        default="auto",
        help="embedding backend (auto: sentence-transformers when installed, else the light TF-IDF/LSA)",
    )
    parser.add_argument("--model", metavar="DIR", help="local sentence-transformers model directory (never downloaded)")
    parser.add_argument(
        "--coder", default=None, help="value of the coder column (default: outcomes_qual; with --reader, reader:MODEL)"
    )
    parser.add_argument("--include-facilitator", action="store_true", help="code facilitator turns too")
    parser.add_argument(
        "--out",
        metavar="CODINGS.csv",
        help="where to write the codings: CSV, or Parquet when it ends in .parquet ('-' for CSV on stdout); "
        "optional with --project",
    )
    add_scale_arguments(parser)
    add_reader_arguments(parser)
    parser.set_defaults(func=run)


def read_training_codings(path: str | Path) -> pd.DataFrame:
    """Read a codings CSV with at least ``segment_id`` and ``code`` columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError("training codings not found: expected a CSV with segment_id and code columns", path=path)
    try:
        frame = read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(f"not a readable CSV ({str(err).splitlines()[0]})", path=path) from None
    if "segment_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename(columns={"id": "segment_id"})
    missing = [c for c in ("segment_id", "code") if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {missing}; expected at least ['segment_id', 'code'], got {list(frame.columns)}", path=path
        )
    frame = frame[(frame["segment_id"] != "") & (frame["code"] != "")]
    if "status" in frame.columns:
        frame = frame[frame["status"] != "rejected"]
    if not len(frame):
        raise InputError("no codings to learn from (every row lacks segment_id or code)", path=path)
    return frame.reset_index(drop=True)


def coder_settings_text(settings: dict | None) -> dict:
    """The default coder's chosen settings as run-settings entries (how they were chosen; held-out agreement).

    Examples
    --------
    >>> coder_settings_text({"source": "cross-validation over 40 coded turns in 2 folds", "cv_turns": 38,
    ...                      "cv_top1": 0.71, "cv_macro_f1": 0.5, "margin": 1.0, "semantic_weight": 0.5,
    ...                      "keyword_weight": 1.0, "C": 2.0, "review_weight": 3.0})["held-out agreement"]
    'top-1 0.71, macro-F1 0.50 over 38 turns (cross-validated: each turn coded by a coder that had not learned it)'
    """
    if not settings:
        return {}
    out = {
        "settings chosen by": settings.get("source"),
        "settings": ", ".join(
            f"{k} {float(settings[k]):g}"
            for k in ("semantic_weight", "keyword_weight", "margin", "C", "review_weight")
            if k in settings
        ),
    }
    if "cv_top1" in settings:
        out["held-out agreement"] = (
            f"top-1 {settings['cv_top1']:.2f}, macro-F1 {settings['cv_macro_f1']:.2f} over "
            f"{settings['cv_turns']} turns (cross-validated: each turn coded by a coder that had not learned it)"
        )
    return out


def _settings_description(args: argparse.Namespace, codebook, train, coder_settings: dict | None = None) -> str:
    """The audit-log description of this run: method, backend, model, codebook, toolkit version."""
    from ..report.ai_use import autocode_description, outcomes_qual_version

    backend = model = None
    if args.method != "keyword":
        from ..embeddings import resolve_backend

        backend = resolve_backend(args.backend, model_path=args.model)
        if backend == "sentence-transformers":
            from ..report.ai_use import installed_embedding_model

            model = f"local model {Path(args.model).name}" if args.model else installed_embedding_model()
    return autocode_description(
        {
            "method": args.method,
            "backend": backend,
            "model": model,
            "codebook": f"{codebook.name} version {codebook.version}",
            "trained on": f"{len(train)} human codings" if train is not None else None,
            **coder_settings_text(coder_settings),
            "include facilitator": "yes" if args.include_facilitator else None,
            "coder": args.coder,
            "outcomes_qual": outcomes_qual_version(),
        }
    )


def _reader_description(args, codebook, est) -> str:
    """The audit-log description of a reader run (model, server, prompt hash, tokens, time)."""
    from ..report.ai_use import autocode_description, outcomes_qual_version
    from ._reader import audit_settings

    return autocode_description(
        {
            **audit_settings(est),
            "codebook": f"{codebook.name} version {codebook.version}",
            "coder": est.coder_,
            "outcomes_qual": outcomes_qual_version(),
        }
    )


def _write_reader_sidecars(est, out, stream) -> None:
    """Beside the codings: the run settings (model, prompt hash, time, tokens) and the turns not coded."""
    from ._reader import reader_run_settings

    settings_path = sidecar(out, "run_settings")
    write_atomic(reader_run_settings(est), settings_path)
    print(f"wrote {settings_path}", file=stream)
    missing = sidecar(out, "not_coded")
    if len(est.not_coded_):
        write_atomic(est.not_coded_, missing)
        print(f"wrote {missing} ({len(est.not_coded_)} turns the reader could not code)", file=stream)
    else:
        missing.unlink(missing_ok=True)  # a list left by an earlier run of the same output is out of date


def _autocode(args, corpus, codebook, train) -> pd.DataFrame:
    from ..coding import autocode

    try:
        return autocode(
            corpus,
            codebook,
            method=args.method,
            train=train,
            backend=args.backend,
            model_path=args.model,
            include_facilitator=args.include_facilitator,
            coder=args.coder,
        )
    except ValueError as err:
        if isinstance(err, InputError):
            raise
        raise InputError(str(err)) from None


def _run_reader(args, corpus, codebook, train):
    """Code through the reading model; the answers are cached in the project, the given cache, or beside --out."""
    from ..coding.reader_cache import default_cache_path
    from ._reader import run_reader

    cache = args.reader_cache or args.project
    if cache is None and default_cache_path(args.out) is not None:
        cache = default_cache_path(args.out)
        cache.parent.mkdir(parents=True, exist_ok=True)  # the output's folder, which the codings go to anyway
    if cache is not None and args.out and args.out != "-":
        refuse_output_over_inputs(str(cache), [args.out])
    return run_reader(args, corpus, codebook, train=train, cache=cache, coder=args.coder, progress=sys.stderr.isatty())


def _write_codings(codings: pd.DataFrame, out: Path) -> None:
    """Write ``codings`` to ``out``: Parquet when it ends in ``.parquet``, else CSV; under a temporary name, then renamed."""
    import os
    import uuid

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        if out.suffix.lower() == ".parquet":
            try:
                codings.to_parquet(tmp, index=False)
            except ImportError as err:
                raise InputError(
                    f"--out {out.name}: writing Parquet needs pyarrow ({err}); install outcomes_qual[scale] or give a .csv path"
                ) from None
        else:
            write_csv(codings, tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def _train_from_reviews(args: argparse.Namespace, train: pd.DataFrame | None) -> pd.DataFrame | None:
    """The project's reviewed turns as training codings (added to ``--train`` when both are given)."""
    from ..coding import reviewed_codings
    from ..project import Project

    if not args.project:
        raise InputError("--train-from-reviews needs --project P.sqlite (the project whose reviews to learn from)")
    with Project.open(args.project) as proj:
        reviews = reviewed_codings(proj.codings())
    if reviews.empty:
        print(f"note: no reviewed turn in {args.project} yet; coding without learning from reviews", file=sys.stderr)
        return train
    print(f"learning from {reviews['segment_id'].nunique()} reviewed turns in {args.project}", file=sys.stderr)
    return reviews if train is None else pd.concat([train[["segment_id", "code"]], reviews], ignore_index=True)


def run(args: argparse.Namespace) -> int:
    """Code the corpus named by ``args``; write and/or store the codings; return the exit code."""
    from ..codebook import load_codebook

    reader = wants_reader(args)
    if args.coder is None and not reader:
        args.coder = "outcomes_qual"
    if reader and wants_scale(args):
        raise InputError("--reader codes through the server it names; it does not run on Dask (drop --workers/--scheduler)")
    if reader:
        from ..coding.reader_client import check_url

        check_url(args.reader, allow_remote=args.allow_remote)  # refused before anything is read or connected
    if wants_scale(args):
        return run_scale(args)
    if not args.out and not args.project:
        raise InputError("give --out CODINGS.csv (or --project P.sqlite to store the suggestions there)")
    if args.out:
        refuse_output_over_inputs(
            args.out, [*args.inputs, *(p for p in (args.roster, args.codebook, args.train, args.project) if p)]
        )
    codebook = load_codebook(args.codebook)
    train = read_training_codings(args.train) if args.train else None
    if getattr(args, "train_from_reviews", False):
        train = _train_from_reviews(args, train)
    if args.method == "supervised" and train is None and not reader:
        raise InputError("--method supervised needs --train CODINGS.csv (human codings to learn from)")
    corpus = load_corpus(args)
    try:
        from ..ingest import UnknownSpeakersError

        failures = [p for p in corpus.problems if not isinstance(p, UnknownSpeakersError)]
    except ImportError:  # pragma: no cover - ingest is part of the package
        failures = list(corpus.problems)
    if train is not None:
        known = set(corpus.segments["segment_id"].astype(str))
        if not set(train["segment_id"]) & known:
            raise InputError(
                f"none of the segment ids in the training codings match the corpus (e.g. {train['segment_id'].iloc[0]!r} "
                f"vs {corpus.segments['segment_id'].iloc[0]!r})",
                path=args.train,
            )
    est = None
    if reader:
        codings, est = _run_reader(args, corpus, codebook, train)
        args.coder = est.coder_
    else:
        codings = _autocode(args, corpus, codebook, train)
    stream = sys.stdout
    if args.out == "-":
        write_csv(codings, sys.stdout)
        stream = sys.stderr
    elif args.out:
        _write_codings(codings, Path(args.out))
        print(f"wrote {args.out}", file=stream)
        if est is not None:
            _write_reader_sidecars(est, args.out, stream)
    if args.project:
        from ..project import Project

        with Project.open(args.project) as proj:
            # A turn this coder already coded with this code (suggested, accepted or rejected) is
            # not suggested again, so re-running autocode neither doubles nor revives suggestions.
            held = proj.codings(coder=sorted(set(codings["coder"])))
            held_keys = set(zip(held["segment_id"], held["code"], held["coder"], strict=True))
            fresh = codings[
                [k not in held_keys for k in zip(codings["segment_id"], codings["code"], codings["coder"], strict=True)]
            ]
            if len(fresh):  # one action in the audit log that records the settings (read by the AI-use appendix)
                description = (
                    _settings_description(args, codebook, train, codings.attrs.get("coder_settings"))
                    if est is None
                    else _reader_description(args, codebook, est)
                )
                with proj.batch(description, actor=args.coder):
                    ids = proj.add_codings(fresh, codebook=codebook)
            else:
                ids = []
        skipped = len(codings) - len(fresh)
        print(
            f"stored {len(ids)} suggested codings in {args.project}"
            + (f" ({skipped} already there, not added again)" if skipped else ""),
            file=stream,
        )
    seg = corpus.segments
    n_coded = codings["segment_id"].nunique()
    n_fac = int((seg["role"] == "facilitator").sum()) if not args.include_facilitator else 0
    themes = codings.loc[~codings["code"].str.contains("/", regex=False), "code"].value_counts()
    theme_text = ", ".join(f"{t} {int(themes[t])}" for t in codebook.theme_keys() if t in themes)
    print(
        f"{len(codings)} codings ({args.method if est is None else 'reader ' + est.model}) on {n_coded} of "
        f"{len(seg) - n_fac} turns"
        + (f" ({n_fac} facilitator turns not coded)" if n_fac else "")
        + (f"; themes: {theme_text}" if theme_text else ""),
        file=stream,
    )
    return 1 if failures or (est is not None and len(est.not_coded_)) else 0
