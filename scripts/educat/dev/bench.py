"""`make bench`: educat against its baselines, measured side by side in one run.

- check: ``educat check`` (DuckDB engine) vs ``frictionless validate`` on the same generated
  student CSV (8 fields) and the same schema, with the code lists given to Frictionless as enums;
- build: ``educat build`` vs a plain MkDocs build of the same pages with every page in the nav;
- build and validate of a 10,000-resource catalog;
- edit-to-preview: ``educat serve`` on that catalog, one record's title changed, the time until
  Chromium shows it (``dev/bench_preview.py``), against the full rebuild the preview did before;
- check with ``--engine spark`` (pyspark, local[*]) beside the DuckDB engine on one generated file
  (``dev/bench_spark.py``, BENCH_SPARK_ROWS);
- 检查我的文件: a 100,000-row student CSV checked in Chromium on the standard page, beside
  ``educat check`` on the same file, and the engine's size on the site (``dev/bench_browser.py``,
  BENCH_BROWSER_ROWS, BENCH_BROWSER_RUNS).

Each figure is the median of RUNS runs (CHECK_RUNS, at least 5, for the one-second check runs,
after one unmeasured warm-up run; the Frictionless baseline on the full file runs once unless
BENCH_BASELINE_RUNS is set, because it takes about half a minute). Peak memory is the
child's maximum resident set size. Sizes: BENCH_ROWS, BENCH_RESOURCES, BENCH_BIG_ROWS (0 = skip); BENCH_DIR is the work folder
(default .bench/). CI runs a small smoke version (tests/test_bench.py).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from educat.dev.bench_browser import browser_lines
from educat.dev.bench_preview import edit_to_preview
from educat.dev.bench_spark import spark_lines
from educat.dev.generate import generate_resources, generate_rows
from educat.core.loader import load_repo

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CHECK_RUNS = int(os.environ.get("BENCH_CHECK_RUNS", str(max(RUNS, 5))))  # a check run takes about a second
ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
RESOURCES = int(os.environ.get("BENCH_RESOURCES", "10000"))
NAIVE_PAGES = int(os.environ.get("BENCH_NAIVE_PAGES", "1000"))
BIG_ROWS = int(os.environ.get("BENCH_BIG_ROWS", "0"))
BASELINE_RUNS = int(os.environ.get("BENCH_BASELINE_RUNS", "1"))
EDIT_RUNS = int(os.environ.get("BENCH_EDIT_RUNS", "5"))
FIELDS = ["student_id", "name", "gender", "birth_date", "id_card", "school_code", "grade", "status"]
BIN = Path(sys.executable).parent


def measure(cmd: list[str], cwd: Path | None = None, check=None, code_ok=(0,)) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run; ``check(stdout)`` proves the run did the work."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    if code not in code_ok or (check is not None and not check(text)):
        raise RuntimeError(f"{' '.join(cmd)} exited with {code} or did not do the work:\n{text[:2000]}")
    return seconds, usage.ru_maxrss / 1024


def median_of(cmd: list[str], runs: int, cwd: Path | None = None, check=None, code_ok=(0,)) -> tuple[float, float, list[float]]:
    results = [measure(cmd, cwd, check, code_ok) for _ in range(runs)]
    times = [t for t, _ in results]
    return statistics.median(times), max(m for _, m in results), times


def baseline_schema(repo, work: Path) -> Path:
    std = repo.standard("edu-basic-data", "1.0.0")
    entity = std.entities["student"]
    fields = []
    codelists = repo.field_codelists(entity.fields, std)
    for f in entity.fields:
        if f.name in FIELDS:
            d = {k: v for k, v in f.descriptor.items() if k not in ("sensitivity", "codelist", "rule")}
            if f.name in codelists:
                d["constraints"] = {**(d.get("constraints") or {}), "enum": list(codelists[f.name].codes)}
            fields.append(d)
    path = work / "student.schema.json"
    path.write_text(json.dumps({"fields": fields, "primaryKey": ["student_id"]}, ensure_ascii=False), encoding="utf-8")
    return path


# Wide tables: (columns, rows). The last is shaped like frictionless-py's data/wide.csv (9,074
# columns, 3 rows), generated here; the others have rows enough for the SQL engine to run.
WIDE_CASES = [tuple(int(x) for x in case.split("x")) for case in os.environ.get("BENCH_WIDE", "100x200000,1000x20000,9074x3").split(",") if case]


def wide_case(work: Path, columns: int, rows: int) -> tuple[Path, Path, Path]:
    """A content root with one standard whose entity has ``columns`` fields (integer, number and
    string in turn, every third required), a valid CSV of ``rows`` rows, and the same fields as
    a Table Schema for Frictionless: (root, data, schema)."""
    import yaml

    root = work / f"wide-{columns}"
    folder = root / "standards" / "wide" / "1.0.0"
    (folder / "entities").mkdir(parents=True, exist_ok=True)
    kinds = ["integer", "number", "string"]
    fields = [{"name": f"c{i}", "type": kinds[i % 3], **({"constraints": {"required": True}} if i % 3 == 0 else {})} for i in range(columns)]
    meta = {"slug": "wide", "title": "宽表(基准测试,示例)", "version": "1.0.0", "status": "草案", "publisher": "示例", "date": "2026-01-01", "scope": "基准测试。"}
    (folder / "standard.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    entity = {"name": "t", "title": "宽表", "description": "基准测试。", "fields": [{**f, "title": f["name"], "description": "值。", "sensitivity": "公开"} for f in fields]}
    (folder / "entities" / "t.yaml").write_text(yaml.safe_dump(entity, allow_unicode=True), encoding="utf-8")
    data = root / f"wide-{columns}x{rows}.csv"
    if not data.exists():
        with data.open("w", encoding="utf-8") as out:
            out.write(",".join(f["name"] for f in fields) + "\n")
            for r in range(rows):
                out.write(",".join(f"{r}.{i}" if i % 3 == 1 else str(r + i) for i in range(columns)) + "\n")
    schema = root / "wide.schema.json"
    schema.write_text(json.dumps({"fields": fields}), encoding="utf-8")
    return root, data, schema


def bare_parse_cmd(data: Path) -> list[str]:
    """DuckDB reading the CSV and counting rows, nothing else: the floor for any check in SQL."""
    code = "import duckdb, sys; print(duckdb.connect().execute(\"SELECT count(*) FROM read_csv(?, all_varchar = true)\", [sys.argv[1]]).fetchone()[0])"
    return [sys.executable, "-c", code, str(data)]


def plant_errors(source: Path, target: Path) -> dict[str, int]:
    """A copy of a generated student file with errors at known rows: a gender outside the code
    list every 100 rows, a repeated student_id every 1,000 rows, an impossible birth date in the
    id-card number every 5,000 rows. Returns the counts educat must report."""
    counts = {"code-error": 0, "unique-error": 0, "primary-key": 0, "id-card-error": 0}
    with source.open(encoding="utf-8") as src, target.open("w", encoding="utf-8", newline="") as out:
        header = next(src)
        out.write(header)
        names = header.rstrip("\r\n").split(",")
        gender, sid, id_card = names.index("gender"), names.index("student_id"), names.index("id_card")
        previous = None
        for i, line in enumerate(src):
            cells = line.split(",")
            if i % 100 == 7:
                cells[gender] = "7"
                counts["code-error"] += 1
            if i % 1000 == 500 and previous is not None:
                cells[sid] = previous
                counts["unique-error"] += 1
                counts["primary-key"] += 1
            if i % 5000 == 9:
                cells[id_card] = "310113201513019950"
                counts["id-card-error"] += 1
            previous = line.split(",")[sid]
            out.write(",".join(cells))
    return {kind: n for kind, n in counts.items() if n}  # the report leaves out kinds it did not find


SEARCH_QUERIES = ["数学", "数学 微课", "语文 阅读", "勾股定理", "七年级 英语 听力"]


def search_costs(site: Path, queries: list[str]) -> tuple[dict[str, tuple[int, int]], int]:
    """Bytes the real /find/ page downloads for each query in Debian's chromium (index files and
    find.js; the page and theme are the same for every search), the result count, and the size
    of the theme's own search index, which every page loads."""
    import functools
    import http.server
    import threading

    try:
        from playwright.sync_api import sync_playwright  # a test dependency: only the bench needs it
    except ImportError:
        raise SystemExit("make bench 需要测试依赖 playwright:运行 .venv/bin/pip install -e '.[test]'(make bench 会自动安装)") from None

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    costs = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("EDUCAT_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox", "--disable-gpu"])
            for query in queries:
                page = browser.new_context().new_page()  # a fresh cache per query
                sizes: dict[str, int] = {}
                page.on("response", lambda r, sizes=sizes: sizes.__setitem__(r.url, len(r.body()) if r.ok else 0))
                page.goto(base + "find/?text=" + query)
                page.wait_for_function("(s => s && /共|没有/.test(s.textContent))(document.getElementById('educat-find-status'))", timeout=60000)
                page.wait_for_load_state("networkidle")
                status = page.locator("#educat-find-status").inner_text()
                found = int(status.split("共 ")[1].split(" 条")[0]) if "共 " in status else 0
                costs[query] = (sum(n for url, n in sizes.items() if "/find/idx/" in url or url.endswith("/find.js")), found)
                page.context.close()
            browser.close()
    finally:
        server.shutdown()
    theme = site / "search" / "search_index.json"
    return costs, theme.stat().st_size if theme.exists() else 0


def naive_site(repo, pages: int, work: Path) -> Path:
    """The same resource pages as plain Markdown, every one in the nav (what people do by hand)."""
    from educat.site.pages import SiteContent  # the bench measures the site: an entry point, like the CLI

    site = work / "naive"
    shutil.rmtree(site, ignore_errors=True)
    docs = site / "docs"
    docs.mkdir(parents=True)
    content = SiteContent(repo)
    nav = []
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    for record in repo.records[:pages]:
        page = content.catalog.record_page(record)
        name = f"r/{record.id}.md"
        (docs / "r").mkdir(exist_ok=True)
        (docs / name).write_text(page.markdown, encoding="utf-8")
        nav.append({record.title: name})
    config = {"site_name": "naive", "theme": {"name": "material", "language": "zh", "font": False}, "nav": [{"首页": "index.md"}, {"资源": nav}], "plugins": ["search"]}
    (site / "mkdocs.yml").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return site


def content_repo(root: Path, work: Path, resources: int, name: str) -> Path:
    """This repository's standards, docs and mkdocs.yml (copied afresh, so the bench builds the
    current site) with ``resources`` generated records (generated once, then reused)."""
    target = work / name
    for item in ("standards", "docs", "mkdocs.yml"):
        source, copy = root / item, target / item
        if copy.is_dir():
            shutil.rmtree(copy)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, copy)
    records = target / "catalog" / "resources"
    if not records.is_dir():
        generate_resources(load_repo(root)[0], resources, records)
    return target


def row(label: str, value: str, baseline: str = "", ratio: str = "", memory: str = "") -> str:
    return f"| {label} | {value} | {baseline} | {ratio} | {memory} |"


def main() -> int:
    root = Path.cwd()
    work = Path(os.environ.get("BENCH_DIR") or root / ".bench")
    work.mkdir(exist_ok=True)
    repo = load_repo(root)[0]
    educat = str(BIN / "educat")
    lines = ["| 测量 | educat | 基线 | 倍数 | 峰值内存 |", "| --- | --- | --- | --- | --- |"]

    # -- check ---------------------------------------------------------------------------
    data = work / f"students-{ROWS}.csv"
    if not data.exists():
        print(f"生成 {ROWS:,} 行学生数据……", flush=True)
        std = repo.standard("edu-basic-data", "1.0.0")
        generate_rows(std, std.entities["student"], ROWS, data, fields=FIELDS)
    schema = baseline_schema(repo, work)
    check_cmd = [educat, "check", str(data), "--root", str(root), "--standard", "edu-basic-data@1.0.0", "--entity", "student", "--engine", "duckdb", "--format", "json", "--limit", "10"]
    def checked_all(text: str) -> bool:
        report = json.loads(text)
        return report["valid"] and report["stats"]["rows"] == ROWS

    # one unmeasured run first: the file was just generated or evicted, and the baseline, which
    # runs after educat, would otherwise be the only one to find it in the page cache
    measure(check_cmd, check=checked_all)
    t_check, m_check, times = median_of(check_cmd, CHECK_RUNS, check=checked_all)
    print(f"educat check: {times}", flush=True)
    # Frictionless refuses absolute paths as unsafe: run it in the folder with relative names;
    # --limit-errors so that it reads the whole file like educat does (its default stops at 1,000)
    base_cmd = [str(BIN / "frictionless"), "validate", "--schema", schema.name, "--json", "--limit-errors", "1000000000", data.name]

    def validated_all(text: str) -> bool:
        report = json.loads(text)
        return report["valid"] and report["tasks"][0]["stats"]["rows"] == ROWS

    t_base, m_base, base_times = median_of(base_cmd, BASELINE_RUNS, cwd=work, check=validated_all)
    print(f"frictionless validate: {base_times}", flush=True)
    lines.append(row(f"check {ROWS:,} 行 × 8 字段,无错(秒,中位数)", f"{t_check:.2f}", f"{t_base:.1f}(frictionless validate)", f"{t_base / t_check:.0f}×", f"{m_check:.0f} MB / {m_base:.0f} MB"))
    lines.append(row("check 吞吐(行/秒)", f"{ROWS / t_check:,.0f}", f"{ROWS / t_base:,.0f}", "", ""))
    t_parse, m_parse, parse_times = median_of(bare_parse_cmd(data), CHECK_RUNS, check=lambda text: text.strip() == str(ROWS))
    print(f"duckdb bare parse: {parse_times}", flush=True)
    lines.append(row("同一文件 DuckDB 仅解析(秒,下限)", f"{t_check:.2f}", f"{t_parse:.2f}(DuckDB read_csv 计数)", f"check 是下限的 {t_check / t_parse:.1f} 倍", f"{m_parse:.0f} MB"))

    # the same file with planted errors: the listing scans run too
    bad = work / f"students-bad-{ROWS}.csv"
    planted = plant_errors(data, bad)
    bad_cmd = [*check_cmd[:2], str(bad), *check_cmd[3:]]
    measure(bad_cmd, check=lambda text: json.loads(text)["stats"]["types"] == planted, code_ok=(1,))
    t_bad, m_bad, bad_times = median_of(bad_cmd, CHECK_RUNS, check=lambda text: json.loads(text)["stats"]["types"] == planted, code_ok=(1,))
    print(f"educat check (errors): {bad_times}", flush=True)
    expected_base = planted["code-error"] + planted["unique-error"] + planted["primary-key"]  # no id-card rule in plain Frictionless
    t_bbase, m_bbase, bbase_times = median_of(
        [*base_cmd[:-1], bad.name], BASELINE_RUNS, cwd=work, check=lambda text: json.loads(text)["tasks"][0]["stats"]["errors"] == expected_base, code_ok=(1,)
    )
    print(f"frictionless validate (errors): {bbase_times}", flush=True)
    total = sum(planted.values())
    lines.append(row(f"check 同一文件含 {total:,} 个错误(秒,中位数)", f"{t_bad:.2f}", f"{t_bbase:.1f}", f"{t_bbase / t_bad:.0f}×", f"{m_bad:.0f} MB / {m_bbase:.0f} MB"))
    if BIG_ROWS:
        big = work / f"students-{BIG_ROWS}.csv"
        if not big.exists():
            std = repo.standard("edu-basic-data", "1.0.0")
            generate_rows(std, std.entities["student"], BIG_ROWS, big, fields=FIELDS)
        t_big, m_big = measure([*check_cmd[:2], str(big), *check_cmd[3:]])
        lines.append(row(f"check {BIG_ROWS:,} 行(秒,1 次)", f"{t_big:.1f}", "", "", f"{m_big:.0f} MB"))

    # -- wide tables ---------------------------------------------------------------------
    for columns, rows in WIDE_CASES:
        wroot, wdata, wschema = wide_case(work, columns, rows)
        wide_cmd = [educat, "check", str(wdata), "--root", str(wroot), "--standard", "wide", "--entity", "t", "--format", "json"]
        t_wide, m_wide, _ = median_of(wide_cmd, RUNS, check=lambda text, n=rows: json.loads(text)["valid"] and json.loads(text)["stats"]["rows"] == n)
        engine = json.loads(subprocess.run(wide_cmd, capture_output=True, text=True).stdout)["context"]["engine"]
        wbase = [str(BIN / "frictionless"), "validate", "--schema", wschema.name, "--json", "--limit-errors", "1000000000", wdata.name]
        t_wbase, m_wbase, _ = median_of(wbase, BASELINE_RUNS, cwd=wroot, check=lambda text: json.loads(text)["valid"])
        lines.append(row(f"check {columns:,} 列 × {rows:,} 行(秒,{engine})", f"{t_wide:.2f}", f"{t_wbase:.2f}", f"{t_wbase / t_wide:.1f}×", f"{m_wide:.0f} MB / {m_wbase:.0f} MB"))

    # -- build ---------------------------------------------------------------------------
    small = content_repo(root, work, NAIVE_PAGES, f"repo-{NAIVE_PAGES}")
    out = work / "out-small"
    t_small, m_small, _ = median_of([educat, "build", "--root", str(small), "--out", str(out)], RUNS)
    naive = naive_site(load_repo(small)[0], NAIVE_PAGES, work)
    t_naive, m_naive, _ = median_of([str(BIN / "mkdocs"), "build", "-q", "-f", str(naive / "mkdocs.yml"), "-d", str(work / "naive-out")], RUNS)
    size = sum(p.stat().st_size for p in (work / "naive-out").rglob("*") if p.is_file()) / 1e6
    ours = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    lines.append(row(f"build {NAIVE_PAGES:,} 条资源(秒)", f"{t_small:.1f}", f"{t_naive:.1f}(全部进导航的 MkDocs)", f"{t_naive / t_small:.1f}×", f"{m_small:.0f} MB / {m_naive:.0f} MB"))
    lines.append(row(f"build {NAIVE_PAGES:,} 条资源的输出(MB)", f"{ours:.0f}", f"{size:.0f}", "", ""))
    big_repo = content_repo(root, work, RESOURCES, f"repo-{RESOURCES}")
    t_build, m_build, _ = median_of([educat, "build", "--root", str(big_repo), "--out", str(work / "out-big")], RUNS)
    lines.append(row(f"build {RESOURCES:,} 条资源(秒)", f"{t_build:.1f}", "目标 ≤ 60", "", f"{m_build:.0f} MB"))
    page = next((work / "out-big" / "catalog" / "r").iterdir()) / "index.html"
    lines.append(row("单个资源页 HTML(KB)", f"{page.stat().st_size / 1024:.1f}", "与目录规模无关", "", ""))
    costs, theme = search_costs(work / "out-big", SEARCH_QUERIES)
    for query, (size, found) in costs.items():
        print(f"全文搜索 “{query}”:{size / 1024:.0f} KB,{found} 条结果", flush=True)
    worst = max(costs, key=lambda q: costs[q][0])
    lines.append(row(f"全文搜索,{RESOURCES:,} 条资源:一次查询下载(KB,{len(costs)} 个查询中最大)", f"{costs[worst][0] / 1024:.0f}(“{worst}”)", "目标 ≤ 500", "", f"主题索引 {theme / 1024:.0f} KB"))
    preview = edit_to_preview(big_repo, EDIT_RUNS)
    print(f"编辑到预览显示(秒):{[round(t, 2) for t in preview['times']]};serve 首次完整构建 {preview['first']:.1f} 秒", flush=True)
    lines.append(row(f"编辑一条资源到预览页面显示,{RESOURCES:,} 条资源(秒,{EDIT_RUNS} 次中位数)", f"{preview['shown']:.2f}", f"{t_build:.1f}(整站重建,即原来的预览)", f"{t_build / preview['shown']:.0f}×", "目标 < 3"))
    lines.append(row("其中 serve 的增量重建 / 之后更新下载文件和全文索引(秒)", f"{preview['rebuild']:.2f} / {preview['rest']:.2f}", "", "", ""))
    t_val, m_val, _ = median_of([educat, "validate", "--root", str(big_repo)], RUNS)
    lines.append(row(f"validate {RESOURCES:,} 条资源(秒)", f"{t_val:.1f}", "目标 ≤ 15", "", f"{m_val:.0f} MB"))
    lines += spark_lines(work, root, repo, CHECK_RUNS, row)  # --engine spark (local[*]) beside DuckDB: dev/bench_spark.py
    lines += browser_lines(root, work, row)  # 检查我的文件 in Chromium beside educat check: dev/bench_browser.py
    print()
    print(f"中位数:check 取自 {CHECK_RUNS} 次(先预热 1 次,不计),build/validate 取自 {RUNS} 次,frictionless 基线 {BASELINE_RUNS} 次;机器:{os.cpu_count()} 核。")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
