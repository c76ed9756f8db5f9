"""The fast check engine: Table Schema checks expressed as SQL and run by DuckDB.

One streaming scan of the CSV computes every cell rule (required, type, pattern, enum, range,
length, code lists and the identifier rules) as a bit mask per cell; uniqueness and primary
keys are one hash aggregate each. Columns with the same rules form one group, checked as one
list per row, so the SQL (and DuckDB's time to plan it) grows with the number of distinct rule
sets, not with the width of the file. The rules read each value as Frictionless does (the
differential test in tests/test_conformance.py holds them to it), the row numbers are the
file's (header = row 1), the counts are exact and only the listing is capped. Memory stays
bounded: DuckDB streams the file and spills to disk; only findings are stored.

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
from educat.tables.sql_rules import TOKENS, Cell, cell_rules, lit, q, rule_helpers, supported



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


# Columns whose cells follow the same rules are checked as one list per row when there are at
# least this many of them: the SQL then grows with the number of distinct rule sets, not with the
# column count, so DuckDB's time to plan it stays flat on wide tables (9,000 columns).
GROUP_MIN = 3
_CELL = "__x"  # the cell in a list group's rules
_ANY = FieldDef({"name": "", "type": "any"})  # a column no field matches


@dataclass
class Group:
    """Columns checked by the same cell rules. Each cell gets a mask: bit k is set when rule
    ``bits[k]`` breaks, NULL when none does; ``unsure`` is the bit of the cells SQL cannot judge
    exactly. ``mask`` and ``values`` are one INTEGER and one cell, or a list of each.
    (missing-cell is not a bit: it is counted per row, from the row's length.)"""

    indexes: list[int]
    fields: list[str]
    bits: list[tuple[str, str]]
    unsure: int | None
    mask: str
    values: str
    listed: bool
    name: str = ""  # the column that holds the mask

    def bit_count(self, k: int) -> str:
        """SQL: the cells with bit k set, over the non-blank rows."""
        if self.listed:
            return f"sum(list_count(list_filter({self.name}, lambda b: (b & {1 << k}) <> 0))) FILTER (WHERE NOT __blank)"
        return f"count_if(NOT __blank AND ({self.name} & {1 << k}) <> 0)"

    def cell_count(self) -> str:
        """SQL: the cells with any bit set, over the non-blank rows (list_count skips NULLs)."""
        return f"sum(list_count({self.name})) FILTER (WHERE NOT __blank)" if self.listed else f"count_if(NOT __blank AND {self.name} IS NOT NULL)"

    def failing(self) -> str:
        return f"list_count({self.name}) > 0" if self.listed else f"{self.name} IS NOT NULL"


@dataclass
class KeySet:
    keys: tuple[str, ...]  # SQL of each key value (NULL when blank or of the wrong type)
    findings: list[tuple[str, str, str, str | None]]  # (field, kind, detail, value column) per repeated row
    composite: bool = False  # a primary key: NULL parts count as equal, an all-NULL key is its own error
    skip: str = "false"  # SQL: rows that never repeat (a NaN part: NaN equals nothing)


@dataclass
class Plan:
    helpers: dict[str, str]  # helper columns (name -> SQL), for the cells checked one by one
    groups: list[Group]
    key_sets: list[KeySet]
    primary_key: str | None  # SQL: TRUE when a row's primary key has no value at all
    extra: str  # the column of an extra cell
    length: str  # SQL: the cells the row has (DuckDB pads a short row with NULLs at the end)
    short: str  # SQL: TRUE when the row lacks a cell
    fields: list[str]  # the field name of each column ('' for a column no field matches)


def _mask(conditions: list[str]) -> str:
    return "nullif(" + " + ".join(f"(CASE WHEN {c} THEN {1 << k} ELSE 0 END)" for k, c in enumerate(conditions)) + ", 0)"


def _in_lambda(sql: str, known: set[str], bare: bool) -> str:
    """Rules written for a column, rewritten for the lambda parameter ``s``: the cell and its
    helpers become fields of the struct ``s`` (or ``s`` itself when there are no helpers).
    Quoted names inside string literals are left alone."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        return token if token not in known else "s" if bare else f"s.{token}"

    return TOKENS.sub(swap, sql)


def plan_rules(columns: dict[int, FieldDef], names: list[str], codelists: dict[str, CodeList], primary_key: list[str] | None, missing: list[str] | None = None) -> Plan:
    """The cell rules as masks per column group, the helper columns they read, the key sets that
    must not repeat and the row rules.

    ``names`` has one column per header label plus one more, for an extra cell: a cell that
    the row lacks is NULL there (missing-cell), an empty cell is ''. A row whose every cell is
    a missing value is a blank row and reports nothing else (but an empty primary key), as in
    Frictionless: ``__blank`` is a helper column, and every cell count leaves blank rows out."""
    missing = [""] if missing is None else list(missing)
    width = len(names) - 1
    for f in columns.values():
        why = supported(f)
        if why:
            raise EngineUnsupported(f"{why}需用 Frictionless 检查")
    keyed = {i for i, f in columns.items() if f.constraints.get("unique") or (primary_key and f.name in primary_key)}
    cells = {i: Cell(columns[i], names[i], missing) for i in keyed}  # keys read the parsed values: helpers per column
    helpers: dict[str, str] = {}
    for cell in cells.values():
        helpers.update(cell.helpers)
    blank = Cell(_ANY, _CELL, missing).blank
    everything = ", ".join(q(n) for n in names[:width])
    first = blank.replace(q(_CELL), q(names[0]))
    # the first cell decides most rows; only rows that start blank read every cell
    helpers["__blank"] = f"(CASE WHEN NOT {first} THEN false ELSE list_bool_and(list_transform([{everything}], lambda s: {_in_lambda(blank, {q(_CELL)}, bare=True)})) END)"
    fields = [columns[i].name if i in columns else "" for i in range(width)]
    # columns with the same rules (written for the placeholder cell) share a group; key columns
    # are checked one by one, because the key sets read their helper columns
    by_rules: dict[tuple, list[int]] = {}
    for i in range(width):
        if i not in keyed:
            by_rules.setdefault(_field_rules(columns.get(i, _ANY), _CELL, codelists, missing), []).append(i)
    groups = []
    singles = sorted(keyed)
    for (found, doubt, computed), indexes in by_rules.items():
        if not found and not doubt:
            continue  # no rules (a string with no constraints): nothing to compute
        if len(indexes) >= GROUP_MIN:
            f = columns.get(indexes[0], _ANY)
            groups.append(_list_group(f, indexes, [fields[i] for i in indexes], names, list(found), doubt, dict(computed), missing))
        else:
            singles.extend(indexes)
    for i in sorted(singles):
        f = columns.get(i, _ANY)
        found, doubt, computed = _field_rules(f, names[i], codelists, missing)
        if not found and not doubt:
            continue  # a key column with no cell rules: only its key set reads it
        bits, conditions, unsure = _bits(found, doubt)
        groups.append(Group([i], [f.name], bits, unsure, _mask(conditions), q(names[i]), listed=False))
        helpers.update(computed)
    key_sets: dict[tuple, KeySet] = {}
    for index, f in columns.items():
        if f.constraints.get("unique"):
            key_sets.setdefault((cells[index].key,), KeySet((cells[index].key,), [])).findings.append((f.name, "unique-error", "unique", names[index]))
    key_cells = [cells[i] for i, f in columns.items() if primary_key and f.name in primary_key]
    empty_key = None
    if primary_key and len(key_cells) == len(primary_key):
        empty_key = " AND ".join(f"NOT {c.ok}" for c in key_cells)
        skip = " OR ".join(c.nan for c in key_cells)
        finding = ("", "primary-key", "primaryKey", None)
        if len(key_cells) == 1 and (key_cells[0].key,) in key_sets:
            # a one-field key that is also unique: the same values repeat (blank and NaN never do), one count serves both
            key_sets[(key_cells[0].key,)].findings.append(finding)
        else:
            key_sets[("pk",) + tuple(c.key for c in key_cells)] = KeySet(tuple(c.key for c in key_cells), [finding], composite=True, skip=skip)
    for j, group in enumerate(groups):
        group.name = f"__m{j}"
    length = f"len(list_filter([{everything}], lambda s: s IS NOT NULL))"
    short = f"{q(names[width - 1])} IS NULL" if width else "false"
    return Plan(helpers, groups, list(key_sets.values()), empty_key, names[width], length, short, fields)


def _bits(found: list, doubt: str | None) -> tuple[list[tuple[str, str]], list[str], int | None]:
    bits = [(kind, detail) for kind, detail, _ in found]
    conditions = [condition for _, _, condition in found]
    if doubt:
        bits.append(("unsure", "unsure"))
        conditions.append(doubt)
    return bits, conditions, len(bits) - 1 if doubt else None


def _field_rules(f: FieldDef, column: str, codelists: dict[str, CodeList], missing: list[str]) -> tuple[tuple, str | None, tuple]:
    """A field's cell rules for ``column``, its unsure test and its helper columns (the
    identifier rule's included), as tuples: written for the placeholder cell, they are the
    key that groups columns with the same rules."""
    codes = list(codelists[f.name].codes) if f.name in codelists else None
    found, doubt, computed = cell_rules(f, column, codes, missing)
    computed.update(rule_helpers(f.rule, q(column)))
    return tuple(found), doubt, tuple(computed.items())


def _list_group(f: FieldDef, indexes: list[int], fields: list[str], names: list[str], found: list, doubt: str | None, computed: dict[str, str], missing: list[str]) -> Group:
    """Columns with the same rules (``found``, written for the placeholder cell, and the helpers
    they read): the row's cells as one list, each helper a field of a struct per cell (one
    ``list_transform`` per helper layer), and the list of masks."""
    bits, conditions, unsure = _bits(found, doubt)
    known = {q(_CELL), *computed}
    values = "[" + ", ".join(q(names[i]) for i in indexes) + "]"
    cell = Cell(f, _CELL, missing)
    if cell.canon is not None and set(computed) == set(cell.helpers):
        # every helper written out in two branches: the usual spelling costs one regex and a cast
        mask = f"list_transform({values}, lambda s: {_in_lambda(cell.split(_mask(conditions)), known, bare=True)})"
    elif not computed:
        mask = f"list_transform({values}, lambda s: {_in_lambda(_mask(conditions), known, bare=True)})"
    else:
        cells = f"list_transform({values}, lambda s: {{{lit(_CELL)}: s}})"
        for layer in _layers(computed):
            cells = f"list_transform({cells}, lambda s: struct_insert(s, {', '.join(f'{n} := {_in_lambda(e, known, bare=False)}' for n, e in layer)}))"
        mask = f"list_transform({cells}, lambda s: {_in_lambda(_mask(conditions), known, bare=False)})"
    return Group(list(indexes), fields, bits, unsure, mask, values, listed=True)


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
    plan = plan_rules(columns, names, codelists, primary_key, missing_values)
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
    layers = _layers(plan.helpers)
    try:
        try:
            return _run(con, _masked(_computed(_reader(source, names, parallel=True), layers), plan), plan, columns, limit)
        except duckdb.Error as exc:
            if "quoted new lines" not in str(exc):
                raise
            # a quoted newline and a short row in one file: DuckDB pads rows only when reading in one thread
            return _run(con, _masked(_computed(_reader(source, names, parallel=False), layers), plan), plan, columns, limit)
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


def _masked(source: str, plan: Plan) -> str:
    """The CSV with its helper columns and one mask column per group."""
    return f"(SELECT *, {', '.join(f'{g.mask} AS {g.name}' for g in plan.groups)} FROM {source})" if plan.groups else source


def _run(con, src: str, plan: Plan, columns, limit) -> EngineResult:
    """Count every finding in one scan (a second one only when a list group has findings, to
    count them by rule); then list the first ``limit`` rows with findings."""
    row_rules = [("blank-row", "__blank"), ("extra-cell", f"NOT __blank AND {q(plan.extra)} IS NOT NULL")]
    if plan.primary_key:
        row_rules.append(("primary-key", plan.primary_key))
    singles = [(g, k) for g in plan.groups if not g.listed for k in range(len(g.bits))]
    lists = [g for g in plan.groups if g.listed]
    counts = [f"count_if({condition})" for _, condition in row_rules] + [f"count_if(NOT __blank AND {plan.short})"]
    counts += [g.bit_count(k) for g, k in singles] + [g.cell_count() for g in lists]
    for keys in plan.key_sets:
        if keys.composite:
            present = "NOT (" + " AND ".join(f"{k} IS NULL" for k in keys.keys) + f") AND NOT ({keys.skip})"
            key = keys.keys[0] if len(keys.keys) == 1 else "row(" + ", ".join(keys.keys) + ")"
        else:
            present, key = f"{keys.keys[0]} IS NOT NULL", keys.keys[0]
        counts.append(f"count(*) FILTER (WHERE {present}) - count(DISTINCT {key}) FILTER (WHERE {present})")
    totals = iter([n or 0 for n in con.execute(f"SELECT count(*), {', '.join(counts)} FROM {src}").fetchone()])  # count_if over no rows is NULL
    result = EngineResult(rows=next(totals))
    row_counts = [next(totals) for _ in row_rules]
    short_rows = next(totals)
    bits = [(g, k, next(totals)) for g, k in singles]
    failing_lists = [g for g in lists if next(totals)]
    key_counts = list(totals)
    if failing_lists:  # which rules the failing cells break
        listed_bits = [(g, k) for g in failing_lists for k in range(len(g.bits))]
        found = con.execute(f"SELECT {', '.join(g.bit_count(k) for g, k in listed_bits)} FROM {src}").fetchone()
        bits += [(g, k, n or 0) for (g, k), n in zip(listed_bits, found)]
    doubtful = sum(n for g, k, n in bits if k == g.unsure)
    if doubtful:
        raise EngineUnsupported(f"{doubtful} 个单元格的值超出 SQL 能精确判断的范围(超长整数、超过 15 位有效数字的小数等)")
    for (kind, _), n in zip(row_rules, row_counts):
        result.counts[kind] += n
    if short_rows:  # a short row lacks the cells after its last one
        lengths = con.execute(f"SELECT {plan.length}, count(*) FROM {src} WHERE NOT __blank AND {plan.short} GROUP BY ALL").fetchall()
        result.counts["missing-cell"] += sum((len(plan.fields) - length) * n for length, n in lengths)
    for g, k, n in bits:
        result.counts[g.bits[k][0]] += n
    for keys, n in zip(plan.key_sets, key_counts):
        for _, kind, _, _ in keys.findings:
            result.counts[kind] += n
    result.counts = +result.counts
    findings = _listed(con, src, plan, row_rules, row_counts, short_rows, {g.name for g, k, n in bits if n}, limit)
    for keys, n in zip(plan.key_sets, key_counts):
        if n:
            shown = next((column for _, _, _, column in keys.findings if column), None)
            for row, value in con.execute(_duplicates(src, keys, shown, limit)).fetchall():
                for name, kind, detail, column in keys.findings:
                    findings.append((row, name, kind, detail, value if column else None))
    rank = {f.name: i for i, f in columns.items()}
    findings.sort(key=lambda x: (x[0], rank.get(x[1], -1), x[2]))
    result.findings = findings[:limit] if limit else findings
    return result


def _listed(con, src: str, plan: Plan, row_rules, row_counts, short_rows: int, failing_groups: set[str], limit) -> list:
    """The findings of the first ``limit`` rows that have any, in file order: an order-preserving
    scan numbers the rows (header = row 1) and each mask is read back bit by bit."""
    rules = [(kind, condition) for (kind, condition), n in zip(row_rules, row_counts) if n]
    groups = [g for g in plan.groups if g.name in failing_groups]
    if not rules and not groups and not short_rows:
        return []
    flags = "".join(f", coalesce({condition}, false)" for _, condition in rules)
    cells = "".join(f", {g.name}, {g.values}" for g in groups)
    short = f"(NOT __blank AND {plan.short})" if short_rows else "false"
    where = " OR ".join([f"coalesce({condition}, false)" for _, condition in rules] + [f"(NOT __blank AND {g.failing()})" for g in groups] + [short])
    length = f"CASE WHEN {short} THEN {plan.length} END"
    query = f"SELECT __row, __blank, {q(plan.extra)}, {length}{flags}{cells} FROM (SELECT row_number() OVER () + 1 AS __row, * FROM {src}) WHERE {where}"
    findings = []
    for record in con.execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall():
        row, blank, extra, cells_in_row = record[:4]
        for (kind, _), hit in zip(rules, record[4 : 4 + len(rules)]):
            if hit:
                findings.append((row, "", kind, kind if kind != "primary-key" else "primaryKey", extra if kind == "extra-cell" else None))
        if blank:  # a blank row reports only that (and an empty primary key)
            continue
        if cells_in_row is not None:
            findings.extend((row, name, "missing-cell", "missing-cell", None) for name in plan.fields[cells_in_row:])
        rest = record[4 + len(rules) :]
        for g, masks, values in zip(groups, rest[0::2], rest[1::2]):
            if not g.listed:
                masks, values = [masks], [values]
            for name, mask, value in zip(g.fields, masks, values):
                for k, (kind, detail) in enumerate(g.bits):
                    if mask and mask & (1 << k):
                        findings.append((row, name, kind, detail, value))
    return findings


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
