"""Read a REFI-QDA project (``.qdpx``) written by NVivo, ATLAS.ti, MAXQDA, QualCoder or this toolkit.

The archive is checked before anything is read (see
:mod:`outcomes_qual.interop._safezip`), the XML is parsed without DTDs or
entities, and every reference is resolved before a result is returned: an
unsafe or broken archive raises :class:`~outcomes_qual.errors.InputError`
and nothing is produced, so a caller that writes only after a successful
import never writes a partial project.

What is kept:

* text sources (``plainTextPath`` as ``internal://`` or ``relative://``, or
  inline ``PlainTextContent``; a PDF's text representation), decoded with
  any BOM stripped and normalised (NFC, LF) with positions re-based;
* turns: the selections a ``Case`` refers to (how this toolkit exports
  them), else speaker-labelled lines, else one turn per line;
* participants from cases and their typed variables (role, authority,
  department, method, and any other variable as an extra column); a study's
  own groups ranked in ``role_order`` as the cases name them, unless the
  project carries that variable (as this toolkit's exports do);
* the codebook (nested, or flat with ``a.b``/``a::b`` names);
* codings, mapped to the turns they overlap; a selection covering part of a
  turn is kept as a span (``start_char``/``end_char``), one covering the
  whole turn as a turn coding;
* notes as memos on codes, transcripts, segments or the project.

The XML is read into plain records by :mod:`outcomes_qual.interop._qdpx_read`;
this module builds the corpus, codings and memos from them.

What is skipped is listed in :attr:`QdpxImport.skipped`: picture, audio and
video sources, PDF regions, codings of a whole source or case, empty
selections, sources whose text is not in the archive.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..codebook import Codebook
from ..corpus import Corpus, make_segment_id
from ..errors import InputError
from ..ingest.roles import group_order, normalise_role, study_role
from ._qdpx_read import Reader, Selection, Source
from ._safezip import Limits, SafeZip
from ._turns import find_turns, is_facilitator_label
from ._xml import ORIGIN, canonical_guid, child, children, iter_local, local, parse_xml, unique_name
from .qdc import codebook_from_root

logger = logging.getLogger(__name__)

#: Columns of :attr:`QdpxImport.memos`.
MEMO_COLUMNS: tuple[str, ...] = ("target_type", "target_id", "text", "author", "created_at")
#: Columns of :attr:`QdpxImport.codings`.
IMPORT_CODING_COLUMNS: tuple[str, ...] = schema.CODING_COLUMNS + schema.CODING_EXTRA_COLUMNS

_STANDARD_ATTRS = ("role", "authority", "department", "method")
_TRANSCRIPT_ATTRS = ("method", "authority", "department", "date")


@dataclass
class QdpxImport:
    """The result of :func:`import_qdpx`.

    Attributes
    ----------
    corpus : Corpus
    codings : pandas.DataFrame
        Columns :data:`IMPORT_CODING_COLUMNS`; method ``manual``, status
        ``accepted``; ``start_char``/``end_char`` set only for part of a turn.
    codebook : Codebook
    memos : pandas.DataFrame
        Columns :data:`MEMO_COLUMNS`.
    skipped : list of str
        What could not be kept, one message each.
    users : list of str
        User names in the project.
    origin : str
        The ``origin`` attribute (the tool that wrote the project).
    """

    corpus: Corpus
    codings: pd.DataFrame
    codebook: Codebook
    memos: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    origin: str = ""


_TURN_DESC = re.compile(r"^Turn \d+ \(")
_PARTICIPANT_NOTE = re.compile(r"^Memo on participant (.+)$")
_TURN_TIMES = re.compile(r"^Turn \d+ \(.*\), (\d+(?:\.\d+)?)-(\d+(?:\.\d+)?) s$")
_TURN_QUESTION = re.compile(r"^Question (\S+): (.*)$", re.S)


def _overlapping(rows: list[dict], start: int, end: int) -> list[dict]:
    """Turns (sorted, not overlapping) that overlap ``[start, end)``."""
    ends = [r["end_char"] for r in rows]
    i = bisect.bisect_right(ends, start)
    out = []
    while i < len(rows) and rows[i]["start_char"] < end:
        if start < rows[i]["end_char"]:
            out.append(rows[i])
        i += 1
    return out


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _norm_role(value: object, *, from_case: bool = True) -> tuple[str, str | None]:
    """(role, the value as written when the role differs from it).

    A case's ``role`` variable is read as a roster's role is
    (:func:`~outcomes_qual.ingest.roles.study_role`): a social-care role the
    built-in vocabulary knows maps to it ("Team leader" -> ``manager``), any
    other is the study's own group, kept as written ("R1 faculty"). A role
    named in a speaker label (``Sam (manager):``) is read as the text readers
    read one (:func:`~outcomes_qual.ingest.roles.normalise_role`).

    Examples
    --------
    >>> _norm_role("R1 faculty"), _norm_role("Team leader"), _norm_role("Senior")
    (('R1 faculty', None), ('manager', 'Team leader'), ('senior', None))
    >>> _norm_role("via phone", from_case=False), _norm_role(None)
    (('other', 'via phone'), ('unknown', None))
    """
    if _missing(value) or not str(value).strip():
        return "unknown", None
    written = " ".join(str(value).split())
    role = study_role(written) if from_case else normalise_role(written)
    return role, (None if role.casefold() == written.casefold() else written)


def _group_ranks(cases: list[dict[str, Any]], part_rows: list[dict[str, Any]]) -> dict[str, int]:
    """Each study group's position: first named by the project's ``<Cases>`` in their order, then by its turns.

    A REFI project's cases are its roster (one per participant, with their
    variables), so its groups are ranked as
    :func:`~outcomes_qual.ingest.read_roster` ranks a roster's: 1 for the
    first group named, and so on (:func:`~outcomes_qual.ingest.roles.group_order`).
    Built-in roles get no rank; an empty dict means the project has no groups.

    Examples
    --------
    >>> cases = [{"pid": "Cy"}, {"pid": "Ann"}]
    >>> rows = [{"participant_id": "Ann", "role": "R1 faculty"}, {"participant_id": "Cy", "role": "R2 faculty"},
    ...         {"participant_id": "fg_Q", "role": "facilitator"}]
    >>> _group_ranks(cases, rows)
    {'R2 faculty': 1, 'R1 faculty': 2}
    """
    role_of: dict[str, str] = {}
    for row in part_rows:
        role_of.setdefault(row["participant_id"], row["role"])
    named = [role_of.get(case["pid"]) for case in cases] + [row["role"] for row in part_rows]
    order = group_order(named) or []
    return {role: rank for role, rank in zip(named, order, strict=False) if rank is not None and role is not None}


def import_qdpx(path: str | os.PathLike, *, crlf: str = "auto", limits: Limits | None = None) -> QdpxImport:
    """Read a ``.qdpx`` project into a corpus, codings, codebook and memos.

    Parameters
    ----------
    path : str or path-like
    crlf : {"auto", "raw", "collapsed"}
        How the writing tool counted CRLF line ends in positions: ``raw``
        (CR is a character, as most tools do), ``collapsed`` (CRLF counts as
        one) or ``auto`` (per source, the convention that fits the
        selections; ``raw`` on a tie).
    limits : Limits, optional
        Size caps for the archive (see :class:`~outcomes_qual.interop._safezip.Limits`).

    Returns
    -------
    QdpxImport

    Raises
    ------
    InputError
        For an unsafe or broken archive: member paths escaping the archive,
        absolute paths, oversized or zip-bomb members, a missing
        ``project.qde``, malformed XML or a DTD/entity declaration, a
        selection outside its text, or a reference to an unknown GUID.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from outcomes_qual.corpus import Corpus
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> from outcomes_qual.interop import export_qdpx
    >>> corpus = Corpus.from_turns("fg1", [("Ann", "practitioner", "We plan together now."),
    ...                                    ("Bo", "manager", "Forms take hours.")])
    >>> cb = Codebook("demo", (Code("time", "Time", "Talk about time."),))
    >>> codings = pd.DataFrame({"segment_id": ["fg1:002"], "code": ["time"], "coder": ["kim"],
    ...                         "start_char": [33], "end_char": [39]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx"
    >>> _ = export_qdpx(corpus, codings, cb, out)
    >>> got = import_qdpx(out)
    >>> got.codings[["segment_id", "code", "coder", "start_char", "end_char"]].values.tolist()
    [['fg1:002', 'time', 'kim', 33, 39]]
    >>> got.corpus.texts["fg1"][33:39], got.corpus.participants["role"].tolist()
    ('hours.', ['practitioner', 'manager'])
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    with SafeZip(path, limits=limits) as zf:
        qde_name = zf.find("project.qde")
        if qde_name is None:
            top = [n for n in zf.names() if n.lower().endswith(".qde") and "/" not in n]
            if len(top) != 1:
                raise InputError(
                    "not a REFI-QDA project: the archive has no project.qde"
                    + (f" (found {top})" if top else f"; members: {zf.names()[:5]}"),
                    path=path,
                )
            qde_name = top[0]
        root = parse_xml(zf.read(qde_name), path=f"{path}!{qde_name}")
        if local(root.tag) != "Project":
            raise InputError(
                f"{qde_name}: expected a <Project> root (urn:QDA-XML:project:1.0), got <{local(root.tag)}>", path=path
            )
        reader = Reader(path, zf, root, crlf=crlf)
        return _build(reader)


def _build(r: Reader) -> QdpxImport:
    root = r.root
    users = r.users()
    variables = r.variables()
    parsed = codebook_from_root(root, path=r.where, name=(root.get("name") or r.path.stem))
    codebook, key_by_guid = parsed.codebook, parsed.key_by_guid
    r.skipped.extend(parsed.skipped)
    sources = r.sources(variables)
    for src in sources:
        r.rebase(src)
    notes = r.notes(users)

    # ---------------------------------------------------------- ids & refs
    sel_by_guid: dict[str, tuple[Source, Selection]] = {}
    for src in sources:
        for s in src.selections:
            sel_by_guid[s.guid] = (src, s)
    src_by_guid = {s.guid: s for s in sources}

    def check_user(g: str | None, what: str) -> str | None:
        if g is None:
            return None
        if users and g not in users:
            raise r.error(f"{what} refers to unknown user GUID {g}")
        return users.get(g)

    # --------------------------------------------------------------- cases
    cases: list[dict[str, Any]] = []
    cases_el = child(root, "Cases")
    used_pids: set[str] = set()
    for c in children(cases_el, "Case") if cases_el is not None else []:
        g = r.guid(c)
        name = (c.get("name") or "").strip() or f"case-{g[:8]}"
        values = r.variable_values(c, variables)
        sel_refs, src_refs = [], []
        for ref in children(c, "SelectionRef"):
            target = r.guid(ref, "targetGUID")
            if target in sel_by_guid:
                sel_refs.append(target)
            elif target in r.skipped_guids:
                r.skipped.append(f"case {name!r}: a selection in a skipped source is not kept")
            else:
                raise r.error(f"case {name!r}: <SelectionRef> refers to unknown selection GUID {ref.get('targetGUID')}")
        for ref in children(c, "SourceRef"):
            target = r.guid(ref, "targetGUID")
            if target in src_by_guid:
                src_refs.append(target)
            elif target not in r.skipped_guids:
                raise r.error(f"case {name!r}: <SourceRef> refers to unknown source GUID {ref.get('targetGUID')}")
        if children(c, "CodeRef"):
            r.skipped.append(f"case {name!r}: its code references (case classification) were not imported")
        cases.append(
            {"guid": g, "pid": unique_name(name, used_pids), "name": name, "values": values, "sels": sel_refs, "srcs": src_refs}
        )
    case_of_sel: dict[str, dict] = {}
    for known in cases:
        for target in known["sels"]:
            case_of_sel.setdefault(target, known)
    cases_of_src: dict[str, list[dict]] = defaultdict(list)
    for known in cases:
        for target in known["srcs"]:
            cases_of_src[target].append(known)
    case_by_name: dict[str, dict[str, Any]] = {}
    for known in cases:
        case_by_name.setdefault(known["name"].casefold(), known)

    # ------------------------------------------------------------ corpus
    used_tids: set[str] = set()
    transcripts, segments = [], []
    texts: dict[str, str] = {}
    turns_by_src: dict[str, list[dict]] = {}
    tid_by_src: dict[str, str] = {}
    part_rows: dict[tuple[str, str], dict] = {}
    extra_cols: list[str] = []

    def participant(tid: str, pid: str, speaker: str | None, case: dict | None, src: Source, role_hint=None) -> None:
        if (tid, pid) in part_rows:
            return
        values = dict(case["values"]) if case else {}
        lower = {k.lower(): k for k in values}
        role, raw_role = _norm_role(values.pop(lower["role"])) if "role" in lower else _norm_role(role_hint, from_case=False)
        if role == "unknown" and is_facilitator_label(speaker):
            role = "facilitator"
        row: dict[str, Any] = {"participant_id": pid, "transcript_id": tid, "speaker": speaker or pid, "role": role}
        if "speaker" in lower:
            sp = values.pop(lower["speaker"])
            row["speaker"] = speaker or (str(sp) if sp is not None else pid)
        src_lower = {k.lower(): k for k in src.variables}
        for col in ("authority", "department", "method"):
            if col in lower:
                row[col] = values.pop(lower[col])
            elif col in src_lower:
                row[col] = src.variables[src_lower[col]]
            else:
                row[col] = None
        if raw_role is not None:
            values["role_raw"] = raw_role
        for k, v in values.items():
            if k in schema.PARTICIPANT_COLUMNS:  # never let a variable overwrite identity columns
                k = f"{k}_variable"
            if k not in extra_cols:
                extra_cols.append(k)
            row[k] = v
        part_rows[(tid, pid)] = row

    for src in sources:
        tid = unique_name(src.name, used_tids)
        tid_by_src[src.guid] = tid
        text = src.st.text
        texts[tid] = text
        turn_sels = sorted((s for s in src.selections if s.guid in case_of_sel), key=lambda s: (s.start, s.end))
        turns: list[dict] = []
        # Our own exports mark each turn selection "Turn N (segment id)": those are the turns.
        # Other tools' case selections are passages; turns then come from the text.
        exact = bool(turn_sels) and all(_TURN_DESC.match((s.description or "").strip()) for s in turn_sels)
        if exact:
            last_end = -1
            for s in turn_sels:
                if s.start < last_end:
                    r.skipped.append(
                        f"source {src.name!r}: case selection {s.start}-{s.end} overlaps the previous turn; not a turn"
                    )
                    continue
                if s.end <= s.start:
                    continue
                case = case_of_sel[s.guid]
                first, _, more = (s.description or "").strip().partition("\n")
                m = _TURN_TIMES.match(first.strip())
                times = (float(m.group(1)), float(m.group(2))) if m else (np.nan, np.nan)
                q = _TURN_QUESTION.match(more.strip())
                turns.append(
                    {
                        "start": s.start,
                        "end": s.end,
                        "speaker": s.name or case["name"],
                        "case": case,
                        "hint": None,
                        "times": times,
                        "question": (q.group(1), q.group(2)) if q else None,
                    }
                )
                last_end = s.end
        else:
            linked = cases_of_src.get(src.guid, [])
            found = find_turns(text)
            speakers = {t.speaker for t in found if t.speaker}
            only_case = linked[0] if len(linked) == 1 else None
            respondents = [sp for sp in speakers if not is_facilitator_label(sp)]
            for turn in found:
                case = None
                if turn_sels:  # the case whose selections cover most of this turn
                    cover: dict[str, int] = defaultdict(int)
                    for s in turn_sels:
                        overlap = min(s.end, turn.end) - max(s.start, turn.start)
                        if overlap > 0:
                            cover[case_of_sel[s.guid]["guid"]] += overlap
                    if cover:
                        best = max(cover, key=lambda k: cover[k])
                        case = next(c for c in cases if c["guid"] == best)
                if case is None and turn.speaker:
                    case = case_by_name.get(turn.speaker.casefold())
                if case is None and only_case is not None:
                    if turn.speaker is None or (len(respondents) == 1 and turn.speaker == respondents[0]):
                        case = only_case
                turns.append(
                    {
                        "start": turn.start,
                        "end": turn.end,
                        "speaker": turn.speaker or (case["name"] if case else "unknown"),
                        "case": case,
                        "hint": turn.role_hint,
                    }
                )
            if linked and not any(t["case"] for t in turns):
                r.skipped.append(
                    f"source {src.name!r}: could not tell which speaker is case {linked[0]['name']!r}; "
                    "its attributes were not applied"
                )
        rows = []
        for i, t in enumerate(turns, start=1):
            case = t["case"]
            pid = case["pid"] if case else f"{tid}_{t['speaker']}"
            participant(tid, pid, t["speaker"], case, src, t["hint"])
            rows.append(
                {
                    "segment_id": make_segment_id(tid, i),
                    "transcript_id": tid,
                    "turn": i,
                    "speaker": t["speaker"],
                    "participant_id": pid,
                    "role": part_rows[(tid, pid)]["role"],
                    "text": text[t["start"] : t["end"]],
                    "start_char": t["start"],
                    "end_char": t["end"],
                    "start_s": t.get("times", (np.nan, np.nan))[0],
                    "end_s": t.get("times", (np.nan, np.nan))[1],
                    "question": t["question"][0] if t.get("question") else None,
                    "question_text": t["question"][1] if t.get("question") else None,
                }
            )
        segments.extend(rows)
        turns_by_src[src.guid] = rows
        src_lower = {k.lower(): k for k in src.variables}
        trow = {
            "transcript_id": tid,
            "source_path": f"{r.path.name}!{src.origin_path}" if src.origin_path != "inline" else f"{r.path.name}!inline",
            "format": "qdpx",
            "n_turns": len(rows),
        }
        for col in _TRANSCRIPT_ATTRS:
            trow[col] = src.variables[src_lower[col]] if col in src_lower else None
        for k, v in src.variables.items():
            if k.lower() not in _TRANSCRIPT_ATTRS:
                trow[f"{k}_variable" if k in schema.TRANSCRIPT_COLUMNS else k] = v
        transcripts.append(trow)

    for case in cases:
        if not any(row["participant_id"] == case["pid"] for row in part_rows.values()) and not case["sels"]:
            r.skipped.append(f"case {case['name']!r}: no turns of theirs were found; not kept as a participant")

    # ------------------------------------------------------------- codings
    coding_rows = []
    warned_users = False
    for src in sources:
        rows = turns_by_src[src.guid]
        for s in src.selections:
            if not s.codings:
                continue
            if s.end <= s.start:
                r.skipped.append(f"source {src.name!r}: empty selection {s.guid} ({len(s.codings)} coding(s)) skipped")
                continue
            hits = _overlapping(rows, s.start, s.end)
            if not hits:
                r.skipped.append(
                    f"source {src.name!r}: selection {s.start}-{s.end} ({src.st.text[s.start : s.end][:40]!r}) covers no turn; "
                    f"{len(s.codings)} coding(s) skipped"
                )
                continue
            for code_g, user_g, created, _notes in s.codings:
                if code_g not in key_by_guid:
                    raise r.error(f"a <CodeRef> in source {src.name!r} refers to unknown code GUID {code_g}")
                coder = check_user(user_g, "a <Coding>") or check_user(s.user, "a <PlainTextSelection>")
                if coder is None:
                    coder = "unknown"
                    if not warned_users:
                        r.skipped.append("codings without a known creatingUser were given coder 'unknown'")
                        warned_users = True
                for row in hits:
                    start, end = max(s.start, row["start_char"]), min(s.end, row["end_char"])
                    whole = start <= row["start_char"] and end >= row["end_char"]
                    coding_rows.append(
                        {
                            "segment_id": row["segment_id"],
                            "code": key_by_guid[code_g],
                            "coder": coder,
                            "method": "manual",
                            "confidence": 1.0,
                            "evidence": None,
                            "start_char": None if whole else start,
                            "end_char": None if whole else end,
                            "status": "accepted",
                            "created_at": created or s.created,
                        }
                    )
    codings = pd.DataFrame(coding_rows, columns=list(IMPORT_CODING_COLUMNS))
    for col in ("start_char", "end_char"):
        codings[col] = codings[col].astype("Int64")
    codings = codings.drop_duplicates(["segment_id", "code", "coder", "start_char", "end_char"]).reset_index(drop=True)

    # --------------------------------------------------------------- memos
    memo_rows = []
    referenced: set[str] = set()

    def add_memo(note_g: str, ttype: str, tid: str | None, what: str) -> None:
        if note_g not in notes:
            raise r.error(f"{what}: <NoteRef> refers to unknown note GUID {note_g}")
        referenced.add(note_g)
        name, text, author, created = notes[note_g]
        memo_rows.append({"target_type": ttype, "target_id": tid, "text": text, "author": author, "created_at": created})

    book = child(root, "CodeBook")
    if book is not None:
        for code_el in iter_local(book, "Code"):
            book_g = canonical_guid(code_el.get("guid"))
            for n in r.note_refs(code_el):
                add_memo(n, "code", key_by_guid.get(book_g) if book_g else None, f"code {code_el.get('name')!r}")
    for src in sources:
        tid = tid_by_src[src.guid]
        for n in src.notes:
            add_memo(n, "transcript", tid, f"source {src.name!r}")
        rows = turns_by_src[src.guid]
        for s in src.selections:
            coding_notes = [n for c in s.codings for n in c[3]]
            if not s.notes and not coding_notes:
                continue
            hits = _overlapping(rows, s.start, max(s.end, s.start + 1))
            for n in s.notes + coding_notes:
                if hits:
                    add_memo(n, "segment", hits[0]["segment_id"], f"selection {s.guid}")
                else:
                    add_memo(n, "transcript", tid, f"selection {s.guid}")
    pids = {p["participant_id"] for p in part_rows.values()}

    def project_memo(n: str) -> None:
        # Memos on a participant are exported at project level as "Memo on participant <id>".
        m = _PARTICIPANT_NOTE.match(notes[n][0]) if n in notes else None
        if m is not None and m.group(1) in pids:
            add_memo(n, "participant", m.group(1), "the project")
        else:
            add_memo(n, "project", None, "the project")

    for n in r.note_refs(root):
        project_memo(n)
    for n in [g for g in notes if g not in referenced]:
        project_memo(n)
    memos = pd.DataFrame(memo_rows, columns=list(MEMO_COLUMNS))

    # ------------------------------------------------------------- tables
    if segments:
        has_question = any(row["question"] is not None for row in segments)
        seg_df = pd.DataFrame(segments, columns=[*schema.SEGMENT_COLUMNS, *(schema.QUESTION_COLUMNS if has_question else ())])
    else:
        seg_df = schema.empty_frame(schema.SEGMENT_COLUMNS)
    declared = list(variables.values())
    extra_cols.sort(key=lambda c: declared.index(c) if c in declared else len(declared))
    part_cols = list(schema.PARTICIPANT_COLUMNS) + [c for c in extra_cols if c not in schema.PARTICIPANT_COLUMNS]
    if part_rows:
        part_df = pd.DataFrame(list(part_rows.values()), columns=part_cols)
        for col in extra_cols:
            # Keep integers and booleans as such when some participants lack a value.
            kind = r.variable_types.get(col)
            raw = [row.get(col) for row in part_rows.values()]
            present = [v for v in raw if not _missing(v)]
            if kind == "Integer" and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                part_df[col] = pd.array([None if _missing(v) else v for v in raw], dtype="Int64")
            elif kind == "Boolean" and all(isinstance(v, bool) for v in present):
                part_df[col] = pd.array([None if _missing(v) else v for v in raw], dtype="boolean")
    else:
        part_df = schema.empty_frame(part_cols)
    if "role_order" not in part_df and (root.get("origin") or "") != ORIGIN:
        ranks = _group_ranks(cases, list(part_rows.values()))
        if ranks:
            part_df["role_order"] = pd.array([ranks.get(role) for role in part_df["role"]], dtype="Int64")
    tr_cols = list(schema.TRANSCRIPT_COLUMNS)
    for tr_row in transcripts:
        for k in tr_row:
            if k not in tr_cols:
                tr_cols.append(k)
    tr_df = pd.DataFrame(transcripts, columns=tr_cols) if transcripts else schema.empty_frame(tr_cols)
    corpus = Corpus(tr_df, part_df, seg_df, texts)
    corpus.check()
    for msg in r.skipped:
        logger.info("%s: %s", r.where, msg)
    return QdpxImport(
        corpus=corpus,
        codings=codings,
        codebook=codebook,
        memos=memos,
        skipped=list(r.skipped),
        users=list(users.values()),
        origin=root.get("origin") or "",
    )
