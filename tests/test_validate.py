"""Every validation error type, with the file and the place asserted."""

from __future__ import annotations

import os

import pytest

from educat.validate import validate_repo

from .conftest import GOOD_USCC, write


def flat(root):
    _, report = validate_repo(root)
    return [(p.path, p.line, p.row, p.field or None, p.type) for p in report.sorted() if p.severity == "error"]


def test_mini_repo_is_valid(mini_repo):
    repo, report = validate_repo(mini_repo)
    assert report.errors == []
    assert report.stats["standards"] == 2
    assert report.stats["resources"] == 1
    assert [e.name for e in repo.standards["demo"]["1.0.0"].entities.values()] == ["org"]


def test_malformed_yaml(mini_repo):
    path = mini_repo / "standards/demo/1.0.0/standard.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: 试行", "status: [试行"), encoding="utf-8")
    problems = flat(mini_repo)
    assert problems[0][0] == "standards/demo/1.0.0/standard.yaml"
    assert problems[0][4] == "yaml-error"
    assert problems[0][1] is not None


def test_duplicate_key(mini_repo):
    path = mini_repo / "standards/demo/1.0.0/standard.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "title: 又一个标题\n", encoding="utf-8")
    _, report = validate_repo(mini_repo)
    [problem] = report.errors
    assert (problem.path, problem.type) == ("standards/demo/1.0.0/standard.yaml", "yaml-error")
    assert problem.line == 16
    assert "重复的键 “title”(第 2 行已出现)" in problem.message


def test_yaml_alias_is_rejected(mini_repo):
    write(mini_repo / "catalog/resources/bomb.yaml", 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n')
    problems = flat(mini_repo)
    assert problems == [("catalog/resources/bomb.yaml", 1, None, None, "yaml-error")]


def test_wrong_code_in_dataset_csv(mini_repo):
    write(
        mini_repo / "datasets/orgs/datapackage.yaml",
        (mini_repo / "datasets/orgs/datapackage.yaml").read_text(encoding="utf-8").replace("        - {name: staff}\n", "        - {name: gender}\n        - {name: staff}\n"),
    )
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},1,12\n0002,{GOOD_USCC},7,3\n")
    assert flat(mini_repo) == [("datasets/orgs/data/orgs.csv", 3, 3, "gender", "code-error")]


def test_dangling_codelist_reference(mini_repo):
    path = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("codelist: gender", "codelist: sex"), encoding="utf-8")
    # The entity's examples are not judged while its own definition is broken.
    assert flat(mini_repo) == [("standards/demo/1.0.0/entities/org.yaml", 23, None, "gender", "dangling-reference")]


def test_dangling_entity_reference(mini_repo):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("demo@1.0.0/org", "demo@2.0.0/org"), encoding="utf-8")
    _, report = validate_repo(mini_repo)
    [problem] = report.errors
    assert (problem.path, problem.line, problem.type) == ("datasets/orgs/datapackage.yaml", 23, "dangling-reference")
    assert "标准 demo 没有版本 2.0.0;已有:1.0.0" in problem.message


def test_unknown_field_in_metadata(mini_repo):
    path = mini_repo / "standards/demo/1.0.0/standard.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("scope:", "scpoe:"), encoding="utf-8")
    problems = flat(mini_repo)
    assert ("standards/demo/1.0.0/standard.yaml", 7, None, None, "unknown-field") in problems
    assert ("standards/demo/1.0.0/standard.yaml", 1, None, None, "missing-field") in problems


def test_unknown_field_in_record(mini_repo):
    path = mini_repo / "catalog/resources/junior.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  keywords:", "  keyword:"), encoding="utf-8")
    assert flat(mini_repo) == [("catalog/resources/junior.yaml", 14, None, "keyword", "unknown-field")]


def test_record_errors_point_at_the_line(mini_repo):
    path = mini_repo / "catalog/resources/junior.yaml"
    text = path.read_text(encoding="utf-8").replace("subject: math", "subject: maths").replace("published: 2026-01-01", "published: 2026-13-01")
    path.write_text(text, encoding="utf-8")
    assert flat(mini_repo) == [
        ("catalog/resources/junior.yaml", 6, None, "subject", "code-error"),
        ("catalog/resources/junior.yaml", 16, None, "published", "type-error"),
    ]


def test_duplicate_record_id_across_files(mini_repo):
    text = (mini_repo / "catalog/resources/junior.yaml").read_text(encoding="utf-8")
    write(mini_repo / "catalog/resources/zz.yaml", text)
    assert flat(mini_repo) == [("catalog/resources/zz.yaml", 1, None, "id", "unique-error")]


def test_featured_rubric(mini_repo):
    path = mini_repo / "catalog/resources/junior.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("featured: false", "featured: true"), encoding="utf-8")
    problems = flat(mini_repo)
    assert [p[3] for p in problems if p[4] == "rubric-error"] == ["access", "featured_reason", "review_date", "reviewer"]


def test_check_characters_and_types_in_examples(mini_repo):
    bad_uscc = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")
    write(mini_repo / "standards/demo/1.0.0/examples/org-valid.csv", f"org_id,uscc,gender,staff\n0001,{bad_uscc},1,x\n12,{GOOD_USCC},1,-1\n")
    assert flat(mini_repo) == [
        ("standards/demo/1.0.0/examples/org-valid.csv", 2, 2, "staff", "example-error"),
        ("standards/demo/1.0.0/examples/org-valid.csv", 2, 2, "uscc", "example-error"),
        ("standards/demo/1.0.0/examples/org-valid.csv", 3, 3, "org_id", "example-error"),
        ("standards/demo/1.0.0/examples/org-valid.csv", 3, 3, "staff", "example-error"),
    ]


def test_invalid_example_must_produce_declared_errors(mini_repo):
    write(mini_repo / "standards/demo/1.0.0/examples/org-invalid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},1,5\n")
    _, report = validate_repo(mini_repo)
    [problem] = report.errors
    assert (problem.path, problem.line, problem.type) == ("standards/demo/1.0.0/examples/examples.yaml", 4, "example-error")
    assert "声明的错误没有出现:第 2 行 字段 gender [code-error]" in problem.message


def test_slug_mismatch(mini_repo):
    path = mini_repo / "standards/demo/1.0.0/standard.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("slug: demo", "slug: demo2"), encoding="utf-8")
    assert flat(mini_repo) == [("standards/demo/1.0.0/standard.yaml", 1, None, None, "mismatch-error")]


def test_codelist_header_and_parent(mini_repo):
    write(mini_repo / "standards/demo/1.0.0/codelists/gender.csv", "code,name,description,parent\n1,男,,\n2,女,,9\n1,重复,,\n")
    assert flat(mini_repo) == [
        ("standards/demo/1.0.0/codelists/gender.csv", 3, 3, "parent", "dangling-reference"),
        ("standards/demo/1.0.0/codelists/gender.csv", 4, 4, "code", "unique-error"),
    ]


def test_privacy_gate_blocks_sensitive_field(mini_repo):
    entity = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("sensitivity: 内部", "sensitivity: 敏感个人信息"), encoding="utf-8")
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("        - {name: staff}\n", "        - {name: staff}\n        - {name: gender}\n"), encoding="utf-8")
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc,staff,gender\n0001,{GOOD_USCC},12,1\n")
    assert flat(mini_repo) == [("datasets/orgs/datapackage.yaml", 19, None, "gender", "privacy-error")]


@pytest.mark.parametrize("bad_path", ["../../etc/passwd", "/etc/passwd", "https://example.org/x.csv"])
def test_resource_path_must_stay_inside(mini_repo, bad_path):
    path = mini_repo / "datasets/orgs/datapackage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("path: data/orgs.csv", f"path: {bad_path}"), encoding="utf-8")
    assert flat(mini_repo) == [("datasets/orgs/datapackage.yaml", 21, None, None, "path-error")]


def test_symlink_out_of_repository(mini_repo, tmp_path):
    outside = write(tmp_path / "outside.csv", "org_id,uscc,staff\n0001,x,1\n")
    link = mini_repo / "datasets/orgs/data/orgs.csv"
    link.unlink()
    os.symlink(outside, link)
    assert flat(mini_repo) == [("datasets/orgs/datapackage.yaml", 21, None, None, "path-error")]


def test_missing_header_column(mini_repo):
    write(mini_repo / "datasets/orgs/data/orgs.csv", f"org_id,uscc\n0001,{GOOD_USCC}\n")
    problems = flat(mini_repo)
    assert problems and all(p[0] == "datasets/orgs/data/orgs.csv" for p in problems)
    assert "missing-label" in {p[4] for p in problems}


def test_gbk_csv_is_named_with_the_fix(mini_repo):
    (mini_repo / "datasets/orgs/data/orgs.csv").write_bytes(f"org_id,uscc,staff\n0001,{GOOD_USCC},12\n0002,{GOOD_USCC},3\n# 中文备注\n".encode("gb18030"))
    _, report = validate_repo(mini_repo)
    [problem] = report.errors
    assert (problem.path, problem.line, problem.type) == ("datasets/orgs/data/orgs.csv", 4, "encoding-error")
    assert problem.message == "文件是 GB18030/GBK 编码,仓库中的数据文件必须是 UTF-8"


def test_binary_junk_renamed_csv(mini_repo):
    (mini_repo / "datasets/orgs/data/orgs.csv").write_bytes(bytes(range(128, 256)) * 20)
    assert flat(mini_repo) == [("datasets/orgs/data/orgs.csv", 1, 1, None, "encoding-error")]


def test_utf8_bom_csv_is_accepted(mini_repo):
    path = mini_repo / "datasets/orgs/data/orgs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert flat(mini_repo) == []


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"])
def test_empty_csv(mini_repo, content):
    (mini_repo / "datasets/orgs/data/orgs.csv").write_bytes(content)
    assert flat(mini_repo) == [("datasets/orgs/data/orgs.csv", None, None, None, "source-error")]


def test_symlinked_yaml_outside_is_not_read(mini_repo, tmp_path):
    secret = write(tmp_path / "secret.yaml", "- id: secret\n")
    os.symlink(secret, mini_repo / "catalog/resources/leak.yaml")
    assert flat(mini_repo) == [("catalog/resources/leak.yaml", None, None, None, "path-error")]


def test_parent_codelist_hierarchy(mini_repo):
    base = mini_repo / "standards/demo/1.0.0"
    meta = base / "standard.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "  level:\n    title: 级别\n    parent_codelist: gender\n", encoding="utf-8")
    write(base / "codelists/level.csv", "code,name,description,parent\na,甲,,1\nb,乙,,2\nc,丙,,5\n")
    assert flat(mini_repo) == [("standards/demo/1.0.0/codelists/level.csv", 4, 4, "parent", "dangling-reference")]
    meta.write_text(meta.read_text(encoding="utf-8").replace("parent_codelist: gender", "parent_codelist: sex"), encoding="utf-8")
    assert flat(mini_repo) == [("standards/demo/1.0.0/standard.yaml", 18, None, None, "dangling-reference")]


@pytest.mark.parametrize(
    ("constraints", "says"),
    [
        ("{minimum: 0, pattern: '[0-9]+'}", "不支持约束 pattern"),
        ("{minLength: 1}", "不支持约束 minLength"),
        ("{minimum: 十}", "不是 integer 类型的值"),
        ("{maximum: 1.5}", "不是 integer 类型的值"),
    ],
)
def test_a_constraint_the_type_does_not_have_is_a_schema_error(mini_repo, constraints, says):
    """Frictionless silently ignores a constraint its type does not support: a rule nobody checks."""
    path = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("constraints: {minimum: 0}", f"constraints: {constraints}"), encoding="utf-8")
    _, report = validate_repo(mini_repo)
    found = [f for f in report.errors if f.type == "schema-error" and f.field == "staff"]
    assert found and says in found[0].message and found[0].line
    assert found[0].path == "standards/demo/1.0.0/entities/org.yaml"


def test_exclusive_bounds_are_not_table_schema_v1(mini_repo):
    """Frictionless's Table Schema (v1) descriptor has no exclusiveMinimum: refused with its line."""
    path = mini_repo / "standards/demo/1.0.0/entities/org.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("constraints: {minimum: 0}", "constraints: {exclusiveMinimum: -1}"), encoding="utf-8")
    _, report = validate_repo(mini_repo)
    assert [(f.type, f.path) for f in report.errors][:1] == [("unknown-field", "standards/demo/1.0.0/entities/org.yaml")]
