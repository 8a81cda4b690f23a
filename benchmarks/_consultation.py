"""A synthetic consultation export for tests, the sample file and scale benchmarks.

``make_consultation(n_respondents, seed=...)`` returns a wide table: one row
per respondent (``respondent_id``, ``respondent_type``, ``organisation``,
``authority``, ``region``) and one column per open question (:data:`QUESTIONS`).
Answers are built from sentences written for this project (the theme
templates of :mod:`_synthetic` plus consultation-voiced ones below); about one
answer in nine is empty or a non-response (``N/A``, ``No comment``, ``-``).
``write_consultation_parquet`` writes millions of answers to Parquet in
chunks, so generation never holds the whole file in memory.

Examples
--------
>>> wide = make_consultation(20, seed=1)
>>> list(wide.columns[:5])
['respondent_id', 'respondent_type', 'organisation', 'authority', 'region']
>>> len(wide), wide["respondent_id"].is_unique
(20, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _synthetic import _WEIGHTS, TEMPLATES, _fill

#: Question headers, as a consultation export writes them.
QUESTIONS: tuple[str, ...] = (
    "Q1. What has worked well when support is planned with people?",
    "Q2. What gets in the way of support that is built around what matters to people?",
    "Q3. How should health, housing and other partners work with social care?",
    "Q4. What would help staff and unpaid carers most?",
    "Q5. Do you have any other comments?",
)

#: Which template families each question draws on most.
QUESTION_FAMILIES: dict[str, list[str]] = {
    QUESTIONS[0]: ["culture_shift", "clarity_of_purpose", "culture_shift"],
    QUESTIONS[1]: ["systems_barriers", "time", "resistance"],
    QUESTIONS[2]: ["partners", "partners", "systems_barriers"],
    QUESTIONS[3]: ["time", "culture_shift", "agency_staff"],
    QUESTIONS[4]: list(k for k in _WEIGHTS if k != "filler"),
}

VOICE: dict[str, list[str]] = {
    "individual": [
        "When my dad needed help, the worker asked what a good day looked like for him.",
        "I had to tell my story to four different people before anything happened.",
        "Nobody explained what the assessment was for or what would come of it.",
        "The support I get now fits around my life instead of the other way round.",
    ],
    "unpaid_carer": [
        "As a carer I was never asked what I needed to keep going.",
        "The short break made the difference between coping and giving up.",
        "I spend hours on the phone chasing the same referral.",
    ],
    "organisation": [
        "Our members report that the quality of conversations varies a great deal between areas.",
        "We would welcome national standards that still leave room for local judgement.",
        "Commissioning on outputs rather than outcomes works against this approach.",
    ],
    "practitioner": [
        "On a good week I can spend real time with a family, but good weeks are rare.",
        "The training gave us a shared language, and supervision keeps it alive.",
    ],
}

NONRESPONSES: tuple[str, ...] = ("", "N/A", "No comment", "-", "none", "n/a")

TYPES: tuple[str, ...] = ("Individual", "Unpaid carer", "Organisation", "Practitioner", "Team manager")
TYPE_WEIGHTS = np.array([0.42, 0.13, 0.15, 0.22, 0.08])
AUTHORITIES: tuple[str, ...] = ("Glanafon", "Strathlinn", "Dunmore", "Abercarn", "Kelvinbrae", "Tremadoc")
REGIONS = {
    "Glanafon": "Wales",
    "Abercarn": "Wales",
    "Tremadoc": "Wales",
    "Strathlinn": "Scotland",
    "Dunmore": "Scotland",
    "Kelvinbrae": "Scotland",
}
ORGANISATIONS: tuple[str, ...] = (
    "Carers Together",
    "Hillside Housing Association",
    "Valley Advocacy Project",
    "North Coast Care Providers Forum",
    "Riverside Community Trust",
    "Older People's Voice",
)


def _answer(question: str, rtype: str, rng: np.random.Generator) -> str:
    fams = QUESTION_FAMILIES[question]
    n = int(rng.integers(1, 4))
    out = []
    for _ in range(n):
        voice = VOICE.get(rtype)
        if voice and rng.random() < 0.25:
            out.append(voice[rng.integers(len(voice))])
            continue
        fam = fams[rng.integers(len(fams))]
        pool = TEMPLATES[fam]
        out.append(_fill(pool[rng.integers(len(pool))], rng))
    return " ".join(out)


def make_consultation(n_respondents: int, *, seed: int = 0, start: int = 0, nonresponse: float = 0.11) -> pd.DataFrame:
    """Return ``n_respondents`` synthetic respondents as a wide consultation table.

    Parameters
    ----------
    n_respondents : int
    seed : int, default 0
    start : int, default 0
        Number of the first respondent (ids are ``R{number:07d}``), for writing in chunks.
    nonresponse : float, default 0.11
        Share of answers that are empty or a non-response.
    """
    rng = np.random.default_rng([seed, start])
    rows = []
    p = TYPE_WEIGHTS / TYPE_WEIGHTS.sum()
    for i in range(start, start + n_respondents):
        rtype = TYPES[rng.choice(len(TYPES), p=p)]
        key = rtype.lower().replace(" ", "_")
        authority = AUTHORITIES[rng.integers(len(AUTHORITIES))]
        row = {
            "respondent_id": f"R{i:07d}",
            "respondent_type": rtype,
            "organisation": ORGANISATIONS[rng.integers(len(ORGANISATIONS))] if key == "organisation" else "",
            "authority": authority,
            "region": REGIONS[authority],
        }
        for q in QUESTIONS:
            if rng.random() < nonresponse:
                row[q] = NONRESPONSES[rng.integers(len(NONRESPONSES))]
            else:
                row[q] = _answer(q, "practitioner" if key == "team_manager" else key, rng)
        rows.append(row)
    return pd.DataFrame(rows)


def write_consultation_parquet(
    path, n_answers: int, *, seed: int = 0, chunk_respondents: int = 20_000, row_group_respondents: int = 20_000
) -> int:
    """Write a consultation of about ``n_answers`` answers (respondents x questions) to one Parquet file, in chunks.

    Returns the number of respondents written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_resp = -(-int(n_answers) // len(QUESTIONS))
    writer = None
    try:
        for start in range(0, n_resp, chunk_respondents):
            frame = make_consultation(min(chunk_respondents, n_resp - start), seed=seed, start=start)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table, row_group_size=row_group_respondents)
    finally:
        if writer is not None:
            writer.close()
    return n_resp


if __name__ == "__main__":  # write the sample file: python benchmarks/_consultation.py OUT.csv
    import sys

    out = sys.argv[1] if len(sys.argv) > 1 else "transcripts_sample/consultation_sample.csv"
    make_consultation(120, seed=2026).to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out}")
