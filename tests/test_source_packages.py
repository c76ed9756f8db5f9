"""The source data packages (datasets/*/datapackage.yaml) are Frictionless as written.

A user runs ``frictionless validate datapackage.yaml`` in a dataset's folder and gets VALID:
every field is an object, ``{name: gender}`` taking its definition from the standard's entity.
The old bare name (``- gender``) is still read, with a warning; a key written beside the name
must agree with the standard.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from frictionless import Resource

from educat.core import metaschemas
from educat.core.model import DATASET_FIELD_KEYS, FIELD_EXTENSIONS, PACKAGE_EXTENSIONS, SCHEMA_EXTENSIONS
from educat.validate import validate_repo

from .conftest import GOOD_USCC, REPO, replace_in, write

PACKAGES = sorted((REPO / "datasets").glob("*/datapackage.yaml"))
DP = "datasets/orgs/datapackage.yaml"
BARE = "        - {name: org_id}\n        - {name: uscc}\n        - {name: staff}\n"


def frictionless_validate(folder: Path, monkeypatch) -> list[list]:
    """What ``frictionless validate datapackage.yaml`` run in ``folder`` reports (the CLI makes
    the same Resource and calls validate), flattened."""
    monkeypatch.chdir(folder)
    report = Resource("datapackage.yaml").validate()
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def findings(root) -> list[tuple]:
    _, report = validate_repo(root)
    return [(p.path, p.line, p.field or None, p.type, p.severity) for p in report.sorted() if p.severity != "info"]


# -- the starter packages -----------------------------------------------------------------------
def test_there_are_source_packages_to_check():
    assert len(PACKAGES) >= 6


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.parent.name)
def test_frictionless_validates_the_source_package_as_written(path, monkeypatch):
    assert frictionless_validate(path.parent, monkeypatch) == []


def test_the_starter_packages_use_no_old_form(real_content):
    _, report = real_content
    assert [(p.path, p.line) for p in report.findings if p.type == "deprecated-form"] == []


def test_frictionless_validates_the_mini_package(mini_repo, monkeypatch):
    assert frictionless_validate(mini_repo / "datasets/orgs", monkeypatch) == []


# -- educat's own keys: Frictionless ignores them, the docs list them ------------------------------
SAMPLES = {
    "example": True,
    "catalog": {"provider": "示例局", "published": "2026-01-01", "contact": {"name": "示例中心"}},
    "entity": "demo@1.0.0/org",
    "publish": {"gender": "汇总统计的分组维度(示例说明)"},
    "sensitivity": "公开",
    "codelist": "demo@1.0.0/gender",
    "rule": "uscc",
    "authority": "示例市学籍管理系统",
    "unit": "人",
    "statistic": "count",
    "statistic_kind": "stock",
    "small_counts": "全校汇总的人数,不按班级或个人拆分(示例)",
    "allow_personal": ["email", "mobile"],
}
TABLE_SCHEMA_FIELD = {"name", "title", "type", "format", "description", "constraints", "example", "trueValues", "falseValues", "bareNumber", "groupChar", "decimalChar"}
DATA_PACKAGE = {"name", "title", "description", "version", "keywords", "sources", "licenses", "resources"}
RESOURCE_SCHEMA = {"fields", "primaryKey"}


def test_the_extension_lists_are_what_the_metaschema_adds_to_frictionless():
    resource = metaschemas.DATAPACKAGE["properties"]["resources"]["items"]
    assert set(metaschemas.DATAPACKAGE["properties"]) - DATA_PACKAGE == set(PACKAGE_EXTENSIONS)
    assert set(resource["properties"]["schema"]["properties"]) - RESOURCE_SCHEMA == set(SCHEMA_EXTENSIONS)
    assert set(metaschemas.FIELD["properties"]) - TABLE_SCHEMA_FIELD == set(FIELD_EXTENSIONS)
    assert set(DATASET_FIELD_KEYS) <= set(FIELD_EXTENSIONS)
    assert set(SAMPLES) == set(PACKAGE_EXTENSIONS + SCHEMA_EXTENSIONS + FIELD_EXTENSIONS)


def test_frictionless_ignores_every_extension_key(tmp_path, monkeypatch):
    def package(extended: bool) -> dict:
        def pick(keys):
            return {k: SAMPLES[k] for k in keys} if extended else {}

        fields = [
            {"name": "org_id", "type": "string", "constraints": {"required": True}, **pick(FIELD_EXTENSIONS)},
            {"name": "staff", "type": "integer"},
        ]
        schema = {"fields": fields, "primaryKey": ["org_id"], **pick(SCHEMA_EXTENSIONS)}
        return {"name": "orgs", "resources": [{"name": "orgs", "path": "orgs.csv", "schema": schema}], **pick(PACKAGE_EXTENSIONS)}

    write(tmp_path / "orgs.csv", "org_id,staff\n0001,12\n0001,x\n")
    monkeypatch.chdir(tmp_path)
    plain, extended = (Resource(package(flag), basepath=".").validate().flatten(["rowNumber", "fieldName", "type"]) for flag in (False, True))
    assert plain == [[3, "staff", "type-error"], [3, None, "primary-key"]]
    assert extended == plain  # the same data errors, and no metadata error for any educat key


def test_every_extension_key_is_documented():
    text = (REPO / "docs/content-model.md").read_text(encoding="utf-8")
    section = text.split("## 数据集:`datasets/<标识>/`", 1)[1].split("\n## ", 1)[0]
    assert [key for key in SAMPLES if f"`{key}`" not in section] == []
    assert "deprecated-form" in section


# -- the old form, and keys written beside the name --------------------------------------------------
def test_the_old_bare_names_still_load_with_a_warning(mini_repo):
    new_repo, _ = validate_repo(mini_repo)
    replace_in(mini_repo, DP, BARE, "        - org_id\n        - uscc\n        - staff\n")
    repo, report = validate_repo(mini_repo)
    assert report.valid
    assert findings(mini_repo) == [(DP, line, name, "deprecated-form", "warning") for line, name in ((25, "org_id"), (26, "uscc"), (27, "staff"))]
    first = report.sorted()[0]
    assert first.message == "资源 orgs 的字段 “org_id” 只写了字段名(旧写法),Frictionless 不能读取"
    assert first.note == "改写成 - {name: org_id}(定义仍取自 demo@1.0.0/org,不必重复)"
    old, new = (r.datasets["orgs"].resources[0].fields for r in (repo, new_repo))
    assert [f.descriptor for f in old] == [f.descriptor for f in new]
    assert [f.name for f in old] == ["org_id", "uscc", "staff"]


def test_no_fields_at_all_is_the_old_form_too(mini_repo):
    replace_in(mini_repo, DP, "      fields:\n" + BARE, "")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},1,12\n")
    _, report = validate_repo(mini_repo)
    assert findings(mini_repo) == [(DP, 23, None, "deprecated-form", "warning")]
    assert report.warnings[0].note == "在 schema 中逐个列出字段:fields:\n      - {name: org_id}\n      - {name: uscc}\n      - {name: gender}\n      - {name: staff}"


def test_a_type_that_disagrees_with_the_standard_is_an_error(mini_repo):
    replace_in(mini_repo, DP, "- {name: staff}", "- {name: staff, type: string}")
    _, report = validate_repo(mini_repo)
    assert findings(mini_repo) == [(DP, 27, "staff", "mismatch-error", "error")]
    [error] = report.errors
    assert error.message == "资源 orgs 的字段 staff 写了 type: string,但标准 demo@1.0.0/org 中是 type: integer"
    assert error.note.startswith("删去 type(字段定义以标准为准),或改为 type: integer;")


def test_keys_that_agree_with_the_standard_are_accepted(mini_repo, monkeypatch):
    replace_in(mini_repo, DP, "- {name: staff}", "- {name: staff, type: integer, constraints: {minimum: 0}}")
    assert findings(mini_repo) == []
    assert frictionless_validate(mini_repo / "datasets/orgs", monkeypatch) == []


def test_a_key_the_standard_does_not_have_is_an_error(mini_repo):
    replace_in(mini_repo, DP, "- {name: uscc}", "- {name: uscc, constraints: {required: true}}")
    _, report = validate_repo(mini_repo)
    assert findings(mini_repo) == [(DP, 26, "uscc", "mismatch-error", "error")]
    assert report.errors[0].message == "资源 orgs 的字段 uscc 写了 constraints,但标准 demo@1.0.0/org 中这个字段没有 constraints"


def test_a_dataset_may_add_facts_about_its_own_data(mini_repo):
    replace_in(mini_repo, DP, "- {name: staff}", "- {name: staff, statistic: count, statistic_kind: stock}")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,staff\n0001,{GOOD_USCC},12\n0002,{GOOD_USCC},3\n")
    assert findings(mini_repo) == [("datasets/orgs/data/orgs.csv", 3, "staff", "small-cell", "error")]
    replace_in(mini_repo, DP, "statistic_kind: stock}", "statistic_kind: stock, small_counts: 机构的在编人数本已公示(示例说明)}")
    repo, _ = validate_repo(mini_repo)
    assert findings(mini_repo) == []
    staff = repo.datasets["orgs"].resources[0].fields[2]
    assert (staff.title, staff.descriptor["statistic"]) == ("人数", "count")


def test_an_unknown_name_is_a_dangling_reference_and_a_local_field_needs_its_definition(mini_repo):
    replace_in(mini_repo, DP, "- {name: staff}", "- {name: stafff}")
    assert findings(mini_repo) == [("datasets/orgs/data/orgs.csv", None, None, "extra-label", "error"), (DP, 27, "stafff", "dangling-reference", "error")]
    replace_in(mini_repo, DP, "- {name: stafff}", "- {name: stafff, type: integer}")
    _, report = validate_repo(mini_repo)
    assert [(p.line, p.field, p.type) for p in report.errors if p.path == DP] == [(27, "stafff", "missing-field")]
    assert "缺少 title、description、sensitivity" in report.errors[0].message
