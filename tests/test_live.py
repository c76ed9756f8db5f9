"""The preview's incremental rebuild (site/live.py) against the full build, the reference.

Hypothesis draws edits of the record files as people make them (a title, a subject, a stage, the
精品 mark, a record added, deleted, moved to another file or to another place, a comment, an invalid
code). After each set of edits the preview rebuilds incrementally; then:

- if ``educat validate`` finds errors, the rebuild must refuse with the same errors and leave
  the site byte for byte as it was;
- otherwise the site must be byte for byte the one a full build writes from the same files.

The content is this repository's (194 resources, so the resource pages are in the theme's
search index too), copied once; the edits accumulate over the examples, as in a real session.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from educat.core.yamlio import split_items
from educat.site.build import BuildError, build_site
from educat.site.live import LiveSite
from educat.validate import validate_repo

from .conftest import REPO

URL = "http://127.0.0.1:8000/"
EXAMPLES = int(os.environ.get("LIVE_EXAMPLES", "4"))  # each is one full reference build (about 10 s); LIVE_EXAMPLES=100 for a longer run


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    work = tmp_path_factory.mktemp("live")
    root = work / "repo"
    root.mkdir()
    for name in ("standards", "datasets", "catalog", "docs", "mkdocs.yml"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, root / name)
    site = LiveSite(root, work / "site", URL)
    assert site.rebuild().kind == "full"
    return site, work


# -- edits, on the text of the record files -----------------------------------------------
SUBJECTS = ["math", "chinese", "english", "physics", "art", "history"]
STAGES = ["primary", "junior", "senior"]


def items_of(path: Path) -> tuple[str, list[str]]:
    text = path.read_text(encoding="utf-8")
    items = split_items(text)
    assert items, path
    head = "\n".join(text.split("\n")[: items[0][0]])
    return (head + "\n" if head else ""), [item if item.endswith("\n") else item + "\n" for _, item in items]


def save(path: Path, head: str, items: list[str]) -> None:
    path.write_text(head + "".join(items), encoding="utf-8")


def field(item: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^(  {key}:).*$", re.M)
    return pattern.sub(lambda m: f"{m.group(1)} {value}", item, count=1) if pattern.search(item) else item.rstrip("\n") + f"\n  {key}: {value}\n"


def apply(root: Path, edit: tuple) -> None:
    files = sorted((root / "catalog" / "resources").glob("*.yaml"))
    kind, which, n, text = edit
    path = files[which % len(files)]
    head, items = items_of(path)
    i = n % len(items)
    if kind == "title":
        items[i] = field(items[i], "title", text)
    elif kind == "subject":
        items[i] = field(items[i], "subject", SUBJECTS[n % len(SUBJECTS)])
    elif kind == "unfeature":
        items[i] = field(items[i], "featured", "false")
    elif kind == "stage":
        items[i] = field(items[i], "stage", STAGES[n % len(STAGES)])
    elif kind == "bad-code":
        items[i] = field(items[i], "subject", "not-a-subject")
    elif kind == "delete" and len(items) > 1:
        del items[i]
    elif kind == "copy":
        copy = re.sub(r"^- id: (\S+)", lambda m: f"- id: {m.group(1)}-copy{n}", items[i], count=1, flags=re.M)
        items.append(copy)
    elif kind == "move":
        other = files[(which + 1) % len(files)]
        ohead, oitems = items_of(other)
        if other != path and len(items) > 1:
            oitems.insert(n % (len(oitems) + 1), items.pop(i))
            save(other, ohead, oitems)
    elif kind == "swap":
        j = (i + 1) % len(items)
        items[i], items[j] = items[j], items[i]
    elif kind == "comment":
        items[i] = items[i].rstrip("\n") + f"\n  # 备注 {text}\n"
    save(path, head, items)


edits = st.lists(
    st.tuples(
        st.sampled_from(["title", "subject", "unfeature", "stage", "bad-code", "delete", "copy", "move", "swap", "comment"]),
        st.integers(0, 5),
        st.integers(0, 400),
        st.text(alphabet="数学勾股定理微课新版 abc", min_size=1, max_size=12).map(str.strip).filter(bool),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=edits)
def test_an_incremental_rebuild_writes_what_a_full_build_writes(live, edits):
    site, work = live
    root = site.root
    backup = {p: p.read_bytes() for p in (root / "catalog" / "resources").glob("*.yaml")}
    before = tree(site.site)
    for edit in edits:
        apply(root, edit)
    repo, report = validate_repo(root)
    if not report.valid:
        with pytest.raises(BuildError):
            site.rebuild()
        assert tree(site.site) == before, "a content error must leave the site as it was"
        for path in (root / "catalog" / "resources").glob("*.yaml"):
            path.unlink()
        for path, data in backup.items():  # back to the last good content for the next example
            path.write_bytes(data)
        done = site.rebuild()
        done.finish()
        assert done.kind == "records"
        assert tree(site.site) == before
        return
    done = site.rebuild()
    assert done.kind in ("records", "unchanged"), done
    done.finish()
    reference = work / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    build_site(root, reference, repo, report, site_url=URL)
    assert differences(tree(site.site), tree(reference)) == []


def test_a_content_error_is_reported_as_validate_reports_it(live):
    site, work = live
    path = sorted((site.root / "catalog" / "resources").glob("*.yaml"))[0]
    good = path.read_bytes()
    before = tree(site.site)
    head, items = items_of(path)
    items[0] = field(items[0], "stage", "middle")
    items[-1] = field(items[-1], "id", "Bad Id")
    save(path, head, items)
    expected = {p.render() for p in validate_repo(site.root)[1].errors}
    assert expected
    seen = []
    import logging

    class Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                seen.append(record.getMessage())

    handler = Catch()
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        with pytest.raises(BuildError):
            site.rebuild()
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
        path.write_bytes(good)
    assert expected <= set(seen)
    assert tree(site.site) == before
    done = site.rebuild()
    done.finish()
    assert done.kind == "records"
    assert tree(site.site) == before


def test_an_edit_outside_the_records_rebuilds_everything(live):
    site, _ = live
    about = site.root / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n增加的一句话。\n", encoding="utf-8")
    assert site.rebuild().kind == "full"
    assert "增加的一句话" in (site.site / "about" / "index.html").read_text(encoding="utf-8")
    assert site.rebuild().kind == "unchanged"


def test_an_edit_writes_only_the_pages_it_touches(live):
    site, _ = live
    path = site.root / "catalog" / "resources" / "junior.yaml"
    head, items = items_of(path)
    rid = re.search(r"^- id: (\S+)", items[3], re.M).group(1)
    items[3] = field(items[3], "description", "只改了简介的一条资源。")
    save(path, head, items)
    done = site.rebuild()
    done.finish()
    assert done.kind == "records"
    # its own page; no list shows the description, so no other page
    assert done.pages == [f"catalog/r/{rid}/"]
    assert "只改了简介的一条资源" in (site.site / "catalog" / "r" / rid / "index.html").read_text(encoding="utf-8")


def test_reordering_records_reorders_what_depends_on_order(live):
    """Two records swapped: no record's data changed, but the order of the stage lists, of the
    相关资源 lists and of the sitemap follows the catalog's order."""
    site, work = live
    path = site.root / "catalog" / "resources" / "junior.yaml"
    head, items = items_of(path)
    items[0], items[1] = items[1], items[0]
    save(path, head, items)
    done = site.rebuild()
    done.finish()
    assert done.kind == "records" and len(done.pages) > 1
    reference = work / "reference-order"
    build_site(site.root, reference, site_url=URL)
    assert differences(tree(site.site), tree(reference)) == []
