"""Inter-coder agreement tables: per code and overall, per turn or per participant.

The units come from ``segments``, not from the codings: a turn that no coder
coded still counts, as agreement on absence, so kappa is neither inflated
nor deflated by what was left uncoded. Each code is a yes/no decision per
unit and coder; the ``all`` row pools every (unit, code) decision.

This is the rule for independent coders. For "how far does the machine
agree with a person who reviewed its suggestions" use
:func:`outcomes_qual.agreement.validate` (or
:func:`~outcomes_qual.agreement.review_agreement` for the same figures in
this table's layout): there an accepted suggestion is the reviewer's coding,
turns they never touched are not units, and pending suggestions on turns
they reviewed are undecided.

Examples
--------
>>> import pandas as pd
>>> segments = pd.DataFrame({"segment_id": ["s1", "s2", "s3", "s4"],
...                          "participant_id": ["p1", "p1", "p2", "p3"]})
>>> ann = pd.DataFrame({"segment_id": ["s1", "s2"], "code": ["time", "partners"], "coder": "ann"})
>>> bob = pd.DataFrame({"segment_id": ["s1", "s3"], "code": ["time", "partners"], "coder": "bob"})
>>> table = agreement(ann, bob, segments=segments)
>>> table[["code", "n_units", "percent_agreement", "cohen_kappa"]].round(3).values.tolist()
[['partners', 4, 0.5, -0.333], ['time', 4, 1.0, 1.0], ['all', 8, 0.75, 0.333]]
>>> disagreements(ann, bob, segments=segments)[["segment_id", "only_a", "only_b"]].values.tolist()
[['s2', 'partners', ''], ['s3', '', 'partners']]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from . import stats

logger = logging.getLogger(__name__)

#: Columns of :func:`agreement`, declared once.
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "code",
    "unit",
    "n_units",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "prevalence",
    "positive_agreement",
    "n_coded",
    "n_coders",
    "coders",
    "cohen_kappa_ci_low",
    "cohen_kappa_ci_high",
    "krippendorff_alpha_ci_low",
    "krippendorff_alpha_ci_high",
    "note",
)

#: Coverage of the bootstrap confidence intervals.
CI_LEVEL: float = 0.95

#: Columns of :func:`disagreements`, declared once.
DISAGREEMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "transcript_id",
    "turn",
    "role",
    "coder_a",
    "coder_b",
    "codes_a",
    "codes_b",
    "only_a",
    "only_b",
    "text",
)

UNITS: tuple[str, ...] = ("segment", "participant")
LEVELS: tuple[str, ...] = ("code", "theme")


def _coder_sets(frames: Sequence[pd.DataFrame], *, level: str) -> dict[str, set[tuple[str, str]]]:
    """Map each coder's name to its set of (segment_id, code) pairs."""
    if level not in LEVELS:
        raise InputError(f"level: expected one of {list(LEVELS)}, got {level!r}")
    cleaned = []
    for i, frame in enumerate(frames):
        name = f"codings_{'abcdefghijklmnopqrstuvwxyz'[i] if i < 26 else i}"
        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"{name}: expected a DataFrame of codings, got {type(frame).__name__}")
        missing = [c for c in ("segment_id", "code") if c not in frame.columns]
        if missing:
            raise InputError(
                f"{name}: missing column(s) {missing}; expected at least segment_id, code and coder, got {list(frame.columns)}"
            )
        if "status" in frame.columns:
            frame = frame[frame["status"].astype(object).fillna("") != "rejected"]
        frame = frame[frame["segment_id"].notna() & frame["code"].notna()]
        codes = frame["code"].astype(str)
        if level == "theme":
            codes = codes.str.split("/").str[0]
        coders = frame["coder"].astype(str) if "coder" in frame.columns else pd.Series("", index=frame.index)
        cleaned.append(
            pd.DataFrame(
                {"segment_id": frame["segment_id"].astype(str).to_numpy(), "code": codes.to_numpy(), "coder": coders.to_numpy()}
            )
        )
    raters: dict[str, set[tuple[str, str]]] = {}
    if len(cleaned) == 1:
        frame = cleaned[0]
        names = sorted(frame["coder"].unique())
        if len(names) < 2:
            raise InputError(
                f"agreement needs at least two coders; the codings name one coder only ({names or 'none'}): "
                "pass a second codings table or a table whose coder column has several coders"
            )
        for coder, group in frame.groupby("coder", sort=True):
            raters[str(coder)] = set(zip(group["segment_id"], group["code"], strict=True))
        return raters
    for i, frame in enumerate(cleaned, start=1):
        names = sorted(set(frame["coder"]) - {""})
        name = "+".join(names) if names else f"coder_{i}"
        base, k = name, 2
        while name in raters:
            name, k = f"{base}_{k}", k + 1
        raters[name] = set(zip(frame["segment_id"], frame["code"], strict=True))
    return raters


def _units(segments: pd.DataFrame, unit: str, include_facilitator: bool) -> tuple[pd.Series, set[str]]:
    """Return (unit id per analysed segment id, all segment ids) from ``segments``."""
    if unit not in UNITS:
        raise InputError(f"unit: expected one of {list(UNITS)}, got {unit!r}")
    if not isinstance(segments, pd.DataFrame) or "segment_id" not in segments.columns:
        got = list(segments.columns) if isinstance(segments, pd.DataFrame) else type(segments).__name__
        raise InputError(f"segments: expected a table with a segment_id column (one row per turn), got {got}")
    all_ids = set(segments["segment_id"].astype(str))
    seg = segments
    if not include_facilitator and "role" in seg.columns:
        seg = seg[seg["role"].astype(object).fillna("") != "facilitator"]
    ids = seg["segment_id"].astype(str)
    if unit == "segment":
        return pd.Series(ids.to_numpy(), index=ids.to_numpy()), all_ids
    if "participant_id" not in seg.columns:
        raise InputError(f"segments: unit='participant' needs a participant_id column, got {list(segments.columns)}")
    people = seg["participant_id"]
    if people.isna().any():
        logger.warning(
            "segments: %d turn(s) have no participant_id and are left out of participant units", int(people.isna().sum())
        )
    keep = people.notna().to_numpy()
    return pd.Series(people[keep].astype(str).to_numpy(), index=ids[keep].to_numpy()), all_ids


def _check_overlap(raters, all_ids: set[str]) -> None:
    """Log codings outside the units; refuse when no coding at all refers to a unit."""
    outside = {name: {sid for sid, _ in pairs} - all_ids for name, pairs in raters.items()}
    n_coded = sum(len(pairs) for pairs in raters.values())
    if n_coded and all(not ({sid for sid, _ in pairs} & all_ids) for pairs in raters.values()):
        example = sorted(set().union(*outside.values()))[:5]
        raise InputError(
            f"none of the codings refer to a turn in segments (e.g. {example}); is it the segments table of the same corpus?"
        )
    for name, ids in outside.items():
        if ids:
            logger.info("codings of %r on %d turn(s) outside segments are left out (units come from segments)", name, len(ids))


def _matrices(raters, unit_of: pd.Series, all_ids: set[str], codes: Sequence[str] | None):
    """Per code, a units x coders 0/1 matrix; plus the unit ids and code list."""
    _check_overlap(raters, all_ids)
    used = {code for pairs in raters.values() for sid, code in pairs if sid in all_ids}
    code_list = sorted(used) if codes is None else list(dict.fromkeys(codes))
    units = list(dict.fromkeys(unit_of.to_numpy()))
    index = {u: i for i, u in enumerate(units)}
    unit_lookup = unit_of.to_dict()
    code_index = {c: k for k, c in enumerate(code_list)}
    cube = np.zeros((len(code_list), len(units), len(raters)), dtype=float)
    dropped = 0
    for j, pairs in enumerate(raters.values()):
        for sid, code in pairs:
            k = code_index.get(code)
            if k is None:
                continue
            u = unit_lookup.get(sid)
            if u is None:
                dropped += 1
                continue
            cube[k, index[u], j] = 1.0
    if dropped:
        logger.info("%d coding(s) on facilitator turns (or turns without a participant) left out", dropped)
    return cube, units, code_list


def _row(code: str, unit: str, r: np.ndarray, coders: list[str]) -> dict:
    reason = stats.undefined_reason(r) if len(r) else "no units"
    if reason and code != "all":
        logger.info("agreement for code %r: %s", code, reason)
    elif reason:
        logger.warning("overall agreement: %s", reason)
    return {
        "code": code,
        "unit": unit,
        "n_units": int(r.shape[0]),
        "percent_agreement": stats.percent_agreement(r) if len(r) else np.nan,
        "cohen_kappa": stats.cohen_kappa(r) if len(r) else np.nan,
        "krippendorff_alpha": stats.krippendorff_alpha(r) if len(r) else np.nan,
        "gwet_ac1": stats.gwet_ac1(r, categories=(0, 1)) if len(r) else np.nan,
        "prevalence": stats.prevalence(r) if len(r) else np.nan,
        "positive_agreement": stats.positive_agreement(r) if len(r) else np.nan,
        "n_coded": int((r == 1).any(axis=1).sum()),
        "n_coders": len(coders),
        "coders": ", ".join(coders),
        "cohen_kappa_ci_low": np.nan,
        "cohen_kappa_ci_high": np.nan,
        "krippendorff_alpha_ci_low": np.nan,
        "krippendorff_alpha_ci_high": np.nan,
        "note": reason,
    }


def _bootstrap(cube: np.ndarray, rows: list[dict], n_bootstrap: int, random_state) -> None:
    """Fill the CI columns of ``rows`` (per code, then ``all``) by resampling units with replacement."""
    n_codes, n_units, n_coders = cube.shape
    if n_units < 2:
        return
    rng = np.random.default_rng(random_state)
    kappas = np.full((n_bootstrap, n_codes + 1), np.nan)
    alphas = np.full((n_bootstrap, n_codes + 1), np.nan)
    for b in range(n_bootstrap):
        sample = cube[:, rng.integers(0, n_units, size=n_units), :]
        for k in range(n_codes):
            kappas[b, k] = stats.cohen_kappa(sample[k])
            alphas[b, k] = stats.krippendorff_alpha(sample[k])
        if n_codes:
            pooled = sample.reshape(-1, n_coders)
            kappas[b, n_codes] = stats.cohen_kappa(pooled)
            alphas[b, n_codes] = stats.krippendorff_alpha(pooled)
    tail = 100 * (1 - CI_LEVEL) / 2
    for j, row in enumerate(rows):
        for name, values in (("cohen_kappa", kappas[:, j]), ("krippendorff_alpha", alphas[:, j])):
            values = values[~np.isnan(values)]
            if np.isnan(row[name]) or len(values) < n_bootstrap / 2:
                continue  # undefined, or undefined in most resamples: no interval
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = np.percentile(values, [tail, 100 - tail])


def agreement(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame | None = None,
    *more: pd.DataFrame,
    segments: pd.DataFrame,
    unit: str = "segment",
    codes: Iterable[str] | None = None,
    level: str = "code",
    include_facilitator: bool = False,
    n_bootstrap: int = 0,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Inter-coder agreement per code and overall (:data:`AGREEMENT_COLUMNS`).

    Parameters
    ----------
    codings_a, codings_b, *more : DataFrame
        Codings tables (segment_id, code, coder), one per coder. Or pass only
        ``codings_a`` with several coders in its ``coder`` column. Rows with
        status ``rejected`` are ignored.
    segments : DataFrame
        The units every coder was asked to code: segment_id (and
        participant_id for ``unit="participant"``; role to leave out
        facilitator turns).
    unit : {"segment", "participant"}
        A turn, or a participant (who has a code if any of their turns has it).
    codes : iterable of str, optional
        Codes to report (default: every code any coder used). A code nobody
        used gets a row with 100% agreement, AC1 of 1 and undefined kappa/alpha.
    level : {"code", "theme"}
        Compare code keys as given, or roll sub-codes up to their theme.
    include_facilitator : bool, default False
        Count facilitator turns as units.
    n_bootstrap : int, default 0
        When positive, 95% percentile bootstrap confidence intervals for kappa
        and alpha from this many resamples of the units (e.g. 1000); the
        ``*_ci_low``/``*_ci_high`` columns are NaN otherwise.
    random_state : int or None, default 0
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row per code plus an ``all`` row pooling every (unit, code) decision.
        ``cohen_kappa`` is Cohen's kappa for two coders and the mean pairwise
        (Light's) kappa for more; ``krippendorff_alpha`` is nominal alpha;
        ``prevalence`` is the share of ratings that apply the code;
        ``positive_agreement`` is 2a / (2a + b + c); ``n_coded`` counts units
        any coder coded. Undefined values are NaN and ``note`` says why.

    Raises
    ------
    InputError
        Fewer than two coders, codings none of which refer to a turn in
        ``segments``, missing columns or a bad ``unit``/``level``.

    Notes
    -----
    Codings on turns outside ``segments`` are left out (logged), so machine
    codings of a whole corpus can be compared with a person's coding of a sample.
    """
    frames = [f for f in (codings_a, codings_b, *more) if f is not None]
    raters = _coder_sets(frames, level=level)
    unit_of, all_ids = _units(segments, unit, include_facilitator)
    if level == "theme" and codes is not None:
        codes = list(dict.fromkeys(str(c).split("/")[0] for c in codes))
    cube, units, code_list = _matrices(raters, unit_of, all_ids, None if codes is None else list(codes))
    coders = list(raters)
    rows = [_row(code, unit, cube[k], coders) for k, code in enumerate(code_list)]
    pooled = cube.reshape(-1, len(coders)) if len(code_list) else np.zeros((0, len(coders)))
    rows.append(_row("all", unit, pooled, coders))
    if n_bootstrap:
        _bootstrap(cube, rows, int(n_bootstrap), random_state)
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def disagreements(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame | None = None,
    *,
    segments: pd.DataFrame,
    codes: Iterable[str] | None = None,
    level: str = "code",
    include_facilitator: bool = False,
) -> pd.DataFrame:
    """Turns where two coders' codes differ, for the discussion meeting (:data:`DISAGREEMENT_COLUMNS`).

    Parameters
    ----------
    codings_a, codings_b : DataFrame
        Two coders' codings (or one table whose ``coder`` column has exactly two coders).
    segments : DataFrame
        segment_id, and transcript_id, turn, role and text when available
        (they are copied into the table). Speaker names are not.
    codes, level, include_facilitator
        As for :func:`agreement`.

    Returns
    -------
    DataFrame
        One row per disagreeing turn in ``segments`` order, with each coder's
        codes ("; "-joined) and the codes only one of them applied.
    """
    frames = [f for f in (codings_a, codings_b) if f is not None]
    raters = _coder_sets(frames, level=level)
    if len(raters) != 2:
        raise InputError(f"disagreements compares exactly two coders, got {len(raters)}: {list(raters)}")
    unit_of, all_ids = _units(segments, "segment", include_facilitator)
    keep = None
    if codes is not None:
        keep = {str(c).split("/")[0] if level == "theme" else str(c) for c in codes}
    (name_a, pairs_a), (name_b, pairs_b) = raters.items()
    _check_overlap(raters, all_ids)

    def by_segment(pairs):
        out: dict[str, set[str]] = {}
        for sid, code in pairs:
            if keep is None or code in keep:
                out.setdefault(sid, set()).add(code)
        return out

    a, b = by_segment(pairs_a), by_segment(pairs_b)
    seg = segments.assign(segment_id=segments["segment_id"].astype(str))
    seg = seg[seg["segment_id"].isin(set(unit_of.index))]
    rows = []
    for rec in seg.to_dict("records"):
        sid = rec["segment_id"]
        ca, cb = a.get(sid, set()), b.get(sid, set())
        if ca == cb:
            continue
        rows.append(
            {
                "segment_id": sid,
                "transcript_id": rec.get("transcript_id"),
                "turn": rec.get("turn"),
                "role": rec.get("role"),
                "coder_a": name_a,
                "coder_b": name_b,
                "codes_a": "; ".join(sorted(ca)),
                "codes_b": "; ".join(sorted(cb)),
                "only_a": "; ".join(sorted(ca - cb)),
                "only_b": "; ".join(sorted(cb - ca)),
                "text": rec.get("text"),
            }
        )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DISAGREEMENT_COLUMNS})
    return pd.DataFrame(rows, columns=list(DISAGREEMENT_COLUMNS))
