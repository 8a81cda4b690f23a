"""pseudonymise_corpus: exact texts and offsets, stability, participants, headers, no mutation."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.anonymise import MAPPING_COLUMNS, NameMatcher, pseudonymise_corpus, pseudonymise_text
from outcomes_qual.anonymise.pseudonymise import category_label, parse_speakers_header
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError

NAMES = pd.DataFrame(
    {
        "name": ["Llŷr", "Megan Jones", "Cwm Eithin"],
        "category": ["child", "parent", ""],
        "replacement": ["", "", "[Village]"],
    }
)


def _fg1() -> Corpus:
    return Corpus.from_turns(
        "fg1",
        [
            ("Facilitator", "facilitator", "Welcome. Siân, you start?"),
            ("Siân Hughes", "practitioner", "Thanks. LLŶR's plan worked; Mrs Jones agreed."),
            ("Bob", "senior", "Sian and Llyr-ish? No: Llŷr went to Cwm  Eithin with llŷr’s mum."),
        ],
    )


def _with_ids(corpus: Corpus, ids: dict[str, str]) -> Corpus:
    """Give speakers roster-style participant ids."""
    corpus.segments["participant_id"] = corpus.segments["speaker"].map(ids)
    corpus.participants["participant_id"] = corpus.participants["speaker"].map(ids)
    return corpus


def test_exact_text_offsets_and_speakers():
    anon, mapping = pseudonymise_corpus(_fg1(), names=NAMES)
    anon.check()
    assert anon.segments[["segment_id", "speaker", "participant_id", "text", "start_char", "end_char"]].values.tolist() == [
        ["fg1:001", "P01", "P01", "Welcome. [Practitioner P02], you start?", 0, 39],
        ["fg1:002", "P02", "P02", "Thanks. [Child 1]'s plan worked; [Parent 1] agreed.", 40, 91],
        [
            "fg1:003",
            "P03",
            "P03",
            "[Practitioner P02] and Llyr-ish? No: [Child 1] went to [Village] with [Child 1]’s mum.",
            92,
            178,
        ],
    ]
    assert anon.texts["fg1"] == "\n".join(anon.segments["text"])
    assert anon.participants[["participant_id", "speaker", "role"]].values.tolist() == [
        ["P01", "P01", "facilitator"],
        ["P02", "P02", "practitioner"],
        ["P03", "P03", "senior"],
    ]
    assert list(mapping.columns) == list(MAPPING_COLUMNS)
    assert mapping[["original", "replacement", "category", "source", "n_replaced"]].values.tolist() == [
        ["Facilitator", "[Facilitator P01]", "participant", "speaker", 0],
        ["Siân Hughes", "[Practitioner P02]", "participant", "speaker", 2],
        ["Bob", "[Senior P03]", "participant", "speaker", 0],
        ["Llŷr", "[Child 1]", "child", "names", 3],
        ["Megan Jones", "[Parent 1]", "parent", "names", 1],
        ["Cwm Eithin", "[Village]", "", "names", 1],
    ]


def test_input_corpus_is_not_mutated():
    corpus = _fg1()
    before = copy.deepcopy(corpus)
    anon, _ = pseudonymise_corpus(corpus, names=NAMES)
    pd.testing.assert_frame_equal(corpus.segments, before.segments)
    pd.testing.assert_frame_equal(corpus.participants, before.participants)
    assert corpus.texts == before.texts
    assert anon is not corpus and anon.segments is not corpus.segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Llŷr's mum", "[Child 1]'s mum"),
        ("LLYR’s mum", "[Child 1]’s mum"),
        ("llyr and llŷr", "[Child 1] and [Child 1]"),
        ("Llyrs and Llŷrian", "Llyrs and Llŷrian"),
        ("Ms. Jones, Mr Jones, Megan, MEGAN JONES", "[Parent 1], [Parent 1], [Parent 1], [Parent 1]"),
        ("Megan-Jones Road", "Megan-Jones Road"),
        ("at Cwm\tEithin.", "at [Village]."),
    ],
)
def test_case_possessives_unicode_boundaries(text, expected):
    assert pseudonymise_text(text, NAMES) == expected


def test_same_person_same_pseudonym_across_transcripts():
    a = _with_ids(
        Corpus.from_turns("fg1", [("Ann", "practitioner", "Llŷr is doing well."), ("Dai", "senior", "Ann, tell them.")]),
        {"Ann": "GA-P01", "Dai": "GA-P02"},
    )
    b = _with_ids(
        Corpus.from_turns("int1", [("Ann", "practitioner", "As I said, Llyr's plan; ask Dai.")], method="interview"),
        {"Ann": "GA-P01"},
    )
    anon, mapping = pseudonymise_corpus(Corpus.concat([a, b]), names=["Llŷr"])
    anon.check()
    assert anon.segments["text"].tolist() == [
        "[Person 1] is doing well.",
        "[Practitioner GA-P01], tell them.",
        "As I said, [Person 1]'s plan; ask [Senior GA-P02].",
    ]
    assert anon.segments["speaker"].tolist() == ["GA-P01", "GA-P02", "GA-P01"]
    assert anon.segments["segment_id"].tolist() == ["fg1:001", "fg1:002", "int1:001"]


def test_same_first_name_in_two_groups_resolves_per_transcript():
    a = _with_ids(Corpus.from_turns("fg1", [("Ann", "practitioner", "Thanks Ann.")]), {"Ann": "GA-P01"})
    b = _with_ids(Corpus.from_turns("fg2", [("Ann", "manager", "Ann here.")]), {"Ann": "SL-P09"})
    anon, _ = pseudonymise_corpus(Corpus.concat([a, b]))
    assert anon.segments["text"].tolist() == ["Thanks [Practitioner GA-P01].", "[Manager SL-P09] here."]


def test_participant_ids_with_names_are_replaced_and_roster_name_columns_too():
    corpus = _with_ids(
        Corpus.from_turns("fg1", [("Ann", "practitioner", "Hello from Ann Bell."), ("Practitioner 2", "practitioner", "Hi.")]),
        {"Ann": "ann_bell_1", "Practitioner 2": "GA-P07"},
    )
    corpus.participants["full_name"] = ["Ann Bell", None]
    corpus.participants["notes"] = ["Ann Bell's team", "works with Ann"]
    anon, mapping = pseudonymise_corpus(corpus)
    assert anon.participants["notes"].tolist() == ["[Practitioner P01]'s team", "works with [Practitioner P01]"]
    assert anon.segments["text"].tolist() == ["Hello from [Practitioner P01].", "Hi."]
    assert anon.participants[["participant_id", "speaker", "full_name"]].values.tolist() == [
        ["P01", "P01", "P01"],
        ["GA-P07", "GA-P07", "GA-P07"],
    ]
    # a generic label is not searched for in text but still gets its pseudonym
    assert mapping.loc[1, ["original", "replacement"]].tolist() == ["Practitioner 2", "[Practitioner GA-P07]"]


def test_speakers_header_names_and_labels_in_text_are_replaced():
    header = "SPEAKERS: Linnea Dunmore (LD), Consultant\nBryn Hale (BH), Manager\n\n"
    body = "(LD) Welcome, Bryn.\n\n(BH) Thanks Linnea. BH here; bh is lower case."
    text = header + body
    seg_rows = [
        ("LD", "facilitator", "Welcome, Bryn.", text.index("Welcome")),
        ("BH", "manager", "Thanks Linnea. BH here; bh is lower case.", text.index("Thanks")),
    ]
    segments = pd.DataFrame(
        [
            {
                "segment_id": f"w:{i:03d}",
                "transcript_id": "w",
                "turn": i,
                "speaker": s,
                "participant_id": f"w_{s}",
                "role": r,
                "text": t,
                "start_char": a,
                "end_char": a + len(t),
                "start_s": None,
                "end_s": None,
            }
            for i, (s, r, t, a) in enumerate(seg_rows, start=1)
        ]
    )
    base = Corpus.from_turns("w", [("LD", "facilitator", "x"), ("BH", "manager", "y")])
    corpus = Corpus(base.transcripts, base.participants, segments, {"w": text})
    corpus.check()
    anon, mapping = pseudonymise_corpus(corpus)
    anon.check()
    assert anon.texts["w"] == (
        "SPEAKERS: [Facilitator P01] ([Facilitator P01]), Consultant\n[Manager P02] ([Manager P02]), Manager\n\n"
        "([Facilitator P01]) Welcome, [Manager P02].\n\n"
        "([Manager P02]) Thanks [Facilitator P01]. [Manager P02] here; bh is lower case."
    )
    assert anon.segments["text"].tolist() == [
        "Welcome, [Manager P02].",
        "Thanks [Facilitator P01]. [Manager P02] here; bh is lower case.",
    ]


def test_one_letter_speaker_initials_leave_n_a_and_q_and_a_alone(tmp_path):
    # before: "N/A" became "[Participant P118]/[Participant P119]" and "Q&A" "Q&[Participant P119]"
    from outcomes_qual.ingest import read_corpus

    path = tmp_path / "t.txt"
    path.write_text(
        "SPEAKERS: Nia Evans (N), Alun Price (A)\n\nN: The budget is N/A.\nA: Same, N/A. A/B and Q&A. N said so.\n",
        encoding="utf-8",
    )
    corpus = _with_ids(read_corpus([path]), {"Nia Evans": "P118", "Alun Price": "P119"})
    anon, mapping = pseudonymise_corpus(corpus)
    anon.check()
    assert anon.texts["t"] == (
        "SPEAKERS: [Participant P118] ([Participant P118]), [Participant P119] ([Participant P119])\n\n"
        "[Participant P118]: The budget is N/A.\n"
        "[Participant P119]: Same, N/A. A/B and Q&A. [Participant P118] said so.\n"
    )
    assert anon.segments["text"].tolist() == ["The budget is N/A.", "Same, N/A. A/B and Q&A. [Participant P118] said so."]
    assert mapping["n_replaced"].tolist() == [4, 3]


def test_parse_speakers_header_forms():
    assert parse_speakers_header("SPEAKERS: Ann Bell (AB), Lead\nCD = Carys Dee\nEF - Eifion Fox\n") == [
        ("AB", "Ann Bell"),
        ("CD", "Carys Dee"),
        ("EF", "Eifion Fox"),
    ]


def test_auto_numbering_skips_user_replacements_and_reuses_first_names():
    names = pd.DataFrame(
        {
            "name": ["Mrs Pritchard", "Mr Beynon", "Owain Beynon", "Owain", "Cwm Eithin", "Brynhyfryd"],
            "replacement": ["[Service user 1]", "", "", "", "[Place 1]", ""],
            "category": ["service_user", "service_user", "child", "child", "place", "place"],
        }
    )
    text = "Mrs Pritchard, Mr Beynon, Owain Beynon, Owain, Cwm Eithin and Brynhyfryd"
    assert pseudonymise_text(text, names) == ("[Service user 1], [Service user 2], [Child 1], [Child 1], [Place 1] and [Place 2]")


def test_category_label():
    assert [category_label(c) for c in ["young_person", "CHILD", "family member"]] == [
        "Young person",
        "Child",
        "Family member",
    ]


def test_everyday_word_names_need_a_capital():
    assert pseudonymise_text("Will said we will ask Dawn at dawn.", ["Will", "Dawn"]) == (
        "[Person 1] said we will ask [Person 2] at dawn."
    )


def test_names_from_csv_path_and_bad_names(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,category\nLlŷr,child\n", encoding="utf-8")
    anon, mapping = pseudonymise_corpus(_fg1(), names=path)
    assert "[Child 1]'s plan" in anon.texts["fg1"]
    with pytest.raises(InputError, match=r"bad name '1234'"):
        pseudonymise_corpus(_fg1(), names=["1234"])
    with pytest.raises(TypeError, match="names: expected a path"):
        pseudonymise_corpus(_fg1(), names=42)


def test_empty_corpus():
    anon, mapping = pseudonymise_corpus(Corpus.empty(), names=["Llŷr"])
    assert len(anon.segments) == 0 and mapping["original"].tolist() == ["Llŷr"]


# --------------------------------------------------------------------------- property test
_NAMES = ["Llŷr", "Siân Hughes", "Megan", "Peter Jones", "Ciarán", "Will"]
_WORDS = ["the", "plan", "will", "mum", "said", "and", "we", "Dawn", "jones", "Ann-Marie", "x", "é", ""]
_PUNCT = [" ", " ", ", ", ". ", "'s ", "’s ", "\n", "-", "  "]


def _name_forms(name: str) -> list[str]:
    first, *rest = name.split()
    forms = [name, name.upper(), name.lower(), first]
    if rest:
        forms += [f"Mrs {rest[-1]}", f"Dr. {rest[-1]}"]
    return forms


_token = st.one_of(st.sampled_from(_WORDS), st.sampled_from(_NAMES).flatmap(lambda n: st.sampled_from(_name_forms(n))))
_turn_text = st.lists(st.tuples(_token, st.sampled_from(_PUNCT)), min_size=0, max_size=12).map(
    lambda parts: "".join(a + b for a, b in parts)
)


@settings(max_examples=60, deadline=None)
@given(
    turns=st.lists(_turn_text, min_size=1, max_size=5),
    listed=st.lists(st.sampled_from(_NAMES), min_size=1, max_size=4, unique=True),
)
def test_offsets_invariant_after_replacement(turns, listed):
    corpus = Corpus.from_turns("t", [(f"Speaker {i}", "practitioner", text) for i, text in enumerate(turns, start=1)])
    anon, mapping = pseudonymise_corpus(corpus, names=listed)
    anon.check()
    assert anon.segments["segment_id"].tolist() == corpus.segments["segment_id"].tolist()
    # each turn is replaced exactly as the string alone would be, and turns never merge
    assert anon.segments["text"].tolist() == [pseudonymise_text(t, listed) for t in turns]
    assert anon.texts["t"] == "\n".join(anon.segments["text"])
    # no listed name is left (everyday-word names only count with a capital)
    leftover = list(NameMatcher([(n, n) for n in listed]).finditer(anon.texts["t"]))
    assert leftover == []
    assert int(mapping["n_replaced"].sum()) == sum(len(list(NameMatcher([(n, n) for n in listed]).finditer(t))) for t in turns)


def test_places_are_replaced_only_as_written():
    names = pd.DataFrame(
        {
            "name": ["Burnbrae Primary", "Linnmouth House", "Owain Price"],
            "category": ["", "place", "child"],
            "replacement": ["[School 1]", "", ""],
        }
    )
    text = "Burnbrae Primary and Linnmouth House; Primary care, the House, Owain and Price."
    assert pseudonymise_text(text, names) == "[School 1] and [Place 1]; Primary care, the House, [Child 1] and [Child 1]."


def test_missing_speaker_is_not_a_name():
    corpus = Corpus.from_turns("r", [("x", "unknown", "Nan helped."), ("Ann", "unknown", "Thanks, nan.")])
    corpus.segments.loc[0, "speaker"] = None
    corpus.participants.loc[0, "speaker"] = None
    anon, mapping = pseudonymise_corpus(corpus)
    anon.check()
    assert anon.segments["text"].tolist() == ["Nan helped.", "Thanks, nan."]
    assert anon.segments["speaker"].isna().tolist() == [True, False]
    assert mapping["original"].tolist() == ["", "Ann"]


def test_real_webinar_transcript_with_initials_and_speakers_header(shared_dir):
    """A published transcript labelled by initials, with a SPEAKERS header naming the speakers."""
    import re

    from outcomes_qual.ingest import read_corpus

    corpus = read_corpus([shared_dir / "reference" / "midlothian-pace-webinar-transcript-2020.txt"])
    anon, mapping = pseudonymise_corpus(corpus)
    anon.check()
    assert anon.segments["segment_id"].tolist() == corpus.segments["segment_id"].tolist()
    (before,) = corpus.texts.values()
    (after,) = anon.texts.values()
    speakers = corpus.participants["speaker"].tolist()
    assert len(speakers) == 3
    forms = {part for s in speakers for part in s.split()}
    # initials as used in the labels, read from the header
    initials = set(re.findall(r"\(([A-Z]{2})\)", before[: before.index("\n\n(")]))
    assert len(initials) == 3
    for form in forms | initials:
        assert len(re.findall(rf"(?<!\w){form}(?!\w)", before)) > 0, form
        assert re.findall(rf"(?<!\w){form}(?!\w)", after) == [], form
    assert sorted(anon.participants["speaker"]) == ["P01", "P02", "P03"]
    # one replacement per full name, per initials, and per first name or surname outside a full name
    assert int(mapping["n_replaced"].sum()) == sum(
        len(re.findall(rf"(?<!\w){f}(?!\w)", before)) for f in speakers + sorted(initials)
    ) + sum(len(re.findall(rf"(?<!\w){f}(?!\w)", re.sub("|".join(speakers), "", before))) for f in sorted(forms))


def test_person_with_only_a_replacement_is_still_a_person():
    names = pd.DataFrame({"name": ["Mrs Pritchard", "Ysgol y Graig"], "replacement": ["[Service user 1]", "[School 1]"]})
    assert pseudonymise_text("Mrs Pritchard; Pritchard; Graig; Ysgol y Graig", names) == (
        "[Service user 1]; [Service user 1]; Graig; [School 1]"
    )


def test_missing_participant_ids_get_distinct_pseudonyms():
    corpus = Corpus.from_turns("t", [("Ann", "senior", "Hi Bob."), ("Bob", "senior", "Hi Ann.")])
    corpus.segments["participant_id"] = pd.NA
    corpus.participants["participant_id"] = pd.NA
    anon, _ = pseudonymise_corpus(corpus)
    assert anon.segments["text"].tolist() == ["Hi [Senior P02].", "Hi [Senior P01]."]
