"""The README's first example runs as written on the sample corpus and uses only top-level names."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import outcomes_qual

ROOT = Path(__file__).resolve().parents[1]


def first_python_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "README.md has no ```python block"
    assert text.index("```python") < text.index("## Quick start"), "the Python example comes first"
    return match.group(1)


def test_example_uses_only_the_top_level_api():
    tree = ast.parse(first_python_block())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [(type(n).__name__, [a.name for a in n.names]) for n in imports] == [("Import", ["outcomes_qual"])]
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and getattr(n.value, "id", None) == "oq"}
    assert used and used <= set(outcomes_qual.__all__), used - set(outcomes_qual.__all__)
    assert len(first_python_block().splitlines()) <= 25  # one screen


def test_example_runs_on_the_sample(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(first_python_block(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    header = lines[0].split()
    assert header[:1] == ["role"] and {"practitioner", "senior", "manager", "mentor", "all"} <= set(header)
    themes = [line.split()[0] for line in lines[2:]]
    assert themes == ["culture_shift", "clarity_of_purpose", "resistance", "systems_barriers", "partners", "time"]
