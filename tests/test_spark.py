"""`educat check --engine spark`: on generated files with planted errors of every kind, Spark
reports the same counts and lists the same rows, fields, messages and values as the DuckDB
engine (which tests/test_conformance.py holds to Frictionless). pyspark runs in local mode; the
session (a JVM, several seconds to start) is shared by the tests of a run.

The data come from a seeded generator: each cell is valid (in many spellings Frictionless
accepts: " 7", "+7", "1_0", ".5", "2010-5-6"), blank, or one of its field's planted errors
(type, required, pattern, enum, code list, minimum/maximum, length, 统一社会信用代码, 身份证号,
行政区划, 学校标识码), plus repeated unique values and primary keys, blank rows, short rows,
an extra cell, and cells with commas, quotes and line breaks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.core.loader import load_repo
from educat.tables.check import check_file
from educat.tables.identifiers import id_check_digit, uscc_check_char

from .conftest import write

ENTITY = {
    "name": "person",
    "title": "人员",
    "description": "生成的测试数据。",
    "primaryKey": ["school", "seq"],
    "missingValues": ["", "-"],
    "fields": [
        {"name": "pid", "type": "string", "constraints": {"required": True, "unique": True, "pattern": "^P[0-9]{5}$"}},
        {"name": "school", "type": "string", "constraints": {"required": True}, "rule": "school-code"},
        {"name": "seq", "type": "integer", "constraints": {"required": True, "minimum": 1, "maximum": 500}},
        {"name": "level", "type": "integer", "constraints": {"enum": [1, 2, 3]}},
        {"name": "score", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "born", "type": "date", "constraints": {"minimum": "2000-01-01"}},
        {"name": "since", "type": "year", "constraints": {"minimum": 1990}},
        {"name": "boarding", "type": "boolean"},
        {"name": "gender", "type": "string", "codelist": "gender"},
        {"name": "kind", "type": "string", "constraints": {"enum": ["甲", "乙", "丙"]}},
        {"name": "name", "type": "string", "constraints": {"required": True, "minLength": 2, "maxLength": 10}},
        {"name": "org", "type": "string", "rule": "uscc"},
        {"name": "idno", "type": "string", "rule": "id-card"},
        {"name": "area", "type": "string", "rule": "division"},
        {"name": "joined", "type": "date", "format": "%Y年%m月%d日"},
    ],
}
NAMES = [f["name"] for f in ENTITY["fields"]]


def make_standard(root: Path) -> Path:
    """A content root with one standard, ``mix@1.0.0``, whose entity ``person`` has every type
    and constraint the engines check."""
    import yaml

    base = root / "standards" / "mix" / "1.0.0"
    write(base / "standard.yaml", "slug: mix\ntitle: 混合(测试)\nversion: 1.0.0\nstatus: 草案\npublisher: 示例\ndate: 2026-01-01\nscope: 测试。\nexample: true\ncodelists:\n  gender:\n    title: 性别\n")
    fields = [{**f, "title": f["name"], "description": "值。", "sensitivity": "公开"} for f in ENTITY["fields"]]
    write(base / "entities" / "person.yaml", yaml.safe_dump({**ENTITY, "fields": fields}, allow_unicode=True))
    write(base / "codelists" / "gender.csv", "code,name,description\n0,未知的性别,\n1,男,\n2,女,\n9,未说明的性别,\n")
    return root


def _uscc(rng) -> str:
    first = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return first + uscc_check_char(first)


def _idno(rng) -> str:
    born = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))
    first = "310113" + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    check = id_check_digit(first)
    return first + (check.lower() if check == "X" and rng.random() < 0.5 else check)


def valid(name: str, i: int, rng: random.Random, quotes: bool) -> str:
    """A valid cell, in one of the spellings Frictionless accepts."""
    n = rng.randrange(1, 500)
    choices = {
        "pid": [f"P{i:05d}"],
        "school": ["3101130001", "3101130002", "3101130003"],
        "seq": [str(i % 450 + 1), f" {n}", f"+{n}", f"00{n}", "1_0"],
        "level": ["1", "2", "3", " 2 ", "03"],
        "score": ["85.5", "100", "0", ".5", "5.", "1e1", "-0", "1_0.5", " 42 "],
        "born": ["2010-05-06", "2010-5-6", "2016-02-29", "2000-01-01", "2010-05- 6"],
        "since": ["2005", "1990", "2_01"],
        "boarding": ["true", "false", "1", "0", "True", "FALSE"],
        "gender": ["0", "1", "2", "9"],
        "kind": ["甲", "乙", "丙"],
        "name": ["张三", "李四五", "示例学生甲"] + (["王,五", "赵\n六", '说"好"'] if quotes else []),
        "org": [_uscc(rng)],
        "idno": [_idno(rng)],
        "area": ["310113", "110101", "650102"],
        "joined": ["2020年9月1日", "2021年10月15日", "2019年02月28日"],
    }
    return rng.choice(choices[name])


def planted(name: str, i: int, rng: random.Random, earlier: list[str], quotes: bool) -> str:
    """A cell that breaks one of the field's rules (or repeats an earlier unique value)."""
    choices = {
        "pid": ["p00001", f"P{i}x", " P00001", *(earlier[-3:] or ["P00000"])],
        "school": ["310113000", "31011300AB", "３１０１１３０００１"],
        "seq": ["7.5", "abc", "0", "501", "1e2", "１２"],
        "level": ["4", "x", "0"],
        "score": ["101", "-1", "NaN", "abc", "inf", "-Infinity"] + (["1,5"] if quotes else []),
        "born": ["2010-02-30", "1999-12-31", "2010/05/06", "0000-01-01", "2015-02-29", "20100506"],
        "since": ["1989", "20a5", "205", " 205"],
        "boarding": ["yes", "TRUE ", "是"],
        "gender": ["3", "男", "01"],
        "kind": ["丁", "甲 "],
        "name": ["张", "示例学生甲乙丙丁戊己庚"],
        "org": [_uscc(rng)[:17] + "0", _uscc(rng).lower(), _uscc(rng)[:17], "91310113MA1GL0000I"],
        "idno": [_idno(rng)[:17] + "Z", "31011319990230123X", _idno(rng)[:17], "310113000001011234"],
        "area": ["990101", "31011", "3101130"],
        "joined": ["2020-09-01", "2020年2月30日", "2020年13月1日"],
    }
    return rng.choice(choices[name])


def generate_rows(count: int, seed: int, *, quotes: bool = True, ragged: bool = True) -> list[list[str]]:
    """``count`` data rows: planted errors in about one cell in ten, blank cells (the required
    ones are errors), blank rows, and with ``ragged`` short and one-cell-too-long rows."""
    rng = random.Random(seed)
    rows, pids = [], []
    for i in range(count):
        draw = rng.random()
        if draw < 0.01:
            rows.append([rng.choice(["", "-"]) for _ in NAMES])
            continue
        row = []
        for name in NAMES:
            cell = rng.random()
            row.append(planted(name, i, rng, pids, quotes) if cell < 0.07 else rng.choice(["", "-"]) if cell < 0.1 else valid(name, i, rng, quotes))
        pids.append(row[0])
        if ragged and draw < 0.02:
            row = row[: rng.randrange(2, len(NAMES))]  # (one empty cell would be written "")
        elif ragged and draw < 0.03:
            row.append(rng.choice(["x", ""]))
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[list[str]], header: list[str] = NAMES, encoding: str = "utf-8", end: str = "\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


@pytest.fixture(scope="module")
def mix(tmp_path_factory):
    root = make_standard(tmp_path_factory.mktemp("mix"))
    return root, load_repo(root, standards_only=True)[0]


@pytest.fixture(scope="module")
def spark():
    from educat.tables.spark_engine import spark_session

    session = spark_session()  # pyspark and Java are test requirements: a failure here is a failure
    before = session.conf.get("spark.sql.files.maxPartitionBytes")
    session.conf.set("spark.sql.files.maxPartitionBytes", "64k")  # several partitions even for small files: row numbers across them
    yield session
    session.conf.set("spark.sql.files.maxPartitionBytes", before)


def same_reports(spark_report, duck_report):
    """Every count, and every listed finding (row, cell, field, type, message, value), equal."""
    assert duck_report.engine == "duckdb" and spark_report.engine == "spark"
    assert spark_report.rows == duck_report.rows
    assert dict(spark_report.totals) == dict(duck_report.totals)
    listed = lambda r: [(f.row, f.cell, f.field, f.type, f.severity, f.message, f.value) for f in r.findings]  # noqa: E731
    assert listed(spark_report) == listed(duck_report)


def check_both(path: Path, repo, limit, spark, **options):
    from educat.tables.spark_engine import spark_check

    duck = check_file(path, repo, "mix", "person", engine="duckdb", limit=limit)
    return spark_check(path, repo, "mix", "person", limit=limit, spark=spark, **options), duck


@pytest.mark.parametrize("seed, quotes, encoding, end", [(1, True, "utf-8", "\n"), (2, False, "utf-8", "\n"), (3, True, "gb18030", "\r\n")])
def test_spark_finds_what_duckdb_finds_in_a_generated_csv(tmp_path, mix, spark, seed, quotes, encoding, end):
    """Quotes (read as one stream) or none (read in several partitions); UTF-8 or GB18030 with
    CRLF line ends (transcoded first)."""
    root, repo = mix
    path = write_csv(tmp_path / f"gen-{seed}.csv", generate_rows(3000 if seed < 3 else 800, seed, quotes=quotes), encoding=encoding, end=end)
    spark_all, duck_all = check_both(path, repo, None, spark)
    counts = duck_all.totals
    # the planted kinds are all there (the generator really plants them)
    for kind in ("type-error", "constraint-error", "code-error", "uscc-error", "id-card-error", "division-error", "school-code-error", "unique-error", "primary-key", "blank-row", "missing-cell", "extra-cell"):
        assert counts[kind] > 0, kind
    same_reports(spark_all, duck_all)
    assert spark_all.encoding == duck_all.encoding == encoding
    if not quotes:  # read in several partitions: the rows are numbered across them
        from educat.tables.spark_engine import _read_csv

        assert b'"' not in path.read_bytes() and _read_csv(spark, path, NAMES).rdd.getNumPartitions() > 1
    same_reports(*check_both(path, repo, 40, spark))  # the capped listing: the first findings in row order


def test_spark_checks_a_parquet_file_and_a_table(tmp_path, mix, spark):
    """A Parquet file with a ``__row`` column, the same without it (rows in file order), and a
    table of the session: the cell and key findings of the CSV they came from."""
    import duckdb

    from educat.tables.spark_engine import spark_check

    root, repo = mix
    csv_path = write_csv(tmp_path / "plain.csv", generate_rows(1500, 3, ragged=False))
    duck = check_file(csv_path, repo, "mix", "person", engine="duckdb", limit=None)
    con = duckdb.connect()
    source = f"SELECT *, row_number() OVER () + 1 AS __row FROM read_csv('{csv_path}', all_varchar = true, header = true)"
    con.execute(f"COPY ({source}) TO '{tmp_path / 'rows.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * EXCLUDE (__row) FROM ({source})) TO '{tmp_path / 'plain.parquet'}' (FORMAT parquet, ROW_GROUP_SIZE 200)")
    spark.read.parquet(str(tmp_path / "rows.parquet")).createOrReplaceTempView("people")
    for report in (
        spark_check(tmp_path / "rows.parquet", repo, "mix", "person", limit=None, spark=spark),
        spark_check(tmp_path / "plain.parquet", repo, "mix", "person", limit=None, spark=spark),
        spark_check(None, repo, "mix", "person", table="people", limit=None, spark=spark),
    ):
        assert report.rows == duck.rows and dict(report.totals) == dict(duck.totals)
        # a blank cell of a table is NULL (None) where the CSV has ''
        shown = lambda r: [(f.row, f.field, f.type, f.message, "" if f.value is None else f.value) for f in r.findings]  # noqa: E731
        assert shown(report) == shown(duck)
        assert all(f.cell == "" for f in report.findings)  # a table has no spreadsheet cells


def test_the_cli_prints_the_same_report_for_spark(tmp_path, mix, spark):
    root, _ = mix
    path = write_csv(tmp_path / "cli.csv", generate_rows(400, 4))
    runner = CliRunner()
    args = ["check", str(path), "--root", str(root), "--standard", "mix", "--entity", "person", "--format", "json", "--limit", "30"]
    duck, sparked = runner.invoke(cli, [*args, "--engine", "duckdb"]), runner.invoke(cli, [*args, "--engine", "spark"])
    assert duck.exit_code == sparked.exit_code == 1, sparked.output
    duck_json, spark_json = json.loads(duck.output), json.loads(sparked.output)
    assert spark_json["context"].pop("engine") == "spark" and duck_json["context"].pop("engine") == "duckdb"
    assert spark_json == duck_json
    text = runner.invoke(cli, [*args[:-4], "--engine", "spark"])
    assert "第 " in text.output and "不通过" in text.output and "Traceback" not in text.output


def test_spark_errors_are_chinese_and_say_what_to_do(tmp_path, mix, spark):
    root, _ = mix
    runner = CliRunner()
    base = ["check", "--root", str(root), "--standard", "mix", "--entity", "person", "--engine", "spark"]
    missing = runner.invoke(cli, [*base, "--table", "no_such_table"])
    assert missing.exit_code == 1 and "Spark 无法检查表 no_such_table" in missing.output and "请确认表名" in missing.output and "Traceback" not in missing.output
    empty_line = write_csv(tmp_path / "gap.csv", generate_rows(5, 5, ragged=False))
    empty_line.write_text(empty_line.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    result = runner.invoke(cli, [*base[:1], str(empty_line), *base[1:]])
    assert result.exit_code == 1 and "空行" in result.output and "--engine auto" in result.output
    both = runner.invoke(cli, [*base[:1], str(empty_line), *base[1:], "--table", "t"])
    assert both.exit_code == 2 and "只能给出一个" in both.output


def test_without_pyspark_or_java_the_message_says_what_to_install(tmp_path, mix, monkeypatch):
    """Checked in a fresh interpreter, so that the shared session is not in the way."""
    import subprocess
    import sys

    root, _ = mix
    path = write_csv(tmp_path / "x.csv", generate_rows(3, 6, ragged=False))
    cmd = [sys.executable, "-c", "import sys; from educat.cli import main; sys.argv = ['educat'] + sys.argv[1:]; main()", "check", str(path), "--root", str(root), "--standard", "mix", "--entity", "person", "--engine", "spark"]
    hide = tmp_path / "hide"
    write(hide / "pyspark" / "__init__.py", "raise ImportError('no pyspark')\n")
    no_spark = subprocess.run(cmd, capture_output=True, text=True, env={"PYTHONPATH": str(hide), "PATH": "/usr/bin:/bin"})
    assert no_spark.returncode == 1 and "pip install 'educat[spark]'" in no_spark.stderr and "Traceback" not in no_spark.stderr
    no_java = subprocess.run(cmd, capture_output=True, text=True, env={"PATH": str(tmp_path), "JAVA_HOME": str(tmp_path)})
    assert no_java.returncode == 1 and "Java 17" in no_java.stderr and "default-jre-headless" in no_java.stderr and "Traceback" not in no_java.stderr
