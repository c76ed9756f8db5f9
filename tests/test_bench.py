"""`make bench` smoke run: tiny sizes, so CI proves the benchmark still runs end to end (each
measured command must exit as expected and report the work it was given, or the bench fails)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .conftest import REPO


def test_bench_smoke(tmp_path):
    env = dict(os.environ, BENCH_DIR=str(tmp_path), BENCH_ROWS="3000", BENCH_RESOURCES="30", BENCH_NAIVE_PAGES="20", BENCH_RUNS="1", BENCH_EDIT_RUNS="2", BENCH_WIDE="12x50,600x3")
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
