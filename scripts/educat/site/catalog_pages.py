"""The course-resource catalog on the site: the faceted browse page and its sharded JSON index,
one page per resource (related resources, LearningResource JSON-LD, link health), stage lists,
collections (专题), the 精品 rubric and the link-health report.

The browse index is split: ``catalog/index/meta.json`` holds the facet vocabularies, the counts
(also per 学段 and 学科) and the newest records; records live in shards of at most SHARD_SIZE of
one 学段, grouped by 学科, so a teacher who picks a 学段 and a 学科 downloads about that part only.
A 学段 and 学科 together always load; a broader choice that would load more than BROWSE_MAX
records is refused with a hint instead. Every index file is also written as a script
(``findindex.data_script``), which catalog.js loads: it works from a folder (file://) too."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import cache, partial

from markupsafe import Markup

from educat.catalog.linkstatus import STATUS_FILE, STATUS_NAMES, read_status
from educat.catalog.records import Rubric, load_rubric
from educat.catalog.exports import FORMATS, learning_resource, license_codes, license_urls, memberships, newest
from educat.core import urls
from educat.core.model import Collection, Record, Repo
from educat.site.common import Asset, Page, bar_table, code_label, duration_text, example_badge, front, record_url, stage_url
from educat.site.html import a, badge, block, dl, is_safe_url, json_ld, md, rel_url, table, text
from educat.site.findindex import data_script, snippet

SHARD_SIZE = 1000  # records per shard; the 学科 of one 学段 are packed in order, a large 学科 spans shards
# The browse page loads the shards of the chosen 学段 (and 学科) and filters in the browser; a
# choice broader than one 学段 and 学科 that would load more records than this asks the user to
# narrow it (or to use the full-text search), so a phone never downloads much of a big catalog.
BROWSE_MAX = 5000  # about 1.2 MB of index
# Up to this many resources, resource pages are also in the theme's lunr index (its search box);
# beyond it, only the split full-text index of /find/ (findindex.py) holds them, which stays small at
# any size; listing pages (stage lists, the rubric) then leave the theme's index too.
LUNR_MAX_RESOURCES = 200
STAGE_PAGE_SIZE = 200
RUBRIC_LIST = 100  # the rubric page lists the most recently reviewed 精品, never the whole catalog
NEWEST = 40
DESCRIPTION_CHARS = 40  # the browse list's one-line description (about 120 bytes a record in the index)
RELATED = 6
FACETS = (  # (field, label, multi-valued)
    ("stage", "学段", False),
    ("grades", "年级", True),
    ("subject", "学科", False),
    ("edition", "教材版本", False),
    ("resource_type", "资源类型", False),
    ("audience", "受众", True),
    ("license", "许可", False),
)


def collection_url(collection: Collection) -> str:
    return urls.collection(collection.slug)


class CatalogPages:
    def __init__(self, repo: Repo, labels: dict[str, dict[str, str]], site_url: str, browse_max: int = BROWSE_MAX):
        self.repo = repo
        self.browse_max = browse_max
        self.labels = labels
        self.site_url = site_url
        self.links = self._link_status()
        self.rubric: Rubric = load_rubric(repo.root)[0]
        order = list(labels.get("grades", {}))
        self.grade_order = {code: i for i, code in enumerate(order)}
        self.subject_order = {code: i for i, code in enumerate(labels.get("subject", {}))}
        self._related = self._related_index()
        self.licenses = license_urls(repo, site_url)
        self.parts = memberships(repo, site_url)
        # id(record data) -> (data, browse-index row), kept by the preview between rebuilds (a
        # row depends on the record alone); None: rows are made afresh
        self.rows: dict[int, tuple[object, list]] | None = None

    def label(self, field: str, value) -> str:
        return code_label(self.labels, field, value)

    def subject_key(self, code) -> tuple:
        """学科 in the order of their code list (as the curriculum lists them), unknown codes last."""
        return (self.subject_order.get(str(code), len(self.subject_order)), str(code))

    def _link_status(self) -> dict:

        try:
            return (read_status(self.repo.root / STATUS_FILE) or {}).get("links", {})
        except ValueError:
            return {}  # validate reports a corrupt status file; the site simply shows no status

    # -- all of it -------------------------------------------------------------------------
    def plan(self):
        """Every catalog page in site order, as ``(url, make)``: ``make()`` returns the Page. The
        preview's incremental rebuild (``site/live.py``) knows every address without writing
        the pages and makes only those an edit may have changed."""
        yield urls.CATALOG, self.browse
        yield urls.CATALOG_STATS, self.stats_page
        yield urls.FIND, find_page
        for code, records in self.by_stage().items():
            yield from self.stage_plan(code, records)
        for record in self.repo.records:
            yield record_url(record), partial(self.record_page, record)
        for collection in self.repo.collections.values():
            yield collection_url(collection), partial(self.collection_page, collection)
        yield urls.CATALOG_RUBRIC, self.rubric_page
        yield urls.CATALOG_LICENSES, self.license_page
        yield urls.CATALOG_LINKS, self.link_report

    def pages(self):
        for _, make in self.plan():
            yield make()

    def assets(self, title: str):
        yield from self.index_assets()
        yield from self.export_assets(title)

    def index_assets(self):
        """The browse index (catalog.js reads it)."""
        meta, shards = self.index()
        for name, data in [("meta.json", meta), *shards.items()]:
            content = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            yield Asset(urls.CATALOG_INDEX + name, content=content)
            # the same data as a script, which catalog.js reads (also from a folder, file://)
            yield Asset(urls.CATALOG_INDEX + name.removesuffix(".json") + ".js", content=data_script(content))

    def export_assets(self, title: str):
        """The whole catalog as downloads (JSON, CSV, JSON-LD, Atom)."""
        for fmt, (filename, make) in FORMATS.items():
            yield Asset(filename, content=make(self.repo, self.site_url, title))

    # -- the browse index ------------------------------------------------------------------
    def by_stage(self) -> dict[str, list[Record]]:
        groups: dict[str, list[Record]] = defaultdict(list)
        for record in self.repo.records:
            groups[str(record.data.get("stage", ""))].append(record)
        order = list(self.labels.get("stage", {}))
        return dict(sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))

    def row(self, record: Record) -> list:
        """A compact record for the browse index: codes as they are, names live in meta.json."""
        if self.rows is None:
            return self._row(record.data)
        known = self.rows.get(id(record.data))
        if known is None or known[0] is not record.data:
            known = self.rows[id(record.data)] = (record.data, self._row(record.data))
        return known[1]

    def _row(self, d: dict) -> list:
        return [
            str(d.get("id", "")), str(d.get("title", "")), d.get("stage", ""), list(d.get("grades") or []), d.get("subject", ""), d.get("edition", "") or "",
            d.get("resource_type", ""), list(d.get("audience") or []), d.get("license", ""), 1 if d.get("featured") is True else 0,
            str(d.get("published", "")), str(d.get("provider", "")), " ".join(map(str, d.get("keywords") or [])),
            snippet(str(d.get("description", "") or ""), DESCRIPTION_CHARS),
        ]

    def index(self) -> tuple[dict, dict[str, list]]:
        shards: dict[str, list] = {}
        shard_list = []
        stage_subject: dict[str, dict[str, int]] = {}
        subject_key = self.subject_key
        for stage, records in self.by_stage().items():
            by_subject: dict[str, list[Record]] = defaultdict(list)
            for record in records:
                by_subject[str(record.data.get("subject", "") or "")].append(record)
            ordered = sorted(by_subject.items(), key=lambda kv: subject_key(kv[0]))
            stage_subject[stage] = {subject: len(group) for subject, group in ordered}
            rows: list[Record] = [r for _, group in ordered for r in group]
            for start in range(0, len(rows), SHARD_SIZE):
                part = rows[start : start + SHARD_SIZE]
                name = f"{stage}-{start // SHARD_SIZE}.json"
                shards[name] = [self.row(r) for r in part]
                subjects = sorted({str(r.data.get("subject", "") or "") for r in part}, key=subject_key)
                shard_list.append({"stage": stage, "subjects": subjects, "file": name, "count": len(part)})
        counts = {field: Counter() for field, _, _ in FACETS}
        for record in self.repo.records:
            for field, _, multi in FACETS:
                values = record.data.get(field) or []
                for value in values if multi else [values]:
                    if value:
                        counts[field][str(value)] += 1
        meta = {
            "columns": ["id", "title", "stage", "grades", "subject", "edition", "resource_type", "audience", "license", "featured", "published", "provider", "keywords", "description"],
            "facets": [{"field": f, "label": label, "multi": multi, "names": list(self.labels.get(f, {}).items())} for f, label, multi in FACETS],
            "grade_parent": {c: p for c, p in self.grade_parents().items()},
            "counts": {f: dict(c) for f, c in counts.items()},
            "featured": sum(1 for r in self.repo.records if r.data.get("featured") is True),
            "total": len(self.repo.records),
            "shards": shard_list,
            "stage_subject": stage_subject,
            "browse_max": self.browse_max,
            "newest": [self.row(r) for r in newest(self.repo.records)[:NEWEST]],
        }
        return meta, shards

    def grade_parents(self) -> dict[str, str]:
        std = self.repo.catalog_standard
        codelist = std.codelists.get("grade") if std else None
        return {c.code: c.parent for c in codelist.codes.values()} if codelist else {}

    def browse(self) -> Page:
        """The page teachers use: a keyword, the facets folded into one box (closed on a phone,
        so the results are on the first screen; catalog.js opens it on a wide screen), then the
        results, each with its type, grade, edition and one line of description."""
        here = urls.CATALOG
        records = self.repo.records
        out = [front("课程资源"), "# 课程资源\n"]
        out.append(f"经过遴选的 {len(records)} 条课程资源,可按学段、年级、学科、教材版本和资源类型查找。标“精品”的资源满足公开的[精品标准](rubric/)。\n")
        selects = Markup("").join(
            Markup('<label class="educat-facet">{label}<select data-facet="{field}" aria-label="按{label}筛选"><option value="">全部</option></select></label>').format(label=label, field=field)
            for field, label, _ in FACETS
        )
        app = Markup(
            '<form class="educat-catalog" id="catalog-app" role="search" aria-label="筛选课程资源" data-index="index/meta.js" onsubmit="return false">'
            '<div class="educat-searchline">'
            '<label class="educat-facet educat-keyword">关键词<input type="search" data-facet="q" placeholder="如:有理数、微课" aria-label="关键词"></label>'
            '<label class="educat-check"><input type="checkbox" data-facet="featured" value="1"> 只看精品</label></div>'
            '<details class="educat-filterbox"><summary>筛选条件<span class="educat-chosen"></span></summary>'
            '<div class="educat-facets">{selects}'
            '<label class="educat-facet">排序<select data-facet="sort" aria-label="排序"><option value="newest">最新发布</option><option value="title">按标题</option></select></label>'
            '<button type="button" data-action="reset">清除筛选</button></div></details>'
            '<p class="educat-status" role="status" aria-live="polite">正在载入资源索引……</p>'
            '<ol class="educat-results"></ol>'
            '<nav class="educat-pager" aria-label="分页"></nav>'
            "<noscript><p>浏览器未启用 JavaScript:请按下方学段列表浏览。</p></noscript>"
            "</form>"
        ).format(selects=selects)
        out.append(block(app))
        out.append("## 按学段浏览\n")
        stages = [Markup("<li>{}({} 条)</li>").format(a(rel_url(here, stage_url(code)), self.label("stage", code)), len(group)) for code, group in self.by_stage().items()]
        out.append(block(Markup('<ul class="educat-inline">{}</ul>').format(Markup("").join(stages))))
        collections = [a(rel_url(here, collection_url(c)), c.title) for c in self.repo.collections.values()]
        if collections:
            out.append("## 专题\n")
            out.append(block(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(x) for x in collections))))
        out.append("## 统计、下载与订阅\n")
        files = {fmt: (name, rel_url(urls.CATALOG, name)) for fmt, name in urls.CATALOG_EXPORTS.items()}
        out.append(
            f"[资源统计]({rel_url(here, urls.CATALOG_STATS)})(各学段、学科、资源类型的数量)· "
            + "[{0[0]}]({0[1]}) · [{1[0]}]({1[1]})(UTF-8 BOM,Excel 可直接打开)· [{2[0]}]({2[1]})(schema.org)· [{3[0]}]({3[1]})(Atom,新增资源)".format(*(files[f] for f in ("json", "csv", "jsonld", "atom")))
            + f"· [链接检查报告]({rel_url(urls.CATALOG, urls.CATALOG_LINKS)})\n"
        )
        return Page(here, "\n".join(out), in_nav=True)

    def stats_page(self) -> Page:
        """How the catalog is spread over 学段, 学科 and 资源类型: for the bureau, on a page of its
        own, so the browse page stays a list for teachers."""
        here = urls.CATALOG_STATS
        records = self.repo.records
        featured = sum(1 for r in records if r.data.get("featured") is True)
        out = [front("资源统计"), "# 课程资源统计\n", f"共 {len(records)} 条课程资源,其中精品 {featured} 条。按条件查找资源请用[课程资源]({rel_url(here, urls.CATALOG)})页。\n"]
        stage_rows = [[a(rel_url(here, stage_url(code)), self.label("stage", code)), len(group), sum(1 for r in group if r.data.get("featured") is True)] for code, group in self.by_stage().items()]
        out.append("## 学段\n")
        out.append(block(table(["学段", "资源数", "精品数"], stage_rows)))
        out.append("## 学科\n")
        out.append(block(bar_table("学科", Counter(self.label("subject", r.data.get("subject")) for r in records))))
        out.append("## 资源类型\n")
        out.append(block(bar_table("资源类型", Counter(self.label("resource_type", r.data.get("resource_type")) for r in records))))
        return Page(here, "\n".join(out))

    def stage_plan(self, code: str, records: list[Record]):
        """The static list of a 学段, STAGE_PAGE_SIZE per page, so no page grows with the catalog:
        ``(url, make)`` for each of its pages."""
        ordered = cache(lambda: sorted(records, key=lambda r: (self.subject_key(r.data.get("subject", "")), self.grade_key(r), r.title)))  # once, when a page is made
        pages = max(1, -(-len(records) // STAGE_PAGE_SIZE))
        for number in range(1, pages + 1):
            yield urls.stage(code, number), lambda number=number: self.stage_page(code, ordered(), number, pages)

    def stage_pages(self, code: str, records: list[Record]):
        for _, make in self.stage_plan(code, records):
            yield make()

    def stage_page(self, code: str, records: list[Record], number: int, pages: int) -> Page:
        """Page ``number`` of ``pages`` of a 学段's list (``records`` in list order)."""
        name = self.label("stage", code)
        small = len(self.repo.records) <= LUNR_MAX_RESOURCES
        here = urls.stage(code, number)
        chunk = records[(number - 1) * STAGE_PAGE_SIZE : number * STAGE_PAGE_SIZE]
        title = f"{name}课程资源" + (f"(第 {number} 页)" if number > 1 else "")
        out = [front(title, lunr=number == 1 and small), f"# {md(title)}\n", f"共 {len(records)} 条,第 {number} / {pages} 页。按学科、年级排列;按条件筛选请用[课程资源]({rel_url(here, urls.CATALOG)})页。\n"]
        rows = [
            [a(rel_url(here, record_url(r)), r.title), self.label("grades", r.data.get("grades")), self.label("subject", r.data.get("subject")), self.label("edition", r.data.get("edition")), self.label("resource_type", r.data.get("resource_type")), badge("精品", "educat-featured") if r.data.get("featured") is True else ""]
            for r in chunk
        ]
        out.append(block((table(["资源", "年级", "学科", "教材版本", "类型", ""], rows))))
        links = []
        if number > 1:
            links.append(a(rel_url(here, urls.stage(code, number - 1)), "上一页"))
        if number < pages:
            links.append(a(rel_url(here, urls.stage(code, number + 1)), "下一页"))
        if links:
            out.append(block(Markup('<nav class="educat-pager" aria-label="分页">{}</nav>').format(Markup(" · ").join(links))))
        return Page(here, "\n".join(out))

    # -- one resource ----------------------------------------------------------------------
    def grade_key(self, record: Record) -> int:
        grades = [self.grade_order.get(str(g), 99) for g in record.data.get("grades") or []]
        return min(grades) if grades else 99

    def _related_index(self) -> dict[tuple[str, str], list[Record]]:
        index: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in self.repo.records:
            for grade in record.data.get("grades") or [""]:
                index[(str(record.data.get("subject", "")), str(grade))].append(record)
        return index

    def related(self, record: Record) -> list[Record]:
        """Same subject and grade first, then the next grade; at most RELATED, never itself."""
        subject = str(record.data.get("subject", ""))
        grades = [str(g) for g in record.data.get("grades") or [""]]
        order = sorted(self.grade_order, key=self.grade_order.get)
        following = [order[self.grade_order[g] + 1] for g in grades if g in self.grade_order and self.grade_order[g] + 1 < len(order)]
        seen, result = {record.id}, []
        for grade in grades + following:
            for other in self._related.get((subject, grade), []):
                if other.id not in seen:
                    seen.add(other.id)
                    result.append(other)
                if len(result) >= RELATED:
                    return result
        return result

    def record_page(self, record: Record) -> Page:
        d = record.data
        here = record_url(record)
        url = d.get("url", "")
        link = a(url, Markup("{} ↗").format(url), external=True, cls="educat-linkout") if is_safe_url(url) else text(url)
        health = self.links.get(url)
        if health and health.get("status") in ("broken", "error", "redirected"):
            kind = "educat-sensitive" if health["status"] != "redirected" else "educat-status"
            detail = health.get("error") or (f"已跳转到 {health.get('final_url')}" if health.get("final_url") else "")
            link = link + Markup(" {} <small>{}(检查于 {})</small>").format(badge(STATUS_NAMES.get(health["status"], ""), kind), detail, str(health.get("checked_at", ""))[:10])
        out = [front(record.title, str(d.get("description", "")), lunr=len(self.repo.records) <= LUNR_MAX_RESOURCES), f"# {md(record.title)}{example_badge(d.get('example'))}\n"]
        if d.get("featured") is True:
            out.append(block(Markup('<div class="educat-featured-box">{} <strong>入选理由:</strong>{}<br><strong>审核人:</strong>{} · <strong>审核日期:</strong>{} · {}</div>').format(
                badge("精品", "educat-featured"), text(d.get("featured_reason", "")), text(d.get("reviewer", "")), text(d.get("review_date", "")), a(rel_url(here, urls.CATALOG_RUBRIC), "精品标准"))))
        out.append(block(dl([
            ("访问地址", link),
            ("简介", d.get("description")),
            ("学段", a(rel_url(here, stage_url(str(d.get("stage")))), self.label("stage", d.get("stage")))),
            ("年级", self.label("grades", d.get("grades"))),
            ("学科", self.label("subject", d.get("subject"))),
            ("教材版本", self.label("edition", d.get("edition"))),
            ("资源类型", self.label("resource_type", d.get("resource_type"))),
            ("格式", self.label("format", d.get("format"))),
            ("适用对象", self.label("audience", d.get("audience"))),
            ("访问方式", self.label("access", d.get("access"))),
            ("提供方", d.get("provider")),
            ("作者(名师)", d.get("author")),
            ("时长", duration_text(d.get("duration"))),
            ("许可", self.license_link(here, d.get("license"))),
            ("关键词", "、".join(map(str, d.get("keywords") or []))),
            ("发布日期", d.get("published")),
        ])))
        related = self.related(record)
        if related:
            out.append("## 相关资源\n")
            items = Markup("").join(
                Markup("<li>{} <small>{} · {} · {}</small></li>").format(a(rel_url(here, record_url(r)), r.title), self.label("grades", r.data.get("grades")), self.label("subject", r.data.get("subject")), self.label("resource_type", r.data.get("resource_type")))
                for r in related
            )
            out.append(block((Markup("<ul>{}</ul>").format(items))))
        data = learning_resource(record, self.labels, self.site_url, self.licenses, self.parts.get(record.id))
        if not self.site_url:  # relative IRIs resolve against this page
            data["@id"] = data["url"] = "./"
        out.append(block(json_ld(data)))
        return Page(here, "\n".join(out))

    # -- collections, rubric, link health --------------------------------------------------
    def collection_page(self, collection: Collection) -> Page:
        here = collection_url(collection)
        by_id = {r.id: r for r in self.repo.records}
        meta = collection.meta
        out = [front(collection.title, str(meta.get("description", ""))), f"# {md(collection.title)}{example_badge(meta.get('example'))}\n"]
        out.append(block(dl([("简介", meta.get("description")), ("编选", meta.get("curator")), ("资源数", str(len(collection.items)))])))
        rows = []
        for number, rid in enumerate(collection.items, start=1):
            r = by_id.get(rid)
            if r is not None:
                rows.append([number, a(rel_url(here, record_url(r)), r.title), self.label("stage", r.data.get("stage")), self.label("subject", r.data.get("subject")), self.label("resource_type", r.data.get("resource_type")), badge("精品", "educat-featured") if r.data.get("featured") is True else ""])
        out.append(block((table(["", "资源", "学段", "学科", "类型", ""], rows))))
        return Page(here, "\n".join(out))

    def rubric_page(self) -> Page:
        here = urls.CATALOG_RUBRIC
        r = self.rubric
        out = [front(r.title, lunr=len(self.repo.records) <= LUNR_MAX_RESOURCES), f"# {md(r.title)}\n"]
        if r.introduction:
            out.append(block(Markup("<p>{}</p>").format(text(r.introduction))))
        out.append("## 入选条件\n")
        checks = [
            f"许可不能是:{'、'.join(self.label('license', x) for x in r.excluded_licenses)}",
            f"访问方式必须是:{self.label('access', r.required_access)}",
            f"审核日期距今不超过 {r.review_max_age_months} 个月",
            "必须写明入选理由、审核人和审核日期",
        ]
        out.append(block(Markup("<ol>{}</ol>").format(Markup("").join(Markup("<li>{}</li>").format(c) for c in r.criteria or checks))))
        out.append("## 自动核对的规则\n")
        out.append("`educat validate` 在每次发布前对每条精品资源核对以下规则,不满足的记录会让校验失败(错误类型 `rubric-error`):\n")
        out.append(block(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(c) for c in checks))))
        featured = sorted((x for x in self.repo.records if x.data.get("featured") is True), key=lambda x: str(x.data.get("review_date", "")), reverse=True)
        shown = featured[:RUBRIC_LIST]
        more = f",下面列出最近审核的 {len(shown)} 条;全部精品可在[课程资源](../)页勾选“只看精品”" if len(shown) < len(featured) else ""
        out.append(f"## 当前精品资源\n\n共 {len(featured)} 条{more}。\n")
        rows = [[a(rel_url(here, record_url(x)), x.title), self.label("stage", x.data.get("stage")), self.label("subject", x.data.get("subject")), x.data.get("reviewer", ""), x.data.get("review_date", "")] for x in shown]
        out.append(block((table(["资源", "学段", "学科", "审核人", "审核日期"], rows))))
        return Page(here, "\n".join(out))

    def explained_here(self, code: str) -> bool:
        """True when the licence has no public text and our licence page explains it."""
        return self.licenses.get(code) == urls.absolute(self.site_url, urls.license(code))

    def license_link(self, here: str, code) -> Markup | str:
        """A record's licence, linked to its text (Creative Commons) or to our explanation."""
        if code not in self.licenses:
            return self.label("license", code)
        if self.explained_here(str(code)):
            return a(rel_url(here, urls.CATALOG_LICENSES) + "#" + str(code), self.label("license", code))
        return a(self.licenses[code], self.label("license", code), external=True)

    def license_page(self) -> Page:
        """Every licence code: its Chinese name, what it allows, and the official text where one
        exists. The JSON-LD ``license`` of a licence without a public URL points here."""
        here = urls.CATALOG_LICENSES
        out = [front("使用许可"), "# 使用许可\n", "课程资源记录中的“许可”代码及其含义。知识共享(Creative Commons)许可链接到官方文本;其他许可由本页说明,资源的机器可读元数据(JSON-LD)中的许可网址指向本页对应的条目。\n"]
        counts = Counter(str(r.data.get("license")) for r in self.repo.records)
        for entry in license_codes(self.repo):
            code, url = entry.code, self.licenses[entry.code]
            own = self.explained_here(code)
            name = entry.name
            lines = [Markup('<h2 id="{}">{}</h2>').format(code, name), Markup("<p>代码 <code>{}</code> · 本目录中 {} 条资源</p>").format(code, counts.get(code, 0))]
            if own and entry.description:
                lines.append(Markup("<p>{}</p>").format(text(entry.description)))
            if not own:
                lines.append(Markup("<p>许可全文:{}</p>").format(a(url, url, external=True)))
            out.append(block(Markup("\n").join(lines)))
        return Page(here, "\n".join(out))

    def link_report(self) -> Page:
        here = urls.CATALOG_LINKS
        out = [front("链接检查报告"), "# 链接检查报告\n"]
        if not self.links:
            out.append("尚未运行链接检查。维护人员运行 `educat linkcheck` 后,结果写入 `catalog/linkcheck.json`,下次构建时显示在这里和各资源页上。\n")
            return Page(here, "\n".join(out))
        ids_by_url: dict[str, list[Record]] = defaultdict(list)
        for record in self.repo.records:
            ids_by_url[str(record.data.get("url", ""))].append(record)
        summary = Counter(v.get("status") for v in self.links.values())
        checked = max((str(v.get("checked_at", "")) for v in self.links.values()), default="")
        out.append(f"最近一次检查:{md(checked[:19].replace('T', ' '))}(UTC)。共 {len(self.links)} 个链接:" + ",".join(f"{md(STATUS_NAMES.get(k, k))} {n}" for k, n in sorted(summary.items(), key=str)) + "。\n")
        rows = []
        for url, result in sorted(self.links.items(), key=lambda kv: (kv[1].get("status") == "ok", kv[0])):
            if result.get("status") == "ok":
                continue
            resources = Markup("、").join(a(rel_url(here, record_url(r)), r.title) for r in ids_by_url.get(url, []))
            rows.append([STATUS_NAMES.get(result.get("status"), result.get("status")), text(url), result.get("http_status") or "", result.get("error") or result.get("final_url") or "", resources])
        if rows:
            out.append(block(table(["状态", "链接", "HTTP", "说明", "资源"], rows)))
        else:
            out.append("全部链接正常。\n")
        return Page(here, "\n".join(out))


# the /find/ page body; find.js runs it (also used on its own by the browser tests)
FIND_FORM = Markup(
    '<form id="educat-find" class="educat-find" role="search" data-index="idx/" data-root="../">'
    '<label for="educat-find-text">检索词</label> '
    '<input id="educat-find-text" name="text" type="search" autocomplete="off" placeholder="如:勾股定理、数学 微课"> '
    '<button type="submit" class="md-button md-button--primary">搜索</button>'
    "</form>"
    '<p id="educat-find-status" class="educat-find-status" role="status" aria-live="polite"></p>'
    '<ol id="educat-find-results" class="educat-find-results"></ol>'
    '<button id="educat-find-more" type="button" class="md-button" hidden>更多结果</button>'
    '<noscript>全文搜索需要启用 JavaScript;也可以在<a href="../catalog/">课程资源</a>页按条件浏览。</noscript>'
)


def find_page() -> Page:
    """/find/: full-text search over the split index of ``findindex`` (docs/javascripts/find.js)."""
    here = urls.FIND
    intro = (
        "输入课题、知识点或资源类型,在全部课程资源中查找,例如“勾股定理”“数学 微课”“七年级 英语”;数据标准、数据集和专题也能搜到。"
        "几个词用空格隔开,找同时含有这些词的资源;只记得词的开头(如“勾股”)也可以。"
        "搜索后浏览器地址栏中的网址可以直接发给同事,打开就是同样的结果。\n"
    )
    out = [front("全文搜索", lunr=False), "# 全文搜索\n", intro, block(FIND_FORM)]
    return Page(here, "\n".join(out), in_nav=True)
