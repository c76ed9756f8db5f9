"""Check a school's or vendor's data file against a published entity.

The file is read by ``readers`` (CSV in any of the encodings schools use, XLSX, JSON,
NDJSON), its headers are matched to fields by name or by 中文名, and the rows are validated
by Frictionless with the same code-list and identifier checks that ``validate`` uses. Each
finding keeps the row number the user sees in their editor.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from educat.core.model import Entity, FieldDef, Repo, Standard
from educat.tables.duckdb_engine import EngineUnsupported, run_checks
from educat.tables.identifiers import RULES
from educat.tables.readers import ENCODING_NAMES, ReadError, Table, guess_format, mixed_encoding, nul_error, quote_error, read_table
from educat.tables.messages import CODE_FIX, RULE_FIX, RULE_TYPES, CellProblem, cell_message, code_message, detect_encoding, rule_message

TYPE_TITLES = {
    "type-error": "类型错误",
    "constraint-error": "违反约束(必填、格式、范围等)",
    "code-error": "代码不在代码表中",
    "uscc-error": "统一社会信用代码错误",
    "id-card-error": "居民身份证号错误",
    "division-error": "行政区划代码错误",
    "school-code-error": "学校标识码错误",
    "unique-error": "应唯一的值重复",
    "primary-key": "主键重复或为空",
    "extra-label": "多余的列",
    "missing-label": "缺少必填列",
    "duplicate-label": "重复的列",
    "extra-cell": "多余的单元格",
    "missing-cell": "缺少单元格",
    "blank-row": "空行",
    "file-error": "文件无法读取",
    "no-data": "没有数据行",
}


class CheckError(Exception):
    """The check cannot start: unknown standard or entity."""


@dataclass(frozen=True)
class Finding(CellProblem):
    """A table finding with the field's 中文名 and the offending value, for people."""

    title: str = ""
    value: object = None

    def to_dict(self) -> dict:
        data = {"row": self.row, "field": self.field or None, "title": self.title or None, "value": self.value, "type": self.type, "message": self.message, "note": self.note}
        return {k: v for k, v in data.items() if v not in (None, "")}


NO_DATA = Finding(1, "", "no-data", "文件只有表头,没有数据行", "确认导出时选中了数据;空文件无须检查")


@dataclass
class CheckReport:
    path: Path
    standard: Standard
    entity: Entity
    table: Table | None = None
    findings: list[Finding] = field(default_factory=list)  # listed findings (capped by the fast engine)
    mapping: dict[str, str] = field(default_factory=dict)  # header label -> field name
    totals: Counter | None = None  # exact counts by type when ``findings`` is capped
    row_count: int | None = None
    format: str = ""
    encoding: str = ""
    engine: str = "frictionless"

    @property
    def counts(self) -> Counter:
        return self.totals if self.totals is not None else Counter(f.type for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(self.counts.values())

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def rows(self) -> int:
        if self.row_count is not None:
            return self.row_count
        return len(self.table.rows) if self.table else 0

    def to_dict(self, limit: int | None = None) -> dict:
        shown = self.findings if limit is None else self.findings[:limit]
        return {
            "valid": self.valid,
            "file": str(self.path),
            "format": self.format or (self.table.format if self.table else None),
            "encoding": self.encoding or (self.table.encoding if self.table else None),
            "standard": self.standard.ref,
            "entity": self.entity.name,
            "rows": self.rows,
            "errors": self.errors,
            "counts": dict(sorted(self.counts.items())),
            "findings": [f.to_dict() for f in shown],
            "truncated": len(shown) < self.errors,
        }


def find_entity(repo: Repo, spec: str, entity_name: str) -> tuple[Standard, Entity]:
    """Resolve ``slug`` or ``slug@version`` and an entity name, with helpful errors."""
    slug, _, version = spec.partition("@")
    if slug not in repo.standards:
        raise CheckError(f"找不到标准 “{slug}”;已有:{'、'.join(sorted(repo.standards))}")
    std = repo.standard(slug, version or None)
    if std is None:
        raise CheckError(f"标准 {slug} 没有版本 {version};已有:{'、'.join(sorted(repo.standards[slug]))}")
    if entity_name not in std.entities:
        raise CheckError(f"标准 {std.ref} 中没有实体 “{entity_name}”;已有:{'、'.join(std.entities)}")
    return std, std.entities[entity_name]


def match_header(header: list[str], fields: list[FieldDef]) -> tuple[dict[int, FieldDef], list[Finding]]:
    """Columns matched to fields by name or 中文名; unknown, duplicate and missing columns reported."""
    by_label = {}
    for f in fields:
        by_label.setdefault(f.name, f)
        by_label.setdefault(f.title, f)
        by_label.setdefault(f.name.lower(), f)
    columns: dict[int, FieldDef] = {}
    findings = []
    seen: dict[str, int] = {}
    for index, label in enumerate(header):
        label = str(label).strip().lstrip("\ufeff")
        f = by_label.get(label) or by_label.get(label.lower())
        if f is None:
            findings.append(Finding(1, "", "extra-label", f"第 {index + 1} 列的表头 “{label}” 不是该实体的字段名或中文名", "删除该列,或改成字段字典中的字段名/中文名", title=label, value=label))
            continue
        if f.name in seen:
            findings.append(Finding(1, f.name, "duplicate-label", f"第 {index + 1} 列与第 {seen[f.name] + 1} 列都是字段 {f.name}({f.title})", "删除重复的列", title=f.title, value=label))
            continue
        seen[f.name] = index
        columns[index] = f
    for f in fields:
        if f.required and f.name not in seen:
            findings.append(Finding(1, f.name, "missing-label", f"缺少必填字段 {f.name}({f.title})的列", f"添加表头为 “{f.title}” 或 “{f.name}” 的列", title=f.title))
    return columns, findings


def check_table(table: Table, std: Standard, entity: Entity, repo: Repo) -> tuple[list[Finding], dict[str, str]]:
    columns, findings = match_header(table.header, entity.fields)
    fields = [columns[i] for i in sorted(columns)]
    order = sorted(columns)
    data: list[list] = [[f.name for f in fields]]
    for cells in table.rows:
        row = [cells[i] if i < len(cells) else "" for i in order]
        extra = [c for i, c in enumerate(cells) if i >= len(table.header) and c not in ("", None)]
        data.append(row + extra)
    codelists = repo.field_codelists(fields, std)
    from educat.tables.frictionless_check import validate_table  # Frictionless loads only when this path runs

    problems, _ = validate_table(fields, codelists, rows=data, primary_key=_present_key(entity, fields))
    titles = {f.name: f.title for f in fields}
    for p in problems:
        index = (p.row or 0) - 2
        row = table.row_numbers[index] if 0 <= index < len(table.row_numbers) else p.row
        value = None
        if 0 <= index < len(data) - 1 and p.field in data[0]:
            cells = data[index + 1]
            position = data[0].index(p.field)
            value = cells[position] if position < len(cells) else None
        findings.append(Finding(row, p.field, p.type, p.message, p.note, title=titles.get(p.field, ""), value=value))
    findings.sort(key=lambda f: (f.row or 0, order_of(f.field, fields), f.type))
    mapping = {str(table.header[i]): columns[i].name for i in order}
    return findings, mapping


def order_of(name: str, fields: list[FieldDef]) -> int:
    return next((i for i, f in enumerate(fields) if f.name == name), -1)


def _present_key(entity: Entity, fields: list[FieldDef]):
    key = entity.descriptor.get("primaryKey")
    keys = [key] if isinstance(key, str) else list(key or [])
    names = {f.name for f in fields}
    return keys if keys and all(k in names for k in keys) else None


def check_file(
    path: Path,
    repo: Repo,
    standard: str,
    entity_name: str,
    *,
    encoding: str | None = None,
    engine: str = "auto",
    limit: int | None = None,
    progress=None,
) -> CheckReport:
    """Check a data file. CSV goes to the DuckDB engine unless ``engine="frictionless"``; a CSV
    DuckDB cannot read (e.g. ragged rows) falls back to Frictionless under ``engine="auto"``."""
    std, entity = find_entity(repo, standard, entity_name)
    report = CheckReport(Path(path), std, entity)
    try:
        fmt = guess_format(Path(path))
    except ReadError as exc:
        report.findings.append(Finding(exc.row, "", "file-error", exc.message, exc.note))
        return report
    if fmt == "csv" and engine != "frictionless":
        try:
            return fast_check(report, repo, encoding, limit, progress)
        except EngineUnsupported:
            if engine == "duckdb":
                raise
        except ReadError as exc:
            report.findings.append(Finding(exc.row, "", "file-error", exc.message, exc.note))
            return report
    try:
        report.table = read_table(Path(path), encoding)
    except ReadError as exc:
        report.findings.append(Finding(exc.row, "", "file-error", exc.message, exc.note))
        return report
    report.findings, report.mapping = check_table(report.table, std, entity, repo)
    report.format, report.encoding = report.table.format, report.table.encoding
    if not report.table.rows:
        report.findings.append(NO_DATA)
    return report


def fast_check(report: CheckReport, repo: Repo, encoding: str | None, limit: int | None, progress) -> CheckReport:
    std, entity = report.standard, report.entity
    header, used = read_csv_header(report.path, encoding)
    damage = scan_damage(report.path, used)
    if damage is not None:
        raise damage
    columns, label_findings = match_header(header, entity.fields)
    fields = [columns[i] for i in sorted(columns)]
    codelists = repo.field_codelists(fields, std)
    result = run_checks(report.path, columns, len(header), codelists, _present_key(entity, fields), encoding=used, limit=limit, progress=progress)
    titles = {f.name: f.title for f in entity.fields}
    listed = [engine_finding(row, name, kind, rule, value, titles, codelists, columns) for row, name, kind, rule, value in result.findings]
    report.findings = label_findings + listed
    report.totals = Counter(f.type for f in label_findings) + result.counts
    report.row_count, report.format, report.encoding, report.engine = result.rows, "csv", used, "duckdb"
    if not result.rows:
        report.findings.append(NO_DATA)
        report.totals["no-data"] += 1
    report.mapping = {str(header[i]): columns[i].name for i in sorted(columns)}
    return report


def scan_damage(path: Path, encoding: str, window: int = 1 << 26) -> ReadError | None:
    """Damage DuckDB would read through: NUL bytes, an unclosed quote, and for GBK files a
    UTF-8 part. The file is memory-mapped 64 MB at a time (so resident memory stays at one
    window) and searched with memchr; quotes are counted only in windows that hold one, and
    line numbers only when something is found."""
    quotes, last_quote = 0, -1
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        for offset in range(0, size, window):
            with mmap.mmap(handle.fileno(), min(window, size - offset), offset=offset, access=mmap.ACCESS_READ) as data:
                nul = data.find(b"\x00")
                if nul >= 0:
                    return nul_error(line_at(path, offset + nul))
                if data.find(b'"') >= 0:
                    quotes += data[:].count(b'"')
                    last_quote = offset + data.rfind(b'"')
    if quotes % 2:
        return quote_error(line_at(path, last_quote))
    if encoding == "gb18030" and size <= 1 << 26:  # larger GBK files are not scanned for a UTF-8 part
        return mixed_encoding(path.read_bytes())
    return None


def line_at(path: Path, position: int, chunk: int = 1 << 24) -> int:
    """The 1-based line of a byte position, counted as a stream."""
    lines = 1
    with path.open("rb") as handle:
        while position > 0 and (block := handle.read(min(chunk, position))):
            lines += block.count(b"\n")
            position -= len(block)
    return lines


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
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode(used)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(f"无法按 {used} 解码表头", 1, "去掉 --encoding 让程序自动识别,或换成正确的编码") from None
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    if not header or not any(h.strip() for h in header):
        raise ReadError("文件为空,或第一行(表头)为空", 1, "第一行应为字段名或中文名")
    return [h.strip() for h in header], used


def engine_finding(row, name, kind, rule, value, titles, codelists, columns) -> Finding:
    """A Chinese message for a finding of the SQL engine, worded like the Frictionless path."""
    if kind == "code-error":
        codelist = codelists.get(name)
        message, note = (code_message(codelist, value) if codelist else f"“{value}” 不是代码表中的代码"), CODE_FIX
    elif kind in RULE_TYPES:
        message, note = (rule_message(rule, value) if rule in RULES else f"“{value}”"), RULE_FIX
    else:
        f = next((c for c in columns.values() if c.name == name), None)
        limit = (f.constraints if f else {}).get(rule)
        message, note = cell_message(kind, rule, value, limit)
    return Finding(row, name or "", kind, message, note, title=titles.get(name, ""), value=value)


def render_text(report: CheckReport, limit: int | None = None) -> str:
    table = report.table
    lines = []
    what = f"{report.standard.title} {report.standard.version} / {report.entity.title}({report.entity.name})"
    if report.format:
        kind = report.format.upper() + (f",{ENCODING_NAMES.get(report.encoding, report.encoding)}" if report.format == "csv" else "")
        if table is not None and table.sheet:
            kind += f",工作表 “{table.sheet}”"
        lines.append(f"检查 {report.path.name}({kind},{report.rows} 行数据)是否符合 {what}")
    shown = report.findings if limit is None else report.findings[:limit]
    for f in shown:
        where = f"{report.path.name}:{f.row}" if f.row else report.path.name
        field = f" 字段 {f.field}({f.title})" if f.field and f.title and f.title != f.field else (f" 字段 {f.field}" if f.field else "")
        lines.append(f"{where}{field}: [{f.type}] {f.message}")
        if f.note:
            lines.append(f"    → {f.note}")
    if len(shown) < report.errors:
        lines.append(f"…… 另有 {report.errors - len(shown)} 个错误未列出(--limit {limit}),下面的统计包括全部错误。")
    if report.valid:
        lines.append("通过:没有发现错误。")
    else:
        lines.append(f"不通过:共 {report.errors} 个错误。")
        for kind, n in sorted(report.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {kind}({TYPE_TITLES.get(kind, kind)}):{n}")
    return "\n".join(lines)
