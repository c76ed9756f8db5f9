"""Property: any text in any published field comes out escaped on every page.

Hypothesis writes arbitrary Unicode, weighted towards what breaks HTML and Markdown (angle
brackets, quotes, ampersands, entity encodings, backticks and fences, newlines), around a
marker tag into the text fields of a record, a dataset, a standard and a code list. The
pages are rendered as MkDocs renders them (Python-Markdown with this site's extensions), and
the marker must never come out as a tag. validate would refuse such content; the pages are
built past it on purpose, as a second line of defence.
"""

from __future__ import annotations

import shutil

import markdown
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from educat.core.loader import load_repo
from educat.site.pages import SiteContent

from .conftest import make_mini_repo, replace_in

EXTENSIONS = ["admonition", "attr_list", "tables", "toc"]
MARKER = "<x-pwn onclick=1>"
PIECES = ["<", ">", "&", '"', "'", "`", "```", "````", "\n", "\n\n", "&lt;", "&#60;", "&#x3c;", "<!--", "-->", "]]>", "|", "[", "](", ")", "*", "_", "#", "\\", "{", "}", "javascript:"]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.characters(blacklist_categories=("Cs", "Cc"))), max_size=10).map("".join)


def quoted(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10**6).strip()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=HOSTILE, after=HOSTILE)
def test_planted_text_never_becomes_markup(tmp_path_factory, before, after):
    root = make_mini_repo(tmp_path_factory.mktemp("prop") / "repo")
    value = before + MARKER + after
    text = quoted(value)

    def edit(rel, old, new):
        replace_in(root, rel, old, new, 1)

    edit("catalog/resources/junior.yaml", "title: 有理数的加法(示例)", f"title: {text}")
    edit("catalog/resources/junior.yaml", "description: 示例记录。", f"description: {text}")
    edit("catalog/resources/junior.yaml", "provider: 示例平台", f"provider: {text}")
    edit("datasets/orgs/datapackage.yaml", "title: 机构名录(示例)", f"title: {text}")
    edit("datasets/orgs/datapackage.yaml", "description: 演示数据集。", f"description: {text}")
    edit("standards/demo/1.0.0/standard.yaml", "title: 演示标准", f"title: {text}")
    edit("standards/demo/1.0.0/standard.yaml", "scope: 演示用。", f"scope: {text}")
    edit("standards/demo/1.0.0/entities/org.yaml", "description: 演示实体。", f"description: {text}")
    code_name = value.replace('"', '""')
    (root / "standards/demo/1.0.0/codelists/gender.csv").write_text(f'code,name,description\n0,"{code_name}","{code_name}"\n1,男,\n2,女,\n9,未说明的性别,\n', encoding="utf-8")
    repo, _ = load_repo(root)
    assert repo.records and repo.records[0].title == value  # the text really went in
    pages = {page.url: page.markdown for page in SiteContent(repo).pages()}
    checked = 0
    for url, source in pages.items():
        html = markdown.markdown(source.split("---", 2)[-1], extensions=EXTENSIONS)
        assert "<x-pwn" not in html, (url, value)
        checked += "x-pwn" in html
    assert checked >= 5  # the marker is on the record, dataset, standard and code-list pages, escaped
    shutil.rmtree(root, ignore_errors=True)
