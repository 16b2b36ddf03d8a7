"""`jianhui import`: the --json contract, exit codes, the import record, and a hand-built county
imported file by file whose statistics are known by hand."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from jianhui import statistics
from jianhui.cli import main
from jianhui.imports.models import ImportRecord
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.lib.codes import make_credit_code, make_id_number
from jianhui.regions.models import Jurisdiction

KEYS = {"kind", "file", "rows", "created", "updated", "unchanged", "errors", "warnings",
        "error_total", "warning_total"}
ISSUE_KEYS = {"row", "column", "value", "message"}


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def code(n: int) -> str:
    return make_credit_code(f"91777777MA{n:07d}")


def idn(n: int) -> str:
    return make_id_number("110101", dt.date(1960, 1, 1), n * 2 + 1)


def county_files(tmp_path):
    j = write_xlsx(tmp_path / "j.xlsx", ["辖区名称*", "辖区代码", "上级辖区*", "类型"], [
        ["样例县", "770001", "", "县"], ["东镇", "770001101", "770001", "乡镇"],
        ["西园区", "770001P01", "样例县", "园区"]], title="辖区表")
    e = write_csv(tmp_path / "e.csv", ["企业名称", "统一社会信用代码", "所属辖区", "职工人数",
                                       "成立日期", "注销日期", "经营状态"], [
        ["甲", code(1), "东镇", 100, "2020-01-01", "", "在营"],
        ["乙", code(2), "东镇", 30, "2020-01-01", "", ""],
        ["丙", code(3), "770001P01", 10, "2020-01-01", "", ""],
        ["丁", code(4), "西园区", 5, "2020-01-01", "", "歇业"],
        ["戊", code(5), "西园区", 7, "2020-01-01", "2023-01-01", "注销"],
        ["己", code(6), "西园区", 8, "2025-01-01", "", ""]], encoding="gb18030")
    u = write_xlsx(tmp_path / "u.xlsx", ["工会名称", "组织类型", "所属辖区", "成立日期",
                                         "覆盖企业信用代码"], [
        ["甲工会", "基层工会委员会", "东镇", "2021-01-01", code(1)],
        ["西园区工会联合会", "工会联合会", "西园区", "2021-01-01", f"{code(3)};{code(4)}"]])
    m = write_csv(tmp_path / "m.csv", ["姓名", "身份证号码", "手机", "企业信用代码", "入会时间",
                                       "离会日期"], [
        ["会员1", idn(1), "", code(1), "2021-02-01", ""],
        ["会员2", idn(2), "", code(1), "2021-02-01", ""],
        ["会员3", idn(3), "", code(1), "2021-02-01", "2022-01-01"],
        ["会员4", idn(4), "", code(3), "2024-01-05", ""],
        ["会员5", idn(5), "", code(4), "2021-03-01", ""]])
    return j, e, u, m


def test_county_imported_file_by_file_gives_the_expected_statistics(tmp_path, db):
    get_user_model().objects.create_superuser("tester", password=None)
    j, e, u, m = county_files(tmp_path)
    for kind, path in (("jurisdictions", j), ("enterprises", e), ("unions", u), ("members", m)):
        status, out, err = cli(kind, str(path), "--json", "--user", "tester")
        assert status == 0, out
        assert json.loads(out)["errors"] == []
    root = Jurisdiction.objects.get(code="770001")
    f = statistics.totals(dt.date(2024, 6, 1), root)
    assert (f.enterprises, f.unionized, f.standalone, f.covered) == (4, 3, 1, 2)
    assert (f.standalone_unions, f.federations, f.joint_unions) == (1, 1, 0)
    assert (f.employees, f.employees_unionized, f.members) == (145, 115, 4)
    f22 = statistics.totals(dt.date(2021, 6, 1), root)
    assert (f22.enterprises, f22.unionized, f22.members) == (5, 3, 4)
    assert ImportRecord.objects.filter(user="tester", written=True).count() == 4


def test_json_shape_stdout_only_json_and_exit_codes(tmp_path, db):
    j, e, *_ = county_files(tmp_path)
    status, out, err = cli("jurisdictions", str(j), "--json")
    data = json.loads(out)
    assert status == 0 and set(data) == KEYS and data["kind"] == "jurisdictions"
    assert (data["file"], data["rows"], data["created"]) == ("j.xlsx", 3, 3)
    assert "导入完成" in err
    bad = write_csv(tmp_path / "bad.csv", ["企业名称", "统一社会信用代码", "所属辖区", "职工人数"],
                    [["甲", code(1), "东镇", "很多"], ["乙", code(2), "北镇", 3]])
    status, out, err = cli("enterprises", str(bad), "--json")
    data = json.loads(out)
    assert status == 1 and set(data) == KEYS and len(data["errors"]) == 2
    assert all(set(i) == ISSUE_KEYS for i in data["errors"])
    assert data["errors"][0] == {"row": 2, "column": "职工人数", "value": "很多",
                                 "message": data["errors"][0]["message"]}
    assert "未写入任何数据" in err


def test_unknown_user_is_refused_with_a_non_zero_exit(tmp_path, db, capsys, monkeypatch):
    """A mistyped --user must not import with the whole county as scope."""
    j, *_ = county_files(tmp_path)
    # As on the command line (run_from_argv), which closes the connections when it ends: here
    # that would close the test's own transaction (PostgreSQL).
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        main(["import", "jurisdictions", str(j), "--user", "nobody"])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "没有用户名为“nobody”的用户" in err and "CommandError" not in err
    assert not Jurisdiction.objects.filter(code="770001").exists()
    assert not ImportRecord.objects.exists()


def test_dry_run_exit_code_and_record(tmp_path, db):
    j, *_ = county_files(tmp_path)
    status, out, err = cli("jurisdictions", str(j), "--dry-run")
    assert status == 0 and out == "" and "试运行" in err
    assert not Jurisdiction.objects.filter(code="770001").exists()
    record = ImportRecord.objects.latest("started_at")
    assert record.dry_run and not record.written and record.created == 3
    assert record.user  # the operating-system user


def test_missing_column_and_unreadable_file(tmp_path, db):
    path = write_csv(tmp_path / "m.csv", ["姓名", "身份证号"], [["甲", idn(1)]])
    status, out, _ = cli("members", str(path), "--json")
    errors = json.loads(out)["errors"]
    assert status == 1 and {e["column"] for e in errors} == {"所在企业信用代码", "入会日期"}
    assert all(e["row"] == 1 for e in errors)
    other = tmp_path / "m.txt"
    other.write_text("x")
    status, out, _ = cli("members", str(other), "--json")
    assert status == 1 and "不支持的文件类型" in json.loads(out)["errors"][0]["message"]


@pytest.mark.parametrize("mode", ["create", "update"])
def test_modes_from_the_cli(tmp_path, db, mode):
    j, *_ = county_files(tmp_path)
    cli("jurisdictions", str(j))
    status, out, _ = cli("jurisdictions", str(j), "--mode", mode, "--json")
    data = json.loads(out)
    assert (status, data["unchanged"]) == ((1, 0) if mode == "create" else (0, 3))
