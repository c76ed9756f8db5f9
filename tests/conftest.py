"""Fixtures: a tiny content repository built in tmp_path, and the real repository."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from educat.tables.identifiers import uscc_check_char

REPO = Path(__file__).resolve().parent.parent


def uscc(prefix17: str) -> str:
    return prefix17 + uscc_check_char(prefix17)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_USCC = uscc("12310113MB0000001")

STANDARD_YAML = """
slug: demo
title: 演示标准
version: 1.0.0
status: 试行
publisher: 示例局
date: 2026-01-01
scope: 演示用。
example: true
references:
  - code: GB/T 2261.1-2003
    title: 人的性别代码
codelists:
  gender:
    title: 性别
    source: GB/T 2261.1-2003
"""

ENTITY_YAML = """
name: org
title: 机构
description: 演示实体。
primaryKey: org_id
fields:
  - name: org_id
    title: 机构编号
    type: string
    description: 编号。
    sensitivity: 公开
    constraints: {required: true, pattern: '^[0-9]{4}$'}
  - name: uscc
    title: 统一社会信用代码
    type: string
    description: 代码。
    sensitivity: 公开
    rule: uscc
  - name: gender
    title: 负责人性别
    type: string
    description: 性别代码。
    sensitivity: 内部
    codelist: gender
  - name: staff
    title: 人数
    type: integer
    description: 人数。
    sensitivity: 公开
    constraints: {minimum: 0}
"""

DATAPACKAGE_YAML = """
name: orgs
title: 机构名录(示例)
description: 演示数据集。
version: 1.0.0
licenses:
  - name: CC-BY-4.0
    path: https://creativecommons.org/licenses/by/4.0/
example: true
catalog:
  provider: 示例局
  responsible_unit: 示例中心
  theme: 教育
  update_cycle: 每年
  share_type: 无条件共享
  open_type: 无条件开放
  published: 2026-01-01
  contact: {name: 示例中心}
resources:
  - name: orgs
    title: 机构
    path: data/orgs.csv
    schema:
      entity: demo@1.0.0/org
      fields:
        - {name: org_id}
        - {name: uscc}
        - {name: staff}
"""

RECORDS_YAML = """
- id: demo-math-weike
  title: 有理数的加法(示例)
  description: 示例记录。
  stage: junior
  grades: [g7]
  subject: math
  edition: pep
  resource_type: weike
  format: video
  audience: [student]
  provider: 示例平台
  url: https://resources.example.org/a
  license: free-use
  keywords: [有理数]
  featured: false
  published: 2026-01-01
  example: true
"""


def make_mini_repo(root: Path) -> Path:
    """Write the small, valid content repository into ``root``."""
    base = root / "standards" / "demo" / "1.0.0"
    write(base / "standard.yaml", STANDARD_YAML)
    write(base / "entities" / "org.yaml", ENTITY_YAML)
    write(base / "codelists" / "gender.csv", "code,name,description\n0,未知的性别,\n1,男,\n2,女,\n9,未说明的性别,\n")
    write(base / "examples" / "org-valid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},1,5\n")
    write(base / "examples" / "org-invalid.csv", f"org_id,uscc,gender,staff\n0001,{GOOD_USCC},3,5\n")
    write(
        base / "examples" / "examples.yaml",
        """
        - file: org-valid.csv
          entity: org
          valid: true
        - file: org-invalid.csv
          entity: org
          errors:
            - {row: 2, field: gender, type: code-error}
        """,
    )
    shutil.copytree(REPO / "standards" / "resource-metadata", root / "standards" / "resource-metadata")
    ds = root / "datasets" / "orgs"
    write(ds / "datapackage.yaml", DATAPACKAGE_YAML)
    write(ds / "data" / "orgs.csv", f"org_id,uscc,staff\n0001,{GOOD_USCC},12\n0002,{GOOD_USCC},3\n")
    write(root / "catalog" / "resources" / "junior.yaml", RECORDS_YAML)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    return root


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """A small, valid content repository: one standard, one dataset, one catalog record."""
    return make_mini_repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> tuple[Path, Path]:
    """(repository, site) of ``mini_repo`` built once for the whole session, for tests that only
    read the built site. A test that changes the content or the site needs its own build."""
    from educat.site.build import build_site

    root = make_mini_repo(tmp_path_factory.mktemp("mini-site") / "repo")
    return root, build_site(root, root / "site")


@pytest.fixture(scope="session")
def real_content():
    """(repo, report) of this repository's own content, validated once for the session. Tests
    read it; none may change it."""
    from educat.validate import validate_repo

    return validate_repo(REPO)


@pytest.fixture(scope="session")
def real_site_dir(tmp_path_factory, real_content) -> Path:
    """This repository's own site, built once for the session (the browser tests serve it, the
    HTML checker reads it); no test may change it."""
    from educat.site.build import build_site

    repo, report = real_content
    assert report.valid, [p.render() for p in report.errors]
    return build_site(REPO, tmp_path_factory.mktemp("real") / "site", repo, report)


def build_past_the_html_check(root: Path) -> Path:
    """Build although content carries HTML, which validate refuses: proves the pages escape it
    anyway (defence in depth, e.g. for plain ``mkdocs build`` of an older checkout)."""
    from educat.site.build import build_site
    from educat.validate import validate_repo

    repo, report = validate_repo(root)
    report.findings = [p for p in report.findings if p.type != "html-error"]
    assert report.valid, [p.render() for p in report.errors]
    return build_site(root, root / "site", repo, report)


def replace_in(root: Path, rel: str, old: str, new: str, count: int = -1) -> None:
    """Replace text in a content file of ``root``; the old text must be there (so an edit that
    silently does nothing cannot make a test pass)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")
