"""What every page builder shares: the page and asset records, URLs, front matter."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from educat.core import urls
from educat.core.model import Dataset, Record, Standard
from educat.core.paths import is_inside
from educat.site.html import badge, rel_url, table


@dataclass
class Page:
    url: str
    markdown: str
    in_nav: bool = False

    @property
    def src_uri(self) -> str:
        return f"{self.url}index.md"


@dataclass
class Asset:
    uri: str
    path: Path | None = None
    content: str | bytes | None = None

    def published(self) -> "Asset":
        """The asset as the site serves it: a CSV always starts with a UTF-8 BOM, so that Excel
        on Windows reads its Chinese text (a source file without one is published as a copy
        with one; the file in git is not touched). A CSV that is not UTF-8 is left as it is."""
        if not self.uri.lower().endswith(".csv"):
            return self
        data = self.path.read_bytes() if self.path is not None else self.content
        data = data.encode("utf-8") if isinstance(data, str) else data
        if data.startswith(BOM):
            return self
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return self
        return Asset(self.uri, content=BOM + data)


BOM = b"\xef\xbb\xbf"


def std_url(std: Standard, version: str | None = None) -> str:
    return urls.standard_version(std.slug, version or std.version)


def codelist_url(std: Standard, name: str, here: str | None = None) -> str:
    url = urls.codelist(std.slug, std.version, name)
    return url if here is None else rel_url(here, url)


def dataset_url(ds: Dataset) -> str:
    return urls.dataset(ds.slug)


def record_url(record: Record) -> str:
    return urls.record(record.id)


def stage_url(code: str) -> str:
    return urls.stage(code)


def source_files(folder: Path) -> list[str]:
    """Files under folder offered for download; links that lead outside it are never published."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and is_inside(p, folder))


def front(title: str, description: str = "", wide: bool = False, lunr: bool = True) -> str:
    """Front matter; the theme prints these values unescaped, so they are escaped here."""
    lines = ["---", f"title: {json.dumps(str(escape(title)), ensure_ascii=False)}"]
    if wide:  # wide tables: give them the width of the empty left sidebar
        lines.append("hide: [navigation]")
    if not lunr:  # per-item pages are found through the chunked full-text index, not the lunr index
        lines.append("search:\n  exclude: true")
    if description:
        lines.append(f"description: {json.dumps(str(escape(' '.join(description.split())[:160])), ensure_ascii=False)}")
    lines.append("---\n")
    return "\n".join(lines)




def code_label(labels: dict[str, dict[str, str]], field: str, value) -> str:
    """The name of a code (or of each code in a list, joined with 、); unknown codes as written."""
    if value is None or value == "":
        return ""
    names = labels.get(field, {})
    if isinstance(value, list):
        return "、".join(names.get(str(v), str(v)) for v in value)
    return names.get(str(value), str(value))


def example_badge(flag) -> str:
    """The 示例 badge after a heading, for content that is not authoritative."""
    return " " + str(badge("示例", "educat-example")) if flag else ""


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_text(value) -> str:
    """'PT1H5M' -> '1 小时 5 分钟'; anything else is shown as written."""
    match = _DURATION.match(str(value or ""))
    if not value or not match or not any(match.groups()):
        return str(value or "")
    units = ("天", "小时", "分钟", "秒")
    return " ".join(f"{int(n)} {u}" for n, u in zip(match.groups(), units) if n)


def bar_table(label: str, counts: Counter) -> Markup:
    """A count table with a horizontal bar per row: the shape is read at a glance."""
    top = max(counts.values(), default=1)
    rows = [
        [name, n, Markup('<span class="educat-bar" style="width:{}%"></span>').format(round(100 * n / top))]
        for name, n in counts.most_common()
    ]
    return table([label, "资源数", ""], rows, "educat-bars")
