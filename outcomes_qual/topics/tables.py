"""``find_topics``: emergent themes of a corpus as tidy tables.

:func:`find_topics` picks the turns worth modelling (no facilitator turns,
no very short or filler turns), fits a :class:`~.model.TopicModel`, and
returns a :class:`TopicResult` with

* ``topics``: one row per topic, columns :data:`outcomes_qual.schema.TOPIC_COLUMNS`;
* ``topic_by_role`` and ``topic_by_authority``: who raised each topic
  (:data:`TOPIC_BY_ROLE_COLUMNS`, :data:`TOPIC_BY_AUTHORITY_COLUMNS`);
* ``assignments``: the topic of every modelled turn (:data:`ASSIGNMENT_COLUMNS`).

Representative quotes are attributed by role only ("Senior: ..."); pass a
pseudonymised corpus (:func:`outcomes_qual.anonymise.pseudonymise_corpus`) so
that no name appears in them.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> turns = [("F", "facilitator", "What has changed for you this year?")]
>>> turns += [(f"P{i % 4}", "practitioner", f"Agency staff leave so quickly, agency cover again ({i}).")
...           for i in range(9)]
>>> turns += [(f"M{i % 3}", "manager", f"The panel forms and the IT system slow every plan ({i}).")
...           for i in range(8)]
>>> result = find_topics(Corpus.from_turns("fg1", turns), backend="light", min_topic_size=3)
>>> result.topics[["topic_id", "size", "n_participants", "emergent"]].values.tolist()
[[0, 9, 4, True], [1, 8, 3, True]]
>>> result.topics.loc[0, "quote_1"].split(":")[0]
'Practitioner'
>>> result.summary["n_excluded_facilitator"]
1
"""

from __future__ import annotations

import logging
import os
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..analysis._common import role_label
from ..corpus import Corpus
from ..errors import InputError
from .model import TopicModel
from .words import is_substantive

logger = logging.getLogger(__name__)

#: Topic x role table, one row per (topic, role) including zeros.
TOPIC_BY_ROLE_COLUMNS: tuple[str, ...] = (
    "topic_id",
    "label",
    "emergent",
    "role",
    "n_segments",
    "share_segments",
    "n_participants",
    "share_participants",
)

#: Topic x authority table, one row per (topic, authority) including zeros.
TOPIC_BY_AUTHORITY_COLUMNS: tuple[str, ...] = (
    "topic_id",
    "label",
    "emergent",
    "authority",
    "n_segments",
    "share_segments",
    "n_participants",
    "share_participants",
)

#: Topic of each modelled turn.
ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "transcript_id",
    "participant_id",
    "role",
    "authority",
    "topic_id",
    "source",
    "similarity",
)

#: Label of the outlier row (topic -1).
OUTLIER_LABEL = "(unassigned turns)"

#: Quotes are cut to this many words.
QUOTE_MAX_WORDS = 60


@dataclass
class TopicResult:
    """What :func:`find_topics` returns.

    Attributes
    ----------
    topics : pandas.DataFrame
        Columns :data:`schema.TOPIC_COLUMNS`; topics ``0..k-1`` by size, then
        ``-1`` (unassigned turns) when there are any.
    topic_by_role, topic_by_authority : pandas.DataFrame
        Columns :data:`TOPIC_BY_ROLE_COLUMNS` / :data:`TOPIC_BY_AUTHORITY_COLUMNS`.
        ``share_segments`` is the share of that role's (authority's) modelled
        turns in the topic; ``share_participants`` the share of its people who
        raised it.
    assignments : pandas.DataFrame
        Columns :data:`ASSIGNMENT_COLUMNS`.
    summary : dict
        Counts and settings: turns modelled and excluded, backend, embedding,
        thresholds, outliers before and after reduction.
    model : TopicModel
        The fitted model.
    """

    topics: pd.DataFrame
    topic_by_role: pd.DataFrame
    topic_by_authority: pd.DataFrame
    assignments: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    model: TopicModel | None = None

    def emergent_topics(self) -> pd.DataFrame:
        """Rows of :attr:`topics` that no codebook code covers."""
        return self.topics[self.topics["emergent"]].reset_index(drop=True)


# ---------------------------------------------------------------------- inputs
def _load_codebook(codebook):
    if codebook is None or not isinstance(codebook, (str, os.PathLike)):
        return codebook
    from ..codebook import load_codebook

    return load_codebook(codebook)


def _load_codings(codings) -> pd.DataFrame | None:
    if codings is None:
        return None
    name = "codings"
    if isinstance(codings, (str, os.PathLike)):
        name = os.fspath(codings)
        try:
            from ..safe_tables import read_csv

            codings = read_csv(codings)
        except FileNotFoundError:
            raise
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise InputError(f"could not read codings CSV: {err}", path=name) from err
    try:
        schema.check_columns(codings, ("segment_id", "code"), name=name)
    except ValueError as err:
        raise InputError(str(err)) from err
    return codings


def known_themes(codings: pd.DataFrame, segment_ids: Iterable[str], *, min_confidence: float = 0.5) -> list[str | None]:
    """The theme each segment was coded with (highest confidence), or ``None``.

    Rejected codings (``status == "rejected"``) and codings below
    ``min_confidence`` (when a ``confidence`` column exists) are ignored;
    sub-codes count for their theme.

    Examples
    --------
    >>> c = pd.DataFrame({"segment_id": ["a", "a", "b"], "code": ["time", "partners/health", "time"],
    ...                   "confidence": [0.6, 0.9, 0.2]})
    >>> known_themes(c, ["a", "b", "c"])
    ['partners', None, None]
    """
    c = codings.copy()
    if "status" in c:
        c = c[c["status"].astype(str) != "rejected"]
    if "confidence" in c:
        conf = pd.to_numeric(c["confidence"], errors="coerce")
        c = c.assign(_conf=conf.fillna(1.0))
        c = c[c["_conf"] >= min_confidence]
    else:
        c = c.assign(_conf=1.0)
    c = c.assign(_theme=c["code"].astype(str).str.split("/").str[0], _sid=c["segment_id"].astype(str))
    c = c.sort_values("_conf", ascending=False, kind="stable").drop_duplicates("_sid")
    best = dict(zip(c["_sid"], c["_theme"], strict=True))
    return [best.get(str(s)) for s in segment_ids]


# ---------------------------------------------------------------------- quotes
def _role_title(role) -> str:
    """The report's attribution label ("Senior", "Participant"; a study's group as written)."""
    missing = role is None or (isinstance(role, float) and np.isnan(role)) or not str(role).strip()
    return role_label("unknown" if missing else str(role))


def _shorten(text: str, max_words: int = QUOTE_MAX_WORDS) -> str:
    words = " ".join(str(text).split()).split(" ")
    return " ".join(words) if len(words) <= max_words else " ".join(words[:max_words]) + " …"


def representative_quotes(members: pd.DataFrame, *, k: int = 3) -> list[str]:
    """Up to ``k`` quotes ("Role: text") closest to the topic centre, from different people.

    ``members`` needs ``text``, ``role``, ``participant_id``, ``transcript_id``
    and ``similarity``. Turns of 8 to 60 words are preferred; a second quote
    comes from another participant (and transcript, when possible).

    Examples
    --------
    >>> m = pd.DataFrame({"text": ["one two three four five six seven eight"] * 3,
    ...                   "role": ["senior", "senior", "manager"], "participant_id": ["a", "a", "b"],
    ...                   "transcript_id": ["t", "t", "t"], "similarity": [0.9, 0.8, 0.7]})
    >>> representative_quotes(m, k=2)
    ['Senior: one two three four five six seven eight', 'Manager: one two three four five six seven eight']
    """
    if not len(members):
        return []
    m = members.assign(_n=members["text"].astype(str).map(lambda s: len(s.split())))
    m = m.assign(_ok=m["_n"].between(8, QUOTE_MAX_WORDS), _sim=m["similarity"].fillna(-1.0))
    m = m.sort_values(["_ok", "_sim"], ascending=[False, False], kind="stable")
    chosen: list[Hashable] = []
    for distinct in (("participant_id", "transcript_id"), ("participant_id",), ()):
        for idx, row in m.iterrows():
            if len(chosen) >= k:
                break
            if idx in chosen:
                continue
            if any(row[col] in set(m.loc[chosen, col]) for col in distinct):
                continue
            chosen.append(idx)
    return [f"{_role_title(m.at[i, 'role'])}: {_shorten(str(m.at[i, 'text']))}" for i in chosen]


# ---------------------------------------------------------------------- tables
def _share(num: int, den: int) -> float:
    return float(num) / den if den else np.nan


def _topic_by(assign: pd.DataFrame, topics: pd.DataFrame, by: str, columns: Sequence[str], order: Sequence[str]) -> pd.DataFrame:
    rows = []
    tot_seg = assign.groupby(by)["segment_id"].size()
    tot_part = assign.groupby(by)["participant_id"].nunique()
    for t in topics.itertuples(index=False):
        sub = assign[assign["topic_id"] == t.topic_id]
        seg = sub.groupby(by)["segment_id"].size()
        part = sub.groupby(by)["participant_id"].nunique()
        for value in order:
            ns, npart = int(seg.get(value, 0)), int(part.get(value, 0))
            rows.append(
                {
                    "topic_id": t.topic_id,
                    "label": t.label,
                    "emergent": t.emergent,
                    by: value,
                    "n_segments": ns,
                    "share_segments": _share(ns, int(tot_seg.get(value, 0))),
                    "n_participants": npart,
                    "share_participants": _share(npart, int(tot_part.get(value, 0))),
                }
            )
    if not rows:
        return schema.empty_frame(columns)
    return pd.DataFrame(rows, columns=list(columns))


def _topics_table(model: TopicModel, used: pd.DataFrame) -> pd.DataFrame:
    n_groups_all = used["transcript_id"].nunique()
    n_part_all = used["participant_id"].nunique()
    ids = list(range(model.n_topics_)) + ([-1] if (model.labels_ == -1).any() else [])
    rows = []
    for t in ids:
        members = used[used["topic_id"] == t]
        quotes = representative_quotes(members) if t >= 0 else []
        quotes += [""] * (3 - len(quotes))
        words = model.topic_words_.get(t, [])
        n_groups = members["transcript_id"].nunique()
        n_part = members["participant_id"].nunique()
        if t >= 0:
            label = model.topic_labels_[t]
            nearest, sim, emergent = model.nearest_code_[t], float(model.similarity_[t]), bool(model.emergent_[t])
        else:
            label, nearest, sim, emergent = OUTLIER_LABEL, None, np.nan, False
        rows.append(
            {
                "topic_id": t,
                "label": label,
                "size": len(members),
                "n_groups": n_groups,
                "share_groups": _share(n_groups, n_groups_all),
                "n_participants": n_part,
                "share_participants": _share(n_part, n_part_all),
                "top_words": ", ".join(words),
                "quote_1": quotes[0],
                "quote_2": quotes[1],
                "quote_3": quotes[2],
                "nearest_code": nearest,
                "similarity": sim,
                "emergent": emergent,
            }
        )
    if not rows:
        return schema.empty_frame(schema.TOPIC_COLUMNS)
    out = pd.DataFrame(rows, columns=list(schema.TOPIC_COLUMNS))
    return out.astype(
        {"topic_id": int, "size": int, "n_groups": int, "n_participants": int, "similarity": float, "emergent": bool}
    )


def select_segments(
    corpus: Corpus, *, include_facilitator: bool = False, min_content_words: int = 3
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Turns to model, with context columns, and how many were left out and why.

    Examples
    --------
    >>> c = Corpus.from_turns("t", [("F", "facilitator", "Tell me more about panels."),
    ...                             ("A", "senior", "Yeah."),
    ...                             ("B", "senior", "Panels send every plan back twice.")])
    >>> seg, counts = select_segments(c)
    >>> seg["segment_id"].tolist(), counts
    (['t:003'], {'n_segments': 3, 'n_excluded_facilitator': 1, 'n_excluded_short': 1, 'n_used': 1})
    """
    seg = corpus.segment_context()
    counts = {"n_segments": len(seg)}
    if include_facilitator:
        counts["n_excluded_facilitator"] = 0
    else:
        keep = seg["role"].astype(str) != "facilitator"
        counts["n_excluded_facilitator"] = int((~keep).sum())
        seg = seg[keep]
    substantive = seg["text"].astype(str).map(lambda t: is_substantive(t, min_content_words=min_content_words))
    counts["n_excluded_short"] = int((~substantive).sum())
    seg = seg[substantive].reset_index(drop=True)
    counts["n_used"] = len(seg)
    pid = seg["participant_id"].astype(object)
    fallback = seg["transcript_id"].astype(str) + ":" + seg["speaker"].astype(str)
    seg["participant_id"] = pid.where(pid.notna(), fallback)
    seg["authority"] = seg["authority"].astype(object).where(seg["authority"].notna(), "unknown")
    seg["role"] = seg["role"].astype(object).where(seg["role"].notna(), "unknown")
    return seg, counts


def find_topics(
    corpus: Corpus,
    *,
    codebook=None,
    codings=None,
    backend: str = "auto",
    random_state: int = 0,
    min_topic_size: int | None = None,
    embedding: str | None = None,
    max_topics: int = 30,
    match_threshold: float | None = None,
    emergent_threshold: float | None = None,
    include_facilitator: bool = False,
    min_content_words: int = 3,
    codings_min_confidence: float = 0.5,
) -> TopicResult:
    """Find codebook themes and emergent topics in ``corpus``.

    Parameters
    ----------
    corpus : Corpus
        Pseudonymise it first when quotes will be shared.
    codebook : Codebook or path, optional
        Themes turns are matched to, and codes clusters are compared with.
    codings : DataFrame or path, optional
        A codings table (``segment_id``, ``code``, optional ``confidence`` and
        ``status``); coded turns go to their theme directly.
    backend : {"auto", "light", "bertopic"}, default "auto"
    random_state : int, default 0
    min_topic_size : int, optional
        Smallest emergent topic (default: 1 in 50 clustered turns, 5 to 60).
    embedding : {None, "lsa", "sentence-transformers"}, optional
        Override the backend's embedding space.
    max_topics : int, default 30
    match_threshold, emergent_threshold : float, optional
        See :class:`~.model.TopicModel`.
    include_facilitator : bool, default False
    min_content_words : int, default 3
        Turns with fewer content words (not stop words or filler) are left out.
    codings_min_confidence : float, default 0.5

    Returns
    -------
    TopicResult
    """
    codebook = _load_codebook(codebook)
    codings = _load_codings(codings)
    seg, counts = select_segments(corpus, include_facilitator=include_facilitator, min_content_words=min_content_words)
    if not len(seg):
        raise InputError(
            f"no turns to model: {counts['n_segments']} turns, {counts['n_excluded_facilitator']} facilitator, "
            f"{counts['n_excluded_short']} shorter than {min_content_words} content words"
        )
    known = known_themes(codings, seg["segment_id"], min_confidence=codings_min_confidence) if codings is not None else None
    model = TopicModel(
        backend=backend,
        embedding=embedding,
        min_topic_size=min_topic_size,
        max_topics=max_topics,
        match_threshold=match_threshold,
        emergent_threshold=emergent_threshold,
        random_state=random_state,
    ).fit(seg["text"].astype(str).tolist(), codebook=codebook, known_codes=known)
    seg["topic_id"] = model.labels_
    seg["source"] = model.sources_
    seg["similarity"] = model.doc_similarity_
    topics = _topics_table(model, seg)
    roles = [r for r in schema.ROLES if r in set(seg["role"])] + sorted(set(seg["role"]) - set(schema.ROLES))
    authorities = sorted(set(seg["authority"].astype(str)))
    assignments = seg[list(ASSIGNMENT_COLUMNS)].copy()
    summary: dict[str, Any] = dict(counts)
    summary.update(
        backend=model.backend_,
        embedding=model.embedding_,
        n_topics=model.n_topics_,
        n_codebook_topics=model.topic_kinds_.count("codebook"),
        n_emergent=int(model.emergent_.sum()),
        n_outliers_before=int(model.n_outliers_before_),
        n_outliers=int((model.labels_ == -1).sum()),
        min_topic_size=model.min_topic_size_,
        thresholds=dict(model.thresholds_),
        random_state=random_state,
    )
    return TopicResult(
        topics=topics,
        topic_by_role=_topic_by(seg, topics, "role", TOPIC_BY_ROLE_COLUMNS, roles),
        topic_by_authority=_topic_by(seg, topics, "authority", TOPIC_BY_AUTHORITY_COLUMNS, authorities),
        assignments=assignments.reset_index(drop=True),
        summary=summary,
        model=model,
    )


#: File names :func:`write_topic_tables` writes, by table.
TABLE_FILES: dict[str, str] = {
    "topics": "topics.csv",
    "topic_by_role": "topic_by_role.csv",
    "topic_by_authority": "topic_by_authority.csv",
    "assignments": "topic_assignments.csv",
}


def write_topic_tables(result: TopicResult, out_dir: str | os.PathLike, *, decimals: int = 3) -> list:
    """Write the four tables of ``result`` as CSV files in ``out_dir``.

    Shares and similarities are rounded to ``decimals`` here, at export.
    Existing files of the same names are replaced; nothing else is touched.

    Returns
    -------
    list of pathlib.Path
    """
    from pathlib import Path

    from ..safe_tables import write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for attr, name in TABLE_FILES.items():
        frame = getattr(result, attr).copy()
        for col in ("share_groups", "share_participants", "share_segments", "similarity"):
            if col in frame:
                frame[col] = frame[col].astype(float).round(decimals)
        path = out / name
        write_csv(frame, path)
        paths.append(path)
    return paths
