"""Read the tables schools and vendors send: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), XLSX,
JSON and NDJSON, into a header and rows that keep the row numbers the user sees.

For CSV and XLSX the row number is the spreadsheet row (header = row 1); for NDJSON it is
the line; for a JSON array it is the record's position + 1, so the first record is row 2
like in a spreadsheet with a header.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from educat.core import jsonio
from educat.core.findings import Finding
from educat.core.paths import not_regular

FORMATS = ("csv", "xlsx", "json", "ndjson")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8(带 BOM)", "gb18030": "GB18030/GBK"}
DATA_SHEET = "数据"


class ReadError(Exception):
    """The file cannot be read as a table. ``row`` is where, when known."""

    def __init__(self, message: str, row: int | None = None, note: str = ""):
        super().__init__(message)
        self.message, self.row, self.note = message, row, note


@dataclass
class Table:
    format: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    encoding: str = ""
    sheet: str = ""
    header_row: int = 1


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "ndjson"
    if suffix in FORMATS:
        return suffix
    if suffix in ("xls", "et"):
        raise ReadError(f"不支持旧版 Excel 格式 .{suffix}", note="请在 Excel/WPS 中另存为 .xlsx 或 CSV UTF-8")
    raise ReadError(f"无法识别的文件类型 “{path.suffix or '无扩展名'}”", note="支持 .csv、.xlsx、.json、.ndjson/.jsonl")


def read_table(path: Path, encoding: str | None = None, fmt: str | None = None) -> Table:
    fmt = fmt or guess_format(path)
    why = not_regular(path)
    if why:
        raise ReadError(why, note="检查的应是 CSV、XLSX、JSON 或 NDJSON 文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取文件:{exc.strerror}") from None
    if fmt == "csv":
        return _read_csv(data, encoding)
    if fmt == "xlsx":
        return _read_xlsx(data)
    if fmt == "json":
        return _read_json(data)
    if fmt == "ndjson":
        return _read_ndjson(data)
    raise ReadError(f"不支持的格式 {fmt}")


def nul_error(row: int | None) -> ReadError:
    return ReadError("文件中含有 NUL 字符,不是文本 CSV", row, "确认这是 CSV 文本文件,而不是改了扩展名的其他文件")


def quote_error(row: int | None) -> ReadError:
    return ReadError("双引号不成对:某个以 \" 开头的单元格没有结束,其后的内容都被当成了同一个单元格", row, "检查该行附近的引号;单元格内的引号要写成两个 \"\"")


def structural_problem(data: bytes) -> ReadError | None:
    """Damage that makes a CSV unreadable as rows: NUL bytes, or a quote that is never closed."""
    if b"\x00" in data:
        return nul_error(data[: data.index(b"\x00")].count(b"\n") + 1)
    if data.count(b'"') % 2:
        return quote_error(data[: data.rindex(b'"')].count(b"\n") + 1)
    return None


def mixed_encoding(data: bytes) -> ReadError | None:
    """UTF-8 Chinese followed by bytes that are not UTF-8: two encodings in one file."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        # whole lines of UTF-8 Chinese before the line that breaks: a GBK file never has those
        prefix = data[: data.rfind(b"\n", 0, exc.start) + 1].decode("utf-8")
        if sum(1 for ch in prefix if "\u4e00" <= ch <= "\u9fff") >= 2:
            row = prefix.count("\n") + 1
            return ReadError(f"文件混用了 UTF-8 和 GB18030/GBK 两种编码(第 {row} 行起不再是 UTF-8)", row, "用同一种编码重新导出整个文件,推荐“CSV UTF-8”")
    return None


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            row = data[: getattr(exc, "start", 0)].count(b"\n") + 1 if isinstance(exc, UnicodeDecodeError) else None
            raise ReadError(f"无法按 {encoding} 解码", row, "去掉 --encoding 让程序自动识别,或换成正确的编码") from None
    detected = detect_encoding(data)
    mixed = mixed_encoding(data) if detected == "gb18030" else None
    if mixed is not None:
        raise mixed
    if not detected:
        raise ReadError("文件既不是 UTF-8 也不是 GB18030/GBK 文本,可能是二进制文件或已损坏", 1, "确认这是 CSV 文本文件;Excel 文件请保存为 .xlsx")
    return data.decode(detected), detected


csv.field_size_limit(64 * 1024 * 1024)  # a long text cell is a constraint problem, not a crash


def _read_csv(data: bytes, encoding: str | None) -> Table:
    damage = structural_problem(data)
    if damage is not None:
        raise damage
    text, used = _decode(data, encoding)
    if "\x00" in text:
        raise ReadError("文件中含有 NUL 字符,不是文本 CSV", 1, "确认这是 CSV 文本文件")
    reader = csv.reader(io.StringIO(text, newline=""))
    table = Table("csv", [], encoding=used)
    try:
        for number, cells in enumerate(reader, start=1):
            if not table.header and number == 1:
                table.header = [c.strip() for c in cells]
                continue
            table.rows.append(cells)
            table.row_numbers.append(number)
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误:{exc}", reader.line_num, "检查引号是否成对;含逗号或换行的单元格要用双引号括起来") from None
    if not table.header or not any(table.header):
        raise ReadError("文件为空,或第一行(表头)为空", 1, "第一行应为字段名或中文名")
    return table


def _cell_text(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)  # never trimmed: " a" is not "a" (Frictionless reads it as it is)


# An XLSX is read whole into memory (merged cells and formulas are checked), so its size is
# bounded: past this many rows, save it as CSV, which is streamed with no limit.
MAX_XLSX_ROWS = 200_000


def _count_rows(data: bytes, load_workbook) -> int:
    """Rows of the largest sheet, counted by streaming (read-only mode), stopping past the limit."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        most = 0
        for sheet in book.worksheets:
            count = 0
            for _ in sheet.iter_rows(values_only=True):
                count += 1
                if count > MAX_XLSX_ROWS:
                    break
            most = max(most, count)
        return most
    finally:
        book.close()


def _broken_part(data: bytes) -> str | None:
    """Which XML part of a workbook that openpyxl could not read is broken, and how: a DTD or
    entity declaration (refused by defusedxml, never expanded) or a parse error with its line
    and column. Run only after a failure, so a good workbook is parsed once."""
    import zipfile

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, parse

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return "它不是 ZIP 压缩包(.xlsx 实为 ZIP),可能只是改了扩展名"
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(info) as part:
                    parse(part, forbid_dtd=True)
            except DefusedXmlException:
                return f"XML 部件 {info.filename} 含有 DOCTYPE 或实体声明(可用于“实体膨胀”攻击,Excel 从不写这些),已拒绝读取;XML 由 defusedxml 解析,实体从不展开"
            except ParseError as exc:
                line, column = getattr(exc, "position", (0, 0))
                return f"XML 部件 {info.filename} 第 {line} 行第 {column} 列无法解析(文件截断或损坏)"
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                return f"压缩包中的 {info.filename} 无法解压({exc})"
    return None


def _read_xlsx(data: bytes) -> Table:
    import zipfile

    from openpyxl import load_workbook  # parses the XML parts with defusedxml (a dependency): no entity expansion

    try:
        rows = _count_rows(data, load_workbook)
        if rows > MAX_XLSX_ROWS:
            raise ReadError(f"工作表有超过 {MAX_XLSX_ROWS:,} 行,超出 XLSX 检查的上限", MAX_XLSX_ROWS + 1, "在 Excel/WPS 中另存为 CSV UTF-8 再检查:CSV 没有行数上限,检查也快得多")
        book = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any XML part of an untrusted workbook may be broken
        broken = _broken_part(data)
        if broken:
            raise ReadError(f"不是有效的 XLSX 文件:{broken}", 1, "用 Excel/WPS 重新另存为 .xlsx") from None
        if isinstance(exc, (zipfile.BadZipFile, KeyError, ValueError, OSError)):
            raise ReadError(f"不是有效的 XLSX 文件:{exc}", 1, "用 Excel/WPS 重新另存为 .xlsx") from None
        raise ReadError(f"不是有效的 XLSX 文件:其中的 XML 无法解析({type(exc).__name__})", 1, "用 Excel/WPS 重新另存为 .xlsx") from None
    if DATA_SHEET not in book.sheetnames and len(book.worksheets) > 1:
        names = "、".join(book.sheetnames)
        raise ReadError(f"工作簿有多个工作表({names}),不知道检查哪一个", note=f"把数据放在名为“{DATA_SHEET}”的工作表中,或删除其他工作表")
    sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
    for row in formulas[sheet.title].iter_rows():
        for cell in row:
            if cell.data_type == "f":
                raise ReadError(f"单元格 {cell.coordinate} 是公式({cell.value}),检查的是原始数据", cell.row, "复制后“选择性粘贴 → 数值”,把公式换成值再检查")
    merged = list(sheet.merged_cells.ranges)
    if merged:
        first = merged[0]
        raise ReadError(f"工作表 “{sheet.title}” 含有合并单元格 {first.coord}", first.min_row, "取消合并单元格,每个单元格只填一个值")
    table = Table("xlsx", [], sheet=sheet.title)
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if not table.header:
            if not cells:
                continue
            table.header = [str(c) for c in cells]
            table.header_row = number
            continue
        if not cells:
            continue  # Excel keeps formatted but empty rows; they are not data
        table.rows.append(cells)
        table.row_numbers.append(number)
    if not table.header:
        raise ReadError(f"工作表 “{sheet.title}” 是空的", 1, "第一行应为字段名或中文名")
    return table


def _records_table(fmt: str, records: list[tuple[int, object]]) -> Table:
    header: list[str] = []
    for _, record in records:
        for key in record:
            if key not in header:
                header.append(str(key))
    table = Table(fmt, header, encoding="utf-8")
    for number, record in records:
        table.rows.append([record.get(key) for key in header])
        table.row_numbers.append(number)
    return table


MAX_JSON_DEPTH = 64  # records are flat; a deeper document is refused before anything walks it


def json_depth(value) -> int:
    """How deeply lists and objects nest in a decoded JSON value (iteratively, no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting(text: str) -> int:
    """How deeply brackets nest in JSON text (strings skipped), without parsing it."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_DEPTH.__getitem__, brackets)), default=0)


def load_json(text: str):
    """``json.loads`` with a nesting limit: ValueError (in Chinese) when the document nests
    deeper than MAX_JSON_DEPTH, including documents too deep for the parser itself."""
    if nesting(text) > MAX_JSON_DEPTH:  # before parsing: a deep document can exhaust a small C stack (the browser's)
        raise ValueError(f"JSON 嵌套层数过多(超过 {MAX_JSON_DEPTH} 层)")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON 嵌套层数过多(超过 {MAX_JSON_DEPTH} 层)") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON 嵌套层数过多(超过 {MAX_JSON_DEPTH} 层)")
    return value


def _read_json(data: bytes) -> Table:
    text, _ = _decode(data, None)
    try:
        payload = load_json(text)
    except json.JSONDecodeError as exc:
        reason, fix = jsonio.explain(exc)
        raise ReadError(f"JSON 格式错误(第 {exc.lineno} 行第 {exc.colno} 列):{reason}", exc.lineno, fix) from None
    except ValueError as exc:
        raise ReadError(str(exc), 1, "数据记录应是扁平的对象数组") from None
    if isinstance(payload, dict):
        lists = [v for v in payload.values() if isinstance(v, list)]
        if len(lists) == 1:
            payload = lists[0]
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise ReadError("JSON 应为对象数组 [{…}, {…}],或只含一个这种数组的对象", 1)
    return _records_table("json", [(i + 2, r) for i, r in enumerate(payload)])


def _read_ndjson(data: bytes) -> Table:
    text, _ = _decode(data, None)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = load_json(line)
        except json.JSONDecodeError as exc:
            reason, fix = jsonio.explain(exc)
            raise ReadError(f"第 {number} 行第 {exc.colno} 列不是有效的 JSON:{reason}", number, f"{fix};NDJSON 每行一个 JSON 对象") from None
        except ValueError as exc:
            raise ReadError(f"第 {number} 行:{exc}", number, "数据记录应是扁平的 JSON 对象") from None
        if not isinstance(record, dict):
            raise ReadError(f"第 {number} 行应是一个 JSON 对象 {{…}}", number)
        records.append((number, record))
    return _records_table("ndjson", records)


# -- encodings and damage, found before a file is parsed ---------------------------------------
def detect_encoding(data: bytes) -> str:
    """'utf-8-sig' (BOM), 'utf-8', 'gb18030' or '' when the bytes are none of these."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return ""


def utf8_encoding(path: Path) -> tuple[str, Finding | None]:
    """The UTF-8 flavour of a CSV, or a clear problem when a file that must be UTF-8 is not."""
    data = path.read_bytes()
    encoding = detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        return encoding, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
    if encoding == "gb18030":
        return "", Finding(row=row, field="", type="encoding-error", message="文件是 GB18030/GBK 编码,仓库中的数据文件必须是 UTF-8", note="用 Excel“另存为 → CSV UTF-8”或 iconv -f GB18030 -t UTF-8 转换后再提交")
    return "", Finding(row=row, field="", type="encoding-error", message="文件不是文本 CSV(无法按 UTF-8 或 GB18030 解码),可能是二进制文件或已损坏", note="确认上传的是 CSV 文本文件,而不是改了扩展名的 Excel 或其他文件")


def read_csv_header(path: Path, encoding: str | None) -> tuple[list[str], str]:
    """The header row and the encoding, reading only the start of the file."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if not head.strip(b"\xef\xbb\xbf\r\n "):
        raise ReadError("文件为空,或第一行(表头)为空", 1, "第一行应为字段名或中文名")
    # the 64 KB sample may end inside a multi-byte character: allow up to 3 bytes to be cut
    candidates = [detect_encoding(head[: len(head) - k]) for k in range(4)]
    used = encoding or next((e for e in candidates if e in ("utf-8", "utf-8-sig")), next((e for e in candidates if e), ""))
    if not used:
        raise ReadError("文件既不是 UTF-8 也不是 GB18030/GBK 文本,可能是二进制文件或已损坏", 1, "确认这是 CSV 文本文件;Excel 文件请保存为 .xlsx")
    try:
        text = codecs.getincrementaldecoder(used)(errors="strict").decode(head)  # a character cut at the end is held back
    except (UnicodeDecodeError, LookupError):
        raise ReadError(f"无法按 {used} 解码表头", 1, "去掉 --encoding 让程序自动识别,或换成正确的编码") from None
    # the first record, whatever the line ending (LF, CRLF, or CR alone as old Mac Excel writes)
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")), [])
    if not header or not any(h.strip() for h in header):
        raise ReadError("文件为空,或第一行(表头)为空", 1, "第一行应为字段名或中文名")
    return [h.strip() for h in header], used
