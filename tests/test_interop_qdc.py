"""REFI-QDA codebooks (.qdc): export, import, validation, flat and deep trees, CLI."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook, load_codebook
from outcomes_qual.errors import InputError
from outcomes_qual.interop import export_qdc, import_qdc
from outcomes_qual.interop._xml import GUID_NAMESPACE
from outcomes_qual.interop.qdc import code_guid, format_description, parse_description, slugify

NS = "urn:QDA-XML:codebook:1.0"
Q = f"{{{NS}}}"

CB = Codebook(
    "demo",
    (
        Code("partners", "Partners", "Work with other agencies.", color="#1f77b4"),
        Code(
            "partners/health",
            "Health",
            "GPs, nurses and hospitals.",
            keywords=("GP", "nurse"),
            include=("Joint visits with health staff",),
            exclude=("The person's own health",),
            examples=("The practice nurse rings us first; then we plan together.",),
        ),
        Code("partners/health/mental_health", "Mental health", "CMHT and crisis teams."),
        Code("time", "Time", "Time as a resource.", color="#e69f00"),
        Code("time/health", "Health", "Time lost to health appointments."),
    ),
)


def codebook_schema(shared_dir: Path):
    """The REFI codebook schema, built from the project schema's own Code types.

    The codebook format reuses the project schema's CodeType and SetType in
    the namespace urn:QDA-XML:codebook:1.0 under a <CodeBook> root with
    <Codes> and an optional <Sets>.
    """
    xmlschema = pytest.importorskip("xmlschema")
    text = (shared_dir / "refi" / "Project-1.0.xsd").read_text(encoding="utf-8")
    text = text.replace("urn:QDA-XML:project:1.0", NS)
    text = re.sub(
        r'<xsd:element name="Project" type="ProjectType">.*?</xsd:element>',
        '<xsd:element name="CodeBook" type="CodeBookType"/>',
        text,
        count=1,
        flags=re.S,
    )
    text = re.sub(
        r'<xsd:complexType name="CodeBookType">.*?</xsd:complexType>',
        '<xsd:complexType name="CodeBookType"><xsd:sequence>'
        '<xsd:element name="Codes" type="CodesType"/>'
        '<xsd:element name="Sets" type="SetsType" minOccurs="0"/>'
        '</xsd:sequence><xsd:attribute name="origin" type="xsd:string"/></xsd:complexType>',
        text,
        count=1,
        flags=re.S,
    )
    return xmlschema.XMLSchema(text)


def test_export_validates_against_the_codebook_schema(tmp_path, shared_dir):
    out = tmp_path / "cb.qdc"
    export_qdc(CB, out)
    codebook_schema(shared_dir).validate(str(out))


def test_schema_rejects_empty_sets(tmp_path, shared_dir):
    # The reason <Sets> is only written with a <Set> in it.
    bad = tmp_path / "bad.qdc"
    bad.write_text(
        f'<CodeBook xmlns="{NS}"><Codes><Code guid="{code_guid("x")}" name="x" isCodable="true"/></Codes><Sets/></CodeBook>'
    )
    with pytest.raises(Exception, match="Sets"):
        codebook_schema(shared_dir).validate(str(bad))


def test_export_structure(tmp_path):
    out = tmp_path / "cb.qdc"
    export_qdc(CB, out)
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    root = ET.fromstring(data)
    assert root.tag == f"{Q}CodeBook"
    top = root.find(f"{Q}Codes").findall(f"{Q}Code")
    assert [c.get("name") for c in top] == ["Partners", "Time"]
    health = top[0].find(f"{Q}Code")
    assert health.get("guid") == code_guid("partners/health")
    assert health.find(f"{Q}Code").get("name") == "Mental health"
    assert top[0].get("color") == "#1f77b4" and top[0].get("isCodable") == "true"
    sets = root.find(f"{Q}Sets").findall(f"{Q}Set")
    assert [s.get("name") for s in sets] == ["Partners", "Time"]
    assert [m.get("targetGUID") for m in sets[1].findall(f"{Q}MemberCode")] == [code_guid("time"), code_guid("time/health")]


def test_guids_are_stable_across_exports(tmp_path):
    export_qdc(CB, tmp_path / "a.qdc")
    export_qdc(CB, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()
    # The GUID is uuid5 of the code path under the toolkit's fixed namespace.
    assert code_guid("time") == str(uuid.uuid5(GUID_NAMESPACE, "code\x1ftime"))
    assert code_guid("time") != code_guid("time/health")


def test_round_trip_is_lossless(tmp_path):
    export_qdc(CB, tmp_path / "cb.qdc")
    back = import_qdc(tmp_path / "cb.qdc")
    assert back.codes == CB.codes
    assert back.name == "cb"


def test_shipped_codebook_round_trips_through_yaml(tmp_path, codebook_path):
    cb = load_codebook(codebook_path)
    export_qdc(cb, tmp_path / "p.qdc")
    assert main(["import-qdc", str(tmp_path / "p.qdc"), "--out", str(tmp_path / "p.yaml")]) == 0
    again = load_codebook(tmp_path / "p.yaml")
    assert again.codes == cb.codes


def test_cli_export_and_import(tmp_path, codebook_path, capsys):
    out = tmp_path / "o.qdc"
    assert main(["export-qdc", str(codebook_path), str(out)]) == 0
    assert "codes in 6 themes" in capsys.readouterr().out
    assert main(["export-qdc", str(codebook_path), str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["export-qdc", str(codebook_path), str(out), "--overwrite"]) == 0


def test_flat_names_become_a_tree(tmp_path):
    p = tmp_path / "flat.qdc"
    p.write_text(
        f'<CodeBook xmlns="{NS}"><Codes>'
        '<Code guid="{AAAAAAAA-0000-4000-8000-000000000001}" name="Time::Caseloads" isCodable="true"/>'
        '<Code guid="AAAAAAAA-0000-4000-8000-000000000002" name="Time" isCodable="true">'
        "<Description>About time.</Description></Code>"
        '<Code guid="aaaaaaaa-0000-4000-8000-000000000003" name="partners.health.gp" isCodable="true"/>'
        '<Code guid="aaaaaaaa-0000-4000-8000-000000000004" name="Dr. Who" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    cb = import_qdc(p)
    assert cb.keys() == ["time", "time/caseloads", "partners", "partners/health", "partners/health/gp", "dr_who"]
    assert cb["time"].definition == "About time."
    assert cb["time/caseloads"].label == "Caseloads"


def test_duplicate_names_under_different_parents_and_siblings(tmp_path):
    p = tmp_path / "dup.qdc"
    p.write_text(
        f'<CodeBook xmlns="{NS}"><Codes>'
        '<Code guid="bbbbbbbb-0000-4000-8000-000000000001" name="A" isCodable="true">'
        '<Code guid="bbbbbbbb-0000-4000-8000-000000000002" name="Health" isCodable="true"/>'
        '<Code guid="bbbbbbbb-0000-4000-8000-000000000003" name="health" isCodable="true"/></Code>'
        '<Code guid="bbbbbbbb-0000-4000-8000-000000000004" name="B" isCodable="true">'
        '<Code guid="bbbbbbbb-0000-4000-8000-000000000005" name="Health" isCodable="true"/></Code>'
        "</Codes></CodeBook>"
    )
    assert import_qdc(p).keys() == ["a", "a/health", "a/health_2", "b", "b/health"]


def test_moved_code_keeps_its_name_under_the_new_parent(tmp_path):
    # A colleague moved "Health" from Partners to Time in their tool.
    desc = format_description(Code("partners/health", "Health", "GPs."))
    p = tmp_path / "moved.qdc"
    root = ET.Element(f"{Q}CodeBook")
    codes = ET.SubElement(root, f"{Q}Codes")
    t = ET.SubElement(codes, f"{Q}Code", guid=code_guid("time"), name="Time", isCodable="true")
    h = ET.SubElement(t, f"{Q}Code", guid=code_guid("partners/health"), name="Health", isCodable="true")
    ET.SubElement(h, f"{Q}Description").text = desc
    p.write_bytes(ET.tostring(root))
    cb = import_qdc(p)
    assert cb.keys() == ["time", "time/health"]
    assert cb["time/health"].definition == "GPs."


def test_a_project_qde_is_read_as_a_codebook(tmp_path):
    p = tmp_path / "project.qde"
    p.write_text(
        '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes>'
        '<Code guid="cccccccc-0000-4000-8000-000000000001" name="Only" isCodable="true"/></Codes></CodeBook></Project>'
    )
    assert import_qdc(p).keys() == ["only"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("<CodeBook><Codes>", "malformed XML"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><CodeBook/>', "DTD"),
        ("<Something/>", "expected a REFI-QDA <CodeBook>"),
        ('<CodeBook><Codes><Code guid="nope" name="x" isCodable="true"/></Codes></CodeBook>', "expected a GUID"),
        (
            '<CodeBook><Codes><Code guid="cccccccc-0000-4000-8000-000000000001" isCodable="true"/></Codes></CodeBook>',
            "has no name",
        ),
        (
            '<CodeBook><Codes><Code guid="{CCCCCCCC-0000-4000-8000-000000000001}" name="a" isCodable="true"/>'
            '<Code guid="cccccccc-0000-4000-8000-000000000001" name="b" isCodable="true"/></Codes></CodeBook>',
            "used by more than one",
        ),
    ],
)
def test_bad_codebooks_are_refused(tmp_path, content, message):
    p = tmp_path / "bad.qdc"
    p.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        import_qdc(p)


def test_import_qdc_cli_refuses_bad_input_without_writing(tmp_path, capsys):
    p = tmp_path / "bad.qdc"
    p.write_text("<CodeBook>")
    out = tmp_path / "cb.yaml"
    assert main(["import-qdc", str(p), "--out", str(out)]) == 2
    assert "malformed XML" in capsys.readouterr().err
    assert not out.exists()


def test_import_qdc_of_an_empty_codebook_writes_nothing(tmp_path, capsys):
    p = tmp_path / "empty.qdc"
    p.write_text(f'<CodeBook xmlns="{NS}"><Codes/></CodeBook>')
    assert main(["import-qdc", str(p), "--out", str(tmp_path / "e.yaml")]) == 2
    assert "has no codes" in capsys.readouterr().err
    assert not (tmp_path / "e.yaml").exists()


def test_codes_without_definition_get_one_that_loads(tmp_path):
    p = tmp_path / "bare.qdc"
    p.write_text(
        f'<CodeBook xmlns="{NS}"><Codes>'
        '<Code guid="dddddddd-0000-4000-8000-000000000001" name="Bare" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    assert main(["import-qdc", str(p), "--out", str(tmp_path / "b.yaml")]) == 0
    assert load_codebook(tmp_path / "b.yaml")["bare"].definition.startswith("No definition")


@pytest.mark.parametrize("name, slug", [("Forms & IT", "forms_it"), ("Ŵyr a wyresau", "wyr_a_wyresau"), ("  ", "code")])
def test_slugify(name, slug):
    assert slugify(name) == slug


_item = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(
    definition=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80).map(lambda s: " ".join(s.split())),
    include=st.lists(_item, max_size=3),
    keywords=st.lists(_item.filter(lambda s: ";" not in s), max_size=3),
)
def test_description_round_trip(definition, include, keywords):
    code = Code("a/b", "B", definition, include=tuple(include), keywords=tuple(keywords))
    got_def, fields = parse_description(format_description(code))
    assert got_def == definition.strip()
    assert fields.get("include", ()) == tuple(include)
    assert fields.get("keywords", ()) == tuple(keywords)
    assert fields["key"] == "a/b"
