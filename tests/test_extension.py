"""Standards that build on standards (standard.yaml ``extends``): each kind of change an extension
may make passes validate, and each it may not is refused with a finding that names both files
and the parent's rule. ``check`` against an extension applies the parent's rules and its own.

The parent is the mini repository's ``demo`` (level 市); each test writes a district extension.
"""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from educat.core.loader import load_repo
from educat.tables.check import check_file
from educat.validate import validate_repo

from .conftest import GOOD_USCC, REPO, write
from .test_browser import browser, real_site  # noqa: F401 - Chromium and the served site, as fixtures

HEAD = """
slug: demo-district
title: 演示区扩展标准
version: 1.0.0
status: 试行
level: 区
extends: demo@1.0.0
publisher: 示例区局
date: 2026-02-01
scope: 演示用。
example: true
"""
FIELD = """
  - name: {name}
    title: {title}
    type: {type}
    description: 演示。
    sensitivity: 公开
"""


def extension(root, fields: str = "", codes: str = "", yaml_extra: str = "", entity: str = "org", parent_extra: str = ""):
    """Write demo-district 1.0.0 (the entity ``entity`` with ``fields``, a gender list with
    ``codes``) over the mini repository; return the extension's folder."""
    if parent_extra:
        meta = root / "standards/demo/1.0.0/standard.yaml"
        meta.write_text(meta.read_text(encoding="utf-8").replace("    source: GB/T 2261.1-2003\n", "    source: GB/T 2261.1-2003\n" + parent_extra), encoding="utf-8")
    base = root / "standards/demo-district/1.0.0"
    write(base / "standard.yaml", HEAD + yaml_extra)
    if fields:
        write(base / "entities" / f"{entity}.yaml", f"name: {entity}\ntitle: 机构\ndescription: 演示。\nfields:\n" + textwrap.dedent(fields).strip("\n").replace("\n", "\n") + "\n")
    if codes:
        write(base / "codelists" / "gender.csv", "code,name,description,parent\n" + codes)
    # the examples every standard carries: the parent's, with the extension's columns
    write(base / "examples" / "org-valid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},1,5\n")
    write(base / "examples" / "org-invalid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},3,5\n")
    write(base / "examples" / "examples.yaml", "- file: org-valid.csv\n  entity: org\n  valid: true\n- file: org-invalid.csv\n  entity: org\n  errors:\n    - {row: 2, field: gender, type: code-error}\n")
    return base


def breaches(root) -> list:
    _, report = validate_repo(root)
    return [f for f in report.findings if f.type == "extension-error" and f.severity == "error"]


def field(name, title, type_="string", constraints=None, extra=""):
    text = FIELD.format(name=name, title=title, type=type_)
    if constraints:
        text += f"    constraints: {constraints}\n"
    return text + extra


ALLOWED = {
    "an optional field": field("phone", "电话"),
    "a tighter maximum": field("staff", "人数", "integer", "{minimum: 1, maximum: 500}"),
    "a pattern where there was none": field("uscc", "统一社会信用代码", extra="    rule: uscc\n    constraints: {required: true}\n"),
    "the same field restated": field("org_id", "机构编号", constraints="{required: true, pattern: '^[0-9]{4}$'}"),
    "unique added and the minimum raised": field("staff", "人数", "integer", "{minimum: 1, unique: true}"),
    "a length limit added": field("org_id", "机构编号", constraints="{required: true, pattern: '^[0-9]{4}$', maxLength: 9}"),
    "required added": field("gender", "负责人性别", constraints="{required: true}", extra="    codelist: gender\n"),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_changes_pass(mini_repo, name):
    extension(mini_repo, ALLOWED[name])
    assert breaches(mini_repo) == []
    _, report = validate_repo(mini_repo)
    # (the examples, written for the parent, lack an added column: that is all validate may say)
    assert [f.render() for f in report.errors if f.type != "example-error"] == []


REFUSED = {
    "a required field on a parent's entity": (field("phone", "电话", constraints="{required: true}"), "只能为它新增选填字段,不能新增必填字段 phone"),
    "a changed type": (field("staff", "人数", "number", "{minimum: 0}"), "类型不能由 integer 改为 number"),
    "a loosened minimum": (field("staff", "人数", "integer", "{minimum: -1}"), "minimum 不能由 0 放宽为 -1"),
    "a dropped minimum": (field("staff", "人数", "integer"), "上级规定 minimum = 0,扩展标准不能去掉"),
    "required dropped": (field("org_id", "机构编号", constraints="{pattern: '^[0-9]{4}$'}"), "上级规定必填,扩展标准不能取消"),
    "a changed pattern": (field("org_id", "机构编号", constraints="{required: true, pattern: '^[0-9]{4,6}$'}"), "不能改动或去掉"),
    "a changed code list": (field("gender", "负责人性别", extra="    codelist: other\n"), "代码表不能由 gender 改为 other"),
    "a dropped rule": (field("uscc", "统一社会信用代码"), "校验规则 uscc 不能改为 无"),
    "a type-changing format": (field("staff", "人数", "integer", "{minimum: 0}", extra="    format: default2\n"), "格式(format)不能由 default 改为 default2"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_changes_name_both_files_and_the_rule(mini_repo, name):
    fields, expected = REFUSED[name]
    if "codelist: other" in fields:
        extension(mini_repo, fields, yaml_extra="codelists:\n  other:\n    title: 其他\n")
        write(mini_repo / "standards/demo-district/1.0.0/codelists/other.csv", "code,name,description,parent\n1,一,,\n")
    else:
        extension(mini_repo, fields)
    found = breaches(mini_repo)
    assert len(found) == 1, [f.render() for f in found]
    f = found[0]
    assert expected in f.message
    assert f.path == "standards/demo-district/1.0.0/entities/org.yaml" and f.line
    assert "demo@1.0.0" in f.message and "standards/demo/1.0.0/entities/org.yaml" in f.message


def test_codes_added_to_an_open_list_only(mini_repo):
    extension(mini_repo, codes="5,其他,,\n", yaml_extra="codelists:\n  gender:\n    title: 性别(扩展)\n")
    [f] = breaches(mini_repo)
    assert "不可扩充,不能新增代码 5" in f.message and f.path == "standards/demo-district/1.0.0/codelists/gender.csv" and f.line == 2
    extension(mini_repo, codes="5,其他,,\n", yaml_extra="codelists:\n  gender:\n    title: 性别(扩展)\n", parent_extra="    extensible: true\n")
    assert breaches(mini_repo) == []
    repo, _ = load_repo(mini_repo, standards_only=True)
    codes = repo.standard("demo-district", "1.0.0").codelists["gender"].codes
    assert list(codes) == ["0", "1", "2", "9", "5"] and codes["5"].origin == "demo-district@1.0.0" and codes["1"].origin == "demo@1.0.0"


@pytest.mark.parametrize(("codes", "expected"), [("1,男性,,\n", "不能改为“男性”"), ("1,男,,2\n", "不能改为 2")])
def test_a_code_is_never_renamed_or_re_parented(mini_repo, codes, expected):
    extension(mini_repo, codes=codes, yaml_extra="codelists:\n  gender:\n    title: 性别(扩展)\n", parent_extra="    extensible: true\n")
    found = [f for f in breaches(mini_repo) if "代码 1 " in f.message]
    assert len(found) == 1 and expected in found[0].message and "standards/demo/1.0.0/codelists/gender.csv 第 3 行" in found[0].message


@pytest.mark.parametrize(("parent", "child", "expected"), [
    ("{minimum: 0, maximum: 50}", "{minimum: 0, maximum: 80}", "maximum 不能由 50 放宽为 80"),
    ("{minimum: 0, enum: [1, 2]}", "{minimum: 0, enum: [1, 2, 3]}", "取值范围只能缩小,不能加入 3"),
    ("{minimum: 0, unique: true}", "{minimum: 0}", "上级规定唯一,扩展标准不能取消"),
])
def test_loosened_constraints_are_refused(mini_repo, parent, child, expected):
    entity = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("    constraints: {minimum: 0}\n", f"    constraints: {parent}\n"), encoding="utf-8")
    extension(mini_repo, field("staff", "人数", "integer", child))
    [f] = breaches(mini_repo)
    assert expected in f.message and "standards/demo/1.0.0/entities/org.yaml" in f.message


def test_a_changed_primary_key_is_refused(mini_repo):
    base = extension(mini_repo, field("phone", "电话"))
    entity = base / "entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("fields:\n", "primaryKey: [org_id, phone]\nfields:\n"), encoding="utf-8")
    [f] = breaches(mini_repo)
    assert "主键" in f.message and "不能改为 ['org_id', 'phone']" in f.message


def test_a_new_entity_may_have_required_fields(mini_repo):
    extension(mini_repo, field("bus_id", "校车编号", constraints="{required: true}"), entity="bus")
    write(mini_repo / "standards/demo-district/1.0.0/entities/bus.yaml", "name: bus\ntitle: 校车\ndescription: 演示。\nfields:\n" + field("bus_id", "校车编号", constraints="{required: true}"))
    assert breaches(mini_repo) == []
    repo, _ = load_repo(mini_repo, standards_only=True)
    assert sorted(repo.standard("demo-district", "1.0.0").entities) == ["bus", "org"]


def test_a_missing_parent_and_a_loop_are_reported(mini_repo):
    base = extension(mini_repo)
    meta = base / "standard.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("extends: demo@1.0.0", "extends: demo@9.9.9"), encoding="utf-8")
    _, report = validate_repo(mini_repo)
    assert any(f.type == "dangling-reference" and "demo@9.9.9" in f.message and f.path == "standards/demo-district/1.0.0/standard.yaml" for f in report.findings)


def test_check_applies_the_parent_rules_and_the_extension_rules(mini_repo, tmp_path):
    """A file checked against the district's entity: the city's minimum and code list, and the
    district's tighter maximum and added field, are all applied."""
    extension(mini_repo, field("staff", "人数", "integer", "{minimum: 0, maximum: 100}") + field("phone", "电话", constraints="{maxLength: 11}"))
    repo, _ = load_repo(mini_repo, standards_only=True)
    data = write(tmp_path / "orgs.csv", f"org_id,uscc,gender,staff,phone\n0001,{GOOD_USCC},1,5,123\n0002,{GOOD_USCC},3,-1,1\n0003,{GOOD_USCC},1,101,123456789012\n")
    report = check_file(data, repo, "demo-district@1.0.0", "org")
    assert sorted((f.row, f.field, f.type) for f in report.errors) == [(3, "gender", "code-error"), (3, "staff", "constraint-error"), (4, "phone", "constraint-error"), (4, "staff", "constraint-error")]


def test_the_district_page_shows_the_chain_and_each_field_level(real_site, browser):
    """In Chromium: the district page names its level, links the city standard it extends and
    marks each field with its level; following the link, the city page lists the district."""
    _, base = real_site
    page = browser.new_page()
    try:
        page.goto(f"{base}standards/edu-basic-data-demo-district/1.0.0/")
        facts = page.locator("dl").first
        assert "区级" in facts.inner_text()
        levels = dict(page.evaluate("""() => {
            const table = [...document.querySelectorAll('.educat-fields')].find(t => t.innerText.includes('hukou_type'));
            return [...table.querySelectorAll('tr')].filter(r => r.cells[0].tagName === 'TD').map(r => [r.cells[0].innerText, r.cells[1].innerText]);
        }"""))
        assert levels["class_name"].startswith("区级") and levels["hukou_type"].startswith("区级") and levels["student_id"] == "市级"
        page.get_by_role("link", name="市 · 教育管理基础数据标准 1.1.0").click()
        page.wait_for_url(f"{base}standards/edu-basic-data/1.1.0/")
        page.get_by_role("link", name="示例区教育管理基础数据扩展标准 1.0.0(区级)").click()
        page.wait_for_url(f"{base}standards/edu-basic-data-demo-district/1.0.0/")
    finally:
        page.close()


def test_district_check_says_which_level_each_rule_comes_from(real_content, tmp_path):
    repo, _ = real_content
    folder = REPO / "standards/edu-basic-data-demo-district/1.0.0/examples"
    report = check_file(folder / "student-invalid.csv", repo, "edu-basic-data-demo-district", "student")
    notes = {f.field: f.note for f in report.errors}
    assert notes["class_name"].endswith("规则出自区级标准 edu-basic-data-demo-district@1.0.0")
    text = (folder / "student-valid.csv").read_text(encoding="utf-8").splitlines()
    head, cells = text[0].split(","), text[1].split(",")
    cells[head.index("gender")] = "男"  # the city's code list
    bad = write(tmp_path / "student-city-rule.csv", "\n".join([text[0], ",".join(cells)]) + "\n")
    [finding] = check_file(bad, repo, "edu-basic-data-demo-district", "student").errors
    assert finding.field == "gender" and finding.note.endswith("规则出自市级标准 edu-basic-data@1.1.0")


def test_diff_across_levels_shows_what_the_district_adds():
    from click.testing import CliRunner

    from educat.cli import cli

    result = CliRunner().invoke(cli, ["diff", "edu-basic-data-demo-district", "edu-basic-data@1.1.0", "1.0.0", "--root", str(REPO), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["context"] == {"standard": "edu-basic-data-demo-district", "old": "edu-basic-data@1.1.0", "new": "edu-basic-data-demo-district@1.0.0"}
    changes = {(f["type"], f["field"] or f["value"]) for f in data["findings"]}
    assert changes == {("constraint-changed", "class_name"), ("field-added", "hukou_type"), ("field-added", "school_bus"), ("code-added", "borrowing"), ("codelist-added", None)}


def test_one_item_one_source(mini_repo):
    """一数一源: an extension that names another authoritative source for a field is warned."""
    entity = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("    description: 人数。\n", "    description: 人数。\n    authority: 市人事系统\n"), encoding="utf-8")
    extension(mini_repo, field("staff", "人数", "integer", "{minimum: 0}", extra="    authority: 区人事台账\n"))
    _, report = validate_repo(mini_repo)
    [f] = [f for f in report.findings if f.type == "authority-conflict"]
    assert f.severity == "warning" and "市人事系统" in f.message and "区人事台账" in f.message and f.path == "standards/demo-district/1.0.0/entities/org.yaml"
    assert breaches(mini_repo) == []


def test_a_parent_from_another_bureaus_standard_package(mini_repo, tmp_path):
    """The city's standard is not in the district's repository: its standard package, downloaded
    from the city's site and kept beside the extension (extends_package), is the parent. No
    network: the file is read as it is. Breaches name the file inside the package."""
    from educat.site.build import build_site
    from educat.standards.package import build_package

    repo, _ = load_repo(mini_repo, standards_only=True)
    package = build_package(repo, repo.standard("demo", "1.0.0"))
    district = tmp_path / "district"
    (district / "standards").mkdir(parents=True)
    base = district / "standards/demo-district/1.0.0"
    extension(mini_repo, field("staff", "人数", "integer", "{minimum: 0, maximum: 100}"), yaml_extra="extends_package: parent/demo-1.0.0.json\n")
    shutil.copytree(mini_repo / "standards/demo-district", district / "standards/demo-district")
    write(base / "parent" / "demo-1.0.0.json", package)
    shutil.copy(mini_repo / "mkdocs.yml", district / "mkdocs.yml")
    shutil.copytree(mini_repo / "docs", district / "docs")
    _, report = validate_repo(district)
    assert report.valid, [f.render() for f in report.errors]
    found = load_repo(district, standards_only=True)[0]
    std = found.standard("demo-district", "1.0.0")
    assert std.parent.ref == "demo@1.0.0" and std.parent.external == "standards/demo-district/1.0.0/parent/demo-1.0.0.json"
    data = write(tmp_path / "orgs.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},3,101\n")
    assert sorted((f.field, f.type) for f in check_file(data, found, "demo-district@1.0.0", "org").errors) == [("gender", "code-error"), ("staff", "constraint-error")]
    site = build_site(district, district / "site")
    page = (site / "standards/demo-district/1.0.0/index.html").read_text(encoding="utf-8")
    assert "标准包 <code>demo-1.0.0.json</code>" in page and (site / "standards/demo-district/1.0.0/files/parent/demo-1.0.0.json").is_file()
    # a loosened bound is refused, naming the file inside the package
    entity = base / "entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("{minimum: 0, maximum: 100}", "{minimum: -5}"), encoding="utf-8")
    [breach] = breaches(district)
    assert "standards/demo-district/1.0.0/parent/demo-1.0.0.json 中的 entities/org.yaml" in breach.message
