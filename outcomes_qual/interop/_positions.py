r"""Re-basing REFI-QDA character positions onto normalised text.

REFI positions are code points into a source's plain text, but tools differ
on line ends: most count the CR of a CRLF as a character, one writes CRLF
files yet counts CRLF as one. This module decodes a source, strips a BOM,
and maps positions in either convention onto the toolkit's normalised text
(NFC, LF), choosing the convention that fits the selections when asked to.

Examples
--------
>>> src = SourceText.from_bytes("Ann: Hi\r\nBo: Caf\u00e9\r\n".encode("utf-8"))
>>> src.text
'Ann: Hi\nBo: Café\n'
>>> pmap = src.position_map([(5, 7), (13, 17)], convention="auto")
>>> pmap.convention, [src.text[pmap(s):pmap(e)] for s, e in [(5, 7), (13, 17)]]
('raw', ['Hi', 'Café'])
>>> pmap = src.position_map([(5, 7), (12, 16)], convention="auto")
>>> pmap.convention, src.text[pmap(12):pmap(16)]
('collapsed', 'Café')
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..text import normalise_text

CONVENTIONS = ("auto", "raw", "collapsed")


@dataclass
class SourceText:
    """A source's decoded text before (``raw``) and after (``text``) normalisation."""

    raw: str
    text: str
    encoding: str = "utf-8"

    @classmethod
    def from_bytes(cls, data: bytes) -> "SourceText":
        """Decode ``data``: UTF-8 (BOM stripped), UTF-16 with a BOM, else Windows-1252."""
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raw, enc = data.decode("utf-16"), "utf-16"
        else:
            try:
                raw, enc = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                raw, enc = data.decode("cp1252", errors="replace"), "cp1252"
        return cls.from_str(raw, encoding=enc)

    @classmethod
    def from_str(cls, raw: str, *, encoding: str = "utf-8") -> "SourceText":
        if raw.startswith("\ufeff"):
            raw = raw[1:]
        return cls(raw=raw, text=normalise_text(raw), encoding=encoding)

    def position_map(self, spans: Sequence[tuple[int, int]], *, convention: str = "auto") -> "PositionMap":
        """A map for positions in ``convention`` (``auto`` picks the one that fits ``spans``)."""
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
        if "\r\n" not in self.raw:
            if self.raw == self.text:  # already normalised: positions need no mapping
                return PositionMap(None, "raw", len(self.raw))
            return PositionMap(self._table(collapse=False), "raw", len(self.raw))
        if convention != "auto":
            return self._make(convention)
        candidates = [self._make("raw"), self._make("collapsed")]
        fitting = [m for m in candidates if all(0 <= s <= e <= m.basis_len for s, e in spans)]
        if len(fitting) == 1:
            return fitting[0]
        if not fitting:
            return candidates[0]
        scores = [self._score(m, spans) for m in fitting]
        return fitting[1] if scores[1] > scores[0] else fitting[0]

    def _make(self, convention: str) -> "PositionMap":
        collapse = convention == "collapsed"
        basis_len = len(self.raw.replace("\r\n", "\n")) if collapse else len(self.raw)
        return PositionMap(self._table(collapse=collapse), convention, basis_len)

    def _basis(self, convention: str) -> str:
        return self.raw.replace("\r\n", "\n") if convention == "collapsed" else self.raw

    def _score(self, pmap: "PositionMap", spans: Sequence[tuple[int, int]]) -> int:
        """How many span ends fall on word boundaries in the basis text."""
        basis = self._basis(pmap.convention)
        score = 0
        for s, e in spans:
            for p in (s, e):
                if p <= 0 or p >= len(basis):
                    score += 1
                    continue
                a, b = basis[p - 1], basis[p]
                if a == "\r" and b == "\n":
                    score -= 2  # between CR and LF: never a place a person selects
                elif a.isalnum() != b.isalnum() or a.isspace() or b.isspace():
                    score += 1
        return score

    def _table(self, *, collapse: bool) -> list[int]:
        """Index in ``self.text`` for every position 0..len(basis) of the basis text."""
        raw = self.raw
        # basis -> LF text (CRLF -> LF, lone CR -> LF)
        to_lf: list[int] = []
        j = 0
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
                if collapse:
                    to_lf.append(j)
                else:
                    to_lf.extend((j, j))
                j += 1
                i += 2
                continue
            to_lf.append(j)
            j += 1
            i += 1
        to_lf.append(j)
        lf = raw.replace("\r\n", "\n").replace("\r", "\n")
        if unicodedata.is_normalized("NFC", lf):
            return to_lf
        nfc = _nfc_table(lf)
        return [nfc[k] for k in to_lf]


def _nfc_table(lf: str) -> list[int]:
    """Index in ``NFC(lf)`` for each position of ``lf`` (runs start at combining class 0)."""
    runs: list[str] = []
    for ch in lf:
        if runs and unicodedata.combining(ch):
            runs[-1] += ch
        else:
            runs.append(ch)
    table: list[int] = []
    pos = 0
    for run in runs:
        composed = unicodedata.normalize("NFC", run)
        for k in range(len(run)):
            table.append(pos + min(k, len(composed)))
        pos += len(composed)
    table.append(pos)
    if "".join(unicodedata.normalize("NFC", r) for r in runs) != unicodedata.normalize("NFC", lf):
        # Compositions across runs (rare: e.g. Hangul jamo); clamp to the text length.
        total = len(unicodedata.normalize("NFC", lf))
        table = [min(t, total) for t in table]
    return table


@dataclass
class PositionMap:
    """Callable mapping a position in the tool's convention to the normalised text."""

    table: list[int] | None  # None: identity
    convention: str
    basis_len: int

    def __call__(self, position: int) -> int:
        return position if self.table is None else self.table[position]

    def fits(self, start: int, end: int) -> bool:
        return 0 <= start <= end <= self.basis_len
