"""`educat diff`: every kind of change, breaking ones flagged, text and JSON."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from educat.cli import cli
from educat.standards.diff import diff_standards
from educat.core.loader import load_repo

from .conftest import write


def make_v2(root):
    old = root / "standards/demo/1.0.0"
    new = root / "standards/demo/1.1.0"
    shutil.copytree(old, new)
    meta = (new / "standard.yaml").read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0")
    (new / "standard.yaml").write_text(meta, encoding="utf-8")
    entity = (new / "entities/org.yaml").read_text(encoding="utf-8")
    entity = entity.replace("    constraints: {minimum: 0}\n", "    constraints: {minimum: 1, required: true}\n")  # staff: tighter + required
    entity = entity.replace("    rule: uscc\n", "")  # uscc loses its rule (relaxed)
    entity = entity.replace("    sensitivity: 内部\n    codelist: gender\n", "    sensitivity: 敏感个人信息\n    codelist: gender\n")
    entity += "  - name: phone\n    title: 电话\n    type: string\n    description: 电话。\n    sensitivity: 内部\n"
    (new / "entities/org.yaml").write_text(entity, encoding="utf-8")
    write(new / "codelists/gender.csv", "code,name,description\n0,未知的性别,\n1,男性,\n2,女,\n")
    write(new / "examples/org-valid.csv", "org_id,uscc,gender,staff,phone\n0001,X,1,5,1\n")
    write(new / "examples/org-invalid.csv", "org_id,uscc,gender,staff,phone\n0001,X,3,5,1\n")
    return root


def test_diff_finds_every_kind_of_change(mini_repo):
    repo, _ = load_repo(make_v2(mini_repo))
    versions = repo.standards["demo"]
    changes = [(c.type, c.path, c.field or c.value, c.severity) for c in diff_standards(versions["1.0.0"], versions["1.1.0"])]
    entity, codes = "standards/demo/1.1.0/entities/org.yaml", "standards/demo/1.1.0/codelists/gender.csv"
    assert changes == [
        ("field-changed", entity, "uscc", "info"),
        ("field-changed", entity, "gender", "info"),
        ("constraint-changed", entity, "staff", "warning"),
        ("constraint-changed", entity, "staff", "warning"),
        ("field-added", entity, "phone", "info"),
        ("code-removed", codes, "9", "warning"),
        ("code-changed", codes, "1", "info"),
    ]


def test_no_changes_between_identical_versions(mini_repo):
    repo, _ = load_repo(mini_repo)
    std = repo.standards["demo"]["1.0.0"]
    assert diff_standards(std, std) == []


def test_cli_diff_text_and_json(mini_repo):
    make_v2(mini_repo)
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", "demo", "1.0.0", "1.1.0", "--root", str(mini_repo)])
    assert result.exit_code == 0, result.output  # breaking changes are warnings: a diff is a report, not a failure
    entity, codes = "standards/demo/1.1.0/entities/org.yaml", "standards/demo/1.1.0/codelists/gender.csv"
    assert result.output.splitlines() == [
        "演示标准:1.0.0 → 1.1.0",
        f"{entity} (字段 uscc(统一社会信用代码)): 提示 [field-changed] 字段 org.uscc 的校验规则由 uscc 改为 无",
        f"{entity} (字段 gender(负责人性别)): 提示 [field-changed] 字段 org.gender 的敏感级别由 内部 改为 敏感个人信息",
        f"{entity} (字段 staff(人数)): 警告 [constraint-changed] 字段 org.staff 改为必填",
        f"{entity} (字段 staff(人数)): 警告 [constraint-changed] 字段 org.staff 的最小值由 0 改为 1",
        f"{entity} (字段 phone(电话)): 提示 [field-added] 新增选填字段 org.phone(电话)",
        f"{codes}: 警告 [code-removed] 代码表 gender 删除代码 9(未说明的性别)",
        f"{codes}: 提示 [code-changed] 代码表 gender 的代码 1 名称由 “男” 改为 “男性”",
        "共 7 处变化,其中 3 处不兼容(按旧版本合规的数据可能不再合规)。",
    ]
    data = json.loads(runner.invoke(cli, ["diff", "demo", "1.0.0", "1.1.0", "--root", str(mini_repo), "--format", "json"]).output)
    assert data["valid"] is True and data["stats"]["breaking"] == 3 and data["stats"]["changes"] == len(data["findings"]) == 7
    assert data["context"] == {"standard": "demo", "old": "1.0.0", "new": "1.1.0"}


def test_cli_diff_unknown_version(mini_repo):
    result = CliRunner().invoke(cli, ["diff", "demo", "1.0.0", "2.0.0", "--root", str(mini_repo)])
    assert result.exit_code == 1
    assert result.output == "错误:标准 demo 没有版本 2.0.0;已有:1.0.0\n"


def test_versions_page_shows_the_diff(mini_repo):
    from educat.site.pages import SiteContent
    from educat.validate import validate_repo

    repo, report = validate_repo(make_v2(mini_repo))
    pages = {p.url: p.markdown for p in SiteContent(repo).pages()}
    page = pages["standards/demo/"]
    assert "## 1.1.0 相对 1.0.0 的变化 {#v-1-1-0}" in page
    assert "共 7 处变化,其中 **3** 处不兼容" in page
    assert repo.latest("demo").version == "1.1.0"


def test_real_diff_matches_golden():
    """The shipped edu-basic-data 1.0.0 → 1.1.0 diff, as text and JSON (refresh: EDUCAT_UPDATE_GOLDEN=1)."""
    import os
    from pathlib import Path

    from .conftest import REPO

    golden = Path(__file__).parent / "golden" / "diff"
    runner = CliRunner()
    for fmt, suffix in (("text", "txt"), ("json", "json")):
        result = runner.invoke(cli, ["diff", "edu-basic-data", "1.0.0", "1.1.0", "--root", str(REPO), "--format", fmt])
        assert result.exit_code == 0
        path = golden / f"edu-basic-data-1.0.0-1.1.0.{suffix}"
        if os.environ.get("EDUCAT_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(result.output, encoding="utf-8")
        assert result.output == path.read_text(encoding="utf-8")
