"""A codebook's training corpus: written turns labelled with the codebook's codes.

A codebook may come with a corpus of labelled turns that the default coder
learns from (:class:`~outcomes_qual.coding.EnsembleCoder`). It is a JSON Lines
file, one object per line:

- ``text``: the turn (required, not empty);
- ``codes``: a list of full code keys (``systems_barriers/paperwork_and_it``
  or a theme such as ``time``); an empty list is a turn that carries no code
  (a negative example);
- optional metadata: ``role``, ``setting``, ``register``, ``batch`` (the
  coder's settings are chosen by cross-validation grouped by ``batch``),
  ``tone``.

:func:`~outcomes_qual.codebook.load_codebook` finds it beside the codebook as
``<name>.training.jsonl`` (``codebooks/outcomes_practice.yaml`` ->
``codebooks/outcomes_practice.training.jsonl``) or through a ``training:``
key in the YAML (a path relative to the codebook), and validates it: a line
that is not JSON, an empty text, a code key not in the codebook or a text
that repeats an earlier one is an :class:`~outcomes_qual.errors.InputError`
naming the file and the line.

Examples
--------
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("d", (Code("time", "Time", "Time pressure."), Code("time/rush", "Rush", "Hurry.")))
>>> rows = ['{"text": "No time at all.", "codes": ["time/rush"], "batch": "a"}',
...         '{"text": "Can you all hear me?", "codes": []}']
>>> frame = parse_training_lines(rows, cb, path="t.jsonl")
>>> frame[["text", "codes", "batch"]].values.tolist()
[['No time at all.', ['time/rush'], 'a'], ['Can you all hear me?', [], '']]
>>> parse_training_lines(['{"text": "x", "codes": ["money"]}'], cb, path="t.jsonl")
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: t.jsonl:1: unknown code 'money'; expected a key of codebook 'd' such as ['time', 'time/rush']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .model import Codebook

#: Columns of a loaded training corpus, declared once.
TRAINING_COLUMNS: tuple[str, ...] = ("text", "codes", "role", "setting", "register", "batch", "line")

#: Metadata fields a row may carry besides ``text`` and ``codes``.
METADATA_FIELDS: tuple[str, ...] = ("role", "setting", "register", "batch", "tone")

#: Suffix of the corpus file found beside a codebook.
TRAINING_SUFFIX = ".training.jsonl"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold())


def default_training_path(codebook_path: str | os.PathLike) -> Path:
    """Where the corpus of ``codebook_path`` is looked for when the YAML names none.

    Examples
    --------
    >>> default_training_path("codebooks/outcomes_practice.yaml").as_posix()
    'codebooks/outcomes_practice.training.jsonl'
    """
    p = Path(codebook_path)
    return p.with_name(p.stem + TRAINING_SUFFIX)


def parse_training_lines(lines: Iterable[str], codebook: Codebook, *, path: str | os.PathLike = "<training>") -> pd.DataFrame:
    """Validate JSON Lines of labelled turns against ``codebook``; one row per turn.

    Parameters
    ----------
    lines : iterable of str
        The file's lines (blank lines are skipped).
    codebook : Codebook
    path : path-like
        Named in messages.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRAINING_COLUMNS` (``codes`` holds lists; ``line`` the
        1-based line number; missing metadata is ``""``).

    Raises
    ------
    InputError
        Naming the file and line: not JSON, not an object, an empty or
        missing ``text``, ``codes`` not a list of strings, an unknown code
        key, or a text already given on an earlier line.
    """
    keys = set(codebook.keys())
    shown = os.fspath(path)
    rows = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not a JSON object ({err.msg})", path=shown, line=n) from None
        if not isinstance(obj, dict):
            raise InputError(f"expected a JSON object with text and codes, got {type(obj).__name__}", path=shown, line=n)
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError("empty row: expected a non-empty 'text'", path=shown, line=n)
        codes = obj.get("codes", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise InputError(f"'codes' must be a list of code keys, got {codes!r}", path=shown, line=n)
        for c in codes:
            if c not in keys:
                raise InputError(
                    f"unknown code {c!r}; expected a key of codebook {codebook.name!r} such as {sorted(keys)[:2]}",
                    path=shown,
                    line=n,
                )
        key = _norm(text)
        if key in seen:
            raise InputError(f"duplicate text: the same turn is on line {seen[key]}", path=shown, line=n)
        seen[key] = n
        meta = {f: str(obj.get(f) or "") for f in METADATA_FIELDS}
        rows.append((text, list(dict.fromkeys(codes)), meta["role"], meta["setting"], meta["register"], meta["batch"], n))
    return pd.DataFrame(rows, columns=list(TRAINING_COLUMNS))


def load_training_corpus(path: str | os.PathLike, codebook: Codebook) -> pd.DataFrame:
    """Read and validate the training corpus at ``path`` (see :func:`parse_training_lines`).

    Raises
    ------
    InputError
        When the file is missing or not UTF-8, or a line is invalid (naming the line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("training corpus not found: expected a JSON Lines file of labelled turns", path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"training corpus is not UTF-8 text ({err.reason} at byte {err.start})", path=path) from None
    return parse_training_lines(text.splitlines(), codebook, path=path)


def training_corpus(codebook: Codebook) -> pd.DataFrame | None:
    """The validated training corpus a codebook was loaded with, or ``None`` when it has none."""
    if not codebook.training_path:
        return None
    return load_training_corpus(codebook.training_path, codebook)


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (hex), read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


__all__ = [
    "METADATA_FIELDS",
    "TRAINING_COLUMNS",
    "TRAINING_SUFFIX",
    "default_training_path",
    "file_digest",
    "load_training_corpus",
    "parse_training_lines",
    "training_corpus",
]
