"""Participant breakdown: distinct participants by any two roster variables.

The table evaluation reports open with: senior staff and practitioners by
research method, per department and in total.

Examples
--------
>>> import pandas as pd
>>> roster = pd.DataFrame({
...     "participant_id": ["p1", "p2", "p3", "p4"],
...     "role": ["senior", "practitioner", "practitioner", "practitioner"],
...     "method": ["interview", "focus_group", "focus_group", "interview"],
... })
>>> participant_breakdown(roster, rows="method", cols="role")
        method  practitioner  senior  total
0  focus_group             2       0      2
1    interview             1       1      2
2        total             3       1      4
"""

from __future__ import annotations

import logging

import pandas as pd

from .. import schema
from ._columns import ALL, BY_COLUMN, TOTAL
from ._common import order_roles, role_ranks

logger = logging.getLogger(__name__)

#: Label used for an empty cell in a roster variable.
MISSING = "(missing)"

_KNOWN_ORDERS: dict[str, tuple[str, ...]] = {"role": schema.ROLES, "method": schema.METHODS}


def _values_in_order(series: pd.Series, name: str, ranks: dict | None = None) -> list[str]:
    values = list(dict.fromkeys(series.tolist()))
    if name == "role":  # built-in roles, then the study's groups in roster order (see order_roles)
        return order_roles([v for v in values if v != MISSING], ranks) + ([MISSING] if MISSING in values else [])
    known = _KNOWN_ORDERS.get(name)
    if known and all(v in known or v == MISSING for v in values):
        return [v for v in known if v in values] + ([MISSING] if MISSING in values else [])
    return sorted(v for v in values if v != MISSING) + ([MISSING] if MISSING in values else [])


def _id_series(frame: pd.DataFrame, id_column: str | None) -> pd.Series:
    if id_column is not None:
        schema.check_columns(frame, [id_column], name="participants")
        ids = frame[id_column].astype("string")
        return ids.where(ids.notna() & (ids != ""), "row" + pd.Series(range(len(frame)), index=frame.index).astype(str))
    if "participant_id" in frame:
        return _id_series(frame, "participant_id")
    if {"transcript", "speaker"} <= set(frame.columns):
        return frame["transcript"].astype(str) + "\x1f" + frame["speaker"].astype(str)
    if {"transcript_id", "speaker"} <= set(frame.columns):
        return frame["transcript_id"].astype(str) + "\x1f" + frame["speaker"].astype(str)
    return pd.Series([f"row{i}" for i in range(len(frame))], index=frame.index)


def _block(frame: pd.DataFrame, ids: pd.Series, rows: str, cols: str, row_values, col_values) -> pd.DataFrame:
    data = pd.DataFrame({"_id": ids.to_numpy(), "_r": frame[rows].to_numpy(), "_c": frame[cols].to_numpy()})
    cells = data.groupby(["_r", "_c"])["_id"].nunique()
    table = cells.unstack("_c").reindex(index=row_values, columns=col_values).fillna(0).astype(int)
    table[TOTAL] = data.groupby("_r")["_id"].nunique().reindex(row_values).fillna(0).astype(int)
    col_tot = data.groupby("_c")["_id"].nunique().reindex(col_values).fillna(0).astype(int)
    total_row = pd.DataFrame([[*col_tot.tolist(), data["_id"].nunique()]], columns=[*col_values, TOTAL], index=[TOTAL])
    table = pd.concat([table, total_row])
    table.index.name = rows
    table.columns.name = None
    return table.reset_index()


def participant_breakdown(
    participants: pd.DataFrame,
    *,
    rows: str,
    cols: str,
    by: str | None = None,
    id_column: str | None = None,
) -> pd.DataFrame:
    """Count distinct participants by ``rows`` x ``cols`` (optionally per ``by``).

    Parameters
    ----------
    participants : pandas.DataFrame
        A roster or :attr:`Corpus.participants`: one row per (transcript,
        speaker), with the variables named below.
    rows, cols : str
        Roster columns for the table's rows and columns (e.g. ``"method"``
        and ``"role"``). Values are shown as written; empty cells become
        ``"(missing)"``. Roles come in the order of
        :func:`~outcomes_qual.analysis._common.order_roles` (the study's
        groups in roster order when a ``role_order`` column gives it).
    by : str, optional
        A third variable (e.g. ``"department"``): one block per value plus an
        ``"all"`` block pooling every value, each named in a ``by`` column.
    id_column : str, optional
        Column identifying a person. Default: ``participant_id`` when present,
        else (transcript, speaker), else each row is one person.

    Returns
    -------
    pandas.DataFrame
        ``[by,] <rows>, <one column per value of cols>..., total``; the last row
        of each block is ``total``. Cells count *distinct* participants, so a
        person seen by two methods counts once in the column total.

    Raises
    ------
    ValueError
        If a named column is missing, or ``rows``/``cols``/``by`` repeat.

    Examples
    --------
    >>> roster = pd.DataFrame({
    ...     "participant_id": ["a", "b", "c"],
    ...     "role": ["senior", "practitioner", "practitioner"],
    ...     "method": ["meeting", "meeting", "phone"],
    ...     "department": ["adults", "adults", "children"],
    ... })
    >>> t = participant_breakdown(roster, rows="method", cols="role", by="department")
    >>> t[t["by"] == "all"].drop(columns="by").values.tolist()
    [['meeting', 1, 1, 2], ['phone', 1, 0, 1], ['total', 2, 1, 3]]
    """
    names = [rows, cols] + ([by] if by else [])
    if len(set(names)) != len(names):
        raise ValueError(f"rows, cols and by must name different columns, got {names}")
    missing = [n for n in names if n not in participants.columns]
    if missing:
        raise ValueError(
            f"participants: no column {', '.join(map(repr, missing))}; "
            f"available columns are {list(map(str, participants.columns))}"
        )
    frame = participants.copy()
    for n in names:
        col = frame[n].astype("string").str.strip()
        frame[n] = col.where(col.notna() & (col != ""), MISSING).astype(object)
    ids = _id_series(frame, id_column)
    ranks = role_ranks(participants)
    row_values = _values_in_order(frame[rows], rows, ranks)
    col_values = _values_in_order(frame[cols], cols, ranks)
    if by is None:
        return _block(frame, ids, rows, cols, row_values, col_values)
    blocks = []
    for value in _values_in_order(frame[by], by, ranks):
        mask = (frame[by] == value).to_numpy()
        block = _block(frame[mask], ids[mask], rows, cols, row_values, col_values)
        block.insert(0, BY_COLUMN, value)
        blocks.append(block)
    block = _block(frame, ids, rows, cols, row_values, col_values)
    block.insert(0, BY_COLUMN, ALL)
    blocks.append(block)
    return pd.concat(blocks, ignore_index=True)
