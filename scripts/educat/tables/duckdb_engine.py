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
from dataclasses import dataclass
from pathlib import Path

from educat.core.model import CodeList, FieldDef
from educat.tables.engine_steps import EngineResult, EngineUnsupported, RulesUnsupported, drive, run_steps
from educat.tables.scan import last_line_bytes
from educat.tables.sql_rules import TOKENS, Cell, cell_rules, lit, q, rule_helpers, supported



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
            raise RulesUnsupported(f"{why}需用 Frictionless 检查")
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
            return drive(run_steps(checked_source(_reader(source, names, parallel=True), plan, layers), plan, columns, limit), con.execute)
        except duckdb.Error as exc:
            if "quoted new lines" not in str(exc):
                raise
            # a quoted newline and a short row in one file: DuckDB pads rows only when reading in one thread
            return drive(run_steps(checked_source(_reader(source, names, parallel=False), plan, layers), plan, columns, limit), con.execute)
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


def _reader(source: Path, names: list[str], parallel: bool, longest: int | None = None) -> str:
    """The CSV as VARCHAR columns: an empty cell is '' (no string is read as NULL), a cell the row
    lacks is NULL (null_padding), a row longer than ``names`` is an error, and a line may be as
    long as the file (up to 1 GB)."""
    spec = "{" + ",".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    # DuckDB stops with an error at a line past its limit (2 MB), except the last line, which it
    # drops without a word: when the last line is that long, allow the whole file (a bigger limit
    # costs speed on every file, so only then)
    if longest is None:
        longest = line_limit(source)
    return (
        f"read_csv({lit(str(source))}, header = true, columns = {spec}, auto_detect = false, max_line_size = {longest}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = true, "
        f"nullstr = '\x01\x02', allow_quoted_nulls = false, parallel = {'true' if parallel else 'false'})"
    )


def line_limit(source: Path) -> int:
    """DuckDB's max_line_size for a file: 2 MB, or the file's size when its last line is long."""
    longest = 1 << 21
    if last_line_bytes(source) >= longest // 2:
        longest = max(longest, min(source.stat().st_size + 1, 1 << 30))
    return longest


def _layers(helpers: dict[str, str]) -> list[list[tuple[str, str]]]:
    """Helper columns grouped so that each group reads only the columns of earlier groups. Each
    group is one nested SELECT: DuckDB binds a column alias used in the same SELECT list at a cost
    that grows with the list, which made wide tables take time quadratic in their width."""
    level: dict[str, int] = {}
    for name, expression in helpers.items():
        used = (f'"{n}"' for n in re.findall(r'"(__[^"]*)"', expression))
        level[name] = 1 + max((level.get(other, 0) for other in used), default=0)
    return [[(n, helpers[n]) for n in helpers if level[n] == k] for k in range(1, max(level.values(), default=0) + 1)]


def checked_source(csv: str, plan: Plan, layers: list[list[tuple[str, str]]]) -> str:
    """The CSV with its helper columns and mask columns: the table every query reads."""
    return _masked(_computed(csv, layers), plan)


def _computed(csv: str, layers: list[list[tuple[str, str]]]) -> str:
    """The CSV with the helper columns, as a subquery."""
    source = csv
    for layer in layers:
        source = f"(SELECT *, {', '.join(f'{expression} AS {name}' for name, expression in layer)} FROM {source})"
    return source


def _masked(source: str, plan: Plan) -> str:
    """The CSV with its helper columns and one mask column per group."""
    return f"(SELECT *, {', '.join(f'{g.mask} AS {g.name}' for g in plan.groups)} FROM {source})" if plan.groups else source


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
