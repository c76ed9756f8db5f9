"""What every content check shares: the report it fills, findings located by file and line,
plain-text and JSON-Schema checks of authored YAML. The checks of each content kind live with
it (``standards/validate.py``, ``datasets/validate.py``, ``catalog/validate.py``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from jsonschema import Draft202012Validator

from educat.core import urls
from educat.core.findings import Finding, ValidationReport
from educat.core.model import Repo, as_browser_reads, has_html
from educat.core.paths import is_inside, not_regular, rel
from educat.core.yamlio import LineDict, LineList


def _line_for(data, path_parts) -> int | None:
    """The line of the deepest known node along a JSON path in LineDict/LineList data."""
    line = getattr(data, "line", None)
    node = data
    for part in path_parts:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def _pointer(parts) -> str:
    return ".".join(str(p) for p in parts)


# Script in a hand-written page: a <script> tag, an on…= handler attribute, a javascript: URL.
DOCS_SCRIPT = re.compile(r"<\s*script\b|<[^>]*\son[a-z]+\s*=|(?:javascript|vbscript)\s*:", re.I)


SITE_URL_LINE = re.compile(r"^site_url\s*:\s*(.*?)\s*(?:#.*)?$")


class ValidatorBase:
    """Holds the repository and the report; the per-kind checks are mixed in by ``educat.validate``."""

    def __init__(self, repo: Repo, today: dt.date | None = None, record_cache=None):
        self.repo = repo
        self.record_cache = record_cache  # catalog.validate.RecordCache, or None
        self.today = today or dt.date.today()
        self.root = repo.root
        self.report = ValidationReport()
        self._validators: dict[int, Draft202012Validator] = {}
        self.bad_entities: set[int] = set()

    # -- helpers ---------------------------------------------------------------------------
    def add(self, type_, message, path: Path, line=None, note="", **kw) -> None:
        self.report.add(Finding(type=type_, message=message, path=rel(path, self.root), line=line, note=note, **kw))

    def html_in(self, data, path: Path, parts=()) -> None:
        """Authored text is plain text: HTML markup anywhere is refused with the key's line."""
        if isinstance(data, dict):
            for key, value in data.items():
                self.html_in(value, path, parts + (key,))
        elif isinstance(data, list):
            for index, value in enumerate(data):
                self.html_in(value, path, parts + (index,))
        elif has_html(data):
            self.add("html-error", f"“{_pointer(parts)}” 含有 HTML 标记或 javascript: 地址", path, _line_for(self._root_doc, list(parts)), note="内容是纯文本:删除尖括号标记;网站会按原样显示文字")

    def personal_in(self, data, path: Path, parts=()) -> None:
        """Published metadata carries no personal data (a 联系方式 block is the unit's official
        contact and is left alone); the value is shown masked."""
        from educat.datasets.privacy import personal_data

        if isinstance(data, dict):
            for key, value in data.items():
                if key != "contact":
                    self.personal_in(value, path, parts + (key,))
        elif isinstance(data, list):
            for index, value in enumerate(data):
                self.personal_in(value, path, parts + (index,))
        else:
            for kind, label, masked in personal_data(data):
                self.add("privacy-error", f"“{_pointer(parts)}” 中有疑似{label} “{masked}”:元数据会公开发布", path, _line_for(self._root_doc, list(parts)), note="删除或脱敏;单位的公务联系方式写在 contact 中")

    def check_meta(self, data, schema: dict, path: Path) -> bool:
        """JSON-Schema check of an authored YAML file; problems carry the key's line."""
        self._root_doc = data
        self.html_in(data, path)
        self.personal_in(data, path)
        validator = self._validators.setdefault(id(schema), Draft202012Validator(schema))
        ok = True
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            ok = False
            parts = list(error.absolute_path)
            where = _pointer(parts)
            prefix = f"“{where}” " if where else ""
            if error.validator == "additionalProperties":
                extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
                for key in extra:
                    known = "、".join(error.schema.get("properties", {}))
                    self.add(
                        "unknown-field",
                        f"未知字段 “{_pointer(parts + [key])}”",
                        path,
                        _line_for(data, parts + [key]),
                        note=f"检查拼写;此处允许的字段:{known}",
                    )
                continue
            if error.validator == "required":
                missing = re.findall(r"'([^']+)' is a required property", error.message)
                key = missing[0] if missing else "?"
                self.add("missing-field", f"{prefix}缺少必填字段 “{key}”", path, _line_for(data, parts), note=f"添加 {key}: …")
            elif error.validator == "enum":
                allowed = "、".join(map(str, error.validator_value))
                self.add("enum-error", f"{prefix}的值 “{error.instance}” 不在允许值中", path, _line_for(data, parts), note=f"改为以下之一:{allowed}")
            elif error.validator == "pattern":
                self.add("pattern-error", f"{prefix}的值 “{error.instance}” 格式不对", path, _line_for(data, parts), note=f"应匹配 {error.validator_value}")
            elif error.validator == "maxLength":
                self.add("length-error", f"{prefix}有 {len(error.instance)} 个字符,超过上限 {error.validator_value}", path, _line_for(data, parts), note="缩短文字;长篇说明放在 docs/ 的页面中")
            elif error.validator == "type":
                self.add("type-error", f"{prefix}的类型不对(应为 {error.validator_value})", path, _line_for(data, parts), note="检查是否缺了引号或写成了列表/映射")
            else:
                self.add("schema-error", f"{prefix}{error.message}", path, _line_for(data, parts), note="按内容格式说明修改")
        return ok

    def cell_problems(self, problems: list[Finding], path: Path, line_of=None, severity: str = "error") -> None:
        for p in problems:
            line = line_of(p) if line_of else p.row
            self.add(p.type, p.message, path, line, note=p.note, row=None if line_of else p.row, field=p.field or "", severity=severity)

    # -- the site's address --------------------------------------------------------------------
    def site_config(self) -> None:
        """mkdocs.yml's site_url: the sitemap, canonical links, feed and datasets.json are built
        on it. Without one a build uses the preview address, fine on this machine only."""
        path = self.root / "mkdocs.yml"
        if not path.is_file() or not_regular(path):
            return
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        found = next(((n, m.group(1).strip().strip("'\"")) for n, line in enumerate(lines, start=1) if (m := SITE_URL_LINE.match(line))), None)
        how = "在 mkdocs.yml 中写一行 site_url: https://网站域名/路径/(网站实际对外的地址,以 / 结尾),或构建时用 educat build --site-url https://…/"
        if found is None or not found[1]:
            self.add("site-url-missing", f"没有设置 site_url:构建时将使用本机预览地址 {urls.LOCAL_SITE_URL},站点地图、规范链接、订阅和 datasets.json 中的网址都会以它开头,只适合在本机查看", path, found[0] if found else None, note="正式发布前" + how, severity="info")
        elif not found[1].startswith("!") and not urls.is_site_url(found[1]):
            self.add("site-url-error", f"site_url “{found[1]}” 不是完整的网址", path, found[0], note=how)

    # -- the bureau's own pages ----------------------------------------------------------------
    def docs_pages(self) -> None:
        """docs/ pages are hand-written and trusted, but script in them runs on every reader's
        browser: raw <script>, event-handler attributes and javascript: URLs are warned about."""
        folder = self.root / "docs"
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*.md")):
            if not is_inside(path, self.root) or not_regular(path):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                found = DOCS_SCRIPT.search(line) or DOCS_SCRIPT.search(as_browser_reads(line))
                if found:
                    self.add("script-warning", f"页面中有会在读者浏览器里运行的代码:{found.group(0)[:40]}", path, number, note="删除它;需要交互时写进 docs/javascripts/ 并在 mkdocs.yml 中登记,由维护者审核", severity="warning")
