"""Write a coded corpus as a REFI-QDA project (``.qdpx``).

The archive holds ``project.qde`` (namespace ``urn:QDA-XML:project:1.0``) and
each transcript's normalised text as ``sources/<guid>.txt`` (UTF-8, LF, no
BOM). Positions are Unicode code points into exactly that text.

What goes where:

* ``<Users>``: one per coder and memo author, plus the exporting user.
* ``<CodeBook>``: the codebook (see :mod:`outcomes_qual.interop.qdc`).
* ``<Variables>``: participant attributes (role, authority, department,
  method and any other roster column) and transcript attributes, each with
  a proper type (Text, Integer, Float, Boolean, Date, DateTime).
* ``<Cases>``: one per participant, with its ``VariableValue`` s and a
  ``SelectionRef`` to the selection of each of their turns.
* ``<Sources>``: one ``TextSource`` per transcript, named by transcript id,
  with a ``PlainTextSelection`` per turn (named by speaker; its
  description says the turn and, for a consultation answer, the question)
  and one per
  (span, coder) holding that coder's ``Coding`` s; ``creatingUser`` sits on
  both the selection and the coding.
* ``<Notes>``: memos, referenced with ``NoteRef`` from the code, transcript
  or turn they are about (or from the project).

All GUIDs are ``uuid5`` values of what they identify, so exporting the same
project twice gives the same GUIDs.

Examples
--------
>>> import tempfile, pathlib, zipfile
>>> import pandas as pd
>>> from outcomes_qual.corpus import Corpus
>>> from outcomes_qual.codebook import Code, Codebook
>>> corpus = Corpus.from_turns("fg1", [("Ann", "practitioner", "We talk about outcomes now."),
...                                    ("Bo", "manager", "Forms still take hours.")])
>>> cb = Codebook("demo", (Code("time", "Time", "Talk about time."),))
>>> codings = pd.DataFrame({"segment_id": ["fg1:002"], "code": ["time"], "coder": ["kim"],
...                         "method": ["manual"], "confidence": [1.0], "evidence": [None]})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx"
>>> summary = export_qdpx(corpus, codings, cb, out)
>>> summary.n_sources, summary.n_codings, summary.n_cases
(1, 1, 2)
>>> sorted(n.split("/")[0] for n in zipfile.ZipFile(out).namelist())
['project.qde', 'sources']
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema
from ..codebook import Code, Codebook
from ..corpus import Corpus
from ..text import normalise_text
from ._values import format_value, infer_type, is_missing, value_element_name
from ._xml import ORIGIN, PROJECT_NS, stable_guid, to_bytes, xml_datetime
from .qdc import build_codes, code_guid

logger = logging.getLogger(__name__)

#: Memo columns :func:`export_qdpx` reads (``author`` and ``created_at`` optional).
MEMO_COLUMNS: tuple[str, ...] = ("target_type", "target_id", "text", "author", "created_at")

#: Participant columns that are identity, not variables.
_PARTICIPANT_ID_COLUMNS = ("participant_id", "transcript_id", "speaker")
#: Transcript columns exported as variables on each TextSource.
TRANSCRIPT_VARIABLES: tuple[str, ...] = ("method", "authority", "department", "date")

_Q = lambda name: f"{{{PROJECT_NS}}}{name}"  # noqa: E731


@dataclass
class ExportSummary:
    """What :func:`export_qdpx` wrote."""

    path: str
    n_sources: int = 0
    n_cases: int = 0
    n_codes: int = 0
    n_codings: int = 0
    n_memos: int = 0
    n_users: int = 0
    skipped: list[str] = field(default_factory=list)


def user_guid(name: str) -> str:
    """Stable GUID of the user (coder) ``name``."""
    return stable_guid("user", name)


def source_guid(transcript_id: str) -> str:
    """Stable GUID of the transcript ``transcript_id``."""
    return stable_guid("source", transcript_id)


def turn_guid(segment_id: str) -> str:
    """Stable GUID of the selection covering the turn ``segment_id``."""
    return stable_guid("turn", segment_id)


def case_guid(participant_id: str) -> str:
    """Stable GUID of the case of participant ``participant_id``."""
    return stable_guid("case", participant_id)


def variable_guid(name: str) -> str:
    """Stable GUID of the variable ``name``."""
    return stable_guid("variable", name)


def turn_description(row) -> str:
    r"""``Turn 3 (fg1:003)``, with ``, 12.5-20.25 s`` when the turn has times (read back on import).

    A consultation answer adds a second line, ``Question q2: <the question as
    written>``, so the question survives the round trip.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> turn_description(NS(turn=3, segment_id="fg1:003", start_s=12.5, end_s=20.25))
    'Turn 3 (fg1:003), 12.5-20.25 s'
    >>> turn_description(NS(turn=1, segment_id="r1:n2", question="n2", question_text="Why did you try it?"))
    'Turn 1 (r1:n2)\nQuestion n2: Why did you try it?'
    """
    text = f"Turn {int(row.turn)} ({row.segment_id})"
    start: Any = getattr(row, "start_s", None)
    end: Any = getattr(row, "end_s", None)
    if not is_missing(start) and not is_missing(end):
        text += f", {float(start):g}-{float(end):g} s"
    question = getattr(row, "question", None)
    if not is_missing(question) and str(question).strip():
        qtext = getattr(row, "question_text", None)
        qtext = str(question) if is_missing(qtext) else " ".join(str(qtext).split())
        text += f"\nQuestion {' '.join(str(question).split())}: {qtext}"
    return text


def _int_or_none(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def _sub(parent: ET.Element, name: str, attrs: dict[str, object] | None = None, text: str | None = None) -> ET.Element:
    elem = ET.SubElement(parent, _Q(name), {k: str(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        elem.text = text
    return elem


def _participant_id(row) -> str:
    pid = row.participant_id
    return str(pid) if not is_missing(pid) else f"{row.transcript_id}_{row.speaker}"


def _prepare_codings(codings: pd.DataFrame, corpus: Corpus, summary: ExportSummary) -> pd.DataFrame:
    """Codings with resolved transcript, span, coder and timestamp; rejected ones dropped."""
    schema.check_columns(codings, ("segment_id", "code", "coder"), name="codings")
    df = codings.copy()
    if "status" in df:
        rejected = df["status"].astype(object).eq("rejected")
        if rejected.any():
            logger.info("not exporting %d rejected coding(s)", int(rejected.sum()))
        df = df[~rejected]
    segs = corpus.segments
    where = {
        sid: (tid, int(a), int(b))
        for sid, tid, a, b in zip(segs["segment_id"], segs["transcript_id"], segs["start_char"], segs["end_char"], strict=True)
    }
    known = df["segment_id"].isin(list(where))
    for sid in df.loc[~known, "segment_id"].unique():
        summary.skipped.append(f"coding of unknown segment {sid!r} not exported")
    df = df[known]
    rows = []
    for row in df.itertuples(index=False):
        tid, s0, s1 = where[row.segment_id]
        start = _int_or_none(getattr(row, "start_char", None))
        end = _int_or_none(getattr(row, "end_char", None))
        if start is None or end is None:
            start, end = s0, s1
        text = corpus.texts[tid]
        if not (0 <= start < end <= len(text)):
            summary.skipped.append(
                f"coding {row.segment_id}/{row.code}: span {start}-{end} is outside the text (0-{len(text)}); not exported"
            )
            continue
        coder = "unknown" if is_missing(row.coder) else str(row.coder)
        rows.append(
            {
                "transcript_id": tid,
                "segment_id": row.segment_id,
                "code": str(row.code),
                "coder": coder,
                "start": start,
                "end": end,
                "created_at": getattr(row, "created_at", None),
                "coding_id": getattr(row, "coding_id", None),
            }
        )
    out = pd.DataFrame(rows, columns=["transcript_id", "segment_id", "code", "coder", "start", "end", "created_at", "coding_id"])
    return out.drop_duplicates(["transcript_id", "start", "end", "coder", "code"]).reset_index(drop=True)


def _complete_codebook(codebook: Codebook, codes: list[str], summary: ExportSummary) -> Codebook:
    """Add codes used in codings but missing from the codebook (and their parents)."""
    known = set(codebook.keys())
    extra: list[Code] = []
    for key in sorted(set(codes)):
        parts = key.split("/")
        for i in range(1, len(parts) + 1):
            k = "/".join(parts[:i])
            if k not in known:
                known.add(k)
                extra.append(Code(key=k, label=parts[i - 1], definition=""))
                summary.skipped.append(f"code {k!r} is used in codings but not in the codebook; exported without a definition")
    if not extra:
        return codebook
    return Codebook(codebook.name, tuple(codebook.codes) + tuple(extra), codebook.description, codebook.version)


def _memo_frame(memos) -> pd.DataFrame:
    if memos is None:
        return pd.DataFrame(columns=list(MEMO_COLUMNS))
    df = pd.DataFrame(memos).copy()
    schema.check_columns(df, ("target_type", "target_id", "text"), name="memos")
    for col in ("author", "created_at"):
        if col not in df:
            df[col] = None
    return df


def export_qdpx(
    corpus: Corpus,
    codings: pd.DataFrame,
    codebook: Codebook,
    path: str | os.PathLike,
    *,
    memos: pd.DataFrame | None = None,
    users=None,
    name: str | None = None,
    exported_by: str = "outcomes_qual",
    timestamp: object = None,
) -> ExportSummary:
    """Write ``corpus``, its ``codings`` and ``codebook`` as a REFI-QDA project.

    Parameters
    ----------
    corpus : Corpus
        Transcripts whose ``texts`` are normalised (NFC, LF). Pseudonymise
        it first if it leaves the team.
    codings : pandas.DataFrame
        Columns of :data:`~outcomes_qual.schema.CODING_COLUMNS` (at least
        segment_id, code, coder) and optionally start_char/end_char (a span
        in the transcript's text; missing means the whole turn), status
        (``rejected`` rows are not exported) and created_at.
    codebook : Codebook
        Codes used in ``codings`` but missing here are added with a note in
        the summary.
    path : str or path-like
        The ``.qdpx`` to write; written to a temporary file first and moved
        into place, so a failure never leaves a half-written archive.
    memos : pandas.DataFrame, optional
        target_type (``project``, ``code``, ``transcript``, ``segment``, or
        ``coding`` when ``codings`` has a ``coding_id`` column; other types,
        such as ``participant``, are attached to the project), target_id,
        text, and optionally author and created_at.
    users : iterable of str, optional
        Extra user names to list (coders and memo authors are always listed).
    name : str, optional
        Project name (default: the file name without extension).
    exported_by : str
        User credited with the sources and turn selections.
    timestamp : datetime-like, optional
        Creation time for items without their own (default: now, UTC).

    Returns
    -------
    ExportSummary
        Counts of what was written and ``skipped`` messages.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from outcomes_qual.corpus import Corpus
    >>> from outcomes_qual.codebook import Code, Codebook
    >>> corpus = Corpus.from_turns("i1", [("Sam", "mentor", "Supervision makes room to reflect.")])
    >>> cb = Codebook("demo", (Code("culture_shift", "Culture shift", "Changing practice."),))
    >>> codings = pd.DataFrame({"segment_id": ["i1:001"], "code": ["culture_shift"], "coder": ["ann"],
    ...                         "start_char": [0], "end_char": [11]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "i1.qdpx"
    >>> s = export_qdpx(corpus, codings, cb, out, timestamp="2026-01-01")
    >>> (s.n_sources, s.n_cases, s.n_codes, s.n_codings, s.n_users)
    (1, 1, 1, 1, 2)
    """
    path = Path(path)
    summary = ExportSummary(path=str(path))
    stamp = xml_datetime(timestamp if timestamp is not None else _dt.datetime.now(_dt.timezone.utc))
    if stamp is None:
        raise ValueError(f"timestamp: expected a date and time, got {timestamp!r}")
    for tid, text in corpus.texts.items():
        if normalise_text(text) != text:
            raise ValueError(f"transcript {tid!r}: text is not normalised (NFC, LF, no BOM); build it with normalise_text")

    cod = _prepare_codings(codings, corpus, summary)
    codebook = _complete_codebook(codebook, cod["code"].tolist(), summary)
    memo_df = _memo_frame(memos)
    coding_ids = {str(int(v)) for v in cod["coding_id"] if not is_missing(v)}

    # ---------------------------------------------------------------- users
    user_names: list[str] = [exported_by]
    for u in list(cod["coder"]) + [a for a in memo_df["author"] if not is_missing(a)] + list(users or []):
        if str(u) not in user_names:
            user_names.append(str(u))
    system_user = user_guid(exported_by)

    root = ET.Element(
        _Q("Project"),
        {
            "name": name or path.stem,
            "origin": ORIGIN,
            "creatingUserGUID": system_user,
            "creationDateTime": stamp,
        },
    )
    users_el = _sub(root, "Users")
    for u in user_names:
        _sub(users_el, "User", {"guid": user_guid(u), "name": u})
    summary.n_users = len(user_names)

    # ---------------------------------------------------------------- notes
    notes_for: dict[tuple[str, str], list[str]] = defaultdict(list)
    note_elems: list[ET.Element] = []
    for i, memo in enumerate(memo_df.itertuples(index=False)):
        ttype = "project" if is_missing(memo.target_type) else str(memo.target_type)
        tid = "" if is_missing(memo.target_id) else str(memo.target_id)
        author = None if is_missing(memo.author) else str(memo.author)
        guid = stable_guid("note", i, ttype, tid, memo.text)
        note = ET.Element(
            _Q("Note"),
            {
                k: v
                for k, v in {
                    "guid": guid,
                    "name": f"Memo on {ttype} {tid}".strip(),
                    "creatingUser": user_guid(author) if author else system_user,
                    "creationDateTime": xml_datetime(memo.created_at) or stamp,
                }.items()
                if v is not None
            },
        )
        _sub(note, "PlainTextContent", text=normalise_text("" if is_missing(memo.text) else str(memo.text)))
        note_elems.append(note)
        known_target = (
            (ttype == "code" and tid in codebook)
            or (ttype == "coding" and tid in coding_ids)
            or (ttype == "transcript" and tid in corpus.texts)
            or (ttype == "segment" and tid in set(corpus.segments["segment_id"]))
        )
        if not known_target and ttype != "project":
            summary.skipped.append(f"memo on {ttype} {tid!r}: attached to the project (REFI has no place for it)")
            ttype = "project"
        notes_for[(ttype, tid if ttype != "project" else "")].append(guid)
    summary.n_memos = len(note_elems)

    # ------------------------------------------------------------- codebook
    if len(codebook):  # the schema wants at least one <Code> inside <Codes>
        book = _sub(root, "CodeBook")
        book.append(build_codes(codebook, PROJECT_NS, note_refs={k: v for (t, k), v in notes_for.items() if t == "code"}))
    summary.n_codes = len(codebook)

    # ------------------------------------------------------------ variables
    part = corpus.participants.copy()
    if len(part):
        part["participant_id"] = [_participant_id(r) for r in part.itertuples(index=False)]
    part_vars = [c for c in part.columns if c not in _PARTICIPANT_ID_COLUMNS]
    tr = corpus.transcripts
    tr_vars = [c for c in TRANSCRIPT_VARIABLES if c in tr.columns]
    var_values: dict[str, list] = defaultdict(list)
    for c in part_vars:
        var_values[c].extend(part[c].tolist())
    for c in tr_vars:
        var_values[c].extend(tr[c].tolist())
    var_types = {c: infer_type(v) for c, v in var_values.items() if any(not is_missing(x) for x in v)}
    if var_types:
        vars_el = _sub(root, "Variables")
        for c, t in var_types.items():
            v = _sub(vars_el, "Variable", {"guid": variable_guid(c), "name": c, "typeOfVariable": t})
            where = "participants" if c in part_vars else "transcripts"
            if c in part_vars and c in tr_vars:
                where = "participants and transcripts"
            _sub(v, "Description", text=f"Attribute of {where}.")

    def add_values(parent: ET.Element, values: dict[str, object]) -> None:
        for c, value in values.items():
            if c not in var_types or is_missing(value):
                continue
            vv = _sub(parent, "VariableValue")
            _sub(vv, "VariableRef", {"targetGUID": variable_guid(c)})
            _sub(vv, value_element_name(var_types[c]), text=format_value(value, var_types[c]))

    # ---------------------------------------------------------------- cases
    seg = corpus.segments.copy()
    if len(seg):
        seg["participant_id"] = [_participant_id(r) for r in seg.itertuples(index=False)]
    turns_of: dict[Hashable, list] = defaultdict(list)
    for row in seg.itertuples(index=False):
        turns_of[row.participant_id].append(row.segment_id)
    case_ids = list(dict.fromkeys(list(part["participant_id"]) + list(turns_of)))
    if case_ids:
        cases_el = _sub(root, "Cases")
        first = part.drop_duplicates("participant_id").set_index("participant_id") if len(part) else None
        tr_values = {(t, c): v for c in tr_vars for t, v in zip(tr["transcript_id"], tr[c], strict=True)} if len(tr) else None
        for pid in case_ids:
            case = _sub(cases_el, "Case", {"guid": case_guid(pid), "name": pid})
            if first is not None and pid in first.index:
                rows = part[part["participant_id"] == pid]
                values: dict[str, Any] = {}
                for c in part_vars:
                    present = [v for v in rows[c].tolist() if not is_missing(v)]
                    distinct = list(dict.fromkeys(map(str, present)))
                    if (
                        len(distinct) > 1
                        and c in tr_vars
                        and tr_values is not None
                        and all(str(v) == str(tr_values.get((t, c))) for t, v in zip(rows["transcript_id"], rows[c], strict=True))
                    ):
                        # Differs by transcript exactly as the transcripts do: the
                        # TextSource's own value carries it (read back on import).
                        values[c] = None
                        continue
                    if len(distinct) > 1:
                        summary.skipped.append(
                            f"participant {pid!r} has {len(distinct)} values of {c!r} across transcripts; "
                            f"exported the first ({distinct[0]!r})"
                        )
                    values[c] = present[0] if present else None
                add_values(case, values)
            for sid in turns_of.get(pid, []):
                _sub(case, "SelectionRef", {"targetGUID": turn_guid(sid)})
        summary.n_cases = len(case_ids)

    # -------------------------------------------------------------- sources
    files: dict[str, bytes] = {}
    groups: dict[str, dict[tuple, list[dict]]] = defaultdict(dict)
    for rec in cod.to_dict("records"):
        groups[rec["transcript_id"]].setdefault((int(rec["start"]), int(rec["end"]), rec["coder"]), []).append(rec)
    stamp_cache: dict[object, str | None] = {}

    def when(value: object) -> str | None:
        key = value if isinstance(value, (str, int, float, type(None))) else str(value)
        if key not in stamp_cache:
            stamp_cache[key] = xml_datetime(value)
        return stamp_cache[key]

    if corpus.texts:
        sources_el = _sub(root, "Sources")
        tr_by_id = tr.drop_duplicates("transcript_id").set_index("transcript_id") if len(tr) else None
        seg_by_tid: dict[Hashable, list] = defaultdict(list)
        for row in seg.itertuples(index=False):
            seg_by_tid[row.transcript_id].append(row)
        for tid, text in corpus.texts.items():
            sguid = source_guid(tid)
            files[f"sources/{sguid}.txt"] = text.encode("utf-8")
            src = _sub(
                sources_el,
                "TextSource",
                {
                    "guid": sguid,
                    "name": str(tid),
                    "plainTextPath": f"internal://{sguid}.txt",
                    "creatingUser": system_user,
                    "creationDateTime": stamp,
                },
            )
            items: list[tuple[int, int, int, ET.Element]] = []
            for row in seg_by_tid.get(tid, []):
                sel = ET.Element(
                    _Q("PlainTextSelection"),
                    {
                        k: v
                        for k, v in {
                            "guid": turn_guid(row.segment_id),
                            "name": None if is_missing(row.speaker) else str(row.speaker),
                            "startPosition": str(int(row.start_char)),
                            "endPosition": str(int(row.end_char)),
                            "creatingUser": system_user,
                            "creationDateTime": stamp,
                        }.items()
                        if v is not None
                    },
                )
                _sub(sel, "Description", text=turn_description(row))
                for nguid in notes_for.get(("segment", row.segment_id), []):
                    _sub(sel, "NoteRef", {"targetGUID": nguid})
                items.append((int(row.start_char), int(row.end_char), 0, sel))
            for (start, end, coder), grp in groups.get(tid, {}).items():
                stamps = [s for r in grp if (s := when(r["created_at"]))]
                sel = ET.Element(
                    _Q("PlainTextSelection"),
                    {
                        "guid": stable_guid("selection", tid, start, end, coder),
                        "name": text[start:end][:60].replace("\n", " "),
                        "startPosition": str(start),
                        "endPosition": str(end),
                        "creatingUser": user_guid(coder),
                        "creationDateTime": min(stamps) if stamps else stamp,
                    },
                )
                for r in grp:
                    coding = _sub(
                        sel,
                        "Coding",
                        {
                            "guid": stable_guid("coding", tid, start, end, coder, r["code"]),
                            "creatingUser": user_guid(coder),
                            "creationDateTime": when(r["created_at"]) or stamp,
                        },
                    )
                    _sub(coding, "CodeRef", {"targetGUID": code_guid(r["code"])})
                    if not is_missing(r["coding_id"]):
                        for nguid in notes_for.get(("coding", str(int(r["coding_id"]))), []):
                            _sub(coding, "NoteRef", {"targetGUID": nguid})
                    summary.n_codings += 1
                items.append((int(start), int(end), 1, sel))
            for *_key, sel in sorted(items, key=lambda t: t[:3]):
                src.append(sel)
            for nguid in notes_for.get(("transcript", str(tid)), []):
                _sub(src, "NoteRef", {"targetGUID": nguid})
            if tr_by_id is not None and tid in tr_by_id.index:
                add_values(src, {c: tr_by_id.loc[tid, c] for c in tr_vars})
        summary.n_sources = len(corpus.texts)

    if note_elems:
        notes_el = _sub(root, "Notes")
        notes_el.extend(note_elems)
    for nguid in notes_for.get(("project", ""), []):
        _sub(root, "NoteRef", {"targetGUID": nguid})

    _write_archive(path, to_bytes(root, default_namespace=PROJECT_NS), files, stamp)
    for msg in summary.skipped:
        logger.info("%s: %s", path, msg)
    logger.info(
        "wrote %s: %d sources, %d cases, %d codes, %d codings, %d memos",
        path,
        summary.n_sources,
        summary.n_cases,
        summary.n_codes,
        summary.n_codings,
        summary.n_memos,
    )
    return summary


def _write_archive(path: Path, qde: bytes, files: dict[str, bytes], stamp: str) -> None:
    """Write the zip to a temporary file beside ``path`` and move it into place."""
    when = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    when = max(when, (1980, 1, 1, 0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, data in [("project.qde", qde), *files.items()]:
                info = zipfile.ZipInfo(member, date_time=when)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
