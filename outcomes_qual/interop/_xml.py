"""XML helpers shared by the REFI-QDA readers and writers.

Parsing refuses documents that declare a DTD or entities (no entity
expansion, no external references), GUIDs are compared in one canonical form
(lower case, no braces), and the GUIDs this toolkit writes are stable
``uuid5`` values so a re-export of the same project gives the same ids.

Examples
--------
>>> canonical_guid("{0A1B2C3D-0000-4000-8000-00000000000F}")
'0a1b2c3d-0000-4000-8000-00000000000f'
>>> stable_guid("code", "partners/health") == stable_guid("code", "partners/health")
True
>>> root = parse_xml(b"<a xmlns='urn:x'><b n='1'/></a>", path="demo.xml")
>>> local(root.tag), [local(c.tag) for c in root]
('a', ['b'])
>>> parse_xml(b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", path="evil.xml")
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: evil.xml: refused: the XML declares a DTD ...
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, NoReturn
from xml.parsers import expat

from ..errors import InputError

#: REFI-QDA namespaces.
PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: The ``origin`` attribute of the projects this toolkit writes.
ORIGIN = "outcomes_qual"

#: Namespace for the toolkit's uuid5 GUIDs (fixed forever: changing it changes every exported GUID).
GUID_NAMESPACE = uuid.UUID("6f1d3c52-8a47-5b1e-9c0d-2f4b7a9e6c31")

#: Largest XML document accepted (bytes).
MAX_XML_BYTES = 256 * 1024 * 1024

_GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


def stable_guid(kind: str, *parts: object) -> str:
    """Return a GUID that depends only on ``kind`` and ``parts`` (uuid5).

    Examples
    --------
    >>> stable_guid("code", "time")
    '...-...-5...-...-...'
    """
    name = "\x1f".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(GUID_NAMESPACE, name))


def canonical_guid(value: str | None) -> str | None:
    """Lower-case GUID without braces; ``None`` when ``value`` is not a GUID.

    Examples
    --------
    >>> canonical_guid(" {ABCDEF01-2345-6789-ABCD-EF0123456789} ")
    'abcdef01-2345-6789-abcd-ef0123456789'
    >>> canonical_guid("not-a-guid") is None
    True
    """
    if value is None:
        return None
    m = _GUID_RE.match(value.strip())
    return m.group(1).lower() if m else None


def local(tag: str) -> str:
    """Tag name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    """Direct children of ``elem`` whose local name is ``name`` (any namespace)."""
    return [c for c in elem if local(c.tag) == name]


def child(elem: ET.Element, name: str) -> ET.Element | None:
    """First direct child with local name ``name``, or ``None``."""
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def iter_local(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    """All descendants (and ``elem``) whose local name is ``name``."""
    for e in elem.iter():
        if local(e.tag) == name:
            yield e


def child_text(elem: ET.Element, name: str) -> str | None:
    """Text of the first child ``name`` (``""`` when empty), or ``None`` when absent."""
    c = child(elem, name)
    if c is None:
        return None
    return c.text or ""


class _Refused(Exception):
    pass


def _refuse_doctype(*_args) -> NoReturn:
    raise _Refused("the XML declares a DTD (<!DOCTYPE>); DTDs and entities are not allowed in REFI-QDA files")


def _refuse_entity(*_args) -> NoReturn:
    raise _Refused("the XML declares an entity (<!ENTITY>); entity expansion is not allowed in REFI-QDA files")


def parse_xml(data: bytes, *, path: str) -> ET.Element:
    """Parse ``data`` into an Element, refusing DTDs, entities and malformed XML.

    Parameters
    ----------
    data : bytes
        The document.
    path : str
        Name used in error messages (file or archive member).

    Raises
    ------
    InputError
        When the document is too large, declares a DTD or entity, or is not
        well-formed XML.
    """
    if len(data) > MAX_XML_BYTES:
        raise InputError(f"refused: XML is {len(data):,} bytes, more than the {MAX_XML_BYTES:,} allowed", path=path)
    # First pass with a bare expat parser: reject any DTD or entity declaration
    # before anything could be expanded, and report malformed XML with its line.
    guard = expat.ParserCreate()
    guard.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    guard.StartDoctypeDeclHandler = _refuse_doctype
    guard.EntityDeclHandler = _refuse_entity
    guard.UnparsedEntityDeclHandler = _refuse_entity
    guard.ExternalEntityRefHandler = lambda *a: _refuse_entity()
    try:
        guard.Parse(data, True)
    except _Refused as err:
        raise InputError(f"refused: {err}", path=path) from None
    except expat.ExpatError as err:
        raise InputError(
            f"malformed XML: {expat.ErrorString(err.code)} at column {err.offset + 1}", path=path, line=err.lineno
        ) from None
    try:
        return ET.fromstring(data)
    except ET.ParseError as err:  # pragma: no cover - the guard pass catches these first
        raise InputError(f"malformed XML: {err}", path=path) from None


def xml_datetime(value: Any) -> str | None:
    """Format ``value`` as an ``xsd:dateTime`` in UTC (``None`` when missing or unreadable).

    Examples
    --------
    >>> xml_datetime("2024-03-05 10:20:30")
    '2024-03-05T10:20:30Z'
    >>> xml_datetime(None) is None
    True
    """
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str | None) -> str | None:
    """Parse an ``xsd:dateTime`` into an ISO string in UTC without zone (``None`` if unreadable).

    Examples
    --------
    >>> parse_datetime("2024-03-05T11:20:30+01:00")
    '2024-03-05T10:20:30'
    >>> parse_datetime("yesterday") is None
    True
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return dt.replace(microsecond=0).isoformat()


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... if taken; the result is added to ``used``.

    Examples
    --------
    >>> used = {"fg1"}
    >>> unique_name("fg1", used), unique_name("fg1", used), unique_name("int1", used)
    ('fg1_2', 'fg1_3', 'int1')
    """
    out, n = name, 2
    while out in used:
        out, n = f"{name}_{n}", n + 1
    used.add(out)
    return out


def xml_safe(text: str) -> str:
    r"""``text`` without the characters XML 1.0 cannot carry (form feeds, vertical tabs, NUL...).

    Examples
    --------
    >>> xml_safe("line\x0bbreak\x00")
    'line break'
    """
    return _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


def to_bytes(root: ET.Element, *, default_namespace: str) -> bytes:
    """Serialise ``root`` (tags in ``default_namespace``) as indented UTF-8 with a declaration.

    Characters XML cannot carry are dropped from text and attributes (vertical
    tabs and form feeds become spaces), so the document always parses.
    """
    for elem in root.iter():
        if elem.text and _NOT_XML.search(elem.text):
            elem.text = xml_safe(elem.text)
        for k, v in elem.attrib.items():
            if _NOT_XML.search(v):
                elem.set(k, xml_safe(v))
    ET.register_namespace("", default_namespace)
    tree = ET.ElementTree(root)
    ET.indent(tree, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
