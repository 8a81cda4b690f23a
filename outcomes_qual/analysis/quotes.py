"""Exemplar quotes per theme and role, attributed by role and context, never by name.

Quotes come from the coding the report trusts: first from codings a person
made or accepted (:func:`is_reviewed`), then from the automated coding's most
confident suggestions; never from a rejected coding, nor from an unreviewed
suggestion of a code (or of any code under a theme) a person rejected on the
same turn (:func:`trusted_codings`).

Examples
--------
>>> trim_quote("Short one. " * 3, max_chars=25)
'Short one. Short one. …'
>>> scrub_names("Ask Gwen and gwen's team", ["Gwen"])
"Ask [name] and [name]'s team"
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ._columns import QUOTE_COLUMNS
from ._common import analysed, coded_pairs, method_label, order_codes, order_roles, role_label, role_ranks, segment_frame

logger = logging.getLogger(__name__)

_SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+[\"'”’)]*|$)\s*")
_ROLE_WORDS = {
    "practitioner",
    "senior",
    "manager",
    "mentor",
    "facilitator",
    "interviewer",
    "moderator",
    "speaker",
    "participant",
    "other",
    "unknown",
    "social",
    "worker",
    "team",
    "leader",
    "p",
    "f",
    "m",
    "s",
}

#: Preferred quote length (characters) for scoring; quotes outside [min_chars, max_chars] are trimmed or skipped.
IDEAL_RANGE = (120, 300)

#: Coding methods that mean a person made the coding (as :data:`outcomes_qual.agreement.validation.MANUAL_METHODS`).
PERSON_METHODS: tuple[str, ...] = ("manual", "human", "import")

#: Unreviewed codings are taken most confident first in steps of this width; within a step the quote score decides.
CONFIDENCE_STEP = 0.1


def is_reviewed(codings: pd.DataFrame) -> pd.Series:
    """True for each coding a person made or accepted.

    A coding is reviewed when its ``status`` is ``"accepted"`` (a suggestion a
    person accepted, or a person's own coding, which a project stores as
    accepted), or, where the status is not recorded, when its ``method`` is a
    person's (:data:`PERSON_METHODS`, or no method recorded, as in a hand-made
    codings CSV). A ``"suggested"`` or ``"rejected"`` coding is never reviewed.

    Examples
    --------
    >>> cod = pd.DataFrame({"status": ["accepted", "suggested", "rejected", None, None],
    ...                     "method": ["ensemble", "ensemble", "manual", "manual", "keyword"]})
    >>> is_reviewed(cod).tolist()
    [True, False, False, True, False]
    >>> is_reviewed(pd.DataFrame({"code": ["time"]})).tolist()
    [True]
    """
    index = codings.index
    method = codings["method"] if "method" in codings else pd.Series(None, index=index, dtype=object)
    by_person = method.astype(object).isna() | method.astype(str).isin(PERSON_METHODS)
    if "status" not in codings:
        return by_person.astype(bool)
    status = codings["status"].astype(object)
    return ((status == "accepted") | (status.isna() & by_person)).astype(bool)


def trusted_codings(codings: pd.DataFrame) -> pd.DataFrame:
    """The codings quotes may come from, with a boolean ``reviewed`` column (:func:`is_reviewed`).

    Rejected codings are dropped, and so is an unreviewed coding of a code a
    person rejected on the same turn, or of any code under a theme they
    rejected there (a rejected theme says "no" to its sub-codes on that turn).

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["a", "a", "a", "b"],
    ...     "code": ["time", "time/caseloads", "partners", "time"],
    ...     "status": ["rejected", "suggested", "accepted", "suggested"]})
    >>> trusted_codings(cod)[["segment_id", "code", "reviewed"]].values.tolist()
    [['a', 'partners', True], ['b', 'time', False]]
    """
    cod = codings.copy()
    cod["reviewed"] = is_reviewed(cod)
    if "status" not in cod or not len(cod):
        return cod.reset_index(drop=True)
    rejected = cod["status"].astype(object) == "rejected"
    sid = cod["segment_id"].astype(str)
    code = cod["code"].astype(str)
    said_no = set(zip(sid[rejected], code[rejected], strict=True))
    refused = pd.Series(
        [(s, c) in said_no or (s, c.split("/", 1)[0]) in said_no for s, c in zip(sid, code, strict=True)],
        index=cod.index,
        dtype=bool,
    )
    return cod[~rejected & (cod["reviewed"] | ~refused)].reset_index(drop=True)


def best_themes(codings: pd.DataFrame) -> pd.DataFrame:
    """Each turn's best theme(s): reviewed before unreviewed, then the most confident (ties all count).

    ``codings`` are taken as they are (pass :func:`trusted_codings` to leave
    out rejected ones); sub-codes count for their theme, and a coding without
    a confidence counts as fully confident.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment_id, theme``, sorted.

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["a", "a", "b", "b", "c", "c"],
    ...     "code": ["time", "partners/health", "time", "resistance", "time", "partners"],
    ...     "confidence": [0.9, 0.55, 0.9, 0.4, 0.7, 0.7],
    ...     "status": ["suggested", "accepted", "suggested", "suggested", "suggested", "suggested"]})
    >>> best_themes(cod).values.tolist()
    [['a', 'partners'], ['b', 'time'], ['c', 'partners'], ['c', 'time']]
    """
    if not len(codings):
        return pd.DataFrame({"segment_id": pd.Series(dtype=object), "theme": pd.Series(dtype=object)})
    conf = pd.to_numeric(codings["confidence"], errors="coerce") if "confidence" in codings else None
    reviewed = codings["reviewed"] if "reviewed" in codings else is_reviewed(codings)
    frame = pd.DataFrame(
        {
            "segment_id": codings["segment_id"].astype(str).to_numpy(),
            "theme": codings["code"].astype(str).str.split("/", n=1).str[0].to_numpy(),
            "reviewed": reviewed.astype(bool).to_numpy(),
            "conf": (conf.fillna(1.0).to_numpy(dtype=float) if conf is not None else np.ones(len(codings))),
        }
    )
    per = frame.groupby(["segment_id", "theme"], as_index=False).agg(reviewed=("reviewed", "max"), conf=("conf", "max"))
    top = per.sort_values(["segment_id", "reviewed", "conf"], ascending=[True, False, False]).drop_duplicates("segment_id")
    top = top.set_index("segment_id")
    best = (per["reviewed"] == per["segment_id"].map(top["reviewed"])) & (
        per["conf"] >= per["segment_id"].map(top["conf"]) - 1e-12
    )
    return per.loc[best, ["segment_id", "theme"]].sort_values(["segment_id", "theme"]).reset_index(drop=True)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences (kept with their trailing space).

    Examples
    --------
    >>> split_sentences("One. Two? Three")
    ['One. ', 'Two? ', 'Three']
    """
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def trim_quote(text: str, *, max_chars: int = 400, focus: Iterable[str] = ()) -> str:
    """Shorten ``text`` to at most ``max_chars`` at sentence boundaries.

    The window of whole sentences kept starts at the first sentence naming a
    ``focus`` term (the coding's evidence) when there is one, else at the
    start; an ellipsis marks each cut. A single over-long sentence is cut at
    a word boundary.

    Examples
    --------
    >>> trim_quote("First point. The forms take all day. Last point.", max_chars=30, focus=["forms"])
    '… The forms take all day. …'
    """
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    sents = split_sentences(text)
    focus = [f.lower() for f in focus if f and len(f) > 2]
    start = 0
    for i, s in enumerate(sents):
        if any(f in s.lower() for f in focus):
            start = i
            break
    end = start
    length = len(sents[start])
    while end + 1 < len(sents) and length + len(sents[end + 1]) <= max_chars - 2:
        end += 1
        length += len(sents[end])
    while start > 0 and length + len(sents[start - 1]) <= max_chars - 4:
        start -= 1
        length += len(sents[start])
    body = "".join(sents[start : end + 1]).strip()
    if len(body) > max_chars - 2:
        body = body[: max_chars - 2].rsplit(" ", 1)[0].rstrip(",;:-")
    prefix = "… " if start > 0 else ""
    suffix = " …" if end + 1 < len(sents) or not body.endswith((".", "!", "?", "…", "'", "’", '"', "”")) else ""
    return f"{prefix}{body}{suffix}"


def personal_names(labels: Iterable) -> list[str]:
    """Name-like words in speaker labels (role words and single letters left out).

    Examples
    --------
    >>> personal_names(["Practitioner 2", "Gwen Morgan", "SENIOR", "BH"])
    ['Gwen', 'Gwen Morgan', 'Morgan']
    """
    names: set[str] = set()
    for label in labels:
        if label is None or (isinstance(label, float) and np.isnan(label)):
            continue
        label = str(label).strip()
        words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", label) if w.lower() not in _ROLE_WORDS]
        words = [w for w in words if len(w) >= 2 and not w.isupper()]
        if len(words) >= 2 and len(words) == len(label.split()):
            names.add(" ".join(words))
        names.update(words)
    return sorted(names)


def scrub_names(text: str, names: Sequence[str], *, replacement: str = "[name]") -> str:
    """Replace whole-word, case-insensitive occurrences of ``names`` in ``text``.

    Examples
    --------
    >>> scrub_names("Nia's team met NIA.", ["Nia"])
    "[name]'s team met [name]."
    """
    if not names:
        return text
    pattern = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    out = re.sub(
        rf"(?<!\w)(?:{pattern})(['’]s)?(?!\w)",
        lambda m: replacement + (m.group(1) or ""),
        text,
        flags=re.IGNORECASE,
    )
    return out


def authority_aliases(authorities: Iterable) -> dict[str, str]:
    """Map authority names to ``"Authority A"``, ``"Authority B"``, ... in sorted order.

    Examples
    --------
    >>> authority_aliases(["Wrexham", "Conwy", None])
    {'Conwy': 'Authority A', 'Wrexham': 'Authority B'}
    """
    names = sorted({str(a) for a in authorities if a is not None and not (isinstance(a, float) and np.isnan(a))})
    out = {}
    for i, name in enumerate(names):
        letters = ""
        j = i
        while True:
            letters = chr(ord("A") + j % 26) + letters
            j = j // 26 - 1
            if j < 0:
                break
        out[name] = f"Authority {letters}"
    return out


def attribution(role, authority=None, method=None) -> str:
    """``"Senior, Authority A, focus group"``: role, then known context.

    Examples
    --------
    >>> attribution("senior", "Authority A", "focus_group")
    'Senior, Authority A, focus group'
    >>> attribution("practitioner", None, "interview")
    'Practitioner, interview'
    """
    parts = [role_label(role)]
    if authority is not None and not (isinstance(authority, float) and np.isnan(authority)) and str(authority):
        parts.append(str(authority))
    if method is not None and not (isinstance(method, float) and np.isnan(method)) and str(method):
        parts.append(method_label(method))
    return ", ".join(parts)


def exemplar_quotes(
    segments,
    codings: pd.DataFrame,
    *,
    k: int = 3,
    level: str = "theme",
    codebook=None,
    min_chars: int = 60,
    max_chars: int = 400,
    roles: Sequence[str] | None = None,
    include_facilitator: bool = False,
    coder: str | Sequence[str] | None = None,
    alias_authorities: bool = False,
    redact_names: bool = True,
    best_only: bool = False,
) -> pd.DataFrame:
    """Pick the ``k`` most representative turns per code x role, from the coding the report trusts.

    Turns whose coding a person made or accepted come first (``reviewed``),
    then unreviewed suggestions, most confident first (in steps of
    :data:`CONFIDENCE_STEP`); rejected codings, and unreviewed suggestions
    under a code or theme a person rejected on the turn, are never quoted
    (:func:`trusted_codings`). Within those tiers a turn scores higher for a
    confident coding (a reviewed one counts as fully confident), a length
    near 120-300 characters, and few other themes (a focused turn
    illustrates the theme better), and turns are picked greedily, preferring
    speakers and transcripts not yet quoted for that code; remaining ties go
    to the smaller segment id. Long turns are trimmed at sentence boundaries
    around the coding's evidence; turns shorter than ``min_chars`` are used
    only when nothing longer exists.

    Parameters
    ----------
    segments : Corpus or pandas.DataFrame
        A Corpus (method and authority come from :meth:`Corpus.segment_context`)
        or segments with ``text`` (and optional ``method``, ``authority``).
        Pass the pseudonymised corpus: quotes are taken from its text.
    codings : pandas.DataFrame
        Codings; ``confidence`` and ``evidence`` are used when present.
    k : int, default 3
    level : {"theme", "code"}
    codebook : Codebook, optional
        Orders the output.
    min_chars, max_chars : int
        Sensible quote length.
    alias_authorities : bool, default False
        Show authorities as "Authority A", "Authority B"... (sorted by name)
        instead of their names. Authorities are councils, not people, so
        their names are kept by default.
    redact_names : bool, default True
        Replace any word of a speaker label that looks like a personal name
        with ``[name]`` inside the quotes (a safety net on top of
        pseudonymisation).
    best_only : bool, default False
        Quote a turn under a code only when the code's theme is the turn's
        best theme (:func:`best_themes`): the case vignettes' rule, so a long
        turn that mentions a theme in passing is not its vignette.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, role, rank, segment_id, transcript_id, quote,
        attribution, confidence, reviewed, n_chars`` (``reviewed``: the
        turn's coding with that code was made or accepted by a person). There
        is no speaker or participant column: quotes are attributed by role and
        context only.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["1", "2"], "transcript_id": "fg", "participant_id": ["a", "b"],
    ...     "speaker": ["Gwen", "Ann"], "role": ["senior", "practitioner"], "method": "focus_group",
    ...     "authority": "Conwy",
    ...     "text": ["Gwen here: we never have the time to sit with families and listen properly.",
    ...              "Time is short, far too short."]})
    >>> cod = pd.DataFrame({"segment_id": ["1", "2"], "code": "time", "confidence": [0.9, 0.8]})
    >>> q = exemplar_quotes(seg, cod, k=1)
    >>> q[["role", "quote", "attribution", "reviewed"]].values.tolist()[0]
    ['practitioner', 'Time is short, far too short.', 'Practitioner, Conwy, focus group', True]
    >>> q.loc[1, "quote"]
    '[name] here: we never have the time to sit with families and listen properly.'
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    seg = segment_frame(segments)
    if "text" not in seg:
        raise ValueError(f"segments: missing column 'text'; got {list(seg.columns)}")
    names = personal_names(pd.concat([seg.get("speaker", pd.Series(dtype=object))])) if redact_names else []
    seg = analysed(seg, include_facilitator=include_facilitator, roles=roles)
    cod = trusted_codings(codings)
    if coder is not None and "coder" in cod:
        cod = cod[cod["coder"].isin([coder] if isinstance(coder, str) else list(coder))]
    if best_only:
        best = set(best_themes(cod).itertuples(index=False, name=None))
        themes = cod["code"].astype(str).str.split("/", n=1).str[0]
        keep = [(str(s), t) in best for s, t in zip(cod["segment_id"], themes, strict=True)]
        cod = cod[pd.Series(keep, index=cod.index, dtype=bool)]
    evidence: dict[str, list[str]] = {}
    if "evidence" in cod:
        for sid, ev in zip(cod["segment_id"], cod["evidence"], strict=True):
            if isinstance(ev, str) and ev:
                evidence.setdefault(sid, []).extend(t.strip() for t in re.split(r"[;,|]", ev) if t.strip())
    reviewed_keys = set()
    for sid, code in zip(cod.loc[cod["reviewed"], "segment_id"], cod.loc[cod["reviewed"], "code"].astype(str), strict=True):
        reviewed_keys.update({(sid, code), (sid, code.split("/", 1)[0])})
    pairs = coded_pairs(seg, cod, level=level)
    pairs["reviewed"] = [(s, c) in reviewed_keys for s, c in zip(pairs["segment_id"], pairs["code"], strict=True)]
    n_themes = pairs.assign(theme=pairs["code"].str.split("/").str[0]).groupby("segment_id")["theme"].nunique()
    aliases = authority_aliases(seg["authority"]) if alias_authorities else {}
    pairs["text"] = pairs["text"].fillna("").astype(str)
    # int64 even when empty: mapping an empty pyarrow-backed str column keeps the str dtype
    pairs["clean_len"] = pairs["text"].map(lambda t: len(" ".join(t.split()))).astype("int64")
    conf = pairs["confidence"].fillna(0.5).clip(0, 1).where(~pairs["reviewed"], 1.0)
    # unreviewed suggestions: most confident step first (a reviewed turn's step is 1, and it comes first anyway)
    pairs["step"] = np.floor(conf.to_numpy(dtype=float) / CONFIDENCE_STEP + 1e-9) * CONFIDENCE_STEP
    length = pairs["clean_len"].clip(upper=max_chars)
    lo, hi = IDEAL_RANGE
    length_score = np.where(length < lo, length / lo, np.where(pairs["clean_len"] > hi, 0.85, 1.0))
    focus = 1.0 / pairs["segment_id"].map(n_themes).astype("float64").fillna(1).clip(lower=1) ** 0.5
    pairs["score"] = conf * 0.5 + length_score * 0.3 + focus * 0.2
    rows = []
    for (code, role), group in pairs.groupby(["code", "role"], sort=False):
        long_enough = group[group["clean_len"] >= min_chars]
        cand = (long_enough if len(long_enough) else group[group["clean_len"] >= 15]).copy()
        cand = cand.sort_values(["reviewed", "step", "score", "segment_id"], ascending=[False, False, False, True])
        chosen: list[dict] = []
        seen_people: set = set()
        seen_tr: set = set()
        pool = cand.to_dict("records")
        while pool and len(chosen) < k:
            best_row = max(  # the first of equals in pool order: ties go to the smaller segment id
                pool,
                key=lambda r: (
                    r["reviewed"],
                    r["step"],
                    r["score"] - 0.3 * (r["participant_id"] in seen_people) - 0.15 * (r["transcript_id"] in seen_tr),
                ),
            )
            pool.remove(best_row)
            chosen.append(best_row)
            seen_people.add(best_row["participant_id"])
            seen_tr.add(best_row["transcript_id"])
        for rank, r in enumerate(chosen, start=1):
            quote = trim_quote(r["text"], max_chars=max_chars, focus=evidence.get(r["segment_id"], ()))
            quote = scrub_names(quote, names)
            authority = r.get("authority")
            authority = aliases.get(str(authority), authority) if alias_authorities else authority
            rows.append(
                {
                    "code": code,
                    "role": role,
                    "rank": rank,
                    "segment_id": r["segment_id"],
                    "transcript_id": r["transcript_id"],
                    "quote": quote,
                    "attribution": attribution(role, authority, r.get("method")),
                    "confidence": r["confidence"],
                    "reviewed": bool(r["reviewed"]),
                    "n_chars": len(quote),
                }
            )
    out = pd.DataFrame(rows, columns=list(QUOTE_COLUMNS))
    if len(out):
        code_rank = {c: i for i, c in enumerate(order_codes(out["code"], codebook))}
        role_rank = {r: i for i, r in enumerate(order_roles(out["role"], role_ranks(seg)))}
        ranks = {"code": code_rank, "role": role_rank}
        out = out.sort_values(["code", "role", "rank"], key=lambda s: s.map(ranks[s.name]) if s.name in ranks else s)
        out = out.reset_index(drop=True)
    return out
