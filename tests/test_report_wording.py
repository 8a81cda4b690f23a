"""Words the reports share (outcomes_qual.report._wording)."""

from __future__ import annotations

import pytest

from outcomes_qual.report._wording import ENSEMBLE_WORDS, coder_words


@pytest.mark.parametrize(
    ("method", "team", "expected"),
    [
        ("keyword", "evaluation team", "keyword and phrase matching"),
        ("ensemble", "analysis team", ENSEMBLE_WORDS),
        ("manual", "evaluation team", "hand by the evaluation team"),
        ("human", "analysis team", "hand by the analysis team"),
        # before: the methods section said the turns were coded "by reader."
        ("reader", "evaluation team", "a language model reading each turn against the codebook"),
        ("something_new", "evaluation team", "something_new"),
        (None, "evaluation team", None),
    ],
)
def test_coder_words_name_every_coder(method, team, expected):
    assert coder_words(method, team=team) == expected
