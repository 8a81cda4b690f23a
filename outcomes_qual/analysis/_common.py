"""Helpers shared by the analysis tables: inputs, roll-up of codes, labels.

Roles are of two kinds. The built-in social-care roles
(:data:`outcomes_qual.schema.ROLES`: practitioner, senior, manager, mentor,
facilitator, other, unknown) are keys with labels ("Senior", "seniors").
Any other role is a *study group* named by the study's roster ("R1 faculty",
"non-R1 faculty"): it is its own label, written exactly as the roster wrote
it, and never pluralised or re-capitalised.

Every breakdown lists roles in one stable order (:func:`order_roles`): the
built-in roles in built-in order, then the study's groups in roster order
(the ``role_order`` column :func:`outcomes_qual.ingest.read_roster` adds),
groups without a known position after them in natural order, then "other"
and "unknown".

Examples
--------
>>> theme_of("systems_barriers/paperwork_and_it")
'systems_barriers'
>>> role_label("senior"), role_plural("senior"), role_heading("senior")
('Senior', 'seniors', 'Seniors')
>>> role_label("non-R1 faculty"), role_plural("non-R1 faculty"), role_heading("non-R1 faculty")
('non-R1 faculty', 'the non-R1 faculty group', 'non-R1 faculty')
>>> order_roles(["unknown", "R1 faculty", "senior", "non-R1 faculty"], ranks={"R1 faculty": 1, "non-R1 faculty": 2})
['senior', 'R1 faculty', 'non-R1 faculty', 'unknown']
>>> method_label("focus_group")
'focus group'
"""

from __future__ import annotations

import re
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


#: Built-in social-care roles whose presence makes a study "social care" for the report's wording.
SOCIAL_CARE_ROLES: tuple[str, ...] = ("practitioner", "senior", "manager", "mentor")

#: Built-in catch-all roles, listed after the study's own groups.
_LAST_ROLES: tuple[str, ...] = ("other", "unknown")


def is_study_group(role) -> bool:
    """True when ``role`` is one of the study's own groups (not a built-in role).

    Examples
    --------
    >>> is_study_group("R1 faculty"), is_study_group("manager")
    (True, False)
    """
    return str(role) not in schema.ROLES


def has_social_care_roles(roles) -> bool:
    """True when any of ``roles`` is a built-in social-care role (practitioner, senior, manager, mentor).

    The report words its text for social-care staff only then; a study whose
    participants all belong to its own groups is described in neutral terms.

    Examples
    --------
    >>> has_social_care_roles(["R1 faculty", "unknown"]), has_social_care_roles(["manager", "R1 faculty"])
    (False, True)
    """
    return any(str(r) in SOCIAL_CARE_ROLES for r in roles)


def role_label(role: str) -> str:
    """Singular, capitalised label of ``role`` for attributions; a study group as written."""
    if is_study_group(role):
        return str(role)
    return ROLE_LABELS[str(role)]


def role_plural(role: str) -> str:
    """Plural of ``role`` for running text ("seniors"; "the R1 faculty group" for a study group)."""
    if is_study_group(role):
        return f"the {role} group"
    return ROLE_PLURALS[str(role)]


def role_heading(role: str) -> str:
    """Column or axis heading for ``role``: the plural, capitalised ("Seniors", "Other staff"); a study group as written."""
    if is_study_group(role):
        return str(role)
    plural = ROLE_PLURALS[str(role)]
    return plural[:1].upper() + plural[1:]


def role_count(n: int, role: str) -> str:
    """Count a role in running text: "3 seniors", "1 senior", "3 in the R1 faculty group".

    Examples
    --------
    >>> role_count(3, "senior"), role_count(1, "other"), role_count(2, "R1 faculty")
    ('3 seniors', '1 other staff', '2 in the R1 faculty group')
    """
    if is_study_group(role):
        return f"{n} in the {role} group"
    return f"{n} {ROLE_LABELS[str(role)].lower() if n == 1 else ROLE_PLURALS[str(role)]}"


def upper_first(text: str) -> str:
    """``text`` with its first character upper-cased and the rest left alone ("non-R1 ..." -> "Non-R1 ...")."""
    return text[:1].upper() + text[1:]


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
    if hasattr(data, "participants") and "role_order" in data.participants and "role_order" not in seg:
        part = data.participants.drop_duplicates("participant_id").set_index("participant_id")
        seg["role_order"] = seg["participant_id"].map(part["role_order"])
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
    cod = cod.groupby(["segment_id", "code"], sort=False)["confidence"].max().reset_index()
    out = cod.merge(seg, on="segment_id", how="inner")
    return out.reset_index(drop=True)


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text.casefold())]


def order_roles(roles, ranks: dict | None = None) -> list[str]:
    """Roles in the stable order of every breakdown (see the module docstring).

    Parameters
    ----------
    roles : iterable of str
    ranks : dict of str to number, optional
        A study group's position in the roster (:func:`role_ranks`); groups
        without one follow in natural order ("group 2" before "group 10").

    Examples
    --------
    >>> order_roles(["group 10", "other", "group 2", "practitioner"])
    ['practitioner', 'group 2', 'group 10', 'other']
    """
    roles = list(dict.fromkeys(str(r) for r in roles))
    ranks = ranks or {}
    first = [r for r in schema.ROLES if r in roles and r not in _LAST_ROLES]
    groups = sorted(
        (r for r in roles if r not in schema.ROLES),
        key=lambda r: (0, float(ranks[r]), "") if _rank_ok(ranks.get(r)) else (1, 0.0, _natural(r)),
    )
    return first + groups + [r for r in _LAST_ROLES if r in roles]


def _rank_ok(value) -> bool:
    try:
        return value is not None and np.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def role_ranks(frame) -> dict[str, float]:
    """Each study group's roster position, from a frame with ``role`` and ``role_order`` columns.

    A :class:`~outcomes_qual.corpus.Corpus` gives its participants'. Returns
    an empty dict when there is no ``role_order`` column.

    Examples
    --------
    >>> role_ranks(pd.DataFrame({"role": ["b", "a", "b"], "role_order": [2, 1, 2]}))
    {'a': 1.0, 'b': 2.0}
    """
    if hasattr(frame, "participants"):
        frame = frame.participants
    if not isinstance(frame, pd.DataFrame) or "role_order" not in frame or "role" not in frame:
        return {}
    ranks = pd.to_numeric(frame["role_order"], errors="coerce")
    got = ranks.groupby(frame["role"].astype(str)).min().dropna()
    return {str(k): float(v) for k, v in got.sort_index().items()}


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
