"""A synthetic focus-group corpus for speed benchmarks.

``make_synthetic_segments(n_turns, seed=...)`` builds a segments table of
varied, realistic-sounding turns from templates written for this project:
sentences about the six codebook themes, one recurring subject the codebook
does not cover (agency staff and turnover), small talk and facilitator
questions. It is for timing and memory only; the planted themes are rough.

Examples
--------
>>> seg = make_synthetic_segments(50, seed=1)
>>> list(seg.columns)
['segment_id', 'transcript_id', 'turn', 'speaker', 'participant_id', 'role', 'text', 'authority']
>>> len(seg), seg["segment_id"].is_unique
(50, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcomes_qual import schema

#: Columns of :func:`make_synthetic_segments`: the segments table's own columns
#: without character offsets and times, plus the group's ``authority``.
SYNTHETIC_COLUMNS: tuple[str, ...] = (
    *(c for c in schema.SEGMENT_COLUMNS if c not in ("start_char", "end_char", "start_s", "end_s")),
    "authority",
)

SLOTS: dict[str, list[str]] = {
    "person": [
        "an older man living alone",
        "a young mum",
        "a teenager in foster care",
        "a carer looking after her husband",
        "a family with three children",
        "a woman with early dementia",
        "a lad leaving care",
        "a grandfather caring for his grandson",
        "a couple in their eighties",
        "a young man with a learning disability",
        "a dad just out of hospital",
        "a single parent",
    ],
    "service": [
        "a day centre place",
        "a home care package",
        "respite",
        "a befriending service",
        "a sitting service",
        "a residential placement",
        "direct payments",
        "a support worker",
        "meals on wheels",
        "a community alarm",
    ],
    "wish": [
        "get back to the allotment",
        "walk the dog again",
        "see her grandchildren more",
        "stay in his own home",
        "go back to college",
        "feel less lonely",
        "cook a meal for the family",
        "get out to church on Sundays",
        "manage his own money",
        "go to football with his mates",
        "sleep through the night",
        "feel safe at home",
    ],
    "agency": [
        "the GP",
        "the school",
        "the hospital ward",
        "the health visitor",
        "the housing officer",
        "the police",
        "the district nurses",
        "the mental health team",
        "the court",
        "the children's reporter",
        "the care provider",
        "the local charity",
        "the college",
        "the community psychiatric nurse",
    ],
    "system": [
        "the new recording system",
        "the assessment template",
        "the review form",
        "the database",
        "the case management system",
        "the electronic form",
        "the care plan template",
        "the referral form",
    ],
    "duration": [
        "a couple of weeks",
        "three months",
        "six months",
        "a year",
        "two years",
        "most of a morning",
        "an hour and a half",
        "twenty minutes",
        "a whole afternoon",
    ],
    "count": ["twenty", "twenty-five", "thirty", "eighteen", "thirty-two", "fifteen"],
    "team": [
        "our team",
        "the duty team",
        "the older people's team",
        "the children's team",
        "the hospital team",
        "the locality team",
    ],
    "feeling": ["frustrated", "relieved", "proud", "worn out", "hopeful", "anxious", "more confident", "cautious"],
}

TEMPLATES: dict[str, list[str]] = {
    "culture_shift": [
        "We used to go in with {service} already in mind, but now we start by asking what matters to them.",
        "I worked with {person} who just wanted to {wish}, and building the plan around that changed everything.",
        "It is a different way of thinking; you stop being the expert and start listening properly.",
        "Since {team} did the training together, people talk about strengths in every discussion.",
        "Our manager really backs us to take a bit of a risk if it is what the person wants.",
        "Supervision has become a place to reflect on how the conversation went, not just a list of deadlines.",
        "I feel {feeling} about it because it feels like proper social work again.",
        "The mentors came to our meetings and we went through real cases, which made it feel doable.",
        "With {person} we focused on what she could already do rather than what she could not.",
    ],
    "clarity_of_purpose": [
        "We write the outcome in their own words so everyone knows what we are working towards.",
        "At the review we go back to what {person} said they wanted and see how far they have come.",
        "The plan now says what the family want to be different in {duration}, not which service they get.",
        "It gives the visit a clear purpose; they know why I am there and so do I.",
        "We agreed small steps with {person} and checked them together every fortnight.",
        "An outcome is the change in someone's life, not {service}.",
    ],
    "resistance": [
        "Some people in {team} just carry on as they always have and nothing has changed.",
        "A few see it as another initiative that will fade when the money goes.",
        "People are scared that if they do not put in {service} and something goes wrong, they will be blamed.",
        "It is patchy; one team has really gone for it and the next one has not touched it.",
        "Half the staff still write {service} in the outcome box.",
        "I had to push back when a colleague wanted to close the case without asking the family.",
    ],
    "systems_barriers": [
        "{system} still asks which service you want before it asks anything about the person.",
        "I have a good conversation and then spend {duration} squeezing it into {system}.",
        "The figures we report count how many assessments are done on time, not whether life got better.",
        "Panel will only agree {service} if you describe everything as risk.",
        "With the budget cuts we are told to reduce packages, which cuts across all of this.",
        "We type the same information into {system} three times.",
        "The eligibility criteria decide the conversation before you have had it.",
    ],
    "partners": [
        "{agency} still sends referrals asking for {service} rather than saying what the problem is.",
        "In the case conference {agency} wanted a list of concerns, so I started with what was going well.",
        "{agency} has been brilliant once they understood what we were trying to do.",
        "The court wants risks spelled out, and strengths can look weak in front of a judge.",
        "The care provider is paid by the hour, so there is no room to be flexible.",
        "We invited {agency} to the review and it helped the family feel listened to.",
    ],
    "time": [
        "A proper conversation takes {duration} and I have {count} cases, so something has to give.",
        "The first visit takes longer now but I am not going back every month to fix things.",
        "We have to finish the assessment within a set number of days, which leaves no room to get to know anyone.",
        "It is early days; changing a whole service will take years, not months.",
        "When you are firefighting all week you fall back on the quick option.",
        "Building trust with {person} took {duration}; it does not happen in one visit.",
    ],
    "agency_staff": [
        "We have had four different agency workers in {team} this year and families have to tell their story again each time.",
        "The turnover is the real problem; people leave for better pay with the agencies.",
        "Half the team are locums now, so nobody is around long enough to build a relationship.",
        "We keep losing experienced staff and the new starters are thrown in at the deep end.",
        "When a locum leaves after {duration} all the work with {person} starts again from scratch.",
    ],
    "filler": [
        "Yes, I agree with that.",
        "That is exactly it.",
        "Can I just add something there?",
        "I think that is true for us as well.",
        "Mm, definitely.",
        "Sorry, go on.",
    ],
}

FACILITATOR: list[str] = [
    "What has changed in how you work with people?",
    "Can you give me an example of that?",
    "How do your systems and forms fit with this way of working?",
    "How do other agencies respond?",
    "Is there anything that gets in the way?",
    "How much time do you have for these conversations?",
    "Thank you, does anyone else want to come in on that?",
]

_WEIGHTS = {
    "culture_shift": 0.27,
    "clarity_of_purpose": 0.09,
    "resistance": 0.08,
    "systems_barriers": 0.15,
    "partners": 0.1,
    "time": 0.12,
    "agency_staff": 0.07,
    "filler": 0.12,
}

#: Roles of the synthetic groups in turn: every role whose turns are data, bar the catch-alls.
ROLE_CYCLE: tuple[str, ...] = tuple(r for r in schema.ANALYSED_ROLES if r not in ("other", "unknown"))


def _fill(template: str, rng: np.random.Generator) -> str:
    out = template
    for slot, values in SLOTS.items():
        token = "{" + slot + "}"
        while token in out:
            out = out.replace(token, values[rng.integers(len(values))], 1)
    return out[0].upper() + out[1:]


def make_synthetic_segments(
    n_turns: int, *, seed: int = 0, turns_per_transcript: int = 60, with_themes: bool = False
) -> pd.DataFrame:
    """Return ``n_turns`` synthetic turns as a segments table.

    Parameters
    ----------
    n_turns : int
    seed : int, default 0
    turns_per_transcript : int, default 60
        Turns per synthetic focus group; each group has one role and one of two authorities.
    with_themes : bool, default False
        Add a ``planted`` column naming the template family of each turn.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SYNTHETIC_COLUMNS` (plus ``planted``). About 1 turn in 8
        is a facilitator question.
    """
    rng = np.random.default_rng(seed)
    families = list(_WEIGHTS)
    probs = np.array([_WEIGHTS[f] for f in families])
    probs = probs / probs.sum()
    rows = []
    for i in range(n_turns):
        g, turn = divmod(i, turns_per_transcript)
        role_group = ROLE_CYCLE[g % len(ROLE_CYCLE)]
        authority = "Authority A" if g % 2 == 0 else "Authority B"
        tid = f"syn{g:04d}"
        if turn % 8 == 0:
            speaker, role, planted = "Facilitator", "facilitator", "facilitator"
            text = FACILITATOR[rng.integers(len(FACILITATOR))]
        else:
            p = int(rng.integers(1, 7))
            speaker, role = f"P{p}", role_group
            fam = families[rng.choice(len(families), p=probs)]
            planted = fam
            n_sent = 1 if fam == "filler" else int(rng.integers(1, 4))
            sentences = []
            for k in range(n_sent):
                f = (
                    fam
                    if k == 0 or rng.random() < 0.6
                    else families[rng.choice(len(families) - 1, p=probs[:-1] / probs[:-1].sum())]
                )
                pool = TEMPLATES[f]
                sentences.append(_fill(pool[rng.integers(len(pool))], rng))
            text = " ".join(sentences)
        rows.append(
            {
                "segment_id": f"{tid}:{turn + 1:03d}",
                "transcript_id": tid,
                "turn": turn + 1,
                "speaker": speaker,
                "participant_id": f"{tid}_{speaker}",
                "role": role,
                "text": text,
                "authority": authority,
                "planted": planted,
            }
        )
    frame = pd.DataFrame(rows)
    cols = list(SYNTHETIC_COLUMNS) + (["planted"] if with_themes else [])
    return frame[cols] if len(frame) else pd.DataFrame(columns=cols)
