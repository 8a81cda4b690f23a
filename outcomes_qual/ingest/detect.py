r"""Pick a reader by extension and content; decode text files safely.

Examples
--------
>>> detect_format("notes.txt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nAnn: hi\n")
'vtt'
>>> detect_format("fg1.txt", b"Ann: hello\n")
'txt'
>>> decode_bytes(b"caf\xe9", path="x.txt")
'café'
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: File extensions read when walking a directory, and the format each implies.
EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "consultation",
    ".parquet": "consultation",
}

#: Extensions we recognise but cannot read, with advice.
UNSUPPORTED: dict[str, str] = {
    ".doc": "old Word .doc files cannot be read; save it as .docx",
    ".pdf": "PDF files cannot be read; export the transcript as .docx or .txt",
    ".rtf": "RTF files cannot be read; save it as .docx or .txt",
    ".odt": "OpenDocument files cannot be read; save it as .docx",
    ".xls": "spreadsheets cannot be read as transcripts; save the sheet as CSV with id and text columns",
}

_SRT_START = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.M)


def is_binary(data: bytes) -> bool:
    r"""Return True when ``data`` looks like a binary (non-text) file.

    Examples
    --------
    >>> is_binary(b"\x00\x01\x02PNG"), is_binary("Ann: hello".encode())
    (True, False)
    """
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and control / len(head) > 0.05


def decode_bytes(data: bytes, *, path: str | os.PathLike) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    A file that is not UTF-8 is read as Windows-1252 (or Latin-1 where that
    fails) with a logged warning, so "café" and curly quotes come out right.

    Raises
    ------
    InputError
        For binary data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(f"has a UTF-16 byte-order mark but is not valid UTF-16 ({err.reason})", path=path) from None
    if is_binary(data):
        raise InputError("is a binary file, not a text transcript", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
            encoding = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            encoding = "Latin-1"
        logger.warning("%s:%d: not UTF-8; read as %s", os.fspath(path), line, encoding)
        return text


def detect_format(path: str | os.PathLike, data: bytes) -> str:
    """Return the reader name for ``path`` given its bytes.

    The extension decides, but content wins where they disagree: a ``.txt``
    that starts with ``WEBVTT`` is read as WebVTT, a ``.txt`` holding SRT
    cues as SRT, and a zip archive with a text extension as .docx.

    Returns
    -------
    str
        One of ``"txt"``, ``"vtt"``, ``"srt"``, ``"docx"``, ``"csv"``, ``"jsonl"``,
        ``"consultation"`` (.xlsx, .parquet; a wide CSV is told apart when read).

    Raises
    ------
    InputError
        For an unsupported format such as .pdf or .doc.
    """
    suffix = Path(path).suffix.lower()
    if suffix in UNSUPPORTED:
        raise InputError(UNSUPPORTED[suffix], path=path)
    fmt = EXTENSIONS.get(suffix, "txt")
    if fmt == "consultation":
        return fmt
    if fmt == "docx" or data[:4] == b"PK\x03\x04":
        return "docx"
    if fmt in ("csv", "jsonl"):
        return fmt
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text_head = head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    else:
        text_head = head.decode("utf-8", errors="replace")
    text_head = text_head.lstrip("\ufeff \t\r\n").replace("\r\n", "\n")
    if text_head.startswith("WEBVTT"):
        return "vtt"
    if _SRT_START.match(text_head):
        return "srt"
    if fmt == "txt" and suffix not in EXTENSIONS and text_head.startswith("{"):
        return "jsonl"
    return fmt
