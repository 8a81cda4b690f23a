r"""Entry points: read one transcript, or a batch of files and directories.

Examples
--------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "fg1.txt").write_text("Facilitator: What helps?\nPractitioner 1: Time to talk.\n")
>>> _ = (d / "README.md").write_text("# not a transcript")
>>> corpus = read_corpus([d])
>>> corpus.segments[["segment_id", "speaker", "role"]].values.tolist()
[['fg1:001', 'Facilitator', 'facilitator'], ['fg1:002', 'Practitioner 1', 'practitioner']]
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..corpus import Corpus
from ..errors import InputError
from ..text import normalise_text
from .checks import CollapsedTranscriptError, check_collapse
from .detect import EXTENSIONS, UNSUPPORTED, decode_bytes, detect_format

logger = logging.getLogger(__name__)

#: File names (lower case) that are never transcripts when walking a directory (the sample
#: consultation sits beside the sample transcripts and is read when named, see transcripts_sample/README.md).
SKIP_NAMES: frozenset[str] = frozenset({"roster.csv", "names.csv", "participants.csv", "codings.csv", "consultation_sample.csv"})


def _reader(fmt: str, consultation: dict | None = None):
    """A function ``(data, transcript_id, path, speakers) -> Corpus`` for ``fmt``."""
    if fmt == "txt":
        from .txt import parse_txt

        return lambda data, tid, path, speakers: parse_txt(
            normalise_text(decode_bytes(data, path=path)), tid, path=path, speakers=speakers
        )
    if fmt in ("vtt", "srt"):
        from .vtt import parse_subtitles

        return lambda data, tid, path, speakers: parse_subtitles(
            normalise_text(decode_bytes(data, path=path)), tid, path=path, fmt=fmt, speakers=speakers
        )
    if fmt == "docx":
        from .docx import read_docx

        return lambda data, tid, path, speakers: read_docx(path, tid, data=data, speakers=speakers)
    if fmt == "consultation":
        from .consultation import read_consultation

        return lambda data, tid, path, speakers: read_consultation(path, transcript_prefix=tid, **(consultation or {}))
    if fmt in ("csv", "jsonl"):
        from .table import parse_table

        def read_table(data, tid, path, speakers):  # a table's speaker column is taken as written
            text = decode_bytes(data, path=path)
            if fmt == "csv":
                from .consultation import looks_like_consultation, parse_consultation_csv

                try:  # the header decides; a file the csv module cannot read is left to parse_table's messages
                    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")), [])
                except csv.Error:
                    header = []
                if looks_like_consultation(header):
                    return parse_consultation_csv(text, tid, path=path, **(consultation or {}))
            return parse_table(text, tid, path=path, fmt=fmt)

        return read_table
    raise ValueError(f"unknown format {fmt!r}")  # pragma: no cover


def read_transcript(
    path: str | os.PathLike,
    *,
    transcript_id: str | None = None,
    speakers=(),
    questions=None,
    attributes=None,
    strict: bool = False,
) -> Corpus:
    r"""Read one transcript file into a :class:`~outcomes_qual.corpus.Corpus`.

    The format is picked by extension and content (:func:`detect_format`):
    labelled plain text (incl. Otter and Rev exports), WebVTT, SRT, .docx,
    or a CSV/JSONL of segmented responses. The file is only read, never
    modified.

    Parameters
    ----------
    path : str or path-like
    transcript_id : str, optional
        Defaults to the file name without its extension.
    speakers : iterable of str, optional
        The roster's speakers for this transcript: each is a speaker label at
        the start of a line whatever its case or characters (``nR1-01:``,
        ``p3:``, ``int.:``; see :class:`~outcomes_qual.ingest.txt.RosterLabels`).
    questions, attributes : list of str, optional
        For a consultation export: its question and attribute columns
        (see :func:`outcomes_qual.ingest.read_consultation`).
    strict : bool, default False
        Raise :class:`~outcomes_qual.ingest.checks.CollapsedTranscriptError`
        when the transcript looks collapsed (most of its words in one turn,
        see :func:`~outcomes_qual.ingest.checks.collapse_reason`) instead of
        recording it in ``corpus.problems``; for a consultation export, any
        doubt about its columns is an error.

    Raises
    ------
    InputError
        For an empty, binary, unsupported or unreadable file (the message
        names the file and, where there is one, the line), or a collapsed
        transcript when ``strict``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "int1.txt"
    >>> _ = p.write_text("Interviewer: What matters?\nSP: Relationships.\n")
    >>> read_transcript(p).segments[["speaker", "role", "text"]].values.tolist()
    [['Interviewer', 'facilitator', 'What matters?'], ['SP', 'senior', 'Relationships.']]
    """
    path = Path(path)
    spath = os.fspath(path)
    if path.is_dir():
        raise InputError("is a directory; use read_corpus for directories", path=spath)
    if not path.exists():
        raise InputError("no such file", path=spath)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror})", path=spath) from None
    if not data.strip() or not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise InputError("empty file", path=spath)
    fmt = detect_format(path, data)
    tid = transcript_id or path.stem
    options = {"questions": questions, "attributes": attributes, "strict": strict}
    corpus = _reader(fmt, options)(data, tid, spath, list(speakers))
    corpus.problems = [*corpus.problems, *check_collapse(corpus, path=spath, strict=strict)]
    if corpus.problems:
        for problem in corpus.problems:
            logger.warning("%s", problem)
    return corpus


def iter_input_files(paths: Iterable[str | os.PathLike], *, exclude: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Expand ``paths`` into transcript files (directories are walked recursively).

    Inside directories, hidden files and folders, ``README*``, ``*.md`` and
    roster-like names (:data:`SKIP_NAMES`) are skipped, and only known
    transcript extensions are read (plus known-unsupported ones such as .pdf,
    so they are reported). Files named explicitly are always read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["a.txt", "b.vtt", ".hidden.txt", "README.txt", "notes.md", "roster.csv", "x.png"]:
    ...     _ = (d / name).write_text("x")
    >>> [p.name for p in iter_input_files([d])]
    ['a.txt', 'b.vtt']
    """
    excluded = {Path(p).resolve() for p in exclude}
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        r = p.resolve()
        if r in seen or r in excluded:
            return
        seen.add(r)
        out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
                for name in sorted(files):
                    low = name.lower()
                    suffix = Path(low).suffix
                    if (
                        name.startswith((".", "~$"))
                        or low.startswith("readme")
                        or suffix == ".md"
                        or low in SKIP_NAMES
                        or (suffix not in EXTENSIONS and suffix not in UNSUPPORTED)
                    ):
                        continue
                    add(Path(root) / name)
        else:
            add(p)
    return out


def read_corpus(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    roster: str | os.PathLike | pd.DataFrame | None = None,
    strict: bool = False,
    questions=None,
    attributes=None,
) -> Corpus:
    """Read transcripts from files and directories into one corpus.

    Each file that cannot be read becomes an :class:`InputError` in
    ``corpus.problems`` and the batch goes on. With a roster, participants
    get their ids, roles and attributes from it (see
    :func:`outcomes_qual.ingest.apply_roster`); speakers with no roster row
    are listed in one message (a problem, and a logged warning).

    Parameters
    ----------
    paths : path or iterable of paths
        Transcript files and/or directories (read recursively).
    roster : path or pandas.DataFrame, optional
    strict : bool, default False
        Raise :class:`InputError` (an
        :class:`~outcomes_qual.ingest.checks.UnknownSpeakersError`) when a
        speaker has no roster row, a roster speaker is never found in their
        transcript, or a transcript looks collapsed; otherwise each is a
        warning in ``corpus.problems``. A consultation export whose columns
        are in doubt is then a problem (not read) instead of a guess.
    questions, attributes : list of str, optional
        The question and attribute columns of consultation exports (see
        :func:`outcomes_qual.ingest.read_consultation`).

    Returns
    -------
    Corpus

    Raises
    ------
    InputError
        When the roster itself cannot be read, or (``strict``) a speaker is
        missing from it or from a transcript, or a transcript collapsed.

    Notes
    -----
    The roster's speakers for a transcript are speaker labels in it whatever
    their case or characters (see :func:`read_transcript`).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    roster_frame = None
    exclude = []
    if roster is not None:
        if not isinstance(roster, pd.DataFrame):
            exclude.append(roster)
            from .roster import read_roster

            roster_frame = read_roster(roster)
        else:
            roster_frame = roster
    corpora: list[Corpus] = []
    problems: list[InputError] = []
    failed: list[str] = []
    seen_ids: dict[str, str] = {}
    seen_segments: set[str] = set()
    named: dict[str, list[str]] = {}  # lower-case transcript id -> the roster's speakers
    if roster_frame is not None:
        from .roster import _as_roster

        roster_frame = _as_roster(roster_frame)
        for t, sp in zip(roster_frame["transcript"], roster_frame["speaker"], strict=True):
            named.setdefault(str(t).lower(), []).append(str(sp))
    for p in iter_input_files(paths, exclude=exclude):
        spath = os.fspath(p)
        try:
            c = read_transcript(
                p, speakers=named.get(p.stem.lower(), ()), questions=questions, attributes=attributes, strict=strict
            )
        except CollapsedTranscriptError:
            raise  # strict: a collapsed transcript stops the batch, as an unknown speaker does
        except InputError as err:
            logger.debug("skipped %s: %s", spath, err)
            problems.append(err)
            failed.append(p.stem)
            continue
        clash = [t for t in c.texts if t in seen_ids]
        if clash:
            problems.append(
                InputError(
                    f"transcript id {clash[0]!r} was already read from {seen_ids[clash[0]]}; "
                    "rename one of the files (ids are file names without extension)",
                    path=spath,
                )
            )
            continue
        dup = set(c.segments["segment_id"]) & seen_segments
        if dup:
            problems.append(InputError(f"segment id(s) {sorted(dup)[:5]} already read from another file", path=spath))
            continue
        for t in c.texts:
            seen_ids[t] = spath
        seen_segments.update(c.segments["segment_id"])
        problems.extend(c.problems)
        c.problems = []
        corpora.append(c)
    corpus = Corpus.concat(corpora)
    corpus.problems = problems
    if not corpora:
        logger.warning("no transcripts could be read from %s", ", ".join(os.fspath(p) for p in paths))
    if roster_frame is not None and corpora:
        from .roster import apply_roster

        corpus = apply_roster(corpus, roster_frame, strict=strict, skip_transcripts=failed)
    return corpus
