"""The Dask engine gives exactly the single-process codings and tables, whatever the partitioning.

One 2-worker LocalCluster (processes, loopback only) serves the module; about
5,000 synthetic consultation answers (benchmarks/_consultation.py).
"""

from __future__ import annotations

import pandas as pd
import pytest
from _dask_setup import local_cluster, make_consultation
from conftest import CODEBOOK, SAMPLE

from outcomes_qual import schema
from outcomes_qual.analysis import role_by_theme
from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import autocode
from outcomes_qual.ingest import nonresponse_by_question, read_consultation
from outcomes_qual_dask import autocode_at_scale, read_codings
from outcomes_qual_dask import coder as coder_mod


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    with local_cluster() as cluster, Client(cluster, timeout="60s") as c:
        yield c


@pytest.fixture(scope="module")
def consultation(tmp_path_factory):
    """~5,000 answers (1,120 respondents x 5 questions, ~11% non-response) as CSV and as Parquet (row groups of 300)."""
    d = tmp_path_factory.mktemp("consultation")
    wide = make_consultation(1120, seed=15)
    wide.to_csv(d / "ncs.csv", index=False)
    wide.to_parquet(d / "ncs_pq.parquet", index=False, row_group_size=300)
    return d


@pytest.fixture(scope="module")
def single(consultation):
    corpus = read_consultation(consultation / "ncs.csv")
    assert 4800 <= len(corpus.segments) <= 5200
    return corpus


def expected_tables(corpus, codings, cb):
    seg = corpus.segment_context()
    return {
        "role_by_theme": role_by_theme(corpus, codings, codebook=cb),
        "question_by_theme": role_by_theme(seg.assign(role=seg["question"]), codings, codebook=cb).rename(
            columns={"role": "question"}
        ),
        "authority_by_theme": role_by_theme(seg.assign(role=seg["authority"]), codings, codebook=cb, unit="participants").rename(
            columns={"role": "authority"}
        ),
        "nonresponse_by_question": nonresponse_by_question(corpus),
    }


def assert_same(result, corpus, codings, cb):
    got = read_codings(result.out)
    pd.testing.assert_frame_equal(
        got[list(schema.MACHINE_CODING_COLUMNS)], codings[list(schema.MACHINE_CODING_COLUMNS)].reset_index(drop=True)
    )
    for name, table in expected_tables(corpus, codings, cb).items():
        pd.testing.assert_frame_equal(result.tables[name], table, obj=name)
        on_disk = pd.read_csv(result.out / "tables" / f"{name}.csv")
        assert len(on_disk) == len(table), name


def test_keyword_codings_and_tables_equal_single_process_for_any_partitioning(client, consultation, single, tmp_path):
    cb = load_codebook(CODEBOOK)
    expected = autocode(single, cb, method="keyword")
    for name, rows in [("ncs.csv", 97), ("ncs_pq.parquet", 130)]:
        result = autocode_at_scale(
            consultation / name, cb, out=tmp_path / f"{name}-{rows}", method="keyword", client=client, partition_rows=rows
        )
        assert result.n_segments == len(single.segments)
        assert (
            result.n_partitions == -(-1120 // rows) if name.endswith(".csv") else sum(-(-n // rows) for n in (300, 300, 300, 220))
        )
        assert not result.problems
        assert_same(result, single, expected, cb)
        if name.endswith(".csv"):  # the engine's read report is the single-process one
            assert [str(r) for r in result.reads] == [str(single.reads[0])]


def test_lsa_ensemble_is_fitted_once_and_equals_single_process(client, consultation, single, tmp_path):
    cb = load_codebook(CODEBOOK)
    expected = autocode(single, cb, method="ensemble", backend="lsa")
    assert set(expected["method"]) == {"ensemble"}
    result = autocode_at_scale(
        consultation / "ncs.csv", cb, out=tmp_path / "lsa", method="ensemble", backend="lsa", client=client, partition_rows=150
    )
    assert result.fitted_on == len(single.segments)
    assert_same(result, single, expected, cb)
    # the fitted coder was installed once in each worker process, not once per partition
    installs = client.run(coder_mod.installs, result.coder_token)
    assert sorted(installs.values()) == [1, 1]
    assert result.n_partitions == 8


def test_partition_count_does_not_change_lsa_codings(client, tmp_path):
    cb = load_codebook(CODEBOOK)
    runs = [
        autocode_at_scale(
            SAMPLE / "consultation_sample.csv",
            cb,
            out=tmp_path / str(k),
            method="semantic",
            backend="lsa",
            client=client,
            partition_rows=k,
        )
        for k in (7, 120)
    ]
    assert [r.n_partitions for r in runs] == [18, 1]
    pd.testing.assert_frame_equal(read_codings(runs[0].out), read_codings(runs[1].out))
    for name in runs[0].tables:
        pd.testing.assert_frame_equal(runs[0].tables[name], runs[1].tables[name])


def test_fit_on_a_stratified_sample_beyond_fit_max(client, tmp_path):
    from outcomes_qual.coding import make_coder
    from outcomes_qual_dask.coder import allocate, stratified_sample

    cb = load_codebook(CODEBOOK)
    corpus = read_consultation(SAMPLE / "consultation_sample.csv")
    result = autocode_at_scale(
        SAMPLE / "consultation_sample.csv",
        cb,
        out=tmp_path / "s",
        method="semantic",
        backend="lsa",
        client=client,
        partition_rows=25,
        fit_max=200,
    )
    assert result.fitted_on == 200
    # the single-process equivalent: fit on the same sample, code everything
    sample = stratified_sample(corpus.segments, 200, by="question")
    assert len(sample) == 200
    assert sample["question"].value_counts().to_dict() == allocate(corpus.segments["question"].value_counts(), 200)
    assert (
        sample["segment_id"].tolist()
        == stratified_sample(corpus.segments.sample(frac=1, random_state=1), 200, by="question")["segment_id"].tolist()
    )
    est = make_coder("semantic", cb, backend="lsa").fit(sample[["segment_id", "text", "role"]])
    pd.testing.assert_frame_equal(read_codings(result.out)[list(schema.MACHINE_CODING_COLUMNS)], est.predict(corpus.segments))


@pytest.mark.embeddings
@pytest.mark.slow
def test_sentence_embedding_ensemble_matches_single_process(client, tmp_path):
    """Same codes; confidences equal up to float32 batching noise.

    Each partition is embedded in its own batches: 2.9e-7 measured.
    """
    from outcomes_qual.embeddings import sentence_backend_available

    ok, why = sentence_backend_available()
    if not ok:
        pytest.skip(why)
    cb = load_codebook(CODEBOOK)
    wide = pd.read_csv(SAMPLE / "consultation_sample.csv", dtype=str, keep_default_na=False).head(30)
    wide.to_csv(tmp_path / "small.csv", index=False)
    corpus = read_consultation(tmp_path / "small.csv")
    expected = autocode(corpus, cb, method="ensemble", backend="sentence-transformers")
    result = autocode_at_scale(
        tmp_path / "small.csv",
        cb,
        out=tmp_path / "st",
        method="ensemble",
        backend="sentence-transformers",
        client=client,
        partition_rows=7,
    )
    got = read_codings(result.out)
    assert result.n_partitions == 5 and len(got) > 50
    assert list(zip(got["segment_id"], got["code"], strict=True)) == list(
        zip(expected["segment_id"], expected["code"], strict=True)
    )
    assert (got["confidence"] - expected["confidence"]).abs().max() < 1e-5
    assert sorted(client.run(coder_mod.installs, result.coder_token).values()) == [1, 1]


def test_topics_fitted_on_a_sample_and_assigned_partition_by_partition(client, tmp_path):
    from outcomes_qual.topics import TopicModel
    from outcomes_qual_dask.coder import stratified_sample

    cb = load_codebook(CODEBOOK)
    result = autocode_at_scale(
        SAMPLE / "consultation_sample.csv",
        cb,
        out=tmp_path / "t",
        method="keyword",
        client=client,
        partition_rows=20,
        topics_sample=300,
    )
    topics = result.topics
    assert topics.n_sample == 300 and topics.n_segments == 537
    # single process: the same sample, the same model, every segment assigned
    corpus = read_consultation(SAMPLE / "consultation_sample.csv")
    sample = stratified_sample(corpus.segments, 300, by="question")
    model = TopicModel(backend="light").fit(sample["text"].tolist(), codebook=cb)
    labels = model.transform(corpus.segments["text"].tolist())
    got = pd.read_parquet(topics.out / "assignments")
    assert got["segment_id"].tolist() == corpus.segments["segment_id"].tolist()
    assert got["topic_id"].tolist() == labels.tolist()
    table = pd.read_csv(topics.out / "topics.csv")
    assert table["n_assigned"].sum() == 537
    assert topics.unassigned_share == pytest.approx((labels == -1).mean())
    assert table.loc[table["topic_id"] == -1, "share"].iloc[0] == pytest.approx((labels == -1).mean())


def test_a_folder_of_transcripts_is_read_in_parallel_and_coded_the_same(client, tmp_path):
    from outcomes_qual.ingest import read_corpus

    cb = load_codebook(CODEBOOK)
    corpus = read_corpus([SAMPLE], roster=SAMPLE / "roster.csv")
    expected = autocode(corpus, cb, method="keyword")
    result = autocode_at_scale(
        [SAMPLE], cb, out=tmp_path / "tr", method="keyword", client=client, roster=SAMPLE / "roster.csv", files_per_part=3
    )
    assert result.n_partitions == 4 and not result.problems
    got = read_codings(result.out)
    pd.testing.assert_frame_equal(got[list(schema.MACHINE_CODING_COLUMNS)], expected)
    pd.testing.assert_frame_equal(result.tables["role_by_theme"], role_by_theme(corpus, expected, codebook=cb))
    seg = corpus.segment_context()
    seg = seg[seg["role"] != "facilitator"]  # role_by_theme leaves them out by role, which is replaced here
    pd.testing.assert_frame_equal(
        result.tables["authority_by_theme"],
        role_by_theme(seg.assign(role=seg["authority"]), expected, codebook=cb, unit="participants").rename(
            columns={"role": "authority"}
        ),
    )


def _segment_rows(frame, cols):
    return frame[cols].astype(object).where(frame[cols].notna(), None).values.tolist()


def _dask_reads_like_single_process(client, path, out, **kw):
    """The Dask engine's reader (ingest_consultation, as the engine calls it) against read_consultation."""
    from outcomes_qual_dask.partitions import consultation_report, drop_repeated_respondents, ingest_consultation

    single = read_consultation(path, **kw)
    seg_dir, resp_dir = out / "segments", out / "respondents"
    seg_dir.mkdir(parents=True)
    resp_dir.mkdir()
    n, problems, layout, report = ingest_consultation(client, path, seg_dir, resp_dir, chunk_rows=4, **kw)
    parts = [f"part.{i:05d}.parquet" for i in range(n)]
    dropped = drop_repeated_respondents(seg_dir, resp_dir, parts)
    if report is None:
        report = consultation_report(path, layout, seg_dir, resp_dir, parts, n_problems=len(problems) + len(dropped))
    got = pd.read_parquet(seg_dir)
    cols = list(single.segments.columns)
    assert list(got.columns) == cols
    assert _segment_rows(got, cols) == _segment_rows(single.segments, cols)
    assert str(report) == str(single.reads[0])
    assert [str(p) for p in problems + dropped] == [str(p) for p in single.problems]
    return single, n


def test_consultation_layouts_give_the_single_process_segments(client, tmp_path):
    from test_ingest_consultation_layouts import WIDE, long_from_wide

    (tmp_path / "survey.csv").write_text(WIDE, encoding="utf-8")
    wide = pd.read_csv(tmp_path / "survey.csv", dtype=str, keep_default_na=False)
    long = long_from_wide(
        wide, {"N2": "N2", "open_7": "open_7", "Why would you not use it?": "Q9"}, ["Institution type", "Opt in"]
    )
    long.sample(frac=1, random_state=5).to_csv(tmp_path / "survey_long.csv", index=False)
    single, n = _dask_reads_like_single_process(client, tmp_path / "survey.csv", tmp_path / "w")
    assert n == 2 and len(single.segments) == 13
    wide.to_parquet(tmp_path / "survey.parquet", index=False, row_group_size=4)  # row groups melted by Dask tasks
    _dask_reads_like_single_process(client, tmp_path / "survey.parquet", tmp_path / "p")
    _dask_reads_like_single_process(client, tmp_path / "survey.csv", tmp_path / "q", questions=["N2"], attributes=["Opt in"])
    single, n = _dask_reads_like_single_process(client, tmp_path / "survey_long.csv", tmp_path / "l")
    assert single.reads[0].layout == "long" and single.segments["speaker"].nunique() == 6 and n == 2


def test_published_survey_in_both_layouts_gives_the_single_process_segments(client, shared_dir, tmp_path):
    from test_ingest_consultation_layouts import rebuild_survey

    src, wide, _, _ = rebuild_survey(shared_dir, tmp_path)
    for path, out in ((src, tmp_path / "long"), (wide, tmp_path / "wide")):
        single, _ = _dask_reads_like_single_process(client, path, out)
        assert single.segments["question"].nunique() == 14 and single.segments["speaker"].nunique() == 125
        assert len(single.segments) == 575
