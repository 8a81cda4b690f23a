"""Figures of a :class:`~.tables.TopicResult`: topic sizes and topic x role.

Both are drawn with matplotlib's object API (no pyplot, so no display is
needed) and written as PNG and SVG. Colours are from the Okabe-Ito palette
and the heatmap uses ``cividis``, both readable with colour-blindness.

Examples
--------
>>> import tempfile
>>> from outcomes_qual.corpus import Corpus
>>> from outcomes_qual.topics import find_topics
>>> said = ["Agency staff leave so quickly.", "Agency cover again this week, another locum.",
...         "The panel forms take all day.", "Panel paperwork and forms again."]
>>> turns = [(f"P{i % 4}", "practitioner", said[i % 4]) for i in range(12)]
>>> result = find_topics(Corpus.from_turns("fg1", turns), backend="light", min_topic_size=3)
>>> with tempfile.TemporaryDirectory() as d:
...     [p.name for p in write_topic_figures(result, d)]
['topic_sizes.png', 'topic_sizes.svg', 'topic_by_role.png', 'topic_by_role.svg']
"""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import numpy as np

from ..analysis._common import role_heading

logger = logging.getLogger(__name__)

#: Okabe-Ito colours: emergent, covered by the codebook, unassigned.
COLOURS: dict[str, str] = {"emergent": "#D55E00", "codebook": "#0072B2", "unassigned": "#999999"}

#: Longest label shown before it is shortened.
LABEL_WIDTH = 48


def _short(text: str, width: int = LABEL_WIDTH) -> str:
    return textwrap.shorten(str(text), width=width, placeholder="…")


def _topic_name(row) -> str:
    if row.topic_id < 0:
        return str(row.label)
    return _short(f"T{row.topic_id} {row.label}")


def _save(fig, out: Path, stem: str) -> list[Path]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    paths = []
    for ext in ("png", "svg"):
        path = out / f"{stem}.{ext}"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    return paths


def plot_topic_sizes(result):
    """Horizontal bars: turns per topic, emergent topics highlighted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    topics = result.topics
    n = len(topics)
    fig = Figure(figsize=(8, max(2.5, 0.38 * n + 1.4)))
    ax = fig.add_subplot()
    kinds = [
        "unassigned" if t < 0 else ("emergent" if e else "codebook")
        for t, e in zip(topics["topic_id"], topics["emergent"], strict=True)
    ]
    y = np.arange(n)
    ax.barh(y, topics["size"], color=[COLOURS[k] for k in kinds])
    ax.set_yticks(y, [_topic_name(r) for r in topics.itertuples(index=False)], fontsize=8)
    ax.invert_yaxis()
    for yi, size in zip(y, topics["size"], strict=True):
        ax.text(size, yi, f" {size}", va="center", fontsize=7)
    ax.set_xlabel("turns")
    ax.set_title("Topics in the corpus: turns per topic\n(orange: emergent, not covered by the codebook)", fontsize=10)
    present = [k for k in COLOURS if k in kinds]
    names = {"emergent": "emergent", "codebook": "close to a codebook code", "unassigned": "unassigned turns"}
    ax.legend(handles=[Patch(color=COLOURS[k], label=names[k]) for k in present], fontsize=7, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_topic_by_role(result):
    """Heatmap: share of each role's turns in each topic (percent, annotated).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    tbr = result.topic_by_role[result.topic_by_role["topic_id"] >= 0]
    topics = result.topics[result.topics["topic_id"] >= 0]
    roles = list(dict.fromkeys(tbr["role"]))
    grid = tbr.pivot(index="topic_id", columns="role", values="share_segments").reindex(index=topics["topic_id"], columns=roles)
    values = 100 * grid.to_numpy(dtype=float)
    fig = Figure(figsize=(1.2 * max(len(roles), 2) + 4.5, max(2.5, 0.38 * len(topics) + 1.6)))
    ax = fig.add_subplot()
    if values.size:
        im = ax.imshow(np.nan_to_num(values), cmap="cividis", aspect="auto", vmin=0)
        top = np.nanmax(values) if np.isfinite(values).any() else 0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="black" if v > 0.6 * top else "white")
        fig.colorbar(im, ax=ax, label="% of the role's turns")
    names = [
        (("* " if e else "") + _topic_name(r)) for r, e in zip(topics.itertuples(index=False), topics["emergent"], strict=True)
    ]
    ax.set_yticks(range(len(topics)), names, fontsize=8)
    ax.set_xticks(range(len(roles)), [role_heading(r) for r in roles], fontsize=8)  # a study's group as written
    ax.set_title("Who raised each topic: % of each role's turns\n(* emergent topic)", fontsize=10)
    return fig


def write_topic_figures(result, out_dir: str | os.PathLike) -> list[Path]:
    """Write the topic-size and topic x role figures (PNG and SVG) into ``out_dir``.

    Parameters
    ----------
    result : TopicResult
    out_dir : path-like
        Created when missing; files of the same names are replaced.

    Returns
    -------
    list of pathlib.Path
        ``topic_sizes.png/.svg`` and ``topic_by_role.png/.svg``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = _save(plot_topic_sizes(result), out, "topic_sizes")
    paths += _save(plot_topic_by_role(result), out, "topic_by_role")
    logger.info("wrote %d topic figures to %s", len(paths), out)
    return paths
