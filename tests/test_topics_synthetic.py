"""A small synthetic corpus for the topic tests: four codebook themes plus a planted
recurring subject no code covers (agency staff turnover).

Every sentence here was written for these tests. Turns are built from fragments so
that no two turns are the same, spread over six focus groups in two authorities.
"""

from __future__ import annotations

import random

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus

CODEBOOK = Codebook(
    name="topics-test",
    codes=(
        Code(
            key="systems_barriers",
            label="Systems barriers",
            definition="Forms, IT systems, resource panels and budgets that get in the way of working to outcomes.",
            keywords=("assessment form", "IT system", "resource panel", "budget", "paperwork", "eligibility"),
            examples=(
                "The assessment form still asks for deficits and eligibility boxes.",
                "Our IT system has nowhere to record what matters to the person.",
                "The resource panel wants a costed budget before it will look at the plan.",
            ),
        ),
        Code(
            key="systems_barriers/paperwork_and_it",
            label="Paperwork, forms and IT",
            definition="Recording systems, case notes, forms and screens.",
            keywords=("case notes", "screens", "database"),
        ),
        Code(
            key="partners",
            label="Partners",
            definition="Working with health, schools, courts, housing and the voluntary sector.",
            keywords=("health visitor", "GP", "school", "court", "housing", "voluntary sector"),
            examples=(
                "The health visitor and the school were at the review with us.",
                "Housing and the GP practice still expect a service led referral.",
                "The court wants a timetable, not an outcome.",
            ),
        ),
        Code(
            key="time",
            label="Time",
            definition="Caseloads, deadlines and timescales, and having time for relationships.",
            keywords=("caseload", "deadline", "timescales", "statutory timescales", "no time"),
            examples=(
                "With a caseload of thirty there is no time to sit with a family.",
                "Statutory timescales push us to close the assessment before we know the person.",
                "Deadlines decide the visit, not what the family needs.",
            ),
        ),
    ),
)

FRAGMENTS: dict[str, list[str]] = {
    "systems_barriers": [
        "the assessment form is still built around eligibility",
        "our IT system crashes when you try to save the case notes",
        "the resource panel sends the plan back for a costed budget",
        "there is nowhere on the screens to write what matters to the person",
        "the budget sheet and the panel paperwork take a whole afternoon",
        "the database makes you tick eligibility boxes before anything else",
        "every form asks about deficits rather than strengths",
        "the panel wants the budget broken down hour by hour",
        "the case notes template has no box for the person's own words",
        "I spend more time on the IT system than with the family",
        "the eligibility criteria on the form decide the conversation",
        "paperwork for the resource panel keeps growing every year",
    ],
    "partners": [
        "the health visitor and the school came to the review",
        "the GP practice still sends a referral asking for a service",
        "housing never turn up to the multi agency meeting",
        "the court wants a timetable rather than an outcome",
        "the school thinks our plan is about attendance only",
        "the voluntary sector group in the village helped with transport",
        "health colleagues use a completely different language of outcomes",
        "the police and housing were both at the strategy meeting",
        "the court report had to be rewritten in their format",
        "the school nurse and the health visitor share the plan now",
        "housing officers want a service named before they act",
        "the voluntary sector partners were brilliant with the family",
    ],
    "time": [
        "with a caseload of thirty there is no time to sit with a family",
        "statutory timescales push us to close the assessment too early",
        "deadlines decide when the visit happens",
        "my caseload went up again this month",
        "there is no time for the relationship when the deadline is Friday",
        "the timescales for the review are impossible with this caseload",
        "we rush every visit because of the next deadline",
        "building trust takes time that the caseload does not allow",
        "the twenty day timescale is all anyone asks about",
        "there is no time to reflect between visits",
        "the deadline for the report came before I knew the child",
        "a smaller caseload would give us time to listen",
    ],
    "agency": [
        "we have had four agency social workers on that team since March",
        "agency staff leave after a few months and the family starts again",
        "the turnover of agency workers means nobody knows the history",
        "another locum started on Monday and the last one left without a handover",
        "families ask why they have a new agency worker every few months",
        "the vacancies are filled with agency staff who move on quickly",
        "high turnover of locum staff breaks every relationship we build",
        "agency workers are paid more and leave for the next contract",
        "the team is half agency staff at the moment",
        "each new locum means another handover and another assessment",
        "turnover in the team is the real problem, agency after agency",
        "we lost three permanent staff and replaced them with agency workers",
    ],
}

OPENERS = ["", "Honestly, ", "I think ", "For me, ", "To be fair, ", "And ", "Well, "]
JOINERS = [" and ", ", and also ", ". On top of that ", ". Also "]
FILLER_TURNS = ["Yeah.", "Mm, I agree.", "Exactly, yes.", "Yeah, you know, same here.", "Right."]
QUESTIONS = [
    "What gets in the way of working this way?",
    "Can you say more about that?",
    "How does that feel for families?",
    "What would help?",
]

#: Focus groups: (transcript_id, authority, role).
GROUPS = [
    ("a_fg_practitioners", "Authority A", "practitioner"),
    ("a_fg_seniors", "Authority A", "senior"),
    ("a_fg_managers", "Authority A", "manager"),
    ("b_fg_practitioners", "Authority B", "practitioner"),
    ("b_fg_seniors", "Authority B", "senior"),
    ("b_fg_managers", "Authority B", "manager"),
]

#: Turns per theme per group (the planted subject recurs in every group).
PER_GROUP = {"systems_barriers": 8, "partners": 7, "time": 7, "agency": 6}


def make_turn(rng: random.Random, theme: str) -> str:
    """One turn of 2 fragments about ``theme``."""
    a, b = rng.sample(FRAGMENTS[theme], 2)
    text = rng.choice(OPENERS) + a + rng.choice(JOINERS) + b + "."
    return text[0].upper() + text[1:]


def make_planted_corpus(seed: int = 0) -> tuple[Corpus, dict[str, str]]:
    """The corpus and the true theme of each substantive turn (segment_id -> theme)."""
    rng = random.Random(seed)
    corpora, truth = [], {}
    for tid, authority, role in GROUPS:
        themes = [t for t, k in PER_GROUP.items() for _ in range(k)]
        rng.shuffle(themes)
        turns: list[tuple[str, str, str]] = [("Facilitator", "facilitator", rng.choice(QUESTIONS))]
        labels: list[str | None] = [None]
        for i, theme in enumerate(themes):
            speaker = f"{role.capitalize()} {1 + i % 5}"
            turns.append((speaker, role, make_turn(rng, theme)))
            labels.append(theme)
            if i % 6 == 5:
                turns.append((f"{role.capitalize()} {1 + (i + 2) % 5}", role, rng.choice(FILLER_TURNS)))
                labels.append(None)
            if i % 9 == 8:
                turns.append(("Facilitator", "facilitator", rng.choice(QUESTIONS)))
                labels.append(None)
        c = Corpus.from_turns(tid, turns, authority=authority)
        for sid, lab in zip(c.segments["segment_id"], labels, strict=True):
            if lab is not None:
                truth[sid] = lab
        corpora.append(c)
    return Corpus.concat(corpora), truth


def test_synthetic_corpus_is_well_formed():
    corpus, truth = make_planted_corpus(0)
    corpus.check()
    assert len(corpus.transcripts) == len(GROUPS)
    assert sum(v == "agency" for v in truth.values()) == len(GROUPS) * PER_GROUP["agency"]
    # the planted subject is in no code's words
    text = " ".join(c.definition + " ".join(c.keywords + c.examples) for c in CODEBOOK.codes).lower()
    assert "agency" not in text and "locum" not in text and "turnover" not in text
    assert make_planted_corpus(0)[1] == truth
