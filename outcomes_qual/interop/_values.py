"""Typed REFI-QDA variables: choosing a ``typeOfVariable`` and writing/reading values.

Examples
--------
>>> infer_type([3, 4]), infer_type([2.5]), infer_type([True]), infer_type(["2024-01-31"]), infer_type(["Fife"])
('Integer', 'Float', 'Boolean', 'Date', 'Text')
>>> value_element_name("Float"), format_value(1e-7, "Float")
('FloatValue', '0.0000001')
>>> read_value("IntegerValue", " 42 "), read_value("BooleanValue", "1"), read_value("DateValue", "2024-01-31")
(42, True, '2024-01-31')
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")

#: ``typeOfVariable`` -> value element.
VALUE_ELEMENTS = {
    "Text": "TextValue",
    "Boolean": "BooleanValue",
    "Integer": "IntegerValue",
    "Float": "FloatValue",
    "Date": "DateValue",
    "DateTime": "DateTimeValue",
}


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA``/``NaT`` and blank strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_date_string(v: str) -> bool:
    if not _DATE_RE.match(v):
        return False
    try:
        _dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _kind(v: object) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "Boolean"
    if isinstance(v, numbers.Integral):
        return "Integer"
    if isinstance(v, numbers.Real):
        return "Float" if math.isfinite(float(v)) else "Text"
    if isinstance(v, (pd.Timestamp, _dt.datetime)):
        ts = pd.Timestamp(v)
        return "Date" if ts == ts.normalize() else "DateTime"
    if isinstance(v, _dt.date):
        return "Date"
    if isinstance(v, str):
        s = v.strip()
        if _is_date_string(s):
            return "Date"
    return "Text"


def infer_type(values) -> str:
    """The REFI ``typeOfVariable`` that holds every non-missing value in ``values``.

    Mixed integers and floats give ``Float``; anything else mixed gives ``Text``.
    """
    kinds = {_kind(v) for v in values if not is_missing(v)}
    if not kinds:
        return "Text"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"Integer", "Float"}:
        return "Float"
    if kinds <= {"Date", "DateTime"}:
        return "DateTime"
    return "Text"


def value_element_name(type_of_variable: str) -> str:
    """The ``VariableValue`` child element for a variable type."""
    return VALUE_ELEMENTS[type_of_variable]


def format_value(value: Any, type_of_variable: str) -> str:
    """``value`` as the lexical form its XSD type expects."""
    if type_of_variable == "Boolean":
        return "true" if bool(value) else "false"
    if type_of_variable == "Integer":
        return str(int(value))
    if type_of_variable == "Float":
        text = format(Decimal(repr(float(value))), "f")
        return text
    if type_of_variable == "Date":
        if isinstance(value, str):
            return value.strip()
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if type_of_variable == "DateTime":
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        return ts.strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def read_value(element_name: str, text: str | None) -> object:
    """Python value of a ``*Value`` element (``None`` when empty or unreadable).

    Dates and date-times come back as ISO strings, as rosters hold them.
    """
    if text is None:
        return None
    s = text.strip()
    if element_name == "TextValue":
        return text
    if not s:
        return None
    if element_name == "BooleanValue":
        return {"true": True, "1": True, "false": False, "0": False}.get(s.lower())
    if element_name == "IntegerValue":
        try:
            return int(s)
        except ValueError:
            return None
    if element_name == "FloatValue":
        try:
            return float(Decimal(s))
        except (InvalidOperation, ValueError):
            return None
    if element_name == "DateValue":
        return s[:10] if _is_date_string(s[:10]) else None
    if element_name == "DateTimeValue":
        return s if _DATETIME_RE.match(s) else None
    return s
