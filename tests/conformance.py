"""Differential conformance: ``educat check`` against frictionless-py, the Table Schema reference.

Hypothesis draws a Table Schema (every type ``check`` supports, every constraint, schema-level
``missingValues``, a primary key) and a CSV full of the values that break naive checkers:
blanks, spaces around values, leading zeros, ``1e3``, ``1,000``, ``NaN``, ``-0``, huge integers,
impossible and loose dates, quoted newlines, CR / LF / CRLF endings, a BOM, trailing
delimiters, short and long rows, blank rows, keys that differ by case or spacing, full-width
digits. Both sides read the same bytes; the findings are compared as a multiset of
(row, field, type). Where educat deliberately differs, ``deviation`` says so, and each
deviation is listed in docs/engine.md.

Used by tests/test_conformance.py (a few hundred examples in CI) and by ``make conformance``
(``CONFORMANCE_EXAMPLES``, default 5,000).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from hypothesis import strategies as st

from educat.core.model import Entity, FieldDef, Repo, Standard

TYPES = ["string", "integer", "number", "boolean", "date", "datetime", "year"]

# Values that break naive checkers, per type; every type also gets the shared ones.
SHARED = ["", " ", "NA", "-", "null", "  x  ", "\u3000", "a,b", "line\nbreak", '12" pizza'.replace('"', '""')]
VALUES = {
    "string": ["a", "A", "a ", " a", "abc", "abcdef", "中文", "01", "1", "x" * 12],
    "integer": ["0", "1", "01", "-0", "+1", " 1", "1 ", "2", "-5", "1.0", "1e3", "1,000", "１２", "99999999999999999999", "-99999999999999999999", "9223372036854775808", "NaN"],
    "number": ["0", "1.5", "1.50", "-0", "1e3", "1E-2", ".5", "5.", "1,000", "NaN", "nan", "INF", "-inf", "Infinity", " 2", "１.５", "0x10", "1_000"],
    "boolean": ["true", "false", "True", "FALSE", "1", "0", "yes", "no", "t", "是", "否", " true", "是 ", "Y", "N"],
    "date": ["2024-01-05", "2024-1-5", "2024-02-30", "2023-02-29", "2024-13-01", "20240105", "2024/01/05", "2024-01-05T00:00:00", "Infinity", "0001-01-01", "99999-01-01", " 2024-01-05",
             "2024/1/5", "2024/1/ 5", "2024/02/30", "0000/01/01", "05.01.2024", "5.1.2024", "2024年1月5日", "2024年01月05日", "2024年1月5", "2024/1/5 ", "2024/1/5 10"],
    "datetime": ["2024-01-05T10:00:00", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00+08:00", "2024-01-05 10:00:00", "2024-01-05", "2024-01-05T25:00:00", "infinity", "12024-01-05T10:00:00Z", "2024-01-05T10:00:00.5Z"],
    "year": ["2024", "0024", "24", "-2024", "20240", " 2024", "2024.0", "１９９９"],
}
BOUNDS = {
    "integer": [-1, 0, 1, 2, 99999999999999999999],
    "number": [-1.5, 0, 1.5, 2],
    "date": ["2000-01-01", "2024-01-05", "2030-12-31"],
    "datetime": ["2024-01-05T10:00:00Z", "2024-01-05T00:00:00"],
    "year": [1999, 2024],
}
# Declared forms (Table Schema trueValues / falseValues and a date format); the last format is
# one SQL does not read, so such files take the Frictionless path
TRUE_FORMS = [["true", "是"], ["是"], ["1", "Y"]]
FALSE_FORMS = [["false", "否"], ["否"], ["0", "N"]]
DATE_FORMATS = ["%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%Y-%m-%d", "%Y/%m/%d %H"]
PATTERNS = ["[a-z]+", "[0-9]{2}", "a.*", "\\d+", ".{0,3}", "[^,]*"]
MISSING = [[""], ["", "NA"], ["NA"], ["", "-", "null"]]
ENDINGS = ["\n", "\r\n", "\r"]


@st.composite
def field_descriptor(draw, index: int) -> dict:
    kind = draw(st.sampled_from(TYPES))
    descriptor: dict = {"name": f"f{index}", "type": kind}
    if kind == "boolean" and draw(st.booleans()):
        descriptor["trueValues"] = draw(st.sampled_from(TRUE_FORMS))
        descriptor["falseValues"] = draw(st.sampled_from(FALSE_FORMS))
    if kind == "date" and draw(st.booleans()):
        descriptor["format"] = draw(st.sampled_from(DATE_FORMATS))
    written = _date_writer(descriptor.get("format"))  # bounds and enum in the declared form
    constraints: dict = {}
    if draw(st.booleans()):
        constraints["required"] = True
    if draw(st.integers(0, 4)) == 0:
        constraints["unique"] = True
    if kind in BOUNDS and draw(st.booleans()):
        key = draw(st.sampled_from(["minimum", "maximum"]))
        constraints[key] = written(draw(st.sampled_from(BOUNDS[kind])))
    if kind == "string":
        if draw(st.booleans()):
            constraints[draw(st.sampled_from(["minLength", "maxLength"]))] = draw(st.integers(0, 5))
        if draw(st.booleans()):
            constraints["pattern"] = draw(st.sampled_from(PATTERNS))
    if draw(st.integers(0, 3)) == 0:
        pool = {"string": ["a", "A", "01", "中文"], "integer": [1, 2, 0], "number": [1.5, 0, 2], "boolean": [True, False, "是", "否"], "year": [2024, 1999], "date": [written("2024-01-05")], "datetime": ["2024-01-05T10:00:00Z"]}[kind]
        constraints["enum"] = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def _date_writer(fmt: str | None):
    """An ISO date as the declared format writes it (other values unchanged)."""
    import datetime as dt

    def write(value):
        if not fmt or not isinstance(value, str) or "T" in value:
            return value
        return dt.date.fromisoformat(value).strftime(fmt.replace("%Y", value[:4]))

    return write


@st.composite
def schemas(draw) -> dict:
    count = draw(st.integers(1, 5))
    fields = []
    for i in range(count):
        if fields and draw(st.integers(0, 2)) == 0:
            # the same rules as an earlier field: such columns are checked together, as a list
            fields.append({**draw(st.sampled_from(fields)), "name": f"f{i}"})
        else:
            fields.append(draw(field_descriptor(i)))
    schema: dict = {"fields": fields}
    if draw(st.integers(0, 3)) == 0:
        schema["missingValues"] = draw(st.sampled_from(MISSING))
    if draw(st.integers(0, 3)) == 0:
        schema["primaryKey"] = [fields[0]["name"]]
    return schema


def _cell(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_bytes(draw, schema: dict) -> bytes:
    fields = schema["fields"]
    ending = draw(st.sampled_from(ENDINGS))
    lines = [",".join(f["name"] for f in fields)]
    for _ in range(draw(st.integers(0, 6))):
        shape = draw(st.integers(0, 9))
        if shape == 0:
            lines.append("")  # a blank line
            continue
        if shape == 1:
            lines.append("," * (len(fields) - 1))  # a row of only delimiters
            continue
        cells = [_cell(draw(st.sampled_from(VALUES[f["type"]] + SHARED))) for f in fields]
        if shape == 2 and len(cells) > 1:
            cells = cells[: draw(st.integers(1, len(cells) - 1))]  # a short row
        elif shape == 3:
            cells = cells + draw(st.sampled_from([[""], ["x"], ["", "y"]]))  # a trailing delimiter, or more
        lines.append(",".join(cells))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    bom = b"\xef\xbb\xbf" if draw(st.integers(0, 4)) == 0 else b""
    return bom + text.encode("utf-8")


def reference(path: Path, schema: dict) -> Counter:
    """(row, field, type) of every error frictionless-py reports for the file."""
    from frictionless import Dialect, Resource, Schema, formats

    # deviations (docs/engine.md): the dialect (comma, double quote, spaces kept) is never sniffed, and the header is always row 1
    dialect = Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=",", quote_char="\"", skip_initial_space=False)])
    encoding = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8"
    resource = Resource(path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(schema), format="csv", encoding=encoding, dialect=dialect)
    report = resource.validate(limit_errors=2**31 - 1)  # every error, not the first 1,000
    found = Counter()
    for task in report.tasks:
        for error in task.errors:
            found[(getattr(error, "row_number", None), getattr(error, "field_name", None) or "", error.type)] += 1
    for error in report.errors:
        found[(None, "", error.type)] += 1
    return found


class _NoCodeLists(Repo):
    def field_codelists(self, fields, std):
        return {}


def educat(path: Path, schema: dict, engine: str = "auto") -> Counter:
    """(row, field, type) of every finding ``educat check`` reports for the file."""
    from educat.tables.check import CheckReport, check_entity

    fields = [FieldDef(dict(f, title=f["name"])) for f in schema["fields"]]
    descriptor = {"name": "t", "fields": [f.descriptor for f in fields], **{k: v for k, v in schema.items() if k != "fields"}}
    entity = Entity("t", path.parent / "t.yaml", descriptor, fields)
    std = Standard("conformance", "1.0.0", path.parent, {"title": "conformance"}, entities={"t": entity})
    report: CheckReport = check_entity(path, _NoCodeLists(root=path.parent), std, entity, engine=engine, limit=None)
    found = Counter()
    for f in report.findings:
        if f.severity == "error":
            found[(f.row, f.field or "", f.type)] += 1
    return found


# Deliberate deviations, each in docs/engine.md's table, encoded here so that nothing else hides.
NUMERIC = ("integer", "number", "year", "date")


def _foreign_digits(path: Path, schema: dict) -> set[tuple[int, str]]:
    """(row, field) of cells in numeric or date fields holding a digit that is not ASCII
    (full-width １２): Python's int(), Decimal() and strptime() read them, educat does not."""
    text = path.read_bytes().decode("utf-8-sig")
    kinds = {f["name"]: f["type"] for f in schema["fields"]}
    names = [f["name"] for f in schema["fields"]]
    found = set()
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for name, cell in zip(names, cells):
            if number > 1 and kinds[name] in NUMERIC and any(ch.isdecimal() and not ch.isascii() for ch in cell):
                found.add((number, name))
    return found


def deviations(path: Path, schema: dict):
    """A predicate over findings (row, field, type) that the documented deviations explain."""
    foreign = _foreign_digits(path, schema)
    fields = {name for _, name in foreign}
    keys = set(schema.get("primaryKey") or [])

    def explained(key: tuple) -> bool:
        row, name, kind = key
        if kind == "no-data" and row == 1:
            return True  # a file with a header and no data rows is an error for educat
        if (row, name) in foreign and kind in ("type-error", "constraint-error"):
            return True  # full-width digits are not numbers for educat
        if kind == "unique-error" and name in fields:
            return True  # …so they do not repeat the number they look like
        if kind == "primary-key" and keys & fields:
            return True
        return False

    return explained


def compare(path: Path, schema: dict, engine: str = "auto") -> tuple[Counter, Counter]:
    """(only Frictionless reported, only educat reported), documented deviations removed."""
    explained = deviations(path, schema)
    ref = Counter({k: n for k, n in reference(path, schema).items() if not explained(k)})
    ours = Counter({k: n for k, n in educat(path, schema, engine).items() if not explained(k)})
    return ref - ours, ours - ref


def describe(schema: dict, data: bytes, missing: Counter, extra: Counter) -> str:
    return f"schema={json.dumps(schema, ensure_ascii=False)}\ncsv={data!r}\nonly frictionless: {dict(missing)}\nonly educat: {dict(extra)}"
