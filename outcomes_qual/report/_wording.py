"""Words the reports share: numbers, lists and p-values in prose, code labels, the agreement sentence.

Examples
--------
>>> join_words(["practitioners", "seniors", "managers"])
'practitioners, seniors and managers'
>>> percent(42.0), percent(0.4), format_p(0.0004), count_words(1, "participant")
('42%', '0.4%', 'p < 0.001', '1 participant')
"""

from __future__ import annotations

import math

import pandas as pd

#: How the reports describe the default coder (method ``ensemble``).
ENSEMBLE_WORDS = (
    "the toolkit's default coder (a classifier on sentence embeddings trained on the codebook's texts and "
    "examples, combined with semantic similarity to the code definitions and keyword matching)"
)


#: How a methods section names a coding method after "coded ... by" (a person's codings: see :func:`coder_words`).
_CODER_WORDS = {
    "keyword": "keyword and phrase matching",
    "semantic": "semantic similarity to the code definitions and examples",
    "supervised": "a classifier trained on human codings",
    "reader": "a language model reading each turn against the codebook",
    "ensemble": ENSEMBLE_WORDS,
}


def coder_words(method, *, team: str) -> str | None:
    """How the codings were made, to follow "coded against the codebook by"; None when the method is not known.

    ``team`` names who codes by hand ("evaluation team" in the transcript
    report, "analysis team" in the consultation report).

    Examples
    --------
    >>> coder_words("keyword", team="evaluation team"), coder_words("manual", team="analysis team")
    ('keyword and phrase matching', 'hand by the analysis team')
    >>> coder_words(None, team="evaluation team") is None
    True
    """
    if not method:
        return None
    if str(method) in ("manual", "human"):
        return f"hand by the {team}"
    return _CODER_WORDS.get(str(method), str(method))


def percent(value: float) -> str:
    """Format a percentage for prose and tables."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1f}%" if 0 < abs(value) < 1 else f"{value:.0f}%"


def join_words(words) -> str:
    """Join words as "a, b and c"."""
    words = [str(w) for w in words if str(w)]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def count_words(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun: "1 participant", "3 participants"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def format_p(p: float) -> str:
    """A p-value for prose: "p < 0.001", "p = 0.03"."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p not computed"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _signed(value: float) -> str:
    """A signed residual: "+1.2", "-0.4", "0.0" (no negative zero)."""
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}"


def _possessive(noun: str) -> str:
    """The possessive of a noun: "Seniors'", "Other staff's", "The R1 faculty group's"."""
    return noun + ("'" if noun.endswith("s") else "'s")


def _label(codebook, code: str) -> str:
    if codebook is not None and code in codebook:
        return codebook.label(code)
    return code.split("/")[-1].replace("_", " ").capitalize()


def _lower_label(codebook, code: str) -> str:
    label = _label(codebook, code)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


class _Counter:
    """Numbers tables and figures in the order they are added."""

    def __init__(self):
        self.table = 0
        self.figure = 0

    def next_table(self) -> int:
        self.table += 1
        return self.table

    def next_figure(self) -> int:
        self.figure += 1
        return self.figure


def _agreement_sentence(agreement) -> str:
    if agreement is None:
        return (
            "Agreement between this coding and a human analyst was not measured for this report, so the "
            "coding should be read as a first pass for the evaluation team to check."
        )
    if isinstance(agreement, str):
        return agreement
    if isinstance(agreement, (int, float)):
        return f"Measured agreement with a human analyst: Cohen's kappa {agreement:.2f}."
    if isinstance(agreement, pd.DataFrame):
        rows = agreement[agreement["code"].astype(str) == "all"] if "code" in agreement else agreement
        n_turns = None
        if "against" in agreement and len(agreement) > 1:  # a validation table: decided + undecided = the sample
            n_turns = int(agreement["n_units"].iloc[0] + agreement.get("n_undecided", pd.Series([0])).iloc[0])
        agreement = rows.iloc[0].to_dict() if len(rows) else {}
        if n_turns is not None:
            agreement["n_turns"] = n_turns
    if isinstance(agreement, dict):
        parts = []
        names = {
            "cohen_kappa": "Cohen's kappa",
            "krippendorff_alpha": "Krippendorff's alpha",
            "gwet_ac1": "Gwet's AC1",
            "macro_f1": "macro-F1",
            "f1": "F1",
        }
        for key, name in names.items():
            v = agreement.get(key)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                parts.append(f"{name} {float(v):.2f}")
        pa = agreement.get("percent_agreement")
        if pa is not None and not (isinstance(pa, float) and math.isnan(pa)):
            pa = float(pa)
            parts.append(f"{pa * 100 if pa <= 1 else pa:.0f}% agreement")
        unit = agreement.get("unit")
        n = agreement.get("n_units")
        over = ""
        if n is not None and not (isinstance(n, float) and math.isnan(n)):
            over = f" over {int(n)} {unit or 'unit'}s"
        if parts and agreement.get("against"):  # a validation table (outcomes_qual.agreement.validate)
            sample = f"{int(agreement['n_turns'])} turns" if agreement.get("n_turns") else "turns"
            return (
                f"Measured agreement with a human analyst ({agreement['against']}) on a sample of {sample}, "
                f"{agreement.get('level', 'code')} by {agreement.get('level', 'code')}: {join_words(parts)}; "
                "Appendix D gives the details."
            )
        if parts:
            return f"Measured agreement with a human analyst{over}: {join_words(parts)}."
    return "Agreement with a human analyst was measured; see the agreement table supplied with this report."
