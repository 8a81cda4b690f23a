"""Building blocks of the Word report: tables with shaded header rows, quotes, vignettes, figures.

Examples
--------
>>> [round(w, 2) for w in default_widths(3)]
[5.0, 5.7, 5.7]
>>> [round(w, 2) for w in fit_words([5.0, 1.0], ["Theme", "Turns"], [], header_size=8.5)]
[4.67, 1.33]
"""

from __future__ import annotations

import re
from pathlib import Path

from ..analysis._common import role_label

#: Header fill and vignette colours (dark blue header, pale blue box).
HEADER_FILL = "1F4E79"
BAND_FILL = "EAF1F8"
BOX_FILL = "F2F7FB"
BOX_BORDER = "1F4E79"


def _set_cell_fill(cell, hex_fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_fill)
    tc_pr.append(shd)


def _set_cell_borders(cell, colour: str, size: int = 12) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), colour)
        borders.append(el)
    tc_pr.append(borders)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_text(cell, text: str, *, bold: bool = False, colour=None, size: float = 9, align=None, italic=False) -> None:
    from docx.shared import Pt, RGBColor

    cell.text = ""
    para = cell.paragraphs[0]
    para.paragraph_format.space_after = Pt(0)
    para.paragraph_format.space_before = Pt(0)
    if align is not None:
        para.alignment = align
    run = para.add_run(str(text))
    run.bold = bold
    run.italic = italic
    run.font.size = Pt(size)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def add_table(doc, header, rows, *, widths=None, numeric_from: int = 1, bold_last: bool = False, band_rows=(), bold_rows=()):
    """Add a Word table with a shaded, repeating header row; return it."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(header):
        cell = table.rows[0].cells[j]
        _cell_text(
            cell,
            h,
            bold=True,
            colour="FFFFFF",
            size=8.5 if len(header) <= 6 else 7.5,
            align=WD_ALIGN_PARAGRAPH.CENTER if j >= numeric_from else None,
        )
        _set_cell_fill(cell, HEADER_FILL)
    _repeat_header(table.rows[0])
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        last = (bold_last and i == len(rows) - 1) or i in bold_rows
        band = i in band_rows
        for j, v in enumerate(values):
            _cell_text(
                cells[j],
                "" if v is None else v,
                bold=last or band,
                align=WD_ALIGN_PARAGRAPH.CENTER if j >= numeric_from and not band else None,
            )
            if band or last:
                _set_cell_fill(cells[j], BAND_FILL)
        if band:
            merged = cells[0].merge(cells[-1])
            _cell_text(merged, values[0], bold=True)
    header_size = 8.5 if len(header) <= 6 else 7.5
    set_widths(table, fit_words(widths or default_widths(len(header)), header, rows, header_size=header_size))
    if len(table.rows) > 14:  # no last row left alone at the top of a page
        for row in table.rows[-4:-1]:
            for cell in row.cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True
    if len(table.rows) <= 14:
        for row in table.rows[:-1]:
            for cell in row.cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True
    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_after = 0
    return table


#: Text width of the page in centimetres (A4 with 2.3 cm margins).
TEXT_WIDTH_CM = 16.4


def default_widths(n_cols: int) -> list[float]:
    """Column widths (cm): the first column wider, the rest equal."""
    if n_cols == 1:
        return [TEXT_WIDTH_CM]
    first = max(3.2, min(5.0, TEXT_WIDTH_CM - 2.65 * (n_cols - 1)))
    return [first] + [(TEXT_WIDTH_CM - first) / (n_cols - 1)] * (n_cols - 1)


#: Width of one character as a share of the font size, generous enough for a substitute font (DejaVu Sans)
#: when Calibri is missing, and the cell's left and right padding (cm).
CHAR_EM = 0.62
CELL_PADDING_CM = 0.4
_WORD = re.compile(r"[^\s/]+")


def word_width_cm(text, size_pt: float) -> float:
    """Width (cm) a cell needs so that the longest word of ``text`` never breaks mid-word.

    Examples
    --------
    >>> round(word_width_cm("Turns (% of all)", 8.5), 2)
    1.33
    """
    longest = max((len(w) for w in _WORD.findall(str(text))), default=0)
    return longest * size_pt * CHAR_EM / 28.35 + CELL_PADDING_CM


def fit_words(widths_cm, header, rows, *, header_size: float = 8.5, body_size: float = 9, max_word: int = 14) -> list[float]:
    """Column widths (cm) scaled to the text width, widened where a header word (or a short cell word) would wrap.

    A column narrower than its longest header word (or body word of at most
    ``max_word`` characters) needs is widened; the width comes from columns
    with room to spare, in proportion to their spare room.
    """
    if len(widths_cm) != len(header):
        raise ValueError(f"widths_cm: expected one width per column ({len(header)}), got {len(widths_cm)}")
    scale = min(1.0, TEXT_WIDTH_CM / sum(widths_cm))
    widths = [w * scale for w in widths_cm]
    need = []
    for j, h in enumerate(header):
        body = [
            word_width_cm(w, body_size)
            for r in rows
            if j < len(r) and r[j] is not None
            for w in _WORD.findall(str(r[j]))
            if len(w) <= max_word
        ]
        need.append(max([word_width_cm(h, header_size), *body]))
    short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    spare = [max(0.0, w - n) for n, w in zip(need, widths, strict=True)]
    if short <= 0 or sum(spare) <= 0:
        return widths
    take = min(1.0, short / sum(spare))
    return [max(n, w) if n > w else w - take * sp for n, w, sp in zip(need, widths, spare, strict=True)]


def set_widths(table, widths_cm) -> None:
    """Fix column widths (grid and cells) so Word and LibreOffice both honour them."""
    from docx.shared import Cm

    table.autofit = False
    scale = min(1.0, TEXT_WIDTH_CM / sum(widths_cm))
    for j, w in enumerate(widths_cm):
        table.columns[j].width = Cm(w * scale)
        for cell in table.columns[j].cells:
            cell.width = Cm(w * scale)


def add_caption(doc, text: str) -> None:
    """An italic caption paragraph ("Table 1: ...")."""
    from docx.shared import Pt, RGBColor

    para = doc.add_paragraph()
    para.paragraph_format.space_after = Pt(3)
    para.paragraph_format.keep_with_next = True
    run = para.add_run(text)
    run.bold = True
    run.font.size = Pt(9.5)
    run.font.color.rgb = RGBColor.from_string("1F4E79")


def add_quote(doc, role: str, quote: str, context: str, *, label: str | None = None) -> None:
    """A quote paragraph: bold "Role:" (or ``label`` as given), the quote, then the anonymised context."""
    from docx.shared import Cm, Pt, RGBColor

    para = doc.add_paragraph()
    para.paragraph_format.left_indent = Cm(0.6)
    para.paragraph_format.space_after = Pt(6)
    lead = para.add_run(f"{label if label is not None else role_label(role)}: ")
    lead.bold = True
    lead.font.color.rgb = RGBColor.from_string("1F4E79")
    body = para.add_run(f"“{quote}”")
    body.italic = False
    if context:
        ctx = para.add_run(f" ({context})")
        ctx.italic = True
        ctx.font.size = Pt(9)
        ctx.font.color.rgb = RGBColor.from_string("595959")


def add_vignette(doc, title: str, quote: str, attribution: str) -> None:
    """A boxed case vignette: a one-cell shaded, bordered table."""
    from docx.shared import Pt, RGBColor

    table = doc.add_table(rows=1, cols=1)
    set_widths(table, [TEXT_WIDTH_CM])
    cell = table.rows[0].cells[0]
    _set_cell_fill(cell, BOX_FILL)
    _set_cell_borders(cell, BOX_BORDER)
    p = cell.paragraphs[0]
    p.paragraph_format.space_before = Pt(4)
    r = p.add_run(title)
    r.bold = True
    r.font.color.rgb = RGBColor.from_string("1F4E79")
    body = cell.add_paragraph()
    body.add_run(f"“{quote}”").italic = True
    att = cell.add_paragraph()
    att.paragraph_format.space_after = Pt(4)
    ra = att.add_run(f"— {attribution}")
    ra.font.size = Pt(9)
    doc.add_paragraph().paragraph_format.space_after = 0


def add_figure(doc, path: Path, caption: str, *, width_cm: float = 15.5) -> None:
    """Embed a PNG figure with a caption beneath."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.keep_with_next = True
    para.add_run().add_picture(str(path), width=Cm(width_cm))
    cap = doc.add_paragraph()
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = cap.add_run(caption)
    run.italic = True
    run.font.size = Pt(9)


def add_page_number_footer(doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    para = doc.sections[0].footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run()
    run.font.size = Pt(9)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
