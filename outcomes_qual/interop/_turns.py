r"""Finding speaker turns in a plain-text source that came without them.

Sources exported by this toolkit carry their turns as case selections; other
tools' sources are plain text. A line that starts with a speaker label
(``Name:``, ``Name (role):``, ``INTERVIEWER:``) starts a turn and following
unlabelled lines continue it; a text with no labels becomes one turn per
non-empty line.

Examples
--------
>>> text = "Interviewer: How is it going?\nSam (manager): Better.\nMuch better.\n"
>>> [(t.speaker, t.role_hint, text[t.start:t.end]) for t in find_turns(text)]
[('Interviewer', None, 'How is it going?'), ('Sam', 'manager', 'Better.\nMuch better.')]
>>> [(t.speaker, text2[t.start:t.end]) for text2 in ["One line.\n\nAnother."] for t in find_turns(text2)]
[(None, 'One line.'), (None, 'Another.')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = re.compile(
    r"^[ \t]*(?:\[[0-9:.]+\][ \t]*)?"
    r"(?P<speaker>[A-Z\u00c0-\u024f][\w.'\u2019\- ]{0,38}?)"
    r"(?:[ \t]*\((?P<role>[^()\n]{1,40})\))?[ \t]*:[ \t]+(?P<rest>\S)",
    re.MULTILINE,
)

#: Speaker labels that name the person asking the questions.
FACILITATOR_LABELS = frozenset({"facilitator", "interviewer", "moderator", "int", "i", "q", "researcher", "chair", "host"})


@dataclass
class Turn:
    """A turn found in a text: ``text[start:end]`` is what was said."""

    start: int
    end: int
    speaker: str | None
    role_hint: str | None = None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_turns(text: str) -> list[Turn]:
    """Turns of ``text`` from speaker labels, else one per non-empty line."""
    labels = [m for m in _LABEL.finditer(text) if len(m.group("speaker").split()) <= 4]
    turns: list[Turn] = []
    if labels:
        # Text before the first label (a title, a header) is not a turn.
        for i, m in enumerate(labels):
            start = m.start("rest")
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            s, e = _trim(text, start, end)
            if e > s:
                role = m.group("role")
                turns.append(Turn(s, e, m.group("speaker").strip(), role.strip().lower() if role else None))
        return turns
    pos = 0
    for line in text.split("\n"):
        s, e = _trim(text, pos, pos + len(line))
        if e > s:
            turns.append(Turn(s, e, None))
        pos += len(line) + 1
    return turns


def is_facilitator_label(speaker: str | None) -> bool:
    """True for labels such as ``Interviewer`` or ``Q``.

    Examples
    --------
    >>> is_facilitator_label("Interviewer"), is_facilitator_label("Sam")
    (True, False)
    """
    return bool(speaker and speaker.strip().lower().rstrip(".") in FACILITATOR_LABELS)
