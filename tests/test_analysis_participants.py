"""Participant breakdown: exact counts, totals, distinct people, the published Wales layout, and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.analysis import participant_breakdown
from outcomes_qual.cli import main

# Section 1.1 of the Wales evaluation: (department, method) -> (senior staff, practitioners),
# typed from the published tables.
WALES_COUNTS = {
    ("adults", "interview"): (1, 4),
    ("adults", "focus_group"): (2, 10),
    ("adults", "meeting"): (11, 5),
    ("adults", "phone"): (2, 0),
    ("children", "interview"): (3, 1),
    ("children", "focus_group"): (3, 16),
    ("children", "meeting"): (4, 7),
    ("children", "phone"): (2, 0),
    ("joint", "meeting"): (0, 6),
}


def wales_roster() -> pd.DataFrame:
    rows, i = [], 0
    for (dept, method), (senior, practitioner) in WALES_COUNTS.items():
        for role, n in (("senior", senior), ("practitioner", practitioner)):
            for _ in range(n):
                i += 1
                rows.append({"participant_id": f"P{i:03d}", "department": dept, "method": method, "role": role})
    return pd.DataFrame(rows)


def block(table: pd.DataFrame, by: str) -> list[list]:
    return table[table["by"] == by].drop(columns="by").values.tolist()


def test_reproduces_wales_section_1_1_tables():
    table = participant_breakdown(wales_roster(), rows="method", cols="role", by="department")
    assert list(table.columns) == ["by", "method", "practitioner", "senior", "total"]
    assert block(table, "adults") == [
        ["focus_group", 10, 2, 12],
        ["interview", 4, 1, 5],
        ["meeting", 5, 11, 16],
        ["phone", 0, 2, 2],
        ["total", 19, 16, 35],
    ]
    assert block(table, "children")[-1] == ["total", 24, 12, 36]
    assert block(table, "joint") == [
        ["focus_group", 0, 0, 0],
        ["interview", 0, 0, 0],
        ["meeting", 6, 0, 6],
        ["phone", 0, 0, 0],
        ["total", 6, 0, 6],
    ]
    assert block(table, "all") == [
        ["focus_group", 26, 5, 31],
        ["interview", 5, 4, 9],
        ["meeting", 18, 15, 33],
        ["phone", 0, 4, 4],
        ["total", 49, 28, 77],
    ]
    assert list(dict.fromkeys(table["by"])) == ["adults", "children", "joint", "all"]


def test_counts_distinct_participants_not_rows():
    roster = pd.DataFrame(
        {
            "participant_id": ["a", "a", "b", "c"],
            "method": ["focus_group", "interview", "focus_group", "focus_group"],
            "role": ["senior", "senior", "senior", "manager"],
        }
    )
    t = participant_breakdown(roster, rows="method", cols="role")
    # a is in a focus group and an interview: counted in both rows, once in the totals.
    assert t.values.tolist() == [
        ["focus_group", 2, 1, 3],
        ["interview", 1, 0, 1],
        ["total", 2, 1, 3],
    ]


def test_without_participant_id_uses_transcript_and_speaker():
    roster = pd.DataFrame(
        {"transcript": ["t1", "t1", "t2"], "speaker": ["Ann", "Ann", "Ann"], "role": ["senior"] * 3, "method": ["x", "x", "x"]}
    )
    t = participant_breakdown(roster, rows="method", cols="role")
    assert t.values.tolist() == [["x", 2, 2], ["total", 2, 2]]


def test_missing_values_and_unknown_order():
    roster = pd.DataFrame({"participant_id": ["1", "2", "3"], "team": ["Zeta", "", "Alpha"], "role": ["senior"] * 3})
    t = participant_breakdown(roster, rows="team", cols="role")
    assert t["team"].tolist() == ["Alpha", "Zeta", "(missing)", "total"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rows": "nope", "cols": "role"}, r"no column 'nope'; available columns are \['participant_id'"),
        ({"rows": "role", "cols": "role"}, "must name different columns"),
    ],
)
def test_bad_columns(kwargs, match):
    with pytest.raises(ValueError, match=match):
        participant_breakdown(wales_roster(), **kwargs)


def test_cli_writes_exact_csv(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    pd.DataFrame(
        {
            "transcript": ["fg1", "fg1", "int1"],
            "speaker": ["Ann", "Cy", "Gus"],
            "participant_id": ["P1", "P2", "P3"],
            "role": ["practitioner", "senior", "senior"],
            "department": ["Adults", "Adults", "Children"],
            "method": ["focus_group", "focus_group", "interview"],
        }
    ).to_csv(roster, index=False)
    out = tmp_path / "t.csv"
    assert main(["participants", str(roster), "--rows", "method", "--cols", "role", "--out", str(out)]) == 0
    assert out.read_text() == ("method,practitioner,senior,total\nfocus_group,1,1,2\ninterview,0,1,1\ntotal,1,2,3\n")
    assert str(out) in capsys.readouterr().out
    out2 = tmp_path / "by.csv"
    assert (
        main(["participants", str(roster), "--rows", "method", "--cols", "role", "--by", "department", "--out", str(out2)]) == 0
    )
    lines = out2.read_text().splitlines()
    assert lines[0] == "by,method,practitioner,senior,total"
    assert lines[1:4] == ["Adults,focus_group,1,1,2", "Adults,interview,0,0,0", "Adults,total,1,1,2"]
    assert lines[-1] == "all,total,1,2,3"


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("participant_id,role\nP1,senior\n")
    assert main(["participants", str(roster), "--rows", "method", "--cols", "role", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {roster}: no column 'method'") and "\n" not in err
    assert main(["participants", str(tmp_path / "missing.csv"), "--rows", "a", "--cols", "b", "--out", "x.csv"]) == 2
    assert "no such roster file" in capsys.readouterr().err


def test_cli_normalise_maps_titles_and_drops_facilitators(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "transcript,speaker,participant_id,role,method\n"
        "fg1,Facilitator,F1,Facilitator,Focus group\n"
        "fg1,Ann,P1,Senior social worker,Focus group\n"
        "fg1,Bob,P2,Social worker,Focus group\n"
        "i1,Cy,P3,Team manager,1:1 interview\n"
    )
    out = tmp_path / "t.csv"
    assert main(["participants", str(roster), "--rows", "method", "--cols", "role", "--normalise", "--out", str(out)]) == 0
    assert out.read_text().splitlines() == [
        "method,practitioner,senior,manager,total",
        "focus_group,1,1,0,2",
        "interview,0,0,1,1",
        "total,1,1,1,3",
    ]
    raw = tmp_path / "raw.csv"
    assert main(["participants", str(roster), "--rows", "method", "--cols", "role", "--out", str(raw)]) == 0
    assert raw.read_text().splitlines()[0] == "method,Facilitator,Senior social worker,Social worker,Team manager,total"


def published_blocks(text: str) -> dict[str, list[list[int]]]:
    """Parse the four tab-separated participant tables of section 1.1 into {block title: rows of counts}."""
    import re

    blocks, title = {}, None
    for line in text.splitlines():
        cells = [re.sub(r"</?b>", "", c).strip() for c in line.split("\t")]
        if len(cells) == 4 and cells[1] == "SENIOR STAFF":
            title = cells[0]
            blocks[title] = []
        elif title and len(cells) == 4 and all(c.isdigit() for c in cells[1:]):
            blocks[title].append([int(c) for c in cells[1:]])
        elif title and not line.strip():
            continue
        elif title and len(cells) != 4:
            title = None
    return blocks


def test_typed_counts_match_the_published_tables(shared_dir):
    text = (shared_dir / "reference" / "wales-collaborative-communication-evaluation-2019.txt").read_text(encoding="utf-8")
    published = published_blocks(text)
    assert len(published) == 4
    table = participant_breakdown(wales_roster(), rows="method", cols="role", by="department")
    order = ["interview", "focus_group", "meeting", "phone", "total"]  # the published row order
    for title, by in zip(published, ["adults", "children", "joint", "all"], strict=True):
        block = table[table["by"] == by].set_index("method").loc[order]
        ours = block[["senior", "practitioner", "total"]].values.tolist()
        assert ours == published[title], title


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 15), st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.sampled_from(["d1", "d2"])
        ),
        min_size=1,
        max_size=40,
    )
)
def test_totals_are_distinct_people(rows):
    roster = pd.DataFrame(rows, columns=["participant_id", "method", "role", "dept"]).astype({"participant_id": str})
    t = participant_breakdown(roster, rows="method", cols="role")
    body, total = t.iloc[:-1], t.iloc[-1]
    assert total["method"] == "total"
    assert total["total"] == roster["participant_id"].nunique()
    for role in ("x", "y"):
        if role in t.columns:
            assert total[role] == roster.loc[roster["role"] == role, "participant_id"].nunique()
            assert body[role].sum() >= total[role]  # a person in two rows counts in both, once in the total
    by = participant_breakdown(roster, rows="method", cols="role", by="dept")
    assert by[by["by"] == "all"].drop(columns="by").reset_index(drop=True).equals(t)
