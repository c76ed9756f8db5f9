"""`make bench`: 检查我的文件 in Chromium on a 100,000-row student CSV, beside ``educat check``.

The site is built from this repository and served on 127.0.0.1; Debian's chromium (Playwright)
opens the edu-basic-data 1.0.0 page and chooses the file in the student panel, as a clerk would.
The first check includes loading the engine (DuckDB-WASM and Pyodide, from the site); the
following ones reuse it. The same file is checked by ``educat check`` (DuckDB engine) for the
ratio, and both must report the same error count. The engine's size on the site is reported too.
"""

from __future__ import annotations

import csv
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_BROWSER_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_BROWSER_RUNS", "5"))
CHROMIUM = os.environ.get("EDUCAT_CHROMIUM", "/usr/bin/chromium")
FIELDS = ["student_id", "name", "gender", "birth_date", "id_card", "school_code", "grade", "status"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def student_file(root: Path, work: Path, rows: int) -> Path:
    """A generated student CSV (示例 data) with an error planted in every 500th row."""
    from educat.core.loader import load_repo
    from educat.dev.generate import generate_rows

    repo = load_repo(root, standards_only=True)[0]
    std = repo.standard("edu-basic-data", "1.0.0")
    clean = generate_rows(std, std.entities["student"], rows, work / f"students-{rows}-clean.csv", fields=FIELDS)
    target = work / f"students-{rows}.csv"
    with clean.open(encoding="utf-8", newline="") as src, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(src), csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        for index, row in enumerate(reader):
            if index % 500 == 7:
                row[header.index("gender")] = "女"  # a name where the code belongs
            if index % 500 == 257:
                row[header.index("birth_date")] = "2015/02/30"
            writer.writerow(row)
    clean.unlink()
    return target


def site_size(site: Path) -> tuple[float, float]:
    """MB of the engine under assets/check/, and of its WebAssembly files alone."""
    files = [p for p in (site / "assets" / "check").rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files) / 1e6
    return total, sum(p.stat().st_size for p in files if p.suffix == ".wasm") / 1e6


def browser_check_times(root: Path, work: Path, rows: int | None = None, runs: int | None = None) -> dict:
    """Build and serve the site, check the generated file ``runs`` times in one Chromium tab."""
    rows, runs = rows or ROWS, runs or RUNS
    from playwright.sync_api import sync_playwright

    bin_dir = Path(sys.executable).parent
    site = work / "site-browser-check"
    subprocess.run([str(bin_dir / "educat"), "build", "--root", str(root), "--out", str(site)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data = student_file(root, work, rows)
    command = [str(bin_dir / "educat"), "check", str(data), "--root", str(root), "--standard", "edu-basic-data@1.0.0", "--entity", "student", "--format", "json"]
    cli_runs = []
    for _ in range(runs):
        start = time.perf_counter()
        cli = subprocess.run(command, capture_output=True, text=True)
        cli_runs.append(time.perf_counter() - start)
    cli_seconds = statistics.median(cli_runs)
    expected = json.loads(cli.stdout)["stats"]["errors"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/standards/edu-basic-data/1.0.0/")
            panel = page.locator('.educat-check[data-entity="student"]')
            for _ in range(runs + 1):
                panel.evaluate("el => { delete el.educatReport; el.dataset.state = ''; }")
                began = time.perf_counter()
                panel.locator("input[type=file]").set_input_files(str(data))
                page.wait_for_function("el => ['valid', 'invalid', 'failed'].includes(el.dataset.state)", arg=panel.element_handle(), timeout=600_000)
                times.append(time.perf_counter() - began)
                report = panel.evaluate("el => el.educatReport")
                if not report or report["stats"]["errors"] != expected:
                    raise RuntimeError(f"浏览器检查的错误数与 educat check 不同:{report and report['stats']} / {expected}")
            browser.close()
    finally:
        server.shutdown()
    total, wasm = site_size(site)
    return {"rows": rows, "errors": expected, "first": times[0], "warm": statistics.median(times[1:]), "warm_runs": times[1:], "cli": cli_seconds, "engine_mb": total, "wasm_mb": wasm}


def browser_lines(root: Path, work: Path, row) -> list[str]:
    """Rows of make bench's table (``row(label, value, baseline, ratio, memory)``); none when
    BENCH_BROWSER_ROWS is 0."""
    if ROWS <= 0:
        return []
    r = browser_check_times(root, work)
    return [
        row(f"检查我的文件:Chromium 中检查 {r['rows']:,} 行学生 CSV({r['errors']} 个错误;秒,{len(r['warm_runs'])} 次中位数)", f"{r['warm']:.2f}", f"{r['cli']:.2f}(educat check 命令行)", f"{r['cli'] / r['warm']:.1f}×", f"第一次含加载引擎 {r['first']:.1f} 秒"),
        row("浏览器检查引擎在网站上的大小(MB,只在选择文件后下载)", f"{r['engine_mb']:.1f}", "", "", f"其中 WebAssembly {r['wasm_mb']:.1f} MB"),
    ]


if __name__ == "__main__":
    folder = Path(os.environ.get("BENCH_DIR", ".bench"))
    folder.mkdir(exist_ok=True)
    print("\n".join(browser_lines(Path.cwd(), folder, lambda *cells: " | ".join(cells))))
