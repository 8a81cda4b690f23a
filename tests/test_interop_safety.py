"""Hostile and broken .qdpx archives are refused with a clear message, and nothing is written."""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.interop import Limits, export_qdpx, import_qdpx
from outcomes_qual.interop._safezip import SafeZip, check_member_name

CB = Codebook("t", (Code("time", "Time", "Time pressure."),))


@pytest.fixture
def good(tmp_path) -> tuple[bytes, dict[str, bytes]]:
    """project.qde and the other members of a small valid export."""
    corpus = Corpus.from_turns("fg1", [("Ann", "practitioner", "No time to listen."), ("Bo", "manager", "Agreed.")])
    cod = pd.DataFrame({"segment_id": ["fg1:001"], "code": ["time"], "coder": ["kim"]})
    memos = pd.DataFrame({"target_type": ["code"], "target_id": ["time"], "text": ["m"], "author": ["kim"]})
    path = tmp_path / "good.qdpx"
    export_qdpx(corpus, cod, CB, path, memos=memos)
    zf = zipfile.ZipFile(path)
    members = {n: zf.read(n) for n in zf.namelist()}
    return members.pop("project.qde"), members


def build(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def with_qde(good, tmp_path: Path, edit) -> Path:
    qde, rest = good
    return build(tmp_path / "edited.qdpx", {"project.qde": edit(qde.decode("utf-8")).encode("utf-8"), **rest})


def first_guid(qde: str, element: str, attr: str = "guid") -> str:
    return re.search(rf'<{element} [^>]*{attr}="([^"]+)"', qde).group(1)


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&d;"/>'
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'
)


def _qde_cases():
    """(id, edit of project.qde text, expected message) for broken project documents."""
    return [
        ("malformed", lambda q: q.replace("</Project>", ""), "malformed XML"),
        ("billion-laughs", lambda q: LAUGHS, "DTD"),
        ("external-entity", lambda q: EXTERNAL, "DTD"),
        ("not-a-project", lambda q: '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "expected a <Project> root"),
        ("selection-past-end", lambda q: re.sub(r'endPosition="18"', 'endPosition="999"', q, count=1), "outside the text"),
        ("negative-start", lambda q: re.sub(r'startPosition="0"', 'startPosition="-4"', q, count=1), "outside the text"),
        (
            "reversed",
            lambda q: re.sub(r'startPosition="0" endPosition="18"', 'startPosition="10" endPosition="2"', q, count=1),
            "outside the text",
        ),
        ("bad-position", lambda q: re.sub(r'startPosition="0"', 'startPosition="zero"', q, count=1), "expected an integer"),
        (
            "unknown-code",
            lambda q: re.sub(r'(<CodeRef targetGUID=")[^"]+', r"\g<1>00000000-0000-4000-8000-000000000000", q),
            "unknown code GUID",
        ),
        (
            "unknown-selection",
            lambda q: re.sub(r'(<SelectionRef targetGUID=")[^"]+', r"\g<1>{00000000-0000-4000-8000-0000000000AA}", q, count=1),
            "unknown selection GUID",
        ),
        (
            "unknown-variable",
            lambda q: re.sub(r'(<VariableRef targetGUID=")[^"]+', r"\g<1>00000000-0000-4000-8000-0000000000bb", q, count=1),
            "unknown variable GUID",
        ),
        (
            "unknown-user",
            lambda q: re.sub(r'(<Coding [^>]*creatingUser=")[^"]+', r"\g<1>00000000-0000-4000-8000-0000000000cc", q, count=1),
            "unknown user GUID",
        ),
        (
            "unknown-note",
            lambda q: re.sub(r'(<NoteRef targetGUID=")[^"]+', r"\g<1>00000000-0000-4000-8000-0000000000dd", q, count=1),
            "unknown note GUID",
        ),
        ("bad-guid", lambda q: re.sub(r'(<TextSource guid=")[^"]+', r"\g<1>not-a-guid", q, count=1), "expected a GUID"),
        (
            "path-escape",
            lambda q: re.sub(r'plainTextPath="internal://', 'plainTextPath="internal://../../', q, count=1),
            "escapes the archive",
        ),
        (
            "path-absolute",
            lambda q: re.sub(r'plainTextPath="internal://', 'plainTextPath="relative:///etc/', q, count=1),
            "absolute path",
        ),
    ]


@pytest.mark.parametrize("edit, message", [c[1:] for c in _qde_cases()], ids=[c[0] for c in _qde_cases()])
def test_broken_project_documents_are_refused(good, tmp_path, edit, message):
    path = with_qde(good, tmp_path, edit)
    with pytest.raises(InputError, match=re.escape(message)):
        import_qdpx(path)
    # and through the CLI nothing is created
    target = tmp_path / "new.sqlite"
    assert main(["import-qdpx", str(path), "--project", str(target)]) == 2
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".import-")] == []


def _zip_with(tmp_path: Path, good, extra: dict[str, bytes], *, drop_qde: bool = False) -> Path:
    qde, rest = good
    members = ({} if drop_qde else {"project.qde": qde}) | rest | extra
    return build(tmp_path / "hostile.qdpx", members)


@pytest.mark.parametrize(
    "name, message",
    [
        ("../evil.txt", "escapes the archive (zip slip)"),
        ("sources/../../evil.txt", "escapes the archive (zip slip)"),
        ("..\\..\\evil.txt", "escapes the archive (zip slip)"),
        ("/etc/cron.d/evil", "is an absolute path"),
        ("C:/Windows/evil.txt", "is an absolute path"),
    ],
)
def test_unsafe_member_names_are_refused(good, tmp_path, name, message):
    path = _zip_with(tmp_path, good, {name: b"x"})
    with pytest.raises(InputError, match=re.escape(message)):
        import_qdpx(path)


def test_zip_bomb_is_refused(good, tmp_path):
    path = _zip_with(tmp_path, good, {"sources/bomb.txt": b"\0" * 20_000_000})
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="looks like a zip bomb"):
        import_qdpx(path)


def test_oversized_member_is_refused(good, tmp_path):
    path = _zip_with(tmp_path, good, {"sources/big.txt": bytes(range(256)) * 40})
    with pytest.raises(InputError, match="declares 10,240 bytes, more than the 4,096 allowed per member"):
        import_qdpx(path, limits=Limits(max_member_bytes=4096))
    with pytest.raises(InputError, match="allowed in total"):
        import_qdpx(path, limits=Limits(max_total_bytes=5000))
    with pytest.raises(InputError, match="members, more than the 2 allowed"):
        import_qdpx(path, limits=Limits(max_members=2))


def test_member_larger_than_declared_is_refused(tmp_path):
    """A header that under-declares the size: reading stops at the declared size and fails."""
    data = b"The real text is much longer than the header says. " * 50
    path = build(tmp_path / "lying.qdpx", {"project.qde": b"<Project/>", "sources/a.txt": data})
    raw = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := raw.find(sig, start)) != -1:
            name_len = struct.unpack_from("<H", raw, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            head = 30 if sig == b"PK\x03\x04" else 46
            if raw[i + head : i + head + name_len] == b"sources/a.txt":
                struct.pack_into("<I", raw, i + offset, 20)
            start = i + 4
    path.write_bytes(bytes(raw))
    with SafeZip(path) as zf:
        with pytest.raises(InputError, match="corrupt or unreadable|decompresses to more"):
            zf.read("sources/a.txt")


def test_missing_project_qde_and_non_zip(good, tmp_path):
    path = _zip_with(tmp_path, good, {}, drop_qde=True)
    with pytest.raises(InputError, match="no project.qde"):
        import_qdpx(path)
    junk = tmp_path / "junk.qdpx"
    junk.write_bytes(b"this is not a zip file")
    with pytest.raises(InputError, match="not a readable zip archive"):
        import_qdpx(junk)


def test_symlink_and_duplicate_members_are_refused(good, tmp_path):
    qde, rest = good
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        info = zipfile.ZipInfo("sources/link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InputError, match="symbolic link"):
        import_qdpx(path)
    path = tmp_path / "dup.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("PROJECT.qde", qde)
    with pytest.raises(InputError, match="appears twice"):
        import_qdpx(path)


def test_refused_import_leaves_an_existing_project_unchanged(good, tmp_path):
    from outcomes_qual.project import Project

    qde, rest = good
    ok = build(tmp_path / "ok.qdpx", {"project.qde": qde, **rest})
    target = tmp_path / "p.sqlite"
    assert main(["import-qdpx", str(ok), "--project", str(target)]) == 0
    before = target.read_bytes()
    with Project.open(target) as p:
        summary = p.summary()
    bad = with_qde(
        good, tmp_path, lambda q: re.sub(r'(<CodeRef targetGUID=")[^"]+', r"\g<1>00000000-0000-4000-8000-000000000000", q)
    )
    assert main(["import-qdpx", str(bad), "--project", str(target)]) == 2
    with Project.open(target) as p:
        assert p.summary() == summary
    assert len(target.read_bytes()) == len(before)


def test_failure_while_writing_is_rolled_back(good, tmp_path, monkeypatch):
    """If storing fails part-way (here: the memos), the import's earlier writes are undone."""
    from outcomes_qual.interop import project_io
    from outcomes_qual.project import Project

    target = tmp_path / "p.sqlite"
    with Project.create(target) as p:
        p.add_corpus(Corpus.from_turns("other", [("Cy", "senior", "Unrelated.")]))
    qde, rest = good
    path = build(tmp_path / "ok.qdpx", {"project.qde": qde, **rest})

    def boom(self, *a, **k):
        raise InputError("disk full (simulated)")

    monkeypatch.setattr(Project, "add_memo", boom)
    with pytest.raises(InputError, match="simulated"):
        project_io.import_qdpx_to_project(path, target)
    with Project.open(target) as p:
        assert list(p.transcripts()["transcript_id"]) == ["other"]
        assert len(p.codings()) == 0 and len(p.codebook_versions()) == 0
    # a new project is never left half-built either
    with pytest.raises(InputError, match="simulated"):
        project_io.import_qdpx_to_project(path, tmp_path / "fresh.sqlite")
    assert not (tmp_path / "fresh.sqlite").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".import-")] == []


@pytest.mark.parametrize("name", ["a/b.txt", "sources/x.txt", "./sources/y.txt"])
def test_safe_member_names(name):
    assert check_member_name(name) is None


def test_in_memory_archive():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Sources/A.txt", "hi")
    with SafeZip(buf, path="mem.qdpx") as zf:
        assert zf.find("sources/a.txt") == "Sources/A.txt" and zf.read("SOURCES/a.TXT") == b"hi"
        with pytest.raises(InputError, match="missing from the archive"):
            zf.read("nope.txt")
