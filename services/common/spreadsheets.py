"""Reading and writing spreadsheets a row at a time: .xlsx (and .xls, .ods) and CSV in, .xlsx out.

Reading gives every cell as text, with the row number the user sees in Excel. CSV files are
decoded as UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text") or else GB18030,
which Chinese Excel writes. Writing uses XlsxWriter in constant-memory mode; text is always
written as a string, so a value such as "=HYPERLINK(...)" never becomes a formula.
"""

import codecs
import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import python_calamine
import xlsxwriter

from services.common.errors import Invalid

SAMPLE_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# A double holds 15 significant digits exactly; longer numbers are written as text.
EXACT_DIGITS = 15

Cell = str | int | Decimal | dt.date | bool | None


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(Excel row number, cells as stripped text) for every row of the file's first visible sheet."""
    with path.open("rb") as file:
        head = file.read(SAMPLE_BYTES)
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _workbook_rows(path)
    return _csv_rows(path, head)


def _workbook_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open("rb") as file:
            workbook = python_calamine.CalamineWorkbook.from_filelike(file)
    except python_calamine.CalamineError as exc:
        raise Invalid("file", f"无法读取该 Excel 文件 / cannot read this Excel file ({exc})") from None
    sheet = _first_visible_sheet(workbook)
    # python-calamine yields rows from the sheet's first row, so the index is Excel's row number - 1.
    for index, cells in enumerate(sheet.iter_rows()):
        yield index + 1, [cell_text(c) for c in cells]


def _first_visible_sheet(workbook):
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ == python_calamine.SheetTypeEnum.WorkSheet and meta.visible == python_calamine.SheetVisibleEnum.Visible:
            return workbook.get_sheet_by_index(index)
    raise Invalid("file", "文件中没有可见的工作表 / the file has no visible worksheet")


def cell_text(value) -> str:
    """A cell as the text it shows: whole numbers without ".0" (codes typed as numbers), dates as ISO."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise Invalid("file", "不是 CSV 或 Excel 文件 / the file is neither CSV nor Excel")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_rows(path: Path, head: bytes) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(head)
    number = 0
    with path.open(encoding=encoding, newline="") as file:
        try:
            first_line = file.readline()
            file.seek(0)
            delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
            for number, cells in enumerate(csv.reader(file, delimiter=delimiter), start=1):
                yield number, [c.strip() for c in cells]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise Invalid("file", f"文件第 {number + 1} 行无法按 {encoding} 读取 / line {number + 1} cannot be "
                                  f"read as {encoding} ({exc})") from None


def write_xlsx(path: Path, *, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]],
               widths: Sequence[int] = ()) -> int:
    """Writes one sheet row by row (constant memory); returns how many data rows it wrote."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_numbers": False, "strings_to_urls": False})
    try:
        worksheet = workbook.add_worksheet(sheet)
        formats = {"bold": workbook.add_format({"bold": True}), "money": workbook.add_format({"num_format": "0.00"})}
        for col, width in enumerate(widths):
            worksheet.set_column(col, col, width)
        for col, heading in enumerate(headers):
            worksheet.write_string(0, col, heading, formats["bold"])
        worksheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                _write_cell(worksheet, count, col, value, formats)
    finally:
        workbook.close()
    return count


def _write_cell(worksheet, row: int, col: int, value: Cell, formats: dict) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int) and len(str(abs(value))) <= EXACT_DIGITS:
        worksheet.write_number(row, col, value)
    elif isinstance(value, Decimal) and value.is_finite() and len(value.as_tuple().digits) <= EXACT_DIGITS:
        worksheet.write_number(row, col, float(value), formats["money"])
    elif isinstance(value, dt.date):
        worksheet.write_string(row, col, value.isoformat())
    else:
        worksheet.write_string(row, col, str(value))
