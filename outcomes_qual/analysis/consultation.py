r"""Consultation analysis: who responded, themes per question and respondent type, non-response.

A consultation corpus (:func:`outcomes_qual.ingest.read_consultation`) has one
segment per answer (respondent x question) with a ``question`` column; its
``role`` is the respondent type. The tables here are built in two steps so the
same code serves one process and the Dask engine:

1. **counts** (:class:`ConsultationCounts`): small tables of counts per
   (question, theme), (respondent type, theme), (authority, theme), the
   respondent profile, non-response per question, and a seeded sample of quote
   candidates. :func:`consultation_counts` computes them from a corpus in
   memory; ``outcomes_qual_dask.report`` computes the same counts partition by
   partition with the helpers here (:func:`profile_counts`,
   :func:`quote_candidates`, :func:`top_candidates`).
2. **tables** (:func:`consultation_tables`): shares with Wilson intervals, the
   respondent type x theme test with adjusted residuals, the authority (and
   region) comparison with Holm-corrected tests, all from the counts alone.

Quotes are drawn by a seeded hash of the segment id among answers whose
best code (highest confidence) is the theme, so the draw does not depend on
how the answers are partitioned.

Examples
--------
>>> from outcomes_qual.ingest.consultation import parse_consultation_csv
>>> corpus = parse_consultation_csv(
...     "respondent_id,respondent_type,authority,Q1. What works?,Q2. What gets in the way?\n"
...     "r1,Individual,Glanafon,Being asked what matters to me.,The forms.\n"
...     "r2,Unpaid carer,Strathlinn,Short breaks.,N/A\n", "nc")
>>> codings = pd.DataFrame({"segment_id": ["r1:q1", "r1:q2", "r2:q1"],
...                         "code": ["culture_shift", "systems_barriers", "time"]})
>>> tables = consultation_tables(consultation_counts(corpus, codings))
>>> tables["question_by_theme"].query("code == 'culture_shift'")[["question", "n", "base", "share"]].values.tolist()
[['q1', 1, 2, 0.5], ['q2', 0, 1, 0.0]]
>>> tables["respondents_profile"].query("by == 'respondent_type'")[["label", "n"]].values.tolist()
[['Individual', 1], ['Unpaid carer', 1]]
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._columns import ROLE_THEME_TEST_COLUMNS
from ._common import order_codes, order_roles, wilson_interval
from .quotes import CONFIDENCE_STEP, is_reviewed, trusted_codings
from .role_theme import role_by_theme
from .stats import adjust_pvalues, contingency_test

logger = logging.getLogger(__name__)

#: Group x theme count tables: name -> (grouping column, unit counted).
GROUP_TABLES: dict[str, tuple[str, str]] = {
    "question_by_theme": ("question", "segments"),
    "respondent_type_by_theme": ("role", "participants"),
    "authority_by_theme": ("authority", "participants"),
    "region_by_theme": ("region", "participants"),
}

#: Respondent attributes the profile counts (besides ``responding_as``).
PROFILE_BY: tuple[str, ...] = ("respondent_type", "authority", "region")

#: Columns of the ``question_by_theme`` table.
QUESTION_THEME_COLUMNS: tuple[str, ...] = ("question", "question_text", "code", "n", "base", "share", "ci_low", "ci_high")

#: Columns of the ``respondent_type_by_theme`` table.
TYPE_THEME_COLUMNS: tuple[str, ...] = ("respondent_type", "label", "code", "n", "base", "share", "ci_low", "ci_high")

#: Columns of the ``respondents_profile`` table.
PROFILE_COLUMNS: tuple[str, ...] = ("by", "value", "label", "n", "share")

#: Columns of a comparison (authority or region) table.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "code",
    "group",
    "n",
    "base",
    "share",
    "ci_low",
    "ci_high",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "significant",
)

#: Columns of quote candidates.
QUOTE_CANDIDATE_COLUMNS: tuple[str, ...] = ("question", "code", "role", "key", "segment_id", "text", "confidence", "reviewed")

#: Words in a respondent type (or an organisation field) that mean the response came from an organisation.
_ORGANISATION_WORDS = re.compile(
    r"organi[sz]ation|association|charity|council|forum|network|partnership|group|body|trust", re.IGNORECASE
)

#: Label of a respondent type that was not given.
UNKNOWN_TYPE_LABEL = "Type not given"

_UNKNOWN = {"", "unknown", "nan", "none", "<na>"}


@dataclass
class ConsultationCounts:
    """Everything a consultation report needs, as counts (small whatever the consultation's size).

    Attributes
    ----------
    groups : dict of str to DataFrame
        :data:`GROUP_TABLES` as :func:`outcomes_qual.analysis.role_by_theme`
        tables (``role`` renamed to the grouping column), themes only.
    profile : DataFrame
        ``by, value, n``: respondents by respondent type (role key), responding
        as (organisation / individual), authority and region.
    type_labels : dict
        Respondent type key (``role``) -> the type as respondents wrote it.
    nonresponse : DataFrame
        :func:`outcomes_qual.ingest.consultation.nonresponse_by_question`.
    quotes : DataFrame
        :data:`QUOTE_CANDIDATE_COLUMNS`: per (question, theme, respondent type)
        the ``k`` answers with the smallest seeded key whose best code is the theme.
    question_text : dict
        Question key -> its wording (the export's header), when known.
    organisations : list of str
        Organisation names given by respondents (scrubbed from quotes).
    n_respondents, n_answers : int
    coders, methods : list of str
        Who coded the answers and how (from the codings).
    n_codings, n_coded : int
        Codings, and answers with at least one coding.
    """

    groups: dict
    profile: pd.DataFrame
    type_labels: dict
    nonresponse: pd.DataFrame
    quotes: pd.DataFrame
    question_text: dict = field(default_factory=dict)
    organisations: list = field(default_factory=list)
    n_respondents: int = 0
    n_answers: int = 0
    coders: list = field(default_factory=list)
    methods: list = field(default_factory=list)
    n_codings: int = 0
    n_coded: int = 0


# ------------------------------------------------------------------ detection
def is_consultation(corpus) -> bool:
    """True for a corpus read from a consultation export (its segments carry ``question``).

    Examples
    --------
    >>> from outcomes_qual.corpus import Corpus
    >>> is_consultation(Corpus.from_turns("fg", [("Ann", "practitioner", "Hello there.")]))
    False
    """
    seg = getattr(corpus, "segments", None)
    return isinstance(seg, pd.DataFrame) and "question" in seg.columns and bool(seg["question"].notna().any())


def question_key_order(keys) -> list[str]:
    """Question keys in natural order (q2 before q10).

    Examples
    --------
    >>> question_key_order(["q10", "q2", "q1"])
    ['q1', 'q2', 'q10']
    """
    return sorted(
        dict.fromkeys(str(k) for k in keys), key=lambda k: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", k)]
    )


def question_wording(paths) -> dict[str, str]:
    """Question key -> header text, read from the header of each export still on disk (never the rows).

    Parameters
    ----------
    paths : iterable of path-like
        Consultation exports (the ``source_path`` of each respondent).
    """
    from pathlib import Path

    from ..ingest.consultation import ConsultationLayout

    out: dict[str, str] = {}
    for path in dict.fromkeys(str(p) for p in paths if isinstance(p, str) and p):
        p = Path(path)
        if not p.is_file():
            continue
        try:
            header = _header(p)
            layout = ConsultationLayout.from_header(header, path=path)
        except (OSError, ValueError, KeyError, ImportError, zipfile.BadZipFile) as err:  # loses only the wording
            logger.info("%s: question wording not read (%s)", path, err)
            continue
        for key, i in layout.questions.items():
            out.setdefault(key, str(layout.headers[i]).strip())
    return out


def _header(path) -> list[str]:
    import csv
    import io

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(str(path)).schema_arrow.names)
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        try:
            row = next(wb.worksheets[0].iter_rows(values_only=True, max_row=1), ())
        finally:
            wb.close()
        return ["" if c is None else str(c) for c in row]
    from ..ingest.detect import decode_bytes

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    text = decode_bytes(head, path=path).lstrip("\ufeff")
    return next(csv.reader(io.StringIO(text)), [])


# --------------------------------------------------------------- partial counts
def responding_as(frame: pd.DataFrame) -> pd.Series:
    """``"organisation"`` or ``"individual"`` per respondent row.

    An organisation response names an organisation, or its respondent type
    says so ("Organisation", "Housing association", "Third sector group").

    Examples
    --------
    >>> f = pd.DataFrame({"respondent_type": ["Individual", "Organisation", "Practitioner"],
    ...                   "organisation": [None, None, "Hillside Housing"]})
    >>> responding_as(f).tolist()
    ['individual', 'organisation', 'organisation']
    """
    org = frame["organisation"] if "organisation" in frame else pd.Series(None, index=frame.index, dtype=object)
    rtype = frame["respondent_type"] if "respondent_type" in frame else frame.get("role", pd.Series("", index=frame.index))
    named = org.astype(object).where(org.notna(), "").astype(str).str.strip().str.lower().map(lambda s: s not in _UNKNOWN)
    typed = rtype.astype(object).where(rtype.notna(), "").astype(str).str.contains(_ORGANISATION_WORDS)
    return pd.Series(np.where(named | typed, "organisation", "individual"), index=frame.index)


def _clean_values(s: pd.Series, missing: str) -> pd.Series:
    s = s.astype(object).where(s.notna(), "").astype(str).str.strip()
    return s.where(~s.str.lower().isin(_UNKNOWN), missing)


def profile_counts(respondents: pd.DataFrame) -> pd.DataFrame:
    """Counts ``by, value, n`` of one partition (or all) of respondent rows; sum partitions' counts.

    ``respondents`` has ``role`` (the respondent type key) and, when known,
    ``respondent_type``, ``organisation``, ``authority``, ``region``. Also
    counts ``by == "type_label"`` rows (``value`` = ``role|type as written``)
    from which :func:`type_labels` picks each key's label.
    """
    frames = []
    role = _clean_values(respondents["role"], "unknown")
    frames.append(pd.DataFrame({"by": "respondent_type", "value": role}))
    frames.append(pd.DataFrame({"by": "responding_as", "value": responding_as(respondents)}))
    for col in ("authority", "region"):
        if col in respondents:
            frames.append(pd.DataFrame({"by": col, "value": _clean_values(respondents[col], "unknown")}))
    if "respondent_type" in respondents:
        raw = _clean_values(respondents["respondent_type"], "")
        frames.append(pd.DataFrame({"by": "type_label", "value": role + "|" + raw}))
    frame = pd.concat(frames, ignore_index=True)
    out = frame.groupby(["by", "value"], sort=False).size().rename("n").reset_index()
    return out.astype({"by": object, "value": object, "n": "int64"})


def type_labels(profile: pd.DataFrame) -> dict[str, str]:
    """Respondent type key -> the label most respondents of that type wrote (from :func:`profile_counts`)."""
    rows = profile[profile["by"] == "type_label"]
    out: dict[str, str] = {}
    best: dict[str, int] = {}
    for value, n in sorted(zip(rows["value"], rows["n"], strict=True), key=lambda x: (-int(x[1]), str(x[0]))):
        key, _, raw = str(value).partition("|")
        if raw and best.get(key, -1) < int(n):
            out[key], best[key] = raw, int(n)
    return out


def type_label(key: str, labels: dict | None = None) -> str:
    """Readable respondent type: as respondents wrote it, else from the key.

    Examples
    --------
    >>> type_label("unpaid_carer"), type_label("unknown"), type_label("manager", {"manager": "Team manager"})
    ('Unpaid carer', 'Type not given', 'Team manager')
    """
    if labels and labels.get(str(key)):
        return str(labels[str(key)])
    if str(key).lower() in _UNKNOWN:
        return UNKNOWN_TYPE_LABEL
    return str(key).replace("_", " ").capitalize()


def seeded_key(segment_ids, seed: int = 0) -> np.ndarray:
    """A 63-bit key per segment id from a keyed hash (the same on every machine and partitioning).

    Examples
    --------
    >>> a = seeded_key(["r1:q1", "r2:q1"], seed=0)
    >>> bool((a == seeded_key(["r1:q1", "r2:q1"], seed=0)).all()), bool((a != seeded_key(["r1:q1", "r2:q1"], seed=1)).any())
    (True, True)
    """
    salt = str(int(seed)).encode()
    return np.array(
        [int.from_bytes(hashlib.blake2b(str(s).encode(), digest_size=8, key=salt).digest(), "big") >> 1 for s in segment_ids],
        dtype=np.int64,
    )


def best_theme(codings: pd.DataFrame, theme_order=None) -> pd.Series:
    """Each coded segment's best theme: a person's (made or accepted) before a suggestion's, then the most confident.

    Ties go to codebook order.

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["time/caseloads", "partners", "time"],
    ...                     "confidence": [0.4, 0.9, 0.5]})
    >>> best_theme(cod).to_dict()
    {'a': 'partners', 'b': 'time'}
    """
    if not len(codings):
        return pd.Series(dtype=object)
    cod = codings
    if "status" in cod:
        cod = cod[cod["status"].fillna("") != "rejected"]
    theme = cod["code"].astype(str).str.split("/", n=1).str[0]
    conf = pd.to_numeric(cod["confidence"], errors="coerce").fillna(0.5) if "confidence" in cod else 0.5
    order = {t: i for i, t in enumerate(theme_order or [])}
    frame = pd.DataFrame(
        {
            "segment_id": cod["segment_id"].astype(str).to_numpy(),
            "theme": theme.to_numpy(),
            "conf": np.asarray(conf, dtype=float) if not np.isscalar(conf) else conf,
            "reviewed": (cod["reviewed"] if "reviewed" in cod else is_reviewed(cod)).astype(bool).to_numpy(),
        }
    )
    frame["rank"] = frame["theme"].map(lambda t: order.get(t, len(order)))
    frame = frame.sort_values(
        ["segment_id", "reviewed", "conf", "rank", "theme"], ascending=[True, False, False, True, True], kind="stable"
    )
    first = frame.drop_duplicates("segment_id")
    return pd.Series(first["theme"].to_numpy(), index=first["segment_id"].to_numpy(), dtype=object)


def quote_candidates(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    *,
    k: int = 3,
    seed: int = 0,
    theme_order=None,
    min_chars: int = 60,
    max_chars: int = 600,
) -> pd.DataFrame:
    """The ``k`` quote candidates per (question, theme, respondent type) of one partition (or all answers).

    An answer is a candidate for the theme of its best code (:func:`best_theme`)
    when its length is within [``min_chars``, ``max_chars``]. Answers whose
    coding with the theme a person made or accepted come first (``reviewed``,
    :func:`~outcomes_qual.analysis.quotes.is_reviewed`), then unreviewed ones,
    most confident first in steps of 0.1; within those, candidates are ranked by
    :func:`seeded_key`. Rejected codings, and unreviewed suggestions under a
    theme a person rejected on the answer, never make a candidate. Combining
    partitions' candidates with :func:`top_candidates` gives what one pass over
    every answer gives.
    """
    if not len(segments) or not len(codings):
        return _no_candidates()
    codings = trusted_codings(codings)
    best = best_theme(codings, theme_order)
    seg = segments[segments["segment_id"].astype(str).isin(best.index)]
    text = seg["text"].fillna("").astype(str).map(lambda t: " ".join(t.split()))
    seg = seg[(text.str.len() >= min_chars) & (text.str.len() <= max_chars)]
    if not len(seg):
        return _no_candidates()
    sid = seg["segment_id"].astype(str)
    per = (
        codings.assign(
            segment_id=codings["segment_id"].astype(str),
            theme=codings["code"].astype(str).str.split("/", n=1).str[0],
            conf=pd.to_numeric(codings.get("confidence", pd.Series(np.nan, index=codings.index)), errors="coerce"),
        )
        .groupby(["segment_id", "theme"])
        .agg(conf=("conf", "max"), reviewed=("reviewed", "max"))
    )
    conf, reviewed = per["conf"], per["reviewed"]
    themes = sid.map(best).to_numpy()
    out = pd.DataFrame(
        {
            "question": seg["question"].astype(str).to_numpy(),
            "code": themes,
            "role": _clean_values(seg["role"], "unknown").to_numpy(),
            "key": seeded_key(sid, seed),
            "segment_id": sid.to_numpy(),
            "text": text.loc[seg.index].to_numpy(),
            "confidence": [float(conf.get((s, t), np.nan)) for s, t in zip(sid, themes, strict=True)],
            "reviewed": [bool(reviewed.get((s, t), False)) for s, t in zip(sid, themes, strict=True)],
        }
    )
    return top_candidates(out, k)


def _no_candidates() -> pd.DataFrame:
    return pd.DataFrame(columns=list(QUOTE_CANDIDATE_COLUMNS)).astype({"key": "int64", "confidence": float, "reviewed": bool})


def rank_candidates(candidates: pd.DataFrame, by=("question", "code", "role")) -> pd.DataFrame:
    """Candidates sorted by ``by``, then reviewed first, then by confidence step (0.1, unreviewed only), then key."""
    if "reviewed" not in candidates:
        candidates = candidates.assign(reviewed=False)
    reviewed = candidates["reviewed"].astype(bool)
    conf = pd.to_numeric(candidates["confidence"], errors="coerce").fillna(0.5).clip(0, 1).to_numpy(dtype=float)
    step = np.where(reviewed, 1.0, np.floor(conf / CONFIDENCE_STEP + 1e-9) * CONFIDENCE_STEP)
    out = candidates.assign(_unreviewed=~reviewed, _step=-step)
    out = out.sort_values([*by, "_unreviewed", "_step", "key"], kind="stable")
    return out.drop(columns=["_unreviewed", "_step"])


def top_candidates(candidates: pd.DataFrame, k: int) -> pd.DataFrame:
    """Keep the ``k`` first per (question, theme, respondent type) in :func:`rank_candidates` order."""
    out = rank_candidates(candidates)
    out = out.groupby(["question", "code", "role"], sort=False).head(k).reset_index(drop=True)
    return out[list(QUOTE_CANDIDATE_COLUMNS)].astype({"key": "int64", "confidence": float, "reviewed": bool})


# ----------------------------------------------------------------- one process
def consultation_counts(corpus, codings: pd.DataFrame, *, codebook=None, k: int = 3, seed: int = 0) -> ConsultationCounts:
    """The :class:`ConsultationCounts` of a consultation corpus held in memory."""
    from ..ingest.consultation import nonresponse_by_question

    if not is_consultation(corpus):
        raise ValueError(
            "corpus: expected a consultation corpus (segments with a 'question' column, as "
            "read_consultation gives), got segments without one"
        )
    seg = corpus.segment_context()
    for col in ("region",):
        if col not in seg and col in corpus.participants:
            seg[col] = seg["participant_id"].map(
                corpus.participants.drop_duplicates("participant_id").set_index("participant_id")[col]
            )
    groups = {}
    for name, (by, unit) in GROUP_TABLES.items():
        if by not in seg:
            continue
        frame = seg if by == "role" else seg.assign(role=seg[by].astype(object).fillna("unknown").astype(str))
        t = role_by_theme(frame, codings, unit=unit, codebook=codebook)
        groups[name] = t.rename(columns={"role": by}) if by != "role" else t
    theme_order = codebook.theme_keys() if codebook is not None else None
    quotes = quote_candidates(seg, codings, k=k, seed=seed, theme_order=theme_order)
    resp = corpus.participants.copy()
    profile = profile_counts(resp)
    orgs = sorted(
        {
            str(o).strip()
            for o in resp.get("organisation", pd.Series(dtype=object)).dropna()
            if str(o).strip().lower() not in _UNKNOWN
        }
    )
    wording = question_wording(corpus.transcripts.get("source_path", pd.Series(dtype=object)).tolist())
    return ConsultationCounts(
        groups=groups,
        profile=profile,
        type_labels=type_labels(profile),
        nonresponse=nonresponse_by_question(corpus),
        quotes=quotes,
        question_text=wording,
        organisations=orgs,
        n_respondents=len(corpus.participants),
        n_answers=len(corpus.segments),
        coders=sorted(set(codings["coder"].dropna().astype(str))) if "coder" in codings else [],
        methods=sorted(set(codings["method"].dropna().astype(str))) if "method" in codings else [],
        n_codings=len(codings),
        n_coded=int(codings["segment_id"].nunique()),
    )


# ------------------------------------------------------------------ final tables
def _with_interval(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    frame = frame.copy()
    n, b = frame["n"].to_numpy(dtype=float), frame["base"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["share"] = np.where(b > 0, n / np.where(b > 0, b, 1), np.nan)
    lo, hi = wilson_interval(n, b, confidence=confidence)
    frame["ci_low"], frame["ci_high"] = lo, hi
    return frame


def group_theme_test(table: pd.DataFrame, *, by: str = "role", alpha: float = 0.05, min_expected: float = 5.0, random_state=0):
    """The theme x group test of :func:`outcomes_qual.analysis.role_theme_test`, from a counts table alone.

    Returns the :class:`~outcomes_qual.analysis.ContingencyTest` with ``cells``
    (:data:`ROLE_THEME_TEST_COLUMNS`, ``role`` renamed to ``by``).
    """
    from scipy.stats import norm

    data = table[(table[by] != "all") & (table["level"] == "theme")]
    codes = list(dict.fromkeys(data["code"]))
    groups = list(dict.fromkeys(data[by]))
    observed = data.pivot(index="code", columns=by, values="n").reindex(index=codes, columns=groups)
    observed = observed.rename_axis(index=None, columns=None)
    res = contingency_test(observed, min_expected=min_expected, random_state=random_state)
    crit = norm.ppf(1 - alpha / 2)
    rows = []
    for code in res.observed.index:
        for g in res.observed.columns:
            adj = float(res.adjusted_residuals.loc[code, g])
            direction = "over" if adj > crit else "under" if adj < -crit else ""
            rows.append(
                {
                    "code": code,
                    "role": g,
                    "observed": int(res.observed.loc[code, g]),
                    "expected": float(res.expected.loc[code, g]),
                    "residual": float(res.residuals.loc[code, g]),
                    "adjusted_residual": adj,
                    "direction": direction if np.isfinite(adj) else "",
                }
            )
    cells = pd.DataFrame(rows, columns=list(ROLE_THEME_TEST_COLUMNS))
    res.cells = cells.rename(columns={"role": by}) if by != "role" else cells
    return res


def comparison(
    table: pd.DataFrame,
    *,
    by: str,
    confidence: float = 0.95,
    correction: str = "holm",
    alpha: float = 0.05,
    min_expected: float = 5.0,
    random_state=0,
) -> pd.DataFrame:
    """Share of each group's respondents raising each theme, one test per theme, corrected (from counts).

    The same values as :func:`outcomes_qual.analysis.authority_comparison`
    (``authority`` renamed ``group``), computed from a group x theme counts table.
    """
    data = table[(table[by] != "all") & (table["level"] == "theme")]
    groups = sorted(dict.fromkeys(data[by]), key=lambda a: (a in ("unknown", "(unknown)"), a))
    codes = list(dict.fromkeys(data["code"]))
    rows, tests = [], []
    for code in codes:
        c = data[data["code"] == code].set_index(by).reindex(groups)
        n = c["n"].fillna(0).to_numpy(dtype=int)
        b = c["base"].fillna(0).to_numpy(dtype=int)
        res = contingency_test(np.column_stack([n, b - n]), min_expected=min_expected, random_state=random_state)
        tests.append((res.test, res.statistic, res.p_value))
        lo, hi = wilson_interval(n, b, confidence=confidence)
        for i, g in enumerate(groups):
            rows.append(
                {
                    "code": code,
                    "group": g,
                    "n": int(n[i]),
                    "base": int(b[i]),
                    "share": n[i] / b[i] if b[i] else np.nan,
                    "ci_low": float(lo[i]),
                    "ci_high": float(hi[i]),
                }
            )
    if not rows:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    out = pd.DataFrame(rows)
    per = pd.DataFrame(
        {
            "code": codes,
            "test": [t[0] for t in tests],
            "statistic": [t[1] for t in tests],
            "p_value": [t[2] for t in tests],
            "p_adjusted": adjust_pvalues([t[2] for t in tests], method=correction),
        }
    )
    per["significant"] = per["p_adjusted"].fillna(1.0) < alpha
    return out.merge(per, on="code", how="left")[list(COMPARISON_COLUMNS)]


def consultation_tables(counts: ConsultationCounts, codebook=None, *, confidence: float = 0.95) -> dict[str, pd.DataFrame]:
    """Every table of the consultation report from its counts (the sheet and CSV names).

    Returns
    -------
    dict of str to DataFrame
        ``respondents_profile``, ``question_by_theme``, ``respondent_type_by_theme``,
        ``respondent_type_theme_test`` and ``..._summary``, ``nonresponse_by_question``,
        ``authority_comparison`` (and ``region_comparison`` with two or more regions),
        and ``quote_sample`` (internal to the report: it is not exported).
    """
    labels = counts.type_labels
    tables: dict[str, pd.DataFrame] = {}
    prof = counts.profile[counts.profile["by"] != "type_label"].copy()
    total = counts.n_respondents or int(prof.loc[prof["by"] == "respondent_type", "n"].sum())
    order_by = {b: i for i, b in enumerate(("respondent_type", "responding_as", "authority", "region"))}
    prof["label"] = [
        type_label(v, labels)
        if b == "respondent_type"
        else ("Not given" if str(v) == "unknown" else str(v).capitalize() if b == "responding_as" else str(v))
        for b, v in zip(prof["by"], prof["value"], strict=True)
    ]
    prof["share"] = prof["n"] / total if total else np.nan
    prof["_b"] = prof["by"].map(order_by)
    prof["_u"] = prof["value"].astype(str).isin(["unknown"])
    prof = prof.sort_values(["_b", "_u", "n", "label"], ascending=[True, True, False, True], kind="stable")
    tables["respondents_profile"] = prof[list(PROFILE_COLUMNS)].reset_index(drop=True)

    q = counts.groups["question_by_theme"]
    q = q[(q["question"] != "all") & (q["level"] == "theme")]
    qorder = {k: i for i, k in enumerate(question_key_order(q["question"]))}
    corder = {c: i for i, c in enumerate(order_codes(q["code"], codebook))}
    q = _with_interval(q, confidence)
    q["question_text"] = q["question"].map(lambda k: counts.question_text.get(k, k.upper()))
    q = q.sort_values(["question", "code"], key=lambda s: s.map(qorder if s.name == "question" else corder), kind="stable")
    tables["question_by_theme"] = q[list(QUESTION_THEME_COLUMNS)].reset_index(drop=True)

    t = counts.groups["respondent_type_by_theme"]
    t = _with_interval(t[t["level"] == "theme"], confidence).rename(columns={"role": "respondent_type"})
    t["label"] = t["respondent_type"].map(lambda r: "All respondents" if r == "all" else type_label(r, labels))
    tables["respondent_type_by_theme"] = t[list(TYPE_THEME_COLUMNS)].reset_index(drop=True)
    test = group_theme_test(counts.groups["respondent_type_by_theme"], by="role")
    tables["respondent_type_theme_test"] = test.cells.rename(columns={"role": "respondent_type"})
    tables["respondent_type_theme_test_summary"] = test.summary()

    non = counts.nonresponse.copy()
    non["question_text"] = non["question"].map(lambda k: counts.question_text.get(k, str(k).upper()))
    tables["nonresponse_by_question"] = non
    for name, by, out in (
        ("authority_by_theme", "authority", "authority_comparison"),
        ("region_by_theme", "region", "region_comparison"),
    ):
        if name in counts.groups:
            g = counts.groups[name]
            if g.loc[g[by] != "all", by].nunique() >= 2 or out == "authority_comparison":
                tables[out] = comparison(g, by=by, confidence=confidence).rename(columns={"group": by})
    quotes = counts.quotes.copy()
    quotes["label"] = quotes["role"].map(lambda r: type_label(r, labels))
    tables["quote_sample"] = quotes
    return tables


def order_types(keys) -> list[str]:
    """Respondent type keys: the standard roles first, others alphabetically, "unknown" last."""
    keys = order_roles(keys)
    return [k for k in keys if k != "unknown"] + [k for k in keys if k == "unknown"]
