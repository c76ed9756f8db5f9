"""The MkDocs plugin that generates the standards, datasets and catalog pages.

Registered as ``educat`` (entry point ``mkdocs.plugins``), so plain ``mkdocs build`` and
``mkdocs serve`` work. Pages are ``File`` objects made at build time; nothing is written
into ``docs/``. Content problems stop the build with a ``PluginError`` naming the files.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from educat.core import urls
from educat.core.model import Repo
from educat.core.findings import ValidationReport
from educat.validate import validate_repo
from educat.site.catalog_pages import BROWSE_MAX
from educat.site.findindex import build_index
from educat.site.pages import SiteContent

log = logging.getLogger("mkdocs.plugins.educat")

MARKER = ".educat-site"
CONTENT_DIRS = ("standards", "datasets", "catalog")


# Material's search worker splits a Chinese query into words found in the index, but its
# loop stops one character short, so the whole query run is never tried: "数学" is searched
# as "数" whenever "数" is itself indexed. The loop bound is corrected in the built copy.
_SEGMENT_LOOP = re.compile(r"for\(let (\w+)=(\w+)\+1;\1<(\w+)\.length;\1\+\+\)\3\.slice\(\2,\1\)in (\w+)")


def compact_theme_index(site_dir: Path) -> None:
    """The theme writes its search index with every Chinese character escaped (\\uXXXX, six
    bytes); written as UTF-8 (three bytes) the same JSON is about 40 % smaller, and every page
    downloads it. Its script twin (``search_index.js``, see ``theme_index_script``) is written
    from the same text."""
    path = site_dir / "search" / "search_index.json"
    if path.is_file():
        text = json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False, separators=(",", ":"))
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".js").write_text(theme_index_script(text), encoding="utf-8")


# Loaded in <head> of every page before the theme's script (the theme's "polyfills"): makes the
# site work when opened from a folder (file://), see the script's own comments.
OFFLINE_SCRIPT = "javascripts/offline.js"


def theme_index_script(index_json: str) -> str:
    """The theme's search index as a script (``search/search_index.js``), which the theme loads
    instead of the JSON when the page was opened from a folder (``file://``), as Material's own
    ``offline`` plugin writes it. That plugin also turns off directory URLs (our URLs are a
    contract) and loads a worker stand-in from unpkg.com (no third-party requests): offline.js
    does both jobs for one output that serves a web server and a folder alike."""
    return "var __index = " + index_json + ";\n"


def fix_query_segmentation(site_dir: Path) -> bool:
    """Patch the built search worker's off-by-one; warn (strict builds fail) if not found."""
    workers = sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    for worker in workers:
        code = worker.read_text(encoding="utf-8")
        fixed, count = _SEGMENT_LOOP.subn(lambda m: m.group(0).replace(f"{m.group(1)}<{m.group(3)}", f"{m.group(1)}<={m.group(3)}", 1), code)
        if count == 1:
            worker.write_text(fixed, encoding="utf-8")
            return True
    if workers:
        log.warning("未能修正 Material 搜索的中文分词(主题版本已变化?):中文多字词的搜索结果可能不准")
    return False


NOT_FOUND = """{% extends "main.html" %}
{% block content %}
  <h1>页面不存在(404)</h1>
  <p>这个网址没有页面:可能是地址输错了,或者页面已经移动。标准的旧版本仍在原来的网址,<code>latest/</code> 总是指向最新版本。</p>
  <p><a href="{{ '.' | url }}">回到首页</a> · <a href="{{ 'find/' | url }}">全文搜索</a> · <a href="{{ 'standards/' | url }}">数据标准</a> · <a href="{{ 'catalog/' | url }}">课程资源</a></p>
{% endblock %}
"""


def log_report(report: ValidationReport) -> str | None:
    """Log a validation report as a build does (warnings at info, each error as ``路径:行号``);
    the message to stop with when it has errors, else None."""
    for problem in report.warnings:
        log.info(problem.render())
    if report.valid:
        return None
    for problem in report.sorted():
        if problem.severity == "error":
            log.error(problem.render())
    return f"内容校验失败:{len(report.errors)} 个错误(见上)。请先运行 educat validate 并修正"


class EducatConfig(Config):
    root = c.Type(str, default="")
    """Content repository root, relative to mkdocs.yml; empty means the folder of mkdocs.yml."""
    browse_max = c.Type(int, default=BROWSE_MAX)
    """The most records the catalog browse page loads for one choice of 学段/学科."""


class EducatPlugin(BasePlugin[EducatConfig]):
    def __init__(self):
        self.repo: Repo | None = None
        self.report: ValidationReport | None = None
        self.preloaded = False
        self.content: SiteContent | None = None
        # kept from the last build for the preview's incremental rebuilds (site/live.py)
        self.files: Files | None = None
        self.nav = None
        self.env = None
        self.find_files: dict[str, str] = {}

    def use(self, repo: Repo, report: ValidationReport) -> None:
        """Hand over an already validated repository (``educat build`` validates first)."""
        self.repo, self.report, self.preloaded = repo, report, True

    def content_root(self, config) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        return (base / self.config.root).resolve() if self.config.root else base

    def on_env(self, env, *, config, files):
        """The theme's 404 page says "404 - Not found" in English: ours says it in Chinese and
        offers the home page and the full-text search (links through MkDocs' ``url`` filter, which follows
        ``site_url``, so they work under a sub-path when site_url says it)."""
        from jinja2 import ChoiceLoader, DictLoader

        env.loader = ChoiceLoader([DictLoader({"404.html": NOT_FOUND}), env.loader])
        self.env = env
        return env

    def on_nav(self, nav, *, config, files):
        self.nav, self.files = nav, files
        return nav

    def on_config(self, config):
        # Material's search plugin segments Chinese with jieba, which chatters on stderr.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        if not config.site_url:  # sitemap, canonical links and datasets.json need an address
            config.site_url = urls.LOCAL_SITE_URL
        if Path(config.docs_dir, OFFLINE_SCRIPT).is_file():
            polyfills = config.extra.get("polyfills") or []
            if OFFLINE_SCRIPT not in polyfills:
                config.extra["polyfills"] = [*polyfills, OFFLINE_SCRIPT]
        else:
            log.warning(f"docs/{OFFLINE_SCRIPT} 不存在:从文件夹(file://)打开的网站将无法导航和搜索")
        return config

    def on_files(self, files: Files, *, config) -> Files:
        if not self.preloaded:
            self.repo, self.report = validate_repo(self.content_root(config))
        failed = log_report(self.report)
        if failed:
            raise PluginError(failed)
        content = self.content = SiteContent(self.repo, config.site_url or "", config.site_name, self.config.browse_max)
        self._dest = {f.dest_uri: f.src_uri for f in files}
        for page in content.pages():
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            self._add(files, File.generated(config, page.src_uri, content=page.markdown, inclusion=inclusion))
        for asset in content.assets():
            asset = asset.published()
            if asset.path is not None:
                generated = File.generated(config, asset.uri, abs_src_path=str(asset.path), inclusion=InclusionLevel.NOT_IN_NAV)
            else:
                generated = File.generated(config, asset.uri, content=asset.content, inclusion=InclusionLevel.NOT_IN_NAV)
            self._add(files, generated)
        return files

    def _add(self, files: Files, file: File) -> None:
        """Add a generated file; two outputs at one address are an error, never an overwrite."""
        if file.src_uri.startswith("/") or ".." in file.src_uri.split("/"):
            raise PluginError(f"生成的文件路径 {file.src_uri} 离开了网站目录:内容中的名称不能含 .. 或以 / 开头")
        existing = files.get_file_from_path(file.src_uri)
        if existing is not None:
            raise PluginError(f"docs/{file.src_uri} 与生成的页面同名:请改名或删除 docs/ 中的该文件")
        other = self._dest.get(file.dest_uri)
        if other is not None:
            raise PluginError(f"{file.src_uri} 与 {other} 会写到同一个网址 {file.dest_uri}:请给其中一个改名")
        self._dest[file.dest_uri] = file.src_uri
        files.append(file)

    def on_serve(self, server, *, config, builder):
        root = self.content_root(config)
        for name in CONTENT_DIRS:
            if (root / name).is_dir():
                server.watch(str(root / name))
        return server

    def on_post_page(self, output: str, *, page, config) -> str:
        # Material writes lang="zh"; the content is Simplified Chinese as used in mainland China
        output = output.replace('<html lang="zh"', '<html lang="zh-CN"', 1)
        # the theme's search dialog has no accessible name
        return output.replace('data-md-component="search" role="dialog">', 'data-md-component="search" role="dialog" aria-label="站内搜索">', 1)

    def on_post_build(self, *, config) -> None:
        fix_query_segmentation(Path(config.site_dir))
        compact_theme_index(Path(config.site_dir))
        start = time.perf_counter()
        counts = build_index(self.content.search_docs(), Path(config.site_dir))
        self.find_files = counts["files"]
        log.info(f"全文索引:{counts['docs']} 个页面,{counts['terms']} 个词,用时 {time.perf_counter() - start:.1f} 秒")
        Path(config.site_dir, MARKER).write_text("由 educat 生成的网站目录;educat build 会整体替换它。\n", encoding="utf-8")
