"""The queries of a check, as steps that do no I/O: ``run_steps`` yields each SQL query and is
sent its rows back, so the same planner and the same queries run on DuckDB in Python (``drive``,
used by ``educat check``) and on DuckDB-WASM in the reader's browser (``browser_check``, where
the queries are awaited). Nothing here imports DuckDB.

A step is ``("one", sql)`` (the first row is sent back) or ``("all", sql)`` (every row).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field

from educat.tables.sql_rules import q

# The file row of a record read straight from a CSV: its position (DuckDB keeps the file's order
# with preserve_insertion_order), header = row 1. A source that carries its rows names a column.
FILE_ORDER = "row_number() OVER () + 1"

Step = tuple[str, str]


@dataclass
class EngineResult:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    findings: list[tuple[int, str, str, str, object]] = field(default_factory=list)  # (row, field, type, rule, value)


class EngineUnsupported(Exception):
    """The file needs the Frictionless path (e.g. ragged rows that DuckDB refuses to read)."""


class RulesUnsupported(EngineUnsupported):
    """A field or a cell the SQL rules cannot judge exactly as Frictionless does, whoever reads
    the file (a datetime field, an integer beyond 128 bits)."""


def drive(steps: Generator[Step, object, EngineResult], execute) -> EngineResult:
    """Run the steps with ``execute(sql)`` → a cursor (DuckDB's ``con.execute``)."""
    try:
        how, sql = next(steps)
        while True:
            cursor = execute(sql)
            how, sql = steps.send(cursor.fetchone() if how == "one" else cursor.fetchall())
    except StopIteration as stop:
        return stop.value


def run_steps(src: str, plan, columns, limit, numbering: str = FILE_ORDER) -> Generator[Step, object, EngineResult]:
    """Count every finding in one scan (a second one only when a list group has findings, to
    count them by rule); then list the first ``limit`` rows with findings. ``numbering`` is the
    SQL of a record's file row."""
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
    first = yield ("one", f"SELECT count(*), {', '.join(counts)} FROM {src}")
    totals = iter([n or 0 for n in first])  # count_if over no rows is NULL
    result = EngineResult(rows=next(totals))
    row_counts = [next(totals) for _ in row_rules]
    short_rows = next(totals)
    bits = [(g, k, next(totals)) for g, k in singles]
    failing_lists = [g for g in lists if next(totals)]
    key_counts = list(totals)
    if failing_lists:  # which rules the failing cells break
        listed_bits = [(g, k) for g in failing_lists for k in range(len(g.bits))]
        found = yield ("one", f"SELECT {', '.join(g.bit_count(k) for g, k in listed_bits)} FROM {src}")
        bits += [(g, k, n or 0) for (g, k), n in zip(listed_bits, found)]
    doubtful = sum(n for g, k, n in bits if k == g.unsure)
    if doubtful:
        raise RulesUnsupported(f"{doubtful} 个单元格的值超出 SQL 能精确判断的范围(超长整数、超过 15 位有效数字的小数等)")
    for (kind, _), n in zip(row_rules, row_counts):
        result.counts[kind] += n
    if short_rows:  # a short row lacks the cells after its last one
        lengths = yield ("all", f"SELECT {plan.length}, count(*) FROM {src} WHERE NOT __blank AND {plan.short} GROUP BY ALL")
        result.counts["missing-cell"] += sum((len(plan.fields) - length) * n for length, n in lengths)
    for g, k, n in bits:
        result.counts[g.bits[k][0]] += n
    for keys, n in zip(plan.key_sets, key_counts):
        for _, kind, _, _ in keys.findings:
            result.counts[kind] += n
    result.counts = +result.counts
    findings = yield from _listed(src, plan, row_rules, row_counts, short_rows, {g.name for g, k, n in bits if n}, limit, numbering)
    for keys, n in zip(plan.key_sets, key_counts):
        if n:
            shown = next((column for _, _, _, column in keys.findings if column), None)
            for row, value in (yield ("all", _duplicates(src, keys, shown, limit, numbering))):
                for name, kind, detail, column in keys.findings:
                    findings.append((row, name, kind, detail, value if column else None))
    rank = {f.name: i for i, f in columns.items()}
    findings.sort(key=lambda x: (x[0], rank.get(x[1], -1), x[2]))
    result.findings = findings[:limit] if limit else findings
    return result


def _listed(src: str, plan, row_rules, row_counts, short_rows: int, failing_groups: set[str], limit, numbering: str):
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
    query = f"SELECT __row, __blank, {q(plan.extra)}, {length}{flags}{cells} FROM (SELECT {numbering} AS __row, * FROM {src}) WHERE {where}"
    findings = []
    for record in (yield ("all", query + (f" LIMIT {int(limit)}" if limit else ""))):
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


def _duplicates(src: str, keys, shown: str | None, limit: int | None, numbering: str) -> str:
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
        f"WITH s AS MATERIALIZED (SELECT __row, {value} AS __value, __skip, {listed} FROM (SELECT {numbering} AS __row, *, {', '.join(parts)} FROM {src})) "
        f"SELECT s.__row, s.__value FROM s JOIN (SELECT {listed}, min(__row) AS first FROM s WHERE {where} GROUP BY {listed} HAVING count(*) > 1) d "
        f"ON {on} WHERE s.__row > d.first ORDER BY s.__row" + (f" LIMIT {int(limit)}" if limit else "")
    )
