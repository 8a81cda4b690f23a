"""Consultation exports in the wide and the long layout: columns decided from content, every answer read, a read report."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.errors import InputError
from outcomes_qual.ingest import ReadReport, nonresponse_by_question, read_consultation, read_corpus, read_transcript
from outcomes_qual.ingest._consult_layout import decide_column, profile_column

# Six respondents; question columns named N2, open_7 and by their text; attribute columns that
# look like text (institution type: a few repeated multi-word values), numbers and yes/no.
WIDE = (
    "respondent_id,Institution type,N2,Years teaching,open_7,Why would you not use it?,Opt in\n"
    "r1,Public research university,Students asked me to keep exams fair.,12,The software flagged a nervous student.,,Yes\n"
    "r2,Community college,Our department made it the default this year.,3,N/A,Privacy worries from my class.,No\n"
    "r3,Public research university,,25,Cost was the main thing we weighed up.,It felt like spying on people at home.,Yes\n"
    "r4,Private liberal arts college,I wanted to stop answers being shared online.,7,"
    "Setting it up took a whole weekend.,None,No\n"
    "r5,Community college,The exams were online during the closure.,18,,Students lacked cameras and quiet rooms.,No\n"
    "r6,Public research university,Colleagues recommended it after a cheating case.,1,"
    "It made the marking quicker overall.,We trust our students instead.,Yes\n"
)
ATTRIBUTE_VALUES = {
    "Public research university",
    "Community college",
    "Private liberal arts college",
    "12",
    "3",
    "25",
    "7",
    "18",
    "1",
    "Yes",
    "No",
}


def long_from_wide(wide: pd.DataFrame, questions: dict[str, str], attributes: list[str]) -> pd.DataFrame:
    """One row per non-blank answer: respondent_id, question_id, question, answer and the attributes (repeated)."""
    rows = []
    for col, qid in questions.items():
        for rec in wide.to_dict("records"):
            if str(rec[col]).strip():
                rows.append(
                    {
                        "respondent_id": rec["respondent_id"],
                        "question_id": qid,
                        "question": col,
                        "answer": rec[col],
                        **{a: rec[a] for a in attributes},
                    }
                )
    return pd.DataFrame(rows)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_wide_questions_are_decided_from_content_whatever_their_names(tmp_path):
    corpus = read_consultation(write(tmp_path, "survey.csv", WIDE))
    corpus.check()
    report = corpus.reads[0]
    assert report.layout == "wide"
    assert [(q.key, q.column) for q in report.questions] == [
        ("n2", "N2"),
        ("open_7", "open_7"),
        ("why_would_you_not_use_it", "Why would you not use it?"),
    ]
    assert report.attributes == {"institution_type": "Institution type", "opt_in": "Opt in", "years_teaching": "Years teaching"}
    assert report.unread == [] and report.doubts == []
    assert [(q.key, q.n_answered, q.n_nonresponse, q.n_blank) for q in report.questions] == [
        ("n2", 5, 0, 1),
        ("open_7", 4, 1, 1),
        ("why_would_you_not_use_it", 4, 1, 1),
    ]
    seg = corpus.segments
    assert len(seg) == 13 == report.n_answers
    assert not set(seg["text"]) & ATTRIBUTE_VALUES  # no attribute value is read as an answer
    assert seg.set_index("segment_id").loc["r3:open_7", ["institution_type", "years_teaching", "opt_in"]].tolist() == [
        "Public research university",
        "25",
        "Yes",
    ]
    assert seg.set_index("segment_id").loc["r2:why_would_you_not_use_it", "question_text"] == "Why would you not use it?"
    part = corpus.participants.set_index("speaker")
    assert part.loc["r4", "institution_type"] == "Private liberal arts college"


def test_long_layout_builds_the_same_corpus_as_wide(tmp_path):
    wide = pd.read_csv(write(tmp_path, "survey.csv", WIDE), dtype=str, keep_default_na=False)
    questions = {"N2": "N2", "open_7": "open_7", "Why would you not use it?": "Q9"}
    long = long_from_wide(wide, questions, ["Institution type", "Years teaching", "Opt in"])
    long["answered_at"] = [f"2023-05-{i % 28 + 1:02d}" for i in range(len(long))]  # per answer, not per respondent
    long = long.sample(frac=1, random_state=3).reset_index(drop=True)  # a respondent's rows are spread out
    long.to_csv(tmp_path / "survey_long.csv", index=False)
    got = read_consultation(tmp_path / "survey_long.csv", transcript_prefix="survey")
    got.check()
    base = read_consultation(tmp_path / "survey.csv")
    report = got.reads[0]
    assert report.layout == "long"
    assert (report.id_column, report.question_column, report.question_text_column, report.answer_column) == (
        "respondent_id",
        "question_id",
        "question",
        "answer",
    )
    assert report.attributes == {"institution_type": "Institution type", "opt_in": "Opt in", "years_teaching": "Years teaching"}
    assert report.unread == [("answered_at", "varies within 6 respondent(s), so not a respondent attribute")]
    assert report.n_respondents == 6 and report.n_answers == 13 and report.n_nonresponse == 2
    key = {"n2": "n2", "open_7": "open_7", "why_would_you_not_use_it": "q9"}
    b = base.segments.assign(question=base.segments["question"].map(key))
    cols = ["speaker", "question", "question_text", "text", "institution_type", "years_teaching", "opt_in"]

    def ordered(s):
        return s.sort_values(["speaker", "question"])[cols].values.tolist()

    assert ordered(got.segments) == ordered(b)
    assert len(got.participants) == 6 and got.participants["speaker"].is_unique
    assert sorted(nonresponse_by_question(got)["n_nonresponse"]) == [1, 2, 2]


def test_one_row_per_answer_with_repeated_respondents_in_file_order(tmp_path):
    text = (
        "respondent,question_id,answer,sector\n"
        "a,Q1,More time with families.,Council\n"
        "b,Q1,Fewer forms.,NHS\n"
        "a,Q2,Supervision that listens.,Council\n"
        "b,Q2,-,NHS\n"
        "c,Q2,Partners who return calls.,Third sector\n"
    )
    corpus = read_transcript(write(tmp_path, "answers.csv", text))
    corpus.check()
    assert corpus.segments[
        ["segment_id", "transcript_id", "turn", "question", "text", "start_char", "sector"]
    ].values.tolist() == [
        ["a:q1", "answers:a", 1, "q1", "More time with families.", 0, "Council"],
        ["a:q2", "answers:a", 2, "q2", "Supervision that listens.", 26, "Council"],
        ["b:q1", "answers:b", 1, "q1", "Fewer forms.", 0, "NHS"],
        ["c:q2", "answers:c", 1, "q2", "Partners who return calls.", 0, "Third sector"],
    ]
    assert corpus.texts["answers:a"] == "More time with families.\n\nSupervision that listens."
    assert corpus.transcripts.set_index("respondent_id")["nonresponse"].to_dict() == {"a": "", "b": "q2", "c": "q1"}
    assert corpus.transcripts.set_index("respondent_id")["nonresponse_marked"].to_dict() == {"a": "", "b": "q2", "c": ""}


def test_malformed_row_in_the_long_layout_is_one_line_naming_file_and_line(tmp_path):
    text = (
        "respondent_id,question_id,question,answer\n"
        "r1,N2,Why?,Because exams moved online.\n"
        "r2,N2,Why?,Too,many,fields\n"
        ",N2,Why?,No respondent here.\n"
        "r3,,,An answer to nothing.\n"
        "r1,N2,Why?,A second answer to the same question.\n"
        'r3,N2,Why?,"A quoted answer\nover two lines."\n'
    )
    path = write(tmp_path, "long.csv", text)
    corpus = read_consultation(path)
    assert corpus.segments["segment_id"].tolist() == ["r1:n2", "r3:n2"]
    assert [str(p) for p in corpus.problems] == [
        f"{path}:3: row 3: expected 4 fields (as in the header), got 6; row skipped",
        f"{path}:4: row 4: no respondent id in column 'respondent_id'; row skipped",
        f"{path}:5: row 5: no question in 'question_id' or 'question'; row skipped",
        f"{path}:6: row 6: respondent 'r1' answers question 'N2' again (first on row 2); row skipped",
    ]
    assert corpus.reads[0].n_problems == 4
    batch = read_corpus([path])
    assert len(batch.problems) == 4 and len(batch.segments) == 2


def test_malformed_row_in_the_wide_layout_is_one_line_naming_file_and_line(tmp_path):
    lines = WIDE.splitlines()
    lines.insert(3, "r9,Community college,A stray comma, here,4,Too short.,,No")
    path = write(tmp_path, "wide.csv", "\n".join(lines) + "\n")
    corpus = read_consultation(path)
    assert [str(p) for p in corpus.problems] == [f"{path}:4: row 4: expected 7 fields (as in the header), got 8; row skipped"]
    assert "\n" not in str(corpus.problems[0])
    assert len(corpus.segments) == 13


def test_attribute_looking_text_and_closed_questions_are_attributes(tmp_path):
    rows = ["respondent_id,Q1. Which sector?,Q2. What would help?,Local authority"]
    sectors = ["Council", "NHS", "Council", "Third sector", "NHS", "Council"]
    for i, s in enumerate(sectors):
        rows.append(f"r{i},{s},Answer number {i} says something different about help.,Glanafon")
    corpus = read_consultation(write(tmp_path, "c.csv", "\n".join(rows) + "\n"))
    report = corpus.reads[0]
    assert [q.column for q in report.questions] == ["Q2. What would help?"]
    assert report.attributes == {"authority": "Local authority", "q1_which_sector": "Q1. Which sector?"}
    assert report.doubts == [
        "column 'Q1. Which sector?': the header looks like a question but the cells are few repeated values "
        "(3 distinct in 6 cells); read as an attribute (a closed question): pass it to questions to read it as answers"
    ]
    with pytest.raises(InputError, match=r"c\.csv: strict: 1 doubt about the columns: column 'Q1. Which sector\?'"):
        read_consultation(tmp_path / "c.csv", strict=True)
    named = read_consultation(
        tmp_path / "c.csv", questions=["q1", "Q2. What would help?"], attributes=["Local authority"], strict=True
    )
    assert sorted(named.segments["question"].unique()) == ["q1", "q2"]
    assert named.reads[0].doubts == []


def test_columns_neither_question_nor_attribute_are_named(tmp_path):
    rows = ["respondent_id,Contact,Q1. What works?"]
    for i in range(6):
        rows.append(f"r{i},person{i}@example.org,Being asked what matters and then being listened to {i}.")
    corpus = read_consultation(write(tmp_path, "c.csv", "\n".join(rows) + "\n"))
    report = corpus.reads[0]
    assert report.unread == [
        ("Contact", "neither question nor attribute: short text (1.0 words on average, 6 distinct in 6 cells)")
    ]
    assert len(report.doubts) == 1 and "'Contact'" in report.doubts[0]
    assert "Contact" not in corpus.segments.columns and not corpus.segments["text"].str.contains("@").any()
    text = str(report)
    assert "1 column(s) not read:\n    'Contact': neither question nor attribute" in text


def test_questions_and_attributes_must_name_real_columns(tmp_path):
    path = write(tmp_path, "survey.csv", WIDE)
    with pytest.raises(InputError, match=r"survey\.csv:1: questions: expected columns of the header .* got \['Q99'\]"):
        read_consultation(path, questions=["N2", "Q99"])
    with pytest.raises(InputError, match=r"questions and attributes: a column cannot be both"):
        read_consultation(path, questions=["N2"], attributes=["n2"])
    corpus = read_consultation(path, questions=["N2,open_7"])  # comma-separated, as from the command line
    assert sorted(corpus.segments["question"].unique()) == ["n2", "open_7"]
    assert (
        "Why would you not use it?",
        "not named in questions (free text (5.0 words on average, 5 distinct in 5 cells))",
    ) in corpus.reads[0].unread


def test_long_layout_questions_option_reads_only_those(tmp_path):
    text = "respondent_id,question_id,answer\nr1,A1,First answer here.\nr1,B2,Second answer here.\nr2,B2,Another one.\n"
    corpus = read_consultation(write(tmp_path, "l.csv", text), questions=["B2"])
    assert corpus.segments["segment_id"].tolist() == ["r1:b2", "r2:b2"]
    assert corpus.reads[0].unread_questions == {"A1": 1}


def test_read_report_is_logged_and_printed_by_the_cli(tmp_path, capsys, caplog):
    from outcomes_qual.cli import main

    path = write(tmp_path, "survey.csv", WIDE)
    with caplog.at_level("INFO", logger="outcomes_qual.ingest.consultation"):
        read_consultation(path)
    assert any("wide layout (one row per respondent)" in r.getMessage() for r in caplog.records)
    out = tmp_path / "seg.csv"
    assert main(["segments", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{path}: wide layout (one row per respondent), 6 row(s); columns decided on the first 6" in err
    assert "    n2 <- 'N2': 5 / 0 / 1  free text" in err
    assert "    institution_type <- 'Institution type': few repeated values (3 distinct in 6 cells)" in err
    assert "6 respondent(s): 13 answer(s) read, one segment each; 2 non-response(s) (N/A, none, ...) and 3 blank counted" in err
    written = pd.read_csv(out)
    assert list(written.columns[-2:]) == ["question", "question_text"]
    assert written["question"].value_counts().to_dict() == {"n2": 5, "open_7": 4, "why_would_you_not_use_it": 4}


def test_segments_csv_of_a_consultation_reads_back_as_the_same_segments(tmp_path, capsys):
    from outcomes_qual.cli import main

    path = write(tmp_path, "survey.csv", WIDE)
    assert main(["segments", str(path), "--out", str(tmp_path / "segments.csv")]) == 0
    back = read_transcript(tmp_path / "segments.csv")
    first = read_consultation(path).segments
    cols = ["segment_id", "text", "question", "question_text"]
    assert back.segments[cols].values.tolist() == first[cols].values.tolist()
    assert back.reads == []  # read as a table of segments, not as a consultation


def test_cli_strict_and_overrides(tmp_path, capsys):
    from outcomes_qual.cli import main

    rows = ["respondent_id,Contact,Q1. What works?"] + [
        f"r{i},p{i}@x.org,Being listened to properly as person {i}." for i in range(6)
    ]
    path = write(tmp_path, "c.csv", "\n".join(rows) + "\n")
    assert main(["segments", str(path), "--out", str(tmp_path / "s.csv"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert f"warning: {path}: strict: 1 doubt about the columns: column 'Contact'" in err
    assert all(len(line) < 2000 for line in err.splitlines())
    assert (
        main(
            [
                "segments",
                str(path),
                "--out",
                str(tmp_path / "s.csv"),
                "--strict",
                "--questions",
                "Q1. What works?",
                "--attributes",
                "Contact",
            ]
        )
        == 0
    )
    assert "contact <- 'Contact': named in attributes" in capsys.readouterr().err


def test_project_add_prints_the_report_and_keeps_the_question(tmp_path, capsys):
    from outcomes_qual.cli import main
    from outcomes_qual.project import Project

    path = write(tmp_path, "survey.csv", WIDE)
    proj = tmp_path / "p.sqlite"
    assert main(["project", "init", str(proj)]) == 0
    assert main(["project", "add", str(path), "--project", str(proj), "--questions", "N2", "--questions", "open_7"]) == 0
    assert "2 question(s), answered / non-response / blank:" in capsys.readouterr().err
    with Project.open(proj) as p:
        seg = p.segments()
    assert seg["question"].value_counts().to_dict() == {"n2": 5, "open_7": 4}


def test_question_survives_refi_qda_export_and_import(tmp_path):
    from outcomes_qual.codebook import Code, Codebook
    from outcomes_qual.interop import export_qdpx, import_qdpx

    corpus = read_consultation(write(tmp_path, "survey.csv", WIDE))
    codings = pd.DataFrame({"segment_id": ["r1:n2"], "code": ["time"], "coder": ["kim"]})
    export_qdpx(corpus, codings, Codebook("c", (Code("time", "Time", "Time."),)), tmp_path / "s.qdpx", timestamp="2026-01-01")
    back = import_qdpx(tmp_path / "s.qdpx").corpus
    cols = ["transcript_id", "start_char", "question", "question_text", "text"]

    def key(s):
        return s.sort_values(["transcript_id", "start_char"])[cols].values.tolist()

    assert key(back.segments) == key(corpus.segments)


def test_refi_export_with_questions_is_valid_against_the_schema(shared_dir, tmp_path):
    import io
    import zipfile

    from outcomes_qual.codebook import Code, Codebook
    from outcomes_qual.interop import export_qdpx

    xmlschema = pytest.importorskip("xmlschema")
    corpus = read_consultation(write(tmp_path, "survey.csv", WIDE))
    codings = pd.DataFrame({"segment_id": ["r1:n2"], "code": ["time"], "coder": ["kim"]})
    export_qdpx(corpus, codings, Codebook("c", (Code("time", "Time", "Time."),)), tmp_path / "s.qdpx", timestamp="2026-01-01")
    qde = zipfile.ZipFile(tmp_path / "s.qdpx").read("project.qde")
    assert b"Question why_would_you_not_use_it: Why would you not use it?" in qde
    xmlschema.XMLSchema(str(shared_dir / "refi" / "Project-1.0.xsd")).validate(io.BytesIO(qde))


def test_report_quote_tables_name_the_question(tmp_path):
    from outcomes_qual.report.tables import build_tables

    corpus = read_consultation(write(tmp_path, "survey.csv", WIDE))
    codings = pd.DataFrame({"segment_id": ["r1:n2", "r4:open_7"], "code": ["time", "time"]})
    quotes = build_tables(corpus, codings, None)["exemplar_quotes"]
    assert quotes.set_index("segment_id")["question"].to_dict() == {"r1:n2": "n2", "r4:open_7": "open_7"}


# ------------------------------------------------------------------ detection, any content
_WORDS = st.sampled_from("time forms family listen support worker plan change trust cost staff meeting".split())
_SENTENCE = st.lists(_WORDS, min_size=5, max_size=14).map(lambda ws: " ".join(ws).capitalize() + ".")
_ODD_NAMES = st.sampled_from(["N2", "open_7", "Q12", "Why did you choose it?", "comments", "x"])


@settings(max_examples=60, deadline=None)
@given(name=_ODD_NAMES, answers=st.lists(_SENTENCE, min_size=3, max_size=40, unique=True))
def test_free_text_is_a_question_whatever_the_name(name, answers):
    d = decide_column(name, profile_column(answers))
    assert (d.role, d.doubt) == ("question", None)


@settings(max_examples=60, deadline=None)
@given(name=_ODD_NAMES, kind=st.sampled_from(["categories", "numbers", "yes_no", "dates"]), n=st.integers(5, 60), data=st.data())
def test_attribute_like_content_is_an_attribute_whatever_the_name(name, kind, n, data):
    pools = {
        "categories": st.sampled_from(["Public research university", "Community college", "Private liberal arts college"]),
        "numbers": st.integers(0, 40).map(str),
        "yes_no": st.sampled_from(["Yes", "No", "yes", "no"]),
        "dates": st.dates().map(lambda d: d.isoformat()),
    }
    values = data.draw(st.lists(pools[kind], min_size=n, max_size=n))
    profile = profile_column(values)
    if kind == "categories" and profile.n_distinct > n / 2:
        return  # too few rows to see the repetition
    d = decide_column(name, profile)
    assert d.role == "attribute"
    assert (d.doubt is not None) == (name in ("Q12", "Why did you choose it?"))  # a question-like header is a doubt


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.one_of(_SENTENCE, st.sampled_from(["", "N/A"])), min_size=3, max_size=3), min_size=5, max_size=12))
def test_wide_and_long_give_the_same_segments_for_any_answers(tmp_path_factory, grid):
    tmp = tmp_path_factory.mktemp("wl")
    names = ["N2", "open_7", "What else?"]
    wide = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(len(grid))],
            "Years": [str(10 + i % 3) for i in range(len(grid))],
            **{q: [row[j] for row in grid] for j, q in enumerate(names)},
        }
    )
    wide.to_csv(tmp / "w.csv", index=False)
    long = long_from_wide(wide, {q: q for q in names}, ["Years"])
    if not len(long):
        return
    long.to_csv(tmp / "l.csv", index=False)
    try:
        w = read_consultation(tmp / "w.csv")
    except InputError:
        return  # no column with enough text to be a question
    lg = read_consultation(tmp / "l.csv", transcript_prefix="w")
    w.check()
    lg.check()
    read = {q.column for q in w.reads[0].questions}
    expected = sum(bool(a) and a != "N/A" for row in grid for q, a in zip(names, row, strict=True) if q in read)
    assert len(w.segments) == expected
    cols = ["segment_id", "transcript_id", "text", "question_text", "start_char", "end_char"]
    if read == set(names):
        lk = lg.segments.sort_values(["transcript_id", "start_char"])
        wk = w.segments.sort_values(["transcript_id", "start_char"])
        assert lk[cols].values.tolist() == wk[cols].values.tolist()


# ------------------------------------------------------------------ the published survey (../shared)
SURVEY = "studies/exam_proctoring_survey/responses.csv"


@pytest.fixture
def survey(shared_dir, tmp_path):
    """The survey as given (long) and rebuilt wide in a temp dir: mixed question names, three attribute columns."""
    return rebuild_survey(shared_dir, tmp_path)


def rebuild_survey(shared_dir, tmp_path):
    """(long file, wide file written in ``tmp_path``, the long table, wide header -> question id); skips when absent."""
    src = shared_dir / SURVEY
    if not src.exists():
        pytest.skip(f"{SURVEY} is not in ../shared")
    long = pd.read_csv(src, dtype=str, keep_default_na=False)
    wide = long.pivot(index="respondent_id", columns="question_id", values="answer").reset_index().fillna("")
    text_of = long.drop_duplicates("question_id").set_index("question_id")["question"]
    rename = {q: text_of[q] for q in ("Q8", "Q11", "Q26")}  # named by their text
    rename.update({"Q12": "open_12", "Q31": "open_31"})  # neutral names; N2, N3, N4 and the other Q's stay
    wide = wide.rename(columns=rename)
    n = len(wide)
    kinds = ["Public research university", "Community college", "Private liberal arts college", "Regional public university"]
    wide.insert(1, "Institution type", [kinds[i % 4] for i in range(n)])
    wide.insert(2, "Years teaching", [str(1 + (i * 7) % 33) for i in range(n)])
    wide["Opt in to follow-up"] = ["Yes" if i % 3 else "No" for i in range(n)]
    wide.to_csv(tmp_path / "survey_wide.csv", index=False)
    question_id = {rename.get(q, q): q for q in text_of.index}  # wide header -> question id
    return src, tmp_path / "survey_wide.csv", long, question_id


def test_published_survey_every_answer_read_in_both_layouts(survey):
    src, wide_path, long, question_id = survey
    attribute_values = {
        "Public research university",
        "Community college",
        "Private liberal arts college",
        "Regional public university",
        "Yes",
        "No",
    } | {str(v) for v in range(1, 34)}
    for path in (src, wide_path):
        corpus = read_consultation(path)
        corpus.check()
        report = corpus.reads[0]
        seg = corpus.segments
        assert report.layout == ("long" if path == src else "wide")
        assert seg["question"].nunique() == 14 == len(report.questions)
        assert seg["speaker"].nunique() == 125 == report.n_respondents == len(corpus.participants)
        # every answer is one segment; documented non-responses (N/A, None.) are counted instead
        assert len(seg) + report.n_nonresponse == 580 == len(long)
        assert (len(seg), report.n_nonresponse) == (575, 5)
        assert report.n_blank == 125 * 14 - 580
        assert report.unread == [] and report.doubts == []
        assert not set(seg["text"]) & attribute_values  # no attribute value is read as an answer
        if path == wide_path:
            assert report.attributes == {
                "institution_type": "Institution type",
                "opt_in_to_follow_up": "Opt in to follow-up",
                "years_teaching": "Years teaching",
            }
            assert {"N2", "N3", "N4", "open_12", "Q5"} <= {q.column for q in report.questions}
    # the same answers, by respondent and question, in both layouts
    a = read_consultation(src).segments
    b = read_consultation(wide_path).segments
    id_of_text = dict(zip(long["question"], long["question_id"], strict=True))
    assert sorted(zip(a["speaker"], a["question_text"].map(id_of_text), a["text"], strict=True)) == sorted(
        zip(b["speaker"], b["question_text"].map(question_id), b["text"], strict=True)
    )


def test_published_survey_counts_per_question(survey):
    src, wide_path, _, _ = survey
    per = {q.key: (q.n_answered, q.n_nonresponse) for q in read_consultation(src).reads[0].questions}
    assert per == {
        "n2": (25, 0),
        "n3": (98, 1),
        "n4": (97, 1),
        "q11": (26, 0),
        "q12": (26, 0),
        "q14": (25, 1),
        "q16": (26, 0),
        "q18": (26, 0),
        "q26": (26, 0),
        "q28": (26, 0),
        "q31": (16, 0),
        "q32": (9, 1),
        "q5": (123, 1),
        "q8": (26, 0),
    }
    assert isinstance(read_consultation(wide_path).reads[0], ReadReport)


def test_repeated_long_answers_are_still_answers():
    """A campaign's copied answer repeats word for word: sentences are answers, not categories."""
    from outcomes_qual.ingest._consult_layout import profile_column

    same = "We want the council to keep the day centre open because it matters to families."
    assert profile_column([same] * 6 + ["Keep it open please, it is all we have."]).kind == "free_text"
    assert (
        profile_column(
            ["Local authority", "Third sector", "Local authority", "Third sector", "Health board", "Local authority"]
        ).kind
        == "categories"
    )
