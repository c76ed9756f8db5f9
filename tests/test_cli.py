"""The command line, through CliRunner, with exact messages and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from educat import __version__
from educat.cli import cli

from .conftest import RECORDS_YAML, write


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"educat {__version__}\n"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "示例:" in result.output
    assert f"educat {command}" in result.output


def test_validate_clean(mini_repo):
    result = run("validate", "--root", mini_repo)
    assert result.exit_code == 0, result.output
    hint, fix, passed = result.output.splitlines()
    # the mini repo's mkdocs.yml has no site_url: validate says how to set one for a real build
    assert hint.startswith("mkdocs.yml: 提示 [site-url-missing]") and "site_url: https://" in fix and "--site-url" in fix
    assert passed == "校验通过:2 个标准(3 个版本,3 个实体,18 个代码表),1 个数据集,1 条课程资源。"


def test_validate_reports_file_line_and_fix(mini_repo):
    write(mini_repo / "catalog/resources/junior.yaml", (mini_repo / "catalog/resources/junior.yaml").read_text(encoding="utf-8").replace("stage: junior", "stage: middle"))
    result = run("validate", "--root", mini_repo)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("catalog/resources/junior.yaml:4 (字段 stage): 错误 [code-error] “middle” 不是代码表 stage(")
    assert lines[1] == "    → 改为代码表或规则允许的值"
    assert lines[-1].startswith("校验失败:1 个错误,0 个警告")
    assert "Traceback" not in result.output


def test_validate_json(mini_repo):
    write(mini_repo / "datasets/orgs/data/orgs.csv", "org_id,uscc,staff\n0001,X,12\n")
    result = run("validate", "--root", mini_repo, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["stats"]["errors"] == 1
    [error] = [f for f in data["findings"] if f["severity"] == "error"]
    assert {k: error[k] for k in ("type", "path", "line", "row", "field")} == {
        "type": "uscc-error", "path": "datasets/orgs/data/orgs.csv", "line": 2, "row": 2, "field": "uscc"
    }
    assert error["message"] == "“X”:统一社会信用代码应为 18 位,实际 1 位"


def test_validate_paths_limit_the_report(mini_repo):
    write(mini_repo / "datasets/orgs/data/orgs.csv", "org_id,uscc,staff\n0001,X,12\n")
    clean = run("validate", "--root", mini_repo, mini_repo / "catalog")
    assert clean.exit_code == 0, clean.output
    dirty = run("validate", "--root", mini_repo, mini_repo / "datasets")
    assert dirty.exit_code == 1


def test_validate_path_outside_root(mini_repo, tmp_path):
    result = run("validate", "--root", mini_repo, tmp_path)
    assert result.exit_code == 2
    assert "不在内容仓库" in result.output


def test_no_traceback_without_debug(mini_repo, monkeypatch):
    import educat.validate

    def boom(root):
        raise RuntimeError("磁盘坏了")

    monkeypatch.setattr(educat.validate, "validate_repo", boom)
    result = run("validate", "--root", mini_repo)
    assert result.exit_code == 1
    assert result.output == "错误:内部错误:RuntimeError: 磁盘坏了(加 --debug 查看详细信息)\n"
    debug = run("--debug", "validate", "--root", mini_repo)
    assert isinstance(debug.exception, RuntimeError)


def test_build_refuses_invalid_content(mini_repo):
    write(mini_repo / "standards/demo/1.0.0/standard.yaml", "slug: [\n")
    result = run("build", "--root", mini_repo, "--out", mini_repo / "site")
    assert result.exit_code == 1
    assert "standards/demo/1.0.0/standard.yaml:2: 错误 [yaml-error]" in result.output
    assert result.output.endswith("错误:内容校验未通过,未构建网站;原有网站保持不变\n")
    assert not (mini_repo / "site").exists()


def test_build_refuses_to_overwrite_foreign_folder(mini_repo):
    target = write(mini_repo / "mine" / "notes.txt", "我的文件").parent
    result = run("build", "--root", mini_repo, "--out", target)
    assert result.exit_code == 1
    assert "不是 educat 生成的网站目录" in result.output
    assert (target / "notes.txt").read_text(encoding="utf-8") == "我的文件"


def test_root_must_be_a_content_repository(tmp_path):
    result = run("validate", "--root", tmp_path)
    assert result.exit_code == 2
    assert "不是内容仓库:其中没有 standards/、datasets/ 或 catalog/ 目录" in result.output


def test_template_entity_defaults_only_for_single_entity_standards(tmp_path):
    from .conftest import REPO

    result = run("template", "resource-metadata", "--root", REPO, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已生成 ")
    assert (tmp_path / "r.xlsx").is_file()
    many = run("template", "edu-basic-data", "--root", REPO, "-o", tmp_path / "e.xlsx")
    assert many.exit_code == 2
    assert "请用 --entity 指定实体:equipment、school、student、teacher" in many.output


def test_every_command_prints_one_json_shape(mini_repo, tmp_path):
    """validate, check, check-api, diff, import and linkcheck: the same five keys, the same
    finding keys, and the exit code from ``valid`` (docs/content-model.md documents the shape)."""
    from educat.core.findings import FINDING_KEYS

    from .conftest import REPO

    data_file = write(tmp_path / "orgs.csv", "org_id,uscc,gender,staff\n01,X,3,-1\n")
    payload = write(tmp_path / "payload.json", '{"items": [{"gender": "7"}], "page_size": "50"}')
    sheet = write(tmp_path / "sheet.csv", "id,title\nnew-one,新资源\n")
    write(mini_repo / "catalog/resources/links.yaml", RECORD_WITH_LOCAL_LINK)
    runs = {
        "validate": ["validate", "--root", mini_repo],
        "check": ["check", data_file, "--root", mini_repo, "--standard", "demo", "--entity", "org"],
        "check-api": ["check-api", payload, "--root", REPO, "--operation", "listStudents"],
        "diff": ["diff", "edu-basic-data", "1.0.0", "1.1.0", "--root", REPO],
        "import": ["import", sheet, "--root", mini_repo, "--collection", "more", "--dry-run"],
        "linkcheck": ["linkcheck", "--root", mini_repo, "--output", tmp_path / "status.json"],
    }
    for command, args in runs.items():
        result = run(*args, "--format", "json")
        data = json.loads(result.stdout)
        assert list(data) == ["command", "valid", "stats", "context", "findings"], command
        assert data["command"] == command
        assert result.exit_code == int(not data["valid"]), command
        assert isinstance(data["stats"]["errors"], int) and isinstance(data["stats"]["warnings"], int), command
        assert data["valid"] == (data["stats"]["errors"] == 0), command
        for finding in data["findings"]:
            assert tuple(finding) == FINDING_KEYS, command
            assert finding["type"] == finding["type"].lower() and " " not in finding["type"], command
    assert run(*runs["check"], "--format", "json").exit_code == 1  # the shape is tested on failures too



# a record whose link is not http(s): linkcheck skips it without touching the network
RECORD_WITH_LOCAL_LINK = RECORDS_YAML.replace("demo-math-weike", "demo-local-link").replace("https://resources.example.org/a", "mailto:someone@example.org")
