"""Does the reader store exactly what a reading model answers? A stand-in model on a real study.

The study is ``shared/studies/exam_proctoring_survey`` (free-text answers of
university educators, coded by the study's primary coder). The codebook is
the study's own code names (made into codebook keys: lower case, other
characters as ``_``): by default the ``--themes`` (17) most frequent top-level
codes of the chosen turns, with their sub-codes. The turns are the first
``--turns`` (340) non-empty answers in file order. The turns go through
``outcomes-qual autocode --reader`` (``--via api``: the ReaderCoder API). A stand-in server on 127.0.0.1
(:mod:`outcomes_qual.coding.reader_standin`) answers under the reader contract with
the primary coder's codes for each answer, all of them, including codes that
are not in this codebook, with the answer's first words as evidence; it
also breaks some requests (HTTP 500, a reply that is not JSON, a reply cut
off mid-JSON) so that retries are exercised.

What should be stored is what was answered, less the codes outside the
codebook. The script prints, against that: top-1 (the first theme answered
for a turn is among the stored ones), macro-F1 over themes, exact agreement
of the (turn, code, evidence) rows, and the run's figures. ``--all`` codes
every answer against the whole code list instead.

Run ``python benchmarks/reader_fidelity.py`` (the shared folder is found
beside the repository, or with ``--shared DIR`` or ``OUTCOMES_QUAL_SHARED``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.coding import ReaderCoder
from outcomes_qual.coding.reader_standin import StandinServer, evidence_span

ROOT = Path(__file__).resolve().parents[1]

#: Environment variable naming the shared folder (default: ``shared`` beside the repository).
SHARED_ENV = "OUTCOMES_QUAL_SHARED"

STUDY = Path("studies") / "exam_proctoring_survey"


def shared_dir(shared=None) -> Path:
    """The shared folder: ``shared``, else ``$OUTCOMES_QUAL_SHARED``, else ``../shared`` beside the repository."""
    if shared is not None:
        return Path(shared)
    if os.environ.get(SHARED_ENV):
        return Path(os.environ[SHARED_ENV])
    return ROOT.parent / "shared"


def study_available(shared=None) -> bool:
    folder = shared_dir(shared) / STUDY
    return all((folder / name).is_file() for name in ("responses.csv", "codings_primary.csv"))


def codebook_key(code: str) -> str:
    """A code name as a codebook key (lower case; characters other than a-z, 0-9, _ and - become _).

    >>> codebook_key("don't_know/Not sure")
    'don_t_know/not_sure'
    """
    parts = [re.sub(r"[^a-z0-9_\-]", "_", part.strip().lower()) for part in code.split("/")]
    return "/".join(p if p and p[0].isalnum() else "c" + p for p in parts)


def load_study(shared=None, *, n_themes: int | None = 17, n_turns: int | None = 340):
    """``(segments, codebook, answered)``: the turns, the code-name codebook and the primary coder's codes per turn."""
    folder = shared_dir(shared) / STUDY
    responses = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    primary = pd.read_csv(folder / "codings_primary.csv", dtype=str, keep_default_na=False)
    responses["segment_id"] = responses["respondent_id"] + ":" + responses["question_id"]
    primary["segment_id"] = primary["respondent_id"] + ":" + primary["question_id"]
    primary = primary[primary["code"].str.strip() != ""]
    names = sorted(set(primary["code"]))
    keyed = {c: codebook_key(c) for c in names}
    assert len(set(keyed.values())) == len(keyed), "two code names give the same key"
    primary["code"] = primary["code"].map(keyed)
    responses = responses[responses["answer"].str.strip() != ""].drop_duplicates("segment_id")
    if n_turns is not None:
        responses = responses.head(n_turns)
    chosen = primary[primary["segment_id"].isin(set(responses["segment_id"]))]  # the themes of these turns
    theme_turns = chosen.assign(theme=chosen["code"].str.split("/").str[0]).drop_duplicates(["segment_id", "theme"])
    counts = Counter(theme_turns["theme"])
    themes = sorted(counts, key=lambda t: (-counts[t], t))
    if n_themes is not None:
        themes = themes[:n_themes]
    keep = set(themes)
    codes: list[Code] = []
    for theme in themes:
        codes.append(Code(theme, theme.replace("_", " "), theme.replace("_", " ")))
        subs = sorted({c for c in primary["code"] if c.startswith(theme + "/")})
        codes += [Code(c, c.split("/", 1)[1].replace("_", " "), c.replace("_", " ")) for c in subs]
    codebook = Codebook("exam_proctoring_survey", tuple(codes))
    answered = {sid: list(dict.fromkeys(g["code"])) for sid, g in primary.groupby("segment_id", sort=False)}
    segments = pd.DataFrame(
        {"segment_id": responses["segment_id"], "text": responses["answer"], "role": "respondent"}
    ).reset_index(drop=True)
    assert keep <= set(codebook.keys())
    return segments, codebook, answered


def fault(n, turns):
    """Break some first attempts: HTTP 500, not JSON, cut off mid-JSON."""
    return "http500" if n % 7 == 3 else "cut" if n % 11 == 5 else "not_json" if n % 13 == 8 else None


def _autocode_cli(segments, codebook, url, *, batch_size, concurrency):
    """``outcomes-qual autocode SEGMENTS.csv --codebook CB.yaml --reader URL``: the stored codings and run settings."""
    from outcomes_qual.cli import main as cli
    from outcomes_qual.codebook import save_codebook

    with tempfile.TemporaryDirectory() as tmp:
        seg_path, cb_path, out = Path(tmp) / "segments.csv", Path(tmp) / "codebook.yaml", Path(tmp) / "codings.csv"
        segments[["segment_id", "text"]].rename(columns={"segment_id": "id"}).to_csv(seg_path, index=False)
        save_codebook(codebook, cb_path)
        rc = cli(
            [
                "autocode",
                str(seg_path),
                "--codebook",
                str(cb_path),
                "--out",
                str(out),
                "--reader",
                url,
                "--reader-model",
                "stand-in",
                "--reader-batch-size",
                str(batch_size),
                "--reader-concurrency",
                str(concurrency),
                "--reader-backoff",
                "0.01",
            ]
        )
        if rc != 0:
            raise RuntimeError(f"autocode --reader exited with {rc}")
        stored = pd.read_csv(out, dtype={"segment_id": str, "code": str, "evidence": str}, keep_default_na=False)
        settings = pd.read_csv(Path(tmp) / "codings.run_settings.csv", dtype=str).set_index("setting")["value"]
    stats = {k[len("reader_") :]: v for k, v in settings.items() if k.startswith("reader_")}
    for key in ("dropped_unknown_code", "not_coded_turns", "retries"):
        stats[key] = int(stats[key])
    for key in ("seconds", "turns_per_second"):
        stats[key] = float(stats[key])
    return stored, stats


def run(shared=None, *, n_themes=17, n_turns=340, batch_size=10, concurrency=4, via="cli") -> dict:
    """Code the study through the stand-in (``via="cli"``: ``autocode --reader``; ``"api"``: ReaderCoder); return the figures."""
    segments, codebook, answered = load_study(shared, n_themes=n_themes, n_turns=n_turns)
    keys = set(codebook.keys())

    def answer(turns):
        return [{"id": sid, "code": code, "evidence": evidence_span(t)} for sid, t in turns for code in answered.get(sid, [])]

    with StandinServer(answer, fault=fault) as server:
        if via == "cli":
            stored, stats = _autocode_cli(segments, codebook, server.url, batch_size=batch_size, concurrency=concurrency)
        else:
            est = ReaderCoder(
                codebook=codebook, url=server.url, model="stand-in", batch_size=batch_size, concurrency=concurrency, backoff=0.01
            ).fit()
            stored = est.predict(segments)
            stats = est.run_stats_
        n_requests = len(server.requests)
        received = dict(server.turns_seen)  # the text as it reached the model (after reading and pseudonymising)
    # what should be stored: what was answered, in the codebook, with each sub-code's theme
    expected = set()
    for sid in segments["segment_id"]:
        for code in answered.get(sid, []):
            if code in keys:
                expected.add((sid, code, evidence_span(received[sid])))
                theme = code.split("/")[0]
                if not any(c == theme for c in answered.get(sid, [])):
                    expected.add((sid, theme, evidence_span(received[sid])))
    got = set(zip(stored["segment_id"], stored["code"], stored["evidence"], strict=True))
    themes = codebook.theme_keys()
    stored_themes = {sid: set(g["code"].str.split("/").str[0]) for sid, g in stored.groupby("segment_id")}
    answered_themes = {sid: [c.split("/")[0] for c in answered.get(sid, []) if c in keys] for sid in segments["segment_id"]}
    with_answer = [sid for sid, t in answered_themes.items() if t]
    top1 = sum(answered_themes[sid][0] in stored_themes.get(sid, set()) for sid in with_answer) / max(1, len(with_answer))
    f1s = []
    for theme in themes:
        truth = {sid for sid, t in answered_themes.items() if theme in t}
        pred = {sid for sid, t in stored_themes.items() if theme in t}
        if not truth and not pred:
            continue
        tp = len(truth & pred)
        f1s.append(2 * tp / (len(truth) + len(pred)))
    return {
        "turns": len(segments),
        "themes": len(themes),
        "codes": len(codebook),
        "turns_with_answer": len(with_answer),
        "top1": round(top1, 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else float("nan"),
        "rows_expected": len(expected),
        "rows_stored": len(got),
        "rows_exact": len(expected & got),
        "stored_outside_codebook": int((~stored["code"].isin(keys)).sum()),
        "dropped_unknown_code": stats["dropped_unknown_code"],
        "not_coded_turns": stats["not_coded_turns"],
        "requests": n_requests,
        "retries": stats["retries"],
        "seconds": stats["seconds"],
        "turns_per_second": stats["turns_per_second"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", help=f"the shared folder (default: ${SHARED_ENV} or ../shared)")
    parser.add_argument("--themes", type=int, default=17)
    parser.add_argument("--turns", type=int, default=340)
    parser.add_argument("--all", action="store_true", help="every answer, the whole code list")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--via",
        choices=("cli", "api"),
        default="cli",
        help="through `outcomes-qual autocode --reader` (default) or the ReaderCoder API",
    )
    args = parser.parse_args(argv)
    if not study_available(args.shared):
        print(f"skipped: {shared_dir(args.shared) / STUDY} is not there")
        return 0
    figures = run(
        args.shared,
        n_themes=None if args.all else args.themes,
        n_turns=None if args.all else args.turns,
        batch_size=args.batch_size,
        concurrency=args.concurrency,
        via=args.via,
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
