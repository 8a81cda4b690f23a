"""Time ``outcomes_qual.agreement.validate`` (bootstrap included) on synthetic samples.

Usage::

    .venv/bin/python benchmarks/validate_speed.py [--boot 1000]

A machine and a person code samples of 100, 200 and 400 turns against six
themes with four sub-codes each (each coder gives a sub-code to about 7% of
turn x sub-code pairs, the machine agreeing with the person on most); the
script times ``validate`` at theme level and at code level with ``--boot``
resamples. Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _measure import print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sample(n_turns: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = [f"t:{i:04d}" for i in range(n_turns)]
    codes = [f"theme{k}/sub{j}" for k in range(6) for j in range(4)]
    human = rng.random((n_turns, len(codes))) < 0.07
    flip = rng.random((n_turns, len(codes))) < 0.04
    machine = human ^ flip
    rows = [(ids[i], codes[j], "ana") for i, j in zip(*np.nonzero(human), strict=True)]
    rows += [(ids[i], codes[j], "outcomes_qual") for i, j in zip(*np.nonzero(machine), strict=True)]
    return pd.DataFrame(rows, columns=["segment_id", "code", "coder"]), ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=1000)
    args = parser.parse_args()
    from outcomes_qual.agreement import validate

    rows = []
    for n in (100, 200, 400):
        codings, ids = sample(n)
        for level in ("theme", "code"):
            start = time.perf_counter()
            table = validate(codings, machine="outcomes_qual", against="ana", units=ids, level=level, n_boot=args.boot)
            seconds = time.perf_counter() - start
            rows.append(
                {
                    "turns": n,
                    "level": level,
                    "codes": len(table) - 1,
                    "resamples": args.boot,
                    "seconds": f"{seconds:.1f}",
                    "kappa (all)": f"{table['cohen_kappa'].iloc[-1]:.2f}",
                }
            )
    print_table(rows, ["turns", "level", "codes", "resamples", "seconds", "kappa (all)"])


if __name__ == "__main__":
    main()
