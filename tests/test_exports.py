"""Exports for data producers: JSON Schema, sample CSV and the XLSX fill-in template."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from educat.core import paths
from educat.standards.downloads import example_rows, json_schema, resolve_codelists, sample_csv
from educat.standards.template import write_template
from educat.core.loader import load_repo
from educat.core.model import Entity, FieldDef
from educat.tables.frictionless_check import validate_table

from .conftest import REPO

GENDER_COLUMN = "C"  # gender is the third field of edu-basic-data@1.0.0 student
RANGE = re.compile(r"^'代码表'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$")


@pytest.fixture(scope="module")
def repo():
    repo, _ = load_repo(REPO)  # load problems are test_content's concern
    return repo


@pytest.fixture(scope="module")
def basic(repo):
    return repo.standard("edu-basic-data", "1.0.0")


@pytest.fixture(scope="module")
def student(basic):
    return basic.entities["student"]


def valid_examples():
    repo, _ = load_repo(REPO)
    return sorted(
        (std.ref, example.entity)
        for std in repo.all_standards()
        for example in std.examples
        if example.expected is None
    )


def to_json(entity: Entity, row: dict) -> dict:
    """A CSV row as a JSON record: empty cells left out, values in their JSON types."""
    record = {}
    for f in entity.fields:
        value = row.get(f.name, "")
        if value == "":
            continue
        if f.type in ("integer", "year"):
            record[f.name] = int(value)
        elif f.type == "number":
            record[f.name] = float(value)
        elif f.type == "boolean":
            record[f.name] = {"true": True, "false": False}[value]
        elif f.type == "array":
            record[f.name] = json.loads(value)
        else:
            record[f.name] = value
    return record


def errors_of(schema: dict, record: dict) -> list[tuple]:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted((tuple(e.absolute_path), e.validator) for e in validator.iter_errors(record))


def student_record(student, basic) -> dict:
    return to_json(student, example_rows(basic, student)[0])


# -- code lists ---------------------------------------------------------------------------------
def test_resolve_codelists_follows_references_into_other_standards(repo, basic, student):
    codelists = resolve_codelists(student, basic, repo)
    assert sorted(codelists) == ["ethnicity", "gender", "grade", "status"]
    assert codelists["grade"] is repo.standard("resource-metadata", "1.0.0").codelists["grade"]
    assert codelists["status"] is basic.codelists["student_status"]


def test_resolve_codelists_skips_unresolvable_references(repo, basic):
    entity = Entity("demo", basic.path, {}, [FieldDef({"name": "x", "type": "string", "codelist": "no-such-list"})])
    assert resolve_codelists(entity, basic, repo) == {}


# -- JSON Schema --------------------------------------------------------------------------------
@pytest.mark.parametrize("ref, entity_name", valid_examples())
def test_json_schema_is_valid_and_accepts_the_valid_example(repo, ref, entity_name):
    slug, version = ref.split("@")
    std = repo.standard(slug, version)
    entity = std.entities[entity_name]
    schema = json_schema(entity, std, repo)
    Draft202012Validator.check_schema(schema)
    rows = example_rows(std, entity)
    assert len(rows) >= 2
    for row in rows:
        assert errors_of(schema, to_json(entity, row)) == []


def test_json_schema_of_student(repo, basic, student):
    schema = json_schema(student, basic, repo, id_url="https://example.org/student.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://example.org/student.schema.json"
    assert schema["title"] == "学生"
    assert schema["description"] == student.description
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["student_id", "name", "gender", "birth_date", "school_code", "grade", "status"]
    assert schema["x-primaryKey"] == ["student_id"]
    assert list(schema["properties"]) == [f.name for f in student.fields]
    props = schema["properties"]
    assert props["gender"] == {
        "title": "性别",
        "description": "学生的性别,取 GB/T 2261.1-2003 人的性别代码。",
        "type": "string",
        "minLength": 1,
        "enum": ["0", "1", "2", "9"],
        "x-codelist": "edu-basic-data@1.0.0/gender",
        "x-sensitivity": "内部",
    }
    assert props["student_id"]["pattern"] == "^[0-9]{12}$"  # already anchored: kept as written
    assert props["student_id"]["x-unique"] is True
    assert props["birth_date"]["type"] == "string" and props["birth_date"]["format"] == "date"
    assert props["boarding"]["type"] == ["boolean", "null"]
    assert props["ethnicity"]["type"] == ["string", "null"]
    assert props["ethnicity"]["enum"][:2] == ["01", "02"] and props["ethnicity"]["enum"][-1] is None
    assert props["grade"]["x-codelist"] == "resource-metadata@1.0.0/grade"
    assert props["id_card"]["x-rule"] == "id-card"
    assert props["id_card"]["x-sensitivity"] == "敏感个人信息"
    assert props["name"]["maxLength"] == 50


def test_json_schema_rejects_bad_records(repo, basic, student):
    schema = json_schema(student, basic, repo)
    good = student_record(student, basic)
    assert errors_of(schema, good) == []
    assert errors_of(schema, {**good, "gender": "3"}) == [(("gender",), "enum")]
    missing = {k: v for k, v in good.items() if k != "name"}
    assert errors_of(schema, missing) == [((), "required")]
    assert errors_of(schema, {**good, "name": ""}) == [(("name",), "minLength")]
    assert errors_of(schema, {**good, "nickname": "甲"}) == [((), "additionalProperties")]
    assert errors_of(schema, {**good, "student_id": "2025099900011"}) == [(("student_id",), "pattern")]
    assert errors_of(schema, {**good, "boarding": "false"}) == [(("boarding",), "type")]
    assert errors_of(schema, {**good, "birth_date": "2015-02-30"}) == [(("birth_date",), "format")]
    # optional fields may be null, required ones may not
    assert errors_of(schema, {**good, "ethnicity": None, "id_card": None, "boarding": None}) == []
    assert errors_of(schema, {**good, "gender": None}) == [(("gender",), "enum"), (("gender",), "type")]


def test_json_schema_numbers_years_and_arrays(repo):
    basic = repo.standard("edu-basic-data", "1.0.0")
    school = json_schema(basic.entities["school"], basic, repo)["properties"]
    assert school["founded_year"]["type"] == ["integer", "null"]
    assert (school["founded_year"]["minimum"], school["founded_year"]["maximum"]) == (1800, 2100)
    equipment = json_schema(basic.entities["equipment"], basic, repo)["properties"]
    assert equipment["quantity"]["type"] == "integer" and equipment["quantity"]["minimum"] == 1
    assert equipment["unit_price"]["type"] == ["number", "null"]
    access = repo.standard("app-access", "1.0.0")
    scopes = json_schema(access.entities["app"], access, repo)["properties"]["scopes"]
    assert scopes["type"] == "array"
    assert scopes["items"] == {"type": "string", "enum": list(access.codelists["scope"].codes)}
    assert scopes["x-codelist"] == "app-access@1.0.0/scope"
    meta = repo.standard("resource-metadata", "1.0.0")
    resource = json_schema(meta.entities["resource"], meta, repo)
    props = resource["properties"]
    assert props["keywords"]["items"] == {"type": "string"}
    assert props["duration"]["format"] == "duration"
    assert props["url"]["format"] == "uri"
    record = to_json(meta.entities["resource"], example_rows(meta, meta.entities["resource"])[0])
    assert errors_of(resource, {**record, "grades": ["g7", "g10"]}) == [(("grades", 1), "enum")]


def test_table_schema_patterns_are_anchored(repo, basic):
    fields = [
        FieldDef({"name": "a", "title": "甲", "type": "string", "constraints": {"pattern": "[0-9]{4}"}}),
        FieldDef({"name": "b", "title": "乙", "type": "string", "constraints": {"pattern": "^x$"}}),
        FieldDef({"name": "c", "title": "丙", "type": "string", "constraints": {"pattern": "^a|b$"}}),
    ]
    schema = json_schema(Entity("demo", basic.path, {"title": "演示"}, fields), basic, repo)
    props = schema["properties"]
    assert [props[n]["pattern"] for n in "abc"] == ["^(?:[0-9]{4})$", "^x$", "^(?:^a|b$)$"]
    assert errors_of(schema, {"a": "1234"}) == []
    assert errors_of(schema, {"a": "12345"}) == [(("a",), "pattern")]
    assert errors_of(schema, {"c": "ab"}) == [(("c",), "pattern")]
    assert schema["required"] == []


# -- sample CSV ---------------------------------------------------------------------------------
def test_example_rows_reads_the_valid_example(basic, student):
    rows = example_rows(basic, student)
    with open(basic.path / "examples" / "student-valid.csv", encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    assert len(rows) == len(lines) - 1
    assert rows[0] == dict(zip(lines[0], lines[1]))
    assert rows[0]["student_id"] == "202509990001" and rows[0]["ethnicity"] == "01"


def test_example_rows_is_empty_without_a_valid_example(basic):
    entity = Entity("nothing", basic.path, {}, [])
    assert example_rows(basic, entity) == []


def test_sample_csv_is_excel_friendly_and_round_trips(basic, student):
    rows = example_rows(basic, student)
    data = sample_csv(student, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == len(rows) + 1
    assert data.count(b"\n") == data.count(b"\r\n")  # no bare LF
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert lines[0] == ["学生标识码", "姓名", "性别", "出生日期", "民族", "居民身份证号", "就读学校标识码", "年级", "班级名称", "入学日期", "学籍状态", "是否住校"]
    assert [dict(zip([f.name for f in student.fields], line)) for line in lines[1:]] == rows


def test_sample_csv_fills_missing_and_writes_json_types(basic, student):
    data = sample_csv(student, [{"student_id": "202509990001", "boarding": True, "name": None}])
    assert data.decode("utf-8-sig").split("\r\n")[1] == "202509990001,,,,,,,,,,,true"
    meta_fields = [FieldDef({"name": "grades", "title": "适用年级", "type": "array"})]
    entity = Entity("r", basic.path, {}, meta_fields)
    assert sample_csv(entity, [{"grades": ["g7", "g8"]}]).decode("utf-8-sig") == '适用年级\r\n"[""g7"", ""g8""]"\r\n'
    with pytest.raises(ValueError, match="实体 student 没有字段 nickname"):
        sample_csv(student, [{"nickname": "甲"}])


# -- XLSX template ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(repo, basic, student, tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "学生.xlsx"
    assert write_template(student, basic, repo, path) == path
    return load_workbook(path)


def validations(sheet) -> dict[str, object]:
    """Column letter -> data validation of that column."""
    result = {}
    for dv in sheet.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            assert cell_range.min_col == cell_range.max_col
            result[re.match(r"[A-Z]+", cell_range.coord).group()] = dv
    return result


def range_values(book, formula: str) -> list[str]:
    match = RANGE.match(formula)
    assert match, formula
    first, top, last, bottom = match.groups()
    assert first == last
    sheet = book["代码表"]
    return [sheet[f"{first}{row}"].value for row in range(int(top), int(bottom) + 1)]


def test_template_sheets_headers_and_notes(template, student):
    assert template.sheetnames == ["数据", "代码表", "说明"]
    assert template.active.title == "数据"
    data = template["数据"]
    assert [c.value for c in data[1]] == [f.title for f in student.fields]
    assert all(c.font.b for c in data[1])
    assert data.freeze_panes == "A2"
    assert data.max_row == 1
    notes = [c.comment.text.split("\n") for c in data[1]]
    assert [lines[0] for lines in notes] == [f"字段名:{f.name}" for f in student.fields]
    assert notes[2] == [
        "字段名:gender",
        "类型:文本",
        "必填:不能为空",
        "代码表:人的性别代码(edu-basic-data@1.0.0/gender),代码与名称见“代码表”工作表;请从下拉列表选择",
        "敏感级别:内部",
        "示例:1",
        "说明:学生的性别,取 GB/T 2261.1-2003 人的性别代码。",
    ]
    assert "格式:格式 YYYY-MM-DD,如 2015-03-01" in notes[3]
    assert "选填:可以留空" in notes[4]
    assert "约束:整个值须符合正则表达式 ^[0-9]{12}$;各行不得重复" in notes[0]
    assert "校验规则:居民身份证号(id-card)" in notes[5]
    letters = [c.column_letter for c in data[1]]
    assert [data.column_dimensions[x].number_format for x in letters] == ["@"] * len(letters)
    assert all(10 <= data.column_dimensions[x].width <= 50 for x in letters)


def test_template_gender_dropdown_points_at_the_gender_codes(template):
    dv = validations(template["数据"])[GENDER_COLUMN]
    assert dv.type == "list"
    assert str(dv.sqref) == "C2:C10001"
    assert range_values(template, dv.formula1) == ["0", "1", "2", "9"]
    assert dv.showErrorMessage is True
    assert dv.errorStyle == "stop"
    assert dv.errorTitle == "性别:代码无效"
    assert dv.error == "“性别”只能填写代码表“人的性别代码”中的代码。请从下拉列表选择,或查看“代码表”工作表。"
    assert dv.prompt == "选择代码:0=未知的性别、1=男、2=女、9=未说明的性别"


def test_template_dropdowns_for_every_coded_field_and_booleans(template, repo, basic, student):
    found = validations(template["数据"])
    codelists = resolve_codelists(student, basic, repo)
    letters = {f.name: template["数据"].cell(1, i).column_letter for i, f in enumerate(student.fields, start=1)}
    assert sorted(found) == sorted(letters[n] for n in [*codelists, "boarding"])
    for name, codelist in codelists.items():
        assert range_values(template, found[letters[name]].formula1) == list(codelist.codes)
    assert range_values(template, found[letters["ethnicity"]].formula1)[0] == "01"  # text, leading zero kept
    assert found[letters["boarding"]].formula1 == '"true,false"'


def test_template_codes_and_readme_sheets(template, basic):
    codes = template["代码表"]
    assert [codes.cell(2, c).value for c in range(1, 4)] == ["代码", "名称", "说明"]
    assert codes["A1"].value == "人的性别代码(edu-basic-data@1.0.0/gender)"
    assert [codes["A3"].value, codes["B3"].value] == ["0", "未知的性别"]
    readme = {row[0]: row[1] for row in template["说明"].iter_rows(values_only=True) if row and row[0]}
    assert readme["检查命令"] == "educat check 文件.xlsx --standard edu-basic-data@1.0.0 --entity student"
    assert readme["标准"] == "教育管理基础数据标准(edu-basic-data)"
    assert readme["版本"] == "1.0.0"
    assert readme["实体"] == "学生(student)"


def test_array_coded_field_has_no_dropdown_but_a_note(repo, tmp_path):
    access = repo.standard("app-access", "1.0.0")
    app = access.entities["app"]
    book = load_workbook(write_template(app, access, repo, tmp_path / "app.xlsx"))
    data = book["数据"]
    column = [f.name for f in app.fields].index("scopes") + 1
    letter = data.cell(1, column).column_letter
    assert letter not in validations(data)
    note = data.cell(1, column).comment.text
    assert "格式:JSON 列表" in note
    assert "本列没有下拉列表" in note


def test_filled_template_passes_the_table_check(repo, basic, student, tmp_path):
    """Rows typed under the template's Chinese headers validate like the example CSV."""
    path = write_template(student, basic, repo, tmp_path / "学生.xlsx")
    book = load_workbook(path)
    sheet = book["数据"]
    rows = example_rows(basic, student)
    rows[1] = {**rows[1], "gender": "3"}
    for row in rows:
        sheet.append([row[f.name] or None for f in student.fields])
    book.save(path)
    read = load_workbook(path)["数据"]
    header, *cells = list(read.iter_rows(values_only=True))
    by_title = {f.title: f.name for f in student.fields}
    records = [{by_title[h]: ("" if v is None else v) for h, v in zip(header, line)} for line in cells]
    problems, _ = validate_table(student.fields, resolve_codelists(student, basic, repo), rows=records, primary_key="student_id")
    assert [p.key for p in problems] == [(3, "gender", "code-error")]


def test_template_refuses_to_overwrite_without_force(repo, basic, student, tmp_path):
    path = tmp_path / "学生.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError) as info:
        write_template(student, basic, repo, path)
    assert str(info.value) == f"文件 {path} 已存在,没有覆盖。要覆盖请加 --force,或换一个文件名"
    assert path.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["学生.xlsx"]
    assert write_template(student, basic, repo, path, force=True) == path
    assert load_workbook(path).sheetnames == ["数据", "代码表", "说明"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["学生.xlsx"]


def test_template_leaves_no_temp_file_when_writing_fails(repo, basic, student, tmp_path, monkeypatch):
    path = tmp_path / "学生.xlsx"
    path.write_bytes(b"keep me")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_template(student, basic, repo, path, force=True)
    assert path.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["学生.xlsx"]


def test_template_needs_an_existing_folder(repo, basic, student, tmp_path):
    with pytest.raises(FileNotFoundError, match="不存在"):
        write_template(student, basic, repo, tmp_path / "missing" / "学生.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_template_bytes_are_repeatable(repo, basic, student, tmp_path):
    first = write_template(student, basic, repo, tmp_path / "a.xlsx").read_bytes()
    second = write_template(student, basic, repo, tmp_path / "b.xlsx").read_bytes()
    assert first == second
