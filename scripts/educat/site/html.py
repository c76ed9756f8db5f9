"""Small, escaping-by-default HTML helpers for generated pages.

Every value from content goes through ``markupsafe.escape``; only ``Markup`` built here is
trusted. Links are made only for http, https and mailto URLs.
"""

from __future__ import annotations

import json
import posixpath
import re

from markupsafe import Markup, escape

from educat.core.model import as_browser_reads

SAFE_SCHEMES = ("http://", "https://", "mailto:")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def text(value) -> Markup:
    """Escaped text; newlines become <br> so a raw HTML block never contains a blank line."""
    if value is None:
        return Markup("")
    return Markup("<br>").join(escape(str(value)).split("\n"))


def md(value) -> str:
    """Text that is safe inside a Markdown line (headings, list items)."""
    flat = " ".join(str(value).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def is_safe_url(url) -> bool:
    """Only http(s) and mailto links, judged as the browser reads them (entities decoded,
    controls and whitespace dropped), and never with whitespace or markup inside."""
    if not isinstance(url, str) or any(c in url for c in "\n\r\t <>\"'`"):
        return False
    return url.lower().startswith(SAFE_SCHEMES) and as_browser_reads(url).lower().startswith(SAFE_SCHEMES)


def a(href: str, label, *, external: bool = False, cls: str = "") -> Markup:
    attrs = Markup(' class="{}"').format(cls) if cls else Markup("")
    if external:
        if not is_safe_url(href):
            return text(label)
        attrs += Markup(' rel="noopener noreferrer"')
    return Markup('<a href="{}"{}>{}</a>').format(href, attrs, label if isinstance(label, Markup) else text(label))


def table(headers, rows, cls: str = "") -> Markup:
    head = Markup("").join(Markup("<th>{}</th>").format(h) for h in headers)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(Markup("<td>{}</td>").format(c if isinstance(c, Markup) else text(c)) for c in row))
        for row in rows
    )
    html = Markup("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(head, body)
    # Material styles only tables without a class, so a class goes on a wrapper.
    return Markup('<div class="{}">{}</div>').format(cls, html) if cls else html


def dl(items) -> Markup:
    """A definition list from (label, value) pairs; empty values are skipped.

    The search indexer keeps only the text: a ":" after each label (hidden, the page lays out
    labels and values in columns) and a space after each value keep "学段:初中 年级:八年级"
    apart instead of "学段初中年级八年级". Spaces between grid items are not shown."""
    parts = [
        Markup("<dt>{}<span hidden>:</span></dt> <dd>{}</dd> ").format(label, value if isinstance(value, Markup) else text(value))
        for label, value in items
        if value not in (None, "", [])
    ]
    return Markup('<dl class="educat-meta">{}</dl>').format(Markup("").join(parts))


def badge(label, kind: str = "") -> Markup:
    return Markup('<span class="educat-badge {}">{}</span>').format(kind, label)


def preformatted(value: str) -> Markup:
    """Program output shown as it is: escaped, in one line of HTML (newlines as &#10;), so no
    cell value can close a Markdown fence or end the HTML block with a blank line."""
    return Markup('<div class="highlight"><pre><code>{}</code></pre></div>').format(Markup("&#10;").join(escape(line) for line in str(value).split("\n")))


def block(html: Markup) -> str:
    """A raw HTML block for a Markdown page, surrounded by blank lines."""
    return f"\n\n{html}\n\n"


def rel_url(from_url: str, to_url: str) -> str:
    """Relative link between two site URLs ('' is the home page; directory URLs end in '/')."""
    start = from_url.rstrip("/") or "."
    target = to_url or "."
    result = posixpath.relpath(target.rstrip("/") or ".", start)
    if to_url.endswith("/") or to_url == "":
        result = result.rstrip("/") + "/" if result != "." else "./"
    return result


def json_ld(data: dict) -> Markup:
    """JSON-LD in a script element that cannot be broken out of."""
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<script type="application/ld+json">{}</script>').format(Markup(payload))
