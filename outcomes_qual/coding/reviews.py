"""What an evaluator's review teaches the coder: the project's decisions as training codings.

A turn a person has decided on (a coding accepted, rejected or made by hand)
is a training turn; its codes are the accepted ones (accepted suggestions
and the person's own codings, which are stored as accepted). A rejected
suggestion, and any code the person did not accept on that turn, counts as
not applying. Turns nobody touched are not training turns: they say nothing
about what applies. A suggestion still pending on a reviewed turn counts as
not applying when the coder learns (accept it first if it applies).

The result feeds :meth:`EnsembleCoder.learn <outcomes_qual.coding.EnsembleCoder.learn>`,
``autocode(train=...)`` and ``outcomes-qual autocode --project P --train-from-reviews``.

Examples
--------
>>> import pandas as pd
>>> project_codings = pd.DataFrame({
...     "segment_id": ["a:1", "a:1", "a:2", "a:3", "a:4"],
...     "code": ["time", "partners", "partners", "time", "time"],
...     "status": ["accepted", "rejected", "rejected", "suggested", "accepted"],
... })
>>> reviewed_codings(project_codings).values.tolist()
[['a:1', 'time'], ['a:2', ''], ['a:4', 'time']]
"""

from __future__ import annotations

import pandas as pd

from .. import schema

#: Columns of :func:`reviewed_codings`.
REVIEWED_COLUMNS: tuple[str, ...] = ("segment_id", "code")


def reviewed_codings(codings: pd.DataFrame) -> pd.DataFrame:
    """Training codings from a project's codings table (``segment_id``, ``code``, ``status``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REVIEWED_COLUMNS`: one row per accepted code of a
        reviewed turn, and one row with an empty code for a reviewed turn
        with nothing accepted (every suggestion rejected). Turns in first-seen order.
    """
    schema.check_columns(codings, ["segment_id", "code", "status"], name="codings")
    decided = codings[codings["status"].isin(["accepted", "rejected"])]
    turns = list(dict.fromkeys(decided["segment_id"].astype(str)))
    accepted = decided[decided["status"] == "accepted"]
    by_turn = accepted.groupby(accepted["segment_id"].astype(str))["code"].apply(lambda c: list(dict.fromkeys(c)))
    rows = [(sid, code) for sid in turns for code in by_turn.get(sid, [""])]
    return pd.DataFrame(rows, columns=list(REVIEWED_COLUMNS))
