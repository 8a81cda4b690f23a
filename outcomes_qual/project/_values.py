"""Conversions between pandas/numpy values, SQLite values and JSON.

Examples
--------
>>> import numpy as np
>>> sql_value(np.int64(3)), sql_value(float("nan")), sql_value("x")
(3, None, 'x')
>>> codebook_from_data(codebook_data(Codebook("cb", (Code("time", "Time", "About time."),)))).keys()
['time']
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..codebook.model import Code, Codebook

_CODE_LIST_FIELDS = ("include", "exclude", "keywords", "examples")


def now() -> str:
    """Current UTC time as ISO 8601 with microseconds (sorts as text)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas.NA."""
    if value is None:
        return True
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return bool(result) if np.ndim(result) == 0 else False


def sql_value(value: Any) -> Any:
    """A value SQLite stores natively: None, int, float, str (or bytes)."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, (pd.Timestamp, _dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    """A JSON-serialisable value (NaN becomes null)."""
    value = sql_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def dump_extra(row: Mapping[Any, Any], columns: list[str]) -> str | None:
    """JSON object of ``row``'s ``columns`` (in order), or None when there are none."""
    if not columns:
        return None
    return json.dumps({c: json_value(row.get(c)) for c in columns}, ensure_ascii=False)


def load_extra(text: str | None) -> dict[str, Any]:
    """Inverse of :func:`dump_extra`."""
    return json.loads(text) if text else {}


def codebook_data(codebook: Codebook) -> dict[str, Any]:
    """A codebook as plain JSON data (source line numbers are not kept)."""
    return {
        "name": codebook.name,
        "description": codebook.description,
        "version": codebook.version,
        "codes": [
            {
                "key": c.key,
                "label": c.label,
                "definition": c.definition,
                **{f: list(getattr(c, f)) for f in _CODE_LIST_FIELDS},
                "color": c.color,
            }
            for c in codebook.codes
        ],
    }


def codebook_from_data(data: dict[str, Any]) -> Codebook:
    """Inverse of :func:`codebook_data`."""
    codes = tuple(
        Code(
            key=c["key"],
            label=c["label"],
            definition=c["definition"],
            include=tuple(c.get("include") or ()),
            exclude=tuple(c.get("exclude") or ()),
            keywords=tuple(c.get("keywords") or ()),
            examples=tuple(c.get("examples") or ()),
            color=c.get("color"),
        )
        for c in data["codes"]
    )
    return Codebook(name=data["name"], codes=codes, description=data.get("description", ""), version=data.get("version", "1"))


def codebook_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the codebook's canonical JSON (identical content, identical hash)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
