"""`make bench` smoke run: tiny sizes, so CI proves the benchmark still runs end to end (each
measured command must exit as expected and report the work it was given, or the bench fails)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .conftest import REPO


def test_bench_smoke(tmp_path):
    env = dict(os.environ, BENCH_DIR=str(tmp_path), BENCH_ROWS="3000", BENCH_RESOURCES="30", BENCH_NAIVE_PAGES="20", BENCH_RUNS="1", BENCH_EDIT_RUNS="2", BENCH_WIDE="12x50,600x3", BENCH_SPARK_ROWS="0", BENCH_BROWSER_ROWS="0")  # Spark: test_bench_spark_smoke
    result = subprocess.run([sys.executable, "-m", "educat.dev.bench"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    labels = [line.split("|")[1].strip() for line in table[2:]]
    labels = [label.split(" ")[0] for label in labels]
    assert labels == ["check", "check", "同一文件", "check", "check", "check", "build", "build", "build", "单个资源页", "全文搜索,30", "编辑一条资源到预览页面显示,30", "其中", "validate"]
    edit = next(line.split("|") for line in table if "编辑一条资源到预览页面显示" in line)
    assert re.fullmatch(r"\d+\.\d\d", edit[2].strip()) and re.fullmatch(r"\d+×", edit[4].strip())  # measured in Chromium, against the full rebuild
    check_row = table[2].split("|")
    assert re.fullmatch(r"\d+×", check_row[4].strip()) and re.fullmatch(r"\d+ MB / \d+ MB", check_row[5].strip())
    assert re.search(r"check 是下限的 [\d.]+ 倍", table[4])  # the bare DuckDB parse of the same file
    assert "12 列 × 50 行(秒,duckdb)" in table[6] and "600 列 × 3 行(秒,duckdb)" in table[7]  # wide files too: the SQL grows with rule sets, not columns
    assert "含 37 个错误" in table[5]  # 30 code errors, 3 repeated ids (unique + primary key), 1 id card


def test_bench_spark_smoke(tmp_path, monkeypatch):
    """The Spark rows of `make bench` at a tiny size: both engines measured in one child process,
    their reports equal (or the bench fails). (The whole-command row, one more JVM start, is left
    out here: tests/test_spark.py runs that command.)"""
    from educat.core.loader import load_repo
    from educat.dev import bench_spark
    from educat.dev.bench import row

    monkeypatch.setattr(bench_spark, "SPARK_ROWS", 2000)
    lines = bench_spark.spark_lines(tmp_path, REPO, load_repo(REPO)[0], 1, row, whole=False)
    labels = [line.split("|")[1].strip() for line in lines]
    # 20 code errors, 2 repeated ids (unique + primary key), 1 id card: plant_errors at 2,000 rows
    assert labels[0].startswith("check 2,000 行") and "含 25 个错误" in labels[1] and labels[2].startswith("Spark 会话启动") and len(labels) == 3
    for line in lines[:2]:
        cells = [c.strip() for c in line.split("|")[2:5]]
        assert re.fullmatch(r"\d+\.\d\d", cells[0]) and re.fullmatch(r"\d+\.\d\d\(DuckDB 引擎\)", cells[1]) and re.fullmatch(r"Spark 用时是 DuckDB 的 [\d.]+ 倍", cells[2])


def test_bench_browser_smoke(tmp_path, monkeypatch):
    """检查我的文件's rows of `make bench` at a tiny size: the site built, a generated file checked
    in Chromium twice, its error count equal to educat check's (or the bench fails)."""
    from educat.dev import bench_browser
    from educat.dev.bench import row

    monkeypatch.setattr(bench_browser, "ROWS", 600)
    monkeypatch.setattr(bench_browser, "RUNS", 1)
    lines = bench_browser.browser_lines(REPO, tmp_path, row)
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines]
    # one error planted in rows 8 and 258 of every 500 (a name for a code, an impossible date)
    assert cells[0][0].startswith("检查我的文件:Chromium 中检查 600 行学生 CSV(3 个错误") and re.fullmatch(r"\d+\.\d\d", cells[0][1])
    assert re.fullmatch(r"\d+\.\d\d\(educat check 命令行\)", cells[0][2]) and cells[0][4].startswith("第一次含加载引擎")
    assert 40 < float(cells[1][1]) < 60  # MB of assets/check/ as built
