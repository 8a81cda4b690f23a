"""Errors raised for bad user input.

Every problem with something the user gave (a file, a roster row, a codebook
line) is an :class:`InputError` whose message names the file and, where there
is one, the line. The CLI prints it as one line, never as a traceback.

Examples
--------
>>> err = InputError("empty file", path="a/b.txt")
>>> str(err)
'a/b.txt: empty file'
>>> str(InputError("unknown transcript 'x'", path="roster.csv", line=4))
"roster.csv:4: unknown transcript 'x'"
"""

from __future__ import annotations

import os


class OutcomesQualError(Exception):
    """Base class for the toolkit's own errors."""


class InputError(OutcomesQualError, ValueError):
    """Bad user input, with the file (and line) it came from.

    Parameters
    ----------
    message : str
        What was expected and what was got.
    path : str or os.PathLike, optional
        The file at fault.
    line : int, optional
        1-based line number in ``path``.
    """

    def __init__(self, message: str, *, path: str | os.PathLike | None = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"
