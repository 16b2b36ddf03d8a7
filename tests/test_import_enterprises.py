"""Importing enterprises and jurisdictions: aliases in a real file, model rules, modes."""

from __future__ import annotations

import datetime as dt

import pytest

from jianhui.enterprises.models import Enterprise
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_credit_code
from jianhui.lib.text import initials
from jianhui.regions.models import Jurisdiction

# Every import leaves the statistics' facts in step (conftest.facts_in_step).
pytestmark = pytest.mark.usefixtures("facts_in_step")

HEADER = ["企业名称", "统一社会信用代码", "所属辖区", "行业", "企业规模", "职工人数", "女职工人数",
          "农民工人数", "经营状态", "法定代表人", "联系人", "联系电话", "地址", "成立日期", "注销日期"]


def code(n: int) -> str:
    return make_credit_code(f"91888888MA{n:07d}")


def firm_row(n: int, town: str = "导入镇", **overrides) -> list:
    values = dict(zip(HEADER, [f"企业{n}", code(n), town, "制造业", "", 50, 10, 5, "在营", "法人",
                               "联系人", "0838-1234567", "地址", "2020-01-01", ""], strict=True))
    values.update(overrides)
    return list(values.values())


def tree(build):
    county = build.jurisdiction("导入县")
    town = build.jurisdiction("导入镇", county)
    return county, town


def test_real_file_with_aliases_and_title_row(tmp_path, build):
    _, town = tree(build)
    header = ["单位名称*", "社会信用代码", "所属乡镇", "从业人数", "企业规模", "经营状态", "成立日期"]
    rows = [["甲 公司", code(1).lower(), town.code, "1,200人", "大", "存续", 45296],
            ["乙公司", f" {code(2)} ", "导入镇", 12.0, "", "歇业", "2024年1月5日"]]
    path = write_xlsx(tmp_path / "e.xlsx", header, rows, title="2024年企业名录")
    report = import_file("enterprises", path)
    assert report.errors == [] and report.created == 2
    a = Enterprise.objects.get(credit_code=code(1))
    assert (a.name, a.jurisdiction, a.employees, a.scale_override, a.status) == (
        "甲 公司", town, 1200, "large", "operating")
    assert a.founded_on == dt.date(2024, 1, 5) and a.name_initials == initials("甲 公司")
    b = Enterprise.objects.get(credit_code=code(2))
    assert (b.status, b.employees, b.name, b.scale) == ("suspended", 12, "乙公司", "micro")


def test_model_rules_and_errors_by_column(tmp_path, build):
    tree(build)
    rows = [
        firm_row(1, 经营状态="注销"),  # 2: 注销 needs 注销日期
        firm_row(2, 女职工人数=80),  # 3: more women than employees
        firm_row(3, 成立日期="2020-01-01", 注销日期="2019-01-01", 经营状态="注销"),  # 4
        firm_row(4, 所属辖区="不存在镇"),  # 5
        firm_row(5, 职工人数="很多"),  # 6
        firm_row(6, 经营状态="正常"),  # 7
        firm_row(7, 统一社会信用代码="91888888MA0000001O"),  # 8
        firm_row(8, 统一社会信用代码=code(1)),  # 9: duplicate of row 2
        firm_row(9, 企业名称=""),  # 10
    ]
    report = import_file("enterprises", write_csv(tmp_path / "e.csv", HEADER, rows))
    got = {(e.row, e.column) for e in report.errors}
    assert got == {(2, "注销日期"), (3, "女职工人数"), (4, "注销日期"), (5, "所属辖区"),
                   (6, "职工人数"), (7, "经营状态"), (8, "统一社会信用代码"),
                   (9, "统一社会信用代码"), (10, "企业名称")}
    by_row = {e.row: e.message for e in report.errors}
    assert "找不到辖区「不存在镇」" in by_row[5] and "在营、存续" in by_row[7]
    assert "第 2 行" in by_row[9]
    assert not Enterprise.objects.filter(credit_code__startswith="91888888").exists()


def test_upsert_update_unchanged_and_modes(tmp_path, build):
    tree(build)
    rows = [firm_row(1), firm_row(2)]
    path = write_csv(tmp_path / "e.csv", HEADER, rows)
    assert import_file("enterprises", path).created == 2
    again = import_file("enterprises", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0] = firm_row(1, 企业名称="新名字", 职工人数=60)
    path = write_csv(tmp_path / "e2.csv", HEADER, rows)
    report = import_file("enterprises", path)
    assert (report.updated, report.unchanged) == (1, 1)
    e = Enterprise.objects.get(credit_code=code(1))
    assert (e.name, e.employees, e.version, e.name_initials) == ("新名字", 60, 2, initials("新名字"))
    assert len(import_file("enterprises", path, mode="create").errors) == 2
    extra = write_csv(tmp_path / "e3.csv", HEADER, [firm_row(3)])
    assert "不存在" in import_file("enterprises", extra, mode="update").errors[0].message


def test_dry_run_writes_nothing(tmp_path, build):
    tree(build)
    report = import_file("enterprises", write_csv(tmp_path / "e.csv", HEADER, [firm_row(1)]),
                         dry_run=True)
    assert report.created == 1 and not report.written
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()


# ---------------------------------------------------------------- jurisdictions
J_HEADER = ["辖区名称", "辖区代码", "上级辖区", "类型"]


def test_jurisdictions_create_a_top_and_children_in_any_order(tmp_path, db):
    rows = [["一片区", "", "新园区", "片区"], ["新园区", "880001P01", "880001", "园区"],
            ["新县", "880001", "", "县"], ["新镇", "880001101", "新县", "乡镇"]]
    path = write_xlsx(tmp_path / "j.xlsx", J_HEADER, rows)
    report = import_file("jurisdictions", path)
    assert report.errors == [] and report.created == 4
    area = Jurisdiction.objects.get(name="一片区")
    assert area.code == "880001P0101" and area.path == "/880001/880001P01/880001P0101/"
    assert area.kind == "area" and area.depth == 2
    again = import_file("jurisdictions", path)
    assert (again.unchanged, again.created) == (4, 0)


def test_jurisdiction_errors(tmp_path, build):
    county = build.jurisdiction("导入县")
    rows = [["甲镇", "", "", "乡镇"], ["乙镇", "", "没有的县", "乡镇"],
            ["丙镇", "X/1", county.code, "乡镇"], ["丁镇", "", county.code, "村"],
            ["戊镇", "", county.code, ""], ["戊镇", "", county.name, ""]]
    report = import_file("jurisdictions", write_csv(tmp_path / "j.csv", J_HEADER, rows))
    got = {(e.row, e.column) for e in report.errors}
    assert got == {(2, "上级辖区"), (3, "上级辖区"), (4, "辖区代码"), (5, "类型"), (7, "辖区名称")}
    assert not Jurisdiction.objects.filter(name="戊镇").exists()
