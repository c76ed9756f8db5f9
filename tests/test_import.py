"""`educat import`: a curator's spreadsheet (the XLSX template, or a GB18030 CSV) into the catalog.

Every test fills the real template made by ``write_template`` under its Chinese headers,
imports it into a tiny content repository, and checks the plan, the problems (row, field,
type) and the bytes on disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from educat.catalog.records import catalog_entity
from educat.cli import cli
from educat.standards.template import write_template
from educat.catalog.import_cells import cell_value, code_value
from educat.catalog.importer import (
    CatalogImportError,
    import_file,
    title_key,
    url_key,
)
from educat.core.loader import load_repo
from educat.core.model import Code, CodeList

from .conftest import REPO

TODAY = dt.date(2026, 11, 24)

EXISTING_YAML = """\
# 课程资源目录:导入测试(示例数据)
- id: junior-math-g7-rational-add
  title: 七年级数学 有理数的加法
  description: 借助数轴理解有理数加法法则。(示例资源)
  stage: junior
  grades: [g7]
  subject: math
  edition: pep
  resource_type: weike
  format: video
  audience: [student, teacher]
  provider: 示例市名师坊(示例)
  url: https://resources.example.org/weike/rational-add
  license: cc-by-4.0
  access: free
  duration: PT11M
  keywords: [有理数, 加法]
  featured: false
  published: 2025-07-25
  example: true

# 国家平台的入口地址可以被多条记录共用
- id: lifelong-digital-life-mobile-pay
  title: 智能手机 移动支付入门
  description: 面向老年学习者的移动支付入门课程。(示例资源)
  stage: lifelong
  subject: digital-life
  resource_type: weike
  format: video
  audience: [senior]
  provider: 国家智慧教育公共服务平台
  url: https://basic.smartedu.cn/
  license: free-use
  access: free
  published: 2025-03-01
  example: true
"""

# A new record as a curator types it: names instead of codes, 、-separated lists, 否/是, 2026/9/1.
NEW_ROW = {
    "资源标识": "junior-math-g8-pythagoras-weike",
    "资源题名": "八年级数学 勾股定理",
    "资源简介": "通过拼图验证勾股定理。(示例资源)",
    "学段": "初中",
    "适用年级": "g8",
    "学科": "math 数学",
    "教材版本": "人教版",
    "资源类型": "微课",
    "文件格式": "视频",
    "适用对象": '["student", "teacher"]',
    "提供方": "示例市名师坊(示例)",
    "访问地址": "https://resources.example.org/weike/pythagoras",
    "使用许可": "cc-by-4.0",
    "访问方式": "free",
    "时长": "PT9M",
    "关键词": "勾股定理、直角三角形",
    "精品标记": "否",
    "发布日期": "2026/9/1",
    "示例标记": "是",
}
NEW_RECORD = {
    "id": "junior-math-g8-pythagoras-weike",
    "title": "八年级数学 勾股定理",
    "description": "通过拼图验证勾股定理。(示例资源)",
    "stage": "junior",
    "grades": ["g8"],
    "subject": "math",
    "edition": "pep",
    "resource_type": "weike",
    "format": "video",
    "audience": ["student", "teacher"],
    "provider": "示例市名师坊(示例)",
    "url": "https://resources.example.org/weike/pythagoras",
    "license": "cc-by-4.0",
    "access": "free",
    "duration": "PT9M",
    "keywords": ["勾股定理", "直角三角形"],
    "featured": False,
    "published": "2026-09-01",
    "example": True,
}
NEW_YAML = """\
- id: junior-math-g8-pythagoras-weike
  title: 八年级数学 勾股定理
  description: 通过拼图验证勾股定理。(示例资源)
  stage: junior
  grades: [g8]
  subject: math
  edition: pep
  resource_type: weike
  format: video
  audience: [student, teacher]
  provider: 示例市名师坊(示例)
  url: https://resources.example.org/weike/pythagoras
  license: cc-by-4.0
  access: free
  duration: PT9M
  keywords: [勾股定理, 直角三角形]
  featured: false
  published: 2026-09-01
  example: true
"""
# A second new record: a lifelong course without grades or edition.
LIFELONG_ROW = {
    "资源标识": "lifelong-anti-fraud-phone-scams",
    "资源题名": "防范电信诈骗 十个常见骗局",
    "资源简介": "用真实案例讲解冒充客服、刷单返利等骗局。(示例资源)",
    "学段": "lifelong 终身教育",
    "学科": "防诈骗与安全",
    "资源类型": "weike",
    "文件格式": "video",
    "适用对象": "senior、public",
    "提供方": "示例市老年大学(示例)",
    "访问地址": "https://resources.example.org/lifelong/anti-fraud",
    "使用许可": "free-use",
    "发布日期": "2026-10-08",
    "示例标记": "true",
}


# -- fixtures and helpers -----------------------------------------------------------------------
@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "repo"
    shutil.copytree(REPO / "standards" / "resource-metadata", base / "standards" / "resource-metadata")
    (base / "catalog" / "resources").mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "rubric.yaml", base / "catalog" / "rubric.yaml")
    (base / "catalog" / "resources" / "existing.yaml").write_text(EXISTING_YAML, encoding="utf-8")
    return base


@pytest.fixture
def template(root: Path, tmp_path: Path) -> Path:
    repo, _ = load_repo(root)
    std, entity = catalog_entity(repo)
    return write_template(entity, std, repo, tmp_path / "资源导入模板.xlsx")


def fill(template: Path, rows: dict[int, dict], name: str = "资源.xlsx") -> Path:
    """The template with ``rows`` (Excel row number -> {中文表头: 值}) typed into 数据."""
    book = load_workbook(template)
    sheet = book["数据"]
    header = [cell.value for cell in sheet[1]]
    for number, row in rows.items():
        for title, value in row.items():
            sheet.cell(number, header.index(title) + 1, value)
    path = template.parent / name
    book.save(path)
    return path


def as_row(record: dict, titles: dict[str, str]) -> dict:
    """A catalog record typed back into the sheet: codes, 、-joined lists, true/false."""
    cells = {}
    for key, value in record.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = "、".join(value)
        cells[titles[key]] = value
    return cells


def write_csv(path: Path, rows: list[dict], encoding: str) -> Path:
    """A CSV as Excel saves it: CRLF, the keys of the first row as the header."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    writer.writerows([list(row.values()) for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def existing_records(root: Path) -> dict[str, dict]:
    repo, _ = load_repo(root)
    return {r.id: r.data for r in repo.records}


def titles_of(root: Path) -> dict[str, str]:
    repo, _ = load_repo(root)
    _, entity = catalog_entity(repo)
    return {f.name: f.title for f in entity.fields}


def snapshot(root: Path) -> dict[str, str]:
    folder = root / "catalog"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def flat(result) -> list[tuple]:
    return [(p.row, p.field, p.type) for p in result.findings]


def records_of(root: Path, name: str) -> list[dict]:
    repo, problems = load_repo(root)
    assert problems == []
    return [dict(r.data) for r in repo.records if r.path.name == name]


# -- valid rows ---------------------------------------------------------------------------------
def test_valid_rows_are_added_and_the_catalog_still_validates(root, template):
    path = fill(template, {2: NEW_ROW, 3: LIFELONG_ROW})
    before = (root / "catalog/resources/existing.yaml").read_bytes()

    result = import_file(root, path, "new", today=TODAY)

    assert flat(result) == []
    assert (result.added, result.updated, result.unchanged, result.written) == (["junior-math-g8-pythagoras-weike", "lifelong-anti-fraud-phone-scams"], [], [], True)
    assert result.target == root / "catalog/resources/new.yaml"
    lifelong = {
        "id": "lifelong-anti-fraud-phone-scams",
        "title": "防范电信诈骗 十个常见骗局",
        "description": "用真实案例讲解冒充客服、刷单返利等骗局。(示例资源)",
        "stage": "lifelong",
        "subject": "anti-fraud",
        "resource_type": "weike",
        "format": "video",
        "audience": ["senior", "public"],
        "provider": "示例市老年大学(示例)",
        "url": "https://resources.example.org/lifelong/anti-fraud",
        "license": "free-use",
        "published": "2026-10-08",
        "example": True,
    }
    assert records_of(root, "new.yaml") == [NEW_RECORD, lifelong]
    assert (root / "catalog/resources/new.yaml").read_text(encoding="utf-8") == NEW_YAML + "\n" + textwrap.dedent(
        """\
        - id: lifelong-anti-fraud-phone-scams
          title: 防范电信诈骗 十个常见骗局
          description: 用真实案例讲解冒充客服、刷单返利等骗局。(示例资源)
          stage: lifelong
          subject: anti-fraud
          resource_type: weike
          format: video
          audience: [senior, public]
          provider: 示例市老年大学(示例)
          url: https://resources.example.org/lifelong/anti-fraud
          license: free-use
          published: 2026-10-08
          example: true
        """
    )
    assert (root / "catalog/resources/existing.yaml").read_bytes() == before
    assert sorted(p.name for p in (root / "catalog/resources").iterdir()) == ["existing.yaml", "new.yaml"]

    run = CliRunner().invoke(cli, ["validate", "--root", str(root)])
    assert run.exit_code == 0
    assert run.output == "校验通过:1 个标准(2 个版本,2 个实体,17 个代码表),0 个数据集,4 条课程资源。\n"


def test_render_and_to_dict_of_a_written_import(root, template):
    path = fill(template, {2: NEW_ROW})
    result = import_file(root, path, "new", today=TODAY)
    assert result.render() == (
        "导入 资源.xlsx(XLSX,工作表 “数据”,1 行数据)到 catalog/resources/new.yaml\n"
        "新增 1 条:junior-math-g8-pythagoras-weike\n"
        "已写入 catalog/resources/new.yaml。"
    )
    assert result.to_dict() == {
        "command": "import",
        "valid": True,
        "stats": {"rows": 1, "added": 1, "updated": 0, "unchanged": 0, "errors": 0, "warnings": 0, "types": {}, "truncated": False},
        "context": {
            "file": str(path),
            "target": "catalog/resources/new.yaml",
            "dry_run": False,
            "written": True,
            "files": ["catalog/resources/new.yaml"],
            "added": ["junior-math-g8-pythagoras-weike"],
            "updated": [],
            "unchanged": [],
        },
        "findings": [],
    }


def test_new_records_are_appended_to_an_existing_collection(root, template):
    path = fill(template, {2: NEW_ROW})
    result = import_file(root, path, "existing", today=TODAY)
    assert (flat(result), result.added, result.written) == ([], ["junior-math-g8-pythagoras-weike"], True)
    assert (root / "catalog/resources/existing.yaml").read_text(encoding="utf-8") == EXISTING_YAML + "\n" + NEW_YAML


def test_gb18030_csv_with_chinese_headers_imports(root, tmp_path):
    path = write_csv(tmp_path / "资源.csv", [NEW_ROW], "gb18030")

    result = import_file(root, path, "new", today=TODAY)

    assert (flat(result), result.added, result.written) == ([], ["junior-math-g8-pythagoras-weike"], True)
    assert (result.table.format, result.table.encoding) == ("csv", "gb18030")
    assert records_of(root, "new.yaml") == [NEW_RECORD]
    assert result.render().splitlines()[0] == "导入 资源.csv(CSV,GB18030/GBK,1 行数据)到 catalog/resources/new.yaml"


# -- invalid rows -------------------------------------------------------------------------------
def test_invalid_rows_refuse_the_whole_import(root, template):
    featured = {**LIFELONG_ROW, "资源标识": "lifelong-featured", "访问地址": "https://resources.example.org/x", "精品标记": "是", "访问方式": "free"}
    path = fill(
        template,
        {
            2: NEW_ROW,
            3: {**NEW_ROW, "资源标识": "junior-astro", "访问地址": "https://resources.example.org/astro", "资源题名": "九年级 星空", "学科": "天文学"},
            4: {**NEW_ROW, "资源标识": "junior-untitled", "访问地址": "https://resources.example.org/untitled", "资源题名": None},
            5: featured,
        },
    )
    before = snapshot(root)

    result = import_file(root, path, "existing", today=TODAY)

    assert flat(result) == [
        (3, "subject", "code-error"),
        (4, "title", "constraint-error"),
        (5, "featured_reason", "rubric-error"),
        (5, "reviewer", "rubric-error"),
        (5, "review_date", "rubric-error"),
    ]
    subject = result.findings[0]
    assert (subject.title, subject.value, subject.message) == (
        "学科",
        "天文学",
        "“天文学” 不是代码表 subject(学科代码)中的代码;可用代码如:morality 道德与法治、chinese 语文、math 数学、foreign 外语、english 英语、japanese 日语 等",
    )
    assert (result.findings[1].title, result.findings[1].message) == ("资源题名", "必填字段为空")
    assert result.written is False
    assert snapshot(root) == before
    assert result.render().splitlines()[1:3] == [
        "资源.xlsx (第 3 行, 字段 subject(学科)): 错误 [code-error] “天文学” 不是代码表 subject(学科代码)中的代码;可用代码如:morality 道德与法治、chinese 语文、math 数学、foreign 外语、english 英语、japanese 日语 等",
        "    → 改为代码表或规则允许的值",
    ]
    assert result.render().splitlines()[-1] == "导入被拒绝:5 个问题,未写入任何文件。请改正表格后重新导入。"


def test_unknown_column_and_repeated_id_are_reported(root, template):
    book = load_workbook(template)
    sheet = book["数据"]
    sheet.cell(1, sheet.max_column + 1, "备注")
    book.save(template)
    path = fill(template, {2: NEW_ROW, 3: {**NEW_ROW, "访问地址": "https://resources.example.org/other", "资源题名": "八年级数学 平行四边形"}})

    result = import_file(root, path, "new", today=TODAY)

    assert flat(result) == [(1, "", "extra-label"), (3, "id", "unique-error")]
    assert result.findings[0].message == "第 24 列的表头 “备注” 不是该实体的字段名或中文名"
    assert result.findings[1].message == "资源标识 “junior-math-g8-pythagoras-weike” 与第 2 行重复"
    assert not (root / "catalog/resources/new.yaml").exists()


def test_missing_required_column_is_reported_once_on_the_header(root, tmp_path):
    path = write_csv(tmp_path / "资源.csv", [{k: v for k, v in NEW_ROW.items() if k != "学科"}], "utf-8-sig")
    result = import_file(root, path, "new", today=TODAY)
    assert flat(result) == [(1, "subject", "missing-label")]
    assert result.findings[0].message == "缺少必填字段 subject(学科)的列"


def test_unreadable_file_is_a_problem(root, tmp_path):
    path = tmp_path / "资源.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    result = import_file(root, path, "new", today=TODAY)
    assert flat(result) == [(None, "", "file-error")]
    assert result.findings[0].message == "不支持旧版 Excel 格式 .xls"
    assert result.written is False


def test_collection_name_must_be_a_slug(root, template):
    with pytest.raises(CatalogImportError) as info:
        import_file(root, template, "../junior", today=TODAY)
    with pytest.raises(CatalogImportError):
        import_file(root, template, "junior\n", today=TODAY)
    assert str(info.value) == "资源文件名 “../junior” 无效:catalog/resources/<名称>.yaml 的名称只能用小写字母、数字和连字符,以字母或数字开头,如 junior 或 2026-spring"


# -- duplicates ---------------------------------------------------------------------------------
def test_duplicate_url_and_near_duplicate_title(root, template):
    path = fill(
        template,
        {
            # same resource as the existing record, URL written with a trailing slash
            2: {**NEW_ROW, "资源标识": "junior-a", "资源题名": "七年级数学 数轴", "适用年级": "g7", "访问地址": "https://resources.example.org/weike/rational-add/"},
            # row 3 left blank: rows keep the numbers the curator sees
            4: {**NEW_ROW, "资源标识": "junior-b", "资源题名": "七年级数学 有理数的加法运算(示例)", "适用年级": "七年级、八年级", "访问地址": "https://resources.example.org/b"},
            5: {**NEW_ROW, "资源标识": "junior-c", "资源题名": "七年级数学 相反数", "适用年级": "g7", "访问地址": "https://resources.example.org/weike/rational-add/"},
            # the same title in another subject, and a platform's home page shared with a record: not duplicates
            6: {**NEW_ROW, "资源标识": "junior-d", "资源题名": "七年级数学 有理数的加法", "学科": "物理", "适用年级": "g7", "访问地址": "https://basic.smartedu.cn/"},
            # the same title for a grade the existing record does not cover: not a duplicate
            7: {**NEW_ROW, "资源标识": "junior-e", "资源题名": "七年级数学 有理数的加法", "适用年级": "g9", "访问地址": "https://resources.example.org/e"},
        },
    )
    before = snapshot(root)

    result = import_file(root, path, "new", today=TODAY)

    assert flat(result) == [(2, "url", "duplicate"), (4, "title", "duplicate"), (5, "url", "duplicate")]
    assert [(p.message, p.related) for p in result.findings] == [
        ("访问地址与已有资源 “junior-math-g7-rational-add”(catalog/resources/existing.yaml:2)相同", "junior-math-g7-rational-add (catalog/resources/existing.yaml:2)"),
        (
            "题名与同学科、同年级的已有资源 “junior-math-g7-rational-add”(catalog/resources/existing.yaml:2)的题名 “七年级数学 有理数的加法” 几乎相同",
            "junior-math-g7-rational-add (catalog/resources/existing.yaml:2)",
        ),
        ("访问地址与已有资源 “junior-math-g7-rational-add”(catalog/resources/existing.yaml:2)相同", "junior-math-g7-rational-add (catalog/resources/existing.yaml:2)"),
    ]
    assert result.written is False
    assert snapshot(root) == before


def test_duplicates_within_the_sheet(root, template):
    path = fill(
        template,
        {
            2: NEW_ROW,
            3: {**NEW_ROW, "资源标识": "junior-copy", "资源题名": "八年级数学 勾股定理的证明"},
            4: {**NEW_ROW, "资源标识": "junior-near", "资源题名": "八年级数学·勾股定理", "访问地址": "https://resources.example.org/near"},
        },
    )
    result = import_file(root, path, "new", today=TODAY)
    assert flat(result) == [(3, "url", "duplicate"), (4, "title", "duplicate")]
    assert [p.message for p in result.findings] == ["访问地址与表中第 2 行相同", "题名与表中第 2 行(同学科、同年级)几乎相同"]


# -- existing ids -------------------------------------------------------------------------------
@pytest.fixture
def update_sheet(root, template) -> Path:
    titles = titles_of(root)
    records = existing_records(root)
    changed = {**records["junior-math-g7-rational-add"], "title": "七年级数学 有理数的加法法则", "duration": None}
    return fill(
        template,
        {
            2: as_row({k: v for k, v in changed.items() if v is not None}, titles),
            3: as_row(records["lifelong-digital-life-mobile-pay"], titles),
            4: NEW_ROW,
        },
    )


def test_existing_id_is_refused_without_update(root, update_sheet):
    before = snapshot(root)
    result = import_file(root, update_sheet, "new", today=TODAY)
    assert flat(result) == [(2, "id", "exists")]
    problem = result.findings[0]
    assert (problem.message, problem.note) == (
        "资源标识 “junior-math-g7-rational-add” 已存在(catalog/resources/existing.yaml:2),表中这一行与它不同",
        "确认要修改这条记录时加 --update;新资源请换一个资源标识",
    )
    # an identical row is not a change, so it is not refused
    assert (result.added, result.updated, result.unchanged) == (["junior-math-g8-pythagoras-weike"], [], ["lifelong-digital-life-mobile-pay"])
    assert result.written is False
    assert snapshot(root) == before


PLAN = {
    "added": ["junior-math-g8-pythagoras-weike"],
    "updated": [
        {
            "id": "junior-math-g7-rational-add",
            "changes": {"title": {"old": "七年级数学 有理数的加法", "new": "七年级数学 有理数的加法法则"}, "duration": {"old": "PT11M", "new": None}},
        }
    ],
    "unchanged": ["lifelong-digital-life-mobile-pay"],
    "files": ["catalog/resources/existing.yaml", "catalog/resources/new.yaml"],
}


def test_update_replaces_the_record_in_place(root, update_sheet):
    result = import_file(root, update_sheet, "new", update=True, today=TODAY)

    assert flat(result) == []
    assert result.updated == [("junior-math-g7-rational-add", {"title": ("七年级数学 有理数的加法", "七年级数学 有理数的加法法则"), "duration": ("PT11M", None)})]
    assert {k: result.to_dict()["context"][k] for k in PLAN} == PLAN
    assert result.written is True
    # only the two changed lines differ; the comment and the other record are byte-identical
    expected = EXISTING_YAML.replace("  title: 七年级数学 有理数的加法\n", "  title: 七年级数学 有理数的加法法则\n").replace("  duration: PT11M\n", "")
    assert (root / "catalog/resources/existing.yaml").read_text(encoding="utf-8") == expected
    assert (root / "catalog/resources/new.yaml").read_text(encoding="utf-8") == NEW_YAML
    assert [r["id"] for r in records_of(root, "existing.yaml")] == ["junior-math-g7-rational-add", "lifelong-digital-life-mobile-pay"]
    assert CliRunner().invoke(cli, ["validate", "--root", str(root)]).exit_code == 0


def test_update_keeps_values_of_columns_the_sheet_does_not_have(root, tmp_path):
    path = write_csv(tmp_path / "修改.csv", [{"资源标识": "junior-math-g7-rational-add", "资源题名": "七年级数学 有理数加法"}], "gb18030")
    result = import_file(root, path, "new", update=True, today=TODAY)
    assert flat(result) == []
    assert result.updated == [("junior-math-g7-rational-add", {"title": ("七年级数学 有理数的加法", "七年级数学 有理数加法")})]
    assert (root / "catalog/resources/existing.yaml").read_text(encoding="utf-8") == EXISTING_YAML.replace("有理数的加法\n", "有理数加法\n")


def test_dry_run_writes_nothing_and_reports_the_same_plan(root, update_sheet):
    before = snapshot(root)

    dry = import_file(root, update_sheet, "new", update=True, dry_run=True, today=TODAY)

    assert snapshot(root) == before
    assert not (root / "catalog/resources/new.yaml").exists()
    assert (dry.written, dry.dry_run) == (False, True)
    assert dry.render() == (
        "导入 资源.xlsx(XLSX,工作表 “数据”,3 行数据)到 catalog/resources/new.yaml\n"
        "拟新增 1 条:junior-math-g8-pythagoras-weike\n"
        "拟更新 1 条:\n"
        "  junior-math-g7-rational-add\n"
        "    title: “七年级数学 有理数的加法” → “七年级数学 有理数的加法法则”\n"
        "    duration: “PT11M” → (空)\n"
        "未变化 1 条:lifelong-digital-life-mobile-pay\n"
        "试运行:以上是导入计划,未写入任何文件。实际导入将写入 catalog/resources/existing.yaml、catalog/resources/new.yaml。"
    )

    real = import_file(root, update_sheet, "new", update=True, today=TODAY)

    plan = {k: v for k, v in dry.to_dict()["context"].items() if k not in ("written", "dry_run")}
    assert plan == {k: v for k, v in real.to_dict()["context"].items() if k not in ("written", "dry_run")}
    assert {k: plan[k] for k in PLAN} == PLAN
    assert (real.written, snapshot(root) != before) == (True, True)


def test_dry_run_of_a_refused_import_says_nothing_was_written(root, update_sheet):
    result = import_file(root, update_sheet, "new", dry_run=True, today=TODAY)
    assert flat(result) == [(2, "id", "exists")]
    assert result.render().splitlines()[-3:] == [
        "拟新增 1 条:junior-math-g8-pythagoras-weike",
        "未变化 1 条:lifelong-digital-life-mobile-pay",
        "导入被拒绝:1 个问题,未写入任何文件。请改正表格后重新导入。",
    ]


def test_unchanged_reimport_writes_nothing(root, template):
    records = existing_records(root)
    path = fill(template, {2: as_row(records["junior-math-g7-rational-add"], titles_of(root))})
    before = snapshot(root)
    result = import_file(root, path, "existing", today=TODAY)
    assert (flat(result), result.added, result.updated, result.unchanged, result.written) == ([], [], [], ["junior-math-g7-rational-add"], False)
    assert result.render().splitlines()[-1] == "没有需要写入的变化,未写入任何文件。"
    assert snapshot(root) == before


def test_duplicates_already_in_the_catalog_do_not_block_unchanged_rows(root, template):
    records = existing_records(root)
    twin = {**records["junior-math-g7-rational-add"], "id": "junior-math-g7-rational-add-copy"}
    (root / "catalog/resources/twin.yaml").write_text(EXISTING_YAML.splitlines(keepends=True)[0] + "".join(EXISTING_YAML.splitlines(keepends=True)[1:21]).replace("rational-add\n", "rational-add-copy\n", 1), encoding="utf-8")
    assert existing_records(root)["junior-math-g7-rational-add-copy"] == twin
    path = fill(template, {2: as_row(records["junior-math-g7-rational-add"], titles_of(root))})
    result = import_file(root, path, "existing", today=TODAY)
    assert (flat(result), result.unchanged) == ([], ["junior-math-g7-rational-add"])


def test_a_new_row_duplicating_an_unchanged_row_is_caught(root, template):
    records = existing_records(root)
    path = fill(template, {2: as_row(records["junior-math-g7-rational-add"], titles_of(root)), 3: {**NEW_ROW, "访问地址": "https://resources.example.org/weike/rational-add"}})
    result = import_file(root, path, "new", today=TODAY)
    assert flat(result) == [(3, "url", "duplicate")]
    assert result.findings[0].related == "junior-math-g7-rational-add (catalog/resources/existing.yaml:2)"


def test_a_broken_catalog_file_blocks_the_import(root, template):
    (root / "catalog/resources/broken.yaml").write_text("- id: [\n", encoding="utf-8")
    result = import_file(root, fill(template, {2: NEW_ROW}), "new", today=TODAY)
    assert flat(result) == [(None, "", "file-error")]
    assert result.findings[0].message.startswith("目录文件 catalog/resources/broken.yaml:2 无法读取:YAML 语法错误")
    assert not (root / "catalog/resources/new.yaml").exists()


def test_an_unusual_layout_is_re_dumped_keeping_the_leading_comments(root, template):
    path = root / "catalog/resources/existing.yaml"
    lines = EXISTING_YAML.splitlines(keepends=True)
    path.write_text(lines[0] + "-\n  " + "".join(lines[1:]).lstrip("- "), encoding="utf-8")  # "-" alone on its line
    records = existing_records(root)
    row = as_row({**records["junior-math-g7-rational-add"], "title": "七年级数学 有理数的加法法则"}, titles_of(root))
    result = import_file(root, fill(template, {2: row}), "existing", update=True, today=TODAY)
    assert (flat(result), result.written) == ([], True)
    expected = EXISTING_YAML.replace("  title: 七年级数学 有理数的加法\n", "  title: 七年级数学 有理数的加法法则\n").replace("# 国家平台的入口地址可以被多条记录共用\n", "")
    assert path.read_text(encoding="utf-8") == expected


def test_every_record_of_the_real_catalog_round_trips_unchanged(tmp_path):
    """The real catalog typed into the template and imported again is a no-op."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "standards" / "resource-metadata", root / "standards" / "resource-metadata")
    shutil.copytree(REPO / "catalog", root / "catalog")
    repo, _ = load_repo(root)
    std, entity = catalog_entity(repo)
    template = write_template(entity, std, repo, tmp_path / "模板.xlsx")
    titles = {f.name: f.title for f in entity.fields}
    path = fill(template, {n: as_row(r.data, titles) for n, r in enumerate(repo.records, start=2)})
    before = snapshot(root)
    result = import_file(root, path, "junior", update=True, dry_run=True, today=TODAY)
    assert (flat(result), result.added, result.updated, result.files) == ([], [], [], [])
    assert result.unchanged == [r.id for r in repo.records]
    assert len(result.unchanged) == 194
    assert snapshot(root) == before


# -- cells to values ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fields():
    repo, _ = load_repo(REPO)
    std, entity = catalog_entity(repo)
    return {f.name: (f, repo.field_codelists([f], std).get(f.name)) for f in entity.fields}


@pytest.mark.parametrize(
    "name, cell, value",
    [
        ("grades", '["g7","g8"]', ["g7", "g8"]),
        ("grades", "[g7, g8]", ["g7", "g8"]),
        ("grades", "g7、g8", ["g7", "g8"]),
        ("grades", "g7,g8", ["g7", "g8"]),
        ("grades", "g7;g8", ["g7", "g8"]),
        ("grades", "g7 g8", ["g7", "g8"]),
        ("grades", "七年级、八年级", ["g7", "g8"]),
        ("grades", "g7 七年级、g8 八年级", ["g7", "g8"]),
        ("grades", "g7 g13", ["g7", "g13"]),
        ("keywords", "有理数 加法", ["有理数", "加法"]),
        ("keywords", "Python 编程、算法", ["Python 编程", "算法"]),
        ("featured", "是", True),
        ("featured", "否", False),
        ("featured", "TRUE", True),
        ("featured", "false", False),
        ("featured", "也许", "也许"),
        ("published", "2026/9/1", "2026-09-01"),
        ("published", "2026年9月1日", "2026-09-01"),
        ("published", "2026-09-01", "2026-09-01"),
        ("published", "2026-02-30", "2026-02-30"),
        ("subject", "math", "math"),
        ("subject", "数学", "math"),
        ("subject", "math 数学", "math"),
        ("subject", "math=数学", "math"),
        ("subject", "math(数学)", "math"),
        ("subject", "科学(学前)", "kscience"),
        ("subject", "math 语文", "math 语文"),
        ("format", "PDF文档", "pdf"),
        ("title", "  七年级数学  ", "七年级数学"),
        ("title", "   ", None),
        ("grades", "", None),
        ("grades", ["g7", "八年级"], ["g7", "g8"]),
        ("featured", True, True),
    ],
)
def test_cell_values(fields, name, cell, value):
    f, codelist = fields[name]
    assert cell_value(cell, f, codelist) == value


def test_an_ambiguous_name_is_kept_for_the_code_check():
    codelist = CodeList("demo", Path("demo.csv"), codes={"a": Code("a", "科学"), "b": Code("b", "科学")})
    assert (code_value("科学", codelist), code_value("a 科学", codelist)) == ("科学", "a")


def test_title_and_url_keys():
    assert title_key("七年级数学 有理数的加法(示例)") == "七年级数学有理数的加法"
    assert title_key("七年级数学·有理数的加法 (示例) ") == "七年级数学有理数的加法"
    assert url_key("HTTPS://Resources.Example.org/a/") == "resources.example.org/a"
    assert url_key("http://resources.example.org/a?id=1#top") == "resources.example.org/a?id=1"
    assert (url_key("https://basic.smartedu.cn/"), url_key("https://basic.smartedu.cn"), url_key(None)) == (None, None, None)


def test_one_changed_character_is_another_lesson(root, template):
    path = fill(template, {2: {**NEW_ROW, "资源标识": "junior-sub", "资源题名": "七年级数学 有理数的减法", "适用年级": "g7", "访问地址": "https://resources.example.org/sub"}})
    result = import_file(root, path, "new", today=TODAY, dry_run=True)
    assert [p.type for p in result.findings] == []
    assert result.added == ["junior-sub"]
