"""Name lists and name matching.

A *names list* is a CSV with a header row and a ``name`` column, plus a
``replacement`` column (the exact text to put in place of the name) and/or a
``category`` column (``child``, ``parent``, ``place``...; the replacement is
then ``[Child 1]``, ``[Parent 1]``... numbered in file order)::

    name,category,replacement
    Llŷr,child,
    Megan Jones,child,
    Peter,parent,
    Ysgol y Graig,,[School]

:class:`NameMatcher` finds every form of a name in text: the full name, the
first name alone, the surname alone and with a title (``Mrs Jones``,
``Mrs. Jones``), case-insensitively, on word boundaries, with or without
accents (``Llŷr`` also matches ``Llyr``), and leaves possessives intact
(``Llŷr's`` becomes ``[Child 1]'s``). Names that are also everyday words
(``Will``, ``Dawn``) match only when written with a capital; initials (``BH``)
match only in capitals, and a one-letter initial never inside a token joined
by ``/`` or ``&`` (``N/A``, ``A/B``, ``Q&A``).

Examples
--------
>>> m = NameMatcher([("Llŷr", "[Child 1]"), ("Megan Jones", "[Child 2]")])
>>> m.sub("Llyr's sister Megan and Ms. Jones")[0]
"[Child 1]'s sister [Child 2] and [Child 2]"
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..safe_tables import restore
from .wordlists import GENERIC_LABEL_WORDS, TITLES, is_everyday_word, is_title

logger = logging.getLogger(__name__)

#: Columns of a names list, in order.
NAMES_COLUMNS: tuple[str, ...] = ("name", "replacement", "category")

_REPLACEMENT_ALIASES = {"replacement": "replacement", "pseudonym": "replacement", "replace_with": "replacement"}
_NAME_OK = re.compile(r"^[^\W\d_](?:[\w'’.\- ]*[\w.])?$")
_CATEGORY_OK = re.compile(r"^[^\W\d_][\w \-]*$")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_PAREN = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’.\-][^\W\d_]+)*\.?")


# --------------------------------------------------------------------------- names lists
def read_names(path: str | os.PathLike) -> pd.DataFrame:
    r"""Read a names list CSV (``name`` plus ``replacement`` and/or ``category``).

    Parameters
    ----------
    path : str or path-like
        A UTF-8 CSV with a header row. Blank lines and lines whose first cell
        starts with ``#`` are skipped.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NAMES_COLUMNS`; empty strings where a value was not given.

    Raises
    ------
    InputError
        Naming the file and line of a bad row: no ``name`` column, an empty or
        non-name value, a bad category, or a name listed twice with different
        replacements.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "names.csv"
    >>> _ = p.write_text("name,category\nLlŷr,child\nPeter,parent\n", encoding="utf-8")
    >>> read_names(p).values.tolist()
    [['Llŷr', '', 'child'], ['Peter', '', 'parent']]
    >>> _ = p.write_text("name,category\n,child\n", encoding="utf-8")
    >>> read_names(p)
    Traceback (most recent call last):
    ...
    outcomes_qual.errors.InputError: ...names.csv:2: empty name; expected a person's or place's name in column 'name'
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("names list not found", path=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("%s: not UTF-8; read as cp1252", path)
        text = raw.decode("cp1252", errors="replace")
    text = unicodedata.normalize("NFC", text)
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    seen: dict[str, tuple[int, str, str]] = {}
    for cells in reader:
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().casefold() for c in cells]
            header = [_REPLACEMENT_ALIASES.get(h, h) for h in header]
            if "name" not in header:
                raise InputError(
                    f"no 'name' column; expected a header row like 'name,category,replacement', got {cells!r}",
                    path=path,
                    line=line,
                )
            continue
        row = {h: (restore(cells[i].strip()) if i < len(cells) else "") for i, h in enumerate(header)}
        name = unicodedata.normalize("NFC", " ".join(row.get("name", "").split()))
        replacement = row.get("replacement", "")
        category = row.get("category", "")
        if not name:
            raise InputError("empty name; expected a person's or place's name in column 'name'", path=path, line=line)
        _check_name(name, path=path, line=line)
        if category and not _CATEGORY_OK.match(category):
            raise InputError(
                f"bad category {category!r}; expected a word such as child, parent, person or place",
                path=path,
                line=line,
            )
        key = name_key(name)
        if key in seen:
            first_line, rep0, cat0 = seen[key]
            if (rep0, cat0.casefold()) != (replacement, category.casefold()):
                raise InputError(
                    f"{name!r} is listed again with a different replacement/category "
                    f"({replacement or category!r} here, {rep0 or cat0!r} on line {first_line})",
                    path=path,
                    line=line,
                )
            continue
        seen[key] = (line, replacement, category)
        rows.append({"name": name, "replacement": replacement, "category": category})
    if header is None:
        raise InputError("empty names list; expected a header row with a 'name' column", path=path)
    return pd.DataFrame(rows, columns=list(NAMES_COLUMNS)).astype(object)


def _check_name(name: str, *, path=None, line=None) -> None:
    if not _NAME_OK.match(name) or len(name) > 100:
        raise InputError(f"bad name {name!r}; expected letters, spaces, hyphens, apostrophes or dots", path=path, line=line)


def names_frame(names) -> pd.DataFrame:
    """Return ``names`` (a path, DataFrame, list of str or None) as a names DataFrame.

    Examples
    --------
    >>> names_frame(["Llŷr", "Peter"]).values.tolist()
    [['Llŷr', '', 'person'], ['Peter', '', 'person']]
    >>> len(names_frame(None))
    0

    A mapping from :func:`~outcomes_qual.anonymise.pseudonymise_corpus` works
    too: its ``original`` column is the name; role labels such as
    ``Facilitator`` are not names and are left out.

    >>> import pandas as pd
    >>> mapping = pd.DataFrame({"original": ["Facilitator", "(BH)", "Ann"], "replacement": ["[F]", "[M]", "[P]"]})
    >>> names_frame(mapping).values.tolist()
    [['BH', '[M]', ''], ['Ann', '[P]', '']]
    """
    if names is None:
        return pd.DataFrame(columns=list(NAMES_COLUMNS)).astype(object)
    if isinstance(names, (str, os.PathLike)):
        return read_names(names)
    if isinstance(names, pd.DataFrame):
        frame = names.rename(columns={c: _REPLACEMENT_ALIASES.get(str(c).casefold(), str(c).casefold()) for c in names.columns})
        from_mapping = "name" not in frame.columns and "original" in frame.columns
        if from_mapping:
            frame = frame.rename(columns={"original": "name"})
        if "name" not in frame.columns:
            raise InputError(f"names: expected a 'name' column, got {list(names.columns)}")
        out = pd.DataFrame({c: frame[c] if c in frame.columns else "" for c in NAMES_COLUMNS})
        out = out.astype(object).where(out.notna(), "")
        out["name"] = [unicodedata.normalize("NFC", " ".join(str(n).split())) for n in out["name"]]
        if from_mapping:
            out["name"] = [n.strip("()[]") if is_initials(n) else n for n in out["name"]]
            keep = [bool(n) and not is_generic_label(n) and bool(_NAME_OK.match(n)) for n in out["name"]]
            out = out[keep]
        out = out[out["name"] != ""]
        for n in out["name"]:
            _check_name(n)
        return out.drop_duplicates("name").reset_index(drop=True)
    if isinstance(names, Iterable):
        listed = [unicodedata.normalize("NFC", " ".join(str(n).split())) for n in names]
        for n in listed:
            _check_name(n)
        return pd.DataFrame({"name": listed, "replacement": [""] * len(listed), "category": ["person"] * len(listed)}).astype(
            object
        )
    raise TypeError(f"names: expected a path, a DataFrame, a list of names or None, got {type(names).__name__}")


# --------------------------------------------------------------------------- variants
def name_key(name: str) -> str:
    """Return a comparison key: case-folded, accents removed, spaces collapsed, no title dots.

    Examples
    --------
    >>> name_key("LLŶR  Jones"), name_key("Mrs. Jones") == name_key("mrs jones")
    ('llyr jones', True)
    """
    decomposed = unicodedata.normalize("NFD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("’", "'")
    tokens = [t.rstrip(".") if is_title(t) else t for t in stripped.split()]
    return " ".join(tokens).casefold()


def split_label(label: str) -> list[str]:
    """Return the name tokens of a speaker label or name (parentheses, digits dropped).

    Examples
    --------
    >>> split_label("Ann Smith (Practitioner)")
    ['Ann', 'Smith']
    """
    label = _PAREN.sub(" ", str(label))
    return _TOKEN.findall(label)


def is_generic_label(label: str) -> bool:
    """Return True when a speaker label names a role or a number, not a person.

    Examples
    --------
    >>> [is_generic_label(s) for s in ["Practitioner 2", "SENIOR", "Speaker 1", "Manager GA-P13", "Ann"]]
    [True, True, True, True, False]
    """
    text = _PAREN.sub(" ", str(label)).strip()
    if not text:
        return True
    for token in re.split(r"[\s_:]+", text):
        if not token:
            continue
        word = token.strip(".,;-").casefold()
        if not word or any(c.isdigit() for c in word) or re.fullmatch(r"[a-z]?\d+[a-z]?", word) or word in GENERIC_LABEL_WORDS:
            continue
        if len(word) == 1:
            continue
        return False
    return True


def is_initials(label: str) -> bool:
    """Return True for speaker initials such as ``BH`` or ``(LD)``.

    Examples
    --------
    >>> is_initials("(BH)"), is_initials("Bec")
    (True, False)
    """
    return bool(_INITIALS.match(str(label).strip().strip("()[]")))


@dataclass(frozen=True)
class Variant:
    """One written form of a name: the text, and how it may be matched."""

    text: str
    kind: str  # full, first, last, title
    case_sensitive: bool = False
    capitalised_only: bool = False


def name_variants(name: str, *, full_only: bool = False, person: bool = True) -> list[Variant]:
    """Return the forms of ``name`` to look for: full, first, surname, title + surname.

    Parameters
    ----------
    name : str
        A name, a speaker label or initials.
    full_only : bool, default False
        Only the full name (and title forms), no first/surname alone.
    person : bool, default True
        False for places and organisations: only the name exactly as written
        ("Burnbrae Primary" must not replace every "Primary").

    Examples
    --------
    >>> [v.text for v in name_variants("Mrs Megan Jones")]
    ['Megan Jones', 'Megan', 'Jones', 'Mrs Megan Jones', 'Mr Jones', 'Mrs Jones', 'Ms Jones', 'Miss Jones', 'Mx Jones', 'Dr
    Jones']
    >>> [v.text for v in name_variants("Burnbrae Primary", person=False)]
    ['Burnbrae Primary']
    >>> name_variants("BH")
    [Variant(text='BH', kind='full', case_sensitive=True, capitalised_only=False)]
    """
    raw = str(name).strip()
    if not person:
        text = " ".join(raw.split())
        return [Variant(text, "full", capitalised_only=" " not in text and is_everyday_word(text))]
    if is_initials(raw):
        return [Variant(raw.strip("()[]"), "full", case_sensitive=True)]
    tokens = split_label(raw)
    given_title = None
    while tokens and is_title(tokens[0]) and len(tokens) > 1:
        given_title = tokens[0].rstrip(".")
        tokens = tokens[1:]
    tokens = [t.rstrip(".") if len(t) > 2 else t for t in tokens]
    if not tokens:
        return []
    out: list[Variant] = []

    def add(text: str, kind: str) -> None:
        single = " " not in text
        cap = single and is_everyday_word(text)
        out.append(Variant(text, kind, capitalised_only=cap))

    full = " ".join(tokens)
    add(full, "full")
    if len(tokens) > 1 and not full_only:
        add(tokens[0], "first")
        add(tokens[-1], "last")
    surname = tokens[-1]
    titles = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"]
    if given_title and given_title not in titles:
        titles.append(given_title)
    if given_title:
        out.append(Variant(f"{given_title} {full}", "title"))
    if len(tokens) > 1 or given_title:
        for t in titles:
            out.append(Variant(f"{t} {surname}", "title"))
    # drop duplicates, keep order
    seen, unique = set(), []
    for v in out:
        k = name_key(v.text)
        if k not in seen:
            seen.add(k)
            unique.append(v)
    return unique


# --------------------------------------------------------------------------- matching
@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character, lower case and without accents, or itself when that would change length."""
    base = unicodedata.normalize("NFD", ch)[0]
    low = base.lower()
    if len(low) != 1:
        return ch
    if ch in "’":
        return "'"
    if ch in "‐‑":
        return "-"
    return low


def fold_text(text: str) -> str:
    """Return ``text`` lower-cased, accents removed, curly apostrophes straightened, same length.

    Matching runs on this folded text so that offsets still index the original.

    Examples
    --------
    >>> fold_text("LLŶR’s"), len(fold_text("Siân")) == len("Siân")
    ("llyr's", True)
    """
    return "".join(map(_fold_char, text))


_TITLE_SET = {t.casefold() for t in TITLES}
_LETTERS = re.compile(r"[^\W\d_]+")


def variant_pattern(text: str) -> str:
    """Return the regex (without boundaries) for one written form of a name, on folded text.

    Tokens may be separated by any run of spaces; a title takes an optional dot.

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(variant_pattern("Mrs Jones"), fold_text("MRS.  Jones")))
    True
    """
    parts = []
    for token in text.split():
        bare = token.rstrip(".")
        pat = re.escape(fold_text(bare))
        if bare.casefold() in _TITLE_SET:
            pat += r"\.?"
        parts.append(pat)
    return r"\s+".join(parts)


_LEFT = r"(?<!\w)(?<!\w-)"
_RIGHT = r"(?!\w)(?!-\w)"
#: Characters that join single letters into one token (``N/A``, ``A/B``, ``Q&A``).
_JOINERS = "/&"


def _in_joined_token(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is joined by ``/`` or ``&`` to a letter or digit (``N/A``, ``Q&A``).

    Examples
    --------
    >>> _in_joined_token("N/A", 0, 1), _in_joined_token("Q&A", 2, 3), _in_joined_token("N: yes", 0, 1)
    (True, True, False)
    """
    before = start >= 2 and text[start - 1] in _JOINERS and text[start - 2].isalnum()
    after = end + 1 < len(text) and text[end] in _JOINERS and text[end + 1].isalnum()
    return before or after


def _first_word(text: str) -> str:
    """The folded first word (a run of letters) of a name's form; a ValueError naming it when it has none."""
    m = _LETTERS.search(text)
    if m is None:
        raise ValueError(f"a name to find needs a letter; got {text!r}")
    return fold_text(m.group(0))


class NameMatcher:
    """Find and replace every form of a set of names in text.

    Parameters
    ----------
    entries : sequence of (name, replacement) or (name, replacement, options)
        In priority order: when two names share a form (two people called
        Ann), the earlier entry wins that form. ``options`` is a dict that
        may hold ``full_only`` (bool), ``person`` (bool, False for places) and ``tag`` (any object returned in the
        matches, e.g. an index into a mapping).

    Examples
    --------
    >>> m = NameMatcher([("Will Evans", "[Parent 1]")])
    >>> m.sub("Will said we will ask Mr Evans.")[0]
    '[Parent 1] said we will ask [Parent 1].'
    >>> m.sub("Evans-Jones came")[0]
    'Evans-Jones came'
    """

    def __init__(self, entries: Sequence):
        self.forms: list[tuple[Variant, str, Any]] = []  # the tag is any object the caller gave
        claimed: dict[str, int] = {}
        for entry in entries:
            name, replacement = entry[0], entry[1]
            options = entry[2] if len(entry) > 2 else {}
            tag = options.get("tag")
            for variant in name_variants(name, full_only=options.get("full_only", False), person=options.get("person", True)):
                key = variant.text if variant.case_sensitive else name_key(variant.text)
                if key in claimed:
                    continue
                claimed[key] = len(self.forms)
                self.forms.append((variant, replacement, tag))
        # words a name can start with: matching is only tried where such a word begins
        self._first_words = {_first_word(v.text) for v, _, _ in self.forms}
        order = sorted(range(len(self.forms)), key=lambda i: (-len(self.forms[i][0].text), i))
        pieces = [f"(?P<f{i}>{variant_pattern(self.forms[i][0].text)})" for i in order]
        self.regex = re.compile(_LEFT + "(?:" + "|".join(pieces) + ")" + _RIGHT) if pieces else None

    def __bool__(self) -> bool:
        return self.regex is not None

    def finditer(self, text: str):
        """Yield ``(start, end, matched, replacement, tag)`` for each name found."""
        if self.regex is None:
            return
        folded = fold_text(text)
        done = 0
        for word in _LETTERS.finditer(folded):
            if word.start() < done or word.group(0) not in self._first_words:
                continue
            m = self.regex.match(folded, word.start())
            if m is None:
                continue
            group = m.lastgroup
            if group is None:  # every alternative is a named group f<i>; never reached
                continue
            variant, replacement, tag = self.forms[int(group[1:])]
            matched = text[m.start() : m.end()]
            if variant.case_sensitive and matched != variant.text:
                continue
            if variant.case_sensitive and len(matched) == 1 and _in_joined_token(text, m.start(), m.end()):
                continue  # a one-letter initial inside N/A, A/B or Q&A is not a name
            if variant.capitalised_only and not matched[:1].isupper():
                continue
            done = m.end()
            yield m.start(), m.end(), matched, replacement, tag

    def sub(self, text: str) -> tuple[str, list[tuple[str, str, Any]]]:
        """Return ``text`` with every name replaced, and the list of (matched, replacement, tag)."""
        if self.regex is None:
            return text, []
        out, found, pos = [], [], 0
        for start, end, matched, replacement, tag in self.finditer(text):
            out.append(text[pos:start])
            out.append(replacement)
            found.append((matched, replacement, tag))
            pos = end
        out.append(text[pos:])
        return "".join(out), found
