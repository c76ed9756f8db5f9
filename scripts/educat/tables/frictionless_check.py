"""Validate tabular data against an entity with Frictionless, plus the educat checks.

The code-list and identifier checks are Frictionless ``Check`` classes, so one
Frictionless pass reports type, constraint, code-list and check-character errors together,
with the row numbers the user sees in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from pathlib import Path

from frictionless import Check, Checklist, Dialect, FrictionlessException, Resource, Schema, errors, formats

from educat.core.findings import Finding, cell_address
from educat.core.model import CodeList, FieldDef
from educat.tables.identifiers import RULES
from educat.tables.messages import ROW_MESSAGES, RULE_FIX, RULE_TYPES, cell_message, code_fix, code_message, rule_message
from educat.tables.readers import utf8_encoding


class CodeError(errors.CellError):
    type = "code-error"
    title = "Code Error"
    description = "The value is not a code of the field's code list."
    template = "{note}"


def _rule_error(rule) -> type:
    return type(
        f"{rule.name.title().replace('-', '')}Error",
        (errors.CellError,),
        {"type": rule.error_type, "title": rule.title, "description": rule.explanation, "template": "{note}"},
    )


RULE_ERRORS = {name: _rule_error(rule) for name, rule in RULES.items()}


class CodeListCheck(Check):
    """Every value (or list item) of a coded field must be a code of its list."""

    type = "educat-codelist"
    Errors = [CodeError]

    def __init__(self, codelists: dict[str, CodeList]):
        self.codelists = codelists

    def validate_row(self, row):
        for name, codelist in self.codelists.items():
            value = row[name]
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in codelist.codes:
                    yield CodeError.from_row(
                        row,
                        note=code_message(codelist, item),
                        field_name=name,
                    )


class RuleCheck(Check):
    """Identifier rules (统一社会信用代码, 身份证号, 行政区划, 学校标识码)."""

    type = "educat-rules"
    Errors = list(RULE_ERRORS.values())

    def __init__(self, rules: dict[str, str]):
        self.rules = rules

    def validate_row(self, row):
        for name, rule_name in self.rules.items():
            value = row[name]
            if value is None or value == "":
                continue
            reason = RULES[rule_name].check(str(value))
            if reason:
                yield RULE_ERRORS[rule_name].from_row(row, note=rule_message(rule_name, value), field_name=name)


def _value(error):
    """The cell a finding is about. Frictionless writes ``str(cell)``: a cell the row lacks is
    "None" in its required error, which is no value at all (as the DuckDB engine reports it)."""
    cell = getattr(error, "cell", None)
    if cell == "None" and error.type == "constraint-error" and '"required"' in (getattr(error, "note", "") or ""):
        return None
    return cell


def list_items(cell) -> list | str:
    """The items of an array cell as Frictionless reports it (``str()`` of the list), for the
    codes they may mean; the cell itself when it is not a list."""
    import ast

    try:
        items = ast.literal_eval(cell) if isinstance(cell, str) and len(cell) < 100_000 else cell
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return cell
    return [str(x) for x in items] if isinstance(items, list) else cell


def frictionless_schema(fields: list[FieldDef], primary_key=None) -> Schema:
    descriptor = {"fields": [dict(f.descriptor) for f in fields]}
    if primary_key:
        descriptor["primaryKey"] = primary_key if isinstance(primary_key, list) else [primary_key]
    return Schema.from_descriptor(descriptor)


def explain(error, codelist: CodeList | None = None, f: FieldDef | None = None) -> tuple[str, str]:
    """A plain-Chinese message and fix for a Frictionless error; ``codelist`` and ``f`` (the
    field's code list and definition, when known) name the code or the form the value means."""
    kind = error.type
    cell = getattr(error, "cell", None)
    note = getattr(error, "note", "") or ""
    if kind == "code-error":
        return note, code_fix(codelist, list_items(cell) if f is not None and f.type == "array" else cell)
    if kind in RULE_TYPES:
        return note, RULE_FIX
    if kind == "type-error":
        match = re.search(r'type is "(\w+)', error.message)
        return cell_message(kind, match.group(1) if match else "", cell, None, f)
    if kind == "constraint-error":
        match = re.search(r'constraint "(\w+)" is "(.*)"', note, re.S)
        name, limit = (match.group(1), match.group(2)) if match else ("", "")
        return cell_message(kind, name, cell, limit)
    if kind in ("unique-error", "primary-key"):
        return cell_message(kind, "", cell, None)
    if kind in ("extra-label", "missing-label", "incorrect-label", "duplicate-label", "blank-label"):
        label = getattr(error, "label", "")
        hints = {
            "extra-label": f"表头 “{label}” 不是标准中定义的字段",
            "missing-label": "表头缺少标准要求的字段",
            "incorrect-label": f"表头 “{label}” 与标准中该位置的字段名不一致",
            "duplicate-label": f"表头 “{label}” 重复",
            "blank-label": "表头有空列名",
        }
        return hints[kind], "表头应与字段字典中的字段名及顺序一致"
    if kind in ROW_MESSAGES:
        return ROW_MESSAGES[kind]
    if kind in ("encoding-error", "source-error", "scheme-error", "format-error", "file-error"):
        return f"文件无法读取:{note or error.message}", "确认文件是 UTF-8 编码的 CSV,且未损坏"
    return error.message, note


# Every error is wanted: Frictionless stops at 1,000 by default, and a file with more would be
# reported as if it had exactly 1,000 (the DuckDB engine counts them all).
NO_ERROR_LIMIT = 2**31 - 1


def _checks(codelists: dict[str, CodeList], rules: dict[str, str]) -> list[Check]:
    """The educat checks Frictionless runs beside its own: code lists and identifier rules,
    both keyed by the name Frictionless knows the field by."""
    checks: list[Check] = []
    if codelists:
        checks.append(CodeListCheck(codelists))
    if rules:
        checks.append(RuleCheck(rules))
    return checks


def _validate(resource: Resource, checks: list[Check], *, limit_errors: int | None = None, field_of=None, skip=(), with_value=False, cells=False, resource_error: str | None = None) -> tuple[list[Finding], int]:
    """Run Frictionless and turn its errors into findings, with the rows it read. ``field_of``
    maps Frictionless's field name to the entity's; ``skip`` drops error types the caller
    reports itself; ``cells`` gives each cell finding its spreadsheet address (the schema's
    fields are the file's columns); ``resource_error`` replaces the type of file-level errors."""
    report = resource.validate(checklist=Checklist(checks=checks), limit_errors=limit_errors or NO_ERROR_LIMIT)
    codelists = next((c.codelists for c in checks if isinstance(c, CodeListCheck)), {})
    fields = {f.name: FieldDef(f.to_descriptor()) for f in resource.schema.fields} if resource.schema else {}
    found = []
    for task in report.tasks:
        for error in task.errors:
            if error.type in skip:
                continue
            name = getattr(error, "field_name", "") or ""
            message, note = explain(error, codelists.get(name), fields.get(name))
            row, column = getattr(error, "row_number", None), getattr(error, "field_number", None)
            found.append(
                Finding(
                    row=row,
                    cell=cell_address(column, row) if cells and row and column else "",
                    field=(field_of(name) if field_of else name) if name else "",
                    type=error.type,
                    message=message,
                    note=note,
                    value=_value(error) if with_value else None,
                )
            )
    for error in report.errors:
        message, note = explain(error)
        found.append(Finding(row=None, field="", type=resource_error or error.type, message=message, note=note))
    return found, sum(t.stats.get("rows", 0) or 0 for t in report.tasks)


def validate_table(
    fields: list[FieldDef],
    codelists: dict[str, CodeList],
    *,
    path: Path | None = None,
    rows: list | None = None,
    primary_key=None,
    limit_errors: int | None = None,
) -> tuple[list[Finding], dict]:
    """Validate a CSV file (``path``) or inline ``rows`` against resolved fields.

    ``rows`` is a list of dicts keyed by field name, or a list of lists whose first item is
    the header; inline row numbers count the header as row 1.
    """
    try:
        schema = frictionless_schema(fields, primary_key)
    except FrictionlessException as exc:
        return [Finding(row=None, field="", type="schema-error", message=f"字段定义无法构成 Table Schema:{exc.error.message}", note="修正实体的字段定义")], {"rows": 0}
    checks = _checks(codelists, {f.name: f.rule for f in fields if f.rule in RULES})
    if path is not None:
        encoding, problem = utf8_encoding(path)
        if problem is not None:
            return [problem], {"rows": 0}
        resource = Resource(path=path.name, basepath=str(path.parent), schema=schema, encoding=encoding)
    else:
        resource = Resource(data=rows, schema=schema)
    problems, read = _validate(resource, checks, limit_errors=limit_errors)
    return problems, {"rows": read}


# Naive date-times (no zone) are Beijing time when compared with a zoned bound, and the other
# way round; Frictionless raises TypeError there and stops the whole validation.
BEIJING = dt.timezone(dt.timedelta(hours=8))
BOUNDS = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt, "exclusiveMaximum": operator.lt}


def _zoned(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=BEIJING)


class DatetimeBoundCheck(Check):
    """minimum/maximum of datetime fields, compared in one time line (see BEIJING)."""

    type = "educat-datetime-bounds"
    Errors = [errors.ConstraintError]

    def __init__(self, bounds: dict[str, list[tuple[str, object, dt.datetime]]]):
        self.bounds = bounds  # label -> [(constraint name, as written, parsed)]

    def validate_row(self, row):
        for label, limits in self.bounds.items():
            value = row[label]
            if not isinstance(value, dt.datetime):
                continue
            for name, written, limit in limits:
                if not BOUNDS[name](_zoned(value), _zoned(limit)):
                    yield errors.ConstraintError.from_row(row, note=f'constraint "{name}" is "{written}"', field_name=label)


def _datetime_bounds(schema: dict) -> tuple[dict, dict]:
    """The schema without datetime bounds, and those bounds parsed, for DatetimeBoundCheck."""
    from frictionless import fields as ffields

    bounds = {}
    out = []
    for field in schema["fields"]:
        constraints = field.get("constraints") or {}
        named = [k for k in BOUNDS if k in constraints]
        if field.get("type") != "datetime" or not named:
            out.append(field)
            continue
        reader = ffields.DatetimeField(name=field["name"], format=field.get("format", "default")).create_value_reader()
        parsed = [(k, constraints[k], reader(constraints[k])) for k in named]
        bounds[field["name"]] = [(k, w, v) for k, w, v in parsed if v is not None]
        out.append({**field, "constraints": {k: v for k, v in constraints.items() if k not in BOUNDS}})
    return {**schema, "fields": out}, bounds


# Label errors are educat's to report: it matches columns by name or 中文名 in any order.
LABEL_ERRORS = ("extra-label", "missing-label", "incorrect-label", "duplicate-label", "blank-label")


def file_order_schema(columns: dict[int, FieldDef], labels: list[str], descriptor: dict, primary_key=None) -> tuple[dict, dict[str, str]]:
    """A Table Schema whose fields follow the file's columns, each named by its label: the
    matched field's definition, or ``any`` for a column that matches no field (educat reports
    it as extra-label). Frictionless then reads the file exactly as the reference does, cell
    for cell; returns the schema and label → field name."""
    fields, names, used = [], {}, set()
    for index, label in enumerate(labels):
        name = label if label and label not in used else f"__column_{index + 1}"
        used.add(name)
        f = columns.get(index)
        fields.append({**f.descriptor, "name": name} if f is not None else {"name": name, "type": "any"})
        if f is not None:
            names[name] = f.name
    schema = {"fields": fields}
    if descriptor.get("missingValues") is not None:
        schema["missingValues"] = list(descriptor["missingValues"])
    by_field = {v: k for k, v in names.items()}
    if primary_key and all(k in by_field for k in primary_key):
        schema["primaryKey"] = [by_field[k] for k in primary_key]
    return schema, names


def validate_file_order(
    schema: dict,
    names: dict[str, str],
    codelists: dict[str, CodeList],
    rules: dict[str, str],
    *,
    path: Path | None = None,
    rows: list | None = None,
    encoding: str = "utf-8",
) -> tuple[list[Finding], int]:
    """Frictionless over a CSV file or inline rows (header first) with ``file_order_schema``:
    findings keyed by the entity's field names (label errors are left to the caller), and the
    rows Frictionless read (blank rows included)."""
    schema, datetime_bounds = _datetime_bounds(schema)
    try:
        frictionless = Schema.from_descriptor(schema)
    except FrictionlessException as exc:
        return [Finding(row=None, field="", type="schema-error", message=f"字段定义无法构成 Table Schema:{exc.error.message}", note="修正实体的字段定义")], 0
    labelled = {label: codelists[name] for label, name in names.items() if name in codelists}
    checks = _checks(labelled, {label: rules[name] for label, name in names.items() if name in rules})
    if datetime_bounds:
        checks.append(DatetimeBoundCheck(datetime_bounds))
    if path is not None:
        # the CSV Dialect defaults (comma, double quote, spaces kept), never guessed from a sample
        resource = Resource(path=path.name, basepath=str(path.parent), schema=frictionless, encoding=encoding, format="csv", dialect=Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=",", quote_char="\"", skip_initial_space=False)]))
    else:
        # header_rows given: left to guess, Frictionless takes a short first data row as the header
        resource = Resource(data=rows, schema=frictionless, dialect=Dialect(header_rows=[1]))
    return _validate(resource, checks, field_of=lambda label: names.get(label, ""), skip=LABEL_ERRORS, with_value=True, cells=True, resource_error="file-error")
