"""Table Schema cell rules as SQL, written to read each value exactly as frictionless-py does.

Each field gets three SQL expressions over its raw cell ``v`` (VARCHAR; NULL only when the row
is too short to have the cell): whether the cell is *blank* (a missing value), whether it
*parses* as the field's type, and its *value* (the parsed value, for enum, minimum/maximum,
unique and primary keys). The parsers mirror Frictionless 5's readers:

- integer: Python ``int()`` of the stripped text (sign, leading zeros, ``_`` between digits);
- number: ``Decimal()`` of the stripped text (exponents, ``.5``, ``5.``, NaN, infinities);
- boolean: the raw text in ``trueValues`` / ``falseValues``, never stripped;
- date: ``strptime("%Y-%m-%d")``, or the field's ``format`` when it is made of ``%Y``, ``%m``
  and ``%d`` with separators (one-digit months and days accepted, a real calendar date);
- year: four characters that ``int()`` reads as 0–9999;
- string: any text.

Deliberate deviations (docs/engine.md lists them): digits are ASCII only (Python accepts
full-width digits), and a pattern must match the whole value (Python's ``$`` also matches
before a final newline). Where SQL cannot decide exactly as Python would (an integer beyond
128 bits, a number with more than 15 significant digits, a signalling NaN), the cell counts as
*unsure* and the whole file goes to the Frictionless path instead. Fields this module cannot
mirror (``datetime``, ``time``, another ``format``, ``bareNumber`` …) make ``supported`` say no.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

from educat.core.model import FieldDef
from educat.tables.identifiers import ID_WEIGHTS, PROVINCE_PREFIXES, USCC_CHARSET, USCC_WEIGHTS
from educat.tables.messages import date_format, true_false
# The constraints Frictionless applies to each type the SQL engine reads; others are ignored by
# it (validate refuses them). Written out so that check does not import Frictionless to plan SQL;
# tests/test_check.py holds it equal to Frictionless's own table (supported_constraints).
SUPPORTED = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "number": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "boolean": ("required", "enum"),
    "date": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "year": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "any": ("required", "enum"),
}


@functools.lru_cache(maxsize=None)
def supported_constraints(kind: str) -> tuple[str, ...]:
    """The constraints Frictionless applies to a field of this type (besides unique, which it
    applies to every type); an unknown type has none."""
    from frictionless import FrictionlessException, Schema

    try:
        return tuple(Schema.from_descriptor({"fields": [{"name": "x", "type": kind}]}).fields[0].supported_constraints)
    except FrictionlessException:
        return ()


BOUND_OPS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
_INT = r"[+-]?[0-9]+(?:_[0-9]+)*"
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_DECIMAL = rf"[+-]?(?:(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?|(?i:inf|infinity|nan[0-9]*))"
# The spellings read by a cast alone (identical to the exact path's reading for these cells)
_CANONICAL = {
    "integer": "regexp_full_match({v}, '[+-]?[0-9]{{1,18}}')",
    "number": "(length({v}) <= 15 AND regexp_full_match({v}, '[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)'))",
    "year": "regexp_full_match({v}, '[0-9]{{4}}')",
}
_DATE = r"([0-9]{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])"
# What Python's strptime matches for each directive (its _strptime.TimeRE), digits ASCII only
_DATE_PARTS = {"%Y": "([0-9]{4})", "%m": "(1[0-2]|0[1-9]|[1-9])", "%d": "(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])"}


def date_regex(fmt: str) -> tuple[str, list[str]] | None:
    """A regex that matches (whole) exactly the texts ``strptime(text, fmt)`` reads, and which
    directive each group holds; None when SQL cannot be sure to read ``fmt`` as Python does.
    Read exactly: %Y, %m and %d once each, with at least one character between two of them,
    and literal characters that are neither spaces (strptime reads one as any run of spaces),
    digits, ``%`` nor letters with a case (strptime ignores case): ``%Y/%m/%d``,
    ``%d.%m.%Y``, ``%Y年%m月%d日``. With a separator after each directive the first match
    Python takes is the only one, so a whole-value match agrees with it."""
    parts = re.split(r"(%[Ymd])", fmt)
    literals, directives = parts[0::2], parts[1::2]
    if sorted(directives) != ["%Y", "%d", "%m"] or not all(literals[1:-1]):
        return None
    if any(ch == "%" or ch.isspace() or ch.isdigit() or ch.lower() != ch.upper() for ch in "".join(literals)):
        return None
    return "".join(_DATE_PARTS[p] if i % 2 else re.escape(p) for i, p in enumerate(parts)), directives


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def supported(f: FieldDef) -> str | None:
    """Why the SQL rules cannot read this field exactly as Frictionless does, or None."""
    d = f.descriptor
    if f.type not in SUPPORTED and f.type != "array":
        return f"字段 {f.name} 的类型 {f.type}"
    if d.get("format", "default") not in ("default", None) and not (f.type == "date" and date_regex(str(d["format"]))):
        return f"字段 {f.name} 的 format"
    if any(key in d for key in ("bareNumber", "groupChar", "decimalChar", "floatNumber", "missingValues")):
        return f"字段 {f.name} 的数字或缺失值选项"
    if f.type == "array":
        return None if not set(f.constraints) - {"required", "unique"} else f"数组字段 {f.name} 的约束"
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in f.constraints and key in SUPPORTED[f.type] and parse_python(f, f.constraints[key]) is None:
            return f"字段 {f.name} 的 {key}"
    return None


def parse_python(f: FieldDef, value):
    """A constraint value read the way Frictionless reads it for this field (None: unreadable)."""
    t = f.type
    try:
        if t == "integer":
            return value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip()) if isinstance(value, str) and re.fullmatch(_INT, value.strip()) else None
        if t == "number":
            if isinstance(value, bool):
                return None
            return Decimal(str(value).strip()) if isinstance(value, (int, float, str)) else None
        if t == "year":
            number = value if isinstance(value, int) and not isinstance(value, bool) else int(value) if isinstance(value, str) and len(value) == 4 and re.fullmatch(_INT, value.strip()) else None
            return number if number is not None and 0 <= number <= 9999 else None
        if t == "date":
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            return dt.datetime.strptime(value, date_format(f)).date() if isinstance(value, str) and not _foreign_digit(value) else None
        if t == "boolean":
            if isinstance(value, bool):
                return value
            trues, falses = true_false(f)
            return False if value in falses else True if value in trues else None
        if t in ("string", "any"):
            return value if isinstance(value, str) or t == "any" else None
    except (ValueError, InvalidOperation):
        return None
    return None


def _foreign_digit(text: str) -> bool:
    """A digit that is not ASCII (full-width ２): a type error for educat (docs/engine.md)."""
    return any(ch.isdigit() and not ch.isascii() for ch in text)


def _sql_value(f: FieldDef, value) -> str:
    """A parsed constraint value as an SQL literal of the field's value type."""
    if f.type in ("integer", "year"):
        return f"CAST({int(value)} AS HUGEINT)"
    if f.type == "number":
        return "CAST('nan' AS DOUBLE)" if value.is_nan() else f"CAST({lit(str(value))} AS DOUBLE)"
    if f.type == "date":
        return f"DATE {lit(value.isoformat())}"
    if f.type == "boolean":
        return "true" if value else "false"
    return lit(value)


# What Python's str.strip() removes, for DuckDB's trim(text, characters).
_WS_CHARS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"


class Cell:
    """The SQL expressions for one field's cell ``v``. Intermediate values (the stripped text,
    whether it parses, the parsed value) are helper columns computed once per row
    (``helpers``), so that each rule stays a short expression."""

    def __init__(self, f: FieldDef, column: str, missing: list[str]):
        self.f = f
        self.v = q(column)
        v = self.v
        others = [m for m in missing if m != ""]
        self.empty_missing = "" in missing
        # an empty cell (NULL-padded or '') first: DuckDB evaluates the cheap test first
        empty = f"coalesce({v}, '') = ''" if self.empty_missing else f"{v} IS NULL"
        self.blank = f"({empty} OR {v} IN ({','.join(lit(m) for m in others)}))" if others else f"({empty})"
        self.helpers: dict[str, str] = {}
        base = column.replace('"', "")
        t = f.type
        self.unsure = None
        self.canon = None  # SQL: the cell has the usual spelling (integer, number, year)
        self.quick: dict[str, str] = {}  # helper -> its value for a cell of the usual spelling
        self.slow: dict[str, str] = {}  # helper -> its value for any other cell
        if t in _CANONICAL:
            # The usual spelling (e.g. "42", "-1.5") is read by one regex and a cast; only other
            # cells (spaces, "_", exponents, NaN, too many digits) take the exact slow path below.
            canon = self.canon = self._helper(f"__c_{base}", _CANONICAL[t].format(v=v))
            self.quick[canon], self.slow[canon] = "true", "false"
            stripped = self._fast(f"__s_{base}", v, f"trim({v}, {lit(_WS_CHARS)})")
        if t == "integer":
            self.parses = self._fast(f"__p_{base}", "true", f"regexp_full_match({stripped}, {lit(_INT)})")
            self.value = self._fast(f"__v_{base}", f"TRY_CAST({v} AS HUGEINT)", f"TRY_CAST(replace({stripped}, '_', '') AS HUGEINT)")
            self.unsure = f"({self.parses} AND {self.value} IS NULL)"  # beyond 128 bits
        elif t == "number":
            text = self._fast(f"__t_{base}", v, f"replace({stripped}, '_', '')")
            self.parses = self._fast(f"__p_{base}", "true", f"regexp_full_match({stripped}, {lit(_DECIMAL)})")
            raw = self._fast(f"__r_{base}", f"TRY_CAST({v} AS DOUBLE)", f"TRY_CAST(CASE WHEN regexp_full_match({text}, '(?i)[+-]?nan[0-9]*') THEN 'nan' ELSE {text} END AS DOUBLE)")
            self.value = self._helper(f"__v_{base}", f"(CASE WHEN {raw} = 0 THEN CAST(0 AS DOUBLE) ELSE {raw} END)")  # -0 is 0
            digits = f"length(ltrim(regexp_replace(regexp_replace({text}, '[eE].*$', ''), '[^0-9]', '', 'g'), '0'))"
            finite_text = f"NOT regexp_full_match({text}, '(?i)[+-]?(inf|infinity)')"
            self.unsure = f"(CASE WHEN {canon} THEN false ELSE ({self.parses} AND ({raw} IS NULL OR {digits} > 15 OR (isinf({raw}) AND {finite_text}) OR ({raw} = 0 AND regexp_matches({text}, '[1-9]')))) END)"
        elif t == "boolean":
            trues, falses = true_false(f)
            self.parses = f"{v} IN ({','.join(lit(x) for x in trues + falses)})"
            self.value = f"({v} IN ({','.join(lit(x) for x in trues)}) AND {v} NOT IN ({','.join(lit(x) for x in falses)}))"
        elif t == "date":
            self.value = self._helper(f"__v_{base}", self._date())
            self.parses = f"({self.value} IS NOT NULL)"
        elif t == "year":
            number = self._fast(f"__n_{base}", f"TRY_CAST({v} AS INTEGER)", f"TRY_CAST(replace({stripped}, '_', '') AS INTEGER)")
            self.parses = self._fast(f"__p_{base}", "true", f"(length({v}) = 4 AND regexp_full_match({stripped}, {lit(_INT)}) AND {number} BETWEEN 0 AND 9999)")
            self.value = f"CAST({number} AS HUGEINT)"
        elif t == "array":
            self.parses = f"(json_valid({v}) AND json_type({v}) = 'ARRAY')"
            self.value = v
        else:  # string, any
            self.parses = "true"
            self.value = v

    def _helper(self, name: str, expression: str) -> str:
        """A column computed once per row; its quoted name stands for it in the rules."""
        name = q(name)
        self.helpers[name] = expression
        return name

    def _fast(self, name: str, quick: str, slow: str) -> str:
        """A helper with one value for a cell of the usual spelling and another for the rest."""
        name = self._helper(name, f"(CASE WHEN {self.canon} THEN {quick} ELSE {slow} END)")
        self.quick[name], self.slow[name] = quick, slow
        return name

    def split(self, sql: str) -> str:
        """``sql`` with every helper written out: one branch for a cell of the usual spelling,
        one for the rest (where nothing is shared, so each branch reads the cell directly)."""
        if self.canon is None:
            return inline(sql, self.helpers)
        quick = inline(sql, {**self.helpers, **self.quick})
        slow = inline(sql, {**self.helpers, **self.slow})
        return f"(CASE WHEN {self.helpers[self.canon]} THEN {quick} ELSE {slow} END)"

    def _date(self) -> str:
        """The date strptime reads (the field's ``format``, ISO by default), or NULL. An ISO
        date in the usual zero-padded form is cast directly (fast); other forms (one-digit
        month or day, " 5", a declared format) take the slow path."""
        v = self.v
        fmt = self.f.descriptor.get("format") or "default"
        pattern, order = (_DATE, ["%Y", "%m", "%d"]) if fmt == "default" else date_regex(fmt)
        part = lambda d: f"CAST(trim(regexp_extract({v}, {lit(pattern)}, {order.index(d) + 1})) AS INTEGER)"  # noqa: E731
        slow = f"(CASE WHEN regexp_full_match({v}, {lit(pattern)}) AND {part('%Y')} >= 1 THEN TRY_CAST(printf('%04d-%02d-%02d', {part('%Y')}, {part('%m')}, {part('%d')}) AS DATE) END)"
        if fmt != "default":
            return slow
        canonical = f"(length({v}) = 10 AND regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}'))"
        return f"(CASE WHEN {canonical} THEN (CASE WHEN substr({v}, 1, 4) <> '0000' THEN TRY_CAST({v} AS DATE) END) ELSE {slow} END)"

    @property
    def ok(self) -> str:
        """The cell holds a value of the field's type."""
        return f"(NOT {self.blank})" if self.parses == "true" else f"(NOT {self.blank} AND {self.parses})"

    @property
    def key(self) -> str:
        """The parsed value as it counts for unique and primary keys: NULL when blank or of the
        wrong type; NaN never equals anything, so it is never a repeat."""
        if self.f.type == "number":
            return f"(CASE WHEN {self.ok} AND NOT isnan({self.value}) THEN {self.value} END)"
        return f"(CASE WHEN {self.ok} THEN {self.value} END)"

    @property
    def nan(self) -> str:
        """The cell is a NaN: a value (not blank), but never equal to another."""
        return f"({self.ok} AND isnan({self.value}))" if self.f.type == "number" else "false"

    @property
    def text(self) -> str:
        """The parsed value as Python's ``str()`` would give it, for code lists and identifier rules."""
        if self.f.type in ("integer", "year"):
            return f"CAST({self.value} AS VARCHAR)"
        return self.v


TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def inline(sql: str, helpers: dict[str, str]) -> str:
    """``sql`` with each helper's quoted name replaced by its expression, until none is left
    (names inside string literals are left alone)."""
    while True:
        done = TOKENS.sub(lambda m: f"({helpers[m.group(0)]})" if m.group(0) in helpers else m.group(0), sql)
        if done == sql:
            return done
        sql = done


def cell_rules(f: FieldDef, column: str, codes: list[str] | None, missing: list[str]) -> tuple[list[tuple[str, str, str]], str | None, dict[str, str]]:
    """(error type, rule name, SQL TRUE when the cell breaks the rule) for one field; the SQL
    TRUE when the cell cannot be judged exactly here (None when every cell can); and the helper
    columns (name → SQL) the rules read, to be computed before them.

    Ordered like Frictionless: a blank cell is only checked by ``required``, and a type error
    hides the constraint errors of the same cell."""
    cell = Cell(f, column, missing)
    cons = f.constraints
    allowed = SUPPORTED.get(f.type, ("required",))
    rules = []
    if cons.get("required"):
        rules.append(("constraint-error", "required", cell.blank))
    if f.type not in ("string", "any"):
        rules.append(("type-error", f.type, f"(NOT {cell.blank} AND NOT {cell.parses})"))
    ok = cell.ok
    if "pattern" in cons and "pattern" in allowed:
        rules.append(("constraint-error", "pattern", f"{ok} AND NOT regexp_full_match({cell.v}, {lit(cons['pattern'])})"))
    if "enum" in cons and "enum" in allowed:
        values = [parse_python(f, item) for item in cons["enum"]]
        listed = [_sql_value(f, x) for x in values if x is not None and not (isinstance(x, Decimal) and x.is_nan())]
        member = f"{cell.value} IN ({','.join(listed)})" if listed else "false"
        if f.type == "number":
            member = f"(NOT isnan({cell.value}) AND {member})"
        rules.append(("constraint-error", "enum", f"{ok} AND NOT coalesce({member}, false)"))
    for key, op in BOUND_OPS.items():
        if key in cons and key in allowed:
            bound = parse_python(f, cons[key])
            broken = f"{cell.value} {op} {_sql_value(f, bound)}"
            if f.type == "number":
                broken = f"(isnan({cell.value}) OR {broken})"  # NaN passes no bound
            rules.append(("constraint-error", key, f"{ok} AND {broken}"))
    for key, op in (("minLength", "<"), ("maxLength", ">")):
        if key in cons and key in allowed:
            rules.append(("constraint-error", key, f"{ok} AND length({cell.v}) {op} {int(cons[key])}"))
    if codes is not None:
        listed = "[" + ",".join(lit(c) for c in codes) + "]"
        if f.type == "array":
            rules.append(("code-error", "codelist", f"{ok} AND len(list_filter(CAST(json_extract_string({cell.v}, '$[*]') AS VARCHAR[]), lambda x: NOT list_contains({listed}, x))) > 0"))
        else:
            rules.append(("code-error", "codelist", f"{ok} AND NOT list_contains({listed}, {cell.text})"))
    rule = _rule_sql(f.rule, cell.text) if f.rule else None
    if rule:
        kind = {"uscc": "uscc-error", "id-card": "id-card-error", "division": "division-error", "school-code": "school-code-error"}[f.rule]
        nonempty = "" if cell.empty_missing and cell.text == cell.v else f" AND {cell.text} <> ''"  # the rules skip ''
        rules.append((kind, f.rule, f"{ok}{nonempty} AND NOT ({rule})"))
    return rules, cell.unsure, cell.helpers


# -- identifier rules (统一社会信用代码, 身份证号, 行政区划, 学校标识码) ----------------------------------
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
        f"(regexp_full_match({v}, '[0-9]{{17}}[0-9Xx]') AND substr({v}, 7, 4) <> '0000'"
        f" AND try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL"
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
    """SQL that is TRUE when the value passes the rule (the same rules as identifiers.py)."""
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
