"""`make bench`: ``educat check --engine spark`` (pyspark in local mode, ``local[*]``) beside the
DuckDB engine on the same generated student file (BENCH_SPARK_ROWS rows, default 100,000; 0 =
skip), valid and with the planted errors of ``bench.plant_errors``.

Both engines run in one child process, one after the other, each on a warm start (one
unmeasured run first): the figures are the median check time of each, and, apart, the time
to start the Spark session (the JVM), which every ``educat check --engine spark`` pays once;
then the whole command of each engine, once (what a user waits for).
Both reports must be the same (rows and counts by error type) or the bench fails. Spark is
not expected to win on one machine: it is there for data that is already in a Spark cluster.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SPARK_ROWS = int(os.environ.get("BENCH_SPARK_ROWS", "100000"))
STANDARD = "edu-basic-data@1.0.0"


def spark_lines(work: Path, root: Path, repo, runs: int, row, whole: bool = True) -> list[str]:
    """The bench table's rows for Spark (``row`` formats one), measured in a child process;
    with ``whole``, each engine's whole command too (one more JVM start)."""
    if SPARK_ROWS <= 0:
        return []
    from educat.dev.bench import FIELDS, measure, plant_errors
    from educat.dev.generate import generate_rows

    data = work / f"students-spark-{SPARK_ROWS}.csv"
    if not data.exists():
        std = repo.standard("edu-basic-data", "1.0.0")
        generate_rows(std, std.entities["student"], SPARK_ROWS, data, fields=FIELDS)
    bad = work / f"students-spark-bad-{SPARK_ROWS}.csv"
    planted = plant_errors(data, bad)
    cmd = [sys.executable, "-m", "educat.dev.bench_spark", str(data), str(bad), str(root), str(runs)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    for engine in ("duckdb", "spark"):
        clean, errors = result[engine]["clean"], result[engine]["bad"]
        if not (clean["valid"] and clean["rows"] == SPARK_ROWS and errors["types"] == planted):
            raise RuntimeError(f"{engine} did not do the work: {result[engine]}")
    times = {engine: {kind: result[engine][kind]["times"] for kind in ("clean", "bad")} for engine in ("duckdb", "spark")}
    print(f"spark vs duckdb (秒):{times};Spark 会话启动 {result['start']:.1f} 秒", flush=True)
    median = {engine: {kind: statistics.median(t) for kind, t in kinds.items()} for engine, kinds in times.items()}
    lines = []
    for kind, label in (("clean", f"check {SPARK_ROWS:,} 行 × 8 字段,Spark local[*] 对 DuckDB(秒,中位数)"), ("bad", f"check 同一文件含 {sum(planted.values()):,} 个错误,Spark 对 DuckDB(秒)")):
        spark, duck = median["spark"][kind], median["duckdb"][kind]
        lines.append(row(label, f"{spark:.2f}", f"{duck:.2f}(DuckDB 引擎)", f"Spark 用时是 DuckDB 的 {spark / duck:.1f} 倍", ""))
    lines.append(row(f"Spark 会话启动(秒,JVM,{os.cpu_count()} 核)", f"{result['start']:.1f}", "每次 --engine spark 都要", "", ""))
    if not whole:
        return lines
    # what a user waits for: the whole command, once each (Python, the JVM for Spark, the check)
    cli = [str(Path(sys.executable).parent / "educat"), "check", str(data), "--root", str(root), "--standard", STANDARD, "--entity", "student", "--format", "json", "--limit", "10", "--engine"]
    whole = {}
    for engine in ("spark", "duckdb"):
        whole[engine] = measure([*cli, engine], check=lambda text: json.loads(text)["valid"] and json.loads(text)["stats"]["rows"] == SPARK_ROWS)
    lines.append(row(f"整条命令 educat check --engine spark,{SPARK_ROWS:,} 行(秒,1 次)", f"{whole['spark'][0]:.1f}", f"{whole['duckdb'][0]:.1f}(--engine duckdb)", "", f"{whole['spark'][1]:.0f} MB(不含 JVM)/ {whole['duckdb'][1]:.0f} MB"))
    return lines


def _measure(check, runs: int) -> tuple[list[float], object]:
    check()  # warm-up: the file in the page cache, Spark's code generated
    times, report = [], None
    for _ in range(runs):
        start = time.perf_counter()
        report = check()
        times.append(time.perf_counter() - start)
    return times, report


def main(argv: list[str]) -> int:
    from educat.core.loader import load_repo
    from educat.tables.check import check_file
    from educat.tables.spark_engine import spark_check, spark_session

    data, bad, root, runs = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    repo = load_repo(root, standards_only=True)[0]
    result: dict = {}
    begin = time.perf_counter()
    spark = spark_session()
    result["start"] = time.perf_counter() - begin
    engines = {
        "duckdb": lambda path: check_file(path, repo, STANDARD, "student", engine="duckdb", limit=10),
        "spark": lambda path: spark_check(path, repo, STANDARD, "student", limit=10, spark=spark),
    }
    for name, check in engines.items():
        result[name] = {}
        for kind, path in (("clean", data), ("bad", bad)):
            times, report = _measure(lambda: check(path), runs)
            result[name][kind] = {"times": times, "valid": report.valid, "rows": report.rows, "types": dict(report.totals)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
