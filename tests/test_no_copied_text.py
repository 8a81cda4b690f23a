"""Nothing copied in: no run of 10 words from ../shared appears in project files.

The published documents in ``../shared/reference`` and the quotes in
``../shared/bench`` are for reading and for tests that open them by path. This
test tokenises them (lower-cased ``[a-z']+`` words), collects every run of 10
consecutive words, and checks that none of those runs occurs in the text the
project ships: the sample transcripts, codebooks, notebooks, docs, README and
tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = 10
TOKEN = re.compile(r"[a-z']+")
SCANNED = ("transcripts_sample", "codebooks", "notebooks", "docs", "tests", "README.md")
SKIP_PARTS = {".venv", ".git", "out", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
TEXT_SUFFIXES = {
    ".txt",
    ".md",
    ".py",
    ".yaml",
    ".yml",
    ".csv",
    ".json",
    ".jsonl",
    ".ipynb",
    ".vtt",
    ".srt",
    ".rst",
    ".cfg",
    ".toml",
}


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; curly apostrophes count as straight ones."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return TOKEN.findall(text)


def runs(words: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words."""
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def file_text(path: Path) -> str:
    """Plain text of a project file (.docx paragraphs and table cells too)."""
    if path.suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        return "\n".join(parts)
    return path.read_text(encoding="utf-8", errors="replace")


def shared_runs(shared: Path) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for path in sorted((shared / "reference").glob("*.txt")):
        found |= runs(tokens(path.read_text(encoding="utf-8", errors="replace")))
    for path in sorted((shared / "bench").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                found |= runs(tokens(str(record.get("text", ""))))
                found |= runs(tokens(line))
    return found


def project_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        base = ROOT / name
        candidates = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in candidates:
            rel = path.relative_to(ROOT)
            if not path.is_file() or SKIP_PARTS & set(rel.parts):
                continue
            if path.resolve() == Path(__file__).resolve():
                continue
            if path.suffix in TEXT_SUFFIXES or path.suffix == ".docx":
                files.append(path)
    return files


def test_runs_helper_finds_overlap():
    source = runs(tokens("one two three four five six seven eight nine ten eleven"))
    assert len(source) == 2
    copied = runs(tokens("Intro: TWO three four five six seven eight nine ten Eleven, end"))
    assert source & copied == {tuple("two three four five six seven eight nine ten eleven".split())}
    assert not source & runs(tokens("one two three four five six seven eight nine"))


def test_curly_apostrophes_match_straight_ones():
    assert tokens("It\u2019s what\u2019s") == ["it's", "what's"]


def test_no_ten_word_run_from_shared_in_project(shared_dir):
    forbidden = shared_runs(shared_dir)
    assert forbidden, "expected ../shared/reference to yield word runs"
    offenders = []
    for path in project_files():
        overlap = runs(tokens(file_text(path))) & forbidden
        if overlap:
            example = " ".join(sorted(overlap)[0])
            offenders.append(f"{path.relative_to(ROOT)}: {len(overlap)} run(s), e.g. {example!r}")
    assert not offenders, "text copied from ../shared:\n" + "\n".join(offenders)


def test_sample_transcripts_are_scanned():
    scanned = {path.relative_to(ROOT).parts[0] for path in project_files()}
    assert "transcripts_sample" in scanned
    assert "tests" in scanned
