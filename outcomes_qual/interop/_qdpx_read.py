"""Read the parts of a REFI-QDA ``project.qde`` that :func:`~outcomes_qual.interop.import_qdpx` builds from.

:class:`Reader` turns the XML into plain records: users, variables and their
typed values, text sources (their text read from the archive, inline or
beside it, decoded and normalised) with their selections and codings, and
notes. It checks GUIDs and integer positions as it reads, re-bases selection
positions onto the normalised text, and lists what it could not keep in
``skipped``. Building the corpus, codings and memos from these records is
:mod:`outcomes_qual.interop.qdpx_import`'s part.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..errors import InputError
from ._positions import SourceText
from ._safezip import SafeZip, check_member_name
from ._values import VALUE_ELEMENTS, read_value
from ._xml import canonical_guid, child, child_text, children, iter_local, local, parse_datetime

# Records keep the name they had before this module was split from qdpx_import.
logger = logging.getLogger("outcomes_qual.interop.qdpx_import")

_NON_TEXT = ("PictureSource", "AudioSource", "VideoSource", "PDFSource")


@dataclass
class Selection:
    """A ``PlainTextSelection``: positions (re-based by :meth:`Reader.rebase`), its codings and notes."""

    guid: str
    name: str | None
    description: str | None
    start: int
    end: int
    user: str | None
    created: str | None
    codings: list[tuple[str, str | None, str | None, list[str]]]  # (code guid, user guid, created, note guids)
    notes: list[str]


@dataclass
class Source:
    """A text source: its normalised text, where it came from, its selections, notes and variable values."""

    guid: str
    name: str
    st: SourceText
    origin_path: str
    selections: list[Selection]
    notes: list[str]
    variables: dict[str, object]


class Reader:
    """Reads one ``project.qde`` inside an open archive; ``skipped`` collects what could not be kept."""

    def __init__(self, path: Path, zf: SafeZip, root: ET.Element, *, crlf: str):
        self.path = path
        self.where = str(path)
        self.zf = zf
        self.root = root
        self.crlf = crlf
        self.skipped: list[str] = []
        self.skipped_guids: set[str] = set()

    # ------------------------------------------------------------ helpers
    def error(self, message: str) -> InputError:
        return InputError(message, path=self.where)

    @overload
    def guid(self, elem: ET.Element, attr: str = ..., *, required: Literal[True] = ...) -> str: ...

    @overload
    def guid(self, elem: ET.Element, attr: str = ..., *, required: bool) -> str | None: ...

    def guid(self, elem: ET.Element, attr: str = "guid", *, required: bool = True) -> str | None:
        raw = elem.get(attr)
        if raw is None and not required:
            return None
        g = canonical_guid(raw)
        if g is None:
            raise self.error(f"<{local(elem.tag)}> has {attr}={raw!r}; expected a GUID")
        return g

    def int_attr(self, elem: ET.Element, attr: str) -> int:
        raw = elem.get(attr)
        try:
            return int(str(raw).strip())
        except (TypeError, ValueError):
            raise self.error(f"<{local(elem.tag)} guid={elem.get('guid')!r}> has {attr}={raw!r}; expected an integer") from None

    def note_refs(self, elem: ET.Element) -> list[str]:
        return [self.guid(r, "targetGUID") for r in children(elem, "NoteRef")]

    def read_member_text(self, ref: str, what: str) -> bytes | None:
        """Bytes of a source file named by ``internal://`` or ``relative://`` (``None`` when absent)."""
        scheme, _, rest = ref.partition("://")
        if not _:
            scheme, rest = "relative", ref
        scheme = scheme.lower()
        rest = rest.replace("\\", "/")
        if scheme not in ("internal", "relative"):
            self.skipped.append(f"{what}: text at {ref!r} is outside the archive (only internal:// and relative:// are read)")
            return None
        why = check_member_name(rest)
        if why:
            raise self.error(f"refused: {what} path {ref!r} {why}")
        for candidate in (f"sources/{rest}", rest):
            if self.zf.find(candidate):
                return self.zf.read(candidate)
        if scheme == "relative":
            disk = (self.path.parent / rest).resolve()
            if disk.is_file() and self.path.parent.resolve() in disk.parents:
                return disk.read_bytes()
        self.skipped.append(f"{what}: text file {ref!r} is not in the archive")
        return None

    # ---------------------------------------------------------------- read
    def users(self) -> dict[str, str]:
        out: dict[str, str] = {}
        users_el = child(self.root, "Users")
        if users_el is None:
            return out
        for u in children(users_el, "User"):
            g = self.guid(u)
            out[g] = (u.get("name") or u.get("id") or f"user-{g[:8]}").strip()
        return out

    def variables(self) -> dict[str, str]:
        out: dict[str, str] = {}
        self.variable_types: dict[str, str] = {}
        el = child(self.root, "Variables")
        if el is not None:
            for v in children(el, "Variable"):
                name = (v.get("name") or "").strip() or f"variable_{len(out) + 1}"
                out[self.guid(v)] = name
                self.variable_types[name] = (v.get("typeOfVariable") or "Text").strip()
        return out

    def variable_values(self, elem: ET.Element, variables: dict[str, str]) -> dict[str, object]:
        values: dict[str, object] = {}
        for vv in children(elem, "VariableValue"):
            ref = child(vv, "VariableRef")
            if ref is None:
                raise self.error("<VariableValue> without <VariableRef>")
            g = self.guid(ref, "targetGUID")
            if g not in variables:
                raise self.error(f"<VariableRef> refers to unknown variable GUID {ref.get('targetGUID')}")
            for c in vv:
                name = local(c.tag)
                if name in VALUE_ELEMENTS.values():
                    values[variables[g]] = read_value(name, c.text)
        return values

    def selections(self, parent: ET.Element, what: str) -> list[Selection]:
        out = []
        for s in children(parent, "PlainTextSelection"):
            codings = []
            for c in children(s, "Coding"):
                ref = child(c, "CodeRef")
                if ref is None:
                    raise self.error(f"<Coding guid={c.get('guid')!r}> in {what} has no <CodeRef>")
                codings.append(
                    (
                        self.guid(ref, "targetGUID"),
                        self.guid(c, "creatingUser", required=False),
                        parse_datetime(c.get("creationDateTime")),
                        self.note_refs(c),
                    )
                )
            out.append(
                Selection(
                    guid=self.guid(s),
                    name=s.get("name"),
                    description=child_text(s, "Description"),
                    start=self.int_attr(s, "startPosition"),
                    end=self.int_attr(s, "endPosition"),
                    user=self.guid(s, "creatingUser", required=False),
                    created=parse_datetime(s.get("creationDateTime")),
                    codings=codings,
                    notes=self.note_refs(s),
                )
            )
        return out

    def text_source(self, elem: ET.Element, name: str, variables: dict[str, str]) -> Source | None:
        what = f"source {name!r}"
        content = child_text(elem, "PlainTextContent")
        path = elem.get("plainTextPath")
        if content is not None and content != "":
            st, origin = SourceText.from_str(content), "inline"
        elif path:
            data = self.read_member_text(path, what)
            if data is None:
                return None
            st, origin = SourceText.from_bytes(data), path
            if st.encoding != "utf-8":
                self.skipped.append(f"{what}: text was not UTF-8; read as {st.encoding}")
        else:
            rich = elem.get("richTextPath")
            self.skipped.append(
                f"{what}: no plain text (plainTextPath or PlainTextContent)" + (f"; rich text {rich!r} not read" if rich else "")
            )
            return None
        for c in children(elem, "Coding"):
            self.skipped.append(f"{what}: a coding of the whole source ({c.get('guid')}) was not imported")
        return Source(
            guid=self.guid(elem),
            name=name,
            st=st,
            origin_path=origin,
            selections=self.selections(elem, what),
            notes=self.note_refs(elem),
            variables=self.variable_values(elem, variables),
        )

    def sources(self, variables: dict[str, str]) -> list[Source]:
        out: list[Source] = []
        el = child(self.root, "Sources")
        if el is None:
            return out
        for s in el:
            kind = local(s.tag)
            g = self.guid(s)
            name = (s.get("name") or "").strip() or Path(s.get("plainTextPath") or s.get("path") or g).stem
            if kind == "TextSource":
                src = self.text_source(s, name, variables)
            elif kind == "PDFSource" and (rep := child(s, "Representation")) is not None:
                src = self.text_source(rep, name, variables)
                n_regions = len(children(s, "PDFSelection"))
                if n_regions:
                    self.skipped.append(
                        f"PDF {name!r}: {n_regions} region selection(s) skipped; its text representation was kept"
                    )
                if src is not None:
                    src.guid = g
                    self.skipped_guids.add(self.guid(rep))
            elif kind in _NON_TEXT:
                n = sum(1 for _ in iter_local(s, "Coding"))
                self.skipped.append(
                    f"{kind.replace('Source', '').lower()} source {name!r} skipped: only text can be imported"
                    + (f" ({n} coding(s) on it not imported)" if n else "")
                )
                src = None
            else:
                self.skipped.append(f"unknown source element <{kind}> {name!r} skipped")
                src = None
            if src is None:
                self.skipped_guids.add(g)
                for e in s.iter():
                    inner = canonical_guid(e.get("guid"))
                    if inner:
                        self.skipped_guids.add(inner)
            else:
                out.append(src)
        return out

    def rebase(self, src: Source) -> None:
        """Map selection positions onto the normalised text; refuse ones outside it."""
        spans = [(s.start, s.end) for s in src.selections]
        pmap = src.st.position_map(spans, convention=self.crlf)
        for s in src.selections:
            if not pmap.fits(s.start, s.end):
                crlf_note = ""
                if chr(13) in src.st.raw:
                    crlf_note = ", counting CRLF as " + ("two" if pmap.convention == "raw" else "one")
                raise self.error(
                    f"selection {s.guid} in source {src.name!r} spans {s.start}-{s.end}, outside the text "
                    f"(0-{pmap.basis_len} code points{crlf_note})"
                )
            s.start, s.end = pmap(s.start), pmap(s.end)
        if pmap.convention == "collapsed":
            logger.info("%s: source %r counts CRLF as one character", self.where, src.name)

    def notes(self, users: dict[str, str]) -> dict[str, tuple[str, str, str | None, str | None]]:
        out: dict[str, tuple[str, str, str | None, str | None]] = {}
        el = child(self.root, "Notes")
        if el is None:
            return out
        for n in children(el, "Note"):
            g = self.guid(n)
            text = child_text(n, "PlainTextContent")
            if text is None and (member := n.get("plainTextPath")):
                data = self.read_member_text(member, f"note {n.get('name')!r}")
                text = SourceText.from_bytes(data).text if data is not None else None
            user = self.guid(n, "creatingUser", required=False)
            out[g] = (
                n.get("name") or "",
                SourceText.from_str(text or "").text,
                users.get(user) if user else None,
                parse_datetime(n.get("creationDateTime")),
            )
        return out
