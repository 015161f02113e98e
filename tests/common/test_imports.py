"""The generic import machinery, without a database: reading, headings, the report, modes, safe writing."""

import datetime as dt
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from services.common.errors import Invalid
from services.common.imports import Column, ImportReport, Refusal, heading_key, run_import
from services.common.spreadsheets import detect_encoding, read_rows, write_xlsx

COLUMNS = (Column("code", "代码", required=True, max_length=4), Column("name", "名称", aliases=("村名",)),
           Column("note", "说明", read_only=True))


class Savepoint:
    def __init__(self):
        self.outcome = None

    def commit(self):
        self.outcome = "commit"

    def rollback(self):
        self.outcome = "rollback"


class FakeSession:
    def __init__(self):
        self.savepoint = Savepoint()

    def begin_nested(self):
        return self.savepoint


class Keeper:
    """Refuses a row whose code is "bad"; keeps the others, and counts a repeated code as unchanged."""

    columns = COLUMNS

    def __init__(self):
        self.applied = self.unchanged = 0
        self.kept: dict[str, dict] = {}

    def apply_rows(self, rows):
        refused = []
        for row in rows:
            if row.values["code"] == "bad":
                refused.append(Refusal.of(row, Invalid("code", "不对 / wrong")))
            elif row.values["code"] in self.kept:
                self.unchanged += 1
            else:
                self.kept[row.values["code"]] = row.values
                self.applied += 1
        return refused


def run(tmp_path, text: str, *, mode="all_or_nothing", dry_run=False, encoding="utf-8"):
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    session, keeper = FakeSession(), Keeper()
    report = run_import(session, path, keeper, ImportReport("test", "sha", mode, dry_run))
    return report, keeper, session.savepoint.outcome


class TestReading:
    @pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                        ("gb18030", "gb18030"), ("utf-16", "utf-16")])
    def test_encoding_is_detected(self, encoding, expected):
        assert detect_encoding("代码,名称\n1,灵水村\n".encode(encoding)) == expected

    def test_gb18030_and_utf16_tab_files_read_alike(self, tmp_path):
        for encoding, sep in (("gb18030", ","), ("utf-16", "\t")):
            path = tmp_path / f"{encoding}.csv"
            path.write_bytes(f"代码{sep}名称\r\n1{sep} 爨底下村 \r\n".encode(encoding))
            assert list(read_rows(path)) == [(1, ["代码", "名称"]), (2, ["1", "爨底下村"])]

    def test_binary_that_is_not_a_spreadsheet_is_refused(self, tmp_path):
        path = tmp_path / "x.pdf"
        path.write_bytes(b"%PDF-1.7\x00\x01")
        with pytest.raises(Invalid) as caught:
            list(read_rows(path))
        assert caught.value.field == "file"

    def test_xlsx_cells_read_as_the_text_they_show(self, tmp_path):
        workbook = openpyxl.Workbook()
        workbook.active.append(["代码", "日期", "金额"])
        workbook.active.append([110109104201, dt.date(2020, 1, 1), 520000.1])
        workbook.save(tmp_path / "a.xlsx")
        assert list(read_rows(tmp_path / "a.xlsx"))[1] == (2, ["110109104201", "2020-01-01", "520000.1"])

    def test_headings_ignore_case_brackets_and_spaces(self):
        assert heading_key(" 名称 (Name) ") == heading_key("名称name") == "名称name"


class TestDriver:
    def test_clean_file_is_applied_and_kept(self, tmp_path):
        report, keeper, outcome = run(tmp_path, "代码,名称\nA1,甲\nA2,乙\nA1,甲\n")
        assert (report.status, report.applied, report.unchanged, outcome) == ("applied", 2, 1, "commit")

    def test_errors_reject_everything_with_rows_as_excel_numbers_them(self, tmp_path):
        report, _, outcome = run(tmp_path, "代码,名称\nA1,甲\n\nbad,乙\nTOOLONG,丙\n,丁\nA3,\x07\n")
        assert (report.status, report.applied, outcome) == ("rejected", 0, "rollback")
        assert [(e.row, e.column, e.reason.split(" / ")[1]) for e in report.errors] == [
            (4, "代码(code)", "wrong"), (5, "代码(code)", "at most 4 characters"), (6, "代码(code)", "required"),
            (7, "名称(name)", "contains a control character")]
        assert (report.rows, report.clean_rows) == (5, 1)

    def test_clean_rows_mode_keeps_the_clean_ones(self, tmp_path):
        report, keeper, outcome = run(tmp_path, "代码,名称\nA1,甲\nbad,乙\n", mode="clean_rows")
        assert (report.status, report.applied, list(keeper.kept), outcome) == ("applied", 1, ["A1"], "commit")

    def test_dry_run_rolls_back(self, tmp_path):
        report, _, outcome = run(tmp_path, "代码,名称\nA1,甲\n", dry_run=True)
        assert (report.status, report.applied, outcome) == ("validated", 1, "rollback")

    def test_header_below_a_title_row_with_aliases_and_unknown_columns(self, tmp_path):
        report, keeper, _ = run(tmp_path, "2024年村名单,,\n序号,code,村名,说明(note)\n1,A1,甲,随便\n", encoding="gb18030")
        assert keeper.kept == {"A1": {"code": "A1", "name": "甲"}} and report.ignored_columns == ["序号"]

    def test_missing_or_repeated_columns_reject_the_file_even_in_clean_rows_mode(self, tmp_path):
        report, _, outcome = run(tmp_path, "名称,村名\n甲,乙\n", mode="clean_rows")
        assert report.status == "rejected" and outcome == "rollback"
        assert [(e.row, e.reason.split(" / ")[1]) for e in report.errors] == [
            (1, "the column appears twice"), (1, "required column is missing")]


class TestWriting:
    def test_text_is_never_a_formula_and_long_numbers_stay_exact(self, tmp_path):
        path = tmp_path / "out.xlsx"
        rows = [["=1+2", "+1", "-1", "@A1"], [Decimal("12345678901234567.89"), Decimal("1.50"), 7, dt.date(2020, 1, 2)]]
        assert write_xlsx(path, sheet="s", headers=["a", "b", "c", "d"], rows=iter(rows)) == 2
        with zipfile.ZipFile(path) as archive:
            assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
        sheet = openpyxl.load_workbook(path).active
        assert [c.value for c in sheet[2]] == ["=1+2", "+1", "-1", "@A1"]
        assert {c.data_type for c in sheet[2]} == {"s"}
        assert [c.value for c in sheet[3]] == ["12345678901234567.89", 1.5, 7, "2020-01-02"]
