"""Validate the auto-coder against a person's coding of a sample: per code, with bootstrap intervals.

:func:`validate` treats the machine and one person (``against``) as two
coders and reports, per code and overall, how often they agree (percent
agreement, Cohen's kappa, Krippendorff's alpha, Gwet's AC1 from
:mod:`outcomes_qual.agreement.stats`), how well the machine finds what the
person found (precision, recall, F1), and 95% percentile bootstrap intervals
over units. :func:`validation_units` lists each unit's two code sets and
:func:`confusion_counts` counts which of the person's codes the machine gave
instead (``"none"`` for no code).

The units are the turns the person looked at, not the whole corpus:

- ``units`` (a list of segment ids), when given, is the sample;
- otherwise ``segments``, when given: every turn in it (facilitator turns
  left out unless ``include_facilitator``) was given to the person;
- otherwise the turns the person coded (any status) or reviewed (a coding
  with ``reviewed_by`` equal to ``against``, as a project stores when they
  accept or reject a suggestion), in segment id order.

A turn in the sample the person gave no code counts as agreement on absence
when the machine gave none either; turns the person never saw are not units,
whatever the machine did with them.

**Undecided decisions.** On a turn the person reviewed (accepted or rejected
at least one suggestion there), a suggestion of the machine's they left
pending is not yet a decision: that (turn, code) pair is left out of every
statistic (and counted in ``n_undecided``), unless the person gave the code
themselves, or rejected its theme on that turn (rejecting a theme decides
"no" for the theme and all its sub-codes on that turn, pending or not). On
turns the person only coded by hand, and with ``include_reviews=False``,
every machine code counts, pending or not. This one rule is used by
``outcomes-qual validate``, Appendix D of the report, ``outcomes-qual
agreement`` when one coder is a machine (:func:`review_agreement`) and the
web app's Agreement screen.

The person's codes on a unit are their own codings (not rejected) plus, when
``include_reviews`` (default), the machine's suggestions they accepted; a
suggestion they rejected is an absence. The machine's codes are every coding
by ``machine`` whatever its later status: a rejected suggestion is still what
the machine proposed, which is what is being validated. Note that agreement
measured on reviewed suggestions is not blind (the reviewer saw the machine's
code); an independent coding of a sample is the stronger test.

Examples
--------
>>> import pandas as pd
>>> codings = pd.DataFrame({
...     "segment_id": ["s1", "s2", "s3", "s1", "s2", "s4"],
...     "code": ["time", "time", "partners", "time", "partners", "partners/health"],
...     "coder": ["machine"] * 3 + ["ana"] * 3})
>>> table = validate(codings, machine="machine", against="ana", units=["s1", "s2", "s3", "s4", "s5"], n_boot=0)
>>> table[["code", "n_units", "n_machine", "n_human", "percent_agreement", "cohen_kappa"]].round(3).values.tolist()
[['partners', 5, 1, 2, 0.4, -0.364], ['time', 5, 2, 1, 0.8, 0.545], ['all', 10, 3, 3, 0.6, 0.048]]
>>> confusion_counts(codings, machine="machine", against="ana", units=["s1", "s2", "s3", "s4", "s5"]).values.tolist()
[['partners', 'time', 1], ['partners', 'none', 1], ['time', 'time', 1], ['none', 'partners', 1], ['none', 'none', 1]]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError
from . import stats
from .tables import CI_LEVEL, LEVELS

logger = logging.getLogger(__name__)

#: Columns of :func:`validate`, declared once.
VALIDATION_COLUMNS: tuple[str, ...] = (
    "code",
    "level",
    "machine",
    "against",
    "n_units",
    "n_machine",
    "n_human",
    "n_both",
    "percent_agreement",
    "percent_agreement_ci_low",
    "percent_agreement_ci_high",
    "cohen_kappa",
    "cohen_kappa_ci_low",
    "cohen_kappa_ci_high",
    "krippendorff_alpha",
    "krippendorff_alpha_ci_low",
    "krippendorff_alpha_ci_high",
    "gwet_ac1",
    "precision",
    "recall",
    "f1",
    "n_undecided",
    "n_boot",
    "note",
)

#: Columns of :func:`validation_units`, declared once.
VALIDATION_UNIT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "machine_codes",
    "human_codes",
    "only_machine",
    "only_human",
    "undecided",
    "agree",
)

#: Columns of :func:`confusion_counts`, declared once.
CONFUSION_COLUMNS: tuple[str, ...] = ("human_code", "machine_code", "n_units")

#: Label of "no code" in :func:`confusion_counts`.
NONE_LABEL: str = "none"

#: Statistics that get bootstrap intervals.
BOOTSTRAPPED: tuple[str, ...] = ("percent_agreement", "cohen_kappa", "krippendorff_alpha")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(object).where(frame[name].notna(), None)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def people(codings: pd.DataFrame) -> list[str]:
    """Everyone who coded or reviewed in ``codings``: its coders and its ``reviewed_by`` names, sorted.

    Examples
    --------
    >>> people(pd.DataFrame({"coder": ["bot", "ana"], "reviewed_by": ["ben", None]}))
    ['ana', 'ben', 'bot']
    """
    names = set(codings["coder"].dropna().astype(str)) if "coder" in codings else set()
    if "reviewed_by" in codings:
        names |= set(codings["reviewed_by"].dropna().astype(str))
    return sorted(names - {""})


#: Methods that mean a person made the coding (anything else is an auto-coder's).
MANUAL_METHODS: tuple[str, ...] = ("manual", "human", "import")


def machine_coders(codings: pd.DataFrame) -> list[str]:
    """Coders with at least one coding made by an auto-coder (``method`` other than manual), sorted.

    Examples
    --------
    >>> machine_coders(pd.DataFrame({"coder": ["bot", "ana"], "method": ["ensemble", "manual"]}))
    ['bot']
    """
    if "method" not in codings.columns or "coder" not in codings.columns:
        return []
    method = codings["method"].astype(object).fillna("manual").astype(str)
    return sorted(set(codings.loc[~method.isin(MANUAL_METHODS), "coder"].astype(str)))


def _prepare(codings, *, machine, against, units, segments, level, codes, include_reviews, include_facilitator):
    """Return (unit ids, machine sets, human sets, code list, undecided sets)."""
    if not isinstance(codings, pd.DataFrame):
        raise InputError(f"codings: expected a DataFrame of codings, got {type(codings).__name__}")
    missing = [c for c in ("segment_id", "code", "coder") if c not in codings.columns]
    if missing:
        raise InputError(
            f"codings: missing column(s) {missing}; expected at least segment_id, code and coder, got {list(codings.columns)}"
        )
    if level not in LEVELS:
        raise InputError(f"level: expected one of {list(LEVELS)}, got {level!r}")
    if str(machine) == str(against):
        raise InputError(f"machine and against name the same coder ({machine!r}); compare two different coders")
    frame = codings[codings["segment_id"].notna() & codings["code"].notna() & codings["coder"].notna()]
    sid = frame["segment_id"].astype(str)
    code = frame["code"].astype(str)
    if level == "theme":
        code = code.str.split("/").str[0]
    coder = frame["coder"].astype(str)
    status = _column(frame, "status").fillna("")
    reviewer = _column(frame, "reviewed_by").fillna("").astype(str)
    known = sorted(set(coder))
    if str(machine) not in known:
        raise InputError(f"machine: no codings by {machine!r}; coders in the codings: {known}")
    reviewers = sorted(set(reviewer) - {""})
    if str(against) not in known and str(against) not in reviewers:
        also = f"; reviewers: {reviewers}" if reviewers else ""
        raise InputError(f"against: no codings by {against!r}, nor any reviewed by them; coders in the codings: {known}{also}")
    is_machine = (coder == str(machine)).to_numpy()
    is_human = (coder == str(against)).to_numpy()
    reviewed = (reviewer == str(against)).to_numpy() & ~is_human
    accepted = reviewed & (status == "accepted").to_numpy()
    own = is_human & (status != "rejected").to_numpy()
    pending = is_machine & (status == "suggested").to_numpy()
    # a theme the person rejected on a turn (their own coding or a reviewed one): "no" to it and its sub-codes
    raw = frame["code"].astype(str)
    theme_no = (reviewed | is_human) & (status == "rejected").to_numpy() & ~raw.str.contains("/").to_numpy()

    if units is not None:
        if isinstance(units, (str, bytes)):
            raise InputError(f"units: expected a list of segment ids, got a string {units!r}")
        unit_ids = list(dict.fromkeys(str(u) for u in units))
    elif segments is not None:
        if not isinstance(segments, pd.DataFrame) or "segment_id" not in segments.columns:
            got = list(segments.columns) if isinstance(segments, pd.DataFrame) else type(segments).__name__
            raise InputError(f"segments: expected a table with a segment_id column (one row per turn), got {got}")
        seg = segments
        if not include_facilitator and "role" in seg.columns:
            seg = seg[seg["role"].astype(object).fillna("") != "facilitator"]
        unit_ids = list(dict.fromkeys(seg["segment_id"].astype(str)))
    else:
        looked = is_human | (reviewed if include_reviews else np.zeros(len(frame), dtype=bool))
        unit_ids = sorted(set(sid[looked]))
    if not unit_ids:
        raise InputError(f"against: {against!r} coded or reviewed no turn, so there is no sample to validate on")
    unit_set = set(unit_ids)
    human_mask = own | (accepted if include_reviews else False)
    machine_sets: dict[str, set[str]] = {u: set() for u in unit_ids}
    human_sets: dict[str, set[str]] = {u: set() for u in unit_ids}
    for s, c in zip(sid[is_machine], code[is_machine], strict=True):
        if s in unit_set:
            machine_sets[s].add(c)
    for s, c in zip(sid[human_mask], code[human_mask], strict=True):
        if s in unit_set:
            human_sets[s].add(c)
    undecided: dict[str, set[str]] = {u: set() for u in unit_ids}
    if include_reviews:
        reviewed_turns = set(sid[reviewed]) & unit_set
        rejected_themes = {(s, c) for s, c in zip(sid[theme_no], raw[theme_no], strict=True)}
        for s, c, r in zip(sid[pending], code[pending], raw[pending], strict=True):
            if s in reviewed_turns and c not in human_sets[s] and (s, r.split("/")[0]) not in rejected_themes:
                undecided[s].add(c)
    outside = set(sid[is_human]) - unit_set
    if outside:
        logger.info("%d turn(s) coded by %r are outside the units and left out", len(outside), against)
    if not any(machine_sets.values()) and not any(human_sets.values()):
        logger.warning("validate: neither %r nor %r coded any of the %d unit(s)", machine, against, len(unit_ids))
    used = set().union(*machine_sets.values(), *human_sets.values())
    if codes is None:
        code_list = sorted(used)
    else:
        code_list = list(dict.fromkeys(str(c).split("/")[0] if level == "theme" else str(c) for c in codes))
        extra = sorted(used - set(code_list))
        if extra:
            logger.info("validate: code(s) %s are not in codes and are left out", extra[:8])
    return unit_ids, machine_sets, human_sets, code_list, undecided


#: The four (machine, human) rating pairs of a presence table, in the order of :func:`_table_counts`.
_CELLS = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=float)


@lru_cache(maxsize=65536)
def _binary_stats(both: int, machine_only: int, human_only: int, neither: int) -> tuple[float, float, float]:
    """Percent agreement, kappa and alpha of a 2-coder presence table (cached: resamples repeat tables)."""
    r = np.repeat(_CELLS, [both, machine_only, human_only, neither], axis=0)
    if not len(r):
        return (np.nan, np.nan, np.nan)
    return (stats.percent_agreement(r), stats.cohen_kappa(r), stats.krippendorff_alpha(r))


def _table_counts(m: np.ndarray, h: np.ndarray, d: np.ndarray | None = None) -> tuple[int, int, int, int]:
    """(both, machine only, human only, neither) over all cells, or over the decided cells ``d``."""
    if d is None:
        d = np.ones(m.shape, dtype=bool)
    both = int((m & h & d).sum())
    mo = int((m & ~h & d).sum())
    ho = int((~m & h & d).sum())
    return both, mo, ho, int(d.sum()) - both - mo - ho


def _row(code, m: np.ndarray, h: np.ndarray, d: np.ndarray | None = None) -> dict:
    n_undecided = 0 if d is None else int((~d).sum())
    if d is not None:
        m, h = m[d], h[d]
    r = np.column_stack([m.ravel(), h.ravel()]).astype(float)
    n_m, n_h, n_both = int(m.sum()), int(h.sum()), int((m & h).sum())
    precision = n_both / n_m if n_m else np.nan
    recall = n_both / n_h if n_h else np.nan
    f1 = 2 * n_both / (n_m + n_h) if n_m + n_h else np.nan
    reason = stats.undefined_reason(r) if len(r) else "no units"
    return {
        "code": code,
        "n_units": int(r.shape[0]),
        "n_machine": n_m,
        "n_human": n_h,
        "n_both": n_both,
        "percent_agreement": stats.percent_agreement(r) if len(r) else np.nan,
        "cohen_kappa": stats.cohen_kappa(r) if len(r) else np.nan,
        "krippendorff_alpha": stats.krippendorff_alpha(r) if len(r) else np.nan,
        "gwet_ac1": stats.gwet_ac1(r, categories=(0, 1)) if len(r) else np.nan,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_undecided": n_undecided,
        "note": reason,
    }


def _bootstrap(m: np.ndarray, h: np.ndarray, d: np.ndarray, rows: list[dict], n_boot: int, random_state) -> None:
    """Fill the ``*_ci_*`` columns: percentile bootstrap resampling units (the same draw for every code)."""
    n_codes, n_units = m.shape
    if n_units < 2 or n_boot <= 0:
        for row in rows:
            if n_boot > 0:
                row["note"] = "; ".join(x for x in (row["note"], "too few units for a bootstrap interval") if x)
        return
    rng = np.random.default_rng(random_state)
    values = np.full((n_boot, n_codes + 1, len(BOOTSTRAPPED)), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, n_units, size=n_units)
        mb, hb, db = m[:, idx], h[:, idx], d[:, idx]
        for k in range(n_codes):
            values[b, k] = _binary_stats(*_table_counts(mb[k], hb[k], db[k]))
        if n_codes:
            values[b, n_codes] = _binary_stats(*_table_counts(mb, hb, db))
    tail = 100 * (1 - CI_LEVEL) / 2
    for j, row in enumerate(rows):
        for s, name in enumerate(BOOTSTRAPPED):
            v = values[:, j, s]
            v = v[~np.isnan(v)]
            if np.isnan(row[name]) or len(v) < n_boot / 2:
                continue  # undefined, or undefined in most resamples: no interval
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = (float(x) for x in np.percentile(v, [tail, 100 - tail]))


def _indicators(unit_ids, machine_sets, human_sets, code_list, undecided) -> tuple[np.ndarray, ...]:
    """Codes x units: machine gave it, person gave it, the decision is made (not left pending)."""
    shape = (len(code_list), len(unit_ids))
    m = np.array([[c in machine_sets[u] for u in unit_ids] for c in code_list], dtype=bool).reshape(shape)
    h = np.array([[c in human_sets[u] for u in unit_ids] for c in code_list], dtype=bool).reshape(shape)
    d = ~np.array([[c in undecided[u] for u in unit_ids] for c in code_list], dtype=bool).reshape(shape)
    return m, h, d


def validate(
    codings: pd.DataFrame,
    *,
    machine: str,
    against: str,
    units: Iterable[str] | None = None,
    segments: pd.DataFrame | None = None,
    level: str = "theme",
    codes: Iterable[str] | None = None,
    n_boot: int = 1000,
    random_state: int | None = 0,
    include_reviews: bool = True,
    include_facilitator: bool = False,
) -> pd.DataFrame:
    """Agreement of the machine's coding with a person's on the sample they coded (:data:`VALIDATION_COLUMNS`).

    Parameters
    ----------
    codings : DataFrame
        Codings of both coders: segment_id, code, coder; optionally status and
        reviewed_by (as :meth:`outcomes_qual.project.Project.codings` returns).
    machine : str
        The auto-coder's name in the ``coder`` column (e.g. ``"outcomes_qual"``).
    against : str
        The person whose coding is the reference.
    units : iterable of str, optional
        Segment ids of the sample. See the module notes for the default.
    segments : DataFrame, optional
        When ``units`` is not given: every turn in it is a unit (the person was
        given all of them); needs segment_id, and role to leave out facilitators.
    level : {"theme", "code"}, default "theme"
        Roll sub-codes up to their theme, or compare code keys as given.
    codes : iterable of str, optional
        Codes to report (default: every code either coder gave on the units).
        A listed code neither used still gets a row (agreement 1, kappa undefined).
    n_boot : int, default 1000
        Bootstrap resamples of the units for the 95% intervals of percent
        agreement, kappa and alpha; 0 for none.
    random_state : int or None, default 0
        Seed: the same seed gives the same intervals.
    include_reviews : bool, default True
        Count suggestions ``against`` accepted as their codes and rejected ones
        as absences, and the turns they reviewed as units.
    include_facilitator : bool, default False
        With ``segments``: count facilitator turns as units.

    Returns
    -------
    DataFrame
        One row per code plus an ``all`` row pooling every (unit, code)
        decision. ``n_units`` counts the decided units; ``n_machine``/``n_human``/``n_both`` count units coded by the
        machine, the person, and both, among the decided units;
        ``n_undecided`` counts the units left out of that code's figures because
        the machine's suggestion is still pending on a turn the person reviewed
        (see the module notes); ``precision`` is the share of the
        machine's codes the person also gave, ``recall`` the share of the
        person's codes the machine found, ``f1`` their harmonic mean;
        ``*_ci_low``/``*_ci_high`` are 95% percentile bootstrap intervals
        (NaN when the statistic is undefined or undefined in most resamples).
        ``note`` says why a value is undefined.

    Raises
    ------
    InputError
        Missing columns, a coder with no codings (the message lists the
        coders there are), no units, a bad ``level``.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["a", "b", "a", "c"], "code": ["time"] * 4,
    ...                         "coder": ["bot", "bot", "ana", "ana"]})
    >>> row = validate(codings, machine="bot", against="ana", units=list("abcd"), n_boot=200).iloc[-1]
    >>> [round(float(row[c]), 3) for c in ("percent_agreement", "cohen_kappa", "precision", "recall")]
    [0.5, 0.0, 0.5, 0.5]
    >>> bool(row["percent_agreement_ci_low"] <= 0.5 <= row["percent_agreement_ci_high"])
    True
    """
    unit_ids, machine_sets, human_sets, code_list, undecided = _prepare(
        codings,
        machine=machine,
        against=against,
        units=units,
        segments=segments,
        level=level,
        codes=codes,
        include_reviews=include_reviews,
        include_facilitator=include_facilitator,
    )
    m, h, d = _indicators(unit_ids, machine_sets, human_sets, code_list, undecided)
    rows = [_row(c, m[k], h[k], d[k]) for k, c in enumerate(code_list)]
    rows.append(_row("all", m, h, d))
    for row in rows:
        for name in BOOTSTRAPPED:
            row[f"{name}_ci_low"] = row[f"{name}_ci_high"] = np.nan
    if n_boot:
        _bootstrap(m, h, d, rows, int(n_boot), random_state)
    for row in rows:
        row.update(level=level, machine=str(machine), against=str(against), n_boot=int(n_boot or 0))
    if rows[-1]["note"]:
        logger.warning("validate, overall: %s", rows[-1]["note"])
    return pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))


def validation_units(
    codings: pd.DataFrame,
    *,
    machine: str,
    against: str,
    units: Iterable[str] | None = None,
    segments: pd.DataFrame | None = None,
    level: str = "theme",
    codes: Iterable[str] | None = None,
    include_reviews: bool = True,
    include_facilitator: bool = False,
) -> pd.DataFrame:
    """Each unit's machine and human code sets (:data:`VALIDATION_UNIT_COLUMNS`), in unit order.

    Code sets are "; "-joined and sorted and leave out the unit's undecided
    codes (listed in ``undecided``: pending suggestions on a turn the person
    reviewed); ``agree`` is True when the two sets are equal (both empty
    included). Parameters as for :func:`validate`.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["time", "partners/health", "time"],
    ...                         "coder": ["bot", "ana", "ana"]})
    >>> validation_units(codings, machine="bot", against="ana").values.tolist()
    [['a', 'time', 'partners', 'time', 'partners', '', False], ['b', '', 'time', '', 'time', '', False]]
    """
    unit_ids, machine_sets, human_sets, code_list, undecided = _prepare(
        codings,
        machine=machine,
        against=against,
        units=units,
        segments=segments,
        level=level,
        codes=codes,
        include_reviews=include_reviews,
        include_facilitator=include_facilitator,
    )
    keep = set(code_list)
    rows = []
    for u in unit_ids:
        open_ = undecided[u] & keep
        mset, hset = (machine_sets[u] & keep) - open_, (human_sets[u] & keep) - open_
        rows.append(
            (
                u,
                "; ".join(sorted(mset)),
                "; ".join(sorted(hset)),
                "; ".join(sorted(mset - hset)),
                "; ".join(sorted(hset - mset)),
                "; ".join(sorted(open_)),
                mset == hset,
            )
        )
    frame = pd.DataFrame.from_records(rows, columns=list(VALIDATION_UNIT_COLUMNS))
    frame["agree"] = frame["agree"].astype(bool)
    return frame


def _pairs(mset: set[str], hset: set[str]) -> list[tuple[str, str]]:
    """(human, machine) cells one unit adds to the confusion counts."""
    out = [(c, c) for c in sorted(mset & hset)]
    only_h, only_m = sorted(hset - mset), sorted(mset - hset)
    if only_h and only_m:
        out += [(a, b) for a in only_h for b in only_m]
    elif only_h:
        out += [(a, NONE_LABEL) for a in only_h]
    elif only_m:
        out += [(NONE_LABEL, b) for b in only_m]
    if not mset and not hset:
        out.append((NONE_LABEL, NONE_LABEL))
    return out


def confusion_counts(
    codings: pd.DataFrame,
    *,
    machine: str,
    against: str,
    units: Iterable[str] | None = None,
    segments: pd.DataFrame | None = None,
    level: str = "theme",
    codes: Iterable[str] | None = None,
    include_reviews: bool = True,
    include_facilitator: bool = False,
) -> pd.DataFrame:
    """How the person's codes map onto the machine's: a long confusion table (:data:`CONFUSION_COLUMNS`).

    Per unit, a code both gave adds one to (code, code); codes only the
    person gave are paired with each code only the machine gave (or with
    ``"none"`` when the machine gave no other code), and the machine's extra
    codes with ``"none"`` when the person gave no other code; a unit neither
    coded adds one to ("none", "none"). A unit with two person-only codes and
    one machine-only code therefore adds to two cells. Pivot with
    ``table.pivot(index="human_code", columns="machine_code", values="n_units")``.
    Parameters as for :func:`validate`.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["time", "partners", "time"],
    ...                         "coder": ["bot", "ana", "ana"]})
    >>> confusion_counts(codings, machine="bot", against="ana").values.tolist()
    [['partners', 'time', 1], ['time', 'none', 1]]
    """
    unit_ids, machine_sets, human_sets, code_list, undecided = _prepare(
        codings,
        machine=machine,
        against=against,
        units=units,
        segments=segments,
        level=level,
        codes=codes,
        include_reviews=include_reviews,
        include_facilitator=include_facilitator,
    )
    keep = set(code_list)
    counts: dict[tuple[str, str], int] = {}
    for u in unit_ids:
        keep_u = keep - undecided[u]
        for cell in _pairs(machine_sets[u] & keep_u, human_sets[u] & keep_u):
            counts[cell] = counts.get(cell, 0) + 1
    order = {c: i for i, c in enumerate([*code_list, NONE_LABEL])}
    rows = sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], len(order)), order.get(kv[0][1], len(order))))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONFUSION_COLUMNS})
    return pd.DataFrame([(a, b, n) for (a, b), n in rows], columns=list(CONFUSION_COLUMNS))


def confusion_matrix(table: pd.DataFrame, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Pivot :func:`confusion_counts` into a human (rows) x machine (columns) count matrix, ``none`` last.

    Examples
    --------
    >>> long = pd.DataFrame({"human_code": ["time", "none"], "machine_code": ["none", "time"], "n_units": [2, 1]})
    >>> confusion_matrix(long).values.tolist()
    [[0, 2], [1, 0]]
    """
    labels = list(codes) if codes is not None else sorted((set(table["human_code"]) | set(table["machine_code"])) - {NONE_LABEL})
    labels = [*labels, NONE_LABEL]
    mat = table.pivot_table(index="human_code", columns="machine_code", values="n_units", aggfunc="sum", fill_value=0)
    mat = mat.reindex(index=labels, columns=labels, fill_value=0).astype(int)
    mat.index.name, mat.columns.name = "human_code", "machine_code"
    return mat


def review_agreement(
    codings: pd.DataFrame,
    *,
    machine: str,
    against: str,
    level: str = "theme",
    codes: Iterable[str] | None = None,
    n_bootstrap: int = 0,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """How far the machine agrees with a person, as an :func:`~outcomes_qual.agreement.agreement` table.

    The same figures as :func:`validate` (one definition: the units are the
    turns the person coded or reviewed, an accepted suggestion is the
    person's coding, a pending suggestion on a turn they reviewed is left
    out; see the module notes), laid out in
    :data:`~outcomes_qual.agreement.AGREEMENT_COLUMNS` so that
    ``outcomes-qual agreement`` and the web app's Agreement screen can show
    them. ``positive_agreement`` is the F1 of :func:`validate`,
    ``prevalence`` the share of the decided ratings that apply the code,
    ``n_coded`` the decided units either coded.

    Examples
    --------
    ana accepted the machine's "time" on turn a and left its "partners" there
    pending, rejected its "time" on b, never opened c, and coded d herself:

    >>> codings = pd.DataFrame({
    ...     "segment_id": ["a", "a", "b", "c", "d"],
    ...     "code": ["time", "partners", "time", "time", "partners"],
    ...     "coder": ["bot", "bot", "bot", "bot", "ana"],
    ...     "status": ["accepted", "suggested", "rejected", "suggested", "accepted"],
    ...     "reviewed_by": ["ana", None, "ana", None, None]})
    >>> table = review_agreement(codings, machine="bot", against="ana")
    >>> table[["code", "n_units", "n_coded", "percent_agreement"]].round(3).values.tolist()
    [['partners', 2, 1, 0.5], ['time', 3, 2, 0.667], ['all', 5, 3, 0.6]]
    >>> table["note"].iloc[0]
    '1 undecided (pending) left out'
    """
    from .tables import AGREEMENT_COLUMNS

    table = validate(
        codings, machine=machine, against=against, level=level, codes=codes, n_boot=n_bootstrap, random_state=random_state
    )
    rows = []
    for r in table.to_dict("records"):
        n, both = r["n_units"], r["n_both"]
        either = r["n_machine"] + r["n_human"]
        rows.append(
            {
                "code": r["code"],
                "unit": "segment",
                "n_units": n,
                "percent_agreement": r["percent_agreement"],
                "cohen_kappa": r["cohen_kappa"],
                "krippendorff_alpha": r["krippendorff_alpha"],
                "gwet_ac1": r["gwet_ac1"],
                "prevalence": either / (2 * n) if n else np.nan,
                "positive_agreement": r["f1"],
                "n_coded": either - both,
                "n_coders": 2,
                "coders": f"{machine}, {against}",
                "cohen_kappa_ci_low": r["cohen_kappa_ci_low"],
                "cohen_kappa_ci_high": r["cohen_kappa_ci_high"],
                "krippendorff_alpha_ci_low": r["krippendorff_alpha_ci_low"],
                "krippendorff_alpha_ci_high": r["krippendorff_alpha_ci_high"],
                "note": "; ".join(
                    x for x in (r["note"], f"{r['n_undecided']} undecided (pending) left out" if r["n_undecided"] else "") if x
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
