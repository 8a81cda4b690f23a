"""Done-when check of the reader: on a real study, stored codings are exactly what a stand-in model answered.

Uses ``shared/studies/exam_proctoring_survey`` through ``benchmarks/reader_fidelity.py``:
``outcomes-qual autocode --reader`` on the first 340 answers, with the 17 most frequent themes of
those answers and their sub-codes as the codebook, the primary coder's codes as the stand-in's
answers, and faults injected. Skips cleanly
when the shared folder is absent (found beside the repository or with OUTCOMES_QUAL_SHARED).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reader_fidelity


@pytest.fixture
def shared():
    if not reader_fidelity.study_available():
        pytest.skip(f"{reader_fidelity.STUDY} is not in the shared folder ({reader_fidelity.shared_dir()})")
    return reader_fidelity.shared_dir()


def test_reader_stores_exactly_what_the_stand_in_answered_on_a_real_study(shared):
    figures = reader_fidelity.run(shared, n_themes=17, n_turns=340)
    assert (figures["turns"], figures["themes"]) == (340, 17)
    assert figures["top1"] >= 0.99 and figures["macro_f1"] >= 0.99
    # stronger than the bar: every (turn, code, evidence) row, nothing more, nothing outside the codebook
    assert figures["rows_exact"] == figures["rows_expected"] == figures["rows_stored"] > 100
    assert figures["stored_outside_codebook"] == 0 and figures["dropped_unknown_code"] > 0
    assert figures["not_coded_turns"] == 0 and figures["retries"] > 0  # the injected faults were retried


def test_the_study_check_skips_without_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(reader_fidelity.SHARED_ENV, str(tmp_path))
    assert not reader_fidelity.study_available()
    assert reader_fidelity.main([]) == 0
