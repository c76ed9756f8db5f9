"""`educat check-api` against the shipped app-access interface, with golden reports.

Refresh the golden files with ``EDUCAT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_check_api.py``.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from educat.cli import cli
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.operations import operations

from .conftest import REPO

GOLDEN = Path(__file__).parent / "golden" / "check-api"
DOC = REPO / "standards/app-access/1.0.0/openapi.yaml"


def run(*args):
    return CliRunner().invoke(cli, ["check-api", *map(str, args), "--root", str(REPO)])


def example(operation_id: str, status: str = "200"):
    op = next(o for o in operations(load_openapi(DOC)) if o.operation_id == operation_id)
    return copy.deepcopy(op.response_examples[status][0].value)


def test_documented_example_passes(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(example("listStudents"), ensure_ascii=False), encoding="utf-8")
    result = run(path, "--operation", "listStudents", "--response")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("通过:没有发现问题。\n")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_bad_payload_matches_golden(tmp_path, fmt):
    payload = example("listStudents")
    payload["items"][0]["gender"] = "7"
    del payload["items"][0]["name"]
    payload["page_size"] = "50"
    path = tmp_path / "students.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    result = run(path, "--operation", "listStudents", "--response", "--format", fmt)
    assert result.exit_code == 1
    output = result.output.replace(str(path), "students.json")
    golden = GOLDEN / f"listStudents-bad.{'txt' if fmt == 'text' else 'json'}"
    if os.environ.get("EDUCAT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")


def test_unknown_operation_and_broken_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"a": ', encoding="utf-8")
    result = run(path, "--operation", "listStudents")
    assert result.exit_code == 1
    assert result.output.startswith(f"错误:{path}:1:7: JSON 格式错误(第 1 行第 7 列):这里应是一个值;")
    assert "Expecting" not in result.output  # Python's English message is not shown
    path.write_text("{}", encoding="utf-8")
    result = run(path, "--operation", "nope")
    assert result.exit_code == 1
    assert result.output.startswith("错误:接口文档中没有 operationId “nope”;可用:issueToken、")


def test_standard_without_openapi(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}", encoding="utf-8")
    result = run(path, "--standard", "edu-basic-data", "--operation", "listStudents")
    assert result.exit_code == 1
    assert result.output == "错误:标准 edu-basic-data@1.1.0 没有接口文档(openapi.yaml);有接口文档的标准:app-access@1.0.0\n"
