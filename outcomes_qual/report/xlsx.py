"""Write tables to CSV files and to one Excel workbook (one sheet per table).

Rounding happens here, at export: floats are rounded to ``decimals`` places.
Text cells that a spreadsheet would run as a formula are neutralised
(:mod:`outcomes_qual.safe_tables`); numbers stay numbers.

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> from openpyxl import load_workbook
>>> with tempfile.TemporaryDirectory() as d:
...     path = write_workbook({"role_by_theme": pd.DataFrame({"a": [1.23456]})}, Path(d) / "t.xlsx")
...     load_workbook(path).sheetnames
['role_by_theme']
>>> sheet_name("a/b: a very long table name that Excel would refuse", set())
'a_b_ a very long table name tha'
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from ..safe_tables import type_text_cells, write_csv

logger = logging.getLogger(__name__)

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """An Excel-safe, unique (case-insensitively) sheet name of at most 31 characters."""
    base = _BAD.sub("_", name)[:31] or "sheet"
    out, i = base, 2
    while out.lower() in {t.lower() for t in taken}:
        suffix = f"_{i}"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    return out


def rounded(frame: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Copy of ``frame`` with float columns rounded (export only)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals)
    return out


def write_csvs(tables: dict[str, pd.DataFrame], out_dir: Path, *, decimals: int = 4) -> dict[str, Path]:
    """Write each table to ``out_dir/<name>.csv``; return name -> path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in tables.items():
        path = out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.csv"
        write_csv(rounded(frame, decimals), path)
        paths[name] = path
    return paths


def write_workbook(tables: dict[str, pd.DataFrame], path: Path, *, decimals: int = 4) -> Path:
    """Write ``tables`` to one ``.xlsx`` workbook, one sheet per table.

    Header rows are bold on a shaded fill and frozen; column widths follow
    the content (capped); long text wraps.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sname = sheet_name(name, taken)
            taken.add(sname)
            data = rounded(frame, decimals)
            for col in data.columns:
                if data[col].dtype == object or pd.api.types.is_string_dtype(data[col]):
                    data[col] = data[col].astype(object).where(data[col].notna(), None)
            data.to_excel(writer, sheet_name=sname, index=False)
            ws = writer.sheets[sname]
            type_text_cells(ws)  # every text cell neutralised and typed as text, never a formula
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F4E79")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for j, col in enumerate(data.columns, start=1):
                lengths = [len(str(col))] + [len(str(v)) for v in data[col].head(200).tolist() if v is not None]
                width = min(max(lengths) + 2, 60)
                ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
                if max(lengths) > 60:
                    for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        for cell in row:
                            cell.alignment = Alignment(wrap_text=True, vertical="top")
    logger.info("wrote %s (%d sheets)", path, len(tables))
    return path
