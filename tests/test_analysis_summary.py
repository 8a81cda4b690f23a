"""Theme summary: exact reach figures and the sentence describing them."""

from __future__ import annotations

from test_analysis_role_theme import hand_corpus

from outcomes_qual.analysis import theme_summary
from outcomes_qual.analysis.summary import describe_reach


def test_exact_summary():
    corpus, codings = hand_corpus()
    s = theme_summary(corpus, codings).set_index("theme")
    assert list(s.reset_index().columns) == [
        "theme",
        "label",
        "n_groups",
        "n_transcripts",
        "n_participants",
        "n_turns",
        "share_turns",
        "roles",
        "top_role",
        "description",
    ]
    cs = s.loc["culture_shift"]
    assert (cs.n_groups, cs.n_transcripts, cs.n_participants, cs.n_turns) == (2, 3, 4, 4)
    assert cs.share_turns == 100 * 4 / 9
    assert cs.roles == "senior, manager"
    assert cs.top_role == "senior"
    assert cs.description == (
        "raised in both focus groups and the interview by 4 participants (4 turns), most often by seniors (100% of their turns)"
    )
    sb = s.loc["systems_barriers"]
    assert sb.description == "raised in both focus groups by 3 participants (3 turns), only by practitioners"
    tm = s.loc["time"]
    # practitioners 2 of 4 turns, seniors 1 of 3: 0.5 >= 1.25 * 0.333, so practitioners are named
    assert tm.top_role == "practitioner"
    assert tm.description.endswith("most often by practitioners (50% of their turns)")


def test_reach_words():
    assert describe_reach({"focus_group": (6, 6)}) == "all 6 focus groups"
    assert describe_reach({"focus_group": (2, 6), "interview": (0, 4)}) == "2 of 6 focus groups"
    assert describe_reach({"interview": (1, 1)}) == "the interview"


def test_theme_nobody_raised_with_codebook():
    from outcomes_qual.codebook import Code, Codebook

    corpus, codings = hand_corpus()
    cb = Codebook("t", (Code("resistance", "Resistance to change", "d"),))
    s = theme_summary(corpus, codings, codebook=cb)
    row = s[s["theme"] == "resistance"].iloc[0]
    assert (row.label, row.n_turns, row.description) == ("Resistance to change", 0, "not raised")


def test_no_speaker_column():
    corpus, codings = hand_corpus()
    out = theme_summary(corpus, codings)
    assert "speaker" not in out.columns
    assert not out.astype(str).apply(lambda c: c.str.contains("Ann|Gus")).any().any()
