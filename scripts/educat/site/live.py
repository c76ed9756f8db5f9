"""The preview's rebuilds (``educat serve``): after an edit of the catalog's record files, only
what the edit changed is checked and written; any other edit rebuilds the whole site.

- The first build, and every build after an edit outside ``catalog/resources/*.yaml`` (a
  standard, a dataset, docs/, mkdocs.yml, a collection, the rubric), is a full
  :func:`educat.site.build.build_site`, with two caches kept between builds: the record files'
  parsed items (``ItemCache``) and each record's findings (``RecordCache``). The build's MkDocs
  state (configuration, files, navigation, templates) is kept too.
- After an edit of record files only, the changed files are parsed again (only their changed
  items), the changed records are checked, then the catalog-wide checks run (unique ids, 专题
  items). The catalog pages are listed (``CatalogPages.plan``) and only those an edit can touch
  are made: the home page, the catalog's own pages, the 学段 lists of the stages involved, the
  pages of the changed records and of the records whose 相关资源 show or showed one of them.
  A page is written only when its Markdown changed, through MkDocs' own page build (theme,
  plugins), so it is the page a full build writes; the theme's search index, the browse index
  and, when pages were added, removed or moved, the sitemap follow. That is what the browser
  reloads for. ``Rebuilt.later`` then does the rest: the pages of other resources whose
  相关资源 show a changed one (a title at the top of a list can be on hundreds of pages), the
  downloads and the full-text index (the preview runs it in a thread).
- A content error leaves the site as it was (and the preview shows the errors); the next edit is
  compared with the last good build again.
- ``tests/test_live.py`` checks that after each kind of edit the site is byte for byte the one
  a full build writes.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable

from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkPage

from educat.catalog.validate import RecordCache
from educat.core.loader import Loader
from educat.core import urls
from educat.core.model import Record
from educat.core.yamlio import ItemCache
from educat.site.build import BuildError, build_site
from educat.site.catalog_pages import LUNR_MAX_RESOURCES
from educat.site.common import record_url
from educat.site.findindex import build_index
from educat.site.pages import SiteContent
from educat.site.plugin import CONTENT_DIRS, compact_theme_index, log_report
from educat.validate import Validator, validate_repo

log = logging.getLogger("mkdocs.plugins.educat")

RECORD_DIR = "catalog/resources"
RECORD_PAGES = urls.record("").rstrip("/") + "/"  # catalog/r/
STAGE_PAGES = urls.stage("").rstrip("/") + "/"  # catalog/stage/


def snapshot(root: Path, docs_dir: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file a build reads, by path relative to ``root``."""
    seen = {}
    for top in [root / "mkdocs.yml", docs_dir, *(root / name for name in CONTENT_DIRS)]:
        if top.is_file():
            stat = top.stat()
            seen[top.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, _, names in os.walk(top):
            for name in names:
                path = Path(folder, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                seen[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return seen


def is_record_file(rel: str) -> bool:
    folder, _, name = rel.rpartition("/")
    return folder == RECORD_DIR and "/" not in name


class _Whole(Exception):
    """The edit cannot be applied incrementally: build the whole site."""


@dataclass
class Rebuilt:
    """What one rebuild did: ``kind`` is "full", "records" or "unchanged"; ``pages`` the
    addresses of the pages written (records only), ``removed`` those deleted, ``assets`` the
    other files written. ``later`` is the rest of an incremental rebuild (the downloads and the
    full-text index, which no page shows): call :meth:`finish` before the next rebuild."""

    kind: str
    pages: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    later: Callable[[], None] | None = None

    def finish(self) -> None:
        if self.later is not None:
            later, self.later = self.later, None
            later()


class LiveSite:
    """The site of ``root`` in ``site``, kept up to date edit by edit (see the module doc)."""

    def __init__(self, root: Path, site: Path, site_url: str | None = None):
        self.root, self.site, self.site_url = Path(root).resolve(), Path(site), site_url
        self.items = ItemCache()
        self.records = RecordCache()
        self.rows: dict[int, tuple[object, list]] = {}  # the browse index's row of each record (CatalogPages.rows)
        self.config = None
        self.seen: dict[str, tuple[int, int]] = {}

    @property
    def plugin(self):
        return self.config.plugins["educat"]

    def rebuild(self, starting: Callable[[], None] | None = None) -> Rebuilt:
        """Bring the site up to date; raises ``BuildError`` (the site unchanged) on a content
        error. ``starting()`` is called before a full build (the preview says so: it takes a while)."""
        docs = self.root / "docs" if self.config is None else Path(self.config.docs_dir)
        now = snapshot(self.root, docs)
        if self.config is not None:
            changed = {rel for rel in now.keys() | self.seen.keys() if now.get(rel) != self.seen.get(rel)}
            changed = {rel for rel in changed if not rel.startswith(RECORD_DIR + "/") or is_record_file(rel) and rel.endswith(".yaml")}
            if not changed:
                return Rebuilt("unchanged")
            if all(is_record_file(rel) for rel in changed):
                try:
                    result = self._records()
                except BuildError:
                    raise  # a content error: the site stays as it was
                except Exception as exc:  # noqa: BLE001 - a defect here must not stop the preview: build it all
                    log.warning(f"增量更新出错({type(exc).__name__}: {exc}),改为重建整个网站;这是 educat 的缺陷,请报告给维护者")
                    result = None
                if result is not None:
                    self.seen = now
                    return result
        if starting is not None:
            starting()
        self._full()
        self.seen = now
        return Rebuilt("full")

    # -- the whole site ----------------------------------------------------------------------
    def _full(self) -> None:
        gc.unfreeze()
        self.records.clear()
        self.rows.clear()
        repo, report = validate_repo(self.root, items=self.items, record_cache=self.records)
        self.config = None
        build_site(self.root, self.site, repo, report, site_url=self.site_url, built=self._keep)
        # the build's objects (millions at 10,000 resources) live until the next full build: out
        # of the cyclic collector's way, so that its passes do not slow every incremental rebuild
        gc.collect()
        gc.freeze()

    def _keep(self, config) -> None:
        """The build's MkDocs state, with its output paths moved from the temporary folder to
        the site folder it was renamed to."""
        config.site_dir = str(self.site)
        self.config = config
        for file in self.plugin.files:
            _move(file, self.site)

    # -- record files only ------------------------------------------------------------------
    def _records(self) -> Rebuilt | None:
        """The incremental rebuild; None when it cannot be done incrementally."""
        plugin, config = self.plugin, self.config
        old_repo = plugin.repo
        loader = Loader(self.root, self.items)
        by_path: dict[Path, list[Record]] = {}
        for record in old_repo.records:
            by_path.setdefault(record.path, []).append(record)
        records: list[Record] = []
        for path in loader.record_files():
            rel = path.relative_to(self.root).as_posix()
            unchanged = self.seen.get(rel) is not None and self.seen.get(rel) == _stat(path)
            records.extend(by_path.get(path, []) if unchanged else loader.record_file(path))
        repo = replace(old_repo, records=records)
        validator = Validator(repo, record_cache=self.records)
        validator.catalog()
        validator.collections()
        report = validator.report
        report.findings[:0] = loader.findings
        failed = log_report(report)
        if failed:
            raise BuildError(failed)
        if (len(old_repo.records) <= LUNR_MAX_RESOURCES) != (len(records) <= LUNR_MAX_RESOURCES):
            return None  # every page's search setting changes: a full build
        content = SiteContent(repo, config.site_url or "", config.site_name, plugin.config.browse_max)
        content.catalog.rows = self.rows
        result = Rebuilt("records")
        try:
            related = self._pages(plugin.content, content, result)
        except _Whole:
            return None
        self._assets(content.catalog.index_assets(), result, index=True)
        plugin.repo, plugin.content = repo, content
        result.later = partial(self._later, content, result, related)
        return result

    def _later(self, content: SiteContent, result: Rebuilt, related: list) -> None:
        """The pages whose 相关资源 show a changed resource, the downloads and the full-text
        index; after a failure the next rebuild is a full one."""
        try:
            self._related(related, result)
            self._assets(content.catalog.export_assets(content.title), result)
            counts = build_index(content.search_docs(), self.site, previous=self.plugin.find_files)
            self.plugin.find_files = counts["files"]
        except BaseException:
            self.config = None
            raise

    def _wanted(self, old: SiteContent, new: SiteContent, old_plan: list, new_plan: list) -> tuple[set[str], set[str]]:
        """The catalog pages an edit may have changed, by address: those of the changed resources
        and the lists, and those of other resources whose 相关资源 may show a change."""
        before = {r.id: r for r in old.repo.records}
        after = {r.id: r for r in new.repo.records}
        changed = {i for i in before.keys() | after.keys() if _differs(before.get(i), after.get(i))}
        moved = [i for i in before if i in after] != [i for i in after if i in before]
        stages = {str(r.data.get("stage", "")) for r in (*(before[i] for i in changed if i in before), *(after[i] for i in changed if i in after))}
        wanted = set(_lists(old_plan, stages, every_stage=moved)) | set(_lists(new_plan, stages, every_stage=moved))
        wanted |= {record_url(after[i]) for i in changed if i in after}
        related: set[str] = set()  # the pages of unchanged resources whose 相关资源 show a change
        # a 相关资源 list holds resources of the same 学科, in catalog order: only those of a changed
        # resource's 学科 may change, unless resources moved (then any may)
        subjects = {str(r.data.get("subject", "")) for r in (*(before[i] for i in changed if i in before), *(after[i] for i in changed if i in after))}
        for rid, record in after.items():
            if rid in changed or not moved and str(record.data.get("subject", "")) not in subjects:
                continue
            was = [r.id for r in old.catalog.related(before[rid])] if rid in before else []
            now = [r.id for r in new.catalog.related(record)]
            if was != now or changed.intersection(now):
                related.add(record_url(record))
        return wanted, related

    def _pages(self, old: SiteContent, new: SiteContent, result: Rebuilt) -> None:
        plugin, config = self.plugin, self.config
        files: Files = plugin.files
        old_plan, plan = list(old.catalog.plan()), list(new.catalog.plan())
        wanted, related = self._wanted(old, new, old_plan, plan)
        made = [new.home()] + [make() for url, make in plan if url in wanted]
        old_urls = {url for url, _ in old_plan}
        new_urls = [url for url, _ in plan]
        gone = old_urls - set(new_urls)
        render, added = [], set()
        for page in made:
            file = files.get_file_from_path(page.src_uri)
            if file is None:
                file = File.generated(config, page.src_uri, content=page.markdown, inclusion=InclusionLevel.NOT_IN_NAV)
                if file.dest_uri in plugin._dest:
                    raise _Whole  # another file is written to this address: the full build says which
                plugin._dest[file.dest_uri] = file.src_uri
                MkPage(None, file, config)
                added.add(file.src_uri)
            elif file.content_string == page.markdown:
                continue
            else:
                file.content_string = page.markdown
            render.append(file)
        for url in sorted(gone):
            file = files.get_file_from_path(url + "index.md")
            if file is not None:
                Path(file.abs_dest_path).unlink(missing_ok=True)
                _prune(Path(file.abs_dest_path).parent, self.site)
                plugin._dest.pop(file.dest_uri, None)
                result.removed.append(url)
        reordered = [url for url, _ in old_plan] != new_urls  # pages added, removed or moved: the order a full build gives them
        if reordered:
            catalog = {url + "index.md" for url in old_urls | set(new_urls)}
            files = plugin.files = _reordered(files, catalog, [url + "index.md" for url in new_urls], {f.src_uri: f for f in render})
        self._render(render, result)
        if reordered:
            _build_theme_template("sitemap.xml", plugin.env, files, config, plugin.nav)
        return [make for url, make in plan if url in related]

    def _related(self, makers: list, result: Rebuilt) -> None:
        """The pages of other resources whose 相关资源 show a changed one (they exist already)."""
        files: Files = self.plugin.files
        render = []
        for make in makers:
            page = make()
            file = files.get_file_from_path(page.src_uri)
            if file.content_string != page.markdown:
                file.content_string = page.markdown
                render.append(file)
        self._render(render, result)

    def _render(self, render: list[File], result: Rebuilt) -> None:
        """Write pages through MkDocs' own page build; keep the theme's search index in step."""
        plugin, config = self.plugin, self.config
        files: Files = plugin.files
        search = config.plugins.get("search") or config.plugins.get("material/search")
        original = list(search.search_index.entries) if search is not None else []
        doc_files = files.documentation_pages()
        fresh: dict[str, list] = {}
        for file in render:
            _populate_page(file.page, config, files)
            if search is not None:
                search.search_index.entries = []
            _build_page(file.page, config, doc_files, plugin.nav, plugin.env)
            if search is not None:
                fresh[file.page.url] = search.search_index.entries
            result.pages.append(file.page.url)
        if search is not None:
            grouped: dict[str, list] = {}
            for entry in original:
                grouped.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
            merged = [entry for f in doc_files for entry in fresh.get(f.page.url, grouped.get(f.page.url, []))]
            search.search_index.entries = merged
            if merged != original:
                search.on_post_build(config=config)
                compact_theme_index(self.site)

    def _assets(self, assets, result: Rebuilt, index: bool = False) -> None:
        """Downloads and the browse index (``index``): written when changed; a browse-index file
        no longer made is removed."""
        plugin, config = self.plugin, self.config
        files: Files = plugin.files
        stale = {f.src_uri for f in files if f.src_uri.startswith(urls.CATALOG_INDEX)} if index else set()
        for asset in assets:
            asset = asset.published()
            stale.discard(asset.uri)
            data = asset.path.read_bytes() if asset.path is not None else asset.content
            data = data.encode("utf-8") if isinstance(data, str) else data
            file = files.get_file_from_path(asset.uri)
            if file is None:
                file = File.generated(config, asset.uri, content=data, inclusion=InclusionLevel.NOT_IN_NAV)
                files.append(file)
            elif file.content_bytes == data:
                continue
            else:
                file.content_bytes = data
            file.copy_file()
            result.assets.append(asset.uri)
        for uri in sorted(stale):  # a browse-index shard no longer needed
            file = files.get_file_from_path(uri)
            Path(file.abs_dest_path).unlink(missing_ok=True)
            files.remove(file)
            result.assets.append(uri)


def _differs(before: Record | None, after: Record | None) -> bool:
    if before is None or after is None:
        return before is not after
    return before.data is not after.data and repr(before.data) != repr(after.data)


def _move(file: File, site: Path) -> None:
    """Point a file's output into ``site`` (MkDocs caches the path it computed)."""
    file.dest_dir = str(site)
    file.__dict__.pop("abs_dest_path", None)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _lists(plan: list, stages: set[str], every_stage: bool):
    """The addresses of the catalog's pages other than the resources' own, and of the 学段 lists
    only those of ``stages`` (all of them when ``every_stage``)."""
    for url, _ in plan:
        if url.startswith(RECORD_PAGES):
            continue
        if url.startswith(STAGE_PAGES) and not every_stage and not any(url.startswith(urls.stage(code)) for code in stages):
            continue
        yield url


def _reordered(files: Files, catalog: set[str], order: list[str], made: dict[str, File]) -> Files:
    """``files`` with the catalog's pages in ``order`` (a full build's), where the first of them
    stood; pages no longer in ``order`` dropped."""
    result: list[File] = []
    placed = False
    for file in files:
        if file.src_uri in catalog:
            if not placed:
                result.extend(made.get(uri) or files.get_file_from_path(uri) for uri in order)
                placed = True
            continue
        result.append(file)
    if not placed:
        result.extend(made.get(uri) or files.get_file_from_path(uri) for uri in order)
    return Files(result)


def _prune(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top`` while they are empty."""
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
