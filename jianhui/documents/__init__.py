"""Official documents laid out after GB/T 9704-2012 (党政机关公文格式): the red header with the
issuing body, 第N期 and the date, the title, body paragraphs and headings, bordered tables,
the colophon and page numbers "— 1 —" (odd pages right, even pages left).

Domain-free: bulletins, criticism notices, meeting material and assessment results build their
content and hand it here. Use:

    doc = OfficialDocument(header="建会入会工作通报", issuer="中江县总工会", issue_no=5,
                           date=dt.date(2023, 8, 7), title="关于……的通报")
    doc.heading("一、总体进展")          # 黑体 三号
    doc.subheading("（一）各片区进度")    # 楷体_GB2312 三号
    doc.paragraph("截至8月7日，……")       # 仿宋_GB2312 三号, indented two characters
    doc.table(["排名", "片区", "完成进度"], [[1, "高新区", "96.1%"]], widths_mm=[20, 80, 56])
    doc.signature("中江县总工会", dt.date(2023, 8, 7))
    doc.colophon(copies_to="县委办", printed_by="中江县总工会办公室", printed_on=date)
    data = doc.to_bytes()                 # or doc.save(path)

`fonts` names the fonts and their offline fallbacks (also as CSS stacks for the HTML twins).
"""

from .fonts import ALL as FONTS
from .official import OfficialDocument, chinese_date, read_text

__all__ = ["FONTS", "OfficialDocument", "chinese_date", "read_text"]
