"""``educat check --engine spark``: the same checks and the same report as the DuckDB engine, run
as Spark SQL in a Spark session, on a CSV or Parquet file or on a table of the session.

The rules are ``portable.py``'s, in Spark's spelling; the queries follow the DuckDB engine's
(``engine_steps``): one aggregate scan counts every rule's findings, every key's repeats
(rows minus distinct keys) and the cells SQL cannot judge exactly; only when something was
found, a scan lists the first ``limit`` rows with findings in row order, and a window over
each repeated key lists the rows that repeat an earlier one.

Rows are numbered like the CLI (header = row 1, first data row = 2): a CSV by its records in
file order; a table or Parquet file by its ``__row`` column when it has one, else in the order
Spark reads it (one file: file order; several files: Spark's order, so give such a table a
``__row`` column). A CSV is read as the DuckDB engine reads it: text cells, an empty cell is
'', a short row lacks cells (missing-cell), one cell past the header is an extra cell; the
record of a row with another number of cells than the header is kept by Spark
(``columnNameOfCorruptRecord``), and its cells are counted from it.

pyspark starts its own JVM in local mode (``local[*]``, all cores) unless Spark's usual
configuration names a cluster: ``spark.master`` in ``$SPARK_CONF_DIR/spark-defaults.conf``
or ``PYSPARK_SUBMIT_ARGS="--master spark://主机:7077 pyspark-shell"``.
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
import uuid
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path

from educat.core.findings import Finding
from educat.core.model import Repo
from educat.tables.check import NO_DATA, CheckReport, engine_finding, find_entity, match_header
from educat.tables.dialects import dialect
from educat.tables.portable import RuleCell, blank_sql, cell_rules, key_sets, layers, present
from educat.tables.readers import ReadError, read_csv_header
from educat.tables.scan import irregular_lines, scan_damage
from educat.tables.sql_rules import supported

SPARK = dialect("spark")
INSTALL = "pip install 'educat[spark]'(或 pip install 'pyspark>=4.0')"


class SparkCheckError(Exception):
    """The Spark engine cannot check this input; the message says why and what to do."""


def spark_session():
    """The session of this process, started on first use (a JVM: a few seconds). Its start-up
    chatter goes to a log file, shown only when Spark fails to start."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkCheckError(f"--engine spark 需要 pyspark,但没有安装:运行 {INSTALL}") from None
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    home = os.environ.get("JAVA_HOME")
    if not (home and Path(home, "bin", "java").exists()) and not shutil.which("java"):
        raise SparkCheckError("--engine spark 需要 Java 17 或更新版本,但没有找到 java:安装 Java(Debian/Ubuntu:apt-get install default-jre-headless),或设置 JAVA_HOME")
    log = tempfile.NamedTemporaryFile(prefix="educat-spark-", suffix=".log", delete=False)
    saved = os.dup(2)
    os.dup2(log.fileno(), 2)  # the JVM inherits this stderr: its log lines stay out of the report
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spark = SparkSession.builder.appName("educat check").getOrCreate()
        context = spark.sparkContext
        context.setLogLevel("ERROR")
        if context.master.startswith("local") and not context.getConf().contains("spark.sql.shuffle.partitions"):
            # Spark's default (200 shuffle partitions) is for clusters; on one machine it only adds tasks
            spark.conf.set("spark.sql.shuffle.partitions", str(max(2, context.defaultParallelism)))
    except Exception as exc:  # noqa: BLE001 - any failure to start is the same advice
        os.dup2(saved, 2)
        tail = Path(log.name).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise SparkCheckError(f"Spark 没有启动({type(exc).__name__}):{' / '.join(tail) or exc}。请确认 java -version 是 17 或更新版本,Spark 的配置(SPARK_CONF_DIR、PYSPARK_SUBMIT_ARGS)正确") from None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        log.close()
        Path(log.name).unlink(missing_ok=True)
    return spark


def spark_check(path: Path | None, repo: Repo, standard: str, entity_name: str, *, table: str | None = None, encoding: str | None = None, limit: int | None = None, spark=None) -> CheckReport:
    """Check a CSV or Parquet file (``path``) or a table of the Spark session (``table``, e.g.
    ``db.students`` or ``parquet.`/data/students/```) against an entity."""
    std, entity = find_entity(repo, standard, entity_name)
    report = CheckReport(path=Path(path if path is not None else table), standard=std, entity=entity, limit=limit, engine="spark")
    temp = None
    try:
        if table is not None:
            fmt, used = "spark 表", ""
        elif _is_parquet(Path(path)):
            fmt, used = "parquet", ""
        else:
            fmt = "csv"
            if Path(path).suffix.lower() in (".xlsx", ".json", ".jsonl", ".ndjson"):
                raise SparkCheckError(f"{path}:--engine spark 检查 CSV、Parquet 文件或 --table 给出的表;XLSX、JSON 文件请去掉 --engine spark")
            header, used = read_csv_header(Path(path), encoding)
            damage = scan_damage(Path(path), used)
            if damage is not None:
                raise damage
            irregular = irregular_lines(Path(path))
            if irregular:
                raise SparkCheckError(f"{path}:{irregular},Spark 读取时行号会错位。请用 --engine auto 检查这个文件(或先删除空行、补齐引号)")
    except ReadError as exc:
        report.findings.append(Finding(row=exc.row, field="", type="file-error", message=exc.message, note=exc.note))
        return report
    spark = spark or spark_session()
    try:
        if fmt == "csv":
            source = Path(path)
            if used not in ("utf-8", "utf-8-sig"):
                from educat.tables.duckdb_engine import transcode_to_utf8

                temp = source = transcode_to_utf8(source, used)
            frame, labels = _read_csv(spark, source, header), header
        else:
            frame = spark.table(table) if table is not None else spark.read.parquet(str(path))
            frame, labels = _typed_source(frame)
        return _check(spark, report, frame, labels, fmt, used, repo, limit)
    except SparkCheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - Spark's errors (a missing table, a bad file) name the problem
        if table is not None:
            raise SparkCheckError(f"Spark 无法检查表 {table}:{_first_line(exc)}。请确认表名(如 库名.表名)在 Spark 会话中可见") from None
        raise SparkCheckError(f"Spark 无法检查 {path}:{_first_line(exc)}。请确认它是完整的 CSV 或 Parquet 文件,且 Spark 能读到这个路径") from None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def _has_quote(path: Path) -> bool:
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b'"') >= 0


def _read_csv(spark, path: Path, header: list[str]):
    """The CSV as the DuckDB engine reads it: ``c0`` … one text column per header label,
    ``__extra`` (the cell after the header's last), ``__n`` (the row's cells) and ``__id`` (the
    record's place). A file with quotes is read as one stream (a quoted cell may hold a line
    break); one without is split between the cores."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    width = len(header)
    schema = StructType([StructField(f"c{i}", StringType()) for i in range(width)] + [StructField("__bad", StringType())])
    options = {"escape": '"', "quote": '"', "mode": "PERMISSIVE", "columnNameOfCorruptRecord": "__bad", "maxColumns": str(max(20480, width + 16)), "encoding": "UTF-8", "ignoreLeadingWhiteSpace": "false", "ignoreTrailingWhiteSpace": "false"}
    frame = spark.read.csv(str(path), schema=schema, header=True, multiLine=_has_quote(path), **options).withColumn("__id", F.monotonically_increasing_id())
    view = _view(frame)
    # a row of the header's width is never "corrupt"; another row's cells are counted from its
    # record, quoted parts (which may hold commas) removed first
    n = f"(CASE WHEN __bad IS NULL THEN {width} ELSE size(split(regexp_replace(__bad, '\"[^\"]*\"', ''), ',', -1)) END)"
    wider = ", ".join(f"c{i} STRING" for i in range(width + 1))
    cells = ", ".join(f"(CASE WHEN __n > {i} THEN coalesce(c{i}, '') END) AS c{i}" for i in range(width))
    extra = f"(CASE WHEN __n > {width} THEN coalesce(from_csv(__bad, '{wider}', map('escape', '\"')).c{width}, '') END)"
    return spark.sql(f"SELECT {cells}{',' if width else ''} {extra} AS __extra, __n, __id FROM (SELECT *, {n} AS __n FROM {view})")


def _typed_source(frame):
    """A table's columns as text (arrays, maps and structs as JSON), NULL kept as NULL (a blank
    cell), its ``__row`` when it has one."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType, StructType

    labels = [c for c in frame.columns if c != "__row"]
    columns = []
    for i, label in enumerate(labels):
        kind = frame.schema[label].dataType
        column = F.col(SPARK.q(label))
        columns.append((F.to_json(column) if isinstance(kind, (ArrayType, MapType, StructType)) else column.cast("string")).alias(f"c{i}"))
    extra = [F.lit(None).cast("string").alias("__extra"), F.lit(len(labels)).alias("__n")]
    row = [F.col("__row").cast("long").alias("__row")] if "__row" in frame.columns else [F.monotonically_increasing_id().alias("__id")]
    return frame.select(*columns, *extra, *row), labels


def _view(frame) -> str:
    name = f"educat_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(name)
    return name


def _row_numbers(spark, view: str) -> str:
    """SQL of a record's row (header = row 1) from its ``__id``: the records before it in its
    partition plus those of the partitions before (the partition is the id's upper bits)."""
    parts = spark.sql(f"SELECT shiftright(__id, 33) AS p, count(*) AS n FROM {view} GROUP BY 1").collect()
    counts = {r["p"]: r["n"] for r in parts}
    if set(counts) <= {0}:
        return "(__id + 2)"
    offsets, total = [], 0
    for p in range(max(counts) + 1):
        offsets.append(total)
        total += counts.get(p, 0)
    return f"(__id - shiftleft(shiftright(__id, 33), 33) + element_at(array({', '.join(map(str, offsets))}), CAST(shiftright(__id, 33) AS INT) + 1) + 2)"


def _check(spark, report: CheckReport, frame, labels: list[str], fmt: str, used: str, repo: Repo, limit: int | None) -> CheckReport:
    std, entity = report.standard, report.entity
    columns, label_findings = match_header(labels, entity.fields)
    fields = [columns[i] for i in sorted(columns)]
    codelists = repo.field_codelists(fields, std)
    missing = entity.descriptor.get("missingValues")
    missing = [""] if missing is None else list(missing)
    for f in fields:
        why = supported(f)
        if why:
            raise SparkCheckError(f"{why}无法写成 Spark SQL:请用 --engine auto 检查")
    width = len(labels)
    cells: dict[str, RuleCell] = {}
    rules: list[tuple[int, str, str, str, str]] = []  # (column, field, type, rule, SQL)
    helpers: dict[str, str] = {}
    for i in sorted(columns):
        f = columns[i]
        codes = list(codelists[f.name].codes) if f.name in codelists else None
        found, cell = cell_rules(f, f"c{i}", codes, missing, SPARK)
        cells[f.name] = cell
        helpers.update(cell.helpers)
        rules += [(i, f.name, kind, detail, condition) for kind, detail, condition in found]
    blank = " AND ".join(blank_sql(f"c{i}", missing, SPARK) for i in range(width)) or "true"
    view = _view(frame)
    numbered = "__row" in frame.columns
    source = view
    for layer in layers(helpers):
        source = f"(SELECT *, {', '.join(f'{e} AS {n}' for n, e in layer)} FROM {source})"
    checked = f"(SELECT *, ({blank}) AS __blank FROM {source})"
    present_key = _present_key(entity, fields)
    sets, empty_key = key_sets(cells, fields, present_key)
    row_rules = [("blank-row", "__blank"), ("extra-cell", "NOT __blank AND __extra IS NOT NULL")] + ([("primary-key", empty_key)] if empty_key else [])
    unsure = [c.unsure for c in cells.values() if c.unsure]
    counts = [f"count_if(coalesce({c}, false))" for _, c in row_rules]
    counts += [f"coalesce(sum(CASE WHEN NOT __blank AND __n < {width} THEN {width} - __n END), 0)", f"count_if(__n > {width + 1})"]
    counts += [f"count_if(NOT __blank AND coalesce({c}, false))" for *_, c in rules]
    counts += [f"count_if(NOT __blank AND coalesce({' OR '.join(unsure) if unsure else 'false'}, false))"]
    for keys, _, composite, skip in sets:
        where = present(keys, composite, skip)
        key = keys[0] if len(keys) == 1 else "struct(" + ", ".join(keys) + ")"
        counts.append(f"count_if({where}) - count(DISTINCT CASE WHEN {where} THEN {key} END)")
    totals = iter(spark.sql(f"SELECT count(*), {', '.join(counts)} FROM {checked}").first())
    rows = next(totals)
    row_counts = [next(totals) for _ in row_rules]
    short_cells, too_long = next(totals), next(totals)
    rule_counts = [next(totals) for _ in rules]
    doubtful = next(totals)
    key_counts = list(totals)
    if too_long:
        raise SparkCheckError(f"{report.path}:{too_long} 行多出不止一个单元格。请用 --engine auto 检查这个文件")
    if doubtful:
        raise SparkCheckError(f"{doubtful} 个单元格的值超出 SQL 能精确判断的范围(超长整数、超过 15 位有效数字的小数等):请用 --engine auto 检查")
    result = Counter()
    for (kind, _), n in zip(row_rules, row_counts):
        result[kind] += n
    result["missing-cell"] += short_cells
    for (_, _, kind, _, _), n in zip(rules, rule_counts):
        result[kind] += n
    for (_, findings, _, _), n in zip(sets, key_counts):
        for _, kind, _, _ in findings:
            result[kind] += n
    found: list[tuple] = []
    if any(row_counts) or short_cells or any(rule_counts) or any(key_counts):
        if numbered and spark.sql(f"SELECT count_if(__row IS NULL) FROM {view}").first()[0]:
            raise SparkCheckError(f"{report.path} 的 __row 列(行号)有空值:请补全行号,或删去这一列(按读取顺序编号)")
        row = "__row" if numbered else _row_numbers(spark, view)
        listed = f"(SELECT {row} AS __rownum, * FROM {checked})"
        found = _listed(spark, listed, row_rules, row_counts, short_cells, rules, rule_counts, [columns.get(i) for i in range(width)], limit)
        for (keys, findings, composite, skip), n in zip(sets, key_counts):
            if n:
                found += _repeats(spark, listed, keys, findings, present(keys, composite, skip), limit)
    rank = {f.name: i for i, f in columns.items()}
    found.sort(key=lambda x: (x[0], rank.get(x[1], -1), x[2]))
    found = found[:limit] if limit else found
    titles = {f.name: f.title for f in entity.fields}
    listed_findings = [engine_finding(r, name, kind, rule, value, titles, codelists, columns, width) for r, name, kind, rule, value in found]
    if fmt != "csv":  # a table has no spreadsheet cells
        listed_findings = [replace(f, cell="") for f in listed_findings]
    report.findings = label_findings + listed_findings
    report.totals = Counter(f.type for f in label_findings if f.severity == "error") + +result
    report.row_count, report.format, report.encoding, report.engine = rows, fmt, used, "spark"
    if not rows:
        report.findings.append(NO_DATA)
        report.totals["no-data"] += 1
    report.mapping = {str(labels[i]): columns[i].name for i in sorted(columns)}
    return report


def _present_key(entity, fields) -> list[str] | None:
    """The entity's primary key when all its fields have a column (as check.py decides)."""
    key = entity.descriptor.get("primaryKey")
    keys = [key] if isinstance(key, str) else list(key or [])
    names = {f.name for f in fields}
    return keys if keys and all(k in names for k in keys) else None


def _listed(spark, source, row_rules, row_counts, short_cells, rules, rule_counts, fields, limit) -> list[tuple]:
    """The findings of the first ``limit`` rows that have any, in row order."""
    width = len(fields)
    live_rows = [(kind, c) for (kind, c), n in zip(row_rules, row_counts) if n]
    live = [r for r, n in zip(rules, rule_counts) if n]
    shown = sorted({i for i, *_ in live})
    flags = [f"coalesce({c}, false)" for _, c in live_rows] + [f"coalesce(NOT __blank AND ({c}), false)" for *_, c in live]
    short = f"(NOT __blank AND __n < {width})" if short_cells else "false"
    where = " OR ".join(flags + [short])
    select = ["__rownum", "__blank", "__extra", "__n", *flags, *(f"c{i}" for i in shown)]
    query = f"SELECT {', '.join(select)} FROM {source} WHERE {where} ORDER BY __rownum" + (f" LIMIT {int(limit)}" if limit else "")
    found = []
    for record in spark.sql(query).collect():
        row, blank, extra, n = record[0], record[1], record[2], record[3]
        hits = record[4 : 4 + len(flags)]
        values = dict(zip(shown, record[4 + len(flags) :]))
        for (kind, _), hit in zip(live_rows, hits):
            if hit:
                found.append((row, "", kind, kind if kind != "primary-key" else "primaryKey", extra if kind == "extra-cell" else None))
        if blank:  # a blank row reports only that (and an empty primary key)
            continue
        if n < width:
            found += [(row, f.name if f else "", "missing-cell", "missing-cell", None) for f in fields[n:]]
        for (i, name, kind, detail, _), hit in zip(live, hits[len(live_rows) :]):
            if hit:
                found.append((row, name, kind, detail, values[i]))
    return found


def _repeats(spark, source, keys, findings, where, limit) -> list[tuple]:
    """Rows whose key repeats an earlier row's, first ``limit`` in row order, with the raw cell
    of the key's column."""
    shown = next((column for *_, column in findings if column), None)
    value = shown or "CAST(NULL AS STRING)"
    query = (
        f"SELECT __rownum, __value FROM (SELECT __rownum, {value} AS __value, min(__rownum) OVER (PARTITION BY {', '.join(keys)}) AS __first "
        f"FROM {source} WHERE {where}) WHERE __rownum > __first ORDER BY __rownum" + (f" LIMIT {int(limit)}" if limit else "")
    )
    found = []
    for row, value in spark.sql(query).collect():
        for name, kind, detail, column in findings:
            found.append((row, name, kind, detail, value if column else None))
    return found
