"""Table Schema cell rules as SQL for DuckDB, Spark SQL, Trino and PostgreSQL, and the query
``educat check --print-sql --dialect …`` prints.

The rules read each value as ``sql_rules`` does (and so as Frictionless does): the same
regular expressions, the same stripping, the same order (a blank cell is only checked by
``required``, a type error hides the constraint errors of its cell). What differs is only the
spelling, which each ``Dialect`` gives (``dialects.py``), and two choices that keep the SQL
free of engine-specific functions: a date's value is the integer ``yyyymmdd`` (compared with
the bounds, enum values and other dates as integers), and the identifier rules read digits
with ``position`` (arithmetic that cannot fail on any text, where a cast would stop a
PostgreSQL or ANSI Spark query). ``tests/test_dialects.py`` holds the DuckDB spelling to the
DuckDB engine's findings and runs the Spark and PostgreSQL spellings on the same data.

The Spark engine (``spark_engine.py``) checks with these rules; the printed query is for any
table ``src`` whose columns are the field names (text) plus ``__row``, the row number.
"""

from __future__ import annotations

from decimal import Decimal

from educat.core.model import CodeList, FieldDef
from educat.tables.dialects import Dialect
from educat.tables.identifiers import ID_WEIGHTS, PROVINCE_PREFIXES, USCC_CHARSET, USCC_WEIGHTS
from educat.tables.messages import true_false
from educat.tables.sql_rules import _DATE, _DECIMAL, _INT, _WS_CHARS, BOUND_OPS, SUPPORTED, date_regex, parse_python, supported

_NAN = "(?i)[+-]?nan[0-9]*"
_INF = "(?i)[+]?(inf|infinity)"
_NEG_INF = "(?i)-(inf|infinity)"
_ANY = FieldDef({"name": "", "type": "any"})
RULE_KINDS = {"uscc": "uscc-error", "id-card": "id-card-error", "division": "division-error", "school-code": "school-code-error"}


class RuleCell:
    """The SQL expressions for one field's cell (column ``column``) in dialect ``d``: whether
    it is blank, whether it parses, its value, and the helper columns (quoted name -> SQL,
    computed before the rules; a helper may read the helpers before it)."""

    def __init__(self, f: FieldDef, column: str, missing: list[str], d: Dialect):
        self.f, self.d = f, d
        self.v = v = d.q(column)
        others = [m for m in missing if m != ""]
        self.empty_missing = "" in missing
        empty = f"coalesce({v}, '') = ''" if self.empty_missing else f"{v} IS NULL"
        self.blank = f"({empty} OR {v} IN ({','.join(d.lit(m) for m in others)}))" if others else f"({empty})"
        self.helpers: dict[str, str] = {}
        self.unsure = None
        self._base = column
        t = f.type
        if t in ("integer", "number", "year"):
            stripped = self._helper("s", d.strip(v, _WS_CHARS))
            bare = f"replace({stripped}, '_', '')"
        if t == "integer":
            self.parses = self._helper("p", d.matches(stripped, _INT))
            self.value = self._helper("v", f"(CASE WHEN {self.parses} THEN {d.try_cast(bare, d.int_type)} END)")
            self.unsure = f"({self.parses} AND {self.value} IS NULL)"  # beyond the engine's integers
        elif t == "number":
            text = self._helper("t", bare)
            self.parses = self._helper("p", d.matches(stripped, _DECIMAL))
            spelled = f"(CASE WHEN {d.matches(text, _NAN)} THEN 'NaN' WHEN {d.matches(text, _INF)} THEN 'Infinity' WHEN {d.matches(text, _NEG_INF)} THEN '-Infinity' ELSE {text} END)"
            raw = self._helper("r", f"(CASE WHEN {self.parses} THEN {d.try_cast(spelled, d.double_type)} END)")
            self.value = self._helper("v", f"(CASE WHEN {raw} = 0 THEN {d.double_lit('0')} ELSE {raw} END)")  # -0 is 0
            digits = f"length(TRIM(LEADING '0' FROM {d.remove_all(d.remove_all(text, '[eE].*'), '[^0-9]')}))"
            finite_text = f"NOT {d.matches(text, '(?i)[+-]?(inf|infinity)')}"
            self.unsure = f"({self.parses} AND ({raw} IS NULL OR {digits} > 15 OR ({d.isinf(raw)} AND {finite_text}) OR ({raw} = 0 AND {d.contains(text, '[1-9]')})))"
        elif t == "boolean":
            trues, falses = true_false(f)
            self.parses = f"{v} IN ({','.join(d.lit(x) for x in trues + falses)})"
            self.value = f"({v} IN ({','.join(d.lit(x) for x in trues)}) AND {v} NOT IN ({','.join(d.lit(x) for x in falses)}))"
        elif t == "date":
            self.value = self._date()
            self.parses = f"({self.value} IS NOT NULL)"
        elif t == "year":
            number = self._helper("n", f"(CASE WHEN {d.matches(stripped, _INT)} THEN {d.try_cast(bare, 'INTEGER')} END)")
            self.parses = self._helper("p", f"(length({v}) = 4 AND {number} IS NOT NULL AND {number} BETWEEN 0 AND 9999)")
            self.value = number
        elif t == "array":
            self.parses = d.is_json_array(v)
            self.value = v
        else:  # string, any
            self.parses = "true"
            self.value = v

    def _helper(self, kind: str, expression: str) -> str:
        name = self.d.q(f"__{kind}_{self._base}")
        self.helpers[name] = expression
        return name

    def _date(self) -> str:
        """The date strptime reads (the field's ``format``, ISO by default) as the integer
        yyyymmdd, or NULL: the parts the regex finds, a real calendar day, year 1 or later."""
        d, v = self.d, self.v
        fmt = self.f.descriptor.get("format") or "default"
        pattern, order = (_DATE, ["%Y", "%m", "%d"]) if fmt == "default" else date_regex(fmt)
        whole = self._helper("w", d.matches(v, pattern))
        y, m, day = (self._helper(k, f"(CASE WHEN {whole} THEN {d.try_cast('trim(' + d.extract(v, pattern, order.index(p) + 1) + ')', 'INTEGER')} END)") for k, p in (("y", "%Y"), ("m", "%m"), ("d", "%d")))
        return self._helper("v", f"(CASE WHEN {y} >= 1 AND {day} <= {_days(y, m)} THEN {y} * 10000 + {m} * 100 + {day} END)")

    @property
    def ok(self) -> str:
        return f"(NOT {self.blank})" if self.parses == "true" else f"(NOT {self.blank} AND {self.parses})"

    @property
    def key(self) -> str:
        """The value as it counts for unique and primary keys: NULL when blank or of the wrong
        type; NaN never equals anything."""
        if self.f.type == "number":
            return f"(CASE WHEN {self.ok} AND NOT {self.d.isnan(self.value)} THEN {self.value} END)"
        return f"(CASE WHEN {self.ok} THEN {self.value} END)"

    @property
    def nan(self) -> str:
        return f"({self.ok} AND {self.d.isnan(self.value)})" if self.f.type == "number" else "false"

    @property
    def text(self) -> str:
        """The value as Python's ``str()`` gives it, for code lists and identifier rules."""
        if self.f.type in ("integer", "year"):
            return f"CAST({self.value} AS {self.d.text_type})"
        return self.v


def _days(y: str, m: str) -> str:
    """SQL: the days in month ``m`` of year ``y`` (Gregorian)."""
    return f"(CASE WHEN {m} = 2 THEN (CASE WHEN ({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0 THEN 29 ELSE 28 END) WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)"


def blank_sql(column: str, missing: list[str], d: Dialect) -> str:
    return RuleCell(_ANY, column, missing, d).blank


def _value(f: FieldDef, value, d: Dialect) -> str:
    """A parsed constraint value as an SQL literal of the field's value type."""
    if f.type in ("integer", "year"):
        return d.int_lit(value) if f.type == "integer" else str(int(value))
    if f.type == "number":
        return d.double_lit("NaN" if value.is_nan() else str(value))
    if f.type == "date":
        return str(value.year * 10000 + value.month * 100 + value.day)
    if f.type == "boolean":
        return "true" if value else "false"
    return d.lit(value)


def cell_rules(f: FieldDef, column: str, codes: list[str] | None, missing: list[str], d: Dialect) -> tuple[list[tuple[str, str, str]], RuleCell]:
    """(error type, rule name, SQL TRUE when the cell breaks the rule) for one field, in the
    order ``sql_rules.cell_rules`` gives them, and the cell (its helpers, key, unsure test)."""
    cell = RuleCell(f, column, missing, d)
    cons = f.constraints
    allowed = SUPPORTED.get(f.type, ("required",))
    rules = []
    if cons.get("required"):
        rules.append(("constraint-error", "required", cell.blank))
    if f.type not in ("string", "any"):
        rules.append(("type-error", f.type, f"(NOT {cell.blank} AND NOT {cell.parses})"))
    ok = cell.ok
    if "pattern" in cons and "pattern" in allowed:
        rules.append(("constraint-error", "pattern", f"{ok} AND NOT {d.matches(cell.v, str(cons['pattern']))}"))
    if "enum" in cons and "enum" in allowed:
        values = [parse_python(f, item) for item in cons["enum"]]
        listed = [_value(f, x, d) for x in values if x is not None and not (isinstance(x, Decimal) and x.is_nan())]
        member = f"{cell.value} IN ({','.join(listed)})" if listed else "false"
        if f.type == "number":
            member = f"(NOT {d.isnan(cell.value)} AND {member})"
        rules.append(("constraint-error", "enum", f"{ok} AND NOT coalesce({member}, false)"))
    for key, op in BOUND_OPS.items():
        if key in cons and key in allowed:
            broken = f"{cell.value} {op} {_value(f, parse_python(f, cons[key]), d)}"
            if f.type == "number":
                broken = f"({d.isnan(cell.value)} OR {broken})"  # NaN passes no bound
            rules.append(("constraint-error", key, f"{ok} AND {broken}"))
    for key, op in (("minLength", "<"), ("maxLength", ">")):
        if key in cons and key in allowed:
            rules.append(("constraint-error", key, f"{ok} AND length({cell.v}) {op} {int(cons[key])}"))
    if codes is not None:
        listed = ",".join(d.lit(c) for c in codes)
        if f.type == "array":
            outside = d.json_items_outside(cell.v, listed or d.lit("\x01"))
            rules.append(("code-error", "codelist", f"{ok} AND (CASE WHEN {cell.parses} THEN {outside} ELSE false END)"))
        else:
            rules.append(("code-error", "codelist", f"{ok} AND NOT ({cell.text} IN ({listed}))" if listed else ok))
    if f.rule in RULE_KINDS:
        nonempty = "" if cell.empty_missing and cell.text == cell.v else f" AND {cell.text} <> ''"  # the rules skip ''
        rules.append((RULE_KINDS[f.rule], f.rule, f"{ok}{nonempty} AND NOT ({rule_sql(f.rule, cell.text, d)})"))
    return rules, cell


# -- identifier rules (统一社会信用代码, 身份证号, 行政区划, 学校标识码) ----------------------------------
def _at(v: str, i: int, chars: str) -> str:
    """SQL: the index in ``chars`` of the value's ``i``-th character (-1 when not there)."""
    return f"(position(substr({v}, {i}, 1) IN '{chars}') - 1)"


def rule_sql(rule: str, v: str, d: Dialect) -> str:
    """SQL that is TRUE when the value passes the rule (the same rules as identifiers.py)."""
    if rule == "uscc":
        total = " + ".join(f"{_at(v, i + 1, USCC_CHARSET)} * {w}" for i, w in enumerate(USCC_WEIGHTS))
        return (
            f"(length({v}) = 18 AND {d.matches(v, f'[{USCC_CHARSET}]{{18}}')} AND {d.matches(f'substr({v}, 3, 6)', '[0-9]{6}')}"
            f" AND substr('{USCC_CHARSET}', ((31 - ({total}) % 31) % 31) + 1, 1) = substr({v}, 18, 1))"
        )
    if rule == "id-card":
        digit = {i: _at(v, i, "0123456789") for i in range(1, 18)}
        total = " + ".join(f"{digit[i + 1]} * {w}" for i, w in enumerate(ID_WEIGHTS))
        check_value = f"least({_at(v, 18, '0123456789Xx')}, 10)"
        y = f"({digit[7]} * 1000 + {digit[8]} * 100 + {digit[9]} * 10 + {digit[10]})"
        m, day = f"({digit[11]} * 10 + {digit[12]})", f"({digit[13]} * 10 + {digit[14]})"
        return (
            f"({d.matches(v, '[0-9]{17}[0-9Xx]')} AND {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {_days(y, m)}"
            f" AND ({total} + {check_value}) % 11 = 1)"
        )
    if rule == "division":
        prefixes = ",".join(f"'{p}'" for p in sorted(PROVINCE_PREFIXES))
        return f"({d.matches(v, '[0-9]{6}')} AND substr({v}, 1, 2) IN ({prefixes}))"
    if rule == "school-code":
        return d.matches(v, "[0-9]{10}")
    raise ValueError(rule)


def layers(helpers: dict[str, str]) -> list[list[tuple[str, str]]]:
    """Helper columns grouped so that each group reads only the columns of earlier groups."""
    level: dict[str, int] = {}
    for name, expression in helpers.items():  # a helper reads only helpers defined before it
        level[name] = 1 + max((level[other] for other in level if other in expression), default=0)
    return [[(n, helpers[n]) for n in helpers if level[n] == k] for k in range(1, max(level.values(), default=0) + 1)]


def key_sets(cells: dict[str, RuleCell], fields: list[FieldDef], primary_key: list[str] | None):
    """The keys that must not repeat, as in ``duckdb_engine.plan_rules``: (SQL of each key part,
    the findings of a repeat as (field, type, rule, column of the value shown), composite,
    SQL of rows that never repeat), and the SQL TRUE when a row's primary key has no value."""
    sets: dict[tuple, list] = {}
    for f in fields:
        if f.constraints.get("unique"):
            cell = cells[f.name]
            sets.setdefault((cell.key,), [(cell.key,), [], False, "false"])[1].append((f.name, "unique-error", "unique", cell.v))
    keyed = [cells[f.name] for f in fields if primary_key and f.name in primary_key]
    empty = None
    if primary_key and len(keyed) == len(primary_key):
        empty = " AND ".join(f"NOT {c.ok}" for c in keyed)
        finding = ("", "primary-key", "primaryKey", None)
        if len(keyed) == 1 and (keyed[0].key,) in sets:
            sets[(keyed[0].key,)][1].append(finding)
        else:
            sets[("pk",) + tuple(c.key for c in keyed)] = [tuple(c.key for c in keyed), [finding], True, " OR ".join(c.nan for c in keyed)]
    return [tuple(s) for s in sets.values()], empty


def present(keys: tuple[str, ...], composite: bool, skip: str) -> str:
    """SQL: the row has a key that can repeat (a primary key: not all parts blank, no NaN)."""
    if composite:
        return "NOT (" + " AND ".join(f"{k} IS NULL" for k in keys) + f") AND NOT ({skip})"
    return " AND ".join(f"{k} IS NOT NULL" for k in keys)


def rules_sql(fields: list[FieldDef], codelists: dict[str, CodeList], d: Dialect, primary_key: list[str] | None = None, missing: list[str] | None = None, table: str = "src") -> str:
    """One query over ``table`` (a column per field, as text, and ``__row``) that returns a row
    ``(__row, field, type, rule, value)`` per finding, as ``educat check`` reports them: blank
    rows, cell rules, repeated unique values and primary keys."""
    missing = [""] if missing is None else list(missing)
    cells, helpers, found, skipped = {}, {}, [], []
    for f in fields:
        why = supported(f)
        if why:  # only whether it is filled in; educat check reads the rest
            skipped.append(f"-- 未包含{why}的规则(只检查必填),请用 educat check 检查")
            if f.constraints.get("required"):
                found.append((f.name, "constraint-error", "required", blank_sql(f.name, missing, d)))
            continue
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        rules, cell = cell_rules(f, f.name, codes, missing, d)
        cells[f.name] = cell
        helpers.update(cell.helpers)
        found += [(f.name, kind, detail, condition) for kind, detail, condition in rules]
    if primary_key and not all(k in cells for k in primary_key):
        skipped.append("-- 未包含主键的检查(主键中有上面未包含的字段)")
        primary_key = None
    blank = " AND ".join(blank_sql(f.name, missing, d) for f in fields) or "false"
    row, text = d.q("__row"), d.text_type
    ctes, source = [], table
    for k, layer in enumerate(layers(helpers), start=1):
        ctes.append(f"{d.q(f'__l{k}')} AS (SELECT *, {', '.join(f'{e} AS {n}' for n, e in layer)} FROM {source})")
        source = d.q(f"__l{k}")
    ctes.append(f"{d.q('__checked')} AS (SELECT *, ({blank}) AS {d.q('__blank')} FROM {source})")
    checked, is_blank = d.q("__checked"), d.q("__blank")
    columns = [d.q(n) for n in ("field", "type", "rule", "value")]
    k, meta = d.q("__k"), [d.q(n) for n in ("__field", "__type", "__rule")]
    # the row rules and cell rules in one scan: each row meets the list of rules, and keeps the
    # rules it breaks (rule k's test is branch k of one CASE)
    rules = [("", "blank-row", "blank-row", None, is_blank)]
    sets, empty = key_sets(cells, [f for f in fields if f.name in cells], primary_key)
    if empty:
        rules.append(("", "primary-key", "primaryKey", None, empty))
    rules += [(name, kind, detail, d.q(name), f"NOT {is_blank} AND ({condition})") for name, kind, detail, condition in found]
    listed = ",\n    ".join(f"({j}, {d.lit(name)}, {d.lit(kind)}, {d.lit(detail)})" for j, (name, kind, detail, _, _) in enumerate(rules))
    values = "".join(f" WHEN {j} THEN {value}" for j, (*_, value, _) in enumerate(rules) if value)
    hit = "".join(f"\n    WHEN {j} THEN {condition}" for j, (*_, condition) in enumerate(rules))
    selected = ", ".join(f"{m} AS {c}" for m, c in zip(meta, columns))
    branches = [
        f"SELECT {row}, {selected}, CASE {k}{values} END AS {columns[3]}\nFROM {checked}\nCROSS JOIN (VALUES\n    {listed}\n) AS {d.q('__rules')}({k}, {', '.join(meta)})\n"
        f"WHERE CASE {k}{hit}\n  END"
    ]
    for j, (keys, findings, composite, skip) in enumerate(sets):  # repeated keys: a window per key
        shown = next((column for *_, column in findings if column), None)
        value = f"{shown} AS {d.q('__value')}, " if shown else ""
        first = d.q("__first")
        repeats = f"(SELECT {row}, {value}min({row}) OVER (PARTITION BY {', '.join(keys)}) AS {first} FROM {checked} WHERE {present(keys, composite, skip)}) AS {d.q(f'__d{j}')}"
        for name, kind, detail, column in findings:
            shown_value = d.q("__value") if column else f"CAST(NULL AS {text})"
            names = [d.lit(name), d.lit(kind), d.lit(detail), shown_value]
            branches.append(f"SELECT {row}, {', '.join(f'{x} AS {c}' for x, c in zip(names, columns))}\nFROM {repeats}\nWHERE {row} > {first}")
    union = "\nUNION ALL\n".join(branches)
    return "".join(line + "\n" for line in skipped) + f"WITH {(',' + chr(10)).join(ctes)}\nSELECT {row}, {', '.join(columns)} FROM (\n{union}\n) AS {d.q('__findings')}\nORDER BY 1, 2, 3;\n"
