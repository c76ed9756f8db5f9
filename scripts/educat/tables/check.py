"""Check a school's or vendor's data file against a published entity.

The file is read by ``readers`` (CSV in any of the encodings schools use, XLSX, JSON,
NDJSON), its headers are matched to fields by name or by 中文名, and the rows are validated
by Frictionless with the same code-list and identifier checks that ``validate`` uses. Each
finding keeps the row number the user sees in their editor.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from educat.core.findings import Finding, Result, cell_address, column_letters
from educat.core.model import Entity, FieldDef, Repo, Standard, level_word
from educat.core.paths import not_regular
from educat.tables.duckdb_engine import EngineUnsupported, run_checks
from educat.tables.identifiers import RULES
from educat.tables.messages import RULE_FIX, RULE_TYPES, cell_message, code_fix, code_message, rule_message
from educat.tables.readers import ENCODING_NAMES, ReadError, Table, guess_format, read_csv_header, read_table
from educat.tables.scan import irregular_lines, odd_quote, scan_damage

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
    "blank-label": "没有表头的列",
    "extra-cell": "多余的单元格",
    "missing-cell": "缺少单元格",
    "blank-row": "空行",
    "file-error": "文件无法读取",
    "no-data": "没有数据行",
}


class CheckError(Exception):
    """The check cannot start: unknown standard or entity."""


NO_DATA = Finding(row=1, type="no-data", message="文件只有表头,没有数据行", note="确认导出时选中了数据;空文件无须检查")


@dataclass
class CheckReport(Result):
    """What ``educat check`` found in one file. ``findings`` may list fewer than ``totals``
    counts (the fast engine stops listing at the limit but counts every row); ``limit`` caps
    what is shown."""

    path: Path | None = None
    standard: Standard | None = None
    entity: Entity | None = None
    table: Table | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # header label -> field name
    row_count: int | None = None
    format: str = ""
    encoding: str = ""
    engine: str = "frictionless"
    limit: int | None = None

    command: ClassVar[str] = "check"

    @property
    def rows(self) -> int:
        if self.row_count is not None:
            return self.row_count
        return len(self.table.rows) if self.table else 0

    def listed(self) -> list[Finding]:
        shown = self.findings if self.limit is None else self.findings[: self.limit]
        return [f if f.path else replace(f, path=self.path.name) for f in shown]

    def extra_stats(self) -> dict:
        return {"rows": self.rows}

    def context(self) -> dict:
        return {
            "file": str(self.path),
            "format": self.format or (self.table.format if self.table else None),
            "encoding": self.encoding or (self.table.encoding if self.table else None),
            "sheet": self.table.sheet if self.table is not None and self.table.sheet else None,
            "standard": self.standard.ref,
            "entity": self.entity.name,
            "engine": self.engine,
        }

    def headline(self) -> list[str]:
        if not self.format:
            return []
        what = f"{self.standard.title} {self.standard.version} / {self.entity.title}({self.entity.name})"
        kind = self.format.upper() + (f",{ENCODING_NAMES.get(self.encoding, self.encoding)}" if self.format == "csv" else "")
        if self.table is not None and self.table.sheet:
            kind += f",工作表 “{self.table.sheet}”"
        return [f"检查 {self.path.name}({kind},{self.rows} 行数据)是否符合 {what}"]

    def summary(self) -> list[str]:
        lines = []
        shown = len(self.listed())
        if shown < self.error_count:
            lines.append(f"…… 另有 {self.error_count - shown} 个错误未列出(--limit {self.limit}),下面的统计包括全部错误。")
        lines.extend(super().summary())
        if not self.valid:
            errors = Counter(self.totals) if self.totals is not None else Counter(f.type for f in self.errors)
            for kind, n in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {kind}({TYPE_TITLES.get(kind, kind)}):{n}")
        return lines


def find_entity(repo: Repo, spec: str, entity_name: str) -> tuple[Standard, Entity]:
    """Resolve ``slug`` or ``slug@version`` and an entity name, with helpful errors."""
    try:
        std = repo.find_standard(spec)
    except LookupError as exc:
        raise CheckError(str(exc)) from None
    if entity_name not in std.entities:
        raise CheckError(f"标准 {std.ref} 中没有实体 “{entity_name}”;已有:{'、'.join(std.entities)}")
    return std, std.entities[entity_name]


def match_header(header: list[str], fields: list[FieldDef], explain: bool = True) -> tuple[dict[int, FieldDef], list[Finding]]:
    """Columns matched to fields by name or 中文名; unknown, duplicate and missing columns reported.
    With ``explain`` (``check``), how the header was matched and which optional columns are
    absent are said too; ``import`` reads the template's 中文名 header and leaves them out."""
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
        if not label:
            findings.append(Finding(row=1, cell=cell_address(index + 1, 1), field="", type="blank-label", message=f"第 {index + 1} 列没有表头", note="填上字段名或中文名;多余的空列请删除"))
            continue
        if f is None:
            findings.append(Finding(row=1, cell=cell_address(index + 1, 1), field="", type="extra-label", message=f"第 {index + 1} 列的表头 “{label}” 不是该实体的字段名或中文名", note="删除该列,或改成字段字典中的字段名/中文名", title=label, value=label))
            continue
        if f.name in seen:
            findings.append(Finding(row=1, cell=cell_address(index + 1, 1), field=f.name, type="duplicate-label", message=f"第 {index + 1} 列与第 {seen[f.name] + 1} 列都是字段 {f.name}({f.title})", note="删除重复的列", title=f.title, value=label))
            continue
        seen[f.name] = index
        columns[index] = f
    for f in fields:
        if f.name in seen:
            continue
        if f.required:
            findings.append(Finding(row=1, field=f.name, type="missing-label", message=f"缺少必填字段 {f.name}({f.title})的列", note=f"添加表头为 “{f.title}” 或 “{f.name}” 的列", title=f.title))
        elif explain:  # Frictionless reports every missing column as an error; an optional one is a warning here
            findings.append(Finding(row=1, field=f.name, type="missing-label", severity="warning", message=f"没有可选字段 {f.name}({f.title})的列", note=f"有这项数据时添加表头为 “{f.title}” 或 “{f.name}” 的列", title=f.title))
    matched = header_matching(header, columns, fields) if explain else None
    if matched:
        findings.append(matched)
    return columns, findings


def header_matching(header: list, columns: dict[int, FieldDef], fields: list[FieldDef]) -> Finding | None:
    """Say how the header was matched when it is not the standard's field names in the
    standard's order (Frictionless would report those labels as incorrect): by 中文名, by
    another case or spacing, or in another order. Never silent, never an error."""
    notes = []
    for index in sorted(columns):
        f, label = columns[index], str(header[index])
        if label == f.name:
            continue
        how = "中文名" if label.strip().lstrip("\ufeff") == f.title else "字段名(大小写或空格不同)"
        notes.append(f"“{label}” → {f.name}(按{how})")
    order = [columns[i].name for i in sorted(columns)]
    present = set(order)
    expected = [f.name for f in fields if f.name in present]
    if order != expected:
        notes.append("列的顺序与标准不同,已按表头对应")
    if not notes:
        return None
    return Finding(row=1, type="header-matched", severity="info", message="表头与标准的字段名不完全一致,已这样对应:" + ";".join(notes), note="无须修改;想与标准完全一致时,表头改用字段名并按标准的顺序排列")


def check_table(table: Table, std: Standard, entity: Entity, repo: Repo, path: Path | None = None, encoding: str = "utf-8") -> tuple[list[Finding], dict[str, str], int]:
    """Frictionless, the Table Schema reference, over the table as the file has it: columns in
    the file's order (matched to fields by name or 中文名), rows neither padded nor trimmed, so
    blank rows, missing and extra cells are its findings. A CSV ``path`` is read by Frictionless
    itself; XLSX and JSON rows are passed inline and their row numbers mapped back. Returns the
    findings, label → field name, and the rows Frictionless read."""
    from educat.tables.frictionless_check import file_order_schema, validate_file_order  # loads Frictionless only here

    columns, findings = match_header(table.header, entity.fields)
    if table.header_row != 1:  # a sheet whose header is below blank rows
        findings = [_moved(f, table.header_row) for f in findings]
    fields = [columns[i] for i in sorted(columns)]
    if path is None and not table.rows:  # a JSON file with no records: no data (Frictionless would say "the source is empty", in English)
        return findings, {str(table.header[i]): columns[i].name for i in sorted(columns)}, 0
    codelists = repo.field_codelists(fields, std)
    rules = {f.name: f.rule for f in fields if f.rule in RULES}
    labels = [str(label) for label in table.header]
    schema, names = file_order_schema(columns, labels, entity.descriptor, _present_key(entity, fields))
    if path is not None:
        problems, read = validate_file_order(schema, names, codelists, rules, path=path, encoding=encoding)
    else:
        data = [[n["name"] for n in schema["fields"]]] + [list(cells) for cells in table.rows]
        problems, read = validate_file_order(schema, names, codelists, rules, rows=data)
        physical = {n: row for n, row in enumerate(table.row_numbers, start=2)}
        problems = [_moved(p, physical.get(p.row, p.row)) for p in problems]
    titles = {f.name: f.title for f in fields}
    findings.extend(replace(p, title=titles.get(p.field, "")) for p in problems)
    if table.format not in ("csv", "xlsx"):  # JSON has no spreadsheet cells
        findings = [replace(f, cell="") for f in findings]
    findings.sort(key=lambda f: (f.row or 0, order_of(f.field, fields), f.type))
    mapping = {str(table.header[i]): columns[i].name for i in sorted(columns)}
    return findings, mapping, read


def _moved(finding: Finding, row: int | None) -> Finding:
    """A finding of an inline table at the row the spreadsheet shows (its cell address too)."""
    cell = column_letters(finding.cell) + str(row) if finding.cell and row else finding.cell
    return replace(finding, row=row, cell=cell)


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
    """Check a data file against ``standard``'s entity ``entity_name`` (see ``check_entity``)."""
    std, entity = find_entity(repo, standard, entity_name)
    return check_entity(path, repo, std, entity, encoding=encoding, engine=engine, limit=limit, progress=progress)


def rule_levels(std: Standard, entity: Entity) -> dict[str, str]:
    """For an extension's entity, each field's rule source: ``区级标准 slug@version`` (the
    standard whose definition of the field applies); empty for a standard that extends none."""
    if std.parent is None:
        return {}
    levels = {s.ref: level_word(s.level) for s in std.chain()}
    return {f.name: f"{levels.get(f.origin or std.ref, '')}标准 {f.origin or std.ref}" for f in entity.fields}


def with_levels(findings: list[Finding], levels: dict[str, str]) -> list[Finding]:
    """Each error on a field says which level's rule it breaks (in its note)."""
    if not levels:
        return findings
    return [replace(f, note=f"{f.note};规则出自{levels[f.field]}" if f.note else f"规则出自{levels[f.field]}") if f.field in levels and f.severity == "error" else f for f in findings]


def check_entity(
    path: Path,
    repo: Repo,
    std: Standard,
    entity: Entity,
    *,
    encoding: str | None = None,
    engine: str = "auto",
    limit: int | None = None,
    progress=None,
) -> CheckReport:
    """Check a data file. CSV goes to the DuckDB engine unless ``engine="frictionless"``; a CSV
    DuckDB cannot read (e.g. ragged rows) falls back to Frictionless under ``engine="auto"``.
    Against an extension's entity, each finding on a field says which level's rule it is."""
    report = _check_entity(path, repo, std, entity, encoding=encoding, engine=engine, limit=limit, progress=progress)
    report.findings = with_levels(report.findings, rule_levels(std, entity))
    return report


def _check_entity(path: Path, repo: Repo, std: Standard, entity: Entity, *, encoding, engine, limit, progress) -> CheckReport:
    report = CheckReport(path=Path(path), standard=std, entity=entity, limit=limit)
    try:
        fmt = guess_format(Path(path))
        why = not_regular(Path(path))
        if why:
            raise ReadError(why, 1, "检查的应是 CSV、XLSX、JSON 或 NDJSON 文件")
    except ReadError as exc:
        report.findings.append(Finding(row=exc.row, field="", type="file-error", message=exc.message, note=exc.note))
        return report
    if fmt == "csv" and engine != "frictionless":
        try:
            return fast_check(report, repo, encoding, limit, progress)
        except EngineUnsupported:
            if engine == "duckdb":
                raise
        except ReadError as exc:
            report.findings.append(Finding(row=exc.row, field="", type="file-error", message=exc.message, note=exc.note))
            return report
    try:
        if fmt == "csv":
            return reference_check(report, repo, encoding)
        report.table = read_table(Path(path), encoding)
    except ReadError as exc:
        report.findings.append(Finding(row=exc.row, field="", type="file-error", message=exc.message, note=exc.note))
        return report
    report.findings, report.mapping, _ = check_table(report.table, std, entity, repo)
    report.format, report.encoding = report.table.format, report.table.encoding
    if not report.table.rows:
        report.findings.append(NO_DATA)
    return report


def reference_check(report: CheckReport, repo: Repo, encoding: str | None) -> CheckReport:
    """A CSV read by Frictionless itself (a GB18030 file is first transcoded to UTF-8)."""
    from educat.tables.duckdb_engine import transcode_to_utf8

    path = Path(report.path)
    header, used = read_csv_header(path, encoding)
    damage = scan_damage(path, used)  # NUL bytes, or a GBK file with a UTF-8 part: nothing to transcode
    if damage is not None:
        raise damage
    source = path if used in ("utf-8", "utf-8-sig") else transcode_to_utf8(path, used)
    try:
        table = Table("csv", header, encoding=used)
        report.findings, report.mapping, report.row_count = check_table(table, report.standard, report.entity, repo, path=source, encoding="utf-8-sig" if used == "utf-8-sig" else "utf-8")
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    report.format, report.encoding, report.engine = "csv", used, "frictionless"
    quote = odd_quote(path)
    if quote is not None:  # read as Frictionless reads it, and the likely cause said
        report.findings.append(Finding(row=quote.row, type="quote-warning", severity="warning", message=quote.message + "(以下按 CSV 规则读取,结果可能是缺少或多出单元格)", note=quote.note))
    if report.row_count == 0 and not any(f.type == "file-error" for f in report.findings):
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
    missing = entity.descriptor.get("missingValues")
    # The line-structure scan runs beside DuckDB's scan (DuckDB does not hold the GIL); when it
    # finds an empty line or CR endings, DuckDB's answer is dropped and Frictionless reads the file.
    with ThreadPoolExecutor(max_workers=1) as pool:
        structure = pool.submit(irregular_lines, report.path)
        try:
            result = run_checks(report.path, columns, len(header), codelists, _present_key(entity, fields), encoding=used, limit=limit, progress=progress, missing_values=missing)
        except EngineUnsupported:
            structure.result()
            raise
        irregular = structure.result()
    if irregular:
        raise EngineUnsupported(irregular)
    titles = {f.name: f.title for f in entity.fields}
    listed = [engine_finding(row, name, kind, rule, value, titles, codelists, columns, len(header)) for row, name, kind, rule, value in result.findings]
    report.findings = label_findings + listed
    report.totals = Counter(f.type for f in label_findings if f.severity == "error") + result.counts  # errors only: totals are error counts
    report.row_count, report.format, report.encoding, report.engine = result.rows, "csv", used, "duckdb"
    if not result.rows:
        report.findings.append(NO_DATA)
        report.totals["no-data"] += 1
    report.mapping = {str(header[i]): columns[i].name for i in sorted(columns)}
    return report


def engine_finding(row, name, kind, rule, value, titles, codelists, columns, width) -> Finding:
    """A Chinese message for a finding of the SQL engine, worded like the Frictionless path, at
    the cell of the field's column (an extra cell: the column after the header's last)."""
    index, f = next(((i, c) for i, c in columns.items() if c.name == name), (None, None))
    if kind == "extra-cell":
        index = width
    if kind == "code-error" and f is not None and f.type == "array":
        # worded as the Frictionless path words it: the first item that is not a code, and
        # the list as Python shows it
        codelist, items = codelists.get(name), _items(value)
        bad = next((item for item in items if codelist is None or item not in codelist.codes), value)
        message, note = (code_message(codelist, bad) if codelist else f"“{bad}” 不是代码表中的代码"), code_fix(codelist, items)
        value = _shown_list(value)
    elif kind == "code-error":
        codelist = codelists.get(name)
        message, note = (code_message(codelist, value) if codelist else f"“{value}” 不是代码表中的代码"), code_fix(codelist, value)
    elif kind in RULE_TYPES:
        message, note = (rule_message(rule, value) if rule in RULES else f"“{value}”"), RULE_FIX
    else:
        limit = (f.constraints if f else {}).get(rule)
        message, note = cell_message(kind, rule, value, limit, f)
    cell = cell_address(index + 1, row) if index is not None and row else ""
    return Finding(row=row, cell=cell, field=name or "", type=kind, message=message, note=note, title=titles.get(name, ""), value=value)


def _shown_list(value):
    """An array cell as Frictionless shows it in a finding: ``str()`` of the parsed list."""
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return value
    return str(items) if isinstance(items, list) else value


def _items(value) -> list:
    """The items of an array cell (JSON text), for the codes they may mean."""
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return [value]
    return [str(x) for x in items] if isinstance(items, list) else [value]
