"""Stable pseudonymisation of a corpus with correct offsets.

:func:`pseudonymise_corpus` always replaces participants' names (speaker
labels, roster name columns, names in a transcript's ``SPEAKERS:`` header)
and any third-party names the user lists. The same person gets the same
pseudonym in every turn and every transcript: a participant becomes
``[Practitioner P03]`` in text and ``P03`` in the speaker column; a listed
name becomes the user's replacement or ``[Child 1]``, ``[Parent 1]``... by
category. The result is a new corpus whose texts and offsets are recomputed,
so ``corpus.check()`` holds; the input corpus is never changed. The mapping
back to real names is returned separately and must never be exported.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns("fg1", [
...     ("Facilitator", "facilitator", "Ann, what changed for Llŷr?"),
...     ("Ann", "practitioner", "Llyr's mum Megan asked for it."),
... ])
>>> anon, mapping = pseudonymise_corpus(corpus, names=["Llŷr", "Megan"])
>>> anon.segments["text"].tolist()
['[Practitioner P02], what changed for [Person 1]?', "[Person 1]'s mum [Person 2] asked for it."]
>>> anon.segments["speaker"].tolist()
['P01', 'P02']
>>> anon.check()
>>> mapping[["original", "replacement", "n_replaced"]].values.tolist()
[['Facilitator', '[Facilitator P01]', 0], ['Ann', '[Practitioner P02]', 1], ['Llŷr', '[Person 1]', 2], ['Megan', '[Person 2]', 1]]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import schema
from ..corpus import Corpus
from .names import NameMatcher, is_generic_label, is_initials, name_key, names_frame, split_label
from .wordlists import is_title

logger = logging.getLogger(__name__)

#: Columns of the mapping table, in order.
MAPPING_COLUMNS: tuple[str, ...] = (
    "original",
    "replacement",
    "category",
    "source",
    "transcript_id",
    "participant_id",
    "pseudonym_id",
    "n_replaced",
)

#: Roster columns that hold a participant's real name (replaced by the pseudonym id).
NAME_COLUMNS: tuple[str, ...] = ("name", "full_name", "first_name", "surname", "last_name", "real_name", "speaker_name")

#: How each role is written in a pseudonym.
ROLE_LABELS: dict[str, str] = {
    "practitioner": "Practitioner",
    "senior": "Senior",
    "manager": "Manager",
    "mentor": "Mentor",
    "facilitator": "Facilitator",
    "other": "Participant",
    "unknown": "Participant",
}

_HEADER_PAREN = re.compile(r"([^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,3})[ \t]*\(([A-Z]{1,3})\)")
_HEADER_EQ = re.compile(
    r"(?m)(?:^|[,;:][ \t]*)([A-Z]{1,3})[ \t]*(?:=|–|-|:)[ \t]*([^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*){0,3})"
)


def parse_speakers_header(text: str) -> list[tuple[str, str]]:
    r"""Return ``(initials, full name)`` pairs from a ``SPEAKERS:`` header.

    Understands ``Full Name (XX), job...`` and ``XX = Full Name`` (or ``XX - ``,
    ``XX: ``), one or more per line.

    Examples
    --------
    >>> parse_speakers_header("SPEAKERS: Ann Bell (AB), Lead\nCD = Carys Dee\n")
    [('AB', 'Ann Bell'), ('CD', 'Carys Dee')]
    """
    pairs: list[tuple[str, str]] = []
    for m in _HEADER_PAREN.finditer(text):
        tokens = m.group(1).split()
        while tokens and tokens[0].rstrip(":").casefold() in {"speakers", "speaker", "present", "attendees"}:
            tokens = tokens[1:]
        if tokens:
            pairs.append((m.group(2), " ".join(tokens)))
    for m in _HEADER_EQ.finditer(text):
        name = m.group(2).strip()
        if name and not any(p[0] == m.group(1) for p in pairs):
            pairs.append((m.group(1), name))
    return pairs


@dataclass
class _Entity:
    original: str
    replacement: str
    category: str
    source: str
    transcript_id: str | None = None
    participant_id: str | None = None
    pseudonym_id: str | None = None
    names: list[str] = field(default_factory=list)
    n_replaced: int = 0
    person: bool = True


def _header_text(corpus: Corpus, transcript_id: str) -> str:
    text = corpus.texts.get(transcript_id, "")
    seg = corpus.segments[corpus.segments["transcript_id"] == transcript_id]
    if not len(seg):
        return text
    return text[: int(seg["start_char"].min())]


def _is_safe_id(pid: str, tokens: Iterable[str]) -> bool:
    low = pid.casefold()
    for token in tokens:
        if is_initials(token):
            if re.search(rf"(?<![A-Z]){re.escape(token)}(?![A-Z])", pid):
                return False
        elif len(token) >= 3 and name_key(token) in name_key(low):
            return False
    return True


def _label(value) -> str:
    """A speaker label as text; ``""`` when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _looks_like_id(pid: str) -> bool:
    return len(pid) <= 12 and any(c.isdigit() for c in pid) and not any(c.isspace() for c in pid)


def _participant_entities(corpus: Corpus) -> list[_Entity]:
    """One entity per (transcript, speaker), with pseudonym ids stable per participant_id."""
    part = corpus.participants
    seg = corpus.segments
    records: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for row in part.to_dict("records"):
        key = (str(row["transcript_id"]), str(row["speaker"]))
        if key in seen:
            continue
        seen.add(key)
        records.append(row)
    for row in seg.drop_duplicates(["transcript_id", "speaker"]).to_dict("records"):
        key = (str(row["transcript_id"]), str(row["speaker"]))
        if key not in seen:
            seen.add(key)
            records.append(
                {
                    "transcript_id": row["transcript_id"],
                    "speaker": row["speaker"],
                    "participant_id": row["participant_id"],
                    "role": row["role"],
                }
            )

    headers = {tid: parse_speakers_header(_header_text(corpus, tid)) for tid in corpus.texts}
    # every name token of every participant, to tell whether a participant_id is safe to show
    all_tokens: set[str] = set()
    for row in records:
        for col in ("speaker",) + NAME_COLUMNS:
            value = row.get(col)
            if isinstance(value, str) and value.strip() and (col != "speaker" or not is_generic_label(value)):
                all_tokens.update(value.strip("()[]").split() if is_initials(value) else split_label(value))
    for pairs in headers.values():
        for initials, full in pairs:
            all_tokens.add(initials)
            all_tokens.update(split_label(full))

    pid_map: dict[str, str] = {}
    used = {str(r.get("participant_id")) for r in records}
    counter = 0

    def allocate() -> str:
        nonlocal counter
        width = 2 if len(records) < 100 else 3
        while True:
            counter += 1
            candidate = f"P{counter:0{width}d}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    entities = []
    for row in records:
        tid = str(row["transcript_id"])
        speaker = _label(row["speaker"])
        pid = _label(row.get("participant_id")) or None
        id_key = pid if pid is not None else f"{tid}\x00{speaker}"
        if id_key not in pid_map:
            pid_map[id_key] = pid if pid and _looks_like_id(pid) and _is_safe_id(pid, all_tokens) else allocate()
        pseudo = pid_map[id_key]
        role = str(row.get("role") or "unknown")
        label = ROLE_LABELS.get(role, "Participant")
        names: list[str] = []
        if speaker and not is_generic_label(speaker):
            names.append(speaker)
        for col in NAME_COLUMNS:
            value = row.get(col)
            if isinstance(value, str) and value.strip():
                names.append(value.strip())
        bare = speaker.strip().strip("()[]")
        for initials, full in headers.get(tid, []):
            if initials == bare or any(name_key(full) == name_key(n) for n in names):
                names.extend([full, initials])
        names = list(dict.fromkeys(names))
        entities.append(_Entity(speaker, f"[{label} {pseudo}]", "participant", "speaker", tid, pid, pseudo, names))
    # header names that match no speaker are still people in that transcript
    counters: dict[str, int] = {}
    for tid, pairs in headers.items():
        known = {name_key(n) for e in entities if e.transcript_id == tid for n in e.names}
        for initials, full in pairs:
            if name_key(full) in known:
                continue
            counters["speaker"] = counters.get("speaker", 0) + 1
            entities.append(
                _Entity(full, f"[Speaker {counters['speaker']}]", "speaker", "header", tid, None, None, [full, initials])
            )
            known.add(name_key(full))
    return entities


#: Categories (or words in a replacement) that name places and organisations, not people:
#: only the full name is matched, without first-word, last-word or title forms.
PLACE_WORDS: frozenset[str] = frozenset(
    """place places school schools organisation organisations organization organizations org address
    street road town village city area estate hospital surgery clinic business employer company
    church chapel club venue care_home location""".split()
)


def is_place_category(category: str | None, replacement: str | None = "") -> bool:
    """Return True when a category (or, without one, a replacement such as ``[School 1]``) names a place.

    Examples
    --------
    >>> is_place_category("place"), is_place_category("", "[School 1]"), is_place_category("child")
    (True, True, False)
    >>> is_place_category("", "[Service user 1]"), is_place_category("service_user")
    (False, False)
    """
    category = str(category or "").strip().casefold()
    if category:
        return category.replace(" ", "_") in PLACE_WORDS
    words = re.findall(r"[^\W\d_]+", str(replacement or "").casefold())
    return bool(words) and words[0] in PLACE_WORDS


def category_label(category: str) -> str:
    """Return how a category is written in a replacement: ``service_user`` -> ``Service user``.

    Examples
    --------
    >>> category_label("young_person"), category_label("CHILD")
    ('Young person', 'Child')
    """
    words = category.replace("_", " ").split() or ["person"]
    return " ".join([words[0].capitalize()] + [w.lower() for w in words[1:]])


def _listed_entities(names) -> list[_Entity]:
    frame = names_frame(names)
    entities: list[_Entity] = []
    taken = {str(r).strip().casefold() for r in frame["replacement"] if str(r).strip()}
    numbers: dict[str, int] = {}
    claimed: dict[str, _Entity] = {}
    for row in frame.to_dict("records"):
        name = row["name"]
        replacement = str(row.get("replacement") or "").strip()
        given = str(row.get("category") or "").strip()
        category = given or ("" if replacement else "person")
        key = name_key(name)
        if not replacement and key in claimed and claimed[key].category.casefold() == category.casefold():
            replacement = claimed[key].replacement
        if not replacement:
            label = category_label(category or "person")
            while True:
                numbers[label] = numbers.get(label, 0) + 1
                replacement = f"[{label} {numbers[label]}]"
                if replacement.casefold() not in taken:
                    break
            taken.add(replacement.casefold())
        entity = _Entity(name, replacement, category, "names", None, None, None, [name])
        entity.person = not is_place_category(given, replacement)
        entities.append(entity)
        tokens = [t for t in split_label(name) if not is_title(t)]
        for k in [key] + ([name_key(tokens[0]), name_key(tokens[-1])] if len(tokens) > 1 else []):
            claimed.setdefault(k, entity)
    return entities


def _chunks(text: str, bounds: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def pseudonymise_corpus(corpus: Corpus, *, names=None) -> tuple[Corpus, pd.DataFrame]:
    """Return a pseudonymised copy of ``corpus`` and the mapping back to real names.

    Parameters
    ----------
    corpus : Corpus
        Left unchanged.
    names : str, path-like, pandas.DataFrame, list of str or None
        Third-party names to replace as well: a names CSV (see
        :func:`~outcomes_qual.anonymise.read_names`), a DataFrame with a
        ``name`` column (and ``replacement``/``category``), or a list of names.
        Participants' names are replaced whether or not ``names`` is given.

    Returns
    -------
    corpus : Corpus
        Same transcripts and segment ids; text with names replaced; offsets
        recomputed so ``corpus.check()`` holds; ``speaker`` (and
        ``participant_id`` where it contained a name) replaced by a pseudonym id.
    mapping : pandas.DataFrame
        Columns :data:`MAPPING_COLUMNS`, one row per person or place: the real
        name, its replacement and how many times it was replaced. Sensitive:
        keep it with the project, never in an export.

    Examples
    --------
    >>> from outcomes_qual.corpus import Corpus
    >>> c = Corpus.from_turns("i1", [("Siân Hughes", "senior", "I'm Siân; Mrs Hughes to the kids.")])
    >>> anon, _ = pseudonymise_corpus(c)
    >>> anon.texts["i1"], anon.participants["participant_id"].tolist()
    ("I'm [Senior P01]; [Senior P01] to the kids.", ['P01'])
    """
    participants = _participant_entities(corpus)
    listed = _listed_entities(names)
    entities = participants + listed
    for e in entities:
        e.n_replaced = 0

    by_tid: dict[str, list[int]] = {}
    for i, e in enumerate(participants):
        by_tid.setdefault(str(e.transcript_id), []).append(i)
    listed_idx = list(range(len(participants), len(entities)))

    seg = corpus.segments.copy()
    new_texts: dict[str, str] = {}
    new_start = np.zeros(len(seg), dtype=np.int64)
    new_end = np.zeros(len(seg), dtype=np.int64)
    positions = {tid: np.flatnonzero((seg["transcript_id"].astype(str) == str(tid)).to_numpy()) for tid in corpus.texts}
    starts = seg["start_char"].to_numpy()
    ends = seg["end_char"].to_numpy()
    for tid, text in corpus.texts.items():
        own = by_tid.get(str(tid), [])
        others = [i for i in range(len(participants)) if i not in set(own)]
        entries = []
        for i in own + listed_idx + others:
            for n in entities[i].names:
                entries.append((n, entities[i].replacement, {"tag": i, "person": entities[i].person}))
        matcher = NameMatcher(entries)
        rows = positions.get(tid, np.array([], dtype=int))
        bounds = sorted({0, len(text)} | {int(starts[r]) for r in rows} | {int(ends[r]) for r in rows})
        new_pos = {0: 0}
        out = []
        pos = 0
        for a, b in _chunks(text, bounds):
            piece, found = matcher.sub(text[a:b])
            for _, _, tag in found:
                entities[tag].n_replaced += 1
            out.append(piece)
            pos += len(piece)
            new_pos[b] = pos
        new_text = "".join(out)
        new_texts[tid] = new_text
        for r in rows:
            new_start[r] = new_pos[int(starts[r])]
            new_end[r] = new_pos[int(ends[r])]

    seg["start_char"] = new_start
    seg["end_char"] = new_end
    seg["text"] = [new_texts[str(t)][a:b] for t, a, b in zip(seg["transcript_id"], new_start, new_end, strict=True)]

    speaker_map = {(e.transcript_id, e.original): e.pseudonym_id for e in participants if e.original}
    pid_map = {e.participant_id: e.pseudonym_id for e in participants if e.participant_id is not None}
    seg["speaker"] = [speaker_map.get((str(t), str(s)), s) for t, s in zip(seg["transcript_id"], seg["speaker"], strict=True)]
    seg["participant_id"] = [pid_map.get(p, p) if isinstance(p, str) else p for p in seg["participant_id"]]

    part = corpus.participants.copy()
    if len(part):
        part["speaker"] = [
            speaker_map.get((str(t), str(s)), s) for t, s in zip(part["transcript_id"], part["speaker"], strict=True)
        ]
        part["participant_id"] = [pid_map.get(p, p) if isinstance(p, str) else p for p in part["participant_id"]]
        for col in NAME_COLUMNS:
            if col in part.columns:
                part[col] = part["participant_id"]
        # free-text roster columns (notes, team...) may mention people too
        extra = [c for c in part.columns if c not in schema.PARTICIPANT_COLUMNS and c not in NAME_COLUMNS]
        if extra:
            everyone = NameMatcher([(n, e.replacement, {"person": e.person}) for e in entities for n in e.names])
            for col in extra:
                part[col] = [everyone.sub(v)[0] if isinstance(v, str) else v for v in part[col]]

    anon = Corpus(corpus.transcripts.copy(), part, seg, new_texts, list(corpus.problems))
    _warn_names_in_ids(anon, entities)
    mapping = pd.DataFrame(
        [
            {
                "original": e.original,
                "replacement": e.replacement,
                "category": e.category,
                "source": e.source,
                "transcript_id": e.transcript_id,
                "participant_id": e.participant_id,
                "pseudonym_id": e.pseudonym_id,
                "n_replaced": e.n_replaced,
            }
            for e in entities
        ],
        columns=list(MAPPING_COLUMNS),
    )
    logger.info("pseudonymised %d names (%d replacements)", len(entities), int(mapping["n_replaced"].sum()))
    return anon, mapping


def _warn_names_in_ids(corpus: Corpus, entities: list[_Entity]) -> None:
    matcher = NameMatcher([(n, e.replacement) for e in entities for n in e.names])
    if not matcher:
        return
    for col in ("transcript_id", "source_path"):
        for value in corpus.transcripts[col].dropna().astype(str):
            spaced = re.sub(r"[_\W\d]+", " ", value)
            if any(True for _ in matcher.finditer(spaced)):
                logger.warning("transcript %s %r contains a name; rename the file before sharing outputs", col, value)


def pseudonymise_text(text: str, names) -> str:
    """Replace the listed ``names`` in one string (no participants involved).

    Examples
    --------
    >>> pseudonymise_text("Megan and MEGAN's brother", [ "Megan"])
    "[Person 1] and [Person 1]'s brother"
    """
    entities = _listed_entities(names)
    matcher = NameMatcher([(n, e.replacement, {"person": e.person}) for e in entities for n in e.names])
    return matcher.sub(text)[0]
