"""Topics at scale: fit on a stratified sample, assign every segment partition by partition.

Clustering a million answers in one process is neither fast nor bounded in
memory, so the topic model (:class:`outcomes_qual.topics.TopicModel`, light or
BERTopic backend) is fitted on the client on a stratified sample of
``sample_size`` segments (by question, else role; chosen by segment-id hash,
so it does not depend on partitioning), then shipped to the workers (as the
coder is) and every segment is given the topic whose centroid is nearest
(``TopicModel.transform``), or none (``-1``) when it is less similar than the
model's outlier threshold to every topic. The unassigned share is reported.

Outputs under ``out/topics/``: ``assignments/`` (Parquet parts:
``segment_id, topic_id``) and ``topics.csv`` (:data:`TOPIC_SCALE_COLUMNS`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .coder import get_coder, make_plugin
from .partitions import atomic_dir, atomic_write_csv, part_name
from .sampling import fit_frame

logger = logging.getLogger(__name__)

#: Columns of ``topics.csv``: one row per topic, plus ``topic_id == -1`` for unassigned segments.
TOPIC_SCALE_COLUMNS: tuple[str, ...] = (
    "topic_id",
    "label",
    "kind",
    "nearest_code",
    "emergent",
    "n_sample",
    "n_assigned",
    "share",
)


@dataclass
class TopicsAtScale:
    """Topics fitted on a sample and assigned to every segment."""

    topics: pd.DataFrame
    n_sample: int
    n_segments: int
    unassigned_share: float
    out: Path


def _assign_partition(part: pd.DataFrame, token: str) -> pd.DataFrame:
    model = get_coder(token)
    seg = part[part["role"].fillna("unknown").astype(str) != "facilitator"]
    texts = seg["text"].astype(object).where(seg["text"].notna(), "").tolist()
    labels = model.transform(texts) if len(texts) else np.zeros(0, dtype=int)
    return pd.DataFrame({"segment_id": seg["segment_id"].astype(str).to_numpy(), "topic_id": labels.astype("int64")})


def topics_at_scale(
    client, segments_dir, *, out, codebook=None, sample_size: int = 20_000, backend: str = "light", random_state: int = 0
) -> TopicsAtScale:
    """Fit topics on a stratified sample of the segments in ``segments_dir``; assign the rest partition by partition.

    Parameters
    ----------
    client : distributed.Client
    segments_dir : path
        Segments Parquet parts (``autocode_at_scale`` writes ``out/segments``).
    out : path
        Folder; ``out/topics/`` is written (replaced only when complete).
    codebook : Codebook or path, optional
        Lets the model name codebook themes and flag emergent topics.
    sample_size : int, default 20000
    backend : {"light", "bertopic", "auto"}, default "light"
    random_state : int, default 0

    Returns
    -------
    TopicsAtScale
    """
    import dask.dataframe as dd

    from outcomes_qual.topics import TopicModel

    segments_dir = Path(segments_dir)
    cols = pd.read_parquet(next(iter(sorted(segments_dir.glob("*.parquet")))), engine="pyarrow").columns
    by = "question" if "question" in cols else "role"
    sample = fit_frame(segments_dir, fit_max=int(sample_size), by=by)
    sample = sample[sample["role"].astype(str) != "facilitator"]
    cb = None
    if codebook is not None:
        from outcomes_qual.coding import as_codebook

        cb = as_codebook(codebook)
    model = TopicModel(backend=backend, random_state=random_state).fit(sample["text"].astype(str).tolist(), codebook=cb)
    shipped = model
    if getattr(model, "backend_model_", None) is not None or hasattr(model, "embeddings_"):
        import copy

        shipped = copy.copy(model)  # transform needs the embedder and centroids, not the sample's embeddings
        shipped.backend_model_ = None
        shipped.embeddings_ = None  # type: ignore[assignment]  # the library types embeddings_ as an array, never None
    token, plugin = make_plugin(shipped)
    client.register_plugin(plugin)
    ddf = dd.read_parquet(os.fspath(segments_dir), columns=["segment_id", "text", "role"], engine="pyarrow")
    meta = pd.DataFrame({"segment_id": pd.Series(dtype="string"), "topic_id": pd.Series(dtype="int64")})
    out = Path(out)
    with atomic_dir(out / "topics") as tmp:
        assigned = ddf.map_partitions(_assign_partition, token, meta=meta)
        assigned.to_parquet(os.fspath(tmp / "assignments"), write_index=False, engine="pyarrow", name_function=part_name)
        parts = dd.read_parquet(os.fspath(tmp / "assignments"), columns=["topic_id"], engine="pyarrow")
        counts = parts["topic_id"].map_partitions(lambda s: s.value_counts(), meta=pd.Series(dtype="int64")).compute()
        counts = counts.groupby(level=0).sum()
        n_total = int(counts.sum())
        rows = []
        for t in range(model.n_topics_):
            rows.append(
                {
                    "topic_id": t,
                    "label": model.topic_labels_.get(t, ""),
                    "kind": model.topic_kinds_[t],
                    "nearest_code": model.nearest_code_[t] if model.nearest_code_ else None,
                    "emergent": bool(model.emergent_[t]),
                    "n_sample": int(model.sizes_[t]),
                    "n_assigned": int(counts.get(t, 0)),
                    "share": int(counts.get(t, 0)) / n_total if n_total else np.nan,
                }
            )
        n_un = int(counts.get(-1, 0))
        rows.append(
            {
                "topic_id": -1,
                "label": "(unassigned)",
                "kind": "outlier",
                "nearest_code": None,
                "emergent": False,
                "n_sample": int((model.labels_ == -1).sum()),
                "n_assigned": n_un,
                "share": n_un / n_total if n_total else np.nan,
            }
        )
        table = pd.DataFrame(rows, columns=list(TOPIC_SCALE_COLUMNS))
        atomic_write_csv(table, tmp / "topics.csv")
    logger.info(
        "topics: %d fitted on %d sampled segments; %d of %d segments unassigned", model.n_topics_, len(sample), n_un, n_total
    )
    return TopicsAtScale(table, len(sample), n_total, n_un / n_total if n_total else float("nan"), out / "topics")
