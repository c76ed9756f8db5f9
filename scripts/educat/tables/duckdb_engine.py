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

from educat.core.model import CodeList, FieldDef
from educat.tables.identifiers import ID_WEIGHTS, PROVINCE_PREFIXES, USCC_CHARSET, USCC_WEIGHTS

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


def _id_card_coefficients() -> list[int]:
    """c_k with sum(w_i * d_i) = sum(c_k * (n // 10**k)) (mod 11), n the first 17 digits.

    With Q_k = n // 10**k, the digit at place 10**k is Q_k - 10 * Q_(k+1), so the weighted
    sum regroups as sum(Q_k * (w_k - 10 * w_(k-1))): 16 divisions instead of 17 divisions,
    17 remainders and 17 multiplications per row (the largest term stays below 2**63).
    """
    place = list(reversed(ID_WEIGHTS))  # weight of the digit at place 10**k
    return [(place[k] - 10 * (place[k - 1] if k else 0)) % 11 for k in range(len(place))]


def _id_card_sql(v: str) -> str:
    """GB 11643: the 17 weighted digits plus the check value (X = 10) must be 1 modulo 11.
    Uses the helper column ``__n_<column>`` (the first 17 digits as an integer) that
    ``rule_helpers`` defines."""
    n = helper_name(v)
    total = " + ".join(f"({n} // {10 ** k}) * {c}" if k else f"{n} * {c}" for k, c in enumerate(_id_card_coefficients()) if c)
    check_value = f"least(strpos('0123456789Xx', substr({v}, 18, 1)) - 1, 10)"
    return (
        f"(regexp_full_match({v}, '[0-9]{{17}}[0-9Xx]') AND try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL"
        f" AND ({total} + {check_value}) % 11 = 1)"
    )


def helper_name(v: str) -> str:
    return q("__n_" + v.strip('"').replace('""', '"'))


def rule_helpers(rule: str | None, v: str) -> dict[str, str]:
    """Columns computed once per row before the rules run (name -> SQL expression)."""
    if rule == "id-card":
        return {helper_name(v): f"TRY_CAST(substr({v}, 1, 17) AS BIGINT)"}
    return {}


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


@dataclass
class Rule:
    field: str  # the field's name ('' for the primary key)
    kind: str  # error type, e.g. constraint-error
    detail: str  # rule name, e.g. pattern
    column: str | None  # the column whose value the finding shows
    condition: str  # SQL, TRUE when the row breaks the rule


@dataclass
class KeySet:
    columns: tuple[str, ...]
    findings: list[tuple[str, str, str, str | None]]  # (field, kind, detail, value column) per repeated row


def plan_rules(columns: dict[int, FieldDef], names: list[str], codelists: dict[str, CodeList], primary_key: list[str] | None):
    """The cell rules, the helper columns they read and the key sets that must not repeat."""
    rules: list[Rule] = []
    helpers: dict[str, str] = {}
    key_sets: dict[tuple, KeySet] = {}
    for index, f in columns.items():
        column = names[index]
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        for kind, detail, condition in sql_rules(f, column, codes):
            rules.append(Rule(f.name, kind, detail, column, condition))
        helpers.update(rule_helpers(f.rule, q(column)))
        if f.constraints.get("unique"):
            key_sets.setdefault((column,), KeySet((column,), [])).findings.append((f.name, "unique-error", "unique", column))
    key_columns = [names[i] for i, f in columns.items() if primary_key and f.name in primary_key]
    if primary_key and len(key_columns) == len(primary_key):
        rules.append(Rule("", "primary-key", "primaryKey", None, " OR ".join(f"{q(k)} IS NULL" for k in key_columns)))
        key_sets.setdefault(tuple(key_columns), KeySet(tuple(key_columns), [])).findings.append(("", "primary-key", "primaryKey", None))
    return rules, helpers, list(key_sets.values())


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
    """Check a CSV whose header has ``width`` columns; ``columns`` maps a column index to its field.

    1. One parallel streaming scan counts every rule's findings (``count_if``) and every key's
       repeats (rows minus distinct keys): the counts are exact and nothing is stored.
    2. Only when a count is not zero, an order-preserving scan numbers the rows
       (``row_number() OVER ()`` = the file's record order, header = row 1) and stops as soon
       as it has listed ``limit`` rows with findings; repeated keys are found by a hash
       aggregate over the key columns and a join.
    """
    import duckdb

    source = path
    temp = None
    if encoding not in ("utf-8", "utf-8-sig"):
        temp = source = transcode_to_utf8(path, encoding)
    names = [f"c{i}" for i in range(width)]
    rules, helpers, key_sets = plan_rules(columns, names, codelists, primary_key)
    spec = "{" + ",".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    csv = (
        f"read_csv({lit(str(source))}, header = true, columns = {spec}, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true)"
    )
    extra = "".join(f", {expr} AS {name}" for name, expr in helpers.items())
    spill = tempfile.mkdtemp(prefix="educat-duckdb-")
    # in memory, but DuckDB spills hash tables to the private temp folder beyond memory_limit
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": True, "temp_directory": spill})
    done = threading.Event()
    poller = None
    if progress is not None:
        # DuckDB reports progress only with its progress bar on; its own printing stays off
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        poller = threading.Thread(target=_poll, args=(con, progress, done), daemon=True)
        poller.start()
    try:
        counts = [f"count_if({r.condition})" for r in rules]
        for keys in key_sets:
            present = " AND ".join(f"{q(c)} IS NOT NULL" for c in keys.columns)
            key = q(keys.columns[0]) if len(keys.columns) == 1 else "row(" + ", ".join(q(c) for c in keys.columns) + ")"
            counts.append(f"count(*) FILTER (WHERE {present}) - count(DISTINCT {key}) FILTER (WHERE {present})")
        totals = con.execute(f"SELECT count(*){''.join(', ' + c for c in counts)} FROM (SELECT *{extra} FROM {csv})").fetchone()
        result = EngineResult(rows=totals[0])
        # count_if over an empty file is NULL
        rule_counts, key_counts = [n or 0 for n in totals[1 : 1 + len(rules)]], [n or 0 for n in totals[1 + len(rules) :]]
        for r, n in zip(rules, rule_counts):
            result.counts[r.kind] += n
        for keys, n in zip(key_sets, key_counts):
            for _, kind, _, _ in keys.findings:
                result.counts[kind] += n
        result.counts = +result.counts
        findings = []
        failing = [r for r, n in zip(rules, rule_counts) if n]
        if failing:
            flags = ", ".join(f"coalesce({r.condition}, false)" for r in failing)
            shown = sorted({r.column for r in failing if r.column})
            values = "".join(f", {q(c)}" for c in shown)
            where = " OR ".join(f"({r.condition})" for r in failing)
            query = f"SELECT __row{values}, {flags} FROM (SELECT row_number() OVER () + 1 AS __row, *{extra} FROM {csv}) WHERE {where}"
            for record in con.execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall():
                row, value_of = record[0], dict(zip(shown, record[1 : 1 + len(shown)]))
                for r, hit in zip(failing, record[1 + len(shown) :]):
                    if hit:
                        findings.append((row, r.field, r.kind, r.detail, value_of.get(r.column)))
        for keys, n in zip(key_sets, key_counts):
            if n:
                for row, value in con.execute(_duplicates(csv, list(keys.columns), limit)).fetchall():
                    for name, kind, detail, column in keys.findings:
                        findings.append((row, name, kind, detail, value if column else None))
        rank = {f.name: i for i, f in columns.items()}
        findings.sort(key=lambda x: (x[0], rank.get(x[1], -1), x[2]))
        result.findings = findings[:limit] if limit else findings
        return result
    except duckdb.Error as exc:
        raise EngineUnsupported(str(exc).splitlines()[0]) from None
    finally:
        done.set()
        if poller is not None:
            poller.join()
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        if temp is not None:
            temp.unlink(missing_ok=True)


def _duplicates(csv: str, columns: list[str], limit: int | None) -> str:
    """Rows whose key repeats an earlier row's key (NULL keys excluded), first ``limit`` in file
    order: the file row and the first key column's value. A hash aggregate finds the repeated
    keys and a join finds their later rows, cheaper than sorting every row for a window."""
    keys = ", ".join(q(c) for c in columns)
    where = " AND ".join(f"{q(c)} IS NOT NULL" for c in columns)
    on = " AND ".join(f"s.{q(c)} = d.{q(c)}" for c in columns)
    return (
        f"WITH s AS MATERIALIZED (SELECT row_number() OVER () + 1 AS __row, {keys} FROM {csv}) "
        f"SELECT s.__row, s.{q(columns[0])} FROM s JOIN (SELECT {keys}, min(__row) AS first FROM s WHERE {where} GROUP BY {keys} HAVING count(*) > 1) d "
        f"ON {on} WHERE s.__row > d.first ORDER BY s.__row" + (f" LIMIT {int(limit)}" if limit else "")
    )


def _poll(con, progress, done) -> None:
    """Move a 0-100 progress bar with the running query (the counting scan is nearly all the
    work; later scans restart DuckDB's figure, so only increases count), then fill it."""
    last = 0.0
    while not done.wait(0.2):
        try:
            value = con.query_progress()
        except Exception:  # noqa: BLE001 - progress is best effort
            break
        if value is not None and 0 <= value <= 100 and value > last:
            progress(value - last)
            last = value
    progress(100 - last)


def portable_sql(fields: list[FieldDef], codelists: dict[str, CodeList], table: str = "src") -> str:
    """The cell rules as one SQL query over a table whose columns are the field names and which
    has a ``__row`` column (the file row). Written for DuckDB; the functions used (regexp_full_match,
    try_strptime, TRY_CAST, list_contains) have direct equivalents in Spark SQL, Trino and others."""
    branches = []
    for f in fields:
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        helpers = rule_helpers(f.rule, q(f.name))
        source = f"(SELECT *{''.join(f', {e} AS {n}' for n, e in helpers.items())} FROM {table})" if helpers else table
        for kind, detail, condition in sql_rules(f, f.name, codes):
            branches.append(f"SELECT __row, {lit(f.name)} AS field, {lit(kind)} AS type, {lit(detail)} AS rule, {q(f.name)} AS value\nFROM {source if detail == f.rule else table}\nWHERE {condition}")
    return "\nUNION ALL\n".join(branches) + "\nORDER BY __row;\n"
