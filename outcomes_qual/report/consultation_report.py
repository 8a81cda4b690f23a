r"""The consultation report: who responded, each question's themes, differences, non-response, methods.

Written from :func:`outcomes_qual.analysis.consultation.consultation_tables`
(counts only), so the same report comes from a corpus in memory
(:func:`write_consultation_report`) or from the Dask engine's output folder
(``outcomes_qual_dask.report``). The wording is about respondents, answers and
questions; quotes are labelled by respondent type only (never a name or an
organisation's name), from a seeded sample of answers whose best code is the theme.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from outcomes_qual.analysis.consultation import consultation_counts
>>> from outcomes_qual.ingest.consultation import parse_consultation_csv
>>> corpus = parse_consultation_csv(
...     "respondent_id,respondent_type,authority,Q1. What works?\n"
...     "r1,Individual,Glanafon,Being asked what matters to me made all the difference to how I was supported.\n"
...     "r2,Unpaid carer,Strathlinn,Short breaks.\n", "nc")
>>> codings = pd.DataFrame({"segment_id": ["r1:q1", "r2:q1"], "code": ["culture_shift", "time"]})
>>> with tempfile.TemporaryDirectory() as d:
...     out = write_consultation_report(consultation_counts(corpus, codings), None, Path(d))
...     sorted(p.name for p in (Path(d) / "tables").iterdir())[:3]
['authority_comparison.csv', 'nonresponse_by_question.csv', 'question_by_theme.csv']
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.consultation import (
    consultation_tables,
    order_types,
    question_key_order,
    rank_candidates,
    type_label,
)
from ..analysis.quotes import scrub_names, trim_quote
from ._docx import add_caption, add_figure, add_page_number_footer, add_quote, add_table
from ._wording import (
    _agreement_sentence,
    _label,
    _lower_label,
    coder_words,
    count_words,
    format_p,
    join_words,
    percent,
)

logger = logging.getLogger(__name__)

#: Tables of :func:`consultation_tables` kept out of the workbook and CSVs.
INTERNAL_TABLES = ("quote_sample",)

#: Heading of the appendix on automated coding.
AI_USE_HEADING = "Appendix C. Use of automated coding"


def _pct_ci(share, lo, hi) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{percent(100 * share)} [{100 * lo:.0f}–{100 * hi:.0f}%]"


def _q_short(key: str, text: str) -> str:
    """The wording without its "Q1." prefix ("" when only the key is known).

    Examples
    --------
    >>> _q_short("q1", "Q1. What works?"), _q_short("q2", "Q2")
    ('What works?', '')
    """
    body = re.sub(r"^\s*q(?:uestion)?\s*[\.\-_ ]?\s*\d+[a-z]?[\.:)\s-]*", "", str(text), flags=re.IGNORECASE).strip()
    return "" if body.lower() == str(key).lower() else body


def _q_title(key: str, text: str, sep: str = ": ") -> str:
    """A question's heading: "Q1: What works?" (or "Q1" when the wording is not known)."""
    body = _q_short(key, text)
    return f"{str(key).upper()}{sep}{body}" if body else str(key).upper()


def _quote_names(counts) -> list[str]:
    return list(counts.organisations)


def pick_quotes(sample: pd.DataFrame, question: str, code: str, n: int) -> list[dict]:
    """Up to ``n`` sampled answers to ``question`` whose best code is ``code``, one respondent type at a time.

    Within a type, answers whose coding a person made or accepted come first,
    then the most confident unreviewed ones, then the seeded key
    (:func:`~outcomes_qual.analysis.consultation.rank_candidates`). Types take
    turns, the type whose first answer ranks first leading, so the quotes show
    different kinds of respondent when the sample has them.
    """
    q = sample[(sample["question"] == question) & (sample["code"] == code)]
    if not len(q):
        return []
    q = rank_candidates(q, by=()).reset_index(drop=True)
    by_type = {r: g.to_dict("records") for r, g in q.groupby("role", sort=False)}
    order = list(by_type)  # groupby keeps first-seen order: the type of the best-ranked answer first
    out: list[dict] = []
    while len(out) < n and any(by_type.values()):
        for r in order:
            if by_type[r] and len(out) < n:
                out.append(by_type[r].pop(0))
    return out


def question_theme_figure(table: pd.DataFrame, stem: Path, *, codebook=None) -> list[Path]:
    """Heatmap of the share of each question's answers raising each theme (PNG and SVG)."""
    from .figures import _pyplot, _save

    plt = _pyplot()
    questions = question_key_order(table["question"])
    codes = list(dict.fromkeys(table["code"]))
    mat = table.pivot(index="code", columns="question", values="share").reindex(index=codes, columns=questions)
    base = table.drop_duplicates("question").set_index("question")["base"]
    fig, ax = plt.subplots(figsize=(1.2 * len(questions) + 3.2, 0.5 * len(codes) + 1.6))
    ax.imshow(100 * mat.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(questions)), [f"{q.upper()}\n(n={int(base[q])})" for q in questions], fontsize=9)
    ax.set_yticks(range(len(codes)), [_label(codebook, c) for c in codes], fontsize=9)
    shares = mat.to_numpy(dtype=float)
    for i in range(len(codes)):
        for j in range(len(questions)):
            v = shares[i, j]
            if not np.isnan(v):
                ax.text(j, i, f"{100 * v:.0f}%", ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "black")
    ax.set_title("Share of each question's answers that raised each theme (%)", fontsize=11, pad=10)
    fig.tight_layout()
    return _save(fig, stem)


# ------------------------------------------------------------------- sections
def _who_responded(doc, tables, counts, n_table) -> None:
    prof = tables["respondents_profile"]
    n = counts.n_respondents
    types = prof[prof["by"] == "respondent_type"]
    as_ = prof[prof["by"] == "responding_as"].set_index("value")["n"]
    n_org, n_ind = int(as_.get("organisation", 0)), int(as_.get("individual", 0))
    auth = prof[(prof["by"] == "authority") & (prof["value"] != "unknown")]
    regions = prof[(prof["by"] == "region") & (prof["value"] != "unknown")]
    text = (
        f"{count_words(n, 'respondent')} answered the consultation: "
        f"{count_words(n_org, 'organisation')} and {count_words(n_ind, 'individual')}. By respondent type: "
        + join_words(f"{r.label} {int(r.n)} ({percent(100 * r.share)})" for r in types.itertuples())
        + "."
    )
    if len(auth):
        text += f" Responses came from {count_words(len(auth), 'local authority', 'local authorities')}"
        text += f" in {join_words(regions['label'])}." if len(regions) else "."
    doc.add_paragraph(text)
    add_caption(doc, f"Table {n_table}: respondents by type, organisation or individual, authority and region")
    rows: list[list[object]] = []
    bands: list[int] = []
    names = {
        "respondent_type": "Respondent type",
        "responding_as": "Responding as",
        "authority": "Local authority",
        "region": "Region",
    }
    for by in ("respondent_type", "responding_as", "authority", "region"):
        block = prof[prof["by"] == by]
        if not len(block):
            continue
        bands.append(len(rows))
        rows.append([names[by], "", ""])
        rows += [[r.label, int(r.n), percent(100 * r.share)] for r in block.itertuples()]
    add_table(doc, ["Respondents", "Number", "% of respondents"], rows, band_rows=bands, widths=[8.4, 4.0, 4.0])


def _methods(doc, tables, counts, codebook, coding_method, agreement, settings) -> None:
    n_q = len(tables["nonresponse_by_question"])
    if codebook is not None:
        cb = (
            f"the “{codebook.name}” codebook (version {codebook.version}; {count_words(len(codebook.themes()), 'theme')}, "
            "listed in Appendix A)"
        )
    else:
        cb = "the analysis's thematic codebook"
    how = coder_words(coding_method, team="analysis team")
    doc.add_paragraph(
        f"The consultation asked {count_words(n_q, 'open question')}. Each answer (one respondent's reply to one "
        f"question) was coded against {cb}" + (f" by {how}." if how else ".") + " " + _agreement_sentence(agreement)
    )
    doc.add_paragraph(
        "Empty answers and non-responses such as “N/A”, “No comment” or “-” were counted, not coded; Section 5 gives "
        "them per question. A respondent “raised” a theme in a question when their answer was coded with it. Shares "
        "are of the respondents who answered that question (or, for respondent types and authorities, of those who "
        "answered at least one question), with 95% Wilson score intervals. Differences between respondent types were "
        "examined with a test of independence of type and theme and adjusted standardised residuals; differences "
        "between authorities with one test per theme, corrected for multiple comparisons with Holm's method. "
        "Quotes were drawn by a seeded random sample among the answers whose strongest code was the theme, are "
        "labelled by respondent type only, and organisation names are removed from them."
    )
    if settings is not None and len(settings):
        from ..provenance import methods_paragraph

        doc.add_paragraph(methods_paragraph(settings).replace("The same transcripts,", "The same answers,"))


def _question_sections(doc, tables, counts, codebook, counter, *, themes_quoted: int, quotes_per_theme: int) -> None:
    qt = tables["question_by_theme"]
    non = tables["nonresponse_by_question"].set_index("question")
    sample = tables["quote_sample"]
    names = _quote_names(counts)
    for i, key in enumerate(question_key_order(qt["question"]), start=1):
        block = qt[qt["question"] == key]
        text = str(block["question_text"].iloc[0])
        doc.add_heading(f"3.{i} {_q_title(key, text)}", level=2)
        answered = int(block["base"].iloc[0])
        nr = non.loc[key] if key in non.index else None
        lead = f"{count_words(answered, 'respondent')} answered this question"
        if nr is not None:
            lead += (
                f" and {int(nr['n_nonresponse'])} of {int(nr['n_respondents'])} left it empty or gave a "
                f"non-response ({percent(100 * nr['share_nonresponse'])})"
            )
        ranked = block[block["n"] > 0].sort_values(["n", "code"], ascending=[False, True], kind="stable")
        if len(ranked):
            top = join_words(f"{_lower_label(codebook, r.code)} ({percent(100 * r.share)})" for r in ranked.head(3).itertuples())
            lead += f". The themes raised most were {top}."
        else:
            lead += ". No answer to it was coded with a theme."
        doc.add_paragraph(lead)
        add_caption(
            doc,
            f"Table {counter()}: {key.upper()}, respondents who raised each theme "
            f"(out of {count_words(answered, 'respondent')} who answered)",
        )
        add_table(
            doc,
            ["Theme", "Respondents raising it", "% of those who answered [95% CI]"],
            [[_label(codebook, r.code), int(r.n), _pct_ci(r.share, r.ci_low, r.ci_high)] for r in block.itertuples()],
            widths=[6.4, 4.4, 5.6],
        )
        shown = False
        for r in ranked.head(themes_quoted).itertuples():
            picked = pick_quotes(sample, key, r.code, quotes_per_theme)
            if not picked:
                continue
            if not shown:
                doc.add_heading("What respondents said", level=3)
                shown = True
            p = doc.add_paragraph()
            p.add_run(f"{_label(codebook, r.code)}").bold = True
            for qrow in picked:
                quote = scrub_names(trim_quote(qrow["text"], max_chars=400), names, replacement="[organisation]")
                add_quote(doc, qrow["role"], quote, "", label=type_label(qrow["role"], counts.type_labels))


def _type_section(doc, tables, counts, codebook, counter) -> None:
    t = tables["respondent_type_by_theme"]
    cells = tables["respondent_type_theme_test"]
    summary = tables["respondent_type_theme_test_summary"].iloc[0]
    types = order_types([r for r in dict.fromkeys(t["respondent_type"]) if r != "all"])
    labels = counts.type_labels
    if summary["test"] == "none":
        doc.add_paragraph("Only one respondent type (or one theme) is present, so respondent types cannot be compared.")
    else:
        name = {
            "chi2": "chi-square test",
            "monte_carlo_chi2": "Monte Carlo exact test",
            "fisher_exact": "Fisher's exact test",
        }.get(summary["test"], "test")
        verdict = "differed between" if summary["p_value"] < 0.05 else "did not differ clearly between"
        doc.add_paragraph(
            f"Taken together, the themes respondents raised {verdict} respondent types ({name} of type by theme, "
            f"χ²({int(summary['dof'])}) = {summary['statistic']:.1f}, {format_p(summary['p_value'])}). An adjusted "
            "residual beyond ±2 (marked * in the table) means a type raised a theme clearly more (+) or less (−) often "
            "than the pattern of the other types would predict; values nearer 0 are within chance. Because one "
            "respondent can raise several themes, the test is a guide rather than a formal inference."
        )
        for line in plain_differences(t, cells, codebook, labels):
            doc.add_paragraph(line, style="List Bullet")
    add_caption(
        doc,
        f"Table {counter()}: share of each respondent type who raised each theme (adjusted residual in brackets; * beyond ±1.96)",
    )
    rows = []
    for code in dict.fromkeys(t["code"]):
        c = t[t["code"] == code].set_index("respondent_type")
        res = cells[cells["code"] == code].set_index("respondent_type")["adjusted_residual"]
        row = [_label(codebook, code)]
        for r in types:
            x = c.loc[r]
            adj = res.get(r, np.nan)
            mark = "" if pd.isna(adj) else f"\n({'+' if adj >= 0.05 else ''}{adj:.1f}{'*' if abs(adj) > 1.96 else ''})"
            row.append(f"{percent(100 * x['share'])}{mark}")
        row.append(percent(100 * c.loc["all", "share"]) if "all" in c.index else "–")
        rows.append(row)
    header = ["Theme"] + [f"{type_label(r, labels)} (n={int(t[t['respondent_type'] == r]['base'].iloc[0])})" for r in types]
    add_table(doc, header + ["All"], rows)


def plain_differences(table: pd.DataFrame, cells: pd.DataFrame, codebook, labels) -> list[str]:
    """One plain-language sentence per respondent type with a clear difference (adjusted residual beyond ±1.96).

    Examples
    --------
    >>> t = pd.DataFrame({"respondent_type": ["individual", "all"], "code": "time", "share": [0.6, 0.4]})
    >>> cells = pd.DataFrame({"respondent_type": ["individual"], "code": ["time"], "adjusted_residual": [2.5]})
    >>> plain_differences(t, cells, None, {})
    ['Individual respondents raised time more often than other types (60% of them, against 40% of all respondents).']
    """
    share = table.set_index(["respondent_type", "code"])["share"]
    out = []
    for r in order_types(dict.fromkeys(cells["respondent_type"])):
        c = cells[cells["respondent_type"] == r]
        more = c[c["adjusted_residual"] > 1.96].sort_values("adjusted_residual", ascending=False)
        less = c[c["adjusted_residual"] < -1.96].sort_values("adjusted_residual")
        if not len(more) and not len(less):
            continue

        def items(rows):
            return join_words(f"{_lower_label(codebook, x.code)}" for x in rows.itertuples())

        def shares(rows, r=r):
            return "; ".join(
                f"{percent(100 * share.get((r, x.code), np.nan))} of them, against "
                f"{percent(100 * share.get(('all', x.code), np.nan))} of all respondents"
                for x in rows.itertuples()
            )

        who = type_label(r, labels)
        who = who if who.lower().endswith(("respondents", "s")) else f"{who} respondents"
        parts = []
        if len(more):
            parts.append(f"raised {items(more)} more often than other types ({shares(more)})")
        if len(less):
            parts.append(f"raised {items(less)} less often ({shares(less)})")
        out.append(f"{who} " + " and ".join(parts) + ".")
    if not out:
        out.append(
            "No respondent type stood out: every type raised each theme about as often as the pattern of the "
            "other types would predict."
        )
    return out


def _nonresponse_section(doc, tables, counter) -> None:
    non = tables["nonresponse_by_question"]
    if not len(non):
        doc.add_paragraph("Non-response was not recorded for this consultation.")
        return
    worst = non.sort_values("share_nonresponse", ascending=False, kind="stable").iloc[0]
    doc.add_paragraph(
        f"Across the {count_words(len(non), 'question')}, {int(non['n_nonresponse'].sum())} of "
        f"{int(non['n_respondents'].sum())} possible answers were empty or a non-response; the most often left "
        f"unanswered was {str(worst['question']).upper()} ({percent(100 * worst['share_nonresponse'])})."
    )
    add_caption(doc, f"Table {counter()}: answers and non-response by question")
    add_table(
        doc,
        ["Question", "Respondents", "Answered", "Empty or non-response", "% non-response"],
        [
            [
                _q_title(r.question, r.question_text),
                int(r.n_respondents),
                int(r.n_answered),
                int(r.n_nonresponse),
                percent(100 * r.share_nonresponse),
            ]
            for r in non.itertuples()
        ],
        widths=[7.2, 2.3, 2.3, 2.6, 2.3],
    )


def _comparison_section(doc, tables, codebook, counter, *, key: str, by: str, word: str, words: str) -> None:
    comp = tables.get(key)
    if comp is None or comp[by].nunique() < 2:
        doc.add_paragraph(f"All respondents who gave one came from a single {word}, so {words} cannot be compared.")
        return
    groups = list(dict.fromkeys(comp[by]))
    per = comp.drop_duplicates("code")
    flagged = per[per["significant"].astype(bool)]
    text = (
        f"Table {counter.peek()} compares the share of each {word}'s respondents who raised each theme "
        f"({join_words(groups)}), with 95% Wilson intervals; each theme was tested separately and the "
        f"{len(per)} p-values corrected with Holm's method. "
    )
    if len(flagged):
        text += (
            "After correction, the "
            + words
            + " differed on "
            + join_words(f"{_lower_label(codebook, r.code)} (adjusted {format_p(r.p_adjusted)})" for r in flagged.itertuples())
            + "."
        )
    else:
        text += f"No difference between {words} survived the correction for multiple comparisons."
    doc.add_paragraph(text)
    add_caption(doc, f"Table {counter()}: respondents who raised each theme, by {word}")
    rows = []
    for code in dict.fromkeys(comp["code"]):
        c = comp[comp["code"] == code].set_index(by)
        row = [_label(codebook, code)]
        for g in groups:
            x = c.loc[g]
            row.append(
                f"{percent(100 * x['share'])} ({int(x['n'])}/{int(x['base'])})\n"
                f"[{100 * x['ci_low']:.0f}–{100 * x['ci_high']:.0f}%]"
                if x["base"]
                else "–"
            )
        first = c.iloc[0]
        row.append(
            f"{first['p_adjusted']:.3f}" + (" *" if bool(first["significant"]) else "") if pd.notna(first["p_adjusted"]) else "–"
        )
        rows.append(row)
    add_table(doc, ["Theme"] + groups + ["p (Holm)"], rows)


def _emergent_section(doc, topics, codebook, counts) -> None:
    if topics is None or not isinstance(topics, pd.DataFrame) or not len(topics):
        doc.add_paragraph(
            "Topic modelling was not run for this report, so no emergent themes are listed here (run "
            "the report without --no-topics, or autocode --topics-sample N at scale)."
        )
        return
    t = topics[topics["topic_id"].astype(int) >= 0] if "topic_id" in topics else topics
    emergent = t[t["emergent"].astype(bool)] if "emergent" in t else t.iloc[0:0]
    size_col = "size" if "size" in t else "n_assigned" if "n_assigned" in t else None
    text = (
        f"Grouping the answers by meaning gave {count_words(len(t), 'topic')}; "
        f"{count_words(len(t) - len(emergent), 'topic')} lay close to a codebook theme and "
        f"{count_words(len(emergent), 'topic')} did not."
    )
    if len(emergent):
        text += (
            " Those are listed below as candidate themes for the analysis team to review, name and, if they hold "
            "up, add to the codebook."
        )
    else:
        text += " No topic fell outside the codebook: the anticipated themes covered the answers well."
    doc.add_paragraph(text)
    names = _quote_names(counts)
    for i, r in enumerate(emergent.itertuples(), start=1):
        doc.add_heading(f"Emergent topic {i}: {r.label}", level=3)
        bits = []
        if size_col:
            bits.append(f"This topic gathers {count_words(int(getattr(r, size_col)), 'answer')}.")
        near = getattr(r, "nearest_code", None)
        if isinstance(near, str) and near:
            bits.append(f"Its nearest codebook theme, {_lower_label(codebook, near)}, was only a loose match.")
        words = getattr(r, "top_words", None)
        if isinstance(words, str) and words:
            bits.append(f"Key words: {words}.")
        doc.add_paragraph(" ".join(bits))
        for q in (getattr(r, "quote_1", None), getattr(r, "quote_2", None)):
            if isinstance(q, str) and q.strip():
                m = re.match(r"^([A-Z][A-Za-z ]{1,30}):\s+(.+)$", q.strip(), flags=re.DOTALL)
                who, body = (m.group(1), m.group(2)) if m else ("Respondent", q.strip())
                add_quote(doc, who, scrub_names(body, names, replacement="[organisation]"), "", label=who)


class _TableCounter:
    def __init__(self):
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n

    def peek(self) -> int:
        return self.n + 1


def write_consultation_docx(
    path,
    tables: dict,
    counts,
    *,
    codebook=None,
    topics=None,
    agreement=None,
    coding_method: str | None = None,
    title: str | None = None,
    ai_use=None,
    settings=None,
    figures: dict | None = None,
    themes_quoted: int = 3,
    quotes_per_theme: int = 2,
) -> Path:
    """Write the consultation report (a .docx) from :func:`consultation_tables` and return its path.

    Parameters
    ----------
    path : path-like
    tables : dict
        From :func:`~outcomes_qual.analysis.consultation.consultation_tables`.
    counts : ConsultationCounts
    codebook, topics, agreement, coding_method, title, ai_use, settings
        As for :func:`write_consultation_report`.
    figures : dict, optional
        ``question_theme``: the PNG of :func:`question_theme_figure`.
    themes_quoted : int, default 3
        Themes of each question (the most raised) illustrated with quotes.
    quotes_per_theme : int, default 2
    """
    import docx
    from docx.shared import Cm, Pt, RGBColor

    doc = docx.Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.3)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    for lvl, size in ((1, 15), (2, 12.5), (3, 11)):
        st = doc.styles[f"Heading {lvl}"]
        st.font.name = "Calibri"
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string("1F4E79")
    add_page_number_footer(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = "outcomes_qual"
    props.comments = "Quotes are labelled by respondent type only."
    counter = _TableCounter()
    figures = figures or {}

    title = title or "Consultation analysis: what respondents told us"
    props.title = title
    doc.add_heading(title, level=0)
    n_q = len(tables["nonresponse_by_question"]) or tables["question_by_theme"]["question"].nunique()
    sub = doc.add_paragraph().add_run(
        f"Analysis of {count_words(counts.n_answers, 'answer')} from {count_words(counts.n_respondents, 'respondent')} "
        f"to {count_words(n_q, 'open question')} · {_dt.date.today():%d %B %Y} · produced with outcomes_qual"
    )
    sub.italic = True
    sub.font.color.rgb = RGBColor.from_string("595959")

    # ------------------------------------------------------------ summary
    doc.add_heading("Summary", level=1)
    prof = tables["respondents_profile"]
    as_ = prof[prof["by"] == "responding_as"].set_index("value")["n"]
    doc.add_paragraph(
        f"{count_words(counts.n_respondents, 'respondent')} took part "
        f"({count_words(int(as_.get('organisation', 0)), 'organisation')} "
        f"and {count_words(int(as_.get('individual', 0)), 'individual')}). For each question, the themes raised most "
        "(share of those who answered it):"
    )
    qt = tables["question_by_theme"]
    for key in question_key_order(qt["question"]):
        block = qt[(qt["question"] == key) & (qt["n"] > 0)].sort_values(["n", "code"], ascending=[False, True], kind="stable")
        p = doc.add_paragraph(style="List Bullet")
        text = str(qt.loc[qt["question"] == key, "question_text"].iloc[0])
        p.add_run(f"{_q_title(key, text, ' (')}{')' if _q_short(key, text) else ''}: ").bold = True
        p.add_run(
            join_words(f"{_lower_label(codebook, r.code)} ({percent(100 * r.share)})" for r in block.head(3).itertuples())
            or "no theme coded"
        )
    doc.add_paragraph("How respondent types differed (Section 4 gives the figures and the test):")
    for line in plain_differences(
        tables["respondent_type_by_theme"], tables["respondent_type_theme_test"], codebook, counts.type_labels
    ):
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("1. Who responded", level=1)
    _who_responded(doc, tables, counts, counter())
    doc.add_heading("2. How the answers were analysed", level=1)
    _methods(doc, tables, counts, codebook, coding_method, agreement, settings)
    doc.add_heading("3. Responses question by question", level=1)
    doc.add_paragraph(
        "For each question: how many answered, the themes their answers raised, and quotes from the themes raised most."
    )
    if "question_theme" in figures:
        add_figure(
            doc, figures["question_theme"], "Figure 1: share of each question's answers that raised each theme", width_cm=15.0
        )
    _question_sections(doc, tables, counts, codebook, counter, themes_quoted=themes_quoted, quotes_per_theme=quotes_per_theme)
    doc.add_heading("4. Differences between respondent types", level=1)
    _type_section(doc, tables, counts, codebook, counter)
    doc.add_heading("5. Non-response by question", level=1)
    _nonresponse_section(doc, tables, counter)
    doc.add_heading("6. Comparison of authorities", level=1)
    _comparison_section(
        doc, tables, codebook, counter, key="authority_comparison", by="authority", word="local authority", words="authorities"
    )
    if "region_comparison" in tables:
        doc.add_heading("Regions", level=2)
        _comparison_section(doc, tables, codebook, counter, key="region_comparison", by="region", word="region", words="regions")
    doc.add_heading("7. Emergent themes", level=1)
    _emergent_section(doc, topics, codebook, counts)

    from .docx_report import add_codebook_appendix

    add_codebook_appendix(doc, codebook, heading="Appendix A. Codebook")
    doc.add_heading("Appendix B. Data files", level=1)
    doc.add_paragraph(
        "Every table behind this report is in tables.xlsx (one sheet per table) and in tables/*.csv: "
        "question_by_theme, respondent_type_by_theme, nonresponse_by_question, respondents_profile, "
        "respondent_type_theme_test, authority_comparison and run_settings among them. No table holds a respondent's "
        "name, id or organisation name."
    )
    if ai_use is not None:
        from .ai_use import add_ai_use_appendix

        add_ai_use_appendix(
            doc,
            ai_use,
            heading=AI_USE_HEADING,
            table_number=counter() if ai_use.validated else None,
            codebook=codebook,
            unit="answer",
            material="these answers",
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    logger.info("wrote %s", path)
    return path


def write_consultation_report(
    counts,
    codebook,
    out_dir,
    *,
    topics=None,
    agreement=None,
    coding_method: str | None = None,
    title: str | None = None,
    ai_use=None,
    seed: int | None = None,
    topics_backend: str | None = None,
) -> dict[str, Path]:
    """Write the consultation report for ``counts`` into ``out_dir``.

    Writes ``report.docx``, ``tables.xlsx``, ``tables/*.csv`` (``question_by_theme``,
    ``respondent_type_by_theme``, ``nonresponse_by_question``, ``respondents_profile``,
    ``respondent_type_theme_test``, ``authority_comparison``, ``run_settings`` ...)
    and ``figures/question_by_theme.png|svg``.

    Parameters
    ----------
    counts : ConsultationCounts
        From :func:`~outcomes_qual.analysis.consultation.consultation_counts`
        (one process) or ``outcomes_qual_dask.report.consultation_counts_at_scale``.
    codebook : Codebook or None
    out_dir : path-like
    topics : DataFrame or TopicResult, optional
        Topics table (``label``, ``emergent``, ...) for "Emergent themes".
    agreement, coding_method, title, ai_use, seed
        As for :func:`outcomes_qual.report.write_report`.

    Returns
    -------
    dict of str to Path
        ``report``, ``xlsx``, ``tables``, ``figures``.
    """
    from ..provenance import run_settings
    from .xlsx import write_csvs, write_workbook

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    topic_frame = getattr(topics, "topics", topics)
    tables = consultation_tables(counts, codebook)
    settings = run_settings(seed=seed, coding_method=coding_method, topics=topics if hasattr(topics, "topics") else None)
    if topics_backend and "topics_backend" not in set(settings["setting"]):
        settings = pd.concat(
            [settings, pd.DataFrame({"setting": ["topics_backend"], "value": [topics_backend]})], ignore_index=True
        )
    if ai_use is not None and ai_use.validated:
        tables["ai_validation"] = ai_use.agreement
    exported = {k: v for k, v in tables.items() if k not in INTERNAL_TABLES}
    if codebook is not None:
        from ..codebook import codebook_table

        exported["codebook"] = codebook_table(codebook)
    if isinstance(topic_frame, pd.DataFrame):
        exported["topics"] = topic_frame
    exported["run_settings"] = settings
    written = {}
    for p in write_csvs(exported, out_dir / "tables").values():
        written[str(p.relative_to(out_dir))] = p
    xlsx = write_workbook(exported, out_dir / "tables.xlsx")
    fig_dir = out_dir / "figures"
    figures = {}
    if len(tables["question_by_theme"]):
        paths = question_theme_figure(tables["question_by_theme"], fig_dir / "question_by_theme", codebook=codebook)
        figures["question_theme"] = paths[0]
        for p in paths:
            written[str(p.relative_to(out_dir))] = p
    report = write_consultation_docx(
        out_dir / "report.docx",
        tables,
        counts,
        codebook=codebook,
        topics=topic_frame,
        agreement=agreement,
        coding_method=coding_method,
        title=title,
        ai_use=ai_use,
        settings=settings,
        figures=figures,
    )
    return {"report": report, "xlsx": xlsx, "tables": out_dir / "tables", "figures": fig_dir, **written}
