"""Turn the content models into site pages (Markdown with escaped HTML blocks) and downloads.

Each page is a ``Page(url, markdown)``; URLs are directory URLs ('' is the home page), so
the source file is ``<url>index.md``. Downloads are ``Asset(uri, path)`` or
``Asset(uri, content)``. Every page holds only its own item plus small fixed-size lists, so
the size of a page does not grow with the catalog.
"""

from __future__ import annotations

import json
import logging

from markupsafe import Markup

from educat.standards.downloads import example_rows, json_schema, sample_csv
from educat.site.chain_pages import chain_rows, codelist_csv_uri, level_badge, resolved_codelist_csv, source_owner, source_uri
from educat.site.check_panel import bundle_asset, engine_assets, npm_root
from educat.standards.package import build_package
from educat.tables.browser_check import bundle as check_bundle
from educat.standards.template import template_bytes
from educat.tables.identifiers import RULES
from educat.core import urls
from educat.datasets.publish import published_view
from educat.core.model import Entity, FieldDef, Repo, Standard, semver_key
from educat.catalog.exports import catalog_labels
from educat.site.common import Asset, Page, code_label, codelist_url, dataset_url, example_badge, front, record_url, source_files, std_url
from educat.site.html import a, badge, block, dl, md, rel_url, table, text
from educat.site.catalog_pages import BROWSE_MAX, CatalogPages, collection_url
from educat.site.dataset_pages import DatasetPages
from educat.site.findindex import Doc, snippet
from educat.site.standard_pages import api_page, check_section, codelist_page, registry, used_by_index, versions_page

FEATURED_ON_HOME = 12
PREVIEW_ROWS = 20


def files_of(std: Standard, here: str, kind: str, entity: str) -> str:
    """A link from ``here`` to one of an entity's downloads."""
    return rel_url(here, urls.standard_files(std.slug, std.version)) + urls.entity_download(kind, entity)


class SiteContent:
    """Builds every generated page and asset of the site from a validated repository."""

    def __init__(self, repo: Repo, site_url: str = urls.LOCAL_SITE_URL, title: str = "教育数据标准与资源目录", browse_max: int = BROWSE_MAX):
        repo = published_view(repo)  # the privacy gate: only what may be published reaches a page
        self.repo = repo
        self.npm = npm_root(repo.root)  # the browser check's engine (make site gets it from npm)
        if self.npm is None:
            logging.getLogger("mkdocs.plugins.educat").warning("没有找到浏览器检查引擎(.cache/npm 中的 @duckdb/duckdb-wasm 和 pyodide):标准页面不含“检查我的文件”。用 make site 构建即可自动安装")
        self.title = title
        self._labels = catalog_labels(repo)
        self.datasets = DatasetPages(repo, site_url, self._field_rows)
        self.catalog = CatalogPages(repo, self._labels, site_url, browse_max)

    def label(self, field: str, value) -> str:
        return code_label(self._labels, field, value)

    # -- everything --------------------------------------------------------------------------
    def pages(self):
        yield self.home()
        yield self.standards_index()
        used_by = used_by_index(self.repo)
        for slug, versions in sorted(self.repo.standards.items()):
            yield versions_page(self.repo, slug)
            for std in versions.values():
                yield self.standard_page(std)
                if std.openapi:
                    yield api_page(self.repo, std)
                for codelist in std.codelists.values():
                    yield codelist_page(std, codelist, used_by.get((std.slug, std.version, codelist.name), []))
        yield self.datasets.index()
        for ds in self.repo.datasets.values():
            yield self.datasets.page(ds)
        yield from self.catalog.pages()

    def search_docs(self) -> list[Doc]:
        """What /find/ searches: the latest version of each standard, the datasets, the
        collections, then the resources (精品 first, so they win ties)."""
        docs = []
        for slug in sorted(self.repo.standards):
            std = self.repo.latest(slug)
            parts = [e.title for e in std.entities.values()] + [f.title for e in std.entities.values() for f in e.fields] + [c.title or c.name for c in std.codelists.values()]
            docs.append(Doc(std.title, std_url(std), f"数据标准 · {std.version}", snippet(std.meta.get("description", "")), False, " ".join(map(str, parts))))
        for ds in self.repo.datasets.values():
            parts = [r.title for r in ds.resources] + [f.title for r in ds.resources for f in r.fields]
            docs.append(Doc(ds.title, dataset_url(ds), "数据集", snippet(ds.meta.get("description", "")), False, " ".join(map(str, parts))))
        for collection in self.repo.collections.values():
            docs.append(Doc(collection.title, collection_url(collection), "专题", snippet(collection.meta.get("description", "")), False, ""))
        for record in sorted(self.repo.records, key=lambda r: r.data.get("featured") is not True):
            d = record.data
            label = " · ".join(x for x in ["课程资源", self.label("stage", d.get("stage")), self.label("subject", d.get("subject")), self.label("resource_type", d.get("resource_type"))] if x)
            text = " ".join(str(x) for x in [self.label("grades", d.get("grades")), self.label("edition", d.get("edition")), " ".join(map(str, d.get("keywords") or [])), d.get("provider", ""), d.get("author", ""), d.get("description", "")] if x)
            docs.append(Doc(record.title, record_url(record), label, snippet(d.get("description", "")), d.get("featured") is True, text))
        return docs

    def assets(self):
        for std in self.repo.all_standards():
            base = urls.standard_files(std.slug, std.version)
            for name in source_files(std.path):
                if std.parent is None or not name.startswith("codelists/"):  # an extension's lists: the resolved whole, below
                    yield Asset(base + name, path=std.path / name)
            for entity in std.entities.values():
                yield Asset(base + urls.entity_download("table_schema", entity.name), content=self.table_schema_json(entity))
                yield Asset(base + urls.entity_download("json_schema", entity.name), content=json.dumps(json_schema(entity, std, self.repo), ensure_ascii=False, indent=2))
                yield Asset(base + urls.entity_download("template", entity.name), content=template_bytes(entity, std, self.repo))
                yield Asset(base + urls.entity_download("sample_csv", entity.name), content=sample_csv(entity, example_rows(std, entity)))
                yield bundle_asset(base + urls.entity_download("check_bundle", entity.name), check_bundle(self.repo, std, entity))
            for codelist in std.codelists.values():
                codes = [{"code": c.code, "name": c.name, "description": c.description, "parent": c.parent} for c in codelist.codes.values()]
                yield Asset(base + urls.codelist_download("json", codelist.name), content=json.dumps({"name": codelist.name, "title": codelist.title, "source": codelist.source, "codes": codes}, ensure_ascii=False, indent=2))
                if std.parent is not None:
                    yield Asset(codelist_csv_uri(std, codelist.name), content=resolved_codelist_csv(std, codelist.name))
            yield Asset(urls.standard_package(std.slug, std.version), content=build_package(self.repo, std))
        if self.npm is not None:
            yield from engine_assets(self.npm)
            # /standards/<slug>/latest/ always points at the newest version.
        yield Asset(urls.STANDARDS_JSON, content=registry(self.repo, self.std_files))
        for slug in self.repo.standards:
            latest = urls.standard_latest(slug)
            yield Asset(latest + "index.html", content=_redirect(rel_url(latest, urls.standard_version(slug, self.repo.latest(slug).version))))
        for ds in self.repo.datasets.values():
            yield from self.datasets.assets(ds)
        yield Asset(urls.DATASETS_JSON, content=self.datasets.dcat(self.title))
        yield from self.catalog.assets(self.title)

    @staticmethod
    def std_files(std: Standard) -> dict:
        base = urls.standard_files(std.slug, std.version)
        files = {
            "entities": {name: {kind: source_uri(std, name) if kind == "source" else base + urls.entity_download(kind, name) for kind in urls.ENTITY_DOWNLOADS} for name in std.entities},
            "codelists": {name: {fmt: base + urls.codelist_download(fmt, name) for fmt in urls.CODELIST_DOWNLOADS} for name in std.codelists},
        }
        if std.openapi:
            files["openapi"] = base + urls.OPENAPI_FILE
        files["package"] = urls.standard_package(std.slug, std.version)
        return files

    @staticmethod
    def table_schema_json(entity: Entity) -> str:
        return json.dumps(entity.descriptor, ensure_ascii=False, indent=2)

    # -- home ---------------------------------------------------------------------------------
    def home(self) -> Page:
        repo = self.repo
        records = repo.records
        featured = sorted((r for r in records if r.data.get("featured") is True), key=lambda r: str(r.data.get("review_date", "")), reverse=True)
        counts = [
            ("数据标准", len(repo.standards), "standards/"),
            ("实体", sum(len(s.entities) for s in (repo.latest(x) for x in repo.standards)), "standards/"),
            ("代码表", sum(len(s.codelists) for s in (repo.latest(x) for x in repo.standards)), "standards/"),
            ("数据集", len(repo.datasets), "datasets/"),
            ("课程资源", len(records), urls.CATALOG),
            ("精品资源", len(featured), urls.CATALOG),
        ]
        cards = Markup("").join(
            Markup('<a class="educat-count" href="{}"><strong>{}</strong><span>{}</span></a>').format(rel_url("", url), n, label)
            for label, n, url in counts
        )
        out = [front("首页", "教育数据标准、数据集字典与课程资源目录"), "# 教育数据标准与资源目录\n"]
        out.append("本站发布教育局的**数据标准**、**数据集字典**和经过遴选的**课程资源目录**,全部内容由 git 仓库中的文件生成并经过校验。学校可以查阅标准与代码表,厂商可以对照接口规范和字段字典自查数据,教师可以按学段、学科查找精品资源。")
        out.append(block(Markup('<div class="educat-counts">{}</div>').format(cards)))
        if featured:
            out.append("## 精品资源\n")
            rows = [
                [a(rel_url("", record_url(r)), r.title), self.label("stage", r.data.get("stage")), self.label("subject", r.data.get("subject")), self.label("resource_type", r.data.get("resource_type")), r.data.get("review_date", "")]
                for r in featured[:FEATURED_ON_HOME]
            ]
            out.append(block((table(["资源", "学段", "学科", "类型", "审核日期"], rows))))
            out.append(f"[查看全部 {len(records)} 条课程资源](catalog/index.md)\n")
        if repo.collections:
            out.append("## 专题\n")
            items = Markup("").join(
                Markup("<li>{} <small>{} 条 · {}</small></li>").format(a(rel_url("", collection_url(c)), c.title), len(c.items), c.meta.get("curator", ""))
                for c in repo.collections.values()
            )
            out.append(block(Markup("<ul>{}</ul>").format(items)))
        out.append("## 数据标准\n")
        out.append(block(self._standards_table("")))
        out.append("## 数据集\n")
        out.append(block(self._datasets_table("")))
        return Page("", "\n".join(out), in_nav=True)

    # -- standards ----------------------------------------------------------------------------
    def _standards_table(self, here: str) -> Markup:
        rows = []
        for slug in sorted(self.repo.standards):
            std = self.repo.latest(slug)
            rows.append([
                a(rel_url(here, std_url(std)), std.title),
                Markup("<code>{}</code>").format(slug),
                std.version,
                badge(std.status, "educat-status"),
                std.meta.get("publisher", ""),
                std.meta.get("date", ""),
                len(std.entities),
            ])
        return table(["标准", "标识", "最新版本", "状态", "发布单位", "发布日期", "实体数"], rows)

    def standards_index(self) -> Page:
        out = [front("数据标准"), "# 数据标准\n"]
        out.append("市—区—校三级数据标准体系中由本局发布的标准。每个标准列出实体(数据表)的字段字典、代码表和样例,并提供原始文件下载。地址 `/standards/<标识>/<版本>/` 长期有效,`/standards/<标识>/latest/` 总是指向最新版本。\n")
        out.append(block(self._standards_table("standards/")))
        return Page(urls.STANDARDS, "\n".join(out), in_nav=True)

    def standard_page(self, std: Standard) -> Page:
        here = std_url(std)
        meta = std.meta
        out = [front(f"{std.title} {std.version}", str(meta.get("scope", "")), wide=True), f"# {md(std.title)}{example_badge(meta.get('example'))}\n"]
        refs = Markup("<br>").join(Markup("{} {}").format(r.get("code", ""), r.get("title", "")) for r in meta.get("references") or [] if isinstance(r, dict))
        versions = sorted(self.repo.standards[std.slug], key=semver_key)
        others = Markup(" ").join(a(rel_url(here, std_url(std, v)), v) for v in versions if v != std.version)
        history = a(rel_url(here, urls.standard(std.slug)) + f"#v-{std.version.replace('.', '-')}", "与上一版本的差异") if versions.index(std.version) > 0 else a(rel_url(here, urls.standard(std.slug)), "版本与变更")
        out.append(block(dl([
            ("标识", Markup("<code>{}</code>").format(std.slug)),
            ("版本", std.version),
            ("其他版本", others),
            ("变更", history),
            ("状态", badge(std.status, "educat-status")),
            *chain_rows(self.repo, std, here),
            ("发布单位", meta.get("publisher")),
            ("发布日期", meta.get("date")),
            ("适用范围", meta.get("scope")),
            ("规范性引用文件", refs),
        ])))
        if meta.get("description"):
            out.append(block(Markup("<p>{}</p>").format(text(meta["description"]))))
        if meta.get("example"):
            out.append('!!! note "示例"\n    本标准是为演示而编写的示例文本,不是正式发布的官方标准;其中引用的国家标准代码以原标准为准。\n')
        out.append("## 实体与字段字典\n")
        for entity in std.entities.values():
            out.append(self._entity_section(std, entity, here))
        rules = sorted({f.rule for e in std.entities.values() for f in e.fields if f.rule in RULES})
        if rules:
            out.append("## 校验规则\n")
            out.append(block(table(["规则", "说明"], [[RULES[r].title, RULES[r].explanation] for r in rules])))
        if std.codelists:
            out.append("## 代码表\n")
            rows = [
                [a(codelist_url(std, cl.name, here), cl.title or cl.name), Markup("<code>{}</code>").format(cl.name), len(cl.codes), "是" if any(c.parent for c in cl.codes.values()) else "", cl.source]
                for cl in std.codelists.values()
            ]
            out.append(block(table(["代码表", "标识", "代码数", "层级", "来源"], rows)))
        if std.examples:
            out.append("## 样例\n")
            rows = []
            for ex in std.examples:
                expected = "合规" if ex.expected is None else "应报错:" + ";".join(f"第 {r} 行 {f or '-'} {t}" for r, f, t in ex.expected)
                rows.append([a(rel_url(here, urls.standard_files(std.slug, std.version)) + f"examples/{ex.file}", ex.file), ex.entity, ex.description, expected])
            out.append(block(table(["文件", "实体", "说明", "校验结果"], rows)))
        out.append(check_section(self.repo, std, here, lambda e: files_of(std, here, "template", e.name), self.npm is not None))
        if std.openapi:
            out.append("## 接口规范\n")
            out.append(block(Markup("<p>{}(按接口列出方法、路径、参数、请求与响应字段和示例报文)· OpenAPI 3.1 原文:{}</p>").format(a(rel_url(here, urls.standard_api(std.slug, std.version)), "查看全部接口"), a(rel_url(here, urls.standard_files(std.slug, std.version)) + urls.OPENAPI_FILE, "openapi.yaml"))))
        out.append("## 下载\n")
        files = source_files(std.path)
        folder = rel_url(here, urls.standard_files(std.slug, std.version))
        links = [a(folder + f, f) for f in files] + [a(files_of(std, here, "table_schema", e), f"{urls.entity_download('table_schema', e)}(Table Schema)") for e in std.entities]
        links += [a(files_of(std, here, "json_schema", e), f"{urls.entity_download('json_schema', e)}(JSON Schema)") for e in std.entities]
        links += [a(files_of(std, here, "template", e), f"{urls.entity_download('template', e)}(填报模板)") for e in std.entities]
        package = urls.standard_package(std.slug, std.version)
        links += [a(rel_url(here, package), f"{package.rsplit('/', 1)[-1]}(标准包:不在内容仓库中用 educat check 检查数据时用它)")]
        links += [a(rel_url(here, urls.STANDARDS_JSON), "standards.json(全部标准的机器可读登记表)")]
        out.append(block(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(x) for x in links))))
        return Page(here, "\n".join(out))

    def _field_rows(self, fields: list[FieldDef], std: Standard, here: str):
        rows = []
        for f in fields:
            cons = f.constraints
            parts = []
            for key, label in (("unique", "唯一"), ("pattern", "格式"), ("minimum", "最小值"), ("maximum", "最大值"), ("minLength", "最短"), ("maxLength", "最长"), ("enum", "取值")):
                if key in cons and key != "required":
                    parts.append(label if cons[key] is True else f"{label} {cons[key]}")
            if f.rule in RULES:
                parts.append(f"规则:{RULES[f.rule].title}")
            codelist = ""
            if f.codelist:
                try:
                    owner, cl = self.repo.resolve(str(f.codelist), "codelist", std)
                    codelist = a(codelist_url(owner, cl.name, here), cl.title or cl.name)
                except LookupError:
                    codelist = text(f.codelist)
            sens = f.sensitivity
            rows.append([
                Markup("<code>{}</code>").format(f.name), f.title, f.type, "是" if f.required else "否",
                ";".join(parts), codelist, badge(sens, "educat-sensitive" if sens == "敏感个人信息" else "educat-sens"),
                Markup("{}<br>权威来源:{}").format(f.description, f.descriptor["authority"]) if f.descriptor.get("authority") else f.description,
            ])
        return rows

    def _entity_section(self, std: Standard, entity: Entity, here: str) -> str:
        head = f"### {md(entity.title)}(`{entity.name}`) {{#entity-{entity.name}}}\n"
        owner = source_owner(std, entity.name)  # an extension's inherited entity: its parent
        desc = Markup("<p>{}</p>").format(text(entity.description))
        links = [
            a(files_of(std, here, "template", entity.name), "XLSX 填报模板"),
            a(files_of(std, here, "sample_csv", entity.name), "样例 CSV(UTF-8 BOM,Excel 可直接打开)"),
            a(files_of(std, here, "table_schema", entity.name), "Table Schema"),
            a(files_of(std, here, "json_schema", entity.name), "JSON Schema 2020-12"),
            a(rel_url(here, source_uri(std, entity.name)), "YAML 源文件" if owner is std else f"源文件(上级标准 {owner.ref})"),
        ]
        downloads = Markup("<p>下载:{}</p>").format(Markup(" · ").join(links))
        rows = self._field_rows(entity.fields, std, here)
        headers = ["字段名", "中文名", "类型", "必填", "约束", "代码表", "敏感级别", "说明"]
        if std.parent is not None:  # an extension: which level defines each field
            headers.insert(1, "层级")
            rows = [[row[0], level_badge(std, f.origin), *row[1:]] for row, f in zip(rows, entity.fields)]
        return head + block(desc + downloads + table(headers, rows, "educat-fields"))

    # -- datasets -----------------------------------------------------------------------------
    def _datasets_table(self, here: str) -> Markup:
        rows = []
        for ds in self.repo.datasets.values():
            c = ds.catalog
            rows.append([a(rel_url(here, dataset_url(ds)), ds.title), c.get("provider", ""), c.get("theme", ""), c.get("share_type", ""), c.get("open_type", ""), c.get("update_cycle", ""), c.get("published", "")])
        return table(["数据集", "提供方", "主题", "共享类型", "开放属性", "更新周期", "发布日期"], rows)


def _redirect(target: str) -> str:
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        # opened from a folder (file://), the folder's index.html, not its listing
        f'<script>if(location.protocol==="file:")location.replace("{target}index.html")</script>'
        f'<link rel="icon" href="data:,"><meta http-equiv="refresh" content="0; url={target}"><link rel="canonical" href="{target}">'
        f'<title>跳转到最新版本</title></head><body><p><a href="{target}">跳转到最新版本</a></p></body></html>\n'
    )
