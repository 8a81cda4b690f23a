r"""Leak check: scan written outputs for real names.

:func:`scan_for_names` reads what a colleague would receive, in the formats
the toolkit writes, and lists every occurrence of a name (in any of the
forms :class:`~outcomes_qual.anonymise.names.NameMatcher` matches: full,
first name, surname, title + surname, any case, with or without accents):

- ``.docx``: the text of ``word/document.xml`` and headers, footers,
  footnotes, comments (runs of a paragraph are joined first, so a name split
  across runs is still found), and document properties;
- ``.xlsx``: ``xl/sharedStrings.xml``, inline strings in every sheet, sheet
  names and document properties;
- ``.qdpx`` (and any other zip): ``project.qde``, ``sources/*.txt`` and every
  other text-like member;
- ``.csv``, ``.txt``, ``.md``, ``.json``, ``.jsonl``, ``.html``, ``.xml``,
  ``.qde``, ``.qdc``, ``.yaml``, ``.tsv``, ``.svg`` (matplotlib writes each
  label as an XML comment too);
- ``.png``: its text chunks (tEXt, iTXt, zTXt). Text drawn as pixels cannot be
  read back without OCR: render figures from pseudonymised data.

Directories are scanned recursively.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "quotes.csv").write_text("role,quote\nSenior,Llyr's plan worked\n", encoding="utf-8")
>>> scan_for_names([d], ["Llŷr"])[["member", "name", "matched"]].values.tolist()
[['', 'Llŷr', 'Llyr']]
"""

from __future__ import annotations

import html
import io
import logging
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from ..errors import InputError, OutcomesQualError
from .names import NameMatcher, is_generic_label, names_frame

logger = logging.getLogger(__name__)

#: Columns of the leak table, in order.
LEAK_COLUMNS: tuple[str, ...] = ("file", "member", "name", "matched", "context")

TEXT_SUFFIXES: frozenset[str] = frozenset(
    {
        ".csv",
        ".tsv",
        ".txt",
        ".md",
        ".json",
        ".jsonl",
        ".html",
        ".htm",
        ".xml",
        ".qde",
        ".qdc",
        ".yaml",
        ".yml",
        ".svg",
        ".rels",
        ".vtt",
        ".srt",
        ".log",
    }
)
ZIP_SUFFIXES: frozenset[str] = frozenset({".docx", ".xlsx", ".pptx", ".qdpx", ".zip", ".odt", ".ods"})
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MAX_MEMBER = 200 * 1024 * 1024


class NameLeakError(OutcomesQualError, AssertionError):
    """A real name was found in an output that should be pseudonymised."""


def _name_list(names) -> list[tuple[str, bool]]:
    """``(name, is_person)`` pairs from a list, names CSV, names DataFrame or mapping DataFrame.

    Places and organisations (by category or replacement) are matched as
    written; people also by first name, surname and title + surname.
    """
    from .pseudonymise import is_place_category

    if names is None:
        return []
    if isinstance(names, pd.DataFrame) and "original" in names.columns:
        out = []
        for row in names.to_dict("records"):
            value = str(row.get("original") or "").strip()
            if not value or (row.get("source") == "speaker" and is_generic_label(value)):
                continue
            category = "" if row.get("source") == "speaker" else row.get("category")
            out.append((value, not is_place_category(category, row.get("replacement"))))
        return list(dict.fromkeys(out))
    if isinstance(names, (str, os.PathLike, pd.DataFrame)):
        frame = names_frame(names)
        return [
            (str(n), not is_place_category(c, r))
            for n, c, r in zip(frame["name"], frame["category"], frame["replacement"], strict=True)
        ]
    return [(str(n), True) for n in names if str(n).strip() and not is_generic_label(str(n))]


def _docx_text(data: bytes) -> str:
    root = ET.fromstring(data)
    paragraphs = []
    for p in root.iter(f"{_W}p"):
        parts = []
        for el in p.iter():
            if el.tag == f"{_W}t" and el.text:
                parts.append(el.text)
            elif el.tag in (f"{_W}tab", f"{_W}br"):
                parts.append(" ")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _xml_text(data: bytes, *, text: bool = True) -> str:
    """All text (unless ``text=False``) and attribute values of an XML document, one per line."""
    root = ET.fromstring(data)
    out: list[str] = []
    for el in root.iter():
        out.extend(v for v in el.attrib.values() if v)
        if text and el.text and el.text.strip():
            out.append(el.text)
        if text and el.tail and el.tail.strip():
            out.append(el.tail)
    return "\n".join(out)


def _xlsx_strings(data: bytes) -> str:
    root = ET.fromstring(data)
    items = []
    for si in root.iter():
        if si.tag in (f"{_S}si", f"{_S}is"):
            items.append("".join(t.text or "" for t in si.iter(f"{_S}t")))
    return "\n".join(items)


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _png_text(data: bytes) -> str:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        try:
            if kind == b"tEXt":
                out.append(body.replace(b"\0", b" ").decode("latin-1"))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                out.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                flag, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _tkey, _, text = rest.partition(b"\0")
                text = zlib.decompress(text) if flag else text
                out.append(key.decode("latin-1") + " " + text.decode("utf-8", "replace"))
        except (zlib.error, IndexError, UnicodeDecodeError):  # pragma: no cover - corrupt chunk
            continue
        if kind == b"IEND":
            break
    return "\n".join(out)


def _member_texts(path: Path, suffix: str, data: bytes, member: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(member, text)`` pieces of one file (or zip member) to scan."""
    if suffix in ZIP_SUFFIXES or (data[:4] == b"PK\x03\x04" and suffix not in TEXT_SUFFIXES):
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            yield member, _decode(data)
            return
        with zf:
            for info in zf.infolist():
                if info.is_dir() or info.file_size > _MAX_MEMBER:
                    continue
                name = info.filename
                inner = zf.read(info)
                where = f"{member}!{name}" if member else name
                low = name.lower()
                ext = os.path.splitext(low)[1]
                try:
                    if low.startswith("word/") and ext == ".xml":
                        yield where, _docx_text(inner) + "\n" + _xml_text(inner, text=False)
                    elif low.startswith("xl/") and low.endswith("sharedstrings.xml"):
                        yield where, _xlsx_strings(inner)
                    elif ext in (".xml", ".qde", ".qdc", ".rels"):
                        yield where, _xml_text(inner)
                    elif ext in ZIP_SUFFIXES:
                        yield from _member_texts(path, ext, inner, where)
                    elif ext in TEXT_SUFFIXES or ext == "":
                        yield where, _decode(inner)
                    elif ext == ".png":
                        yield where, _png_text(inner)
                except ET.ParseError:
                    yield where, html.unescape(_decode(inner))
        return
    if suffix == ".png":
        yield member, _png_text(data)
        return
    text = _decode(data)
    if suffix in (".svg", ".xml", ".qde", ".qdc", ".html", ".htm"):
        text = html.unescape(text)
    yield member, text


#: SQLite files (a project and its WAL) are not scanned: a project holds the name mapping by design,
#: and reading it outside SQLite would drop this process's locks on it (lost writes elsewhere).
SQLITE_SUFFIXES: tuple[str, ...] = (
    ".sqlite",
    ".sqlite3",
    ".db",
    ".sqlite-wal",
    ".sqlite-shm",
    ".sqlite-journal",
    ".db-wal",
    ".db-shm",
    ".db-journal",
)


def _iter_files(paths: Iterable) -> Iterator[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file())
        elif p.is_file():
            found = [p]
        else:
            raise InputError("no such file or directory to scan", path=p)
        for q in found:
            if q.name.lower().endswith(SQLITE_SUFFIXES):
                logger.info("%s: not scanned (an SQLite file; a project keeps its name mapping by design)", q)
                continue
            yield q


def scan_for_names(paths, names) -> pd.DataFrame:
    """Return one row per occurrence of a real name in the files at ``paths``.

    Parameters
    ----------
    paths : path or iterable of paths
        Files or directories (scanned recursively): report.docx, tables.xlsx,
        CSVs, figures, .qdpx exports, pseudonymised transcripts...
    names : list of str, names CSV path, names DataFrame or mapping DataFrame
        The real names (a mapping from :func:`pseudonymise_corpus` works:
        its ``original`` column is used, generic speaker labels skipped).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEAK_COLUMNS`: the file, the zip member (``""`` for a
        plain file), the listed name, the text that matched and 30 characters
        of context either side. Empty when nothing leaked.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_text("[Child 1] and Mrs. Jones", encoding="utf-8")
    >>> scan_for_names(p, ["Megan Jones"])["matched"].tolist()
    ['Mrs. Jones']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    listed = _name_list(names)
    matcher = NameMatcher([(n, n, {"tag": n, "person": person}) for n, person in listed])
    rows = []
    if not matcher:
        return pd.DataFrame(columns=list(LEAK_COLUMNS))
    for path in _iter_files(paths):
        data = path.read_bytes()
        for member, text in _member_texts(path, path.suffix.lower(), data):
            if not text:
                continue
            for start, end, matched, _, tag in matcher.finditer(text):
                a, b = max(0, start - 30), min(len(text), end + 30)
                rows.append(
                    {
                        "file": str(path),
                        "member": member,
                        "name": tag,
                        "matched": matched,
                        "context": " ".join(text[a:b].split()),
                    }
                )
    return pd.DataFrame(rows, columns=list(LEAK_COLUMNS))


def assert_no_names(paths, names) -> None:
    """Raise :class:`NameLeakError` listing the leaks when any name occurs in ``paths``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_text("Peter rang", encoding="utf-8")
    >>> assert_no_names(p, ["Peter"])
    Traceback (most recent call last):
    ...
    outcomes_qual.anonymise.leaks.NameLeakError: NAME LEAK: 1 occurrence(s) of real names in 1 file(s): ...t.txt: 'Peter' in
    'Peter rang'
    """
    leaks = scan_for_names(paths, names)
    if len(leaks):
        shown = [
            f"{r['file']}{'!' + r['member'] if r['member'] else ''}: {r['matched']!r} in {r['context']!r}"
            for r in leaks.head(5).to_dict("records")
        ]
        more = f" (and {len(leaks) - 5} more)" if len(leaks) > 5 else ""
        raise NameLeakError(
            f"NAME LEAK: {len(leaks)} occurrence(s) of real names in {leaks['file'].nunique()} file(s): "
            + "; ".join(shown)
            + more
        )
