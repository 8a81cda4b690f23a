"""Report figures (matplotlib, Agg): role x theme heatmap, authority bars, participants by role.

Each function writes ``<stem>.png`` and ``<stem>.svg`` and returns both paths.
Colours are colour-blind safe (viridis for the heatmap, Okabe-Ito for bars).

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> parts = pd.DataFrame({"participant_id": ["a", "b", "c"], "role": ["senior", "practitioner", "senior"],
...                       "method": ["focus_group", "focus_group", "interview"]})
>>> with tempfile.TemporaryDirectory() as d:
...     [p.suffix for p in participants_by_role_figure(parts, Path(d) / "participants")]
['.png', '.svg']
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis._common import has_social_care_roles, method_label, order_roles, role_heading, role_ranks

logger = logging.getLogger(__name__)

#: Okabe-Ito colour-blind-safe palette (black left out).
OKABE_ITO: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, stem: Path) -> list[Path]:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    import matplotlib

    for ext, kw in ((".png", {"dpi": 200}), (".svg", {"metadata": {"Date": None}})):
        path = stem.with_suffix(ext)
        # svg.fonttype "none": labels stay real (searchable, accessible) text in the SVG
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "outcomes_qual"}):
            fig.savefig(path, bbox_inches="tight", **kw)
        paths.append(path)
    _pyplot().close(fig)
    logger.info("wrote %s", ", ".join(map(str, paths)))
    return paths


def _code_label(code: str, codebook) -> str:
    if codebook is not None and code in codebook:
        return codebook.label(code)
    return code.split("/")[-1].replace("_", " ").capitalize()


def role_theme_heatmap(table: pd.DataFrame, stem: Path, *, codebook=None, value: str = "percent") -> list[Path]:
    """Heatmap of a :func:`~outcomes_qual.analysis.role_by_theme` table (themes x roles).

    Cells show the percentage of each role's units (turns by default) that
    raised the theme, with the count beneath.
    """
    plt = _pyplot()
    data = table[(table["role"] != "all") & (table["level"] == "theme")]
    codes = list(dict.fromkeys(data["code"]))
    roles = list(dict.fromkeys(data["role"]))  # role_by_theme's order: built-in roles, then the study's groups
    pct = data.pivot(index="code", columns="role", values=value).reindex(index=codes, columns=roles)
    n = data.pivot(index="code", columns="role", values="n").reindex(index=codes, columns=roles)
    base = data.drop_duplicates("role").set_index("role")["base"].reindex(roles)
    unit = str(data["unit"].iloc[0]) if len(data) else "segments"
    unit_word = {"segments": "turns", "participants": "participants", "groups": "groups"}.get(unit, unit)
    who = "role" if has_social_care_roles(roles) else "group"  # a study with its own groups only
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * max(len(roles), 1), 1.2 + 0.62 * max(len(codes), 1)))
    values = pct.to_numpy(dtype=float)
    vmax = max(float(np.nanmax(values)) if values.size and np.isfinite(values).any() else 1.0, 1.0)
    im = ax.imshow(values, cmap="viridis", vmin=0, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(roles)), [f"{role_heading(r)}\n(n={int(base[r])})" for r in roles], fontsize=9)
    ax.set_yticks(range(len(codes)), [textwrap.fill(_code_label(c, codebook), 24) for c in codes], fontsize=9)
    counts = n.to_numpy(dtype=float)
    for i in range(len(codes)):
        for j in range(len(roles)):
            v = values[i, j]
            if np.isnan(v):
                continue
            colour = "white" if v < 0.6 * vmax else "black"
            ax.text(j, i, f"{v:.0f}%\n({int(counts[i, j])})", ha="center", va="center", fontsize=8, color=colour)
    ax.set_title(f"Share of each {who}'s {unit_word} that raised each theme (%)", fontsize=11, pad=10)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    cbar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.03)
    cbar.set_label(f"% of {who}'s {unit_word}", fontsize=9)
    return _save(fig, stem)


def authority_figure(comparison: pd.DataFrame, stem: Path, *, codebook=None) -> list[Path]:
    """Grouped bars: share of each authority's participants raising each theme, with CIs.

    Themes whose difference between authorities survives the multiple-test
    correction are marked with an asterisk.
    """
    plt = _pyplot()
    data = comparison[~comparison["code"].str.contains("/")]
    codes = list(dict.fromkeys(data["code"]))
    auths = list(dict.fromkeys(data["authority"]))
    width = 0.8 / max(len(auths), 1)
    fig, ax = plt.subplots(figsize=(max(6.5, 1.3 * len(codes) + 1.5), 4.2))
    x = np.arange(len(codes))
    for k, auth in enumerate(auths):
        sub = data[data["authority"] == auth].set_index("code").reindex(codes)
        share = 100 * sub["share"].to_numpy(dtype=float)
        lo = 100 * sub["ci_low"].to_numpy(dtype=float)
        hi = 100 * sub["ci_high"].to_numpy(dtype=float)
        base = int(sub["base"].max()) if len(sub) else 0
        ax.bar(
            x - 0.4 + width * (k + 0.5),
            share,
            width * 0.92,
            color=OKABE_ITO[k % len(OKABE_ITO)],
            label=f"{auth} (n={base})",
            yerr=np.nan_to_num(np.clip(np.vstack([share - lo, hi - share]), 0, None)),
            capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "#333333"},
        )
    sig = data.drop_duplicates("code").set_index("code")["significant"].reindex(codes).fillna(False)
    labels = [textwrap.fill(_code_label(c, codebook), 16) + (" *" if bool(sig[c]) else "") for c in codes]
    ax.set_xticks(x, labels, fontsize=9)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of participants who raised it")
    ax.set_title("Share of participants who raised each theme, by authority (95% CI)", fontsize=11, pad=24)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(len(auths), 4))
    if sig.any():
        fig.text(
            0.01, -0.02, "* difference between authorities significant after correction for multiple tests", fontsize=8, ha="left"
        )
    return _save(fig, stem)


def participants_by_role_figure(participants: pd.DataFrame, stem: Path) -> list[Path]:
    """Bar chart of distinct participants by role, stacked by data-collection method.

    Facilitators are left out.
    """
    plt = _pyplot()
    data = participants[participants["role"].astype(str) != "facilitator"].copy()
    data["method"] = data["method"].fillna("other").astype(str)
    data = data.drop_duplicates(["participant_id", "method"])
    roles = order_roles(data["role"].astype(str).unique(), role_ranks(participants))
    methods = [m for m in ("focus_group", "interview", "meeting", "phone", "other") if m in set(data["method"])]
    methods += sorted(set(data["method"]) - set(methods))
    counts = data.groupby(["role", "method"])["participant_id"].nunique().unstack(fill_value=0)
    counts = counts.reindex(index=roles, columns=methods, fill_value=0)
    fig, ax = plt.subplots(figsize=(max(5.5, 1.2 * len(roles) + 2), 3.6))
    bottom = np.zeros(len(roles))
    for k, m in enumerate(methods):
        vals = counts[m].to_numpy(dtype=float)
        ax.bar(
            range(len(roles)), vals, 0.6, bottom=bottom, color=OKABE_ITO[k % len(OKABE_ITO)], label=method_label(m).capitalize()
        )
        bottom += vals
    totals = data.groupby("role")["participant_id"].nunique().reindex(roles).fillna(0)
    for i, t in enumerate(totals):
        ax.text(i, bottom[i] + 0.2, f"{int(t)}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(roles)), [role_heading(r) for r in roles], fontsize=9)
    ax.set_ylabel("participants")
    ax.set_ylim(0, max(bottom.max() * 1.18, 1))
    who = "role" if has_social_care_roles(roles) else "group"
    ax.set_title(f"Participants by {who} and data-collection method", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=9)
    return _save(fig, stem)
