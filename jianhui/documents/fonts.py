"""The fonts of GB/T 9704-2012, by the names Word and WPS on a Chinese Windows know them, with
what stands in for each where it is absent: in a .docx the `altName` Word falls back to (and
the font table's GB2312 charset), in HTML/CSS a stack ending in the Noto CJK fonts a Linux
intranet machine has offline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Font:
    name: str  # as written in the document (w:rFonts w:eastAsia)
    alt: str  # what Word uses when `name` is not installed
    family: str  # w:family: roman (serif) or swiss (sans)
    css: tuple[str, ...]  # the CSS font-family stack, `name` first

    def css_stack(self) -> str:
        return ", ".join(f'"{f}"' if " " in f or not f.isascii() else f for f in self.css)


TITLE = Font("方正小标宋简体", "宋体", "roman",
             ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "宋体", "SimSun",
              "Noto Serif CJK SC", "Source Han Serif SC", "serif"))
HEI = Font("黑体", "SimHei", "swiss",
           ("黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "sans-serif"))
FANGSONG = Font("仿宋_GB2312", "仿宋", "roman",
                ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC",
                 "Source Han Serif SC", "serif"))
KAI = Font("楷体_GB2312", "楷体", "roman",
           ("楷体_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC", "serif"))
SONG = Font("宋体", "SimSun", "roman",
            ("宋体", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "serif"))

ALL = (TITLE, HEI, FANGSONG, KAI, SONG)

# Chinese type sizes (字号) in points.
SIZE_1 = 26.0  # 一号
SIZE_2 = 22.0  # 二号: the title
SIZE_3 = 16.0  # 三号: body, headings, 第N期, date
SIZE_4 = 14.0  # 四号: page numbers, tables
SIZE_SMALL_4 = 12.0  # 小四
