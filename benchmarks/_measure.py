"""Measuring helpers shared by the speed benchmarks: child processes, peak memory, a table.

A speed benchmark runs each variant in a fresh Python process (so imports,
model loading and peak memory belong to that variant alone): the parent calls
:func:`run_child` per variant, the child (the same script with ``--one NAME``)
prints one JSON line of figures including :func:`peak_rss_mb`, and the parent
prints the rows with :func:`print_table`.

Examples
--------
>>> print_table([{"method": "keyword", "autocode_s": 1.5}, {"method": "ensemble-lsa", "autocode_s": 12.25}],
...             ["method", "autocode_s"])
      method  autocode_s
     keyword         1.5
ensemble-lsa       12.25
>>> peak_rss_mb() > 0
True
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time


def peak_rss_mb() -> float:
    """Peak resident memory of the calling process in MB (``ru_maxrss``, which Linux gives in kB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_child(script: str, name: str, n_turns: int, *, env: dict[str, str] | None = None) -> dict | None:
    """Run ``script --one NAME --turns N`` in a fresh process; return its figures.

    The child's last stdout line is parsed as JSON and ``process_wall_s`` (the
    whole child process, imports included) is added. On failure a line naming
    ``name`` and the child's last stderr line is printed and ``None`` returned.
    ``env`` entries are added to this process's environment.
    """
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, script, "--one", name, "--turns", str(n_turns)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"{name}: failed ({last})")
        return None
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["process_wall_s"] = round(wall, 2)
    return row


def print_table(rows: list[dict], cols: list[str]) -> None:
    """Print ``rows`` as right-aligned columns ``cols`` under a header line."""
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    print("  ".join(c.rjust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r[c]).rjust(widths[c]) for c in cols))
