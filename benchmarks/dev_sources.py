"""Development gold sources for measuring theme-coding agreement.

Three human-coded sources are available when the ``shared`` folder sits beside
the repository (it is never part of the project, so a fresh clone has none of
them and callers should use :func:`available_sources` to skip cleanly):

``wales``
    The 51 quotes of ``shared/bench/wales_quotes.jsonl`` (text stored in that
    file; ``group`` is the report section the quote sits under).
``webinar``
    Passages of ``shared/reference/midlothian-pace-webinar-transcript-2020.txt``
    coded at theme level; ``group`` is one of eight contiguous sections.
``scw_videos``
    Passages of the video transcripts embedded in
    ``shared/reference/social-care-wales-embedding-the-outcomes-approach.txt``;
    ``group`` is the video (``v1`` to ``v7``).

The project stores no text from ``shared``: ``benchmarks/data/dev_*.jsonl``
hold only ids, character offsets into the reference file, a SHA-1 of the
slice and the themes. The text is cut from the reference file at load time,
timestamp-only caption lines are dropped and whitespace is normalised. See
``benchmarks/data/README.md`` for how the coding was done.

Run ``python benchmarks/dev_sources.py`` for a summary of each source.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd

#: Repository root (``benchmarks/`` sits directly under it).
ROOT = Path(__file__).resolve().parents[1]

#: Default location of the shared material: the ``shared`` folder beside the repository.
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"

#: Folder holding the offset-only gold files.
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Columns of every frame returned by :func:`load_dev_source`.
COLUMNS = ("segment_id", "text", "themes", "group", "source")

#: Offset-based sources: name -> gold file in :data:`DATA_DIR`.
OFFSET_SOURCES = {
    "webinar": "dev_webinar.jsonl",
    "scw_videos": "dev_scw_videos.jsonl",
}

#: All source names, in a fixed order.
SOURCE_NAMES = ("wales", "webinar", "scw_videos")

#: Reference files each source needs, relative to the shared folder.
_NEEDS = {
    "wales": ("bench/wales_quotes.jsonl",),
    "webinar": ("reference/midlothian-pace-webinar-transcript-2020.txt",),
    "scw_videos": ("reference/social-care-wales-embedding-the-outcomes-approach.txt",),
}

# A caption line that holds only a timestamp: "00:12", "1:02:03", "2: 3", "2:59 pm".
_TIMESTAMP_LINE = re.compile(r"^\s*\d{1,2}:\s?\d{1,2}(?::\d{2})?(?:\s*[ap]m)?\s*$", re.IGNORECASE)


def _shared_dir(shared: str | Path | None) -> Path:
    return DEFAULT_SHARED if shared is None else Path(shared)


def clean_span(raw: str) -> str:
    r"""Turn a raw slice of a reference file into unit text.

    Lines holding only a timestamp are dropped and runs of whitespace
    (including the line breaks between caption lines) become one space.

    Parameters
    ----------
    raw : str
        The slice of the reference file.

    Returns
    -------
    str
        The cleaned text.

    Examples
    --------
    >>> clean_span("we sit down\n\n00:08\n\nand we look")
    'we sit down and we look'
    >>> clean_span("  one   two\n2:59 pm\nthree ")
    'one two three'
    """
    kept = [line for line in raw.split("\n") if not _TIMESTAMP_LINE.match(line)]
    return " ".join(" ".join(kept).split())


def available_sources(shared: str | Path | None = None) -> list[str]:
    """List the dev sources whose files are present.

    Parameters
    ----------
    shared : str or Path, optional
        The shared folder; default :data:`DEFAULT_SHARED`.

    Returns
    -------
    list of str
        Names from :data:`SOURCE_NAMES` that :func:`load_dev_source` can load.

    Examples
    --------
    >>> available_sources("/nonexistent/shared")
    []
    """
    base = _shared_dir(shared)
    names = []
    for name in SOURCE_NAMES:
        if not all((base / rel).is_file() for rel in _NEEDS[name]):
            continue
        if name in OFFSET_SOURCES and not (DATA_DIR / OFFSET_SOURCES[name]).is_file():
            continue
        names.append(name)
    return names


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {n}: not valid JSON ({exc.msg})") from None
    return rows


def _load_wales(base: Path) -> pd.DataFrame:
    path = base / "bench" / "wales_quotes.jsonl"
    rows = [
        {
            "segment_id": obj["id"],
            "text": " ".join(str(obj["text"]).split()),
            "themes": list(obj.get("themes") or []),
            "group": obj.get("section", ""),
            "source": obj.get("source", path.name),
        }
        for obj in _read_jsonl(path)
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _load_offsets(name: str, base: Path) -> pd.DataFrame:
    gold_path = DATA_DIR / OFFSET_SOURCES[name]
    texts: dict[str, str] = {}
    rows = []
    for n, obj in enumerate(_read_jsonl(gold_path), start=1):
        ref = base / "reference" / obj["source"]
        if obj["source"] not in texts:
            if not ref.is_file():
                raise FileNotFoundError(f"{gold_path.name}, line {n}: reference file not found: {ref}")
            texts[obj["source"]] = ref.read_text(encoding="utf-8")
        full = texts[obj["source"]]
        start, end = int(obj["start"]), int(obj["end"])
        if not 0 <= start < end <= len(full):
            raise ValueError(f"{gold_path.name}, line {n}: offsets {start}:{end} are outside {ref} ({len(full)} characters)")
        raw = full[start:end]
        digest = hashlib.sha1(raw.encode("utf-8")).hexdigest()
        if digest != obj["sha1"]:
            raise ValueError(
                f"{ref}: the text at {start}:{end} for unit {obj['id']} ({gold_path.name}, line {n}) "
                f"no longer matches the stored sha1 (expected {obj['sha1']}, got {digest}); "
                "the reference file has changed and the gold offsets must be rebuilt"
            )
        rows.append(
            {
                "segment_id": obj["id"],
                "text": clean_span(raw),
                "themes": list(obj.get("themes") or []),
                "group": str(obj["group"]),
                "source": obj["source"],
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def load_dev_source(name: str, shared: str | Path | None = None) -> pd.DataFrame:
    """Load one human-coded dev source as a tidy frame.

    Parameters
    ----------
    name : {"wales", "webinar", "scw_videos"}
        The source.
    shared : str or Path, optional
        The shared folder holding ``bench/`` and ``reference/``; default the
        ``shared`` folder beside the repository root.

    Returns
    -------
    pandas.DataFrame
        One row per unit with columns ``segment_id``, ``text``, ``themes`` (a
        list of theme keys, possibly empty), ``group`` (for grouped
        cross-validation) and ``source``.

    Raises
    ------
    ValueError
        If ``name`` is unknown, or a stored offset no longer matches the
        reference file (the message names the file).
    FileNotFoundError
        If a file the source needs is missing.

    Examples
    --------
    >>> load_dev_source("nope")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'wales', 'webinar', 'scw_videos'; got 'nope'
    """
    if name not in SOURCE_NAMES:
        allowed = ", ".join(repr(s) for s in SOURCE_NAMES)
        raise ValueError(f"name must be one of {allowed}; got {name!r}")
    base = _shared_dir(shared)
    for rel in _NEEDS[name]:
        if not (base / rel).is_file():
            raise FileNotFoundError(f"dev source {name!r} needs {base / rel}, which was not found")
    if name == "wales":
        return _load_wales(base)
    return _load_offsets(name, base)


def _summary(shared: str | Path | None = None) -> str:
    lines = []
    names = available_sources(shared)
    if not names:
        return f"no dev sources found (looked in {_shared_dir(shared)})"
    for name in names:
        df = load_dev_source(name, shared)
        counts = pd.Series([t for ts in df["themes"] for t in ts]).value_counts()
        n_none = int((df["themes"].map(len) == 0).sum())
        n_two = int((df["themes"].map(len) > 1).sum())
        words = df["text"].str.split().map(len)
        lines.append(
            f"{name}: {len(df)} units, {df['group'].nunique()} groups, "
            f"{n_none} with no theme, {n_two} with 2+ themes, words median {int(words.median())} "
            f"(min {words.min()}, max {words.max()})"
        )
        lines.append("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    print(_summary())
