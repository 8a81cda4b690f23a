"""Spreadsheet-safe CSV and XLSX: neutralise formula triggers on write, restore them on read.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is evaluated as a formula by Excel and LibreOffice when a commissioner
opens the file (OWASP "CSV injection"). Every CSV and XLSX the toolkit writes
goes through this module, which applies OWASP's remedy: such a cell gets a
leading apostrophe (Excel's "this is text" marker), and in XLSX every text
cell is also typed as text, never as a formula.

The rule, precisely (``T`` is the set of trigger characters above):

* on write, a text value matching ``'*T...`` (zero or more apostrophes, then a
  trigger character) gets **one** more apostrophe in front;
* on read, a text value matching ``'+T...`` loses **one** apostrophe.

Every other value is left exactly as it is, so the two are inverse for every
string: ``restore(neutralise(s)) == s``, including a response that really
begins with ``'=`` (written ``''=``, read back ``'=``). A value that starts
with an apostrophe followed by anything else (``'Tis true``) is never
touched. Only text is changed: numbers in numeric columns (``-0.5`` in a
statistic column) stay numbers.

Our own readers (codings, segments, agreement inputs, rosters, names and the
CSV/JSONL table reader) call :func:`restore`, so a table written by the
toolkit reads back unchanged. This matches what a spreadsheet does: a cell a
person typed as ``'=x`` is the text ``=x``.

Examples
--------
>>> neutralise("=SUM(1+1)")
"'=SUM(1+1)"
>>> neutralise("'=already quoted")
"''=already quoted"
>>> neutralise("'Tis true"), neutralise(-0.5)
("'Tis true", -0.5)
>>> restore(neutralise("-2+3 people said so"))
'-2+3 people said so'
>>> import io, pandas as pd
>>> buf = io.StringIO()
>>> _ = write_csv(pd.DataFrame({"text": ["@SUM(1)", "fine"], "x": [-0.5, 2.0]}), buf)
>>> print(buf.getvalue(), end="")
text,x
'@SUM(1),-0.5
fine,2.0
>>> _ = buf.seek(0)
>>> read_csv(buf)["text"].tolist()
['@SUM(1)', 'fine']
"""

from __future__ import annotations

import csv
import io
import os
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where it is used, so that importing this module stays cheap
    import pandas as pd

#: Characters that make a spreadsheet read a cell as a formula (OWASP).
TRIGGERS: str = "=+-@\t\r"

_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")

__all__ = [
    "TRIGGERS",
    "neutralise",
    "restore",
    "neutralise_frame",
    "restore_frame",
    "write_csv",
    "read_csv",
    "type_text_cells",
    "read_workbook_sheet",
]


def neutralise(value: Any) -> Any:
    r"""``value`` made safe for a spreadsheet cell (text only; anything else is returned as is).

    Examples
    --------
    >>> neutralise("+cmd|' /C calc'!A0"), neutralise("\tx"), neutralise("plain")
    ("'+cmd|' /C calc'!A0", "'\tx", 'plain')
    """
    if isinstance(value, str) and _NEEDS_ESCAPE.match(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """Undo :func:`neutralise` (text only; anything else is returned as is).

    Examples
    --------
    >>> restore("'=1+1"), restore("''=1+1"), restore("'Tis"), restore("=raw")
    ('=1+1', "'=1+1", "'Tis", '=raw')
    """
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list:
    import pandas as pd

    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def _map_text(frame: pd.DataFrame, func, columns=None) -> pd.DataFrame:
    import pandas as pd

    out = frame.copy()
    cols = _text_columns(out) if columns is None else [c for c in columns if c in out.columns]
    for col in cols:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(func, na_action="ignore").astype(series.dtype)
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with every text cell (and column name) passed through :func:`neutralise`.

    Numeric columns, and numbers inside object columns, are untouched.
    """
    out = _map_text(frame, neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def restore_frame(frame: pd.DataFrame, columns=None) -> pd.DataFrame:
    """Copy of ``frame`` with every text cell (or those of ``columns``) passed through :func:`restore`."""
    out = _map_text(frame, restore, columns)
    if columns is None:
        out.columns = [restore(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path_or_buf, **kwargs):
    r"""Write ``frame`` to CSV with every text cell neutralised.

    ``index=False``, ``lineterminator="\n"`` and UTF-8 are the defaults;
    other keyword arguments go to :meth:`pandas.DataFrame.to_csv`. Returns
    ``path_or_buf``.
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    if isinstance(path_or_buf, (str, os.PathLike)):
        kwargs.setdefault("encoding", "utf-8")
    safe = neutralise_frame(frame)
    if "quoting" not in kwargs and _has_carriage_return(safe):
        # Python 3.11's csv writer does not quote a field holding a bare CR when
        # the line terminator is LF; quote every field so the file still parses
        kwargs["quoting"] = csv.QUOTE_ALL
    safe.to_csv(path_or_buf, **kwargs)
    return path_or_buf


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    for col in _text_columns(frame):
        if frame[col].map(lambda v: isinstance(v, str) and "\r" in v).any():
            return True
    return any(isinstance(c, str) and "\r" in c for c in frame.columns)


def read_csv(path_or_buf, **kwargs) -> pd.DataFrame:
    """:func:`pandas.read_csv` then :func:`restore_frame`: reads back what :func:`write_csv` wrote."""
    import pandas as pd

    return restore_frame(pd.read_csv(path_or_buf, **kwargs))


def type_text_cells(worksheet) -> int:
    """Make every string cell of an openpyxl ``worksheet`` safe: neutralised and typed as text.

    Call it once on a sheet holding the original values (openpyxl stores a
    string starting with ``=`` as a formula): each such cell, and every other
    string cell, becomes a plain text cell holding the :func:`neutralise`-d
    value. Numbers, dates and empty cells are untouched. Returns the number
    of cells whose value changed.
    """
    changed = 0
    for row in worksheet.iter_rows():
        for cell in row:
            value = cell.value
            if cell.data_type == "f" and isinstance(value, str):
                cell.value = neutralise(value)
                cell.data_type = "s"
                changed += 1
            elif isinstance(value, str):
                safe = neutralise(value)
                if safe is not value:
                    cell.value = safe
                    changed += 1
                cell.data_type = "s"
    return changed


def read_workbook_sheet(path, sheet_name) -> pd.DataFrame:
    """Read one sheet of an ``.xlsx`` the toolkit wrote back into a DataFrame, text restored."""
    import pandas as pd

    frame = pd.read_excel(path, sheet_name=sheet_name, engine="openpyxl")
    return restore_frame(frame)


def csv_text(frame: pd.DataFrame, **kwargs) -> str:
    """The CSV :func:`write_csv` would write, as a string."""
    buf = io.StringIO()
    write_csv(frame, buf, **kwargs)
    return buf.getvalue()
