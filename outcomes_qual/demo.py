"""``python -m outcomes_qual.demo --out out/demo``: the whole pipeline on the sample corpus.

Reads ``transcripts_sample/`` with its roster, pseudonymises it (roster and
speaker names, plus ``names.csv``), auto-codes it with the shipped codebook
(ensemble), finds emergent topics, writes the full report into ``--out``,
checks the written files for any real name, and prints a short summary and the
output paths. This is what ``make demo`` runs.

``python -m outcomes_qual.demo --consultation --out out/demo_consultation``
takes the consultation route instead: the synthetic consultation export
``transcripts_sample/consultation_sample.csv`` (120 respondents, 5 questions)
is read, coded, and written up as a consultation report (who responded, each
question's themes, differences by respondent type, non-response); this is
what ``make demo-consultation`` runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"

logger = logging.getLogger(__name__)


def summary_lines(corpus, codings, topics=None) -> list[str]:
    """Short summary: transcripts, participants by role, turns, themes (and topics).

    Examples
    --------
    >>> import pandas as pd
    >>> from outcomes_qual.corpus import Corpus
    >>> c = Corpus.from_turns("fg1", [("F", "facilitator", "Why?"), ("A", "senior", "Time.")])
    >>> summary_lines(c, pd.DataFrame({"segment_id": ["fg1:002"], "code": ["time"]}))[:3]
    ['transcripts: 1 (1 focus_group)', 'participants: 1 (senior 1)', 'turns: 2 (1 from participants)']
    """
    from .analysis._common import order_roles

    tr = corpus.transcripts
    methods = ", ".join(f"{n} {m}" for m, n in tr["method"].fillna("other").value_counts().items())
    parts = corpus.participants[corpus.participants["role"] != "facilitator"]
    by_role = parts.groupby("role")["participant_id"].nunique()
    roles = ", ".join(f"{r} {int(by_role[r])}" for r in order_roles(by_role.index))
    analysed = corpus.analysed_segments()
    lines = [
        f"transcripts: {len(tr)} ({methods})",
        f"participants: {int(parts['participant_id'].nunique())} ({roles})",
        f"turns: {len(corpus.segments)} ({len(analysed)} from participants)",
    ]
    themes = codings.assign(theme=codings["code"].astype(str).str.split("/").str[0])
    themes = themes[themes["segment_id"].isin(set(analysed["segment_id"]))]
    per_theme = themes.drop_duplicates(["segment_id", "theme"])["theme"].value_counts()
    per_theme = sorted(per_theme.items(), key=lambda tn: (-tn[1], tn[0]))  # ties in name order, every run
    lines.append("themes (turns): " + ", ".join(f"{t} {n}" for t, n in per_theme))
    if topics is not None:
        t = topics.topics
        t = t[t["topic_id"] >= 0]
        emergent = t[t["emergent"].astype(bool)]
        lines.append(f"topics: {len(t)} ({len(emergent)} emergent: {'; '.join(emergent['label'].astype(str)) or 'none'})")
    return lines


def run_demo(
    out: Path,
    *,
    topics: bool = True,
    method: str = "ensemble",
    sample: Path = SAMPLE,
    codebook_path: Path = CODEBOOK,
    seed: int = 0,
    light: bool = False,
) -> dict:
    """Run the pipeline on ``sample`` and write the report into ``out``.

    ``seed`` is the random_state of coding and topic modelling; ``light``
    uses the scikit-learn path (LSA embeddings, k-means topics) even when the
    ``embeddings`` extra is installed. The transcripts are read in sorted
    order, so the same inputs and seed give the same tables.

    Returns a dict with the pseudonymised ``corpus``, the ``codings``, the
    ``topics`` result (or None) and the ``paths`` written.
    """
    from .codebook import load_codebook
    from .coding import autocode
    from .ingest import read_corpus
    from .report import write_report

    roster = sample / "roster.csv"
    corpus = read_corpus([sample], roster=roster if roster.is_file() else None)
    for problem in corpus.problems:
        logger.warning("%s", problem)
    speakers = [str(s) for s in corpus.participants["speaker"].dropna().unique()]
    names = sample / "names.csv"
    try:
        from .anonymise import pseudonymise_corpus

        corpus, _mapping = pseudonymise_corpus(corpus, names=names if names.is_file() else None)
    except ImportError:  # pragma: no cover - anonymise package missing
        logger.warning("anonymise is not available: quotes keep third-party names")
    codebook = load_codebook(codebook_path)
    backend = "lsa" if light else "auto"
    codings = autocode(corpus, codebook, method=method, backend=backend, random_state=seed)
    result = None
    if topics:
        from .topics import find_topics

        result = find_topics(corpus, codebook=codebook, codings=codings, random_state=seed, backend="light" if light else "auto")
    paths = write_report(corpus, codings, codebook, out, topics=result, coding_method=method, seed=seed, progress=False)
    paths["project"] = write_project(out / "study.sqlite", corpus, codebook, codings)
    from .report.checks import check_no_names

    check_no_names(paths, speakers, names if names.is_file() else None)  # fails loudly on any leak
    return {"corpus": corpus, "codings": codings, "topics": result, "paths": paths}


def run_consultation_demo(
    out: Path,
    *,
    topics: bool = True,
    method: str = "ensemble",
    export: Path = SAMPLE / "consultation_sample.csv",
    codebook_path: Path = CODEBOOK,
    seed: int = 0,
    light: bool = False,
) -> dict:
    """The consultation route on the sample export: read, code, find topics, write the consultation report.

    Returns a dict with the ``corpus``, ``codings``, ``counts``
    (:class:`~outcomes_qual.analysis.consultation.ConsultationCounts`) and the ``paths`` written.
    """
    from .analysis.consultation import consultation_counts
    from .codebook import load_codebook
    from .coding import autocode
    from .ingest import read_consultation
    from .report.consultation_report import write_consultation_report

    corpus = read_consultation(export)
    for problem in corpus.problems:
        logger.warning("%s", problem)
    codebook = load_codebook(codebook_path)
    codings = autocode(corpus, codebook, method=method, backend="lsa" if light else "auto", random_state=seed)
    result = None
    if topics:
        from .topics import find_topics

        result = find_topics(corpus, codebook=codebook, codings=codings, random_state=seed, backend="light" if light else "auto")
    counts = consultation_counts(corpus, codings, codebook=codebook, seed=seed)
    paths = write_consultation_report(counts, codebook, out, topics=result, coding_method=method, seed=seed)
    return {"corpus": corpus, "codings": codings, "counts": counts, "paths": paths}


def consultation_lines(counts) -> list[str]:
    """Short summary of a consultation: respondents by type, answers, non-response, top theme per question."""
    from .analysis.consultation import consultation_tables, question_key_order

    tables = consultation_tables(counts)
    prof = tables["respondents_profile"]
    types = prof[prof["by"] == "respondent_type"]
    non = tables["nonresponse_by_question"]
    lines = [
        f"respondents: {counts.n_respondents} ("
        + ", ".join(f"{label} {int(n)}" for label, n in types[["label", "n"]].itertuples(index=False, name=None))
        + ")",
        f"answers: {counts.n_answers} coded, {int(non['n_nonresponse'].sum())} empty or non-response, {len(non)} questions",
    ]
    q = tables["question_by_theme"]
    tops = []
    for key in question_key_order(q["question"]):
        block = q[q["question"] == key].sort_values(["n", "code"], ascending=[False, True], kind="stable")
        tops.append(f"{key} {block.iloc[0]['code']} {100 * block.iloc[0]['share']:.0f}%")
    lines.append("top theme per question: " + ", ".join(tops))
    return lines


def write_project(path: Path, corpus, codebook, codings) -> Path:
    """Write the demo's project file (corpus, codebook, codings as suggestions), replacing an older demo's.

    ``outcomes-qual serve`` opens it to review the suggestions in the browser.
    """
    from .project import Project

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with Project.create(path) as proj:
        proj.add_corpus(corpus)
        version = proj.add_codebook(codebook)
        proj.add_codings(codings, codebook=version, status="suggested")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(prog="python -m outcomes_qual.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/demo", help="output directory (default: out/demo)")
    parser.add_argument("--no-topics", dest="topics", action="store_false", help="skip topic modelling")
    parser.add_argument(
        "--method", default="ensemble", choices=("keyword", "semantic", "ensemble"), help="auto-coding method (default: ensemble)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of coding and topic modelling (default 0)")
    parser.add_argument(
        "--light", action="store_true", help="use the light scikit-learn path (LSA, k-means) even with the embeddings extra"
    )
    parser.add_argument(
        "--sample",
        default=str(SAMPLE),
        help="folder of transcripts with roster.csv and names.csv (default: the shipped transcripts_sample/)",
    )
    parser.add_argument("--time", dest="show_time", action="store_true", help="print how long the run took")
    parser.add_argument(
        "--consultation",
        action="store_true",
        help="the consultation route: the sample consultation export and a consultation report",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    start = time.perf_counter()
    if args.consultation:
        result = run_consultation_demo(Path(args.out), topics=args.topics, method=args.method, seed=args.seed, light=args.light)
        for line in consultation_lines(result["counts"]):
            print(line)
        paths = result["paths"]
        print(f"report:  {paths['report']}")
        print(f"tables:  {paths['xlsx']} and {paths['tables']}/*.csv")
        print(f"figures: {paths['figures']}/")
        if args.show_time:
            print(f"done in {time.perf_counter() - start:.0f} s")
        return 0
    result = run_demo(
        Path(args.out), topics=args.topics, method=args.method, sample=Path(args.sample), seed=args.seed, light=args.light
    )
    for line in summary_lines(result["corpus"], result["codings"], result["topics"]):
        print(line)
    paths = result["paths"]
    print(f"report:  {paths['report']}")
    print(f"tables:  {paths['xlsx']} and {paths['tables']}/*.csv")
    print(f"figures: {paths['figures']}/")
    print(f"project: {paths['project']} (review it: outcomes-qual serve {paths['project']})")
    if args.show_time:
        print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
