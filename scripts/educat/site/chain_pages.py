"""What the site shows of standards that extend standards (standard.yaml ``extends``): the chain
on a version page (国家 → 市 → 区), each field's and code's level, the extensions on a parent's
page, and the resolved downloads of an extension (its code lists as one CSV each; an inherited
entity's source is its parent's file)."""

from __future__ import annotations

import csv
import io

from markupsafe import Markup

from educat.core import urls
from educat.core.model import Repo, Standard, level_word
from educat.site.common import std_url
from educat.site.html import a, badge, rel_url


def extensions_of(repo: Repo, std: Standard) -> list[Standard]:
    return [s for s in repo.all_standards() if s.parent is std]


def chain_rows(repo: Repo, std: Standard, here: str) -> list[tuple[str, object]]:
    """Rows for the version page's table of facts: the level, the chain, the extensions."""
    rows = []
    if std.level:
        rows.append(("层级", level_word(std.level)))
    if std.parent is not None:
        def link(s: Standard):
            name = f"{s.level or ''}{' · ' if s.level else ''}{s.title} {s.version}"
            if s is std:
                return Markup("<strong>{}</strong>").format(f"{s.level or ''}{' · ' if s.level else ''}本标准")
            if s.external:  # another bureau's standard, read from its package: not a page of this site
                return Markup("{}(标准包 <code>{}</code>)").format(name, s.external.rsplit("/", 1)[-1])
            return a(rel_url(here, std_url(s)), name)

        links = [link(s) for s in std.chain()]
        rows.append(("扩展自", Markup(" → ").join(links)))
    children = extensions_of(repo, std)
    if children:
        rows.append(("扩展标准", Markup("、").join(a(rel_url(here, std_url(s)), f"{s.title} {s.version}" + (f"({level_word(s.level)})" if s.level else "")) for s in children)))
    return rows


def level_of(std: Standard, origin: str) -> str:
    """The level of the standard in ``std``'s chain whose ref is ``origin`` (this one when empty)."""
    ref = origin or std.ref
    return next((level_word(s.level) or s.ref for s in std.chain() if s.ref == ref), ref)


def level_badge(std: Standard, origin: str) -> Markup:
    own = (origin or std.ref) == std.ref
    return badge(level_of(std, origin) + ("(本标准)" if own else ""), "educat-status")


def source_owner(std: Standard, entity: str) -> Standard:
    """The standard whose folder holds ``entity``'s YAML: an extension's own, or its parent's."""
    while std.parent is not None and entity not in std.own_entities:
        std = std.parent
    return std


def source_uri(std: Standard, entity: str) -> str:
    """Where the site serves ``entity``'s source: the YAML of the standard that defines it, or,
    for a parent read from another bureau's standard package, that package (published with the
    extension that keeps it)."""
    while std.parent is not None and entity not in std.own_entities:
        if std.parent.external:
            return urls.standard_files(std.slug, std.version) + str(std.meta.get("extends_package"))
        std = std.parent
    return urls.standard_files(std.slug, std.version) + urls.entity_download("source", entity)


def resolved_codelist_csv(std: Standard, name: str) -> str:
    """An extension's code list as one CSV: the parent's codes and its own, with their level."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["code", "name", "description", "parent", "level"])
    for c in std.codelists[name].codes.values():
        writer.writerow([c.code, c.name, c.description, c.parent, level_of(std, c.origin)])
    return out.getvalue()


def chain_registry(std: Standard) -> dict:
    """standards.json keys of a version: its level, and the chain it extends (most general first)."""
    entry = {"level": std.level or None}
    if std.parent is not None:
        entry["extends"] = std.parent.ref
        entry["chain"] = [{"standard": s.ref, "level": s.level or None, "url": std_url(s)} for s in std.chain()]
    return entry


def codelist_csv_uri(std: Standard, name: str) -> str:
    return urls.standard_files(std.slug, std.version) + urls.codelist_download("csv", name)
