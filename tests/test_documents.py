"""The GB/T 9704 layout of jianhui.documents: page, header, fonts with fallbacks, tables,
page numbers."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document

from jianhui.documents import OfficialDocument, chinese_date, read_text


def build() -> bytes:
    doc = OfficialDocument(header="建会入会工作通报", issuer="中江县总工会", issue_no=12,
                           date=dt.date(2023, 8, 7), title="关于集中行动进展情况的通报")
    doc.heading("一、总体进展")
    doc.paragraph("截至2023年8月7日，已建会企业161家。")
    doc.table(["排名", "片区"], [[1, "高新区"], [2, "辑庆镇"]], widths_mm=[40, 116])
    doc.signature()
    doc.colophon(printed_by="中江县总工会办公室", printed_on=dt.date(2023, 8, 7))
    return doc.to_bytes()


def test_header_title_body_and_table_text():
    lines = read_text(build())
    assert lines[:3] == ["建会入会工作通报", "第12期", "中江县总工会\t2023年8月7日"]
    assert "关于集中行动进展情况的通报" in lines
    assert "排名\t片区" in lines and "2\t辑庆镇" in lines
    assert "中江县总工会办公室\t2023年8月7日印发" in lines
    assert chinese_date(dt.date(2023, 10, 1)) == "2023年10月1日"


def test_page_fonts_red_rule_and_page_numbers():
    data = build()
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    width = section.page_width - section.left_margin - section.right_margin
    assert round(width / 36000) == 156  # EMU per mm
    body = document.paragraphs
    header = body[0].runs[0]
    assert str(header.font.color.rgb) == "FF0000"
    assert header._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
        fonts = z.read("word/fontTable.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        settings = z.read("word/settings.xml").decode()
    assert 'w:color="FF0000"' in xml  # the red rule under the issuing body
    assert "仿宋_GB2312" in xml and "黑体" in xml
    assert 'w:name="仿宋_GB2312"' in fonts and 'w:altName w:val="仿宋"' in fonts
    assert len(footers) == 2 and all("PAGE" in f and "— " in f for f in footers)
    assert "evenAndOddHeaders" in settings  # odd pages right, even pages left
    assert document.tables[0].style.name == "Table Grid"
