"""Golden files for generated pages.

Refresh them, after checking the change is intended, with:

    EDUCAT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from educat.site.pages import SiteContent
from educat.validate import validate_repo

GOLDEN = Path(__file__).parent / "golden"
URLS = {
    "standard.md": "standards/demo/1.0.0/",
    "dataset.md": "datasets/orgs/",
    "record.md": "catalog/r/demo-math-weike/",
    "home.md": "",
}


@pytest.mark.parametrize("name", sorted(URLS))
def test_generated_page_matches_golden(mini_repo, name):
    repo, report = validate_repo(mini_repo)
    assert report.valid
    pages = {page.url: page.markdown for page in SiteContent(repo).pages()}
    actual = pages[URLS[name]]
    path = GOLDEN / name
    if os.environ.get("EDUCAT_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")
