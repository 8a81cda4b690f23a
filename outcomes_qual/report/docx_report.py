"""The Word report (python-docx): methods, participants, findings by theme, roles, authorities.

All prose is written from the tables of :func:`~outcomes_qual.report.tables.build_tables`
(the methods, emphasis and authority text in :mod:`outcomes_qual.report._docx_prose`);
this module lays the document out. Quotes are attributed by role and
anonymised context only ("Senior: ...").

Examples
--------
>>> percent(12.345), percent(0.4), percent(float("nan"))
('12%', '0.4%', '–')
>>> join_words(["a", "b", "c"])
'a, b and c'
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from pathlib import Path

import pandas as pd

from ..analysis._common import (
    method_label,
    order_roles,
    role_count,
    role_heading,
    role_label,
    role_plural,
    role_ranks,
)
from ..analysis.quotes import personal_names, scrub_names
from ._docx import (
    BAND_FILL,
    _set_cell_fill,
    add_caption,
    add_figure,
    add_page_number_footer,
    add_quote,
    add_table,
    add_vignette,
)
from ._docx_prose import (
    _authority_paragraphs,
    _emphasis_paragraphs,
    _methods_text,
    _role_breakdown_rows,
    _subcode_sentence,
    _words,
    summary_differences,
)
from ._wording import (
    _Counter,
    _label,
    _lower_label,
    _signed,
    count_words,
    join_words,
    percent,
)
from .shown import choose_shown, methods_note, theme_note
from .tables import analysed_participants

logger = logging.getLogger(__name__)

#: Heading of the appendix on automated coding (written when ``ai_use`` is given).
AI_USE_HEADING = "Appendix D. Use of automated coding"


# ----------------------------------------------------------------- sections
def _participant_tables(doc, tables, counter) -> None:
    def relabel(values, var):
        if var == "role":
            return [role_heading(v) if v not in ("total", "(missing)") else v.capitalize() for v in values]
        if var == "method":
            return [method_label(v).capitalize() if v not in ("total", "(missing)") else v.capitalize() for v in values]
        return [str(v).capitalize() if v in ("total", "(missing)") else str(v) for v in values]

    def emit(name, title, rows_var):
        t = tables[name]
        value_cols = [c for c in t.columns if c not in ("by", rows_var)]
        header = [rows_var.capitalize()] + relabel(value_cols, "role")
        n = counter.next_table()
        add_caption(doc, f"Table {n}: {title}")
        if "by" in t.columns:
            rows, bands, totals = [], [], []
            for by_value, block in t.groupby("by", sort=False):
                label = "All departments" if by_value == "all" else str(by_value)
                bands.append(len(rows))
                rows.append([label] + [""] * len(value_cols))
                for _, r in block.iterrows():
                    if r[rows_var] == "total":
                        totals.append(len(rows))
                    rows.append([relabel([r[rows_var]], rows_var)[0]] + [int(r[c]) for c in value_cols])
            add_table(doc, header, rows, band_rows=bands, bold_rows=totals)
        else:
            rows = [[relabel([r[rows_var]], rows_var)[0]] + [int(r[c]) for c in value_cols] for _, r in t.iterrows()]
            add_table(doc, header, rows, bold_last=True)

    emit("participants_by_method_role", "Participants by research method and role (distinct people)", "method")
    emit("participants_by_authority_role", "Participants by local authority and role", "authority")
    if "participants_by_department" in tables:
        emit("participants_by_department", "Participants by department, research method and role", "method")


def _topic_role_counts(frame, topic_id) -> dict[str, float]:
    if not isinstance(frame, pd.DataFrame) or not len(frame):
        return {}
    f = frame
    if "topic_id" in f.columns and "role" in f.columns:
        sub = f[f["topic_id"] == topic_id]
        num = [c for c in sub.columns if c not in ("topic_id", "role") and pd.api.types.is_numeric_dtype(sub[c])]
        if not num:
            return {}
        col = next((c for c in ("n_participants", "n", "n_segments", "n_turns", "count", "size") if c in num), num[0])
        return {str(r): float(v) for r, v in zip(sub["role"], sub[col], strict=True)}
    if "topic_id" in f.columns:
        f = f.set_index("topic_id")
    if topic_id not in f.index:
        return {}
    row = f.loc[topic_id]
    return {str(k): float(v) for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _emergent_section(doc, topics, corpus, names, codebook) -> None:
    from docx.shared import Pt

    if topics is None or not isinstance(getattr(topics, "topics", None), pd.DataFrame):
        doc.add_paragraph(
            "Topic modelling was not run for this report, so no emergent themes are listed here. Run "
            "“outcomes-qual report” without --no-topics (or pass topics= to write_report) to fill this section "
            "with themes that the codebook did not anticipate."
        )
        return
    t = topics.topics
    t = t[t["topic_id"].astype(int) >= 0] if "topic_id" in t else t
    emergent = t[t["emergent"].astype(bool)] if "emergent" in t else t.iloc[0:0]
    matched = t.drop(emergent.index)
    doc.add_paragraph(
        f"Clustering the participant turns by meaning gave {count_words(len(t), 'topic')}. "
        f"{count_words(len(matched), 'topic')} lay close to a codebook theme and "
        f"{count_words(len(emergent), 'topic')} did not; those are listed below as candidate themes for the "
        "evaluation team to review, name and, if they hold up, add to the codebook."
    )
    if not len(emergent):
        doc.add_paragraph("No topic fell outside the codebook: the anticipated themes covered the talk well.")
    seg = corpus.analysed_segments()
    texts = list(zip(seg["text"].astype(str), seg["role"].astype(str), strict=True))

    label_to_role = {
        role_label(r).lower(): r
        for r in ("practitioner", "senior", "manager", "mentor", "other", "unknown", "facilitator", *seg["role"].astype(str))
    }

    def split_quote(quote: str) -> tuple[str, str]:
        """Role and text of a topic quote, which may come as "Senior: text" or "R1 faculty: text"."""
        quote = str(quote).strip()
        m = re.match(r"^([^\s:][^:\n]{0,47}):\s+(.+)$", quote, flags=re.S)
        if m and m.group(1).lower() in label_to_role:
            return label_to_role[m.group(1).lower()], m.group(2)
        probe = re.sub(r"^…\s*", "", quote)[:40]
        for text, role in texts:
            if probe and probe in text:
                return role, quote
        return "unknown", quote

    for i, r in enumerate(emergent.itertuples(), start=1):
        doc.add_heading(f"Emergent topic {i}: {r.label}", level=3)
        words = r.top_words if isinstance(r.top_words, str) else ", ".join(map(str, r.top_words))
        p = doc.add_paragraph()
        p.add_run("Key words: ").bold = True
        p.add_run(words)
        roles = _topic_role_counts(getattr(topics, "topic_by_role", None), r.topic_id)
        roles = {k: v for k, v in roles.items() if v > 0 and k not in ("facilitator", "all", "total")}
        who = ""
        if roles:
            ranked = sorted(order_roles(roles, role_ranks(corpus)), key=lambda k: -roles[k])
            who = " Raised by " + join_words(role_count(int(roles[k]), k) for k in ranked) + "."
        reach = ""
        if hasattr(r, "n_groups") and hasattr(r, "n_participants"):
            reach = (
                f" It came up in {count_words(int(r.n_groups), 'transcript')}, from "
                f"{count_words(int(r.n_participants), 'participant')}."
            )
        near = ""
        if hasattr(r, "nearest_code") and isinstance(r.nearest_code, str) and r.nearest_code:
            near = (
                f" Its nearest codebook theme, {_lower_label(codebook, r.nearest_code)}, was only a loose match "
                f"(similarity {float(r.similarity):.2f})."
            )
        doc.add_paragraph(f"This topic gathers {count_words(int(r.size), 'turn')}.{reach}{who}{near}")
        for q in (getattr(r, "quote_1", None), getattr(r, "quote_2", None), getattr(r, "quote_3", None)):
            if isinstance(q, str) and q.strip():
                role, text = split_quote(q)
                add_quote(doc, role, scrub_names(text, names), "")
    if len(matched):
        rows = []
        for r in t.itertuples():
            words = r.top_words if isinstance(r.top_words, str) else ", ".join(map(str, r.top_words))
            near = (
                _label(codebook, r.nearest_code) if isinstance(getattr(r, "nearest_code", None), str) and r.nearest_code else "–"
            )
            if len(words) > 75:
                words = words[:75].rsplit(",", 1)[0] + ", …"
            rows.append(
                [
                    str(r.label),
                    words,
                    int(r.size),
                    near,
                    f"{float(r.similarity):.2f}" if pd.notna(getattr(r, "similarity", None)) else "–",
                    "yes" if bool(getattr(r, "emergent", False)) else "no",
                ]
            )
        para = doc.add_paragraph()
        run = para.add_run("All topics, with the codebook theme each lies nearest to:")
        run.font.size = Pt(10)
        add_table(
            doc,
            ["Topic", "Key words", "Turns", "Nearest theme", "Similarity", "Emergent"],
            rows,
            numeric_from=2,
            widths=[2.9, 5.0, 1.3, 2.8, 2.2, 2.2],
        )


def add_codebook_appendix(doc, codebook, *, heading: str = "Appendix A. Codebook") -> None:
    """The codebook appendix: themes in bold, sub-codes beneath them, with keys and definitions."""
    from docx.shared import Pt

    doc.add_heading(heading, level=1)
    if codebook is not None:
        doc.add_paragraph(
            f"The “{codebook.name}” codebook (version {codebook.version}): themes in bold, sub-codes beneath them. "
            "The key is how the code appears in tables.xlsx and the CSV files."
        )
        rows: list[list[str]] = []
        bands: list[int] = []
        for c in codebook:
            if c.depth == 0:
                bands.append(len(rows))
            rows.append([("    " * c.depth) + c.label, c.key, c.definition])
        table = add_table(doc, ["Theme / sub-code", "Key", "Definition"], rows, numeric_from=99, widths=[3.8, 4.3, 8.3])
        for i in bands:
            for j, cell in enumerate(table.rows[i + 1].cells):
                _set_cell_fill(cell, BAND_FILL)
                for run in cell.paragraphs[0].runs:
                    run.bold = j == 0
        for row in table.rows[1:]:
            for run in row.cells[1].paragraphs[0].runs:
                run.font.size = Pt(7.5)
    else:
        doc.add_paragraph("No codebook was supplied.")


def write_docx(
    path: Path,
    *,
    corpus,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, Path],
    codebook=None,
    topics=None,
    agreement=None,
    coding_method: str | None = None,
    title: str | None = None,
    ai_use=None,
    settings: pd.DataFrame | None = None,
    quotes_per_role: int = 2,
    max_quotes: int = 6,
    counted=None,
) -> Path:
    """Write the report to ``path`` (a .docx) and return it.

    Parameters
    ----------
    path : Path
    corpus : Corpus
        The (pseudonymised) corpus the tables came from.
    tables : dict of str to DataFrame
        From :func:`~outcomes_qual.report.tables.build_tables`.
    figures : dict of str to Path
        PNG paths keyed ``heatmap``, ``authorities``, ``participants``.
    codebook, topics, agreement, coding_method, title, ai_use
        See :func:`~outcomes_qual.report.write_report`.
    settings : DataFrame, optional
        From :func:`outcomes_qual.provenance.run_settings`: a "Reproducibility"
        paragraph (seed, settings, package versions) ends the methods.
    quotes_per_role : int, default 2
        Quotes shown per theme and role (the best quote of every role first).
    max_quotes : int, default 6
        Most quotes shown per theme beyond each role's first.
    counted : Counted, optional
        What the findings count (:mod:`outcomes_qual.report.counted`), said in the Summary and the Methods.
    """
    import docx
    from docx.shared import Cm, Pt, RGBColor

    names = personal_names(corpus.segments.get("speaker", pd.Series(dtype=object)))
    doc = docx.Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.3))
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.12
    for lvl, size in ((1, 15), (2, 12.5), (3, 11)):
        st = doc.styles[f"Heading {lvl}"]
        st.font.name = "Calibri"
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string("1F4E79")
    add_page_number_footer(doc)
    props = doc.core_properties
    props.author = "outcomes_qual"
    props.last_modified_by = "outcomes_qual"
    props.comments = "Quotes are pseudonymised and attributed by role only."
    counter = _Counter()
    w = _words(corpus)

    # ------------------------------------------------------------- title
    title = title or w["title"]
    props.title = title
    doc.add_heading(title, level=0)
    n_tr = len(corpus.transcripts)
    sub = doc.add_paragraph()
    run = sub.add_run(
        f"Evaluation report from {count_words(n_tr, 'transcript')} of focus groups and interviews · "
        f"{_dt.date.today():%d %B %Y} · produced with outcomes_qual"
    )
    run.italic = True
    run.font.color.rgb = RGBColor.from_string("595959")

    summary = tables["theme_summary"]
    raised = summary[summary["n_turns"] > 0].sort_values("n_turns", ascending=False)
    doc.add_heading("Summary", level=1)
    counted_text = None
    if counted is not None:
        from .counted import counted_sentence

        counted_text = counted_sentence(counted)
        doc.add_paragraph(counted_text)
    if len(raised):
        doc.add_paragraph(f"{w['staff']} in {count_words(n_tr, 'transcript')} talked about the themes below, most widely first.")
        for r in raised.itertuples():
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{_label(codebook, str(r.theme))}: ").bold = True
            p.add_run(f"{r.description}.")
    doc.add_paragraph(f"How the {w['roles']} differed (Section 3 gives the test and the figures):")
    for text in summary_differences(tables, codebook, w):
        doc.add_paragraph(text, style="List Bullet")

    # the quotes and vignettes each theme shows, chosen once: the methods say how many a person reviewed
    quotes = tables["exemplar_quotes"]
    role_order = list(dict.fromkeys(tables["role_by_theme"]["role"])) + order_roles(quotes["role"].unique(), role_ranks(corpus))
    shown = choose_shown(
        quotes,
        tables["vignette_candidates"],
        [t for t, n in zip(summary["theme"], summary["n_turns"], strict=True) if n > 0],
        role_order,
        quotes_per_role=quotes_per_role,
        max_quotes=max_quotes,
    )

    # ----------------------------------------------------------- methods
    doc.add_heading("1. Methods and participants", level=1)
    methods = _methods_text(corpus, tables, codebook, coding_method, agreement, w)
    methods[-1] += " " + methods_note(shown)
    for text in methods:
        doc.add_paragraph(text)
    if counted_text:
        doc.add_paragraph(counted_text)
    if settings is not None and len(settings):
        from ..provenance import methods_paragraph

        doc.add_paragraph(methods_paragraph(settings))
    _participant_tables(doc, tables, counter)
    if "participants" in figures:
        add_figure(
            doc, figures["participants"], f"Figure {counter.next_figure()}: participants by {w['role']} and method", width_cm=12.5
        )

    # ----------------------------------------------------------- findings
    doc.add_heading("2. Findings by theme", level=1)
    doc.add_paragraph(
        "Table {} summarises how widely each theme was raised; the sections that follow take the themes in turn, "
        "with the share of each {} that raised them and quotes that illustrate them.".format(counter.table + 1, w["role"])
    )
    n = counter.next_table()
    n_fg = int((corpus.transcripts["method"] == "focus_group").sum())
    n_all_turns = len(corpus.analysed_segments())
    n_people = int(analysed_participants(corpus)["participant_id"].nunique())
    add_caption(
        doc,
        f"Table {n}: reach of each theme (out of {count_words(n_fg, 'focus group')}, "
        f"{count_words(n_tr, 'transcript')}, {count_words(n_people, 'participant')} and "
        f"{count_words(n_all_turns, 'turn')})",
    )
    add_table(
        doc,
        ["Theme", "Focus groups", "Transcripts", "Participants", "Turns (% of all)", "Raised most by"],
        [
            [
                _label(codebook, r["theme"]),
                int(r["n_groups"]),
                int(r["n_transcripts"]),
                int(r["n_participants"]),
                f"{int(r['n_turns'])} ({percent(100 * r['n_turns'] / max(n_all_turns, 1))})",
                (role_plural(r["top_role"]) if r["top_role"] else (f"all {w['roles']} alike" if r["n_turns"] else "–")),
            ]
            for r in summary.to_dict("records")
        ],
        widths=[3.4, 2.3, 2.3, 2.5, 2.6, 3.3],
    )
    for i, r in enumerate(summary.itertuples(), start=1):
        theme = str(r.theme)
        doc.add_heading(f"2.{i} {_label(codebook, theme)}", level=2)
        if codebook is not None and theme in codebook and codebook[theme].definition:
            p = doc.add_paragraph()
            p.add_run("What this theme covers: ").bold = True
            p.add_run(codebook[theme].definition).italic = True
        if r.n_turns == 0:
            doc.add_paragraph("No participant turn was coded with this theme.")
            continue
        doc.add_paragraph(f"{_label(codebook, theme)} was {r.description}. " + _subcode_sentence(tables, theme, codebook))
        n = counter.next_table()
        add_caption(doc, f"Table {n}: {_label(codebook, theme)}, by {w['role']}")
        add_table(
            doc,
            [
                w["Role"],
                "Turns raising it",
                f"% of {w['role']}'s turns",
                "Participants raising it",
                f"% of {w['role']}'s participants",
            ],
            _role_breakdown_rows(tables, theme),
            widths=[3.2, 3.0, 2.8, 3.6, 3.4],
        )
        here = shown.get(theme)
        if here is None or not here.n_shown:
            continue
        if here.quotes:
            doc.add_heading("What participants said", level=3)
        doc.add_paragraph(theme_note(here))
        for qr in here.quotes:
            context = qr["attribution"].split(", ", 1)[1] if ", " in qr["attribution"] else ""
            add_quote(doc, qr["role"], qr["quote"], context)
        if here.vignette is not None:
            add_vignette(doc, f"Case vignette: {_label(codebook, theme)}", here.vignette["quote"], here.vignette["attribution"])

    # ------------------------------------------------------------- roles
    doc.add_heading(f"3. How the emphasis differed between {w['roles']}", level=1)
    paras = _emphasis_paragraphs(tables, codebook, w)
    doc.add_paragraph(paras[0])
    if "heatmap" in figures:
        add_figure(
            doc,
            figures["heatmap"],
            f"Figure {counter.next_figure()}: share of each {w['role']}'s turns that raised each theme (count in brackets)",
        )
    for text in paras[1:]:
        doc.add_paragraph(text)
    cells = tables["role_theme_test"]
    if len(cells):
        roles = list(dict.fromkeys(cells["role"]))
        n = counter.next_table()
        add_caption(doc, f"Table {n}: adjusted standardised residuals, theme by {w['role']} (beyond ±1.96 marked *)")
        rows = []
        for code in dict.fromkeys(cells["code"]):
            c = cells[cells["code"] == code].set_index("role")
            rows.append(
                [_label(codebook, code)]
                + [
                    f"{_signed(c.loc[role, 'adjusted_residual'])}{'*' if abs(c.loc[role, 'adjusted_residual']) > 1.96 else ''}"
                    if role in c.index
                    else "–"
                    for role in roles
                ]
            )
        add_table(doc, ["Theme"] + [role_heading(r) for r in roles], rows)

    # -------------------------------------------------------- authorities
    doc.add_heading("4. Comparison of authorities", level=1)
    fig_no = counter.figure + 1 if "authorities" in figures else None
    for text in _authority_paragraphs(tables, codebook, figure_no=fig_no, table_no=counter.table + 1):
        doc.add_paragraph(text)
    comp = tables["authority_comparison"]
    comp = comp[~comp["code"].str.contains("/")]
    auths = list(dict.fromkeys(comp["authority"]))
    if len(auths) >= 2:
        if "authorities" in figures:
            add_figure(
                doc,
                figures["authorities"],
                f"Figure {counter.next_figure()}: share of participants who "
                "raised each theme, by authority, with 95% confidence intervals",
            )
        n = counter.next_table()
        add_caption(doc, f"Table {n}: participants who raised each theme, by authority")
        rows = []
        for code in dict.fromkeys(comp["code"]):
            c = comp[comp["code"] == code].set_index("authority")
            row = [_label(codebook, code)]
            for a in auths:
                x = c.loc[a]
                row.append(
                    f"{percent(100 * x['share'])} ({int(x['n'])}/{int(x['base'])})\n"
                    f"[{100 * x['ci_low']:.0f}–{100 * x['ci_high']:.0f}%]"
                )
            first = c.iloc[0]
            row.append(
                f"{first['p_adjusted']:.3f}" + (" *" if bool(first["significant"]) else "")
                if pd.notna(first["p_adjusted"])
                else "–"
            )
            rows.append(row)
        add_table(doc, ["Theme"] + auths + ["p (Holm)"], rows)

    # ----------------------------------------------------------- emergent
    doc.add_heading("5. Emergent themes", level=1)
    _emergent_section(doc, topics, corpus, names, codebook)

    # ----------------------------------------------------------- appendix
    add_codebook_appendix(doc, codebook, heading="Appendix A. Codebook")  # no hard page break: no near-empty page
    doc.add_heading("Appendix B. Themes raised together", level=1)
    co = tables["theme_cooccurrence"]
    co = co[~co["code_a"].str.contains("/") & ~co["code_b"].str.contains("/")]
    codes = list(dict.fromkeys(co["code_a"]))
    if codes:
        doc.add_paragraph("Number of turns coded with both themes (the diagonal gives each theme's own count).")
        mat = co.pivot(index="code_a", columns="code_b", values="n_turns").reindex(index=codes, columns=codes)
        add_table(
            doc,
            ["Theme"] + [_label(codebook, c) for c in codes],
            [[_label(codebook, a)] + [int(v) for v in mat.loc[a]] for a in codes],
        )
    doc.add_heading("Appendix C. Data files", level=1)
    doc.add_paragraph(
        "Every table behind this report is in tables.xlsx (one sheet per table) and in tables/*.csv; figures are in "
        "figures/ as PNG and SVG. No table holds speaker names."
    )
    if ai_use is not None:
        from .ai_use import add_ai_use_appendix

        add_ai_use_appendix(
            doc,
            ai_use,
            heading=AI_USE_HEADING,
            table_number=counter.next_table() if ai_use.validated else None,
            codebook=codebook,
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    logger.info("wrote %s", path)
    return path
