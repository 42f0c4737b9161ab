"""The action-plan draft as a Word document and an Excel workbook, for the technical committee.

Committees fill the canvas in a word processor or a spreadsheet: both files
hold exactly what the Markdown plan holds (:func:`graph_service.action_plan.
plan_text`: the same headings, context, coverage table and canvas lines), in
French or Arabic (right to left). Word files are written with python-docx and
workbooks with openpyxl: both pure Python, maintained, and openpyxl also
reads the workbook back (the tests open what is served).
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from .action_plan import ActionPlan, PlanText, plan_text, to_csv, to_markdown
from .text import search_key

__all__ = ["DOCX_MEDIA", "XLSX_MEDIA", "to_docx", "to_xlsx", "write_action_plan"]

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEETS = {"fr": ("Plan d'action", "Couverture", "Objectif général"),
           "ar": ("خطة العمل", "التغطية", "الهدف العام")}
"""The workbook's sheet names and the canvas sheet's first column, by language."""


def to_docx(plan: ActionPlan, lang: str = "fr") -> bytes:
    """The plan as a landscape Word document (the canvas has ten columns)."""
    text = plan_text(plan, lang)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    rtl = text.lang == "ar"
    _bidi(doc.add_heading(text.title, level=0), rtl)
    _bidi(doc.add_heading(text.subtitle, level=1), rtl)
    _bidi(doc.add_paragraph(text.period), rtl).runs[0].italic = True
    _bidi(doc.add_paragraph(text.note, style="Intense Quote"), rtl)
    _bidi(doc.add_heading(text.context_heading, level=2), rtl)
    _bidi(doc.add_paragraph(text.context), rtl)
    _table(doc.add_table(rows=0, cols=len(text.coverage_header)), text.coverage_header,
           [(st.stage, f"{st.providers} ({text.none})" if st.gap else str(st.providers),
             *st.children) for st in text.coverage], rtl)
    _bidi(doc.add_heading(text.priority, level=2), rtl)
    if text.no_gap:
        _bidi(doc.add_paragraph(text.no_gap), rtl)
    blanks = ("",) * (len(text.canvas_header) - 3)
    for objective in text.objectives:
        _bidi(doc.add_heading(objective.heading, level=3), rtl)
        _table(doc.add_table(rows=0, cols=len(text.canvas_header)), text.canvas_header,
               [(*line, *blanks) for line in objective.lines], rtl)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _bidi(paragraph: Paragraph, rtl: bool) -> Paragraph:
    """Mark an Arabic paragraph right to left (python-docx has no API for ``w:bidi``)."""
    if rtl:
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
        for run in paragraph.runs:
            run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
    return paragraph


def _table(table: Table, header: tuple[str, ...], rows: list[tuple[str, ...]],
           rtl: bool) -> None:
    table.style = "Table Grid"
    if rtl:
        table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))
    for values, bold in ((header, True), *((r, False) for r in rows)):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
            for paragraph in cell.paragraphs:
                _bidi(paragraph, rtl)
                for run in paragraph.runs:
                    run.bold = bold
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row.append(repeat)  # the header repeats on each page of a long canvas


def to_xlsx(plan: ActionPlan, lang: str = "fr") -> bytes:
    """The plan as a workbook: the canvas (one line per action, ready to fill and filter) on
    the first sheet, the context and coverage table on the second."""
    text = plan_text(plan, lang)
    book = Workbook()
    canvas = book.active
    assert canvas is not None  # a new workbook has its first sheet
    sheet_names = _SHEETS[text.lang]
    canvas.title = sheet_names[0]
    _sheet_head(canvas, text)
    canvas.append([])
    start = canvas.max_row + 1
    canvas.append([sheet_names[2], *text.canvas_header])
    for objective in text.objectives:
        for line in objective.lines:
            canvas.append([objective.heading, *line, *("",) * (len(text.canvas_header) - 3)])
    if text.no_gap:
        canvas.append([text.no_gap])
    _style_table(canvas, start, widths=(28, 40, 60, 40, *(18,) * (len(text.canvas_header) - 3)))
    coverage = book.create_sheet(sheet_names[1])
    coverage.append([text.context_heading])
    coverage.append([text.context])
    coverage.append([])
    start = coverage.max_row + 1
    coverage.append(list(text.coverage_header))
    for st in text.coverage:
        coverage.append([st.stage, f"{st.providers} ({text.none})" if st.gap else st.providers,
                         *st.children])
    _style_table(coverage, start, widths=(30, *(18,) * (len(text.coverage_header) - 1)))
    for sheet in (canvas, coverage):
        sheet.sheet_view.rightToLeft = text.lang == "ar"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_head(sheet: Worksheet, text: PlanText) -> None:
    for value, bold in ((text.title, True), (text.subtitle, True), (text.period, False),
                        (text.note, False), (text.priority, True)):
        sheet.append([value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=bold)


def _style_table(sheet: Worksheet, header_row: int, widths: tuple[int, ...]) -> None:
    """Bold header, frozen under it, wrapped cells, readable column widths."""
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = width


def write_action_plan(plan: ActionPlan, directory: Path, lang: str = "fr") -> list[Path]:
    """Write ``plan-action-<code>-<name>[-ar]`` as ``.md``, ``.docx`` and ``.xlsx`` in
    ``lang``, and ``.csv`` (UTF-8 with BOM, for spreadsheets; its columns are the canvas's
    in French whatever the language, for the figures to be compared across provinces)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"plan-action-{plan.summary.code}-{search_key(plan.summary.name_fr).replace(' ', '-')}"
    stem += "-ar" if lang == "ar" else ""
    files: list[tuple[str, str | bytes]] = [
        ("md", to_markdown(plan, lang)), ("csv", to_csv(plan)),
        ("docx", to_docx(plan, lang)), ("xlsx", to_xlsx(plan, lang))]
    out = []
    for ext, body in files:
        path = directory / f"{stem}.{ext}"
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8-sig" if ext == "csv" else "utf-8")
        out.append(path)
    return out
