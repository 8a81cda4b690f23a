"""The ``--reader`` options that ``autocode`` and ``report`` share: coding through a reading model (docs/reader.md)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..safe_tables import write_csv

logger = logging.getLogger(__name__)


def add_reader_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--reader URL``, ``--reader-model NAME`` and the reader's other options to ``parser``."""
    g = parser.add_argument_group(
        "reading model (docs/reader.md)",
        "Code through an OpenAI-compatible chat-completions server you run (Ollama, llama.cpp server, vLLM, "
        "LM Studio). Turns are pseudonymised before they are sent; only a loopback URL is accepted unless "
        "--allow-remote is given.",
    )
    g.add_argument("--reader", metavar="URL", help="base URL of the server, e.g. http://127.0.0.1:11434/v1 (Ollama)")
    g.add_argument("--reader-model", metavar="NAME", help="the model's name on that server (required with --reader)")
    g.add_argument("--reader-concurrency", type=int, default=4, metavar="N", help="requests in flight at once (default 4)")
    g.add_argument("--reader-batch-size", type=int, default=8, metavar="N", help="turns per request (default 8)")
    g.add_argument(
        "--reader-retries", type=int, default=4, metavar="N", help="retries of a failed request, with back-off (default 4)"
    )
    g.add_argument(
        "--reader-backoff",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds before the first retry, doubled each time (default 1)",
    )
    g.add_argument("--reader-timeout", type=float, default=120.0, metavar="S", help="seconds per request (default 120)")
    g.add_argument(
        "--reader-cache", metavar="PATH", help="where answers are cached (default: the project with --project, else beside --out)"
    )
    g.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a server that is not on this machine (the pseudonymised turns are sent there)",
    )
    g.add_argument(
        "--no-pseudonymise",
        dest="reader_pseudonymise",
        action="store_false",
        help="send turns with real names (only to a server you control)",
    )
    g.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the server's API key (default OUTCOMES_QUAL_READER_API_KEY if set); "
        "the key is never written anywhere",
    )


def wants_reader(args: argparse.Namespace) -> bool:
    """True when ``--reader`` was given; checks that the reader options go together."""
    url = getattr(args, "reader", None)
    if not url:
        if getattr(args, "reader_model", None):
            raise InputError("--reader-model needs --reader URL (the server to send the turns to)")
        return False
    if not getattr(args, "reader_model", None):
        raise InputError("--reader needs --reader-model NAME (the model's name on the server, e.g. llama3.1:8b)")
    return True


def project_examples(project_path) -> tuple[pd.DataFrame | None, list]:
    """The project's accepted codings (worked examples) and the third-party names it pseudonymises."""
    if not project_path:
        return None, []
    from ..project import Project

    with Project.open(project_path) as proj:
        accepted = proj.codings(status="accepted")
        mapping = proj.name_mapping()
    names = []
    if len(mapping) and {"original", "source"} <= set(mapping.columns):
        names = [str(n) for n in mapping.loc[mapping["source"].astype(str) == "names", "original"].dropna()]
    return (accepted if len(accepted) else None), names


def make_reader_coder(args: argparse.Namespace, codebook, *, cache=None, coder=None, progress: bool = True, names=None):
    """An unfitted :class:`~outcomes_qual.coding.ReaderCoder` from the command-line options."""
    from ..coding import ReaderCoder

    return ReaderCoder(
        codebook=codebook,
        url=args.reader,
        model=args.reader_model,
        batch_size=args.reader_batch_size,
        concurrency=args.reader_concurrency,
        allow_remote=args.allow_remote,
        pseudonymise=args.reader_pseudonymise,
        names=names or None,
        api_key_env=args.api_key_env,
        timeout=args.reader_timeout,
        max_retries=args.reader_retries,
        backoff=args.reader_backoff,
        cache=cache,
        include_facilitator=getattr(args, "include_facilitator", False),
        coder=coder,
        progress=progress,
    )


def run_reader(args, corpus, codebook, *, train=None, cache=None, coder=None, progress=True):
    """Fit and run the reader on ``corpus``; return ``(codings, fitted coder)``.

    The evaluator's codings (``train``, and with ``--project`` the project's accepted
    codings) become worked examples. Says on stderr where the text goes.

    Raises
    ------
    InputError
        Bad options, a URL that is not loopback without ``--allow-remote``, or no turn answered at all.
    """
    from ..coding.reader_client import check_url

    check_url(args.reader, allow_remote=args.allow_remote)  # before anything else: refuse without connecting
    accepted, names = project_examples(getattr(args, "project", None))
    examples = [f for f in (train, accepted) if f is not None and len(f)]
    examples = pd.concat([f[["segment_id", "code"]] for f in examples], ignore_index=True) if examples else None
    if getattr(args, "names", None):
        from ..anonymise import read_names

        names = names + read_names(args.names)["name"].astype(str).tolist()
    est = make_reader_coder(args, codebook, cache=cache, coder=coder, progress=progress, names=names)
    est.fit(corpus if examples is not None else None, examples)
    where = "pseudonymised" if args.reader_pseudonymise else "NOT pseudonymised (--no-pseudonymise)"
    remote = "" if _loopback(est.url_) else " (ANOTHER MACHINE: --allow-remote)"
    print(
        f"reader: sending turns, {where}, to {est.url_}{remote}, model {est.model}; prompt {est.prompt_hash_} "
        f"with {est.n_examples_['evaluator']} evaluator and {est.n_examples_['training_corpus']} written examples",
        file=sys.stderr,
    )
    codings = est.predict(corpus)
    stats = est.run_stats_
    if stats["turns"] and stats["not_coded_turns"] == stats["turns"]:
        reason = est.not_coded_["reason"].iloc[0] if len(est.not_coded_) else "no answer"
        raise InputError(f"the reader at {est.url_} coded no turn: {reason}")
    dropped = ", ".join(
        f"{k[len('dropped_') :].replace('_', ' ')} {v}" for k, v in stats.items() if k.startswith("dropped_") and v
    )
    print(
        f"reader: {stats['sent_turns']} turns sent in {stats['requests']} requests ({stats['retries']} retries), "
        f"{stats['cached_turns']} from the cache; {stats['prompt_tokens']} prompt and {stats['completion_tokens']} "
        f"answer tokens in {stats['seconds']:.1f} s" + (f"; answers dropped: {dropped}" if dropped else ""),
        file=sys.stderr,
    )
    if len(est.not_coded_):
        shown = ", ".join(f"{s} ({r})" for s, r in est.not_coded_.head(10).itertuples(index=False))
        more = f" and {len(est.not_coded_) - 10} more" if len(est.not_coded_) > 10 else ""
        print(f"reader: {len(est.not_coded_)} turn(s) NOT coded: {shown}{more}", file=sys.stderr)
    return codings, est


def _loopback(url: str) -> bool:
    import urllib.parse

    from ..coding.reader_client import is_loopback_host

    return is_loopback_host(urllib.parse.urlsplit(url).hostname or "")


def write_atomic(frame: pd.DataFrame, path) -> None:
    """Write ``frame`` as CSV to ``path`` through a temporary file in the same folder, then rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write_csv(frame, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sidecar(out, suffix: str) -> Path:
    """``codings.csv`` -> ``codings.<suffix>.csv`` beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}.{suffix}.csv")


def reader_run_settings(est) -> pd.DataFrame:
    """The run settings table (:func:`outcomes_qual.provenance.run_settings`) with the reader's settings and figures."""
    from ..provenance import run_settings

    return run_settings(coding_method="reader", extra=est.settings())


def audit_settings(est) -> dict:
    """What the project's audit log records about a reader run (read back by the report's appendix)."""
    s = est.run_stats_
    return {
        "method": "reader",
        "model": est.model,
        "server": est.url_,
        "prompt hash": est.prompt_hash_,
        "pseudonymised": "yes" if est.pseudonymise else "no",
        "examples": f"{est.n_examples_['evaluator']} evaluator, {est.n_examples_['training_corpus']} written",
        "turns sent": s["sent_turns"],
        "turns from cache": s["cached_turns"],
        "turns not coded": s["not_coded_turns"] or None,
        "tokens": f"{s['prompt_tokens']} prompt, {s['completion_tokens']} answer",
        "seconds": s["seconds"],
    }
