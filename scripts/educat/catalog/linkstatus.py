"""Link health: the one table of status names, the result of checking one URL, the status
file ``catalog/linkcheck.json`` that ``educat linkcheck`` writes and the site reads, and the
result of a whole run as findings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from typing import ClassVar

from educat.core import jsonio
from educat.core.findings import Finding, Result
from educat.core.model import Record
from educat.core.paths import rel, write_atomic

STATUS_FILE = Path("catalog") / "linkcheck.json"
STATUSES = ("ok", "redirected", "broken", "error", "skipped")
# The names people read, on the site and in ``educat linkcheck``.
STATUS_NAMES = {"ok": "正常", "redirected": "已跳转", "broken": "失效", "error": "无法访问", "skipped": "未检查"}
FAILED = ("broken", "error")
PERMANENT_REDIRECTS = (301, 308)


def public_url(url: str | None) -> str | None:
    """A redirect target as it may be published: scheme, host, port and path only."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LinkResult:
    """The outcome of checking one URL.

    ``http_status`` and ``final_url`` describe the last response received (``final_url`` is the
    URL that gave it, None when no response came). ``redirects`` lists every redirect answer as
    (status, absolute Location). ``attempts`` counts tries of the whole check, 0 when skipped.
    """

    url: str
    status: str  # one of STATUSES
    http_status: int | None = None
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    error: str = ""
    checked_at: str = ""
    attempts: int = 0

    @property
    def permanent(self) -> bool | None:
        """True when every redirect was permanent (301/308): the catalog should use final_url."""
        if not self.redirects:
            return None
        return all(code in PERMANENT_REDIRECTS for code, _ in self.redirects)

    def describe(self) -> str:
        """One line in Chinese for the text report."""
        if self.status == "ok":
            return f"正常(HTTP {self.http_status})"
        if self.status == "redirected":
            codes = " → ".join(str(code) for code, _ in self.redirects)
            if self.permanent:
                return f"永久重定向({codes})到 {public_url(self.final_url)};请把目录中的地址改为新地址"
            return f"临时重定向({codes})到 {public_url(self.final_url)};一般无需修改"
        return self.error

    def to_dict(self) -> dict:
        """The entry written to the status file (the URL is its key there). Redirect targets
        lose their query, fragment and user name: they may carry a session token."""
        return {
            "status": self.status,
            "http_status": self.http_status,
            "final_url": public_url(self.final_url),
            "redirects": [[code, public_url(location)] for code, location in self.redirects],
            "permanent": self.permanent,
            "error": self.error,
            "checked_at": self.checked_at,
            "attempts": self.attempts,
        }


# -- collecting the URLs ---------------------------------------------------------------------
def urls_of(records: Iterable[Record]) -> dict[str, list[str]]:
    """URL → ids of the records that link to it, in catalog order; records without a URL are left out."""
    result: dict[str, list[str]] = {}
    for record in records:
        url = record.data.get("url")
        if not isinstance(url, str) or not url.strip():
            continue
        ids = result.setdefault(url, [])
        if record.id not in ids:
            ids.append(record.id)
    return result


# -- the status file -------------------------------------------------------------------------
def summarize(results: dict[str, LinkResult]) -> dict[str, int]:
    """Status → number of links, every status present."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results.values():
        counts[result.status] += 1
    return counts


def status_document(results: dict[str, LinkResult], ids_by_url: dict[str, list[str]]) -> dict:
    """What the status file holds, also printed by ``educat linkcheck --format json``."""
    links = {url: {**result.to_dict(), "resources": sorted(set(ids_by_url.get(url, [])))} for url, result in results.items()}
    checked_at = max((r.checked_at for r in results.values()), default=now())
    return {"checked_at": checked_at, "summary": summarize(results), "links": links}


def write_status(path: Path, results: dict[str, LinkResult], ids_by_url: dict[str, list[str]]) -> None:
    """Write the status file atomically, keys sorted and one value a line, so that it diffs well."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(status_document(results, ids_by_url), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"))


def read_status(path: Path) -> dict:
    """The status file as written by ``write_status``; {} when it does not exist yet."""
    path = Path(path)
    fix = "删除该文件后重新运行 educat linkcheck"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ValueError(f"{path}:链接检查结果文件不是 UTF-8 文本;{fix}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason, _ = jsonio.explain(exc)
        raise ValueError(f"{path}:{exc.lineno}:链接检查结果文件不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列:{reason});{fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("links"), dict):
        raise ValueError(f"{path}:链接检查结果文件缺少 links 对象;{fix}")
    error = next(iter(status_errors(data)), None)
    if error is not None:
        raise ValueError(f"{path}:{error};{fix}")
    return data


def status_errors(data) -> list[str]:
    """What is wrong with a status document, each naming its JSON pointer; [] when it is valid."""
    from jsonschema import Draft202012Validator

    from educat.core.metaschemas import LINKCHECK

    found = []
    for err in sorted(Draft202012Validator(LINKCHECK).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in err.absolute_path) or "/"
        found.append(f"{pointer} 不符合链接检查结果的格式({err.validator}:{str(err.message)[:120]})")
    return found



# -- a run as findings -----------------------------------------------------------------------
# Severity of a link that needs attention; "ok" links are not findings.
SEVERITY = {"broken": "error", "error": "error", "redirected": "info", "skipped": "warning"}
NOTES = {
    "broken": "核对资源地址;资源已下架时删除该记录或换成新地址",
    "error": "稍后重试;一直无法访问时核对地址或联系资源提供方",
    "skipped": "写成以 http:// 或 https:// 开头的完整网址",
}


@dataclass
class LinkcheckResult(Result):
    """What ``educat linkcheck`` found: one finding per link that needs attention, at the first
    record that uses it. Broken and unreachable links are errors; a permanent redirect is a
    warning (update the address), a temporary one only a note."""

    links: dict[str, LinkResult] = field(default_factory=dict)
    ids_by_url: dict[str, list[str]] = field(default_factory=dict)
    status_file: str = ""

    command: ClassVar[str] = "linkcheck"

    @classmethod
    def of(cls, links: dict[str, LinkResult], records: list[Record], root: Path, status_file: str = "") -> "LinkcheckResult":
        first: dict[str, Record] = {}
        for record in records:
            url = record.data.get("url")
            if isinstance(url, str):
                first.setdefault(url, record)
        result = cls(links=links, ids_by_url=urls_of(records), status_file=status_file)
        for status in ("broken", "error", "redirected", "skipped"):
            for url in sorted(u for u, r in links.items() if r.status == status):
                link, record = links[url], first.get(url)
                severity = "warning" if status == "redirected" and link.permanent else SEVERITY[status]
                result.add(Finding(
                    type=f"link-{status}",
                    severity=severity,
                    message=f"{STATUS_NAMES[status]}:{url}:{link.describe()}",
                    note=NOTES.get(status, "把目录中的地址改为新地址" if link.permanent else ""),
                    path=rel(record.path, root) if record else "",
                    line=record.line_of("url") if record else None,
                    field="url",
                    value=url,
                    related="、".join(result.ids_by_url.get(url, [])),
                ))
        return result

    def extra_stats(self) -> dict:
        return {"links": len(self.links), **summarize(self.links)}

    def context(self) -> dict:
        return {"status_file": self.status_file, **status_document(self.links, self.ids_by_url)}

    def headline(self) -> list[str]:
        counts = summarize(self.links)
        parts = ",".join(f"{STATUS_NAMES[s]} {counts[s]}" for s in STATUSES)
        lines = [f"检查了 {len(self.links)} 个链接:{parts}。"]
        if counts["error"] and counts["error"] == len(self.links) - counts["skipped"]:
            lines.append("所有链接都无法访问:可能是本机没有联网,或需要设置代理(环境变量 HTTPS_PROXY)。")
        return lines

    def summary(self) -> list[str]:
        lines = [f"结果已写入 {self.status_file}。"] if self.status_file else []
        broken = sum(1 for r in self.links.values() if r.status in FAILED)
        lines.append(f"不通过:{broken} 个链接失效或无法访问。" if broken else "通过:没有失效或无法访问的链接。")
        return lines
