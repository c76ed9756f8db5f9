"""Dataset pages people can use: GB/T 21063 metadata, field dictionary, column profile,
preview with code names, charts, downloads (CSV with BOM, XLSX, JSON, resolved
datapackage.json), schema.org JSON-LD; the filterable index; the DCAT-AP catalogue."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import pandas as pd
from frictionless import Resource
from markupsafe import Markup

from educat.core import urls
from educat.core.cells import csv_safe, text_cells
from educat.datasets.publish import data_is_open
from educat.core.model import Dataset, DatasetResource, Repo
from educat.datasets.profile import is_numeric, numeric, profile_frame, read_frame
from educat.site.charts import bar_chart, histogram, line_chart
from educat.site.dcat import DOWNLOAD_FORMATS, Catalogue
from educat.site.common import Asset, Page, dataset_url, example_badge, front, source_files, std_url
from educat.site.html import a, block, dl, json_ld, md, rel_url, table, text
from educat.standards.template import repeatable
from educat.tables.frictionless_check import frictionless_schema

PREVIEW_ROWS = 20
FILTERS = (("theme", "主题"), ("provider", "提供方"), ("share_type", "共享类型"), ("update_cycle", "更新周期"))
def metadata_files(ds: Dataset) -> list[str]:
    """The dataset's own files that are published as they are: its metadata only. Data files
    are published through the downloads, which hold the 公开 fields alone."""
    return [name for name in source_files(ds.path) if name == "datapackage.yaml"]


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A data frame as CSV for Excel users: UTF-8 with BOM, CRLF, text cells that a spreadsheet
    would run as formulas neutralised (numbers stay numbers)."""
    safe = frame.apply(lambda column: column if pd.api.types.is_numeric_dtype(column) else column.map(csv_safe))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def download_name(res: DatasetResource, suffix: str) -> str:
    return urls.dataset_download(res.name, suffix)


def _year_field(res: DatasetResource):
    for f in res.fields:
        if f.type in ("year", "date") or (f.type == "integer" and f.name.endswith("year")):
            return f
    return None


def year_values(frame: pd.DataFrame, field) -> pd.Series:
    """The year of each row (a year, or a date's first four characters); NaN where there is none."""
    return pd.to_numeric(frame[field.name].astype(str).str.slice(0, 4), errors="coerce")


class DatasetPages:
    def __init__(self, repo: Repo, site_url: str, field_rows):
        self.repo = repo
        self.site_url = site_url
        self.field_rows = field_rows
        self._frames: dict[tuple[str, str], pd.DataFrame] = {}

    # -- data ------------------------------------------------------------------------------
    def frame(self, ds: Dataset, res: DatasetResource) -> pd.DataFrame:
        key = (ds.slug, res.name)
        if key not in self._frames:
            frame = read_frame(ds.path / str(res.path))
            self._frames[key] = frame[[f.name for f in res.fields if f.name in frame.columns]]  # published fields only
        return self._frames[key]

    def codelists(self, res: DatasetResource):
        return self.repo.field_codelists(res.fields, res.standard) if res.standard else {}

    def typed_rows(self, ds: Dataset, res: DatasetResource) -> list[dict]:
        """Rows with values of their Table Schema types (numbers, booleans, ISO dates), None when empty."""
        resource = Resource(path=str(res.path), basepath=str(ds.path), schema=frictionless_schema(res.read_fields or res.fields), encoding="utf-8-sig")
        published = {f.name for f in res.fields}
        rows = []
        with resource:
            for row in resource.row_stream:
                rows.append({k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime, dt.time)) else v) for k, v in row.to_dict().items() if k in published})
        return rows

    # -- downloads -------------------------------------------------------------------------
    def assets(self, ds: Dataset):
        base = dataset_url(ds)
        for name in metadata_files(ds):
            yield Asset(base + urls.dataset_files() + name, path=ds.path / name)
        package = {k: v for k, v in ds.meta.items() if k not in ("resources", "catalog")}
        package["catalog"] = dict(ds.catalog)
        package["resources"] = []
        for res in ds.resources:
            if data_is_open(ds):
                frame = self.frame(ds, res)
                yield Asset(base + download_name(res, "csv"), content=frame_csv(frame))
                rows = self.typed_rows(ds, res)
                yield Asset(base + download_name(res, "json"), content=json.dumps(rows, ensure_ascii=False, indent=1))
                yield Asset(base + download_name(res, "xlsx"), content=self.xlsx(res, rows))
            key = res.descriptor["schema"].get("primaryKey")
            keys = [key] if isinstance(key, str) else list(key or [])
            published = {f.name for f in res.fields}
            schema = frictionless_schema(res.fields, keys if keys and set(keys) <= published else None).to_descriptor()
            package["resources"].append({
                "name": res.name,
                "title": res.title,
                "path": f"{res.name}.csv",
                "format": "csv",
                "encoding": "utf-8-sig",
                "mediatype": "text/csv",
                "schema": schema,
                "conformsTo": f"{res.standard.ref}/{res.entity.name}" if res.entity else None,
            })
        yield Asset(base + urls.DATAPACKAGE, content=json.dumps(package, ensure_ascii=False, indent=2, default=str))

    @staticmethod
    def xlsx(res: DatasetResource, rows: list[dict]) -> bytes:
        from openpyxl import Workbook
        from openpyxl.comments import Comment

        book = Workbook()
        sheet = book.active
        sheet.title = "数据"
        sheet.append([f.name for f in res.fields])
        for cell, f in zip(sheet[1], res.fields):
            cell.comment = Comment(f"{f.title}:{f.description}", "educat")
        for row in rows:
            sheet.append([json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in (row.get(f.name) for f in res.fields)])
        stamp = dt.datetime(2000, 1, 1)  # fixed: the same data gives the same bytes
        book.properties.created = book.properties.modified = stamp
        buffer = io.BytesIO()
        text_cells(book)
        book.save(buffer)
        return repeatable(buffer.getvalue(), stamp)

    # -- the dataset page ------------------------------------------------------------------
    def page(self, ds: Dataset) -> Page:
        here = dataset_url(ds)
        meta, c = ds.meta, ds.catalog
        contact = c.get("contact") or {}
        contact_text = " ".join(str(contact.get(k, "")) for k in ("name", "phone", "email") if contact.get(k))
        licenses = Markup("、").join(a(lic.get("path", ""), lic.get("title") or lic.get("name"), external=True) if lic.get("path") else text(lic.get("name")) for lic in meta.get("licenses") or [])
        conforms = Markup("、").join(
            a(rel_url(here, std_url(r.standard)) + f"#entity-{r.entity.name}", f"{r.standard.title} {r.standard.version} / {r.entity.title}")
            + (Markup("(该标准已有新版本 {})").format(self.repo.latest(r.standard.slug).version) if self.repo.latest(r.standard.slug) is not r.standard else "")
            for r in ds.resources
            if r.entity
        )
        out = [front(ds.title, str(meta.get("description", "")), wide=True), f"# {md(ds.title)}{example_badge(meta.get('example'))}\n"]
        out.append(block(dl([
            ("摘要", meta.get("description")),
            ("提供方", c.get("provider")),
            ("责任单位", c.get("responsible_unit")),
            ("主题分类", c.get("theme")),
            ("关键词", "、".join(map(str, meta.get("keywords") or []))),
            ("更新周期", c.get("update_cycle")),
            ("共享类型", c.get("share_type")),
            ("共享条件", c.get("share_conditions")),
            ("开放属性", c.get("open_type")),
            ("发布日期", c.get("published")),
            ("更新日期", c.get("updated")),
            ("联系方式", contact_text),
            ("许可", licenses),
            ("遵循标准", conforms),
            ("来源", "、".join(str(s.get("title", "")) for s in meta.get("sources") or [])),
            ("元数据", Markup("{} · {}").format(a(urls.DATAPACKAGE, "datapackage.json(含完整字段定义)"), a(rel_url(here, urls.DATASETS_JSON), "datasets.json(DCAT-AP 目录)"))),
        ])))
        for res in ds.resources:
            out.append(self.resource_section(ds, res, here))
        if not data_is_open(ds):
            out.append("## 如何申请数据\n")
            out.append(block(Markup("<p>{}</p>").format(text(f"本数据集{c.get('open_type')}:网站只发布元数据和公开字段的字典,不发布数据。" + (f"申请条件:{c.get('share_conditions')}。" if c.get("share_conditions") else "") + (f"请联系:{contact_text}。" if contact_text else "")))))
        out.append("## 元数据文件\n")
        files = metadata_files(ds)
        out.append(block(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(a(urls.dataset_files() + f, f)) for f in files))))
        out.append(block(json_ld(self.schema_org(ds))))
        return Page(here, "\n".join(out))

    def resource_section(self, ds: Dataset, res: DatasetResource, here: str) -> str:
        frame = self.frame(ds, res) if data_is_open(ds) else pd.DataFrame()
        codelists = self.codelists(res)
        out = [f"## {md(res.title)}(`{res.name}`)\n"]
        if res.descriptor.get("description"):
            out.append(block(Markup("<p>{}</p>").format(text(res.descriptor["description"]))))
        if data_is_open(ds):
            links = [a(download_name(res, "csv"), "CSV(UTF-8 BOM,Excel 直接打开)"), a(download_name(res, "xlsx"), "XLSX"), a(download_name(res, "json"), "JSON")]
            out.append(block(Markup("<p>{} 行 · 下载:{}</p>").format(f"{len(frame):,}", Markup(" · ").join(links))))
        out.append("### 字段字典\n")
        out.append(block(table(["字段名", "中文名", "类型", "必填", "约束", "代码表", "敏感级别", "说明"], self.field_rows(res.fields, res.standard, here), "educat-fields")))
        if not data_is_open(ds):
            return "\n".join(out)
        charts = self.charts(frame, res, codelists)
        if charts:
            out.append("### 图表\n")
            out.append(block(Markup('<div class="educat-charts">{}</div>').format(Markup("").join(charts))))
        out.append("### 字段概况\n")
        out.append(block(self.profile_table(frame, res, codelists)))
        out.append(f"### 数据预览(前 {min(PREVIEW_ROWS, len(frame))} 行)\n")
        out.append(block(self.preview(frame, res, codelists)))
        return "\n".join(out)

    @staticmethod
    def profile_table(frame, res, codelists) -> Markup:
        rows = []
        for p in profile_frame(frame, res.fields, codelists):
            top = "、".join(f"{code} {name}({n})" if name != code else f"{code}({n})" for code, name, n in p.top)
            fmt = (lambda v: "" if v is None else (f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"))
            rows.append([Markup("<code>{}</code>").format(p.name), p.title, f"{p.rows:,}", f"{p.missing:,}({p.missing_pct:.1f}%)", f"{p.distinct:,}", fmt(p.minimum), fmt(p.maximum), fmt(p.mean), top])
        return table(["字段", "中文名", "行数", "缺失", "不同值", "最小值", "最大值", "平均值", "常见值(次数)"], rows, "educat-fields")

    @staticmethod
    def preview(frame, res, codelists) -> Markup:
        rows = []
        for _, row in frame.head(PREVIEW_ROWS).iterrows():
            cells = []
            for f in res.fields:
                value = row.get(f.name)
                value = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
                cells.append(f"{value} {codelists[f.name].label(value)}" if f.name in codelists and value and codelists[f.name].label(value) != value else value)
            rows.append(cells)
        return table([f.title or f.name for f in res.fields], rows, "educat-preview")

    @staticmethod
    def charts(frame: pd.DataFrame, res: DatasetResource, codelists) -> list[Markup]:
        """A bar for a coded column, a line for a time series, a histogram for a number.

        With a count (``statistic: count``) the charts add up the count, otherwise they count
        rows. A stock (``statistic_kind: stock``, e.g. enrolment) is never added up across years:
        the bar shows the latest year and says which. A flow (new entrants in a year) is added up
        across years only with the years in the title. The line adds up within each year."""
        if frame.empty:
            return []
        measure = next((f for f in res.fields if f.descriptor.get("statistic") == "count"), None)
        weight = numeric(frame, measure).fillna(0) if measure is not None else pd.Series(1, index=frame.index)
        unit = measure.title if measure is not None else "行数"
        year = _year_field(res)
        years = year_values(frame, year) if year is not None else None
        charts = []
        coded = [f for f in res.fields if f.name in codelists and 2 <= frame[f.name].nunique() <= 40]
        if coded:
            f, rows, when = coded[0], pd.Series(True, index=frame.index), ""
            if measure is not None and years is not None and years.notna().any():
                first, last = int(years.min()), int(years.max())
                if measure.descriptor.get("statistic_kind") == "flow":
                    when = f"({year.title} {first}—{last} 合计)" if first != last else f"({year.title} {last})"
                else:  # a stock, or a count that does not say: one year only
                    rows, when = years == last, f"({year.title} {last})"
            sums = weight[rows].groupby(frame.loc[rows, f.name]).sum()
            items = [(codelists[f.name].label(code), float(v)) for code, v in sums.items()]
            charts.append(bar_chart(f"按{f.title}:{unit}{when}", items))
        if years is not None:
            sums = weight.groupby(years.dropna().astype(int)).sum().sort_index()
            if len(sums) >= 2:
                charts.append(line_chart(f"按{year.title}:{unit}", [(str(k), float(v)) for k, v in sums.items()]))
        numbers = [f for f in res.fields if is_numeric(f) and f is not year and f.type != "year"]
        if numbers:
            f = numbers[0]
            charts.append(histogram(f"{f.title}的分布", numeric(frame, f).dropna().tolist()))
        return [c for c in charts if c]

    # -- machine-readable ------------------------------------------------------------------
    def absolute(self, url: str) -> str:
        return urls.absolute(self.site_url, url)

    def schema_org(self, ds: Dataset) -> dict:
        meta, c = ds.meta, ds.catalog
        node = {
            "@context": "https://schema.org",
            "@type": "Dataset",
            "@id": self.absolute(dataset_url(ds)) if self.site_url else "./",
            "url": self.absolute(dataset_url(ds)) if self.site_url else "./",
            "name": ds.title,
            "description": meta.get("description", ""),
            "keywords": [str(k) for k in meta.get("keywords") or []],
            "license": next(({"@type": "CreativeWork", "@id": lic["path"], "url": lic["path"], "name": lic.get("title") or lic.get("name") or lic["path"]} for lic in meta.get("licenses") or [] if urls.is_site_url(str(lic.get("path", "")))), None),
            "includedInDataCatalog": {"@type": "DataCatalog", "@id": self.absolute(urls.DATASETS), "name": "数据集目录", "url": self.absolute(urls.DATASETS)} if self.site_url else None,
            "isAccessibleForFree": True,
            "inLanguage": "zh-CN",
            "datePublished": c.get("published"),
            "dateModified": c.get("updated") or c.get("published"),
            "publisher": {"@type": "Organization", "name": c.get("provider")},
            "creator": {"@type": "Organization", "name": c.get("responsible_unit")},
            "distribution": [
                {"@type": "DataDownload", "name": f"{res.title}({fmt.upper()})", "encodingFormat": media, "contentUrl": self.absolute(dataset_url(ds) + download_name(res, fmt)) if self.site_url else download_name(res, fmt)}
                for res in ds.resources
                if data_is_open(ds)
                for fmt, media, _ in DOWNLOAD_FORMATS
            ],
            "variableMeasured": [f.title for res in ds.resources for f in res.fields],
        }
        return {key: value for key, value in node.items() if value is not None}

    def years(self, ds: Dataset) -> tuple[int, int] | None:
        """The smallest and largest year in the dataset's year columns (None when it has none)."""
        found = []
        for res in ds.resources if data_is_open(ds) else ():
            field = _year_field(res)
            if field is not None:
                values = year_values(self.frame(ds, res), field).dropna()
                found += [int(values.min()), int(values.max())] if len(values) else []
        return (min(found), max(found)) if found else None

    def dcat(self, title: str) -> str:
        return Catalogue(self.repo, self.site_url, self.years).json(title)

    # -- the index -------------------------------------------------------------------------
    def index(self) -> Page:
        here = urls.DATASETS
        out = [front("数据集"), "# 数据集\n", "按政务数据资源目录(GB/T 21063)的做法登记的数据集。公开的数据集只包含汇总或脱敏后的数据,不含敏感个人信息。机器可读目录:[datasets.json](" + rel_url(urls.DATASETS, urls.DATASETS_JSON) + ")(DCAT-AP,JSON-LD)。\n"]
        selects = []
        for key, label in FILTERS:
            counts = Counter(str(ds.catalog.get(key, "")) for ds in self.repo.datasets.values())
            options = Markup("").join(Markup('<option value="{v}">{v}({n})</option>').format(v=v, n=n) for v, n in sorted(counts.items()))
            selects.append(Markup('<label>{label} <select data-filter="{key}" aria-label="按{label}筛选"><option value="">全部({n})</option>{options}</select></label>').format(label=label, key=key, n=len(self.repo.datasets), options=options))
        out.append(block(Markup('<div class="educat-filters" id="dataset-filters">{}</div><p class="educat-filter-status" aria-live="polite"></p>').format(Markup("").join(selects))))
        rows = []
        for ds in self.repo.datasets.values():
            c = ds.catalog
            attrs = Markup(" ").join(Markup('data-{}="{}"').format(key.replace("_", "-"), c.get(key, "")) for key, _ in FILTERS)
            cells = [a(rel_url(here, dataset_url(ds)), ds.title), c.get("provider", ""), c.get("theme", ""), c.get("share_type", ""), c.get("open_type", ""), c.get("update_cycle", ""), c.get("published", "")]
            rows.append(Markup("<tr {}>{}</tr>").format(attrs, Markup("").join(Markup("<td>{}</td>").format(cell if isinstance(cell, Markup) else text(cell)) for cell in cells)))
        head = Markup("").join(Markup("<th>{}</th>").format(h) for h in ("数据集", "提供方", "主题", "共享类型", "开放属性", "更新周期", "发布日期"))
        out.append(block(Markup('<table id="dataset-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(head, Markup("").join(rows))))
        return Page(here, "\n".join(out), in_nav=True)
