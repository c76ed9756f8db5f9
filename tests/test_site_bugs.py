"""Issue 15, part 2: four things a newcomer found wrong on the site.

1. The interface page linked a property to a data item by its bare name, so the error object's
   ``title`` pointed at 教师 / 职称 and the HTTP ``status`` at 应用状态.
2. The bar "按行政区划代码:在校学生数" added ten years of head-counts together.
3. Year labels under a line chart ran into each other.
4. Search snippets glued labels to values ("学段初中年级七年级").
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from educat.core.model import FieldDef
from educat.site.charts import _width, line_chart
from educat.site.dataset_pages import DatasetPages
from educat.site.standard_pages import api_page
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.spec import validate_openapi

from .conftest import REPO, replace_in

API = REPO / "standards/app-access/1.0.0/openapi.yaml"
ENROLMENT = REPO / "datasets/student-enrollment-stats/data/enrollment.csv"
DIVISIONS = REPO / "standards/edu-basic-data/1.0.0/codelists/division.csv"
DP = "datasets/orgs/datapackage.yaml"


# -- 1. the interface page's 对应数据项 ---------------------------------------------------------------
def _operations(markdown: str) -> dict[str, list[tuple[str, str, str | None]]]:
    """operationId -> its fields-table rows as (path, description, data item or None)."""
    out = {}
    for section in markdown.split("\n### ")[1:]:
        heading = re.search(r"\{#op-(\w+)\}", section).group(1)
        rows = []
        for path, cells in re.findall(r"<tr><td><code>([^<]*)</code></td>(.*?)</tr>", section):
            last = re.findall(r"<td>(.*?)</td>", cells)[-1]
            item = re.search(r"对应数据项:<a href=\"[^\"]*\">([^<]*)</a>", last)
            rows.append((path, re.sub(r"<br>对应数据项:.*", "", last), item.group(1) if item else None))
        out[heading] = rows
    return out


def test_only_properties_of_an_object_that_names_its_entity_are_data_items(real_content):
    repo, _ = real_content
    ops = _operations(api_page(repo, repo.latest("app-access")).markdown)
    everywhere = [row for rows in ops.values() for row in rows]
    problem_rows = [row for row in everywhere if row[1] in ("错误标题", "HTTP 状态码")]
    # the RFC 9457 error object appears under many responses; none of its fields is a data item
    assert len(problem_rows) > 10
    assert {item for _, _, item in problem_rows} == {None}
    # the token and its error are OAuth's, not the standard's
    assert [row for row in ops["issueToken"] if row[2]] == []
    teachers = {path: item for path, _, item in ops["listTeachers"]}
    assert teachers["items[].title"] == "教育管理基础数据标准 / 教师 / 职称"
    assert teachers["items[].gender"] == "教育管理基础数据标准 / 教师 / 性别"  # not 学生's, which came first by name
    schools = {path: item for path, _, item in ops["listSchools"]}
    assert schools["items[].name"] == "教育管理基础数据标准 / 学校 / 学校名称"  # not 应用名称
    assert schools["page"] is None  # paging, not a data item
    batch = {(path, description): item for path, description, item in ops["getBatchStatus"]}
    assert batch["status", "批次状态代码"] == "教育管理信息化应用系统接入规范 / 数据交换批次 / 批次状态"
    assert batch["status", "HTTP 状态码"] is None  # the same name in the error object of the 404


def test_an_x_entity_that_does_not_resolve_is_a_dangling_reference(real_content, tmp_path):
    repo, _ = real_content
    std = repo.latest("app-access")
    text = API.read_text(encoding="utf-8").replace("x-entity: edu-basic-data@1.0.0/teacher\n", "x-entity: edu-basic-data@1.0.0/teachers\n")
    path = tmp_path / "openapi.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      x-entity: edu-basic-data@1.0.0/teachers") + 1
    found = validate_openapi(load_openapi(path), path, tmp_path, lambda ref: repo.resolve(ref, "codelist", std), lambda ref: repo.resolve(ref, "entity", std))
    assert [(p.type, p.line, p.message, p.note) for p in found] == [(
        "dangling-reference", line,
        "x-entity “edu-basic-data@1.0.0/teachers” 无法解析:标准 edu-basic-data@1.0.0 中没有实体 “teachers”(已有:equipment, school, student, teacher)",
        "写成 实体名(本标准),或 标准@版本/实体名",
    )]


# -- 2. a stock is not added up across years -----------------------------------------------------------
def _bars(svg: str) -> tuple[str, dict[str, int]]:
    title = re.search(r"<title>([^<]*)</title>", svg).group(1)
    values = re.findall(r'text-anchor="end">([^<]*)</text><rect[^>]*/><text[^>]*>([0-9,.]+)</text>', svg)
    return title, {label: int(value.replace(",", "")) for label, value in values}


def _enrolment_chart(repo, kind: str | None = None):
    pages = DatasetPages(repo, "", None)
    ds = repo.datasets["student-enrollment-stats"]
    res = ds.resources[0]
    if kind is not None:  # the same resource, its count declared otherwise
        fields = [FieldDef({**f.descriptor, "statistic_kind": kind}, f.line) if f.name == "student_count" else f for f in res.fields]
        res = SimpleNamespace(fields=fields)
    charts = pages.charts(pages.frame(ds, ds.resources[0]), res, pages.codelists(ds.resources[0]))
    return _bars(next(c for c in charts if "按行政区划代码" in c))


def _independent():
    raw = pd.read_csv(ENROLMENT, dtype={"division_code": str})
    names = pd.read_csv(DIVISIONS, dtype=str).set_index("code")["name"]
    return raw, names


def test_a_stock_is_charted_for_the_latest_year_only(real_content):
    repo, _ = real_content
    title, bars = _enrolment_chart(repo)
    raw, names = _independent()
    latest = int(raw["stat_year"].max())
    expected = raw[raw["stat_year"] == latest].groupby("division_code")["student_count"].sum()
    assert title == f"按行政区划代码:在校学生数(统计年度 {latest})"
    assert bars == {names[code]: int(n) for code, n in expected.items()}
    assert 20_000 < bars["宝山区"] < 25_000  # one year's pupils, not ten years' (201,769)
    field = next(f for f in repo.datasets["student-enrollment-stats"].resources[0].fields if f.name == "student_count")
    assert field.descriptor["statistic_kind"] == "stock"  # enrolment is counted on a date


def test_a_flow_is_added_up_across_years_and_says_so(real_content):
    repo, _ = real_content
    title, bars = _enrolment_chart(repo, "flow")
    raw, names = _independent()
    first, last = int(raw["stat_year"].min()), int(raw["stat_year"].max())
    assert title == f"按行政区划代码:在校学生数(统计年度 {first}—{last} 合计)"
    assert bars == {names[code]: int(n) for code, n in raw.groupby("division_code")["student_count"].sum().items()}


def test_a_count_must_say_whether_it_is_a_stock_or_a_flow(mini_repo):
    from click.testing import CliRunner

    from educat.cli import cli

    replace_in(mini_repo, DP, "- {name: staff}", "- {name: staff, statistic: count, small_counts: 机构的在编人数本已公示(示例说明)}")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    assert result.exit_code == 1
    [finding] = [f for f in json.loads(result.output)["findings"] if f["severity"] == "error"]
    assert (finding["type"], finding["path"], finding["line"], finding["field"]) == ("missing-field", DP, 27, "staff")
    assert finding["message"] == "资源 orgs 的字段 staff 是计数(statistic: count),但没有写 statistic_kind,不知道不同年份的数能否相加"
    assert finding["note"].startswith("在 statistic: count 旁写 statistic_kind: stock(时点数")
    assert "statistic_kind: flow(时期数" in finding["note"]
    replace_in(mini_repo, DP, "statistic: count,", "statistic: count, statistic_kind: stock,")
    assert CliRunner().invoke(cli, ["validate", "--root", str(mini_repo)]).exit_code == 0
    replace_in(mini_repo, DP, "statistic: count, ", "")
    result = CliRunner().invoke(cli, ["validate", "--root", str(mini_repo), "--format", "json"])
    [finding] = [f for f in json.loads(result.output)["findings"] if f["severity"] == "error"]
    assert (finding["type"], finding["line"], finding["message"]) == ("missing-field", 27, "资源 orgs 的字段 staff 写了 statistic_kind: stock,但不是计数(没有 statistic: count)")


# -- 3. line-chart labels ------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["{}", "{}学年", "{}-09-01"], ids=["year", "cjk", "date"])
def test_line_chart_labels_never_overlap(label):
    for n in range(2, 41):
        labels = [label.format(2000 + i) for i in range(n)]
        svg = line_chart("t", [(text, float(i % 7)) for i, text in enumerate(labels)])
        size = float(re.search(r'<svg [^>]*font-size="([0-9.]+)"', svg).group(1))
        width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
        shown = [(float(x), text) for x, text in re.findall(r'<text x="([0-9.]+)" y="[0-9.]+" text-anchor="middle">([^<]*)</text>', svg)]
        spans = sorted((x - size * _width(text) / 2, x + size * _width(text) / 2) for x, text in shown)
        assert all(right + 2 <= left for (_, right), (left, _) in zip(spans, spans[1:])), (label, n)
        assert spans[0][0] >= 0 and spans[-1][1] <= width, (label, n)
        assert shown[-1][1] == labels[-1]  # the latest year is always labelled
        assert len(shown) >= min(n, 4), (label, n)


# -- 4. search snippets keep label and value apart --------------------------------------------------------
def test_the_search_index_keeps_a_separator_between_label_and_value(mini_site):
    _, site = mini_site
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    [entry] = [d for d in index["docs"] if d["location"] == "catalog/r/demo-math-weike/"]
    flat = entry["text"].replace("\u200b", "")  # the indexer's word breaks
    assert "学段: 初中 年级: 七年级 学科: 数学 教材版本: 人教版" in flat
    html = (site / "catalog/r/demo-math-weike/index.html").read_text(encoding="utf-8")
    assert '<dt>学段<span hidden>:</span></dt> <dd>' in html  # the colon is for the index, not shown
