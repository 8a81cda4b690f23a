"""Helpers shared by the analysis tables: inputs, roll-up of codes, labels.

Examples
--------
>>> theme_of("systems_barriers/paperwork_and_it")
'systems_barriers'
>>> role_label("senior"), role_plural("senior")
('Senior', 'seniors')
>>> method_label("focus_group")
'focus group'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schema

#: Singular labels used in attributions ("Senior: ...").
ROLE_LABELS: dict[str, str] = {
    "practitioner": "Practitioner",
    "senior": "Senior",
    "manager": "Manager",
    "mentor": "Mentor",
    "facilitator": "Facilitator",
    "other": "Other staff",
    "unknown": "Participant",
}

#: Plural forms used in sentences ("most often by seniors").
ROLE_PLURALS: dict[str, str] = {
    "practitioner": "practitioners",
    "senior": "seniors",
    "manager": "managers",
    "mentor": "mentors",
    "facilitator": "facilitators",
    "other": "other staff",
    "unknown": "unidentified speakers",
}

#: Words for data-collection methods.
METHOD_LABELS: dict[str, str] = {
    "focus_group": "focus group",
    "interview": "interview",
    "meeting": "meeting",
    "phone": "phone conversation",
    "other": "other",
}

UNITS: tuple[str, ...] = ("segments", "participants", "groups")

#: The column that identifies each unit of count.
UNIT_KEYS: dict[str, str] = {"segments": "segment_id", "participants": "participant_id", "groups": "transcript_id"}
LEVELS: tuple[str, ...] = ("theme", "code")


def theme_of(code: str) -> str:
    """Top-level theme key of a code path."""
    return str(code).split("/", 1)[0]


def role_label(role: str) -> str:
    """Singular, capitalised label of ``role`` for attributions."""
    return ROLE_LABELS.get(str(role), str(role).replace("_", " ").capitalize())


def role_plural(role: str) -> str:
    """Plural of ``role`` for running text."""
    return ROLE_PLURALS.get(str(role), str(role).replace("_", " ") + "s")


def method_label(method) -> str:
    """Readable name of a data-collection method."""
    if method is None or (isinstance(method, float) and np.isnan(method)):
        return "transcript"
    return METHOD_LABELS.get(str(method), str(method).replace("_", " "))


def check_choice(value: str, choices: Sequence[str], *, name: str) -> str:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def unit_key(unit: str) -> str:
    """The column counted for ``unit`` (one of :data:`UNITS`); raise ``ValueError`` otherwise.

    Examples
    --------
    >>> unit_key("participants")
    'participant_id'
    """
    check_choice(unit, UNITS, name="unit")
    return UNIT_KEYS[unit]


def segment_frame(data) -> pd.DataFrame:
    """Segments with method/authority/department from a Corpus or a DataFrame.

    A :class:`~outcomes_qual.corpus.Corpus` gives
    :meth:`~outcomes_qual.corpus.Corpus.segment_context`; a DataFrame is used
    as it is (it needs at least segment_id, transcript_id, participant_id, role).
    """
    if hasattr(data, "segment_context"):
        seg = data.segment_context()
    elif isinstance(data, pd.DataFrame):
        seg = data.copy()
    else:
        raise TypeError(f"segments must be a Corpus or a DataFrame, got {type(data).__name__}")
    schema.check_columns(seg, ("segment_id", "transcript_id", "participant_id", "role"), name="segments")
    for col in ("method", "authority", "department"):
        if col not in seg:
            seg[col] = None
    seg["participant_id"] = seg["participant_id"].where(
        seg["participant_id"].notna(), seg["transcript_id"].astype(str) + ":" + seg["segment_id"].astype(str)
    )
    seg["role"] = seg["role"].fillna("unknown").astype(str)
    return seg


def analysed(seg: pd.DataFrame, *, include_facilitator: bool = False, roles: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of ``seg`` that are data: facilitator turns out unless asked, ``roles`` kept."""
    keep = pd.Series(True, index=seg.index)
    if not include_facilitator:
        keep &= seg["role"] != "facilitator"
    if roles is not None:
        keep &= seg["role"].isin(list(roles))
    return seg[keep].reset_index(drop=True)


def coded_pairs(
    seg: pd.DataFrame,
    codings: pd.DataFrame,
    *,
    level: str = "theme",
    coder: str | Sequence[str] | None = None,
    min_confidence: float | None = None,
) -> pd.DataFrame:
    """One row per (segment, code) present, joined with the segment's columns.

    At ``level="theme"`` every code is rolled up to its theme; at
    ``level="code"`` each code key counts and each theme also counts when any
    of its sub-codes is present. Rejected codings (``status == "rejected"``)
    are dropped; ``confidence`` is the highest for the pair.
    """
    check_choice(level, LEVELS, name="level")
    schema.check_columns(codings, ("segment_id", "code"), name="codings")
    cod = codings.copy()
    if "status" in cod:
        cod = cod[cod["status"].fillna("") != "rejected"]
    if coder is not None and "coder" in cod:
        coders = [coder] if isinstance(coder, str) else list(coder)
        cod = cod[cod["coder"].isin(coders)]
    if "confidence" not in cod:
        cod["confidence"] = np.nan
    cod["confidence"] = pd.to_numeric(cod["confidence"], errors="coerce")
    if min_confidence is not None:
        cod = cod[cod["confidence"].fillna(1.0) >= min_confidence]
    cod = cod[["segment_id", "code", "confidence"]].copy()
    cod["code"] = cod["code"].astype(str)
    themes = cod.assign(code=cod["code"].map(theme_of))
    if level == "theme":
        cod = themes
    else:
        cod = pd.concat([cod, themes], ignore_index=True)
    cod = cod.groupby(["segment_id", "code"], as_index=False, sort=False)["confidence"].max()
    out = cod.merge(seg, on="segment_id", how="inner")
    return out.reset_index(drop=True)


def order_roles(roles) -> list[str]:
    """Roles in :data:`schema.ROLES` order, unknown names after them alphabetically."""
    roles = list(dict.fromkeys(str(r) for r in roles))
    known = [r for r in schema.ROLES if r in roles]
    return known + sorted(r for r in roles if r not in schema.ROLES)


def listed_codes(pairs: pd.DataFrame, codebook=None, *, level: str = "theme") -> list[str]:
    """The codes a table lists: those in ``pairs`` and, given a codebook, all its keys at ``level``, in order.

    Examples
    --------
    >>> listed_codes(pd.DataFrame({"code": ["time", "partners"]}))
    ['partners', 'time']
    """
    codes = set(pairs["code"])
    if codebook is not None:
        codes |= set(codebook.theme_keys() if level == "theme" else codebook.keys())
    return order_codes(codes, codebook)


def order_codes(codes, codebook=None) -> list[str]:
    """Codes in codebook order (themes first within each theme), others alphabetically."""
    codes = list(dict.fromkeys(str(c) for c in codes))
    if codebook is not None:
        keys = codebook.keys()
        known = [k for k in keys if k in codes]
        return known + sorted(c for c in codes if c not in keys)
    return sorted(codes, key=lambda c: (theme_of(c), c.count("/"), c))


def wilson_interval(k, n, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes out of ``n`` (vectorised).

    Returns NaN bounds where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    from scipy.stats import norm

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi
