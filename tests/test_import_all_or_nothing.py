"""All-or-nothing (issue 4 §4) at size: one bad row in 10,000 writes nothing, and neither does
a failure while writing — an exception in the last chunk, or a database constraint that a
concurrent change violates after the checks passed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from jianhui.imports import bulk
from jianhui.imports.kinds.members import MemberImporter
from jianhui.imports.models import ImportRecord
from jianhui.imports.samples import write_csv, write_xlsx
from jianhui.imports.services import import_file
from jianhui.lib.codes import make_id_number
from jianhui.unions.models import Member, OrganisationKind
from jianhui.unions.services import enrol, found_organisation

# Every import leaves the statistics' facts in step (conftest.facts_in_step).
pytestmark = pytest.mark.usefixtures("facts_in_step")

HEADER = ["姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期", "离会日期"]
D = dt.date
ROWS = 10_000
BAD_ROW = 7_777  # as the user sees it in Excel: the header is row 1


@pytest.fixture
def county(build):
    """Two covered enterprises; three members already in the first."""
    area = build.jurisdiction("全或无县")
    firms = []
    for name in ("甲公司", "乙公司"):
        e = build.enterprise(area, name=name, employees=20_000, founded_on=D(2015, 1, 1))
        found_organisation(name=f"{name}工会", kind=OrganisationKind.STANDALONE,
                           jurisdiction=area, founded_on=D(2020, 1, 1), enterprises=[e])
        firms.append(e)
    for n in range(3):
        enrol(name=f"老会员{n}", id_number=person(ROWS + n), enterprise=firms[0],
              joined_on=D(2021, 3, 1))
    return firms


def person(i: int) -> str:
    return make_id_number("510623", D(1960, 1, 1) + dt.timedelta(days=i // 400), i % 400 * 2 + 1)


def member_file(tmp_path, firm, rows: int = ROWS, suffix: str = ".csv"):
    """`rows` rows: new members, except the first, which renames an existing member."""
    data = [[f"会员{i}", person(i), f"139{i:08d}", firm.credit_code, "2023-05-06", ""]
            for i in range(rows)]
    data[0] = ["老会员改名", person(ROWS), "", firm.credit_code, "2021-03-01", ""]
    path = tmp_path / f"members{suffix}"
    return data, lambda: (write_xlsx if suffix == ".xlsx" else write_csv)(path, HEADER, data)


def snapshot() -> list[tuple]:
    return list(Member.objects.order_by("pk").values_list("pk", "name", "version", "left_on"))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_one_impossible_date_in_10000_rows_writes_nothing(tmp_path, county, suffix):
    before = snapshot()
    data, write = member_file(tmp_path, county[0], suffix=suffix)
    data[BAD_ROW - 2][4] = "2023-02-29"
    report = import_file("members", write(), user="tester")
    assert report.rows == ROWS
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (BAD_ROW, "入会日期", "2023-02-29")]
    assert "2023年没有2月29日" in report.errors[0].message
    assert snapshot() == before
    record = ImportRecord.objects.get(file_name=f"members{suffix}")
    assert (record.written, record.errors, record.rows) == (False, 1, ROWS)
    if suffix == ".xlsx":
        return
    # The same file with the date fixed goes in whole.
    data[BAD_ROW - 2][4] = "2023-03-01"
    fixed = import_file("members", write(), user="tester")
    assert (fixed.errors, fixed.created, fixed.updated) == ([], ROWS - 1, 1)
    assert Member.objects.count() == len(before) + ROWS - 1


def test_exception_in_the_last_chunk_writes_nothing(tmp_path, county, monkeypatch):
    before = snapshot()
    _, write = member_file(tmp_path, county[0])
    monkeypatch.setattr(bulk, "CHUNK", 1_000)  # nine chunks are sent before the failure
    original = MemberImporter._new_rows

    def failing(self):
        for n, row in enumerate(original(self), start=1):
            if n == ROWS - 1:  # the last new row (the first row of the file is an update)
                raise RuntimeError("disk on fire")
            yield row

    monkeypatch.setattr(MemberImporter, "_new_rows", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file("members", write(), user="tester")
    assert snapshot() == before  # the update that ran first is undone too


def test_constraint_violated_at_write_time_writes_nothing(tmp_path, county, monkeypatch):
    """Someone enrols a person of the file elsewhere after the checks: the database's own
    one-open-membership constraint stops the write at the file's last row."""
    data, write = member_file(tmp_path, county[0])
    enrol(name="会员9999", id_number=person(ROWS - 1), enterprise=county[1],
          joined_on=D(2022, 1, 1))
    before = snapshot()
    real = MemberImporter._existing
    monkeypatch.setattr(MemberImporter, "_existing", lambda self: [
        m for m in real(self) if m.id_number != person(ROWS - 1)])  # the check ran before
    report = import_file("members", write(), user="tester")
    assert len(report.errors) == 1 and report.errors[0].row == 0
    assert "已全部撤销，未写入任何数据" in report.errors[0].message
    assert not report.written
    assert snapshot() == before
    assert not ImportRecord.objects.get(file_name="members.csv").written


def test_dry_run_of_a_valid_file_writes_nothing(tmp_path, county):
    before = snapshot()
    _, write = member_file(tmp_path, county[0], rows=500)
    report = import_file("members", write(), dry_run=True, user="tester")
    assert (report.errors, report.created, report.updated) == ([], 499, 1)
    assert snapshot() == before
