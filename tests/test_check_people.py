"""`educat check` speaks to people (issue 15): a code's name points at the code, declared
boolean and date forms are read (and offered by the template), every table finding has its
spreadsheet cell, and check-api lists a code list's codes as check does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from educat.cli import cli
from educat.core.loader import load_repo
from educat.core.model import Code, CodeList, Entity, FieldDef, Repo, Standard
from educat.tables.check import check_entity, check_file
from educat.tables.messages import code_suggestions
from educat.tables.sql_rules import Cell, date_regex, parse_python, supported

from .conftest import REPO, write

ENGINES = ["duckdb", "frictionless"]


# -- a value that is a code's name says which code to write ----------------------------------
class _Codes(Repo):
    """A repository whose only code list is the one given, for the field ``c``."""

    def __init__(self, root: Path, codelist: CodeList):
        super().__init__(root=root)
        self.codelist = codelist

    def field_codelists(self, fields, std):
        return {f.name: self.codelist for f in fields if f.name == "c"}


def _one_field_entity(root: Path, descriptor: dict) -> tuple[Standard, Entity]:
    fields = [FieldDef({"title": descriptor["name"], **descriptor})]
    entity = Entity("t", root / "t.yaml", {"name": "t", "fields": [f.descriptor for f in fields]}, fields)
    return Standard("people", "1.0.0", root, {"title": "people"}, entities={"t": entity}), entity


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_NAME_CHARS = st.sampled_from(list("男女在读休学转出毕业一二三四五六年级小中大班其他未说明") + list("abcXYZ"))
_CODE_CHARS = st.sampled_from(list("0123456789abcdefgk"))


@st.composite
def codelists(draw) -> CodeList:
    """Codes unique as people read them, names unique and never a code."""
    codes = draw(st.lists(st.text(_CODE_CHARS, min_size=1, max_size=4), min_size=1, max_size=8, unique_by=_plain))
    names = draw(st.lists(st.text(_NAME_CHARS, min_size=1, max_size=5), min_size=len(codes), max_size=len(codes), unique_by=_plain))
    if {_plain(n) for n in names} & {_plain(c) for c in codes}:
        names = [n + "类" for n in names]
    return CodeList("c", Path("c.csv"), title="测试代码", codes={c: Code(c, n) for c, n in zip(codes, names)})


def _as_typed(name: str, how: int) -> str:
    """The name as someone may type it: as is, with spaces around, or with full-width letters."""
    if how == 1:
        return f" {name}\u3000"
    if how == 2:
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in name)
    return name


@settings(max_examples=300, deadline=None, database=None)
@given(codelist=codelists(), data=st.data())
def test_a_codes_name_suggests_that_code(codelist, data):
    code = data.draw(st.sampled_from(list(codelist.codes.values())))
    typed = _as_typed(code.name, data.draw(st.integers(0, 2)))
    assert code in code_suggestions(codelist, typed)
    assert code_suggestions(codelist, code.code) == []  # a code is no mistake


@pytest.mark.parametrize("engine", ENGINES)
def test_both_engines_name_the_code_a_name_means(tmp_path_factory, engine):
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(codelist=codelists(), data=st.data())
    def run(codelist, data):
        chosen = data.draw(st.lists(st.sampled_from(list(codelist.codes.values())), min_size=1, max_size=4))
        typed = [_as_typed(c.name, data.draw(st.integers(0, 2))) for c in chosen]
        root = tmp_path_factory.mktemp("names")
        path = root / "t.csv"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([["c"]] + [[t] for t in typed])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        std, entity = _one_field_entity(root, {"name": "c", "type": "string", "codelist": "c"})
        report = check_entity(path, _Codes(root, codelist), std, entity, engine=engine)
        assert report.engine == engine
        found = [(f.row, f.cell, f.type) for f in report.findings]
        assert found == [(row, f"A{row}", "code-error") for row in range(2, 2 + len(chosen))]
        for finding, code in zip(report.findings, chosen):
            assert f"{code.code}({code.name})" in finding.note, finding.note
            assert finding.note.startswith("应填代码 ")

    run()


def _check_student_row(tmp_path: Path, row: str):
    """(engine, report) for one row of the real edu-basic-data 1.1.0 student entity, in each engine."""
    repo = load_repo(REPO)[0]
    path = tmp_path / "学生.csv"
    path.write_text("student_id,name,gender,birth_date,school_code,grade,enrollment_date,status,boarding\n" + row + "\n", encoding="utf-8")
    return [(engine, check_file(path, repo, "edu-basic-data@1.1.0", "student", engine=engine)) for engine in ENGINES]


def test_the_newcomers_values_name_their_codes(tmp_path):
    for engine, report in _check_student_row(tmp_path, "310113000001,张三,女,2010-09-01,3101130001,五年级,2021-09-01,在读,true"):
        assert [(f.cell, f.note) for f in report.errors] == [
            ("C2", "应填代码 2(女),而不是名称或其他写法"),
            ("F2", "应填代码 g5(五年级),而不是名称或其他写法"),
            ("H2", "应填代码 enrolled(在读),而不是名称或其他写法"),
        ], engine


def test_check_api_lists_the_codes_and_names_the_code_as_check_does(tmp_path):
    from educat.standards.openapi.document import load_openapi
    from educat.standards.openapi.operations import operations

    op = next(o for o in operations(load_openapi(REPO / "standards/app-access/1.0.0/openapi.yaml")) if o.operation_id == "listStudents")
    body = op.response_examples["200"][0].value
    body["items"][0]["gender"] = "女"
    body["items"][0]["status"] = "7"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-api", str(path), "--root", str(REPO), "--operation", "listStudents", "--response"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1:5] == [
        "p.json#/items/0/gender: 错误 [x-codelist] “女” 不是代码表 gender(人的性别代码)中的代码;可用代码如:0 未知的性别、1 男、2 女、9 未说明的性别",
        "    → 应填代码 2(女),而不是名称或其他写法",
        "p.json#/items/0/status: 错误 [x-codelist] “7” 不是代码表 student_status(学籍状态代码(示例))中的代码;可用代码如:enrolled 在读、suspended 休学、transferred 转出、graduated 毕业",
        "    → 改为代码表中的代码(见标准的代码表页面)",
    ]


# -- declared boolean and date forms ---------------------------------------------------------
SURVEY_YAML = """
name: survey
title: 调查
description: 声明了布尔值和日期写法的演示实体。
fields:
  - name: org_id
    title: 机构编号
    type: string
    description: 编号。
    sensitivity: 公开
    constraints: {required: true}
  - name: open
    title: 是否开放
    type: boolean
    description: 填 是 或 否(也可填 true、false)。
    sensitivity: 公开
    trueValues: ["true", "是"]
    falseValues: ["false", "否"]
  - name: opened
    title: 开放日期
    type: date
    format: "%Y/%m/%d"
    description: 开放的日期,如 2021/9/1。
    sensitivity: 公开
    constraints: {minimum: "2000/1/1"}
  - name: gender
    title: 负责人性别
    type: string
    description: 性别代码。
    sensitivity: 内部
    codelist: gender
"""


@pytest.fixture
def survey_repo(mini_repo):
    write(mini_repo / "standards/demo/1.0.0/entities/survey.yaml", SURVEY_YAML)
    return mini_repo


def test_declared_forms_pass_validate(survey_repo):
    result = CliRunner().invoke(cli, ["validate", "--root", str(survey_repo)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("engine", ENGINES)
def test_declared_boolean_and_date_forms_are_read_by_both_engines(survey_repo, tmp_path, engine):
    repo = load_repo(survey_repo)[0]
    path = tmp_path / "s.csv"
    path.write_text(
        "org_id,open,opened,gender\n"
        "1,是,2021/9/1,1\n"
        "2,否,2021/09/01,2\n"
        "3,true,1999/12/31,1\n"
        "4,Y,2021-09-01,1\n"
        "5,false,2021/2/30,1\n",
        encoding="utf-8",
    )
    report = check_file(path, repo, "demo", "survey", engine=engine)
    assert report.engine == engine  # a declared date format of %Y %m %d is SQL's too
    assert [(f.cell, f.type, f.message, f.note) for f in report.errors] == [
        ("C4", "constraint-error", "值 “1999/12/31” 违反约束 最小值 = 2000/1/1", "修改为满足约束的值"),
        ("B5", "type-error", "值 “Y” 不是有效的布尔值(表示“是”填 true、是,表示“否”填 false、否)", "应填 true 或 是"),
        ("C5", "type-error", "值 “2021-09-01” 不是有效的日期(YYYY/MM/DD)", "应写作 2021/09/01"),
        ("C6", "type-error", "值 “2021/2/30” 不是有效的日期(YYYY/MM/DD)", "改为日期(YYYY/MM/DD)格式"),
    ]


def test_undeclared_forms_are_refused_with_the_form_to_write(tmp_path):
    for engine, report in _check_student_row(tmp_path, "310113000001,张三,2,2010/9/1,3101130001,g5,2021年9月1日,enrolled,是"):
        assert [(f.cell, f.type, f.note) for f in report.errors] == [
            ("D2", "type-error", "应写作 2010-09-01"),
            ("G2", "type-error", "应写作 2021-09-01"),
            ("I2", "type-error", "应填 true"),
        ], engine


def test_bounds_are_read_in_the_declared_form():
    f = FieldDef({"name": "d", "type": "date", "format": "%Y/%m/%d"})
    assert parse_python(f, "2000/1/1") == dt.date(2000, 1, 1)
    assert parse_python(f, "2000-01-01") is None  # validate reports it: Frictionless could not compare
    assert supported(f) is None
    assert supported(FieldDef({"name": "d", "type": "date", "format": "any"})) is not None
    assert supported(FieldDef({"name": "d", "type": "date", "format": "%Y%m%d"})) is not None  # no separator: Python backtracks


FORMATS = ["%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%m/%d/%Y", "%Y-%m-%d"]


@settings(max_examples=60, deadline=None, database=None)
@given(fmt=st.sampled_from(FORMATS), texts=st.lists(st.text(st.sampled_from(list("0123456789/.- 年月日")), max_size=12), min_size=1, max_size=40), days=st.lists(st.dates(), max_size=10))
def test_sql_reads_a_declared_date_format_as_strptime_does(fmt, texts, days):
    """The DuckDB engine's date for a declared format equals Python's strptime (which
    Frictionless calls) on random texts and on real dates written in that form."""
    import duckdb

    assert date_regex(fmt) is not None
    values = texts + [d.strftime(fmt.replace("%Y", f"{d.year:04d}")) for d in days] + [f"{d.year:04d}/{d.month}/{d.day}" for d in days]

    def python(text):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            return None

    cell = Cell(FieldDef({"name": "v", "type": "date", "format": fmt}), "v", [""])
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    rows = con.execute(f"SELECT v, {cell.helpers[cell.value]} FROM t").fetchall()
    assert [(v, got) for v, got in rows if got != python(v)] == []


def test_template_offers_the_declared_forms(survey_repo, tmp_path):
    result = CliRunner().invoke(cli, ["template", "demo", "--entity", "survey", "--root", str(survey_repo), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "s.xlsx")
    data = book["数据"]
    lists = {str(dv.sqref).split(":")[0]: dv for dv in data.data_validations.dataValidation}
    assert lists["B2"].formula1 == '"是,否,true,false"'
    assert lists["B2"].prompt == "选择 是、否、true、false 之一"
    assert lists["D2"].prompt == "选择代码:0=未知的性别、1=男、2=女、9=未说明的性别"  # codes shown with their names
    notes = {c.column_letter: c.comment.text.split("\n") for c in data[1]}
    assert "格式:从下拉列表选择;表示“是”填 true、是,表示“否”填 false、否" in notes["B"]
    assert "格式:格式 YYYY/MM/DD,如 2015/03/01" in notes["C"]
    assert "类型:日期(YYYY/MM/DD)" in notes["C"]
    readme = [row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0] == "5"]
    assert readme == ["所有单元格已设为文本格式:日期请按 表头批注中写明的格式(YYYY/MM/DD) 填写,代码的前导 0(如 01)会保留。"]


# -- every table finding has its spreadsheet cell ------------------------------------------------
ORG_ROWS = [["人数", "org_id", "负责人性别", "备注"], ["-1", "0001", "女", "x"], ["5", "12", "1", "y", "多余"]]


@pytest.mark.parametrize("fmt", ["csv-duckdb", "csv-frictionless", "xlsx"])
def test_findings_carry_the_cell_the_spreadsheet_shows(mini_repo, tmp_path, fmt):
    """Columns in another order than the standard's: the letter is the file's column. In the
    XLSX the data starts after a blank row, so the row is the sheet's, not the record's."""
    repo = load_repo(mini_repo)[0]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(ORG_ROWS[0])
        sheet.append([])
        for row in ORG_ROWS[1:]:
            sheet.append(row)
        path = tmp_path / "o.xlsx"
        book.save(path)
        rows = {2: 3, 3: 4}
    else:
        path = tmp_path / "o.csv"
        path.write_text("\n".join(",".join(r) for r in ORG_ROWS) + "\n", encoding="utf-8")
        rows = {2: 2, 3: 3}
    report = check_file(path, repo, "demo", "org", engine=fmt.split("-")[-1] if "-" in fmt else "auto")
    found = [(f.type, f.cell, f.row) for f in report.errors]
    r2, r3 = rows[2], rows[3]
    assert found == [
        ("extra-label", "D1", 1),
        ("constraint-error", f"A{r2}", r2),
        ("code-error", f"C{r2}", r2),
        ("extra-cell", f"E{r3}", r3),
        ("constraint-error", f"B{r3}", r3),
    ]
    text = report.render()
    assert f"(第 {r2} 行 C 列, 字段 gender(负责人性别)): 错误 [code-error]" in text
    data = report.to_dict()["findings"]
    assert [d["cell"] for d in data if d["type"] == "code-error"] == [f"C{r2}"]


def test_json_findings_have_no_cell(mini_repo, tmp_path):
    repo = load_repo(mini_repo)[0]
    path = tmp_path / "o.json"
    path.write_text(json.dumps([{"org_id": "0001", "gender": "女", "staff": -1}], ensure_ascii=False), encoding="utf-8")
    report = check_file(path, repo, "demo", "org")
    assert [(f.type, f.cell) for f in report.errors] == [("code-error", ""), ("constraint-error", "")]
    assert all(d["cell"] is None for d in report.to_dict()["findings"])


def test_a_header_below_blank_rows_is_located_where_it_is(mini_repo, tmp_path):
    repo = load_repo(mini_repo)[0]
    book = Workbook()
    sheet = book.active
    sheet.append([])
    for row in ORG_ROWS[:2]:
        sheet.append(row)
    path = tmp_path / "o.xlsx"
    book.save(path)
    report = check_file(path, repo, "demo", "org")
    assert [(f.type, f.row, f.cell) for f in report.errors] == [("extra-label", 2, "D2"), ("constraint-error", 3, "A3"), ("code-error", 3, "C3")]
