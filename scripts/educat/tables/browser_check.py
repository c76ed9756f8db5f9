"""``educat check`` in the reader's browser: this module runs in Pyodide (CPython compiled to
WebAssembly) on the standard version page, and its queries run in DuckDB-WASM. Nothing leaves
the reader's computer.

It is the same code as the command line's: the file is read by ``readers`` and ``scan``, the
header matched by ``check.match_header``, the rules planned by ``duckdb_engine.plan_rules`` into
the same SQL, run as the same ``engine_steps``, and each finding worded by
``check.engine_finding``. Only the driver differs: the queries are awaited (``query`` is
DuckDB-WASM, in JavaScript) instead of called.

Where the command line hands a file to Frictionless (an XLSX, JSON or NDJSON file, or a CSV
whose lines DuckDB cannot read as they are: ragged rows, empty lines, CR line ends), the
browser has no Frictionless. The rows are then read by ``readers`` (Python's csv module, as
Frictionless reads them) and handed to DuckDB as a *regular* CSV that carries each record's
file row (``__line``) and marks a cell the row lacks as NULL, so the same rules run over it.
tests/test_browser_check.py holds both paths to the command line's findings.

The build writes one *check bundle* per entity (``bundle``): the fields, the primary key and
missing values, and the code lists, which is all a check needs.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from educat.core.cells import table_text
from educat.core.findings import Finding, cell_address
from educat.core.model import Code, CodeList, Entity, FieldDef, Repo, Standard
from educat.tables.check import NO_DATA, CheckReport, _moved, _present_key, engine_finding, match_header, rule_levels, with_levels
from educat.tables.duckdb_engine import _layers, _reader, checked_source, line_limit, plan_rules, transcode_to_utf8
from educat.tables.engine_steps import EngineResult, EngineUnsupported, RulesUnsupported, run_steps
from educat.tables.readers import ReadError, Table, guess_format, read_csv_header, read_table
from educat.tables.scan import irregular_lines, odd_quote, scan_damage
from educat.tables.messages import true_false
from educat.tables.sql_rules import q, supported

FORMAT = "educat-check-bundle/1"
NULL_CELL = "\x01\x02"  # the reader's nullstr: a cell the row lacks


def bundle(repo: Repo, std: Standard, entity: Entity) -> dict:
    """What the browser needs to check a file against ``entity`` (written by the build)."""
    codelists = repo.field_codelists(entity.fields, std)
    return {
        "format": FORMAT,
        "standard": {"slug": std.slug, "version": std.version, "title": std.title},
        "entity": {"name": entity.name, "descriptor": {k: v for k, v in entity.descriptor.items() if k != "fields"}},
        "fields": [f.descriptor for f in entity.fields],
        "levels": rule_levels(std, entity),  # an extension's fields: the level whose rule applies
        "codelists": {
            name: {"name": c.name, "title": c.title, "codes": [[code.code, code.name] for code in c.codes.values()]}
            for name, c in codelists.items()
        },
    }


def _without_json(f: FieldDef) -> str | None:
    """DuckDB-WASM has no JSON extension (it would download it): a list field's cells cannot
    be read there."""
    return f"数组字段 {f.name}(浏览器中的 DuckDB 没有 JSON 扩展)" if f.type == "array" else None


class _Bundle:
    """A bundle read back into the model the check uses (a one-standard repository)."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"检查规则文件的格式应为 {FORMAT}")
        meta = data["standard"]
        fields = [FieldDef(d) for d in data["fields"]]
        # a field whose type or format the SQL rules cannot read as Frictionless does (datetime,
        # a string's uri format …) is checked for presence only, and the report says so
        self.partial = {f.name: why for f in fields if (why := supported(f) or _without_json(f))}
        self.warnings: list[Finding] = []  # said after the findings (a listing limit never hides them)
        self.planned = [FieldDef({"name": f.name, "title": f.title, "type": "string", "constraints": {"required": True} if f.required else {}}) if f.name in self.partial else f for f in fields]
        self.entity = Entity(data["entity"]["name"], Path("."), {**data["entity"]["descriptor"], "fields": list(data["fields"])}, fields)
        self.std = Standard(meta["slug"], meta["version"], Path("."), {"title": meta["title"]}, entities={self.entity.name: self.entity})
        self.codelists = {
            name: CodeList(c["name"], Path("."), title=c["title"], codes={code: Code(code, label) for code, label in c["codes"]})
            for name, c in data["codelists"].items()
        }
        self.levels = data.get("levels") or {}
        self.planned_codelists = {name: c for name, c in self.codelists.items() if name not in self.partial}

    def key(self, columns: dict) -> list[str] | None:
        """The primary key the rules check: none when a key field is checked in part (its
        values cannot be compared as Frictionless compares them)."""
        key = _present_key(self.entity, [columns[i] for i in sorted(columns)])
        return None if key and set(key) & set(self.partial) else key


async def check_upload(path: str, bundle_text: str, query, register, limit: int | None = None, progress=None) -> dict:
    """Check the file at ``path`` (in Pyodide's file system) and return the report as
    ``educat check --format json`` gives it. ``await query(sql)`` runs SQL and gives the rows;
    ``await register(path)`` makes a file of Pyodide's readable by DuckDB and gives its name
    there; ``progress(stage)`` says what is being done."""
    b = _Bundle(json.loads(bundle_text))
    say = progress or (lambda stage: None)
    report = CheckReport(path=Path(path), standard=b.std, entity=b.entity, limit=limit, engine="duckdb-wasm")
    try:
        report = await _check(report, b, query, register, limit, say)
    except ReadError as exc:
        report.findings = [Finding(row=exc.row, field="", type="file-error", message=exc.message, note=exc.note)]
        report.totals = None
    except EngineUnsupported as exc:
        report.findings.append(Finding(row=None, type="check-incomplete", message=f"浏览器中无法检查这个文件:{exc}", note="请用命令行 educat check 检查(它会改用 Frictionless 逐格检查)"))
        report.totals = None
    report.findings = with_levels(report.findings, b.levels)
    data = report.to_dict()
    # the fields checked in part are said after the findings, whatever the listing limit
    report.findings, report.limit = b.warnings, None
    data["findings"] += [f.to_dict() for f in report.listed()]
    data["stats"]["warnings"] += len(b.warnings)
    return data


async def _check(report: CheckReport, b: _Bundle, query, register, limit, say) -> CheckReport:
    path = Path(report.path)
    fmt = guess_format(path)
    say("read")
    if fmt != "csv":
        table = read_table(path)
        return await _table_check(report, b, table, query, register, limit, say)
    header, used = read_csv_header(path, None)
    damage = scan_damage(path, used)
    if damage is not None:
        raise damage
    irregular = irregular_lines(path)
    if not irregular:
        try:
            return await _fast(report, b, header, used, query, register, limit, say)
        except RulesUnsupported:
            raise  # a cell or a field the rules cannot judge exactly: no other way here
        except EngineUnsupported:
            pass
    # the lines need Python's csv reader (as the command line hands them to Frictionless)
    table = _csv_table(path, used, header)
    report = await _table_check(report, b, table, query, register, limit, say)
    quote = odd_quote(path)
    if quote is not None:
        report.findings.append(Finding(row=quote.row, type="quote-warning", severity="warning", message=quote.message + "(以下按 CSV 规则读取,结果可能是缺少或多出单元格)", note=quote.note))
    return report


async def _fast(report, b: _Bundle, header, used, query, register, limit, say) -> CheckReport:
    """A CSV read by DuckDB as it is, with the command line's reader options."""
    columns, planned, label_findings = _match(b, header)
    source = Path(report.path)
    if used not in ("utf-8", "utf-8-sig"):
        source = transcode_to_utf8(source, used)
    names = [f"c{i}" for i in range(len(header) + 1)]
    plan = plan_rules(planned, names, b.planned_codelists, b.key(columns), b.entity.descriptor.get("missingValues"))
    name = await register(str(source))
    say("check")
    # DuckDB-WASM pads a short row but, unlike DuckDB in Python, drops empty cells past the last
    # column instead of refusing the row: one more column shows a second extra cell, and such a
    # file is read by the csv path (as the command line hands it to Frictionless)
    spare = f"c{len(header) + 1}"
    try:
        csv = _reader(Path(name), [*names, spare], parallel=False, longest=line_limit(source))
        wide = await query(f"SELECT count(*) FROM {csv} WHERE {q(spare)} IS NOT NULL")
        if wide and wide[0][0]:
            raise EngineUnsupported("行的单元格多于表头")
        result = await _drive(run_steps(checked_source(csv, plan, _layers(plan.helpers)), plan, columns, limit), query)
    except RulesUnsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - DuckDB cannot read the lines as they are: the csv path
        raise EngineUnsupported(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    finally:
        if source != Path(report.path):
            source.unlink(missing_ok=True)
    return _finish(report, b, columns, len(header), label_findings, result, used)


async def _table_check(report, b: _Bundle, table: Table, query, register, limit, say) -> CheckReport:
    """Rows read in Python (XLSX, JSON, NDJSON, a CSV with irregular lines), checked by the same
    rules over a regular CSV with the file row of each record."""
    columns, planned, label_findings = _match(b, table.header)
    if table.header_row != 1:
        label_findings = [_moved(f, table.header_row) for f in label_findings]
    width = len(table.header)
    if not width:  # records with no keys at all ([{}]): each row is blank or all extra cells
        return _no_columns(report, b, table, label_findings, limit)
    extra = []  # the second and later extra cells of a row (the rules see the first)
    lines = ["__line," + ",".join(f"c{i}" for i in range(width + 1))]
    declared = b.entity.descriptor.get("missingValues")
    missing = set([""] if declared is None else declared)
    for number, cells in zip(table.row_numbers, table.rows):
        texts = [_as_text(columns.get(i), c) for i, c in enumerate(cells)]  # a JSON null is blank
        if not all(t in missing for t in texts[:width]):  # a blank row reports no extra cell (as the rules)
            extra.extend((number, width + k, value) for k, value in enumerate(texts[width + 1 :], start=1))
        texts = texts[: width + 1] + [None] * (width + 1 - len(texts))
        lines.append(str(number) + "," + ",".join(NULL_CELL if t is None else '"' + t.replace('"', '""') + '"' for t in texts))
    source = Path(str(report.path) + ".rows.csv")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    longest = min(max(1 << 21, max(len(line.encode("utf-8")) for line in lines) + 2), 1 << 30)  # a long cell on any row
    names = [f"c{i}" for i in range(width + 1)]
    plan = plan_rules(planned, names, b.planned_codelists, b.key(columns), b.entity.descriptor.get("missingValues"))
    try:
        name = await register(str(source))
        say("check")
        csv = _reader(Path(name), ["__line", *names], parallel=False, longest=longest)
        result = await _drive(run_steps(checked_source(csv, plan, _layers(plan.helpers)), plan, columns, limit, numbering="CAST(__line AS BIGINT)"), query)
    finally:
        source.unlink(missing_ok=True)
    result.counts["extra-cell"] += len(extra)
    report = _of_table(_finish(report, b, columns, width, label_findings, result, table.encoding or "utf-8", extra, limit), table)
    if table.format not in ("csv", "xlsx"):
        b.warnings += _typed_json(table, columns)
    return report


def _of_table(report: CheckReport, table: Table) -> CheckReport:
    """The report of rows read in Python: the file's format, and no cell addresses for JSON,
    which has no spreadsheet cells."""
    report.format, report.table = table.format, table
    if table.format not in ("csv", "xlsx"):
        report.findings = [replace(f, cell="") for f in report.findings]
    return report


def _native(f: FieldDef | None, cell) -> str | None:
    """The text that a JSON value which is not text reads as, for a field that Frictionless reads
    it into the same value (a whole number in a number field, true in a boolean field …); None
    when it would judge the value by its JSON type instead."""
    if f is None or isinstance(cell, (dict, list)):
        return None
    if isinstance(cell, bool):
        values = true_false(f)[0 if cell else 1] if f.type == "boolean" else []
        return values[0] if values else None
    if isinstance(cell, int) and f.type in ("integer", "number", "year"):
        return str(cell)
    if isinstance(cell, float) and f.type == "number":
        return repr(cell)
    if isinstance(cell, float) and f.type == "integer" and cell.is_integer():
        return str(int(cell))
    return None


def _as_text(f: FieldDef | None, cell) -> str:
    if cell is None or isinstance(cell, str):
        return table_text(cell)
    native = _native(f, cell)
    return table_text(cell) if native is None else native


def _typed_json(table: Table, columns: dict) -> list[Finding]:
    """JSON values that are not text (numbers, true/false, objects) are checked here by their
    text; the command line hands them to Frictionless as they are, which may judge them otherwise
    (a number in a text field is a type error there). Said once per field, never silently."""
    found = []
    for index, f in sorted(columns.items()):
        if f.type == "any":
            continue
        sample = next(((n, c) for n, row in zip(table.row_numbers, table.rows) if index < len(row) and (c := row[index]) is not None and not isinstance(c, str) and _native(f, c) is None), None)
        if sample is not None:
            found.append(Finding(row=sample[0], field=f.name, title=f.title, type="check-incomplete", severity="warning", value=str(sample[1]), message=f"字段 {f.name}({f.title})中有不是文本的 JSON 值(如第 {sample[0]} 行的 {json.dumps(sample[1], ensure_ascii=False)[:50]}):浏览器按它的文字检查,命令行按 JSON 类型检查,结论可能不同", note="把这些值写成 JSON 字符串(加引号),或用命令行 educat check 检查"))
    return found


def _no_columns(report, b: _Bundle, table: Table, label_findings, limit) -> CheckReport:
    result = EngineResult(rows=len(table.rows))
    extra = []
    for number, cells in zip(table.row_numbers, table.rows):
        texts = [table_text(c) for c in cells]
        if all(t == "" for t in texts):
            result.findings.append((number, "", "blank-row", "blank-row", None))
        else:
            extra.extend((number, k, value) for k, value in enumerate(texts))
    result.counts = Counter({"blank-row": len(result.findings), "extra-cell": len(extra)})
    result.counts = +result.counts
    return _of_table(_finish(report, b, {}, 0, label_findings, result, table.encoding or "utf-8", extra, limit), table)


def _csv_table(path: Path, used: str, header: list[str]) -> Table:
    """The records as Frictionless reads them (Python's csv module, never strict: an unclosed
    quote runs to the end of the file), numbered by record, header = row 1."""
    with path.open(encoding=used, newline="") as handle:
        records = csv.reader(handle)
        next(records, None)
        table = Table("csv", header, encoding=used)
        for number, cells in enumerate(records, start=2):
            table.rows.append(cells)
            table.row_numbers.append(number)
    return table


def _finish(report, b: _Bundle, columns, width, label_findings, result, used, extra=(), limit=None) -> CheckReport:
    """The engine's findings worded as the command line words them; ``extra`` are the second
    and later extra cells of a row, (row, column index, value), merged in file order."""
    titles = {f.name: f.title for f in b.entity.fields}
    rank = {f.name: i for i, f in columns.items()}
    listed = [((row, rank.get(name, -1), kind, 0), engine_finding(row, name, kind, rule, value, titles, b.codelists, columns, width)) for row, name, kind, rule, value in result.findings]
    for row, index, value in extra:
        finding = engine_finding(row, "", "extra-cell", "extra-cell", value, titles, b.codelists, columns, width)
        listed.append(((row, -1, "extra-cell", index), replace(finding, cell=cell_address(index + 1, row))))
    listed.sort(key=lambda pair: pair[0])
    listed = [finding for _, finding in listed]
    report.findings = label_findings + (listed[:limit] if limit else listed)
    report.totals = Counter(f.type for f in label_findings if f.severity == "error") + result.counts
    report.row_count, report.format, report.encoding = result.rows, "csv", used
    if not result.rows:
        report.findings.append(NO_DATA)
        report.totals["no-data"] += 1
    return report


def _match(b: _Bundle, header: list) -> tuple[dict, dict, list[Finding]]:
    """The header matched as the command line matches it: the columns' fields, the fields the
    rules are planned for (a field checked in part replaced), and the header's findings with
    a warning for each field present but checked in part."""
    columns, findings = match_header(header, b.entity.fields)
    stand_in = {f.name: f for f in b.planned}
    planned = {i: stand_in[f.name] for i, f in columns.items()}
    b.warnings = []  # (a CSV DuckDB cannot read as it is is matched again, by the csv path)
    for f in (columns[i] for i in sorted(columns)):
        if f.name in b.partial:
            b.warnings.append(Finding(row=1, field=f.name, title=f.title, type="check-incomplete", severity="warning", message=f"浏览器只检查了字段 {f.name}({f.title})是否为空:{b.partial[f.name]}需要 Frictionless", note="完整检查这一列请用命令行 educat check(pip install educat)"))
    return columns, planned, findings


async def _drive(steps, query):
    """``engine_steps.drive`` with each query awaited."""
    try:
        how, sql = next(steps)
        while True:
            rows = await query(sql)
            how, sql = steps.send((rows[0] if rows else None) if how == "one" else rows)
    except StopIteration as stop:
        return stop.value


def _number(value):
    """A JavaScript number as the Python value DuckDB's Python package gives: counts, row
    numbers and lengths are integers (every value these queries return that is a number), and
    JavaScript's null (Pyodide's ``jsnull``) is None."""
    if type(value).__name__ == "JsNull":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value


async def check_page(path: str, bundle_text: str, js_query, js_register, limit, js_progress) -> dict:
    """``check_upload`` called from the page's JavaScript: the rows DuckDB-WASM gives (a
    JavaScript array) become Python lists."""

    async def query(sql):
        rows = await js_query(sql)
        return [[_number(v) for v in row] for row in (rows.to_py() if hasattr(rows, "to_py") else rows)]

    async def register(name):
        return str(await js_register(name))

    return await check_upload(path, bundle_text, query, register, int(limit) if limit else None, lambda stage: js_progress(stage))
