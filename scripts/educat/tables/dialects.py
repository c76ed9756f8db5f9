"""The few SQL spellings that differ between the engines educat prints its rules for: DuckDB,
Spark SQL, Trino and PostgreSQL.

The rules themselves (``portable.py``) are written once, in the SQL all four share (CASE,
``IN``, ``substr``, ``length``, ``position(a IN b)``, ``coalesce``, ``least``, ``%``,
``TRIM(LEADING … FROM …)``), and ask a ``Dialect`` for the rest: quoting, string literals,
type names, a cast that gives NULL instead of an error, whole-value regular expressions and
NaN tests. Identifier checks are integer arithmetic on ``position`` (no cast that could fail),
and dates are compared as ``yyyymmdd`` integers, so no date function is needed.

Regular expressions are written in RE2 syntax (DuckDB's, and what a Table Schema ``pattern``
is read as) and translated for the other engines' regex libraries, so that each one matches
exactly the same texts: Java's (Spark; Trino's Joni in Java syntax) and PostgreSQL's ARE. ``\\d``, ``\\s``
and ``\\w`` become explicit ASCII classes (the engines differ on Unicode digits and spaces),
``.`` never matches a line break, ``^``/``$`` anchor the whole value, and PostgreSQL, which has
no ``(?i:…)`` group, gets each letter in both cases.
"""

from __future__ import annotations

import re

NAMES = ("duckdb", "spark", "trino", "postgres")


class DialectError(ValueError):
    """A rule this engine cannot state (e.g. a pattern using a regex feature it lacks)."""


_SHORTHAND = {"d": "0-9", "s": "\\t\\n\\f\\r ", "w": "0-9A-Za-z_"}
# RE2's POSIX classes are ASCII (PostgreSQL's follow the locale: [[:alpha:]] would match 中)
_POSIX = {
    "alpha": "A-Za-z", "digit": "0-9", "alnum": "0-9A-Za-z", "upper": "A-Z", "lower": "a-z", "space": "\\t\\n\\x0b\\f\\r ",
    "xdigit": "0-9A-Fa-f", "word": "0-9A-Za-z_", "blank": " \\t", "print": " -~", "graph": "!-~",
    "punct": "!-/:-@\\[-`{-~", "cntrl": "\\x01-\\x1f\\x7f", "ascii": "\\x01-\\x7f",
}


def _both_cases(ch: str) -> str:
    return ch.lower() + ch.upper() if ch.lower() != ch.upper() and len(ch.lower()) == len(ch.upper()) == 1 else ch


class Dialect:
    """DuckDB: the reference spelling (the rules' SQL is what DuckDB runs in ``educat check``)."""

    name = "duckdb"
    int_type = "HUGEINT"  # integer field values (DuckDB: 128 bits)
    double_type = "DOUBLE"
    text_type = "VARCHAR"

    # -- names and literals --------------------------------------------------------------
    def q(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def lit(self, value) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    def int_lit(self, value: int) -> str:
        return f"CAST({int(value)} AS {self.int_type})"

    def double_lit(self, text: str) -> str:
        return f"CAST({self.lit(text)} AS {self.double_type})"

    # -- functions -----------------------------------------------------------------------
    def try_cast(self, sql: str, kind: str) -> str:
        return f"TRY_CAST({sql} AS {kind})"

    def strip(self, sql: str, chars: str) -> str:
        return f"trim({sql}, {self.lit(chars)})"

    def matches(self, sql: str, pattern: str) -> str:
        """TRUE when the whole value matches the RE2 ``pattern``."""
        return f"regexp_full_match({sql}, {self.lit(pattern)})"

    def contains(self, sql: str, pattern: str) -> str:
        """TRUE when some part of the value matches ``pattern`` (a simple class, no anchors)."""
        return f"regexp_matches({sql}, {self.lit(pattern)})"

    def extract(self, sql: str, pattern: str, group: int) -> str:
        """Group ``group`` of a value that matches ``pattern`` whole."""
        return f"regexp_extract({sql}, {self.lit(pattern)}, {group})"

    def remove_all(self, sql: str, pattern: str) -> str:
        return f"regexp_replace({sql}, {self.lit(pattern)}, '', 'g')"

    def isnan(self, sql: str) -> str:
        return f"isnan({sql})"

    def isinf(self, sql: str) -> str:
        return f"isinf({sql})"

    def is_json_array(self, sql: str) -> str:
        return f"(json_valid({sql}) AND json_type({sql}) = 'ARRAY')"

    def json_items_outside(self, sql: str, codes: str) -> str:
        """TRUE when an item of the JSON array ``sql`` (as text) is not among ``codes``."""
        return f"len(list_filter(CAST(json_extract_string({sql}, '$[*]') AS VARCHAR[]), lambda x: NOT list_contains([{codes}], x))) > 0"

    # -- regular expressions ---------------------------------------------------------------
    def regex(self, pattern: str) -> str:
        return pattern


class Spark(Dialect):
    """Spark SQL (3.4+, ANSI mode or not): Java regular expressions, backslash string escapes."""

    name = "spark"
    int_type = "DECIMAL(38,0)"
    text_type = "STRING"

    def q(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def lit(self, value) -> str:
        out = []
        for ch in str(value):
            if ch in "\\'":
                out.append("\\" + ch)
            elif not ch.isprintable() or ch in "\u3000":
                out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else ch)
            else:
                out.append(ch)
        return "'" + "".join(out) + "'"

    def strip(self, sql: str, chars: str) -> str:
        return f"trim(BOTH {self.lit(chars)} FROM {sql})"

    def matches(self, sql: str, pattern: str) -> str:
        return f"({sql} RLIKE {self.lit(self.regex(pattern))})"

    def contains(self, sql: str, pattern: str) -> str:
        return f"({sql} RLIKE {self.lit(pattern)})"

    def extract(self, sql: str, pattern: str, group: int) -> str:
        return f"regexp_extract({sql}, {self.lit(self.regex(pattern))}, {group})"

    def remove_all(self, sql: str, pattern: str) -> str:
        return f"regexp_replace({sql}, {self.lit(pattern)}, '')"

    def isinf(self, sql: str) -> str:
        return f"(abs({sql}) = CAST('Infinity' AS DOUBLE))"

    def is_json_array(self, sql: str) -> str:
        return f"(json_array_length({sql}) IS NOT NULL)"

    def json_items_outside(self, sql: str, codes: str) -> str:
        return f"exists(from_json({sql}, 'array<string>'), x -> NOT (x IN ({codes})))"

    def regex(self, pattern: str) -> str:
        # (?d): only \n ends a line, as in RE2; \z: the very end (Java's $ also matches before a final \n)
        return "(?d)^(?:" + translate(pattern, "java") + ")\\z"


class Trino(Dialect):
    """Trino (regular expressions in Java's syntax, without the ``(?d)`` flag). Not executed by
    the tests: no Trino server can be run here; tests/test_dialects.py parses the SQL as Trino
    with sqlglot and allows only functions Trino documents."""

    name = "trino"
    int_type = "DECIMAL(38,0)"

    def strip(self, sql: str, chars: str) -> str:
        return f"trim(BOTH {self.lit(chars)} FROM {sql})"

    def matches(self, sql: str, pattern: str) -> str:
        return f"regexp_like({sql}, {self.lit(self.regex(pattern))})"

    def contains(self, sql: str, pattern: str) -> str:
        return f"regexp_like({sql}, {self.lit(pattern)})"

    def extract(self, sql: str, pattern: str, group: int) -> str:
        return f"regexp_extract({sql}, {self.lit(self.regex(pattern))}, {group})"

    def remove_all(self, sql: str, pattern: str) -> str:
        return f"regexp_replace({sql}, {self.lit(pattern)}, '')"

    def isnan(self, sql: str) -> str:
        return f"is_nan({sql})"

    def isinf(self, sql: str) -> str:
        return f"is_infinite({sql})"

    def is_json_array(self, sql: str) -> str:
        return f"(json_array_length(TRY(json_parse({sql}))) IS NOT NULL)"

    def json_items_outside(self, sql: str, codes: str) -> str:
        return f"any_match(TRY_CAST(json_parse({sql}) AS ARRAY(VARCHAR)), x -> NOT (x IN ({codes})))"

    def regex(self, pattern: str) -> str:
        return "^(?:" + translate(pattern, "trino") + ")\\z"


class Postgres(Dialect):
    """PostgreSQL 16 or later (``pg_input_is_valid``, ``IS JSON ARRAY``): regular expressions
    are its ARE flavour."""

    name = "postgres"
    int_type = "NUMERIC"
    double_type = "DOUBLE PRECISION"
    text_type = "TEXT"

    def int_lit(self, value: int) -> str:
        return f"CAST({int(value)} AS NUMERIC)"

    def try_cast(self, sql: str, kind: str) -> str:
        return f"(CASE WHEN pg_input_is_valid({sql}, {self.lit(kind.lower())}) THEN CAST({sql} AS {kind}) END)"

    def strip(self, sql: str, chars: str) -> str:
        return f"btrim({sql}, {self.lit(chars)})"

    def matches(self, sql: str, pattern: str) -> str:
        body, insensitive = translate_are(pattern)
        return f"({sql} {'~*' if insensitive else '~'} {self.lit('^(?:' + body + ')$')})"

    def contains(self, sql: str, pattern: str) -> str:
        return f"({sql} ~ {self.lit(pattern)})"

    def extract(self, sql: str, pattern: str, group: int) -> str:
        body, insensitive = translate_are(pattern)
        flags = ", 'i'" if insensitive else ""
        return f"(regexp_match({sql}, {self.lit('^(?:' + body + ')$')}{flags}))[{group}]"

    def remove_all(self, sql: str, pattern: str) -> str:
        return f"regexp_replace({sql}, {self.lit(pattern)}, '', 'g')"

    def isnan(self, sql: str) -> str:
        return f"({sql} = CAST('NaN' AS DOUBLE PRECISION))"

    def isinf(self, sql: str) -> str:
        return f"(abs({sql}) = CAST('Infinity' AS DOUBLE PRECISION))"

    def is_json_array(self, sql: str) -> str:
        return f"({sql} IS JSON ARRAY)"

    def json_items_outside(self, sql: str, codes: str) -> str:
        # only reached for a JSON array (the CASE of the caller): the cast cannot fail
        return f"EXISTS (SELECT 1 FROM json_array_elements(CAST({sql} AS json)) AS e(x) WHERE NOT ((x #>> '{{}}') IN ({codes})))"


DIALECTS = {d.name: d for d in (Dialect(), Spark(), Trino(), Postgres())}


def dialect(name: str) -> Dialect:
    return DIALECTS[name]


# -- regex translation -----------------------------------------------------------------------
_TOKEN = re.compile(r"\\x\{[0-9A-Fa-f]+\}|\\[pP]\{[^}]*\}|\\[pP][A-Za-z]|\\Q.*?(?:\\E|$)|\\.|\(\?P?<[A-Za-z_][A-Za-z0-9_]*>|\(\?[a-zA-Z]*-?[a-zA-Z]*:|\(\?[a-zA-Z]*\)|\[|\]|.", re.S)


def _class_end(pattern: str, start: int) -> int:
    """The index just past the bracket class that starts at ``start`` (RE2 rules: a ``]`` right
    after ``[`` or ``[^`` is literal; ``[:name:]`` is a POSIX class)."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close > 0:
                i = close + 2
                continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    raise DialectError(f"正则表达式 {pattern} 的方括号不成对")


def _class(body: str, target: str, insensitive: bool) -> str:
    """A bracket class's contents (without ``[``, ``^`` and ``]``) for ``target``."""
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            esc = body[i + 1]
            if esc in _SHORTHAND:
                out.append(_SHORTHAND[esc])
            elif esc in "DSW":
                raise DialectError(f"方括号中的 \\{esc} 无法在 {target} 中照写")
            elif esc == "x" and body[i + 2 : i + 3] == "{":
                end = body.index("}", i)
                out.append(_hex(body[i + 3 : end], target))
                i = end + 1
                continue
            else:
                out.append(body[i : i + 2])
            i += 2
            continue
        if body.startswith("[:", i):
            end = body.index(":]", i)
            name = body[i + 2 : end]
            if name not in _POSIX:
                raise DialectError(f"正则表达式中的 [:{name}:] 无法在 {target} 中照写")
            out.append(_POSIX[name])
            i = end + 2
            continue
        if ch == "[" and target != "are":
            out.append("\\[")
        elif ch == "&" and target != "are":
            out.append("\\&")
        elif insensitive and i + 2 < len(body) and body[i + 1] == "-" and body[i + 2] != "]":
            low, high = ch, body[i + 2]
            out.append(f"{low}-{high}")
            if low.isalpha() and high.isalpha() and low.isascii() and high.isascii():
                out.append(f"{low.swapcase()}-{high.swapcase()}")
            i += 3
            continue
        else:
            out.append(_both_cases(ch) if insensitive else ch)
        i += 1
    return "".join(out)


def _hex(digits: str, target: str) -> str:
    code = int(digits, 16)
    if target == "are":
        return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return f"\\x{{{digits}}}"


def translate(pattern: str, target: str, insensitive: bool = False) -> str:
    """An RE2 pattern for ``target`` ("java": Spark, with the ``(?d)`` flag the caller adds;
    "trino": Java's syntax without it; "are": PostgreSQL), matching the same texts. With
    ``insensitive`` (PostgreSQL inside ``(?i:…)``) letters are written in both cases."""
    out = []
    stack = []  # for each open group: was the text before it case-insensitive?
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            end = _class_end(pattern, i)
            inner = pattern[i + 1 : end - 1]
            negated = inner.startswith("^")
            body = _class(inner[1:] if negated else inner, target, insensitive)
            out.append("[" + ("^" if negated else "") + body + "]")
            i = end
            continue
        token = _TOKEN.match(pattern, i).group(0)
        i += len(token)
        if token.startswith("\\Q"):
            literal = token[2:].removesuffix("\\E")
            out.append("".join(("[" + _both_cases(c) + "]" if insensitive and len(_both_cases(c)) > 1 else re.escape(c)) for c in literal))
        elif token.startswith("\\x{"):
            out.append(_hex(token[3:-1], target))
        elif token.startswith(("\\p", "\\P")):
            if target == "are":
                raise DialectError(f"PostgreSQL 的正则表达式不支持 {token}")
            out.append(token)
        elif len(token) == 2 and token[0] == "\\":
            esc = token[1]
            if esc in _SHORTHAND:
                out.append("[" + _SHORTHAND[esc] + "]")
            elif esc in "DSW":
                out.append("[^" + _SHORTHAND[esc.lower()] + "]")
            elif esc == "z":
                out.append("\\Z" if target == "are" else "\\z")
            elif esc in "bB" and target == "are":
                out.append("\\y" if esc == "b" else "\\Y")
            else:
                out.append(token)
        elif token.startswith("(?P<") or token.startswith("(?<"):
            stack.append(insensitive)
            out.append("(" if target == "are" else "(?<" + token[token.index("<") + 1 :])
        elif token.startswith("(?") and token.endswith(":"):
            flags = token[2:-1]
            stack.append(insensitive)
            if target == "are":
                on, _, off = flags.partition("-")
                if set(on + off) - {"i"}:
                    raise DialectError(f"PostgreSQL 的正则表达式不支持 {token}")
                insensitive = ("i" in on) or (insensitive and "i" not in off)
                out.append("(?:")
            else:
                out.append(_java_flags(token, target))
        elif token.startswith("(?") and token.endswith(")"):
            flags = token[2:-1]
            if target == "are":
                on, _, off = flags.partition("-")
                if set(on + off) - {"i"}:
                    raise DialectError(f"PostgreSQL 的正则表达式不支持 {token}")
                insensitive = ("i" in on) or (insensitive and "i" not in off)
            else:
                out.append(_java_flags(token, target))
        elif token == "(":
            stack.append(insensitive)
            out.append(token)
        elif token == ")":
            insensitive = stack.pop() if stack else insensitive
            out.append(token)
        elif token == ".":
            out.append(token if target == "java" else "[^\\n]")  # Java's . also stops at \r, \u0085 …
        elif token == "$":
            out.append("$" if target == "are" else "\\z")
        elif insensitive and len(_both_cases(token)) > 1:
            out.append("[" + _both_cases(token) + "]")
        else:
            out.append(token)
    return "".join(out)


def _java_flags(token: str, target: str) -> str:
    """RE2's flags for Java: (?i) folds case beyond ASCII in RE2 (Java needs u with it; Trino's
    (?i) already does); s, m and U mean other things or clash with the translation."""
    on, dash, off = token[2:].rstrip(":)").partition("-")
    if set(on + off) - {"i"}:
        raise DialectError(f"正则表达式的 {token} 无法在 {target} 中照写")
    if target == "java" and "i" in on:
        on += "u"
    return "(?" + on + dash + off + token[-1]


def translate_are(pattern: str) -> tuple[str, bool]:
    """An RE2 pattern as a PostgreSQL ARE, and whether the whole of it is case-insensitive (a
    leading ``(?i)``: the ``~*`` operator)."""
    if pattern.startswith("(?i)"):
        return translate(pattern[4:], "are"), True
    return translate(pattern, "are"), False
