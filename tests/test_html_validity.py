"""The built sites against the Nu HTML Checker (vnu): our markup has no errors.

vnu comes from the npm package vnu-jar and runs on Debian's Java; ``make test`` installs both
(see the Makefile). The checker runs once over this repository's site and the mini site together;
every error must be ours to fix, except the few below that mkdocs-material's own templates make
(docs/architecture.md, "HTML 检查", lists them with their cause).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import REPO, write

VNU = REPO / ".cache/npm/node_modules/vnu-jar/build/dist/vnu.jar"
JAVA = os.environ.get("EDUCAT_JAVA", "/usr/bin/java")

# The theme's errors, each matched by vnu's exact message and the exact tag it points at, so that
# the same message on a tag of ours still fails.
THEME_ERRORS = [
    # base.html: the drawer and search toggles are checkboxes with autocomplete="off" (which
    # stops Firefox restoring their state on reload); HTML allows autocomplete only on text-like
    # inputs. Two on every page.
    (
        "Attribute “autocomplete” is only allowed when the input type is “color”, “date”, “datetime-local”, “email”, “hidden”, “month”, “number”, “password”, “range”, “search”, “tel”, “text”, “time”, “url”, or “week”.",
        r'<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox" id="__(drawer|search)" autocomplete="off">',
    ),
    # partials/toc.html labels the table of contents' title for="__toc", a checkbox that
    # partials/nav-item.html writes only for a page that is in the navigation; the generated
    # pages are left out of it on purpose (mkdocs.yml), so on them the label has no control.
    (
        "The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control.",
        r'<label class="md-nav__title" for="__toc">',
    ),
    # partials/nav-item.html writes tabindex="" (instead of leaving it out) on the label of a
    # section shown as a section: the 关于 section, on its five pages.
    (
        "Bad value “” for attribute “tabindex” on element “label”: The empty string is not a valid integer.",
        r'<label class="md-nav__link( md-nav__link--active)?" for="__nav_[0-9_]+" id="__nav_[0-9_]+_label" tabindex="">',
    ),
]

# A page with errors of the kinds fixed in our markup, checked in the same run: proves that the
# allow-list does not let them through.
CANARY = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>canary</title></head>
<body><h1>标题</h1><h3 id="x">跳过一级</h3><p id="x">重复的 id</p>
<label class="md-nav__title" for="nowhere">没有控件</label></body></html>
"""


def tag(message: dict) -> str:
    """The markup vnu points at (the highlighted part of its extract)."""
    start = message.get("hiliteStart", 0)
    return message.get("extract", "")[start : start + message.get("hiliteLength", 0)]


def allowed(message: dict) -> int | None:
    """The index of the theme error this message is, or None."""
    for i, (text, pattern) in enumerate(THEME_ERRORS):
        if message["message"] == text and re.fullmatch(pattern, tag(message)):
            return i
    return None


def is_error(message: dict) -> bool:
    return message["type"] in ("error", "non-document-error") or message.get("subType") == "fatal"


@pytest.fixture(scope="module")
def checked(real_site_dir, mini_site, tmp_path_factory):
    """{html file: [vnu error messages]} for the real site, the mini site and the canary, from
    one run of the checker."""
    assert Path(JAVA).is_file(), f"{JAVA} 不存在:请用 make test 安装 Debian 的 default-jre-headless"
    assert VNU.is_file(), f"{VNU.relative_to(REPO)} 不存在:make test 会用 npm 安装 vnu-jar"
    canary = write(tmp_path_factory.mktemp("canary") / "canary.html", CANARY)
    sites = [real_site_dir, mini_site[1]]
    run = subprocess.run(
        [JAVA, "-jar", str(VNU), "--format", "json", "--skip-non-html", "--exit-zero-always", *map(str, sites), str(canary)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    errors: dict[Path, list[dict]] = {}
    for message in json.loads(run.stderr)["messages"]:  # vnu writes its report to stderr
        if is_error(message):
            path = Path(unquote(urlsplit(message.get("url", "")).path))
            errors.setdefault(path, []).append(message)
    return sites, canary, errors


def render(path: Path, message: dict) -> str:
    return f"{path}:{message.get('lastLine', '?')}: {message['message']}  {tag(message)!r}"


def test_our_markup_has_no_html_errors(checked):
    _, canary, errors = checked
    ours = [render(path, m) for path, found in errors.items() if path != canary for m in found if allowed(m) is None]
    assert ours == [], "\n".join(ours[:50])


def test_every_page_was_checked_and_every_theme_error_still_occurs(checked):
    sites, canary, errors = checked
    for site in sites:
        # the theme's drawer toggle is on every page it renders: vnu must have reported each one
        themed = {p for p in site.rglob("*.html") if 'id="__drawer"' in p.read_text(encoding="utf-8")}
        drawer = {p for p, found in errors.items() if any(allowed(m) == 0 and "__drawer" in tag(m) for m in found)}
        assert len(themed) > 30 and themed <= drawer, sorted(map(str, themed - drawer))[:10]
    seen = {allowed(m) for path, found in errors.items() if path != canary for m in found}
    stale = [THEME_ERRORS[i][0] for i in range(len(THEME_ERRORS)) if i not in seen]
    assert stale == [], "the theme no longer makes these errors: remove them from THEME_ERRORS and docs/architecture.md"


def test_the_check_catches_errors_in_our_kind_of_markup(checked):
    _, canary, errors = checked
    found = sorted(m["message"] for m in errors.get(canary, []) if allowed(m) is None)
    assert any("skipping 1 heading level" in m for m in found), found
    assert any("Duplicate ID “x”" in m for m in found), found
    assert any("“for” attribute of the “label” element" in m for m in found), found  # not the theme's tag
