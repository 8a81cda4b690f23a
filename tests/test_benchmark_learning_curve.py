"""benchmarks/learning_curve.py on a tiny inline source (light backend).

Rows, codings, and that learning leaves the base coder alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import learning_curve as lc

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.coding import EnsembleCoder

CB = Codebook(
    "tiny",
    (
        Code(
            "systems_barriers",
            "Systems",
            "Forms, IT systems and paperwork.",
            keywords=("forms", "IT system"),
            examples=("The IT system and the forms take all day.",),
        ),
        Code(
            "time",
            "Time",
            "Not enough time; caseloads and deadlines.",
            keywords=("no time", "deadline"),
            examples=("I never have enough time with families.",),
        ),
        Code(
            "partners",
            "Partners",
            "Other agencies: health, schools, police.",
            keywords=("GP", "school"),
            examples=("The GP and the school want a list of services.",),
        ),
    ),
)

TEXTS = [
    ("The forms on the IT system take all morning.", ["systems_barriers"]),
    ("There is no time, my caseload is huge.", ["time"]),
    ("The GP never reads what we send.", ["partners"]),
    ("Another deadline and no time to visit.", ["time"]),
    ("The school asked for a list of services.", ["partners"]),
    ("Typing it all into the system again.", ["systems_barriers"]),
    ("The forms and the deadline together.", ["systems_barriers", "time"]),
    ("We met the police and the GP.", ["partners"]),
    ("Right, yes.", []),
    ("No time left in the week for families.", ["time"]),
    ("Paperwork for every visit on the IT system.", ["systems_barriers"]),
    ("The school nurse came to the review.", ["partners"]),
]
GOLD = pd.DataFrame(
    {"segment_id": [f"u{i:02d}" for i in range(len(TEXTS))], "text": [t for t, _ in TEXTS], "themes": [th for _, th in TEXTS]}
)


def test_gold_codings_exact():
    out = lc.gold_codings(GOLD, ["u06", "u08"])
    assert out.values.tolist() == [["u06", "systems_barriers"], ["u06", "time"], ["u08", ""]]


def test_learned_copy_leaves_the_base_coder_as_it_was():
    seg = GOLD[["segment_id", "text"]].assign(role="unknown")
    base = EnsembleCoder(codebook=CB, backend="lsa").fit(seg)
    head, before = base.head_, base.decision_function(seg)
    taught = lc.learned(base, seg, lc.gold_codings(GOLD, GOLD["segment_id"][:8]))
    assert taught.n_reviewed_turns_ == 8 and taught.head_ is not head
    assert base.n_reviewed_turns_ == 0 and base.head_ is head
    pd.testing.assert_frame_equal(base.decision_function(seg), before)


def test_run_source_rows_and_ceiling():
    rows = lc.run_source("tiny", GOLD, CB, "lsa", [0, 2, 5], 2)
    got = [(r["order"], r["n_coded"], r["n_scored"]) for r in rows]
    assert got == [("zero-shot", 0, 12), ("random", 2, 10), ("suggested", 2, 10), ("5-fold (learned from the rest)", 10, 12)]
    for r in rows:
        assert -1.0 <= r["kappa_mean"] <= 1.0 and 0.0 <= r["macro_f1_mean"] <= 1.0
    assert rows[-1]["kappa_sd"] == 0.0
    assert tuple(rows[0]) == lc.CURVE_COLUMNS
