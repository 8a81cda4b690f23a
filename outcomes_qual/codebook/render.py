"""Render a codebook for people: a compact table (report appendix) and Markdown.

Examples
--------
>>> from outcomes_qual.codebook import Code, Codebook
>>> cb = Codebook("demo", (
...     Code("time", "Time", "Time pressure.", examples=("No time to talk.",)),
...     Code("time/deadlines", "Deadlines", "Statutory timescales."),
... ))
>>> codebook_table(cb)[["code", "label", "level"]].values.tolist()
[['time', 'Time', 'theme'], ['time/deadlines', 'Deadlines', 'sub-code']]
>>> print(codebook_markdown(cb).splitlines()[2])
## Time (`time`)
"""

from __future__ import annotations

import pandas as pd

from .model import Codebook

#: Columns of :func:`codebook_table`, declared once.
CODEBOOK_TABLE_COLUMNS: tuple[str, ...] = ("code", "label", "level", "definition", "include", "exclude", "example")


def codebook_table(codebook: Codebook, *, max_examples: int = 1) -> pd.DataFrame:
    """A reader-facing table of ``codebook``: one row per code.

    Parameters
    ----------
    codebook : Codebook
    max_examples : int, default 1
        Example statements shown per code (joined by " / ").

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CODEBOOK_TABLE_COLUMNS`; criteria are joined by "; ".
    """
    rows = []
    for c in codebook:
        rows.append(
            {
                "code": c.key,
                "label": c.label,
                "level": "theme" if c.depth == 0 else "sub-code",
                "definition": c.definition,
                "include": "; ".join(c.include),
                "exclude": "; ".join(c.exclude),
                "example": " / ".join(c.examples[:max_examples]),
            }
        )
    return pd.DataFrame(rows, columns=list(CODEBOOK_TABLE_COLUMNS))


def codebook_markdown(codebook: Codebook) -> str:
    """The codebook as a Markdown document (themes as headings, sub-codes nested)."""
    lines = [f"# {codebook.name} (version {codebook.version})", ""]
    if codebook.description:
        lines += [codebook.description, ""]
    for c in codebook:
        hashes = "#" * min(2 + c.depth, 6)
        lines.append(f"{hashes} {c.label} (`{c.key}`)")
        lines.append("")
        lines.append(c.definition)
        lines.append("")
        for title, items in (("Include", c.include), ("Exclude", c.exclude), ("Examples", c.examples)):
            if items:
                lines.append(f"*{title}:*")
                lines.extend(f"- {x}" for x in items)
                lines.append("")
        if c.keywords:
            lines.append("*Keywords:* " + ", ".join(c.keywords))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
