"""Moving coding spans onto a rewritten text (after pseudonymisation).

Pseudonymisation gives each transcript a new text with its own offsets but
keeps segment ids. A coding that covers a whole turn needs nothing; a span
inside a turn is moved by aligning the turn's old and new text: unchanged
characters keep their place, and an end that falls inside a replaced name
moves to the edge of its replacement.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> import pandas as pd
>>> old = Corpus.from_turns("t", [("A", "manager", "Ask Megan what matters to her.")])
>>> new = Corpus.from_turns("t", [("A", "manager", "Ask [Person 1] what matters to her.")])
>>> cod = pd.DataFrame({"segment_id": ["t:001", "t:001"], "code": ["a", "b"], "coder": ["x", "x"],
...                     "start_char": [10, 4], "end_char": [22, 9]})
>>> moved = rebase_codings(cod, old, new)
>>> [new.texts["t"][s:e] for s, e in zip(moved["start_char"], moved["end_char"])]
['what matters', '[Person 1]']
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher

import pandas as pd

from ..corpus import Corpus
from ._values import is_missing


def _blocks(old: str, new: str) -> list[tuple[bool, int, int, int, int]]:
    """Aligned blocks ``(equal, i1, i2, j1, j2)``; short equal runs inside a change are folded into it."""
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    marks = [tag == "equal" for tag, *_ in ops]
    for k in range(1, len(ops) - 1):
        tag, i1, i2, _j1, _j2 = ops[k]
        if tag == "equal" and i2 - i1 < 4 and not marks[k - 1] and not marks[k + 1]:
            marks[k] = False
    blocks: list[list] = []
    for eq, (_tag, i1, i2, j1, j2) in zip(marks, ops, strict=True):
        if blocks and not eq and not blocks[-1][0]:
            blocks[-1][2], blocks[-1][4] = i2, j2
        else:
            blocks.append([eq, i1, i2, j1, j2])
    return [tuple(b) for b in blocks]


def _mapper(old: str, new: str) -> Callable[..., int]:
    blocks = _blocks(old, new)

    def move(p: int, *, end: bool) -> int:
        if end:
            if p <= 0:
                return 0
            for eq, i1, i2, j1, j2 in blocks:
                if i1 < p <= i2:
                    return j1 + (p - i1) if eq else j2
        else:
            if p >= len(old):
                return len(new)
            for eq, i1, i2, j1, _j2 in blocks:
                if i1 <= p < i2:
                    return j1 + (p - i1) if eq else j1
        return len(new) if end else 0

    return move


def rebase_codings(codings: pd.DataFrame, old: Corpus, new: Corpus) -> pd.DataFrame:
    """Return ``codings`` with start_char/end_char moved from ``old``'s texts to ``new``'s.

    Rows without a span, or without start_char/end_char columns, are returned
    unchanged. A span is first clipped to its segment.
    """
    if "start_char" not in codings or "end_char" not in codings or not len(codings):
        return codings.copy()
    out = codings.copy()
    old_seg = old.segments.set_index("segment_id")
    new_seg = new.segments.set_index("segment_id")
    old_start, old_end, old_text = (old_seg[c].to_dict() for c in ("start_char", "end_char", "text"))
    new_start, new_text = (new_seg[c].to_dict() for c in ("start_char", "text"))
    starts, ends = list(out["start_char"]), list(out["end_char"])
    cache: dict[str, Callable[..., int]] = {}
    for i, (sid, s, e) in enumerate(zip(out["segment_id"], starts, ends, strict=True)):
        if is_missing(s) or is_missing(e) or sid not in old_seg.index or sid not in new_seg.index:
            continue
        o0, o1 = int(old_start[sid]), int(old_end[sid])
        n0 = int(new_start[sid])
        s, e = max(int(s), o0), min(int(e), o1)
        if sid not in cache:
            cache[sid] = _mapper(str(old_text[sid]), str(new_text[sid]))
        move = cache[sid]
        ns, ne = n0 + move(s - o0, end=False), n0 + move(e - o0, end=True)
        starts[i], ends[i] = ns, max(ne, ns + 1) if e > s else ne
    out["start_char"] = pd.array(starts, dtype="Int64")
    out["end_char"] = pd.array(ends, dtype="Int64")
    return out
