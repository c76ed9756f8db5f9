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
import re
import os
import shutil
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from educat.core.model import CodeList, FieldDef
from educat.tables.scan import last_line_bytes
from educat.tables.sql_rules import Cell, cell_rules, lit, q, rule_helpers, supported



class EngineUnsupported(Exception):
    """The file needs the Frictionless path (e.g. ragged rows that DuckDB refuses to read)."""


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
    field: str  # the field's name ('' for the primary key, an extra cell, a blank row)
    kind: str  # error type, e.g. constraint-error
    detail: str  # rule name, e.g. pattern
    column: str | None  # the column whose value the finding shows
    condition: str  # SQL, TRUE when the row breaks the rule
    # The rule is also TRUE on blank rows, where it must not count: -1 on every blank row
    # (required), i on blank rows shorter than column i (missing-cell); None: never.
    position: int | None = None


@dataclass
class KeySet:
    keys: tuple[str, ...]  # SQL of each key value (NULL when blank or of the wrong type)
    findings: list[tuple[str, str, str, str | None]]  # (field, kind, detail, value column) per repeated row
    composite: bool = False  # a primary key: NULL parts count as equal, an all-NULL key is its own error
    skip: str = "false"  # SQL: rows that never repeat (a NaN part: NaN equals nothing)


def plan_rules(columns: dict[int, FieldDef], names: list[str], codelists: dict[str, CodeList], primary_key: list[str] | None, missing: list[str] | None = None):
    """The row and cell rules, the helper columns they read, the key sets that must not repeat,
    and the cells that SQL cannot judge exactly (any of them sends the file to Frictionless).

    ``names`` has one column per header label plus one more, for an extra cell: a cell that
    the row lacks is NULL there (missing-cell), an empty cell is ''. A row whose every cell is
    a missing value is a blank row and reports nothing else, as in Frictionless."""
    missing = [""] if missing is None else list(missing)
    width = len(names) - 1
    for f in columns.values():
        why = supported(f)
        if why:
            raise EngineUnsupported(f"{why}需用 Frictionless 检查")
    any_field = FieldDef({"name": "", "type": "any"})
    cells = {i: Cell(columns.get(i, any_field), names[i], missing) for i in range(width)}
    computed: dict[str, str] = {}
    for cell in cells.values():
        computed.update(cell.helpers)
    # The blank-row test reads every column. It is one helper column, referenced by two rules
    # only: the rules that can also fire on a blank row (required, missing-cell) are counted
    # without it and corrected afterwards (``_run``), because repeating it in every rule makes
    # the query, and DuckDB's time to plan it, grow with the square of the column count.
    helpers: dict[str, str] = {**computed, "__blank": "(" + " AND ".join(cells[i].blank for i in range(width)) + ")"}
    rules: list[Rule] = [Rule("", "blank-row", "blank-row", None, "__blank")]
    unsure: list[str] = []
    for i in range(width):
        f = columns.get(i)
        rules.append(Rule(f.name if f else "", "missing-cell", "missing-cell", None, f"{q(names[i])} IS NULL", position=i))
    rules.append(Rule("", "extra-cell", "extra-cell", names[width], f"NOT __blank AND {q(names[width])} IS NOT NULL"))
    key_sets: dict[tuple, KeySet] = {}
    for index, f in columns.items():
        column = names[index]
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        found, doubt, _ = cell_rules(f, column, codes, missing)  # its helpers are those of cells[index]
        for kind, detail, condition in found:  # only required can fire on a blank cell
            rules.append(Rule(f.name, kind, detail, column, condition, position=-1 if detail == "required" else None))
        if doubt:
            unsure.append(doubt)
        helpers.update(rule_helpers(f.rule, q(column)))
        if f.constraints.get("unique"):
            key_sets.setdefault((cells[index].key,), KeySet((cells[index].key,), [])).findings.append((f.name, "unique-error", "unique", column))
    key_cells = [cells[i] for i, f in columns.items() if primary_key and f.name in primary_key]
    if primary_key and len(key_cells) == len(primary_key):
        rules.append(Rule("", "primary-key", "primaryKey", None, " AND ".join(f"NOT {c.ok}" for c in key_cells)))
        skip = " OR ".join(c.nan for c in key_cells)
        finding = ("", "primary-key", "primaryKey", None)
        if len(key_cells) == 1 and (key_cells[0].key,) in key_sets:
            # a one-field key that is also unique: the same values repeat (blank and NaN never do), one count serves both
            key_sets[(key_cells[0].key,)].findings.append(finding)
        else:
            key_sets[("pk",) + tuple(c.key for c in key_cells)] = KeySet(tuple(c.key for c in key_cells), [finding], composite=True, skip=skip)
    row_length = "CASE " + " ".join(f"WHEN {q(names[i])} IS NULL THEN {i}" for i in range(width)) + f" ELSE {width} END"
    return rules, helpers, list(key_sets.values()), unsure, row_length


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
    missing_values: list[str] | None = None,
) -> EngineResult:
    """Check a CSV whose header has ``width`` columns; ``columns`` maps a column index to its field.

    1. One parallel streaming scan counts every rule's findings (``count_if``), every key's
       repeats (rows minus distinct keys) and the cells SQL cannot judge exactly (if there are
       any, ``EngineUnsupported``: the caller uses Frictionless). The counts are exact and
       nothing is stored.
    2. Only when a count is not zero, an order-preserving scan numbers the rows
       (``row_number() OVER ()`` = the file's record order, header = row 1) and stops as soon
       as it has listed ``limit`` rows with findings; repeated keys are found by a hash
       aggregate over the key values and a join.
    """
    import duckdb

    names = [f"c{i}" for i in range(width + 1)]  # one more column: an extra cell lands there
    rules, helpers, key_sets, unsure, row_length = plan_rules(columns, names, codelists, primary_key, missing_values)
    source = path
    temp = None
    if encoding not in ("utf-8", "utf-8-sig"):
        temp = source = transcode_to_utf8(path, encoding)
    spill = tempfile.mkdtemp(prefix="educat-duckdb-")
    # in memory, but DuckDB spills hash tables to the private temp folder beyond memory_limit
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": True, "temp_directory": spill})
    done = threading.Event()
    poller = None
    if progress is None:
        con.execute("SET enable_progress_bar = false")  # DuckDB would print its own bar on stderr for a long query
    else:
        # DuckDB reports progress only with its progress bar on; its own printing stays off
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        poller = threading.Thread(target=_poll, args=(con, progress, done), daemon=True)
        poller.start()
    layers = _layers(helpers)
    try:
        try:
            return _run(con, _computed(_reader(source, names, parallel=True), layers), rules, key_sets, unsure, row_length, columns, limit)
        except duckdb.Error as exc:
            if "quoted new lines" not in str(exc):
                raise
            # a quoted newline and a short row in one file: DuckDB pads rows only when reading in one thread
            return _run(con, _computed(_reader(source, names, parallel=False), layers), rules, key_sets, unsure, row_length, columns, limit)
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


def _reader(source: Path, names: list[str], parallel: bool) -> str:
    """The CSV as VARCHAR columns: an empty cell is '' (no string is read as NULL), a cell the row
    lacks is NULL (null_padding), a row longer than ``names`` is an error, and a line may be as
    long as the file (up to 1 GB)."""
    spec = "{" + ",".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    # DuckDB stops with an error at a line past its limit (2 MB), except the last line, which it
    # drops without a word: when the last line is that long, allow the whole file (a bigger limit
    # costs speed on every file, so only then)
    longest = 1 << 21
    if last_line_bytes(source) >= longest // 2:
        longest = max(longest, min(source.stat().st_size + 1, 1 << 30))
    return (
        f"read_csv({lit(str(source))}, header = true, columns = {spec}, auto_detect = false, max_line_size = {longest}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = true, "
        f"nullstr = '\x01\x02', parallel = {'true' if parallel else 'false'})"
    )


def _layers(helpers: dict[str, str]) -> list[list[tuple[str, str]]]:
    """Helper columns grouped so that each group reads only the columns of earlier groups. Each
    group is one nested SELECT: DuckDB binds a column alias used in the same SELECT list at a cost
    that grows with the list, which made wide tables take time quadratic in their width."""
    level: dict[str, int] = {}
    for name, expression in helpers.items():
        used = (f'"{n}"' for n in re.findall(r'"(__[^"]*)"', expression))
        level[name] = 1 + max((level.get(other, 0) for other in used), default=0)
    return [[(n, helpers[n]) for n in helpers if level[n] == k] for k in range(1, max(level.values(), default=0) + 1)]


def _computed(csv: str, layers: list[list[tuple[str, str]]]) -> str:
    """The CSV with the helper columns, as a subquery."""
    source = csv
    for layer in layers:
        source = f"(SELECT *, {', '.join(f'{expression} AS {name}' for name, expression in layer)} FROM {source})"
    return source


def _run(con, src: str, rules: list[Rule], key_sets: list[KeySet], unsure: list[str], row_length: str, columns, limit) -> EngineResult:
    counts = [f"count_if({r.condition})" for r in rules]
    for keys in key_sets:
        if keys.composite:
            present = "NOT (" + " AND ".join(f"{k} IS NULL" for k in keys.keys) + f") AND NOT ({keys.skip})"
            key = keys.keys[0] if len(keys.keys) == 1 else "row(" + ", ".join(keys.keys) + ")"
        else:
            present, key = f"{keys.keys[0]} IS NOT NULL", keys.keys[0]
        counts.append(f"count(*) FILTER (WHERE {present}) - count(DISTINCT {key}) FILTER (WHERE {present})")
    # one count per column (one OR over every column takes DuckDB quadratic time to plan)
    doubts = [f"count_if({u})" for u in unsure]
    totals = con.execute(f"SELECT count(*){''.join(', ' + c for c in doubts + counts)} FROM {src}").fetchone()
    doubtful = sum(n or 0 for n in totals[1 : 1 + len(doubts)])
    if doubtful:
        raise EngineUnsupported(f"{doubtful} 个单元格的值超出 SQL 能精确判断的范围(超长整数、超过 15 位有效数字的小数等)")
    result = EngineResult(rows=totals[0])
    # count_if over an empty file is NULL
    start = 1 + len(doubts)
    rule_counts, key_counts = [n or 0 for n in totals[start : start + len(rules)]], [n or 0 for n in totals[start + len(rules) :]]
    blank_rows = rule_counts[0]
    if blank_rows:  # take out what required and missing-cell counted on blank rows
        lengths = {}
        if any(n and r.position is not None and r.position >= 0 for r, n in zip(rules, rule_counts)):
            lengths = dict(con.execute(f"SELECT {row_length}, count(*) FROM {src} WHERE __blank GROUP BY ALL").fetchall())
        for index, r in enumerate(rules):
            if r.position == -1:
                rule_counts[index] -= blank_rows
            elif r.position is not None:
                rule_counts[index] -= sum(n for length, n in lengths.items() if length <= r.position)
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
        where = " OR ".join(f"coalesce({r.condition}, false)" for r in failing)
        query = f"SELECT __row, __blank{values}, {flags} FROM (SELECT row_number() OVER () + 1 AS __row, * FROM {src}) WHERE {where}"
        for record in con.execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall():
            row, blank, value_of = record[0], record[1], dict(zip(shown, record[2 : 2 + len(shown)]))
            for r, hit in zip(failing, record[2 + len(shown) :]):
                if hit and (not blank or r.kind in ("blank-row", "primary-key")):  # a blank row reports only that
                    findings.append((row, r.field, r.kind, r.detail, value_of.get(r.column)))
    for keys, n in zip(key_sets, key_counts):
        if n:
            shown = next((column for _, _, _, column in keys.findings if column), None)
            for row, value in con.execute(_duplicates(src, keys, shown, limit)).fetchall():
                for name, kind, detail, column in keys.findings:
                    findings.append((row, name, kind, detail, value if column else None))
    rank = {f.name: i for i, f in columns.items()}
    findings.sort(key=lambda x: (x[0], rank.get(x[1], -1), x[2]))
    result.findings = findings[:limit] if limit else findings
    return result


def _duplicates(src: str, keys: KeySet, shown: str | None, limit: int | None) -> str:
    """Rows whose key repeats an earlier row's key, first ``limit`` in file order: the file row
    and the raw cell of the key's column. A unique value skips blank keys; a primary key skips
    only all-blank keys, and its blank parts count as equal (as tuples do in Frictionless). A
    hash aggregate finds the repeated keys and a join finds their later rows."""
    parts = [f"{k} AS __k{i}" for i, k in enumerate(keys.keys)] + [f"({keys.skip}) AS __skip"]
    names = [f"__k{i}" for i in range(len(keys.keys))]
    value = q(shown) if shown else "NULL"
    if keys.composite:
        where = "NOT (" + " AND ".join(f"{n} IS NULL" for n in names) + ") AND NOT __skip"
    else:
        where = " AND ".join(f"{n} IS NOT NULL" for n in names)
    on = " AND ".join(f"s.{n} IS NOT DISTINCT FROM d.{n}" for n in names)
    listed = ", ".join(names)
    return (
        f"WITH s AS MATERIALIZED (SELECT __row, {value} AS __value, __skip, {listed} FROM (SELECT row_number() OVER () + 1 AS __row, *, {', '.join(parts)} FROM {src})) "
        f"SELECT s.__row, s.__value FROM s JOIN (SELECT {listed}, min(__row) AS first FROM s WHERE {where} GROUP BY {listed} HAVING count(*) > 1) d "
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
    has a ``__row`` column (the file row); an empty cell may be NULL or ''. Written for DuckDB; the functions used (regexp_full_match,
    try_strptime, TRY_CAST, list_contains) have direct equivalents in Spark SQL, Trino and others."""
    branches = []
    for f in fields:
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        found, _, computed = cell_rules(f, f.name, codes, [""])
        helpers = {**computed, **rule_helpers(f.rule, q(f.name))}
        source = f"(SELECT *{''.join(f', {e} AS {n}' for n, e in helpers.items())} FROM {table})" if helpers else table
        for kind, detail, condition in found:
            branches.append(f"SELECT __row, {lit(f.name)} AS field, {lit(kind)} AS type, {lit(detail)} AS rule, {q(f.name)} AS value\nFROM {source}\nWHERE {condition}")
    return "\nUNION ALL\n".join(branches) + "\nORDER BY __row;\n"
