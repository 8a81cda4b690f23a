"""Moving REFI-QDA projects in and out of a project file (:class:`~outcomes_qual.project.Project`).

:func:`add_import_to_project` stores what :func:`~outcomes_qual.interop.import_qdpx`
read. Transcripts new to the project are added with their participants and
segments; a transcript the project already holds with the *same text* is
reused, and the imported codings are mapped onto the project's own turns by
position (how a colleague's coding of an export comes back for comparison).
A transcript whose id exists with different text is refused before anything
is written.

:func:`import_qdpx_to_project` wraps that with all-or-nothing writing: a new
project is built in a temporary file and moved into place; an existing
project takes the import as one :meth:`~outcomes_qual.project.Project.batch`,
rolled back whole if a later step fails.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from outcomes_qual.corpus import Corpus
>>> from outcomes_qual.codebook import Code, Codebook
>>> from outcomes_qual.interop import export_qdpx
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> corpus = Corpus.from_turns("fg1", [("Ann", "practitioner", "We plan together now."),
...                                    ("Bo", "manager", "Forms take hours.")])
>>> cb = Codebook("demo", (Code("time", "Time", "Talk about time."),))
>>> coded = pd.DataFrame({"segment_id": ["fg1:002"], "code": ["time"], "coder": ["kim"]})
>>> _ = export_qdpx(corpus, coded, cb, tmp / "a.qdpx")
>>> summary = import_qdpx_to_project(tmp / "a.qdpx", tmp / "p.sqlite")
>>> summary["transcripts_added"], summary["codings_added"]
(1, 1)
>>> again = import_qdpx_to_project(tmp / "a.qdpx", tmp / "p.sqlite")   # same texts: codings only
>>> again["transcripts_added"], again["transcripts_reused"], again["codings_added"]
(0, 1, 1)
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ._values import is_missing
from .qdpx_import import QdpxImport, _overlapping, import_qdpx

logger = logging.getLogger(__name__)


def _map_codings(codings: pd.DataFrame, imported_segments: pd.DataFrame, project_segments: pd.DataFrame) -> pd.DataFrame:
    """Re-express codings of reused transcripts on the project's segments (by absolute position)."""
    if not len(codings):
        return codings
    imp = imported_segments.set_index("segment_id")
    by_tid = {
        tid: grp.sort_values("start_char").to_dict("records")
        for tid, grp in project_segments.groupby("transcript_id", sort=False)
    }
    rows = []
    for rec in codings.to_dict("records"):
        seg = imp.loc[rec["segment_id"]]
        tid = seg["transcript_id"]
        s = int(seg["start_char"]) if is_missing(rec.get("start_char")) else int(rec["start_char"])
        e = int(seg["end_char"]) if is_missing(rec.get("end_char")) else int(rec["end_char"])
        targets = by_tid.get(tid)
        if targets is None:
            continue
        for t in _overlapping(targets, s, e):
            t0, t1 = int(t["start_char"]), int(t["end_char"])
            a, b = max(s, t0), min(e, t1)
            whole = a <= t0 and b >= t1
            rows.append(
                {**rec, "segment_id": t["segment_id"], "start_char": None if whole else a, "end_char": None if whole else b}
            )
    out = pd.DataFrame(rows, columns=codings.columns)
    for col in ("start_char", "end_char"):
        out[col] = pd.array([None if is_missing(v) else int(v) for v in out[col]], dtype="Int64")
    return out


def add_import_to_project(result: QdpxImport, project, *, align_turns: bool = False) -> dict[str, int]:
    """Store an import in an open ``project``; return counts of what was added.

    Parameters
    ----------
    result : QdpxImport
    project : Project
        Open project to write to.
    align_turns : bool, default False
        For a transcript the project holds with *different* text but the
        same turns (same segment ids, as after a colleague coded a
        pseudonymised export), keep the project's text and move the imported
        codings onto it turn by turn.

    Raises
    ------
    InputError
        When a transcript id exists in the project with different text (and
        ``align_turns`` is off or its turns differ); checked before anything
        is written.
    """
    from ._spans import rebase_codings

    existing = project.texts()
    corpus = result.corpus
    reused = [t for t in corpus.texts if t in existing]
    aligned: list[str] = []
    own_segments = project.segments() if reused else pd.DataFrame()
    for tid in reused:
        if existing[tid] == corpus.texts[tid]:
            continue
        theirs = corpus.segments.loc[corpus.segments["transcript_id"] == tid, "segment_id"].tolist()
        ours = own_segments.loc[own_segments["transcript_id"] == tid, "segment_id"].tolist()
        if align_turns and theirs == ours:
            aligned.append(tid)
            continue
        hint = (
            "; its turns match, so if the other copy was pseudonymised pass --align-turns (align_turns=True)"
            if theirs == ours and not align_turns
            else ""
        )
        raise InputError(
            f"transcript {tid!r} is already in the project with different text{hint}; otherwise import into a "
            "new project or rename the source in the other tool",
            path=project.path,
        )
    new = [t for t in corpus.texts if t not in existing]
    summary = {"transcripts_added": len(new), "transcripts_reused": len(reused), "codings_added": 0, "memos_added": 0}
    codings = result.codings
    if aligned:
        own = project.corpus()
        mask = codings["segment_id"].isin(set(corpus.segments.loc[corpus.segments["transcript_id"].isin(aligned), "segment_id"]))
        moved = rebase_codings(codings[mask], corpus.subset(aligned), own.subset(aligned))
        codings = pd.concat([codings[~mask], moved], ignore_index=True)
        reused = [t for t in reused if t not in aligned]
    if reused:
        imp_seg = corpus.segments
        reused_ids = set(imp_seg.loc[imp_seg["transcript_id"].isin(reused), "segment_id"])
        mask = codings["segment_id"].isin(reused_ids)
        mapped = _map_codings(codings[mask], imp_seg, project.segments())
        codings = pd.concat([codings[~mask], mapped], ignore_index=True) if len(mapped) else codings[~mask]
    if new:
        project.add_corpus(corpus.subset(new))
    version = project.add_codebook(result.codebook) if len(result.codebook) else None
    if len(codings):
        ids = project.add_codings(codings.reset_index(drop=True), codebook=version, status="accepted")
        summary["codings_added"] = len(ids)
    seg_ids = set(project.segments()["segment_id"])
    for memo in result.memos.to_dict("records"):
        text = "" if is_missing(memo["text"]) else str(memo["text"])
        if not text.strip():
            continue
        ttype, target = memo["target_type"], memo["target_id"]
        if ttype == "segment" and target not in seg_ids:
            ttype, target = "transcript", str(target).rsplit(":", 1)[0]
        if ttype == "code" and (is_missing(target) or target not in result.codebook):
            ttype, target = "project", None
        project.add_memo(
            ttype,
            None if is_missing(target) else target,
            text,
            author=memo["author"] if not is_missing(memo["author"]) else (result.origin or "imported"),
            created_at=None if is_missing(memo["created_at"]) else str(memo["created_at"]),
        )
        summary["memos_added"] += 1
    return summary


def import_qdpx_to_project(
    qdpx: str | os.PathLike,
    project_path: str | os.PathLike,
    *,
    crlf: str = "auto",
    align_turns: bool = False,
    result: QdpxImport | None = None,
) -> dict[str, Any]:
    """Import ``qdpx`` into the project at ``project_path`` (created if missing), all or nothing.

    ``crlf`` is passed to :func:`import_qdpx`, ``align_turns`` to
    :func:`add_import_to_project`.

    Returns
    -------
    dict
        Counts (transcripts_added, transcripts_reused, codings_added,
        memos_added), ``created`` and the import's ``skipped`` messages.
    """
    from ..project import Project

    if result is None:
        result = import_qdpx(qdpx, crlf=crlf)  # every check happens here, before the project is touched
    project_path = Path(project_path)
    if not project_path.exists():
        project_path.parent.mkdir(parents=True, exist_ok=True)
        tmpdir = tempfile.mkdtemp(prefix=".import-", dir=project_path.parent)
        tmp = Path(tmpdir) / project_path.name
        try:
            with Project.create(tmp) as proj:
                summary = add_import_to_project(result, proj, align_turns=align_turns)
            # Fold any write-ahead log into the file before it moves.
            conn = sqlite3.connect(tmp)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            if project_path.exists():
                raise InputError("the project appeared while importing; import again", path=project_path)
            os.replace(tmp, project_path)
        finally:
            for leftover in Path(tmpdir).iterdir():
                leftover.unlink()
            os.rmdir(tmpdir)
        created = True
    else:
        with Project.open(project_path) as proj, proj.batch(f"import {Path(qdpx).name}"):
            # One transaction: an error part-way rolls the whole import back.
            summary = add_import_to_project(result, proj, align_turns=align_turns)
        created = False
    return {**summary, "created": created, "skipped": list(result.skipped)}


def anonymise_for_export(corpus, codings: pd.DataFrame, memos: pd.DataFrame | None = None, *, names=None):
    """Pseudonymise a corpus for export and carry codings and memos along.

    Runs :func:`~outcomes_qual.anonymise.pseudonymise_corpus` (participants'
    names always; ``names`` as well), moves coding spans onto the new text,
    and replaces the same names in memo texts and in the ids of participant
    memos. The mapping back to real names is returned separately: keep it
    with the project, never in an export.

    Returns
    -------
    corpus, codings, memos, mapping

    Examples
    --------
    >>> from outcomes_qual.corpus import Corpus
    >>> c = Corpus.from_turns("fg1", [("Megan Price", "practitioner", "I'm Megan and I plan with families.")])
    >>> cod = pd.DataFrame({"segment_id": ["fg1:001"], "code": ["x"], "coder": ["kim"],
    ...                     "start_char": [14], "end_char": [34]})
    >>> memos = pd.DataFrame({"target_type": ["project"], "target_id": [None], "text": ["Megan was keen."]})
    >>> anon, cod2, memos2, _ = anonymise_for_export(c, cod, memos)
    >>> s, e = int(cod2["start_char"][0]), int(cod2["end_char"][0])
    >>> anon.texts["fg1"][s:e], memos2["text"][0]
    ('I plan with families', '[Practitioner P01] was keen.')
    """
    from ..anonymise import pseudonymise_corpus, pseudonymise_text
    from ._spans import rebase_codings

    anon, mapping = pseudonymise_corpus(corpus, names=names)
    codings = rebase_codings(codings, corpus, anon)
    if memos is not None and len(memos):
        memos = memos.copy()
        table = mapping[["original", "replacement"]].dropna()
        table = table[table["original"].astype(str).str.strip() != ""]
        if len(table):
            memos["text"] = [t if is_missing(t) else pseudonymise_text(str(t), table) for t in memos["text"]]
        old_p, new_p = corpus.participants, anon.participants
        if len(old_p) == len(new_p):
            pid_map = dict(zip(old_p["participant_id"].astype(str), new_p["participant_id"].astype(str), strict=True))
            memos["target_id"] = [
                pid_map.get(str(t), t) if ttype == "participant" else t
                for ttype, t in zip(memos["target_type"], memos["target_id"], strict=True)
            ]
    return anon, codings, memos, mapping
