"""Codebook data model: :class:`Code` and :class:`Codebook`.

Code keys are paths: a top-level theme key (``systems_barriers``) or a
sub-code below it (``systems_barriers/paperwork_and_it``). Loading and
validating YAML lives in :mod:`outcomes_qual.codebook.load`.

Examples
--------
>>> cb = Codebook(name="demo", codes=(
...     Code(key="time", label="Time", definition="Talk about time."),
...     Code(key="time/caseloads", label="Caseloads", definition="Caseload size."),
... ))
>>> [c.key for c in cb.themes()]
['time']
>>> cb["time/caseloads"].theme, cb["time/caseloads"].parent
('time', 'time')
>>> [c.key for c in cb.children("time")]
['time/caseloads']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

#: Columns of :meth:`Codebook.to_frame`, declared once.
CODEBOOK_COLUMNS: tuple[str, ...] = (
    "key",
    "theme",
    "parent",
    "depth",
    "label",
    "definition",
    "include",
    "exclude",
    "keywords",
    "examples",
    "color",
)


@dataclass(frozen=True)
class Code:
    """One code (theme or sub-code) of a codebook.

    Parameters
    ----------
    key : str
        Path key, e.g. ``"partners/health"``.
    label : str
        Human-readable name.
    definition : str
        What the code means.
    include, exclude : tuple of str
        Inclusion and exclusion criteria.
    keywords : tuple of str
        Words and phrases that signal the code.
    examples : tuple of str
        Example statements that would be coded with it.
    color : str or None
        ``#RRGGBB`` colour for figures and REFI export.
    line : int or None
        Line in the source YAML where the code starts (for messages).
    """

    key: str
    label: str
    definition: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    color: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def parent(self) -> str | None:
        """Key of the parent code, or ``None`` for a top-level theme."""
        return self.key.rsplit("/", 1)[0] if "/" in self.key else None

    @property
    def theme(self) -> str:
        """Key of the top-level theme this code belongs to."""
        return self.key.split("/", 1)[0]

    @property
    def depth(self) -> int:
        """0 for a theme, 1 for its sub-codes, and so on."""
        return self.key.count("/")


@dataclass(frozen=True)
class Codebook:
    """An ordered collection of codes, parents before children.

    Parameters
    ----------
    name : str
    codes : tuple of Code
    description : str
    version : str
    training_path : str or None
        The validated training corpus found with the codebook (see
        :mod:`outcomes_qual.codebook.training`), or ``None``.
    """

    name: str
    codes: tuple[Code, ...]
    description: str = ""
    version: str = "1"
    training_path: str | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, key: object) -> bool:
        return any(c.key == key for c in self.codes)

    def __getitem__(self, key: str) -> Code:
        for c in self.codes:
            if c.key == key:
                return c
        raise KeyError(f"code {key!r} is not in codebook {self.name!r}; known: {self.keys()[:8]}...")

    def keys(self) -> list[str]:
        """All code keys in order."""
        return [c.key for c in self.codes]

    def themes(self) -> list[Code]:
        """Top-level codes in order."""
        return [c for c in self.codes if c.parent is None]

    def theme_keys(self) -> list[str]:
        """Top-level code keys in order."""
        return [c.key for c in self.themes()]

    def children(self, key: str) -> list[Code]:
        """Direct children of ``key``."""
        return [c for c in self.codes if c.parent == key]

    def label(self, key: str) -> str:
        """Label of ``key`` (the key itself when unknown)."""
        return self[key].label if key in self else key

    def to_frame(self) -> pd.DataFrame:
        """The codebook as a table, one row per code (lists joined by ``"; "``).

        Examples
        --------
        >>> Codebook("x", (Code("time", "Time", "About time.", keywords=("rush", "deadline")),)).to_frame()[["key", "keywords"]]
            key         keywords
        0  time  rush; deadline
        """
        rows = [
            {
                "key": c.key,
                "theme": c.theme,
                "parent": c.parent,
                "depth": c.depth,
                "label": c.label,
                "definition": c.definition,
                "include": "; ".join(c.include),
                "exclude": "; ".join(c.exclude),
                "keywords": "; ".join(c.keywords),
                "examples": "; ".join(c.examples),
                "color": c.color,
            }
            for c in self.codes
        ]
        return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))
