"""Map free-text roles, speaker labels and methods to the schema's vocabularies.

Rosters, ``SPEAKERS:`` headers and speaker labels describe people in many
ways ("Senior Social Worker", "SP", "Team manager", "Practitioner 2",
"[Manager]"). These functions map them onto :data:`outcomes_qual.schema.ROLES`
and :data:`outcomes_qual.schema.METHODS`.

Examples
--------
>>> normalise_role("Senior Social Worker")
'senior'
>>> normalise_role("Head of service")
'manager'
>>> role_from_label("Practitioner 2")
'practitioner'
>>> role_from_label("Ann")
'unknown'
>>> normalise_method("1:1 interview")
'interview'
"""

from __future__ import annotations

import functools
import re

from .. import schema

__all__ = ["normalise_role", "study_role", "group_order", "role_from_label", "normalise_method", "normalise_date", "infer_method"]

#: Exact phrases (lower case, punctuation removed) and abbreviations.
_EXACT_ROLES: dict[str, str] = {
    "sp": "senior",
    "ssw": "senior",
    "snr": "senior",
    "sw": "practitioner",
    "ot": "practitioner",
    "prac": "practitioner",
    "tm": "manager",
    "atm": "manager",
    "mgr": "manager",
    "q": "facilitator",
    "int": "facilitator",
    "fac": "facilitator",
    "mod": "facilitator",
    "staff": "practitioner",
    "worker": "practitioner",
    "workers": "practitioner",
}

# Keyword rules, tried in order: the first pattern found anywhere in the text wins.
_ROLE_RULES: tuple[tuple[str, str], ...] = (
    ("facilitator", r"\b(facilitators?|interviewers?|moderators?|researchers?|evaluators?|note ?takers?|hosts?|chair)\b"),
    ("mentor", r"\b(mentors?|coach(es)?)\b"),
    # "care manager" and "case manager" are practitioner posts in UK social work.
    ("practitioner", r"\b(care|case) managers?\b"),
    (
        "manager",
        r"\b(managers?|management|head of|heads of|directors?|team leaders?|team leads?|service leads?|"
        r"chief|leadership team)\b",
    ),
    ("senior", r"\b(seniors?|senior practitioners?|principal|practice leads?|lead practitioners?|consultant social workers?)\b"),
    (
        "practitioner",
        r"\b(social workers?|practitioners?|support workers?|occupational therapists?|care workers?|"
        r"social care workers?|key workers?|(community |social )?care officers?|workers?|nurses?|therapists?)\b",
    ),
)

_ROLE_WORDS = re.compile(
    r"^(?P<word>facilitator|interviewer|moderator|researcher|evaluator|host|q|question|"
    r"mentor|practice mentor|coach|"
    r"manager|team manager|service manager|senior manager|head of service|team leader|"
    r"senior|senior practitioner|senior social worker|sp|ssw|"
    r"practitioner|social worker|support worker|worker|ot|sw|occupational therapist|"
    r"participant|respondent|interviewee|speaker|member|answer|a|p|r|i)"
    r"(?:[\s_#.-]*(?:\d+|[a-z]))?$"
)


def _clean(raw: object) -> str:
    if raw is None:
        return ""
    text = str(raw)
    if text.lower() in {"nan", "none", "<na>"}:
        return ""
    text = re.sub(r"[\[\]()<>{}:*\"'’]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def normalise_role(raw: object) -> str:
    """Map a free-text role to one of :data:`outcomes_qual.schema.ROLES`.

    Parameters
    ----------
    raw : str
        A role as written in a roster, a ``SPEAKERS:`` list or a label.

    Returns
    -------
    str
        ``"unknown"`` for empty input, ``"other"`` for text that names no
        known role.

    Examples
    --------
    >>> [normalise_role(r) for r in ["SP", "Team manager", "OT", "Practice mentor", "Moderator"]]
    ['senior', 'manager', 'practitioner', 'mentor', 'facilitator']
    >>> normalise_role(""), normalise_role("Finance officer's cat")
    ('unknown', 'other')
    """
    text = _clean(raw)
    if not text:
        return "unknown"
    if text in schema.ROLES:
        return text
    if text in _EXACT_ROLES:
        return _EXACT_ROLES[text]
    # an abbreviation followed by a number, e.g. "SP1", "SW 2"
    m = re.fullmatch(r"([a-z]{1,4})\s*\d+", text)
    if m and m.group(1) in _EXACT_ROLES:
        return _EXACT_ROLES[m.group(1)]
    for role, pattern in _ROLE_RULES:
        if re.search(pattern, text):
            return role
    return "other"


def study_role(raw: object) -> str:
    """A roster's role: a built-in role when the vocabulary knows it, else the study's group as written.

    The built-in vocabulary (:func:`normalise_role`) maps the social-care
    roles it knows ("Senior Social Worker" -> ``senior``); a role it does not
    know is one of the study's own groups and is kept as the roster wrote it
    (spaces tidied), never folded into ``other``. Applying it twice gives the
    same role.

    Examples
    --------
    >>> [study_role(r) for r in ["Team manager", "R1 faculty", "non-R1  faculty", "", "other"]]
    ['manager', 'R1 faculty', 'non-R1 faculty', 'unknown', 'other']
    >>> study_role(study_role("R1 faculty"))
    'R1 faculty'
    """
    role = normalise_role(raw)
    if role != "other" or _clean(raw) == "other":
        return role
    return re.sub(r"\s+", " ", str(raw)).strip()


def group_order(roles) -> list[int | None] | None:
    """Each row's study-group position (1 for the first group named, ...), or ``None`` without groups.

    Built-in roles and empty cells get ``None``; the result fills a roster's
    ``role_order`` column, which keeps the study's groups in roster order.

    Examples
    --------
    >>> group_order(["R1 faculty", "manager", "non-R1 faculty", "R1 faculty", None])
    [1, None, 2, 1, None]
    >>> group_order(["manager", "senior"]) is None
    True
    """
    roles = list(roles)
    groups = list(dict.fromkeys(r for r in roles if isinstance(r, str) and r and r not in schema.ROLES))
    if not groups:
        return None
    rank = {g: k for k, g in enumerate(groups, start=1)}
    return [rank.get(r) if isinstance(r, str) else None for r in roles]


@functools.lru_cache(maxsize=8192)
def _role_from_label(text: str) -> str:
    m = _ROLE_WORDS.match(text)
    if not m:
        return "unknown"
    word = m.group("word")
    if word in {"participant", "respondent", "interviewee", "speaker", "member", "answer", "a", "p", "r"}:
        return "unknown"
    if word in ("question", "i"):  # "Q:" / "I:" for question / interviewer
        return "facilitator"
    return normalise_role(word)


def role_from_label(label: object) -> str:
    """Return the role a speaker *label* implies, or ``"unknown"``.

    Only labels that are a role word, optionally numbered or lettered
    ("Practitioner 2", "SENIOR", "Manager B", "Interviewer", "Q"), imply a
    role; a personal name implies nothing.

    Examples
    --------
    >>> [role_from_label(x) for x in ["Practitioner 2", "SENIOR", "Interviewer", "Speaker 1", "Jo Bloggs"]]
    ['practitioner', 'senior', 'facilitator', 'unknown', 'unknown']
    >>> role_from_label("I"), role_from_label("R")
    ('facilitator', 'unknown')
    """
    text = _clean(label)
    if not text:
        return "unknown"
    return _role_from_label(text)


_METHOD_RULES: tuple[tuple[str, str], ...] = (
    ("phone", r"\b(phone|telephone|tel|call)\b"),
    ("focus_group", r"\b(focus[ _-]?groups?|fg|group discussion|group interview|workshop)\b"),
    ("interview", r"(\b1\s*(:|-|to)\s*1\b|\bone[ -]to[ -]one\b|\binterviews?\b|\bindividual\b)"),
    ("meeting", r"\b(meetings?)\b"),
)


def normalise_method(raw: object) -> str | None:
    """Map a free-text data-collection method to :data:`outcomes_qual.schema.METHODS`.

    Returns ``None`` for empty input and ``"other"`` for text naming no
    known method.

    Examples
    --------
    >>> [normalise_method(m) for m in ["focus group", "1:1 interview", "Team meeting", "telephone", "webinar"]]
    ['focus_group', 'interview', 'meeting', 'phone', 'other']
    >>> normalise_method("") is None
    True
    """
    if raw is None:
        return None
    text = str(raw).strip().lower()
    if not text or text in {"nan", "none", "<na>"}:
        return None
    text = text.replace("_", " ")
    if text.replace(" ", "_") in schema.METHODS:
        return text.replace(" ", "_")
    for method, pattern in _METHOD_RULES:
        if re.search(pattern, text):
            return method
    return "other"


def infer_method(text: str) -> str | None:
    """Return a method named in free text (a title), or ``None`` when none is.

    Examples
    --------
    >>> infer_method("Northvale practitioners focus group, March")
    'focus_group'
    >>> infer_method("Webinar") is None
    True
    """
    method = normalise_method(text)
    return None if method == "other" else method


_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d/%m/%y",
)


def normalise_date(raw: object) -> str | None:
    """Return an ISO date (``YYYY-MM-DD``) for common written dates, else the text as given.

    Numeric dates are read day first (UK usage: ``04/03/2026`` is 4 March).
    A leading weekday and ordinal suffixes are ignored. Text that is not a
    full date ("August 2020", "spring") is returned unchanged.

    Examples
    --------
    >>> [normalise_date(d) for d in ["2026-03-04", "Wednesday 4th March 2026", "04/03/2026", "March 4, 2026"]]
    ['2026-03-04', '2026-03-04', '2026-03-04', '2026-03-04']
    >>> normalise_date("August 2020"), normalise_date("") is None
    ('August 2020', True)
    """
    from datetime import datetime

    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() in {"nan", "none"}:
        return None
    clean = re.sub(r"^(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", "", text, flags=re.I)
    clean = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", clean)
    clean = re.sub(r"\s*,\s*|\s+", " ", clean).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(clean, fmt).date().isoformat()
        except ValueError:
            continue
    return text
