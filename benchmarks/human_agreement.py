"""How far two people agree on the second dev source, and where the machine stands beside them.

Usage::

    .venv/bin/python benchmarks/human_agreement.py [--boot 1000]

A second analyst coded a random 90 of the second dev source's units (webinar
and video passages) at theme level without seeing the first coding
(``benchmarks/data/dev_second_coder.jsonl``: ids and themes only). On those
units this prints, through :func:`outcomes_qual.agreement.validate` (every
(unit, theme) decision; percentile bootstrap 95% intervals over units), the
agreement of analyst 2 with analyst 1, and of the default auto-coder (zero-shot,
fitted on each whole source as ``autocode`` is) with each analyst: the human
figure is the ceiling to read the machine's against. Needs ``../shared``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_sources import DATA_DIR, available_sources, load_dev_source

from outcomes_qual.agreement import validate
from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import EnsembleCoder

ROOT = Path(__file__).resolve().parents[1]

#: The second coder's themes for a sample of the second source's units.
SECOND_CODER = DATA_DIR / "dev_second_coder.jsonl"

#: Sources the second coder's sample is drawn from.
SOURCES = ("webinar", "scw_videos")

#: Columns of the printed table, declared once.
COLUMNS = (
    "pair",
    "n_units",
    "percent_agreement",
    "cohen_kappa",
    "cohen_kappa_ci_low",
    "cohen_kappa_ci_high",
    "krippendorff_alpha",
    "gwet_ac1",
)


def as_codings(pairs, coder: str) -> pd.DataFrame:
    """(segment_id, themes) pairs as a codings frame of one coder."""
    return pd.DataFrame([(sid, t, coder) for sid, themes in pairs for t in themes], columns=["segment_id", "code", "coder"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--codebook", default=str(ROOT / "codebooks" / "outcomes_practice.yaml"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if not all(s in available_sources() for s in SOURCES):
        print("the second dev source needs ../shared beside the repository", file=sys.stderr)
        return 2
    cb = load_codebook(args.codebook)
    themes = cb.theme_keys()
    second = [json.loads(line) for line in SECOND_CODER.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["id"] for r in second]
    first, machine = [], []
    for name in SOURCES:
        gold = load_dev_source(name)
        seg = gold[["segment_id", "text"]].assign(role="unknown")
        coder = EnsembleCoder(codebook=cb, coder="machine").fit(seg)
        machine.append(coder.predict(seg[seg["segment_id"].isin(ids)])[["segment_id", "code", "coder"]])
        first += [(s, t) for s, t in zip(gold["segment_id"], gold["themes"], strict=True) if s in set(ids)]
    codings = pd.concat(
        [as_codings(first, "analyst_1"), as_codings([(r["id"], r["themes"]) for r in second], "analyst_2"), *machine],
        ignore_index=True,
    )
    rows = []
    for a, b in (("analyst_2", "analyst_1"), ("machine", "analyst_1"), ("machine", "analyst_2")):
        v = validate(codings, machine=a, against=b, units=ids, codes=themes, n_boot=args.boot, random_state=0)
        rows.append({"pair": f"{a} vs {b}", **v[v["code"] == "all"].iloc[0][list(COLUMNS[1:])].to_dict()})
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    print(f"Agreement on {len(ids)} units of the second dev source (every unit x {len(themes)} themes):")
    with pd.option_context("display.width", 160, "display.float_format", "{:.2f}".format):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
