"""The fast check engine: Table Schema checks expressed as SQL and run by DuckDB.

One streaming scan of the CSV computes every cell rule (required, type, pattern, enum, range,
length, code lists and the identifier rules) as a list of findings per row; uniqueness and
primary keys are one hash aggregate each. The rules are the same as Frictionless's (a parity
test proves it on a corrupted sample), the row numbers are the file's (header = row 1), the
counts are exact and only the listing is capped. Memory stays bounded: DuckDB streams the file
and spills to disk; only findings are stored.

Because every rule is a SQL expression (``sql_rules``), the same checks can run on any SQL
engine that has the CSV as a table, e.g. a distributed one; see docs/engine.md.
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .formats import ID_CHECK, ID_WEIGHTS, PROVINCE_PREFIXES, USCC_CHARSET, USCC_WEIGHTS
from .model import CodeList, FieldDef

TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]


class EngineUnsupported(Exception):
    """The file needs the Frictionless path (e.g. ragged rows that DuckDB refuses to read)."""


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _uscc_sql(v: str) -> str:
    # 17 weighted terms written out: vectorised arithmetic, no per-row lambda
    total = " + ".join(f"(instr({lit(USCC_CHARSET)}, substr({v}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS))
    return (
        f"(length({v}) = 18 AND regexp_full_match({v}, '[{USCC_CHARSET}]{{18}}') AND regexp_full_match(substr({v}, 3, 6), '[0-9]{{6}}')"
        f" AND substr({lit(USCC_CHARSET)}, CAST(((31 - ({total}) % 31) % 31) + 1 AS BIGINT), 1) = substr({v}, 18, 1))"
    )


def _id_card_sql(v: str) -> str:
    """Uses ``__n``, the first 17 digits as an integer, which the rule's source computes once."""
    total = " + ".join(f"((__n // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return (
        f"(regexp_full_match(upper({v}), '[0-9]{{17}}[0-9X]') AND try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL"
        f" AND substr({lit(ID_CHECK)}, CAST((({total}) % 11) + 1 AS BIGINT), 1) = substr(upper({v}), 18, 1))"
    )


def rule_source(rule: str | None, v: str) -> str:
    """The table a rule's condition reads: ``src``, plus precomputed helpers for some rules."""
    if rule == "id-card":
        return f"(SELECT *, TRY_CAST(substr({v}, 1, 17) AS BIGINT) AS __n FROM src)"
    return "src"


def _rule_sql(rule: str, v: str) -> str | None:
    """SQL that is TRUE when the value passes the rule (the same rules as formats.py)."""
    if rule == "uscc":
        return _uscc_sql(v)
    if rule == "id-card":
        return _id_card_sql(v)
    if rule == "division":
        prefixes = ",".join(lit(p) for p in sorted(PROVINCE_PREFIXES))
        return f"(regexp_full_match({v}, '[0-9]{{6}}') AND substr({v}, 1, 2) IN ({prefixes}))"
    if rule == "school-code":
        return f"regexp_full_match({v}, '[0-9]{{10}}')"
    return None


def _type_ok(f: FieldDef, v: str) -> str | None:
    t = f.type
    if t == "integer":
        return f"regexp_full_match(trim({v}), '[+-]?[0-9]+')"
    if t == "number":
        return f"TRY_CAST(trim({v}) AS DOUBLE) IS NOT NULL"
    if t == "boolean":
        values = (f.descriptor.get("trueValues") or TRUE_VALUES) + (f.descriptor.get("falseValues") or FALSE_VALUES)
        return f"{v} IN ({','.join(lit(x) for x in values)})"
    if t == "date":
        return f"try_strptime({v}, '%Y-%m-%d') IS NOT NULL"
    if t == "datetime":
        return f"TRY_CAST({v} AS TIMESTAMP) IS NOT NULL"
    if t == "year":
        return f"regexp_full_match({v}, '[0-9]{{4}}')"
    if t == "array":
        return f"(json_valid({v}) AND json_type({v}) = 'ARRAY')"
    return None


def _typed(f: FieldDef, v: str) -> str:
    """The value as a comparable SQL value, for minimum/maximum."""
    if f.type in ("integer", "year"):
        return f"TRY_CAST(trim({v}) AS BIGINT)"
    if f.type == "number":
        return f"TRY_CAST(trim({v}) AS DOUBLE)"
    if f.type == "date":
        return f"CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"
    return v


def _bound(f: FieldDef, value) -> str:
    if f.type == "date":
        return f"DATE {lit(value)}"
    return str(value) if f.type in ("integer", "year", "number") else lit(value)


def sql_rules(f: FieldDef, column: str, codes: list[str] | None) -> list[tuple[str, str, str]]:
    """(error type, rule name, SQL condition that is TRUE when the cell breaks the rule) for one field.

    Conditions are ordered like Frictionless: a type error hides the constraint errors of the
    same cell, and a missing cell is only checked by ``required``.
    """
    v = q(column)
    rules = []
    cons = f.constraints
    present = f"{v} IS NOT NULL"
    if cons.get("required"):
        rules.append(("constraint-error", "required", f"{v} IS NULL"))
    type_ok = _type_ok(f, v)
    ok = present
    if type_ok:
        rules.append(("type-error", f.type, f"{present} AND NOT ({type_ok})"))
        ok = f"{present} AND ({type_ok})"
    if "pattern" in cons:
        rules.append(("constraint-error", "pattern", f"{ok} AND NOT regexp_full_match({v}, {lit(cons['pattern'])})"))
    if "enum" in cons:
        rules.append(("constraint-error", "enum", f"{ok} AND {v} NOT IN ({','.join(lit(x) for x in cons['enum'])})"))
    for key, op in (("minimum", "<"), ("maximum", ">")):
        if key in cons:
            rules.append(("constraint-error", key, f"{ok} AND {_typed(f, v)} {op} {_bound(f, cons[key])}"))
    for key, op in (("minLength", "<"), ("maxLength", ">")):
        if key in cons:
            rules.append(("constraint-error", key, f"{ok} AND length({v}) {op} {int(cons[key])}"))
    if codes is not None:
        listed = "[" + ",".join(lit(c) for c in codes) + "]"
        if f.type == "array":
            rules.append(("code-error", "codelist", f"{ok} AND len(list_filter(CAST(json_extract_string({v}, '$[*]') AS VARCHAR[]), lambda x: NOT list_contains({listed}, x))) > 0"))
        else:
            rules.append(("code-error", "codelist", f"{ok} AND NOT list_contains({listed}, {v})"))
    rule = _rule_sql(f.rule, v) if f.rule else None
    if rule:
        kind = {"uscc": "uscc-error", "id-card": "id-card-error", "division": "division-error", "school-code": "school-code-error"}[f.rule]
        rules.append((kind, f.rule, f"{ok} AND NOT ({rule})"))
    return rules


@dataclass
class EngineResult:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    findings: list[tuple[int, str, str, str, object]] = field(default_factory=list)  # (row, field, type, rule, value)


def transcode_to_utf8(path: Path, encoding: str, chunk: int = 1 << 20) -> Path:
    """Stream a GB18030 (or other) file into a temporary UTF-8 file, a megabyte at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="educat-utf8-")
    with os.fdopen(fd, "wb") as out, path.open("rb") as src:
        while True:
            block = src.read(chunk)
            if not block:
                out.write(decoder.decode(b"", final=True).encode("utf-8"))
                break
            out.write(decoder.decode(block).encode("utf-8"))
    return Path(name)


def run_checks(
    path: Path,
    columns: dict[int, FieldDef],
    width: int,
    codelists: dict[str, CodeList],
    primary_key: list[str] | None = None,
    *,
    encoding: str = "utf-8",
    limit: int | None = 1000,
    progress=None,
    memory_limit: str = "1GB",
) -> EngineResult:
    """Check a CSV whose header has ``width`` columns; ``columns`` maps a column index to its field."""
    import duckdb

    source = path
    temp = None
    if encoding not in ("utf-8", "utf-8-sig"):
        temp = source = transcode_to_utf8(path, encoding)
    names = [f"c{i}" for i in range(width)]
    spill = tempfile.mkdtemp(prefix="educat-duckdb-")
    # an on-disk database in a private temp folder: the table is paged by DuckDB's buffer manager
    # under memory_limit instead of living in memory, so a 20 M-row file does not need 20 M rows of RAM
    con = duckdb.connect(str(Path(spill) / "check.duckdb"), config={"memory_limit": memory_limit, "preserve_insertion_order": True, "temp_directory": spill})
    try:
        spec = "{" + ",".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
        done = threading.Event()
        if progress is not None:
            threading.Thread(target=_poll, args=(con, progress, done), daemon=True).start()
        try:
            # one streaming read into DuckDB's columnar storage (spilled to disk beyond memory_limit);
            # every rule then scans only the columns it needs
            # insertion order is file order (preserve_insertion_order), so rowid + 2 is the file row
            con.execute(
                f"CREATE TABLE raw AS SELECT * FROM read_csv({lit(str(source))}, header = true, "
                f"columns = {spec}, auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true)"
            )
            con.execute("CREATE VIEW src AS SELECT *, rowid + 2 AS __row FROM raw")
            rows = con.execute("SELECT count(*) FROM src").fetchone()[0]
            con.execute("CREATE TABLE findings (row BIGINT, field VARCHAR, type VARCHAR, detail VARCHAR, value VARCHAR)")
            branches = []
            for index, f in columns.items():
                codes = list(codelists[f.name].codes) if f.name in codelists else None
                for kind, detail, condition in sql_rules(f, names[index], codes):
                    source = rule_source(f.rule, q(names[index])) if detail == f.rule else "src"
                    branches.append(f"SELECT __row, {lit(f.name)}, {lit(kind)}, {lit(detail)}, {q(names[index])} FROM {source} WHERE {condition}")
            # uniqueness: one hash aggregate per distinct key, shared by unique-error and primary-key
            duplicate_sets: dict[tuple, list[str]] = {}
            for index, f in columns.items():
                if f.constraints.get("unique"):
                    duplicate_sets.setdefault((names[index],), []).append(f"{lit(f.name)}, 'unique-error', 'unique', s.{q(names[index])}")
            key_columns = [names[i] for i, f in columns.items() if primary_key and f.name in primary_key]
            if primary_key and len(key_columns) == len(primary_key):
                nulls = " OR ".join(f"{q(k)} IS NULL" for k in key_columns)
                branches.append(f"SELECT __row, '', 'primary-key', 'primaryKey', NULL FROM src WHERE {nulls}")
                duplicate_sets.setdefault(tuple(key_columns), []).append("'', 'primary-key', 'primaryKey', NULL")
            for number, (keys, selects) in enumerate(duplicate_sets.items()):
                con.execute(f"CREATE TABLE dup{number} AS {_duplicates(list(keys))}")
                branches.extend(f"SELECT s.__row, {select} FROM dup{number} s" for select in selects)
            for branch in branches:
                con.execute(f"INSERT INTO findings {branch}")
        except duckdb.Error as exc:
            raise EngineUnsupported(str(exc).splitlines()[0]) from None
        finally:
            done.set()
        result = EngineResult(rows=rows)
        result.counts = Counter(dict(con.execute("SELECT type, count(*) FROM findings GROUP BY type").fetchall()))
        order = {f.name: i for i, f in columns.items()}
        field_rank = "CASE field " + " ".join(f"WHEN {lit(n)} THEN {i}" for n, i in order.items()) + " ELSE -1 END"
        listing = f"SELECT row, field, type, detail, value FROM findings ORDER BY row, {field_rank}, type" + (f" LIMIT {int(limit)}" if limit else "")
        result.findings = con.execute(listing).fetchall()
        return result
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        if temp is not None:
            temp.unlink(missing_ok=True)


def _duplicates(columns: list[str]) -> str:
    """Rows whose key repeats an earlier row's key (NULL keys excluded): a hash aggregate finds the
    repeated keys and a join finds their later rows, cheaper than sorting every row for a window."""
    keys = ", ".join(q(c) for c in columns)
    where = " AND ".join(f"{q(c)} IS NOT NULL" for c in columns)
    on = " AND ".join(f"s.{q(c)} = d.{q(c)}" for c in columns)
    return (
        f"SELECT s.* FROM src s JOIN (SELECT {keys}, min(__row) AS first FROM src WHERE {where} GROUP BY {keys} HAVING count(*) > 1) d "
        f"ON {on} WHERE s.__row > d.first"
    )


def _poll(con, progress, done) -> None:
    last = 0.0
    while not done.wait(0.2):
        try:
            value = con.query_progress()
        except Exception:  # noqa: BLE001 - progress is best effort
            return
        if value is not None and value > last:
            progress(value - last)
            last = value


def portable_sql(fields: list[FieldDef], codelists: dict[str, CodeList], table: str = "src") -> str:
    """The cell rules as one SQL query over a table whose columns are the field names and which
    has a ``__row`` column (the file row). Written for DuckDB; the functions used (regexp_full_match,
    try_strptime, TRY_CAST, list_contains) have direct equivalents in Spark SQL, Trino and others."""
    branches = []
    for f in fields:
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        for kind, detail, condition in sql_rules(f, f.name, codes):
            source = rule_source(f.rule, q(f.name)) if detail == f.rule else table
            if source != table:
                source = source.replace("FROM src", f"FROM {table}")
            branches.append(f"SELECT __row, {lit(f.name)} AS field, {lit(kind)} AS type, {lit(detail)} AS rule, {q(f.name)} AS value\nFROM {source}\nWHERE {condition}")
    return "\nUNION ALL\n".join(branches) + "\nORDER BY __row;\n"
