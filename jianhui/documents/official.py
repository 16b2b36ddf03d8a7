"""One official document after GB/T 9704-2012, written with python-docx.

The page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text
block of 22 lines); body 三号 仿宋_GB2312 at a fixed line pitch of 28.95 pt. The header (版头)
is the document's name in red 小标宋, 第N期 below it, then the issuing body and the date above a
red rule as wide as the text block. Page numbers are 四号 宋体 "— 1 —", odd pages on the right
and even pages on the left, one character in from the edge.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from . import fonts
from .fonts import Font

RED = RGBColor(0xFF, 0x00, 0x00)
RED_HEX = "FF0000"
TEXT_WIDTH_MM = 156
LINE_PITCH = Pt(28.95)  # 225 mm / 22 lines
INDENT = Pt(fonts.SIZE_3 * 2)  # two characters of 三号
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT}


def chinese_date(on: dt.date) -> str:
    """A date as GB/T 9704-2012 writes it: Arabic numerals, no leading zeros (2023年8月7日)."""
    return f"{on.year}年{on.month}月{on.day}日"


def _set_font(run, font: Font, size: float, *, bold: bool = False, color=None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font.name
    r_fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(attr), font.name)
    if color is not None:
        run.font.color.rgb = color


def _border(paragraph, side: str, *, size: int, color: str = "000000") -> None:
    """A rule along one side of a paragraph (size in eighths of a point)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    borders.append(edge)


def _page_field(paragraph, font: Font, size: float) -> None:
    """The PAGE field, between the em dashes of "— 1 —"."""
    def run(text: str = ""):
        r = paragraph.add_run(text)
        _set_font(r, font, size)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                        ("end", None)):
        r = run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._element.append(fld)
        elif instr == "1":
            r.text = "1"
        else:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instr
            r._element.append(text)
    run(" —")


class OfficialDocument:
    """A document after GB/T 9704: build it top to bottom, then `to_bytes()` or `save()`."""

    def __init__(self, *, header: str, issuer: str, date: dt.date, title: str | None = None,
                 issue_no: int | str | None = None, subtitle: str | None = None) -> None:
        self.header, self.issuer, self.date, self.title = header, issuer, date, title
        self.document = Document()
        self._page_setup()
        self._styles()
        self._font_table()
        props = self.document.core_properties
        props.title = title or header
        props.author = issuer
        props.created = dt.datetime.combine(date, dt.time(8, 0))
        self._masthead(issue_no)
        if title:
            self._title(title, subtitle)

    # --- the frame ------------------------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.document.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(15), Mm(21)
        self.document.settings.odd_and_even_pages_header_footer = True
        for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                    (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = align
            indent = Pt(fonts.SIZE_4)  # one character in from the edge
            if side == "right":
                p.paragraph_format.right_indent = indent
            else:
                p.paragraph_format.left_indent = indent
            _page_field(p, fonts.SONG, fonts.SIZE_4)

    def _styles(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.size = Pt(fonts.SIZE_3)
        normal.font.name = fonts.FANGSONG.name
        r_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            r_fonts.set(qn(attr), fonts.FANGSONG.name)
        fmt = normal.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH

    def _font_table(self) -> None:
        """Name each font with the GB2312 charset and the font Word substitutes when it is not
        installed (仿宋_GB2312 → 仿宋 on a Windows without the GB2312 fonts)."""
        part = next(rel.target_part for rel in self.document.part.rels.values()
                    if rel.reltype.endswith("/fontTable"))
        root = etree.fromstring(part.blob)
        w = root.nsmap["w"]
        for font in fonts.ALL:
            el = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": font.name})
            etree.SubElement(el, f"{{{w}}}altName", {f"{{{w}}}val": font.alt})
            etree.SubElement(el, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
            etree.SubElement(el, f"{{{w}}}family", {f"{{{w}}}val": font.family})
            etree.SubElement(el, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)

    def _paragraph(self, text: str = "", font: Font = fonts.FANGSONG,
                   size: float = fonts.SIZE_3, *, align=None, indent=None, bold=False,
                   color=None, line=None):
        p = self.document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent is not None:
            p.paragraph_format.first_line_indent = indent
        if line is not None:
            p.paragraph_format.line_spacing = line
        if text:
            _set_font(p.add_run(text), font, size, bold=bold, color=color)
        return p

    def _masthead(self, issue_no: int | str | None) -> None:
        first = self._paragraph(self.header, fonts.TITLE, 36, align=WD_ALIGN_PARAGRAPH.CENTER,
                                color=RED, line=Pt(54))
        first.paragraph_format.space_before = Pt(12)
        if issue_no is not None:
            number = f"第{issue_no}期" if isinstance(issue_no, int) else issue_no
            self._paragraph(number, align=WD_ALIGN_PARAGRAPH.CENTER)
        # The issuing body on the left, the date on the right, above the red rule.
        p = self._paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
        _set_font(p.add_run(f"{self.issuer}\t{chinese_date(self.date)}"), fonts.FANGSONG,
                  fonts.SIZE_3)
        p.paragraph_format.space_after = Pt(4)
        _border(p, "bottom", size=18, color=RED_HEX)

    def _title(self, title: str, subtitle: str | None) -> None:
        self._paragraph()
        self._paragraph(title, fonts.TITLE, fonts.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
                        line=Pt(35))
        if subtitle:
            self._paragraph(subtitle, fonts.KAI, fonts.SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._paragraph()

    # --- the content ----------------------------------------------------------------------

    def addressee(self, text: str):
        """The main recipient (主送机关), flush left, ending with a full-width colon."""
        return self._paragraph(text)

    def heading(self, text: str):
        """A first-level heading (一、……): 黑体 三号."""
        return self._paragraph(text, fonts.HEI, indent=INDENT)

    def subheading(self, text: str):
        """A second-level heading (（一）……): 楷体_GB2312 三号."""
        return self._paragraph(text, fonts.KAI, indent=INDENT)

    def paragraph(self, text: str, *, bold_lead: str | None = None):
        """A body paragraph, 仿宋_GB2312 三号, indented two characters; `bold_lead` starts it
        in bold (a third-level heading run into the text)."""
        p = self._paragraph(indent=INDENT)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if bold_lead:
            _set_font(p.add_run(bold_lead), fonts.FANGSONG, fonts.SIZE_3, bold=True)
        _set_font(p.add_run(text), fonts.FANGSONG, fonts.SIZE_3)
        return p

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[object]], *,
              widths_mm: Sequence[float] | None = None, align: Sequence[str] | None = None,
              size: float = fonts.SIZE_4, highlight: Iterable[int] = ()):
        """A table with borders: a header row in 黑体 (repeated on each page), the rows in
        仿宋; `widths_mm` add up to the text block (156 mm); `highlight` rows (0-based) in bold."""
        rows = [list(r) for r in rows]
        n = len(headers)
        widths = list(widths_mm or [TEXT_WIDTH_MM / n] * n)
        align = list(align or ["center"] * n)
        marked = set(highlight)
        table = self.document.add_table(rows=1 + len(rows), cols=n)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        header_tr = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_tr.append(repeat)
        for r, values in enumerate([list(headers), *rows]):
            keep = OxmlElement("w:cantSplit")  # a row never breaks across pages
            table.rows[r]._tr.get_or_add_trPr().append(keep)
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.width = Mm(widths[c])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.alignment = ALIGN["center" if r == 0 else align[c]]
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
                font = fonts.HEI if r == 0 else fonts.FANGSONG
                _set_font(p.add_run("" if value is None else str(value)), font, size,
                          bold=r > 0 and (r - 1) in marked)
        self._paragraph()
        return table

    def signature(self, issuer: str | None = None, on: dt.date | None = None) -> None:
        """The issuing body and the date (成文日期), right-aligned four characters in; kept on
        the page of what follows (the colophon), never left alone on a page."""
        self._paragraph().paragraph_format.keep_with_next = True
        for text in (issuer or self.issuer, chinese_date(on or self.date)):
            p = self._paragraph(text, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(fonts.SIZE_3 * 4)
            p.paragraph_format.keep_with_next = True

    def colophon(self, *, printed_by: str, printed_on: dt.date, copies_to: str = "") -> None:
        """版记: 抄送 and 印发机关/印发日期 between rules at the end of the document."""
        self._paragraph().paragraph_format.keep_with_next = True
        if copies_to:
            p = self._paragraph(f"抄送：{copies_to}。", size=fonts.SIZE_4)
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(fonts.SIZE_4)
            _border(p, "top", size=8)
        p = self._paragraph()
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(fonts.SIZE_4)
        p.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM - 10), WD_TAB_ALIGNMENT.RIGHT)
        _set_font(p.add_run(f"{printed_by}\t{chinese_date(printed_on)}印发"), fonts.FANGSONG,
                  fonts.SIZE_4)
        _border(p, "top", size=4 if copies_to else 8)
        _border(p, "bottom", size=8)

    # --- output ---------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())


def read_text(data: bytes) -> list[str]:
    """The text of a .docx, paragraph by paragraph and then row by row of each table (cells
    joined by tabs): what a test or a reader checks without opening Word."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return lines
