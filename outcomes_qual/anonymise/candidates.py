"""Candidate names for a person to review before pseudonymising.

No model and no downloaded name list: a word is a candidate when it is
capitalised where an ordinary word would not be. The reasons reported are

- ``capitalised``: a capitalised word that is not a function, conversational
  or domain word (see :mod:`~outcomes_qual.anonymise.wordlists`); at the
  start of a sentence it also must never appear in lower case in the corpus;
- ``capitalised pair``: two such words in a row (``Megan Jones``, ``Cwm Eithin``);
- ``title``: Mr, Mrs, Ms, Miss, Dr... followed by a capitalised word;
- ``speaker label`` / ``roster`` / ``speakers header``: participants' names;
- ``recurs in N turns``: the candidate appears in more than one turn;
- ``part of a participant's name``: a first name or surname of a participant;
- ``only at sentence start``: never seen capitalised mid-sentence (listed last:
  often an ordinary word);
- ``listed``: it is already in the names list.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> c = Corpus.from_turns("fg1", [
...     ("Ann", "practitioner", "Well, Megan lives in Cwm Eithin with Mrs Pugh."),
...     ("Bob", "senior", "Megan's fine. Honestly it works."),
... ])
>>> find_candidates(c)[["candidate", "count", "n_turns", "category_guess"]].values.tolist()
[['Ann', 0, 0, 'participant'], ['Bob', 0, 0, 'participant'], ['Megan', 2, 2, 'person'], ['Cwm', 1, 1, 'place'], ['Cwm
Eithin', 1, 1, 'place'], ['Eithin', 1, 1, 'unknown'], ['Mrs Pugh', 1, 1, 'person'], ['Pugh', 1, 1, 'person']]
"""

from __future__ import annotations

import bisect
import logging
import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from ..corpus import Corpus
from .names import NameMatcher, is_generic_label, is_initials, name_key, names_frame, split_label
from .pseudonymise import NAME_COLUMNS, _header_text, parse_speakers_header
from .wordlists import (
    GENERIC_LABEL_WORDS,
    HEADER_WORDS,
    is_common_word,
    is_domain_word,
    is_stop_word,
    is_title,
)

logger = logging.getLogger(__name__)

#: Columns of the candidates table, in order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "candidate",
    "count",
    "n_turns",
    "n_transcripts",
    "category_guess",
    "reasons",
    "listed",
    "example",
)

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_END = set('\n.!?…:;"“‘([{–—•*')
_SUFFIXES = ("ly", "ness", "ment", "tion", "sion", "ful", "less", "ous", "ive", "able", "ible", "ing", "ed")
_PERSON_BEFORE = {
    "with",
    "called",
    "named",
    "told",
    "asked",
    "tell",
    "ask",
    "and",
    "son",
    "daughter",
    "mum",
    "mam",
    "dad",
    "husband",
    "wife",
    "brother",
    "sister",
    "partner",
    "nan",
    "gran",
    "grandson",
    "granddaughter",
    "neighbour",
    "carer",
    "friend",
    "for",
    "like",
    "visit",
    "visited",
    "saw",
    "see",
    "met",
    "meet",
}
_PERSON_AFTER = {"said", "says", "told", "asked", "was", "is", "has", "had", "who", "wants", "wanted"}
_PLACE_BEFORE = {"in", "at", "from", "near", "around", "across", "outside", "towards", "via"}
_PLACE_AFTER = {
    "council",
    "school",
    "hospital",
    "road",
    "street",
    "lane",
    "avenue",
    "close",
    "estate",
    "park",
    "centre",
    "surgery",
    "ward",
    "house",
    "court",
    "primary",
    "comprehensive",
    "college",
    "library",
    "chapel",
    "church",
    "valley",
    "village",
    "town",
    "county",
    "borough",
    "office",
    "team",
    "hub",
}


def _is_cap(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def _strip_possessive(word: str) -> str:
    if len(word) > 3 and word[-2:] in ("'s", "’s"):
        return word[:-2]
    return word


def _non_name(word: str) -> bool:
    if "-" in word:
        return any(_non_name(part) or is_common_word(part) for part in word.split("-") if part)
    return (
        is_stop_word(word)
        or is_domain_word(word)
        or is_title(word)
        or word.casefold() in GENERIC_LABEL_WORDS
        or word.casefold() in HEADER_WORDS
        or "'" in word
        or "’" in word
    )


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0:
        return True
    if text[i] == ".":
        # "Dr. Rhys", "J. Smith": a dot after a title or an initial does not end a sentence
        j = i
        while j > 0 and (text[j - 1].isalpha()):
            j -= 1
        before = text[j:i]
        if is_title(before) or (len(before) == 1 and before.isupper()):
            return False
    return text[i] in _SENTENCE_END


def _roster_names(roster) -> list[tuple[str, str]]:
    """Return ``(name, reason)`` pairs from a roster path or DataFrame."""
    if roster is None:
        return []
    if isinstance(roster, (str, os.PathLike)):
        from ..safe_tables import read_csv

        frame = read_csv(Path(roster), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        frame = roster
    frame = frame.rename(columns={c: str(c).strip().casefold() for c in frame.columns})
    out = []
    for col in ("speaker",) + NAME_COLUMNS:
        if col in frame.columns:
            for value in frame[col].dropna().astype(str):
                if value.strip() and not is_generic_label(value):
                    out.append((value.strip(), "roster"))
    return out


def find_candidates(corpus: Corpus, *, roster=None, names=None) -> pd.DataFrame:
    """List words and word pairs that may be names, with counts and context, for review.

    Parameters
    ----------
    corpus : Corpus
        Read as it is (transcript texts, including any ``SPEAKERS:`` header
        and speaker labels the reader kept in the text).
    roster : str, path-like or pandas.DataFrame, optional
        A roster whose ``speaker`` (and ``name``-like) columns list participants.
    names : str, path-like, pandas.DataFrame or list of str, optional
        The names list so far: matching candidates get ``listed=True``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CANDIDATE_COLUMNS`, participants first, then by count.
        ``count`` counts capitalised occurrences in the texts; ``n_turns`` the
        turns (segments) they fall in; ``example`` shows the first occurrence
        in context, with the name in place (the table is for internal review).

    Examples
    --------
    >>> from outcomes_qual.corpus import Corpus
    >>> c = Corpus.from_turns("i1", [("Facilitator", "facilitator", "Tell me about Dr Rhys.")])
    >>> find_candidates(c)[["candidate", "reasons"]].values.tolist()
    [['Dr Rhys', 'title'], ['Rhys', 'capitalised']]
    """
    lowercase: set[str] = set()
    for text in corpus.texts.values():
        for m in _WORD.finditer(text):
            w = m.group(0)
            if w.islower():
                lowercase.add(_strip_possessive(w).casefold())

    # key -> stats
    count: Counter = Counter()
    turns: dict[str, set] = defaultdict(set)
    tids: dict[str, set] = defaultdict(set)
    reasons: dict[str, set] = defaultdict(set)
    forms: dict[str, Counter] = defaultdict(Counter)
    example: dict[str, str] = {}
    cues: dict[str, Counter] = defaultdict(Counter)
    mid_sentence: set[str] = set()

    seg = corpus.segments
    for tid, text in corpus.texts.items():
        t_seg = seg[seg["transcript_id"] == tid].sort_values("start_char")
        starts = t_seg["start_char"].astype(int).tolist()
        ends = t_seg["end_char"].astype(int).tolist()
        ids = t_seg["segment_id"].tolist()

        # the closures below are called only within this transcript's iteration; its values are bound here
        def segment_at(pos: int, starts: list[int] = starts, ends: list[int] = ends, ids: list = ids):
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0 and pos < ends[i]:
                return ids[i]
            return None

        tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        qualified: list[bool] = []
        for start, _end, word in tokens:
            base = _strip_possessive(word)
            ok = False
            if _is_cap(base) and len(base) > 1 and not _non_name(base):
                if _sentence_initial(text, start):
                    ok = not is_common_word(base) and base.casefold() not in lowercase and not base.casefold().endswith(_SUFFIXES)
                else:
                    ok = not is_common_word(base)
            qualified.append(ok)

        def record(
            key: str, form: str, start: int, end: int, reason: str, prev: str, nxt: str, tid: str = tid, text: str = text
        ) -> None:
            count[key] += 1
            sid = segment_at(start)
            if sid is not None:
                turns[key].add(sid)
            tids[key].add(tid)
            reasons[key].add(reason)
            forms[key][form] += 1
            if key not in example:
                a, b = max(0, start - 40), min(len(text), end + 40)
                snippet = " ".join(text[a:b].split())
                example[key] = ("…" if a > 0 else "") + snippet + ("…" if b < len(text) else "")
            p, n = prev.casefold(), nxt.casefold()
            if reason == "title" or is_title(prev) or p in _PERSON_BEFORE or n in _PERSON_AFTER:
                cues[key]["person"] += 1
            if p in _PLACE_BEFORE or n in _PLACE_AFTER:
                cues[key]["place"] += 1

        for i, (start, end, word) in enumerate(tokens):
            prev = tokens[i - 1][2] if i > 0 else ""
            nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
            base = _strip_possessive(word)
            if qualified[i]:
                poss = base != word
                if not _sentence_initial(text, start):
                    mid_sentence.add(name_key(base))
                record(name_key(base), base, start, start + len(base), "capitalised", prev, "'s" if poss else nxt)
                if poss:
                    cues[name_key(base)]["person"] += 1
            # a pair: two qualifying capitalised words separated by one space
            if (
                i + 1 < len(tokens)
                and word == base
                and qualified[i]
                and qualified[i + 1]
                and text[end : tokens[i + 1][0]] in (" ", "\t")
            ):
                nbase = _strip_possessive(tokens[i + 1][2])
                pair = f"{word} {nbase}"
                after = tokens[i + 2][2] if i + 2 < len(tokens) else ""
                record(name_key(pair), pair, start, tokens[i + 1][0] + len(nbase), "capitalised pair", prev, after)
                mid_sentence.add(name_key(pair))
            # a title and a capitalised word
            if (
                is_title(word)
                and _is_cap(word)
                and i + 1 < len(tokens)
                and re.fullmatch(r"\.?[ \t]+", text[end : tokens[i + 1][0]])
                and _is_cap(tokens[i + 1][2])
                and not _non_name(_strip_possessive(tokens[i + 1][2]))
            ):
                nbase = _strip_possessive(tokens[i + 1][2])
                pair = f"{word.rstrip('.')} {nbase}"
                record(name_key(pair), pair, start, tokens[i + 1][0] + len(nbase), "title", prev, nxt)
                mid_sentence.add(name_key(pair))

    # participants: speaker labels, roster name columns, SPEAKERS headers, a roster
    people: list[tuple[str, str, str | None]] = []
    for row in corpus.participants.to_dict("records"):
        speaker = str(row.get("speaker", ""))
        if speaker and not is_generic_label(speaker):
            people.append((speaker.strip("()[]") if is_initials(speaker) else speaker, "speaker label", row.get("transcript_id")))
        for col in NAME_COLUMNS:
            value = row.get(col)
            if isinstance(value, str) and value.strip():
                people.append((value.strip(), "roster", row.get("transcript_id")))
    for speaker in corpus.segments["speaker"].dropna().astype(str).unique():
        if speaker and not is_generic_label(speaker):
            people.append((speaker.strip("()[]") if is_initials(speaker) else speaker, "speaker label", None))
    for tid in corpus.texts:
        for initials, full in parse_speakers_header(_header_text(corpus, tid)):
            people.append((full, "speakers header", tid))
            people.append((initials, "speakers header", tid))
    for name, reason in _roster_names(roster):
        people.append((name, reason, None))

    participant_keys: set[str] = set()
    part_of_participant: set[str] = set()
    for name, reason, person_tid in people:
        key = name if is_initials(name) else name_key(name)
        parts = [t for t in split_label(name) if not is_title(t)]
        if len(parts) > 1:
            part_of_participant.update(name_key(t) for t in parts)
        participant_keys.add(key)
        reasons[key].add(reason)
        forms[key][name] += 1
        if person_tid is not None:
            tids[key].add(person_tid)
    for key in participant_keys - set(count):
        # count occurrences of the participant's name in the texts
        name = forms[key].most_common(1)[0][0]
        matcher = NameMatcher([(name, "", {"full_only": True})])
        for tid, text in corpus.texts.items():
            for start, end, _matched, _, _ in matcher.finditer(text):
                count[key] += 1
                tids[key].add(tid)
                if key not in example:
                    a, b = max(0, start - 40), min(len(text), end + 40)
                    example[key] = " ".join(text[a:b].split())

    authority_keys: set[str] = set()
    for frame_ in (corpus.transcripts, corpus.participants):
        for col in ("authority", "department"):
            if col in frame_.columns:
                for value in frame_[col].dropna().astype(str):
                    if value.strip():
                        authority_keys.add(name_key(value))
    listed_keys: set[str] = set()
    frame = names_frame(names)
    for n in frame["name"]:
        parts = split_label(n)
        listed_keys.add(name_key(n))
        listed_keys.add(name_key(" ".join(t for t in parts if not is_title(t))))

    rows = []
    for key in set(count) | participant_keys:
        n_turns = len(turns.get(key, ()))
        why = set(reasons[key])
        if n_turns >= 2:
            why.add(f"recurs in {n_turns} turns")
        listed = key in listed_keys
        if listed:
            why.add("listed")
        if key in part_of_participant and key not in participant_keys:
            why.add("part of a participant's name")
        if key in authority_keys:
            why.add("authority or department")
        if (
            key in count
            and key not in mid_sentence
            and key not in participant_keys
            and key not in part_of_participant
            and not listed
        ):
            why.add("only at sentence start")
        if key in participant_keys or key in part_of_participant:
            guess = "participant"
        elif key in authority_keys:
            guess = "place"
        else:
            c = cues.get(key, Counter())
            guess = "place" if c["place"] > c["person"] else "person" if c["person"] else "unknown"
        order = [
            "speaker label",
            "roster",
            "speakers header",
            "part of a participant's name",
            "authority or department",
            "title",
            "capitalised pair",
            "capitalised",
            "only at sentence start",
            "listed",
        ]
        why_sorted = [r for r in order if r in why] + sorted(r for r in why if r not in order)
        rows.append(
            {
                "candidate": forms[key].most_common(1)[0][0],
                "count": int(count.get(key, 0)),
                "n_turns": n_turns,
                "n_transcripts": len(tids.get(key, ())),
                "category_guess": guess,
                "reasons": "; ".join(why_sorted),
                "listed": listed,
                "example": example.get(key, ""),
            }
        )
    out = pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
    if not len(out):
        return out
    # participants first, then likely names, then words seen only at the start of a sentence
    out["_p"] = (out["category_guess"] != "participant").astype(int) + out["reasons"].str.contains(
        "only at sentence start", regex=False
    ).astype(int)
    out["_c"] = -out["count"]
    out = out.sort_values(["_p", "_c", "candidate"], kind="stable").drop(columns=["_p", "_c"])
    return out.reset_index(drop=True)
