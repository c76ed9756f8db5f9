"""`educat check --print-sql --dialect …`: the printed query really runs on DuckDB, Spark
(pyspark local mode) and PostgreSQL (PGlite: PostgreSQL compiled to WebAssembly, run by node),
and all three return the same findings on the same table, which are the findings the DuckDB
engine reports for the same data. Trino cannot be run here (no server, no Maven): its SQL is
parsed as Trino by sqlglot and may call only functions Trino documents.

PGlite comes from npm (``make test`` installs it into .cache/npm); when it is missing the
tests fail and say how to install it.
"""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.core.loader import load_repo
from educat.tables.check import check_file
from educat.tables.dialects import dialect, translate, translate_are
from educat.tables.portable import rules_sql

from .conftest import REPO
from .test_spark import NAMES, generate_rows, make_standard, write_csv

PGLITE = REPO / ".cache/npm/node_modules/@electric-sql/pglite/dist/index.js"
RUNNER = """
import { PGlite } from %s;
let input = '';
for await (const chunk of process.stdin) input += chunk;
const db = new PGlite();
const out = [];
for (const job of JSON.parse(input)) {
  try {
    await db.exec(job.setup);
    out.push({ rows: (await db.query(job.query, [], { rowMode: 'array' })).rows });
  } catch (e) {
    out.push({ error: String(e.message || e) });
  }
}
await db.close();  // else an idle PGlite keeps node alive for seconds
process.stdout.write(JSON.stringify(out), () => process.exit(0));
"""


def postgres(jobs: list[tuple[str, str]], tmp: Path) -> list[list[list]]:
    """Run (setup, query) pairs in one PostgreSQL (PGlite) and return each query's rows."""
    assert PGLITE.exists(), "PGlite 没有安装:运行 make test,或 npm install --prefix .cache/npm @electric-sql/pglite@0.5.17"
    script = tmp / "pglite-run.mjs"
    script.write_text(RUNNER % json.dumps(str(PGLITE)), encoding="utf-8")
    done = subprocess.run(["node", str(script)], input=json.dumps([{"setup": s, "query": q} for s, q in jobs]), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    errors = [r["error"] for r in results if "error" in r]
    assert errors == []
    return [r["rows"] for r in results]


def pg_table(columns: list[str], rows: list[list], name: str = "src") -> str:
    lit = lambda x: "NULL" if x is None else str(x) if isinstance(x, int) else "'" + str(x).replace("'", "''") + "'"  # noqa: E731
    create = f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (" + ", ".join(f'"{c}" {"integer" if c == "__row" else "text"}' for c in columns) + ");"
    return create + (f" INSERT INTO {name} VALUES " + ",".join("(" + ",".join(lit(x) for x in row) + ")" for row in rows) + ";" if rows else "")


def duck_rows(columns: list[str], rows: list[list], query: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE src (" + ", ".join(f'"{c}" {"INTEGER" if c == "__row" else "VARCHAR"}' for c in columns) + ")")
    if rows:
        con.executemany(f"INSERT INTO src VALUES ({', '.join('?' for _ in columns)})", rows)
    return [tuple(r) for r in con.execute(query).fetchall()]


def spark_rows(spark, columns: list[str], rows: list[list], query: str) -> list[tuple]:
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    schema = StructType([StructField(c, IntegerType() if c == "__row" else StringType()) for c in columns])
    spark.createDataFrame(rows, schema).createOrReplaceTempView("src")
    return [tuple(r) for r in spark.sql(query).collect()]


@pytest.fixture(scope="module")
def spark():
    from educat.tables.spark_engine import spark_session

    return spark_session()


def printed(root: Path, standard: str, entity: str, name: str) -> str:
    result = CliRunner().invoke(cli, ["check", "--root", str(root), "--standard", standard, "--entity", entity, "--print-sql", "--dialect", name])
    assert result.exit_code == 0, result.output
    return result.output


def test_printed_sql_runs_on_duckdb_spark_and_postgres_with_the_same_findings(tmp_path, spark):
    """A generated table with planted errors of every kind (blank rows, repeated unique values
    and composite primary keys among them): each engine's spelling finds exactly what the DuckDB
    engine finds in the same data as a CSV."""
    root = make_standard(tmp_path / "mix")
    repo = load_repo(root, standards_only=True)[0]
    body = generate_rows(1500, 11, ragged=False)
    data = [[*row, i + 2] for i, row in enumerate(body)]
    columns = [*NAMES, "__row"]
    found = {"duckdb": sorted(duck_rows(columns, data, printed(root, "mix", "person", "duckdb")))}
    found["spark"] = sorted(spark_rows(spark, columns, data, printed(root, "mix", "person", "spark")))
    found["postgres"] = sorted(tuple(r) for r in postgres([(pg_table(columns, data), printed(root, "mix", "person", "postgres"))], tmp_path)[0])
    engine = check_file(write_csv(tmp_path / "same.csv", body), repo, "mix", "person", engine="duckdb", limit=None)
    expected = sorted((f.row, f.field, f.type, f.value) for f in engine.findings)
    assert sum(engine.totals.values()) == len(expected) > 300  # the planted errors are there, and all are listed
    assert {f.type for f in engine.findings} >= {"type-error", "constraint-error", "code-error", "uscc-error", "id-card-error", "division-error", "school-code-error", "unique-error", "primary-key", "blank-row"}
    assert sorted((row, field, kind, value) for row, field, kind, _, value in found["duckdb"]) == expected
    assert found["spark"] == found["duckdb"]
    assert found["postgres"] == found["duckdb"]


def example_tables() -> list[tuple[str, str, Path]]:
    """(standard, entity, CSV) for every CSV example of every standard version here."""
    repo = load_repo(REPO, standards_only=True)[0]
    return [(std.ref, ex.entity, std.path / "examples" / ex.file) for versions in repo.standards.values() for std in versions.values() for ex in std.examples if ex.file.endswith(".csv")]


def test_every_standard_entity_runs_on_each_engine_with_the_same_findings(tmp_path, spark):
    """The SQL of every entity with CSV examples (arrays, datetime fields the SQL leaves to
    educat check, code lists of other standards) over its examples, valid and invalid in one
    table: the same rows everywhere."""
    repo = load_repo(REPO, standards_only=True)[0]
    tables: dict[tuple[str, str], list[dict]] = {}
    for ref, entity, path in example_tables():
        tables.setdefault((ref, entity), []).extend(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    assert len(tables) >= 8
    jobs, results = [], []
    for (ref, entity), records in sorted(tables.items()):
        # a column per field: those an example leaves out are blank
        columns = [f.name for f in repo.find_standard(ref).entities[entity].fields]
        assert {name for record in records for name in record} <= set(columns)
        data = [[record.get(name) or "" for name in columns] + [i + 2] for i, record in enumerate(records)]
        columns.append("__row")
        duck = sorted(duck_rows(columns, data, printed(REPO, ref, entity, "duckdb")))
        results.append((ref, entity, duck, sorted(spark_rows(spark, columns, data, printed(REPO, ref, entity, "spark")))))
        jobs.append((pg_table(columns, data), printed(REPO, ref, entity, "postgres")))
    for (ref, entity, duck, sparked), pg in zip(results, postgres(jobs, tmp_path)):
        assert sparked == duck, (ref, entity)
        assert sorted(tuple(r) for r in pg) == duck, (ref, entity)
    assert sum(len(duck) for *_, duck, _ in results) >= 10  # the invalid examples really have findings


TRINO_FUNCTIONS = {  # https://trino.io/docs/current/functions/list.html
    "regexp_like", "regexp_extract", "regexp_replace", "trim", "replace", "length", "substr", "substring", "position", "strpos",
    "coalesce", "least", "if", "is_nan", "is_infinite", "abs", "json_array_length", "json_parse", "try", "any_match", "min", "cast", "try_cast",
}


def test_trino_sql_parses_as_trino_and_calls_only_trino_functions():
    """Not executed (no Trino server can run here): sqlglot parses it as Trino, and every
    function it calls is one of Trino's documented functions; no DuckDB-only spelling is left."""
    import sqlglot
    from sqlglot import exp

    cases = {(ref, entity) for ref, entity, _ in example_tables()}
    for ref, entity in sorted(cases):
        sql = printed(REPO, ref, entity, "trino")
        assert not any(word in sql for word in ("regexp_full_match", "list_contains", "HUGEINT", "try_strptime", "isnan(", "json_valid", "RLIKE"))
        tree = sqlglot.parse_one(sql, read="trino")
        called = {m.group(1).lower() for node in tree.find_all(exp.Func) if (m := re.match(r"([A-Za-z_]+)\(", node.sql(dialect="trino")))}
        unknown = called - TRINO_FUNCTIONS
        assert unknown == set(), (ref, entity, unknown)


ALPHABET = ["a", "A", "z", "Z", "0", "5", "9", "_", "-", ".", " ", "\n", "\t", "x", "X", "é", "É", "中", "２", "\u3000", "/", "年", "[", "]", "\\", "$", "^"]
PATTERNS = [
    "^[0-9]{12}$", "[A-Z][a-z]+", "(?i:ab|x)[0-9]*", "(?i)x[a-z]*", "a.b", "[^a]+", r"\d+\s?\w*", r"\D\S\W", r"[\d_]+", "[[:digit:]]+", "[[:alpha:]]+",
    r"\x{4e2d}.*", "a$|^b", "(?i)é+", "[[:space:]]+", "[[:punct:]]+", "(?i:[a-c]|é)z", r"\bx\b", "(?P<name>x)+", "[]a]+", r"[\]\\]+", "x*?X", r"\.\-", "((a|b)|[0-9]{2,3})+", "[a-c-]+", "中.?",
]


def test_patterns_match_the_same_texts_on_every_engine(tmp_path, spark):
    """Each RE2 pattern, translated for Spark (Java) and PostgreSQL (ARE), accepts exactly the
    texts DuckDB (RE2) accepts, over generated texts with line breaks, cases and CJK."""
    rng = random.Random(7)
    texts = sorted({"".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 6))) for _ in range(3000)})
    texts += ["abc", "a\nb", "ab", "Ab", "x", "xX", "中文", "202509990001", "202509990001\n", "\n", "aab", "a b"]
    d = {name: dialect(name) for name in ("duckdb", "spark", "postgres")}
    rows = [[t, i] for i, t in enumerate(texts)]
    columns = ["t", "__row"]
    query = lambda name: "SELECT " + ", ".join(f"{d[name].matches(d[name].q('t'), p)}" for p in PATTERNS) + f" FROM src ORDER BY {d[name].q('__row')}"  # noqa: E731
    duck = duck_rows(columns, rows, query("duckdb"))
    sparked = spark_rows(spark, columns, rows, query("spark"))
    pg = postgres([(pg_table(columns, rows), query("postgres"))], tmp_path)[0]
    for k, pattern in enumerate(PATTERNS):
        accepted = {texts[i] for i, row in enumerate(duck) if row[k]}
        assert 0 < len(accepted) < len(texts) or pattern in ("^[0-9]{12}$", r"\D\S\W"), pattern  # the texts tell patterns apart
        assert {texts[i] for i, row in enumerate(sparked) if row[k]} == accepted, (pattern, translate(pattern, "java"))
        assert {texts[i] for i, row in enumerate(pg) if row[k]} == accepted, (pattern, translate_are(pattern))


def test_print_sql_default_stays_duckdb_and_other_dialects_need_print_sql(tmp_path):
    default = CliRunner().invoke(cli, ["check", "--root", str(REPO), "--standard", "edu-basic-data@1.0.0", "--entity", "student", "--print-sql"])
    assert default.exit_code == 0 and "regexp_full_match" in default.output
    sample = str(REPO / "standards/edu-basic-data/1.0.0/examples/student-valid.csv")
    wrong = CliRunner().invoke(cli, ["check", sample, "--root", str(REPO), "--standard", "edu-basic-data", "--entity", "student", "--dialect", "spark"])
    assert wrong.exit_code == 2 and "--dialect 只用于 --print-sql" in wrong.output
