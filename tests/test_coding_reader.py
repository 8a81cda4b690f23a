"""The reader coder against a stand-in chat-completions server on 127.0.0.1 (no model, no network)."""

from __future__ import annotations

import json
import logging
import socket

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from outcomes_qual import schema
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.coding import ReaderCoder
from outcomes_qual.coding.reader_cache import ReaderCache, text_key
from outcomes_qual.coding.reader_prompt import prompt_hash
from outcomes_qual.coding.reader_standin import StandinServer, turns_in
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError

CB = Codebook(
    "tiny",
    (
        Code(
            "systems_barriers",
            "Systems",
            "Forms, IT systems and paperwork.",
            include=("IT and forms",),
            exclude=("lack of time",),
            examples=("The database asks for everything twice.",),
        ),
        Code("systems_barriers/it", "IT", "The IT system."),
        Code("time", "Time", "Not enough time; caseloads and deadlines."),
        Code("partners", "Partners", "Other agencies: health, schools, police."),
    ),
)

TURNS = [
    ("Facilitator", "facilitator", "What gets in the way?"),
    ("Ann Jones", "practitioner", "The forms on the IT system take all morning, as Ann Jones knows."),
    ("Ben", "senior", "The GP and the school   never come to reviews."),
    ("Cat", "manager", "There is no time; my caseload is thirty."),
    ("Dee", "practitioner", "Right."),
]

#: What the stand-in answers for each turn: (code, evidence as it writes it)
ANSWERS = {
    "fg1:002": [("systems_barriers/it", "the IT system take all morning"), ("systems_barriers", "The forms")],
    "fg1:003": [("partners", "The GP and the school never come")],  # whitespace differs from the turn
    "fg1:004": [("time", "There is no time"), ("partners", "my caseload")],
}


def corpus() -> Corpus:
    return Corpus.from_turns("fg1", TURNS)


def contract(turns):
    return [{"id": sid, "code": code, "evidence": ev} for sid, _ in turns for code, ev in ANSWERS.get(sid, [])]


def coder(server, **kw) -> ReaderCoder:
    params = dict(codebook=CB, url=server.url, model="stand-in", backoff=0.001, batch_size=2, concurrency=2)
    params.update(kw)
    return ReaderCoder(**params)


EXPECTED = [
    ("fg1:002", "systems_barriers", "The forms"),
    ("fg1:002", "systems_barriers/it", "the IT system take all morning"),
    ("fg1:003", "partners", "The GP and the school never come"),
    ("fg1:004", "time", "There is no time"),
    ("fg1:004", "partners", "my caseload"),
]


def rows(codings):
    return list(zip(codings["segment_id"], codings["code"], codings["evidence"], strict=True))


def test_stores_exactly_what_the_stand_in_answered():
    with StandinServer(contract) as server:
        est = coder(server).fit()
        out = est.predict(corpus())
    assert tuple(out.columns) == schema.MACHINE_CODING_COLUMNS
    assert rows(out) == EXPECTED
    assert set(out["method"]) == {"reader"} and set(out["coder"]) == {"reader:stand-in"}
    assert out["confidence"].isna().all() and not out["uncertain"].any()
    assert est.not_coded_.empty
    s = est.run_stats_
    assert (s["turns"], s["sent_turns"], s["requests"], s["retries"], s["cached_turns"]) == (4, 4, 2, 0, 0)
    assert s["model"] == "stand-in" and s["prompt_hash"] == est.prompt_hash_ == prompt_hash(est.system_prompt_)
    # the facilitator turn was never sent; every turn went with its id verbatim, under the contract
    assert sorted(t for t, _ in server.turns_seen) == ["fg1:002", "fg1:003", "fg1:004", "fg1:005"]
    body = server.requests[0]
    assert body["model"] == "stand-in" and body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system" and "Forms, IT systems and paperwork." in body["messages"][0]["content"]


def test_sub_code_alone_also_gets_its_theme_row():
    def answer(turns):
        return [{"id": "fg1:002", "code": "systems_barriers/it", "evidence": "IT system"}]

    with StandinServer(answer) as server:
        out = coder(server, batch_size=10).fit().predict(corpus())
    assert rows(out) == [("fg1:002", "systems_barriers", "IT system"), ("fg1:002", "systems_barriers/it", "IT system")]


@pytest.mark.parametrize("kind", ["http500", "not_json", "cut", "bad_body"])
def test_faults_are_retried_to_the_same_result(kind):
    with StandinServer(contract, fault=lambda n, turns: kind if n < 3 else None) as server:
        est = coder(server, batch_size=4, concurrency=1).fit()
        out = est.predict(corpus())
    assert rows(out) == EXPECTED
    assert est.run_stats_["retries"] == 3 and est.run_stats_["requests"] == 1 and len(server.requests) == 4
    assert est.not_coded_.empty


def test_a_batch_that_keeps_failing_is_listed_not_silently_missing():
    def fault(n, turns):
        return "http500" if any(t == "fg1:004" for t, _ in turns) else None

    with StandinServer(contract, fault=fault) as server:
        est = coder(server, max_retries=2).fit()
        out = est.predict(corpus())
    # batches of two: fg1:002+003 answered, fg1:004+005 failed three times
    assert rows(out) == EXPECTED[:3]
    assert est.not_coded_.values.tolist() == [["fg1:004", "HTTP 500"], ["fg1:005", "HTTP 500"]]
    assert est.run_stats_["not_coded_turns"] == 2 and est.run_stats_["retries"] == 2
    assert len(server.requests) == 1 + 3


def test_codes_outside_the_codebook_and_evidence_not_in_the_turn_are_never_stored():
    def answer(turns):
        out = contract(turns)
        for sid, text in turns:
            out += [
                {"id": sid, "code": "money", "evidence": text[:8]},  # not in the codebook
                {"id": sid, "code": "Time", "evidence": text[:8]},  # keys are exact
                {"id": sid, "code": "time", "evidence": "words the turn never said"},
                {"id": sid, "code": "partners", "evidence": ""},  # no evidence
                {"id": "fg9:999", "code": "time", "evidence": "x"},  # no such turn in the batch
                "not an object",
            ]
        return out

    with StandinServer(answer) as server:
        est = coder(server).fit()
        out = est.predict(corpus())
    assert rows(out) == EXPECTED
    s = est.run_stats_
    assert (s["dropped_unknown_code"], s["dropped_evidence_not_in_turn"], s["dropped_unknown_id"], s["dropped_malformed"]) == (
        8,
        8,
        4,
        4,
    )


def test_text_sent_is_pseudonymised_by_default():
    with StandinServer(contract) as server:
        coder(server, batch_size=10).fit().predict(corpus())
        sent = json.dumps(server.requests)
    assert "Ann" not in sent and "Jones" not in sent
    assert "as [Practitioner P02] knows." in dict(server.turns_seen)["fg1:002"]
    with StandinServer(contract) as server:
        coder(server, batch_size=10, pseudonymise=False).fit().predict(corpus())
    assert "as Ann Jones knows." in dict(server.turns_seen)["fg1:002"]


def test_a_plain_table_of_segments_is_pseudonymised_by_its_speakers_and_listed_names():
    seg = corpus().segments
    with StandinServer(contract) as server:
        coder(server, batch_size=10, names=["Thirty"]).fit().predict(seg)
    sent = dict(server.turns_seen)
    assert "Ann Jones" not in sent["fg1:002"] and "[Person" in sent["fg1:002"]


def test_non_loopback_url_is_refused_before_any_connection(monkeypatch):
    def no_connection(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    for url in ("http://10.0.0.5:11434/v1", "https://api.example.org/v1", "http://192.168.1.2/v1"):
        est = ReaderCoder(codebook=CB, url=url, model="m")
        with pytest.raises(InputError, match="not on this machine"):
            est.fit()
    with pytest.raises(InputError, match="expected http"):
        ReaderCoder(codebook=CB, url="ftp://127.0.0.1/v1", model="m").fit()
    with pytest.raises(InputError, match="no user name or password"):
        ReaderCoder(codebook=CB, url="http://me:secret@127.0.0.1/v1", model="m").fit()
    with pytest.raises(InputError, match="model"):
        ReaderCoder(codebook=CB, url="http://127.0.0.1/v1", model="").fit()


def test_allow_remote_says_where_the_text_goes(caplog):
    with caplog.at_level(logging.WARNING, logger="outcomes_qual.coding.reader"):
        est = ReaderCoder(codebook=CB, url="https://models.example.org/v1", model="m", allow_remote=True).fit()
    assert est.url_ == "https://models.example.org/v1"
    assert "turns will be sent to https://models.example.org" in caplog.text


def test_api_key_comes_from_the_environment_and_is_never_kept(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("MY_READER_KEY", "sk-test-0123456789")
    cache = tmp_path / "cache.sqlite"
    with caplog.at_level(logging.DEBUG), StandinServer(contract) as server:
        est = coder(server, api_key_env="MY_READER_KEY", cache=cache).fit()
        out = est.predict(corpus())
    assert {h.get("Authorization") for h in server.headers} == {"Bearer sk-test-0123456789"}
    assert "sk-test" not in caplog.text
    assert "sk-test" not in repr(est.__dict__) and "sk-test" not in json.dumps(est.settings())
    assert b"sk-test" not in cache.read_bytes() and "sk-test" not in out.to_csv()
    monkeypatch.delenv("MY_READER_KEY")
    with StandinServer(contract) as server:
        coder(server, api_key_env="MY_READER_KEY").fit().predict(corpus())
    assert all("Authorization" not in h for h in server.headers)


def test_cache_rerun_sends_only_the_turns_not_yet_answered(tmp_path):
    cache = tmp_path / "answers.sqlite"

    def fault(n, turns):
        return "http500" if any(t == "fg1:004" for t, _ in turns) else None

    with StandinServer(contract, fault=fault) as server:
        est = coder(server, cache=cache, max_retries=0).fit()
        first = est.predict(corpus())
    assert est.not_coded_["segment_id"].tolist() == ["fg1:004", "fg1:005"] and rows(first) == EXPECTED[:3]
    with StandinServer(contract) as server:
        est = coder(server, cache=cache).fit()
        second = est.predict(corpus())
    assert sorted(t for t, _ in server.turns_seen) == ["fg1:004", "fg1:005"]
    assert rows(second) == EXPECTED and est.run_stats_["cached_turns"] == 2
    with StandinServer(contract) as server:  # everything answered: nothing is sent
        est = coder(server, cache=cache).fit()
        third = est.predict(corpus())
    assert server.requests == [] and rows(third) == EXPECTED and est.run_stats_["cached_turns"] == 4
    # the key is the model, the prompt and the text as sent: another model or prompt is a new key
    with ReaderCache.open(cache) as c:
        key = text_key("fg1:003", corpus().segments["text"].iloc[2].replace("Ben", "[Senior P03]"))
        assert c.get("stand-in", est.prompt_hash_, [key]) == {key: [{"code": "partners", "evidence": ANSWERS["fg1:003"][0][1]}]}
        assert c.get("other-model", est.prompt_hash_, [key]) == {} and c.get("stand-in", "0" * 16, [key]) == {}


def test_turns_with_the_same_words_keep_their_own_answers(tmp_path):
    turns = [("A", "senior", "N/A"), ("B", "senior", "N/A"), ("C", "senior", "   ")]

    def answer(ts):
        return [{"id": sid, "code": "time" if sid == "t:001" else "partners", "evidence": t} for sid, t in ts]

    for _ in range(2):  # asked, then from the cache
        with StandinServer(answer) as server:
            est = coder(server, batch_size=10, pseudonymise=False, cache=tmp_path / "c.sqlite").fit()
            out = est.predict(Corpus.from_turns("t", turns))
        assert rows(out) == [("t:001", "time", "N/A"), ("t:002", "partners", "N/A")]
        assert est.run_stats_["turns"] == 3 and est.not_coded_.empty  # an empty turn is not sent, and not missing
    assert server.requests == []


def test_evaluator_codings_and_codebook_are_in_the_prompt(tmp_path):
    c = corpus()
    train = pd.DataFrame(
        {
            "segment_id": ["fg1:002", "fg1:004", "fg1:003"],
            "code": ["systems_barriers", "time", "time"],
            "status": ["accepted", "accepted", "rejected"],
        }
    )
    est = ReaderCoder(codebook=CB, url="http://127.0.0.1:9/v1", model="m").fit(c, train)
    prompt = est.system_prompt_
    assert est.n_examples_ == {"evaluator": 2, "training_corpus": 0}
    for text in (
        "Forms, IT systems and paperwork.",
        "include: IT and forms",
        "exclude: lack of time",
        "example: The database asks for everything twice.",
        "- systems_barriers/it (IT)",
    ):
        assert text in prompt
    assert '"codes": ["systems_barriers"]' in prompt and "[Practitioner P02]" in prompt and "Ann Jones" not in prompt
    assert "never come to reviews" not in prompt  # the rejected coding is no example
    # a written training corpus beside the codebook's YAML
    from outcomes_qual.codebook import save_codebook

    path = tmp_path / "mine.yaml"
    save_codebook(CB, path)
    assert ReaderCoder(codebook=str(path), url="http://127.0.0.1:9/v1", model="m").fit().training_corpus_ is None
    (tmp_path / "mine.training.jsonl").write_text(
        '{"text": "The portal crashed again.", "codes": ["systems_barriers/it"]}\n\n{"text": "Shall we start?", "codes": []}\n',
        encoding="utf-8",
    )
    est2 = ReaderCoder(codebook=str(path), url="http://127.0.0.1:9/v1", model="m").fit()
    assert est2.n_examples_ == {"evaluator": 0, "training_corpus": 1}
    assert '{"text": "The portal crashed again.", "codes": ["systems_barriers/it"]}' in est2.system_prompt_
    assert est2.prompt_hash_ != ReaderCoder(codebook=CB, url="http://127.0.0.1:9/v1", model="m").fit().prompt_hash_
    # the corpus is validated when the codebook is loaded: an unknown code is one error naming the file and line
    (tmp_path / "mine.training.jsonl").write_text('{"text": "x y z", "codes": ["nope"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"mine.training.jsonl:1: unknown code 'nope'"):
        ReaderCoder(codebook=str(path), url="http://127.0.0.1:9/v1", model="m").fit()


def test_estimator_contract():
    est = ReaderCoder(codebook=CB, url="http://127.0.0.1:9/v1", model="m", concurrency=3)
    assert not [k for k in vars(est) if k.endswith("_")]  # __init__ only stores params
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert est.fit() is est and est.method_ == "reader" and est.coder_ == "reader:m"
    assert ReaderCoder(codebook=CB, url="http://127.0.0.1:9/v1", model="m", coder="team-llm").fit().coder_ == "team-llm"
    for bad in ({"batch_size": 0}, {"concurrency": -1}, {"max_retries": -1}):
        with pytest.raises(InputError, match=next(iter(bad))):
            ReaderCoder(codebook=CB, url="http://127.0.0.1:9/v1", model="m", **bad).fit()


def test_predict_proba_marks_the_codes_given():
    with StandinServer(contract) as server:
        proba = coder(server).fit().predict_proba(corpus())
    assert list(proba.columns) == CB.keys()
    assert proba.loc["fg1:004"].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert proba.loc["fg1:005"].sum() == 0


def test_stand_in_reads_turns_as_the_prompt_writes_them():
    from outcomes_qual.coding.reader_prompt import user_prompt

    turns = [("a:1", 'He said "no" {twice}'), ("b/2", "Ünïcode ✓\nsecond line")]
    assert turns_in([{"role": "user", "content": user_prompt(turns)}]) == turns
    assert np.isnan(pd.Series([None], dtype=float).iloc[0])


def test_a_server_that_refuses_json_object_is_asked_with_the_json_schema():
    with StandinServer(contract, json_schema_only=True) as server:
        est = coder(server, concurrency=1).fit()
        out = est.predict(corpus())
    assert rows(out) == EXPECTED and est.run_stats_["retries"] == 0
    formats = [r["response_format"]["type"] for r in server.requests]
    assert formats == ["json_object", "json_schema", "json_schema"]  # refused once, then kept
    assert server.requests[1]["response_format"]["json_schema"]["schema"]["required"] == ["codings"]
    assert est.run_stats_["response_format"] == "json_schema"


def test_an_older_project_gets_the_cache_table_on_opening(tmp_path):
    from outcomes_qual.project import Project, _schema

    path = tmp_path / "old.sqlite"
    _schema.create_file(path, version=3).close()
    with Project.open(path) as proj:
        assert proj.conn.execute("PRAGMA user_version").fetchone()[0] == 4
        assert proj.conn.execute("SELECT count(*) FROM reader_cache").fetchone()[0] == 0
    with ReaderCache.open(path) as cache:
        assert cache.in_project
        cache.put("m", "p", {"k": [{"code": "time", "evidence": "e"}]})
    with ReaderCache.open(path) as cache:
        assert cache.get("m", "p", ["k", "other"]) == {"k": [{"code": "time", "evidence": "e"}]}


def test_a_closed_cache_is_refused_naming_its_file(tmp_path):
    import sqlite3

    path = tmp_path / "answers.reader-cache.sqlite"
    cache = ReaderCache.open(path)
    cache.put("m", "p", {"k": [{"code": "time", "evidence": "e"}]})
    cache.close()
    cache.close()  # twice is fine
    with pytest.raises(sqlite3.ProgrammingError, match=r"reader cache '.*answers\.reader-cache\.sqlite' is closed"):
        cache.get("m", "p", ["k"])
    with pytest.raises(sqlite3.ProgrammingError, match="is closed"):
        cache.put("m", "p", {"k2": []})
    cache.put("m", "p", {})  # nothing to store: no connection needed
    with ReaderCache.open(path) as again:
        assert again.get("m", "p", ["k", "k2"]) == {"k": [{"code": "time", "evidence": "e"}]}


def test_a_cache_path_that_is_some_other_database_is_refused(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(InputError, match="holds other tables"):
        ReaderCache.open(other)
    (tmp_path / "notes.txt").write_text("not a database at all, just some words\n" * 20, encoding="utf-8")
    with pytest.raises(InputError, match="not a cache file"):
        ReaderCache.open(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8").startswith("not a database")


def test_a_worked_examples_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    from outcomes_qual.coding.reader_prompt import read_training_corpus

    path = tmp_path / "examples.jsonl"
    path.write_bytes(b'{"text": "ok", "codes": ["time"]}\n{"text": "caf\xe9", "codes": ["time"]}\n')
    # before: a UnicodeDecodeError traceback
    with pytest.raises(InputError, match=r"examples\.jsonl:2: not UTF-8 text"):
        read_training_corpus(path, ["time"])
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b'\xef\xbb\xbf{"text": "No time at all.", "codes": ["time"]}\n')
    assert read_training_corpus(bom, ["time"]) == [("No time at all.", ["time"])]
