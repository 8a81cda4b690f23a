r"""Plain-text transcripts with speaker labels.

Label styles (one per file: the style with most label lines wins):

- ``colon``: ``Ann:``, ``Practitioner 2:``, ``SENIOR:``, ``Q:`` (text on the
  same line or the lines below);
- ``bracket``: ``[Manager] text``;
- ``paren``: ``(BH) text``, initials, with a ``SPEAKERS:`` header mapping
  initials to names (``Jo Bloggs (JB), Service Manager``);
- ``otter``: Otter.ai exports, ``Name  0:03`` alone on a line, text below;
- ``rev``: Rev exports, ``Speaker 1 (00:00):``.

Lines before the first label are metadata (see
:func:`outcomes_qual.ingest._turns.parse_header`); a line without a label
continues the previous speaker; trailing material ("END OF TRANSCRIPT", a
resources or links section after the last turn) is dropped.

Examples
--------
>>> corpus = parse_txt("Authority: Northvale\n\nAnn: We plan together.\nBob: Yes.\n\nMore from Bob.", "fg1")
>>> corpus.segments[["speaker", "text", "start_char", "end_char"]].values.tolist()
[['Ann', 'We plan together.', 27, 44], ['Bob', 'Yes.\n\nMore from Bob.', 50, 70]]
>>> corpus.transcripts.loc[0, "authority"]
'Northvale'
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..corpus import Corpus
from ..errors import InputError
from ._turns import HEADER_KEYS, Meta, Turn, build_corpus, header_key, parse_header, trailer_start, trim_span
from .roles import normalise_role, role_from_label

logger = logging.getLogger(__name__)

#: Label styles in order of preference when counts tie.
STYLES: tuple[str, ...] = ("rev", "otter", "paren", "bracket", "colon")

_REST = r"(?:[ \t]+(?P<rest>\S.*?)|[ \t]*)[ \t]*$"
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?"
_PATTERNS: dict[str, re.Pattern] = {
    "rev": re.compile(rf"^[ \t]*(?P<label>[^\W\d_][^()\n:]{{0,48}}?)[ \t]*\((?P<time>{_TIME})\)[ \t]*:?" + _REST),
    # Otter "Name  0:03", Trint "Name [00:00:03]": alone on the line, text below
    "otter": re.compile(rf"^[ \t]*(?P<label>[^\W\d_][\w .,'’-]{{0,48}}?)[ \t]+\[?(?P<time>{_TIME})\]?[ \t]*$"),
    "paren": re.compile(r"^[ \t]*\((?P<label>[A-Z][A-Z.]{0,5}\d?|[A-Za-z][a-z]+(?: \d+)?)\)[ \t]*:?" + _REST),
    # "[Manager] text"; Zoom's saved captions "[Jane Smith] 10:02:33 text"
    "bracket": re.compile(rf"^[ \t]*\[(?P<label>[^\]\n]{{1,48}})\](?:[ \t]+(?P<time>{_TIME}))?[ \t]*:?" + _REST),
    # optional leading timestamp ("[00:01:02] Ann: ..."), optional "(role)" after the name
    "colon": re.compile(
        rf"^[ \t]*(?:\[?(?P<time>{_TIME})\]?[ \t]+(?:-[ \t]+)?)?[*_]{{0,2}}(?P<label>[^\W\d_][^:\n()]{{0,48}}?)"
        r"(?:[ \t]*\((?P<desc>[^()\n]{1,40})\))?[ \t]*[*_]{0,2}[ \t]*:[*_]{0,2}" + _REST
    ),
}

_LEAD_TIME = re.compile(rf"\[(?P<time>{_TIME})\][ \t]*")

#: Words and phrases that start lines like labels (``Note:``, ``[Laughter]``) but are not speakers.
NOT_SPEAKERS: frozenset[str] = frozenset(
    {
        "note",
        "notes",
        "nb",
        "ps",
        "pps",
        "example",
        "examples",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "re",
        "subject",
        "tel",
        "telephone",
        "email",
        "e-mail",
        "web",
        "website",
        "http",
        "https",
        "www",
        "source",
        "sources",
        "ref",
        "see",
        "warning",
        "update",
        "edit",
        "action",
        "actions",
        "item",
        "agenda",
        "agenda item",
        "summary",
        "comment",
        "comments",
        "questions",
        "answers",
        "feedback",
        "key point",
        "key points",
        "point",
        "points",
        "outcome",
        "outcomes",
        "aim",
        "aims",
        "goal",
        "goals",
        "step",
        "steps",
        "stage",
        "stages",
        "tip",
        "tips",
        "learning",
        "key learning",
        "lesson",
        "lessons",
        "result",
        "results",
        "conclusion",
        "conclusions",
        "background",
        "purpose",
        "context",
        "response",
        "responses",
        "end",
        "inaudible",
        "laughter",
        "laughs",
        "laughing",
        "crosstalk",
        "cross talk",
        "cross-talk",
        "pause",
        "long pause",
        "silence",
        "unclear",
        "overlapping",
        "overlap",
        "music",
        "applause",
        "break",
        "noise",
        "background noise",
        "interruption",
        "indistinct",
        "redacted",
        "name",
        "names",
        "coughs",
        "sighs",
        "child",
        "parent",
        "mother",
        "father",
        "son",
        "daughter",
        "carer",
        "place",
        "school",
        "address",
        "recording",
        "recording starts",
        "recording ends",
    }
)

#: Lower-case particles allowed inside a name label ("Ellen de Vries").
NAME_PARTICLES: frozenset[str] = frozenset(
    {"de", "van", "von", "der", "den", "da", "di", "du", "le", "la", "al", "el", "bin", "ap", "ab"}
)


def _name_word(word: str) -> bool:
    return word[0].isupper() or word[0].isdigit() or word in NAME_PARTICLES


@functools.lru_cache(maxsize=8192)
def _valid_label(label: str, style: str) -> bool:
    label = label.strip()
    if not label or len(label) > 48:
        return False
    if style == "paren":
        return bool(re.fullmatch(r"[A-Z][A-Z.]{0,5}\d?", label)) or role_from_label(label) != "unknown"
    low = re.sub(r"\s+", " ", label.lower())
    if low in NOT_SPEAKERS:
        return False
    if not re.fullmatch(r"[\w .,'’&/-]+" if style in ("otter", "rev") else r"[\w .'’&/-]+", label):
        return False
    words = label.replace(",", " ").split()
    if len(words) > 5:
        return False
    if role_from_label(label) != "unknown":
        return True
    return _name_word(words[0]) and words[0] not in NAME_PARTICLES and all(_name_word(w) for w in words)


@dataclass
class LabelMatch:
    """A speaker label found at the start of a line."""

    label: str
    #: column where the turn's text starts (end of line when it is on the next line)
    rest: int
    time_s: float | None = None
    #: role named next to the label, e.g. "Ann (Senior practitioner):"
    role: str | None = None


def parse_time(value: str) -> float:
    """Return seconds for ``"1:02"``, ``"01:02:03"`` or ``"00:01:02.500"``.

    Examples
    --------
    >>> parse_time("1:02"), parse_time("01:02:03"), parse_time("00:00:01,250")
    (62.0, 3723.0, 1.25)
    """
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    return seconds


def match_label(line: str, style: str) -> LabelMatch | None:
    """Return the label at the start of ``line`` in ``style``, or ``None``.

    Examples
    --------
    >>> match_label("Practitioner 2: We plan.", "colon")
    LabelMatch(label='Practitioner 2', rest=16, time_s=None, role=None)
    >>> match_label("The thing is: time.", "colon") is None
    True
    >>> match_label("Speaker 1 (01:05): Hello", "rev")
    LabelMatch(label='Speaker 1', rest=19, time_s=65.0, role=None)
    >>> match_label("[00:01:02] Ann (Team manager): Hello", "colon")
    LabelMatch(label='Ann', rest=31, time_s=62.0, role='manager')
    """
    m = _PATTERNS[style].match(line)
    if not m:
        return None
    label = re.sub(r"\s+", " ", m.group("label")).strip()
    if not _valid_label(label, style):
        return None
    if style == "colon" and label.lower().replace("_", " ") in HEADER_KEYS and header_key(line) is not None:
        return None
    groups = m.groupdict()
    rest = m.start("rest") if groups.get("rest") is not None else len(line)
    time_s = parse_time(groups["time"]) if groups.get("time") is not None else None
    # Sonix-style "Ann: [00:00:03] text": a time opening the text
    lead = _LEAD_TIME.match(line, rest) if rest < len(line) else None
    if lead:
        time_s = parse_time(lead.group("time")) if time_s is None else time_s
        rest = lead.end()
    role = None
    if groups.get("desc"):
        role = normalise_role(groups["desc"])
        if role in ("other", "unknown"):
            return None  # "Ann (laughs):" is not a role
    return LabelMatch(label, rest, time_s, role)


def _label_key(label: str) -> str:
    """Case- and spacing-insensitive key of a label, without trailing dots ("Int." and "int" are one)."""
    return re.sub(r"\s+", " ", label).strip().rstrip(".").strip().lower()


class RosterLabels:
    """Speaker labels named in a roster, matched at the start of a line whatever their case or characters.

    A roster speaker is a label when a line starts with it (after an
    optional ``[00:01:02]`` time and ``**`` bold marks), followed by a
    separator: a colon, a dash or en/em dash followed by a space (not after a
    one-character label), a tab, or a closing bracket (``[p3] text``,
    ``(p3) text``). A trailing dot may be written or left out (``int.:`` and
    ``int:`` are both roster speaker ``int.``). The match keeps the roster's
    spelling, so ``NR1-01:`` and ``nR1-01:`` are one speaker.

    Parameters
    ----------
    speakers : iterable of str
        The roster's speakers for one transcript.

    Examples
    --------
    >>> labels = RosterLabels(["nR1-01", "p3", "int."])
    >>> labels.match("nR1-01: We were told to.")
    LabelMatch(label='nR1-01', rest=8, time_s=None, role=None)
    >>> [labels.match(x).label for x in ["NR1-01 - yes", "P3:", "int: so", "[00:01:02] **p3:** ok", "(p3) fine"]]
    ['nR1-01', 'p3', 'int.', 'p3', 'p3']
    >>> labels.match("p30: no") is None, labels.match("nR1-01s: no") is None, labels.match("p3 said so") is None
    (True, True, True)
    """

    def __init__(self, speakers):
        self.names: dict[str, str] = {}
        for s in speakers:
            if s is None or not str(s).strip() or not _label_key(str(s)):
                continue
            self.names.setdefault(_label_key(str(s)), re.sub(r"\s+", " ", str(s)).strip())
        keys = sorted(self.names, key=len, reverse=True)
        self._plain = self._bracketed = None
        if not keys:
            return

        def alt(ks):
            return "|".join(re.escape(k).replace(r"\ ", r"[ \t]+") for k in ks)

        lead = rf"^[ \t]*(?:\[?(?P<time>{_TIME})\]?[ \t]+(?:-[ \t]+)?)?[*_]{{0,2}}"
        long_keys = [k for k in keys if len(k) > 1]
        sep = r"(?:[ \t]*[*_]{0,2}[ \t]*[:：]|(?=\t))"
        dash_sep = r"[ \t]+[-–—](?=[ \t]|$)|[–—](?=[ \t]|$)"
        plain = rf"(?P<label>{alt(keys)})\.?[*_]{{0,2}}{sep}"
        if long_keys:
            plain = rf"(?:{plain}|(?P<dlabel>{alt(long_keys)})\.?[*_]{{0,2}}(?:{dash_sep}))"
        rest = r"[*_]{0,2}[ \t]*(?P<rest>\S.*?)?[ \t]*$"
        self._plain = re.compile(lead + plain + rest, re.I)
        self._bracketed = re.compile(lead + rf"[\[(](?P<label>{alt(keys)})\.?[\])](?:[*_]{{0,2}}[ \t]*:)?" + rest, re.I)

    def __bool__(self) -> bool:
        return bool(self.names)

    def canonical(self, label: str) -> str | None:
        """The roster's spelling of ``label``, or ``None`` when the roster does not name it."""
        return self.names.get(_label_key(label))

    def match(self, line: str) -> LabelMatch | None:
        """Return the roster label at the start of ``line``, or ``None``."""
        if not self.names:
            return None
        for pattern in (self._plain, self._bracketed):
            m = pattern.match(line)
            if m:
                break
        else:
            return None
        groups = m.groupdict()
        label = groups.get("label") or groups.get("dlabel")
        rest = m.start("rest") if groups.get("rest") is not None else len(line)
        time_s = parse_time(groups["time"]) if groups.get("time") is not None else None
        lead = _LEAD_TIME.match(line, rest) if rest < len(line) else None
        if lead:
            time_s = parse_time(lead.group("time")) if time_s is None else time_s
            rest = lead.end()
        return LabelMatch(self.names[_label_key(label)], rest, time_s, None)


def detect_style(lines: Sequence[str]) -> str | None:
    """Return the label style with most label lines in ``lines`` (``None`` if none).

    Examples
    --------
    >>> detect_style(["(LD) Hello", "(BH) Hi", "Feedback: good"])
    'paren'
    """
    counts = {s: 0 for s in STYLES}
    for line in lines[:5000]:  # the first few thousand lines decide
        if not line.strip():
            continue
        for style in STYLES:
            if match_label(line, style):
                counts[style] += 1
    best = max(STYLES, key=lambda s: (counts[s], -STYLES.index(s)))
    return best if counts[best] else None


def _header_role_line(lines: Sequence[str], i: int, m: LabelMatch) -> bool:
    """True for ``Facilitator: Jane Doe`` among ``Key: value`` lines at the top, before any blank line."""
    if role_from_label(m.label) != "facilitator" or any(not line.strip() for line in lines[:i]):
        return False
    if not any(header_key(line) for line in lines[:i]):
        return False
    words = lines[i][m.rest :].split()
    return 2 <= len(words) <= 4 and all(w[0].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words)


def find_turns(text: str, *, path: str | None = None, speakers=()) -> tuple[Meta, list[Turn], str]:
    """Find turns in normalised ``text``; return metadata, raw (unmerged) turns and the label style.

    ``speakers`` (the roster's speakers for this transcript) are labels
    whatever their case or characters (:class:`RosterLabels`); a line that
    starts with one is a turn before any label style is tried.

    Raises
    ------
    InputError
        When no line carries a speaker label.
    """
    lines = text.split("\n")
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    roster = speakers if isinstance(speakers, RosterLabels) else RosterLabels(speakers)
    roster_marks = {}
    in_list = False  # a "Speakers:" / "Participants:" list names speakers; its lines are not turns
    for i, line in enumerate(lines):
        hk = header_key(line) if ":" in line else None
        in_list = (hk is not None and hk[1] == "speakers") or (
            in_list and bool(line.strip()) and not any(match_label(line, st) for st in STYLES)
        )
        if roster and not in_list and (m := roster.match(line)):
            roster_marks[i] = m
    style = detect_style([line for i, line in enumerate(lines) if i not in roster_marks])
    if style is None and roster_marks:
        style = "roster"
    if style is None:
        raise InputError(
            "no speaker labels found; expected lines such as 'Name: text', '[Manager] text', "
            "'(AB) text', 'Name  0:03' (Otter) or 'Speaker 1 (00:00):' (Rev)",
            path=path,
        )
    marks: list[tuple[int, LabelMatch]] = []
    for i, line in enumerate(lines):
        m = roster_marks.get(i) or (match_label(line, style) if style != "roster" else None)
        if m:
            if i not in roster_marks and roster and (canon := roster.canonical(m.label)):
                m = LabelMatch(canon, m.rest, m.time_s, m.role)
            marks.append((i, m))
    # "Facilitator: Jane Doe" inside the leading header block names the
    # facilitator; it is metadata, not a turn
    while marks and _header_role_line(lines, *marks[0]):
        marks.pop(0)
    if not marks:
        raise InputError("speaker labels found only in the header block, no turns", path=path)
    first, last = marks[0][0], marks[-1][0]
    meta = parse_header(lines[:first])
    cut = trailer_start(lines, first, last)
    if cut is not None:
        dropped = [i for i, _ in marks if i >= cut]
        if dropped:
            logger.debug("%s: %d labelled line(s) after an end marker ignored", path, len(dropped))
        marks = [(i, m) for i, m in marks if i < cut]
        logger.debug("%s: trailing material from line %d ignored", path, cut + 1)
    end_of_text = starts[cut] if cut is not None else len(text)
    turns: list[Turn] = []
    for k, (i, m) in enumerate(marks):
        stop = starts[marks[k + 1][0]] if k + 1 < len(marks) else end_of_text
        s, e = trim_span(text, starts[i] + m.rest, stop)
        speaker, role = m.label, m.role or role_from_label(m.label)
        key = m.label.replace(".", "") if style == "paren" else m.label
        if key in meta.speakers:
            speaker, mapped_role = meta.speakers[key]
            if role == "unknown":
                role = mapped_role
        start_s = float("nan") if m.time_s is None else m.time_s
        turns.append(Turn(speaker, s, e, start_s, float("nan"), role))
    return meta, turns, style


def parse_txt(text: str, transcript_id: str, *, path: str | None = None, speakers=()) -> Corpus:
    r"""Return a one-transcript corpus from a labelled plain-text transcript.

    ``text`` must already be normalised (:func:`outcomes_qual.text.normalise_text`);
    offsets index it. ``speakers``, the roster's speakers for this
    transcript, are labels whatever their case (see :class:`RosterLabels`).

    Examples
    --------
    >>> c = parse_txt("Facilitator: Why?\nnR1-01: Workload.\nNR1-02 - Time, mostly.", "fg3", speakers=["nR1-01", "nR1-02"])
    >>> c.segments[["speaker", "text"]].values.tolist()
    [['Facilitator', 'Why?'], ['nR1-01', 'Workload.'], ['nR1-02', 'Time, mostly.']]
    """
    meta, turns, style = find_turns(text, path=path, speakers=speakers)
    logger.debug("%s: %s labels, %d raw turns", path or transcript_id, style, len(turns))
    corpus = build_corpus(transcript_id, text, turns, meta=meta, fmt="txt", source_path=path)
    if not len(corpus.segments):
        raise InputError("speaker labels found but every turn is empty", path=path)
    return corpus
