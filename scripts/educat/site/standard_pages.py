"""Pages around a standard that vendors and schools use: code lists (with their hierarchy and
the fields that use them), the version history with diffs, the "检查你的数据" section and the
machine-readable registry ``standards.json``."""

from __future__ import annotations

import json
from collections import defaultdict

from markupsafe import Markup

from educat.tables.check import check_file
from educat.standards.diff import diff_standards, is_breaking
from educat.core import urls
from educat.core.model import CodeList, Repo, Standard, semver_key
from educat.site.api_page import render_api
from educat.standards.openapi.document import load_openapi
from educat.site import chain_pages, check_panel
from educat.site.common import Page, codelist_url, front, std_url
from educat.site.html import a, badge, block, dl, md, preformatted, rel_url, table

CHECK_EXAMPLE_LIMIT = 4


def used_by_index(repo: Repo) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    """(slug, version, code list) -> [(label, url)] of every entity or dataset field that uses it."""
    index: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)

    def note(fields, base, label, url):
        for f in fields:
            if not f.codelist:
                continue
            try:
                owner, cl = repo.resolve(str(f.codelist), "codelist", base)
            except LookupError:
                continue
            index[(owner.slug, owner.version, cl.name)].append((f"{label} · {f.name}({f.title})", url))

    for std in repo.all_standards():
        for entity in std.entities.values():
            note(entity.fields, std, f"{std.title} {std.version} / {entity.title}", f"{std_url(std)}#entity-{entity.name}")
    for ds in repo.datasets.values():
        for res in ds.resources:
            if res.standard is not None:
                local = [f for f in res.fields if res.entity is None or res.entity.field(f.name) is not f]
                note(local, res.standard, f"数据集 {ds.title} / {res.title}", urls.dataset(ds.slug))
    return index


def _tree(codelist: CodeList, parents: CodeList | None = None) -> Markup:
    """Nested lists of the hierarchy; with ``parents`` the roots are that list's codes (学段 → 年级)."""
    children = defaultdict(list)
    for code in codelist.codes.values():
        known = parents.codes if parents is not None else codelist.codes
        children[code.parent if code.parent in known else ""].append(code)

    def item(c, nested) -> Markup:
        note = Markup(" <small>{}</small>").format(c.description) if c.description else ""
        return Markup("<li><code>{}</code> {}{}{}</li>").format(c.code, c.name, note, nested)

    def branch(parent: str) -> Markup:
        return Markup("<ul>{}</ul>").format(Markup("").join(item(c, branch(c.code) if c.code in children else "") for c in children[parent]))

    if parents is not None:
        roots = [item(p, branch(p.code)) for p in parents.codes.values() if p.code in children]
        if children[""]:
            roots.append(Markup("<li>(无上级){}</li>").format(branch("")))
        return Markup('<div class="educat-tree"><ul>{}</ul></div>').format(Markup("").join(roots))
    return Markup('<div class="educat-tree">{}</div>').format(branch(""))


def codelist_page(std: Standard, codelist: CodeList, used_by: list[tuple[str, str]]):
    here = codelist_url(std, codelist.name)
    out = [front(f"{codelist.title or codelist.name}({std.title} {std.version})", codelist.description), f"# {md(codelist.title or codelist.name)}\n"]
    out.append(block(dl([
        ("标识", Markup("<code>{}</code>").format(codelist.name)),
        ("所属标准", a(rel_url(here, std_url(std)), f"{std.title} {std.version}")),
        ("来源", codelist.source),
        ("说明", codelist.description),
        ("代码数", str(len(codelist.codes))),
        ("下载", Markup("{} · {}").format(a(rel_url(here, urls.standard_files(std.slug, std.version)) + urls.codelist_download("csv", codelist.name), "CSV"), a(rel_url(here, urls.standard_files(std.slug, std.version)) + urls.codelist_download("json", codelist.name), "JSON"))),
    ])))
    hierarchical = any(c.parent for c in codelist.codes.values())
    parents = std.codelists.get(codelist.parent_codelist) if codelist.parent_codelist else None
    if hierarchical:
        out.append("## 层级\n")
        if parents is not None:
            out.append(block(Markup("<p>上级代码取自代码表 {}。</p>").format(a(rel_url(here, codelist_url(std, parents.name)), parents.title or parents.name))))
        out.append(block(_tree(codelist, parents)))
    out.append("## 代码\n")
    headers = ["代码", "名称", "说明"] + (["上级代码"] if hierarchical else []) + (["层级"] if std.parent is not None else [])
    rows = [[Markup("<code>{}</code>").format(c.code), c.name, c.description] + ([c.parent] if hierarchical else []) + ([chain_pages.level_badge(std, c.origin)] if std.parent is not None else []) for c in codelist.codes.values()]
    out.append(block(table(headers, rows)))
    out.append("## 使用此代码表的字段\n")
    if used_by:
        out.append(block(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(a(rel_url(here, url.split("#")[0]) + ("#" + url.split("#")[1] if "#" in url else ""), label)) for label, url in used_by))))
    else:
        out.append("目前没有字段使用此代码表。\n")
    return Page(here, "\n".join(out))


def versions_page(repo: Repo, slug: str):
    """/standards/<slug>/: every version, newest first, each with its diff to the one before."""
    here = urls.standard(slug)
    versions = sorted(repo.standards[slug].values(), key=lambda s: semver_key(s.version))
    latest = versions[-1]
    out = [front(f"{latest.title} 版本与变更"), f"# {md(latest.title)}:版本与变更\n"]
    rows = [[a(rel_url(here, std_url(std)), std.version), badge(std.status, "educat-status"), std.meta.get("date", ""), std.meta.get("changes", "")] for std in reversed(versions)]
    out.append(block(table(["版本", "状态", "日期", "变更说明"], rows)))
    out.append(f"最新版本的固定地址:[latest/](latest/)。命令行对比:`educat diff {slug} 旧版本 新版本`。\n")
    for old, new in reversed(list(zip(versions, versions[1:]))):
        changes = diff_standards(old, new)
        breaking = sum(1 for c in changes if is_breaking(c))
        out.append(f"## {new.version} 相对 {old.version} 的变化 {{#v-{new.version.replace('.', '-')}}}\n")
        if not changes:
            out.append("没有结构变化。\n")
            continue
        out.append(f"共 {len(changes)} 处变化,其中 **{breaking}** 处不兼容(按旧版本合规的数据可能不再合规)。\n")
        rows = [[{"added": "新增", "removed": "删除", "changed": "修改"}[c.type.rsplit("-", 1)[1]], badge("不兼容", "educat-sensitive") if is_breaking(c) else "", c.message] for c in changes]
        out.append(block(table(["", "兼容性", "变化"], rows)))
    return Page(here, "\n".join(out))


def check_section(repo: Repo, std: Standard, here: str, template_url, in_browser: bool = False) -> str:
    """"检查你的数据": the check in the browser (检查我的文件), the command, the template, and the
    real report on the invalid example."""
    out = ["## 检查你的数据 {#check}\n"]
    if in_browser:
        base = urls.standard_files(std.slug, std.version)
        panels = [check_panel.panel(here, e.name, e.title, base + urls.entity_download("check_bundle", e.name)) for e in std.entities.values()]
        out.append(block(Markup("").join(panels) + check_panel.script(here)))
        guide = "(见 [三种检查方式]({}))".format(rel_url(here, "check/")) if (repo.root / "docs" / "check.md").is_file() else ""
        out.append(f"在浏览器中检查与下面的命令行用的是同一套规则和说明{guide}。\n")
    out.append("学校和厂商可以在本机检查自己的数据文件是否符合本标准(支持 CSV(UTF-8、GB18030/GBK)、XLSX、JSON、NDJSON,表头用字段名或中文名均可):\n")
    lines = []
    for entity in std.entities.values():
        lines.append(f"educat check 你的文件.xlsx --standard {std.slug}@{std.version} --entity {entity.name}")
    out.append("```bash\n" + "\n".join(lines) + "\n```\n")
    package = urls.standard_package(std.slug, std.version)
    name = package.rsplit("/", 1)[-1]
    out.append(
        f"不在内容仓库中也能检查:安装 educat(`pip install educat-*.whl`,或从源码 `pip install .`)后,下载[标准包 {name}]({rel_url(here, package)}),"
        f"运行 `educat check 你的文件.xlsx --standard {name} --entity {next(iter(std.entities), '实体名')}`;"
        "能上网时也可以把本页的网址写在 `--standard` 后面,educat 会自己下载标准包。\n"
    )
    links = [a(template_url(entity), f"{entity.title}({entity.name}).xlsx") for entity in std.entities.values()]
    out.append(block(Markup("<p>填报模板(表头为中文名,代码字段有下拉选项,另附代码表):{}</p>").format(Markup(" · ").join(links))))
    example = next((ex for ex in std.examples if ex.expected), None)
    if example is not None and example.entity in std.entities:
        text = check_file(example.path.parent / example.file, repo, std.ref, example.entity, limit=CHECK_EXAMPLE_LIMIT).render()
        out.append(f"对本标准的不合规样例 `{example.file}` 运行检查,输出如下:\n")
        out.append(block(preformatted(text)))
    return "\n".join(out)


def registry(repo: Repo, files_of) -> str:
    """standards.json: every standard, version, status and file URL (relative to the site root)."""
    standards = []
    for slug in sorted(repo.standards):
        versions = []
        for std in sorted(repo.standards[slug].values(), key=lambda s: semver_key(s.version), reverse=True):
            versions.append({
                "version": std.version,
                "status": std.status,
                **chain_pages.chain_registry(std),
                "date": std.meta.get("date"),
                "url": std_url(std),
                "files": files_of(std),
            })
        latest = repo.latest(slug)
        standards.append({"slug": slug, "title": latest.title, "latest": latest.version, "latest_url": urls.standard_latest(slug), "versions": versions})
    return json.dumps({"standards": standards}, ensure_ascii=False, indent=2)



def api_page(repo: Repo, std: Standard):
    """/standards/<slug>/<version>/api/: every operation of the OpenAPI document, rendered statically."""
    here = urls.standard_api(std.slug, std.version)
    doc = load_openapi(std.openapi)

    def codelist_link(ref: str) -> str | None:
        try:
            owner, codelist = repo.resolve(ref, "codelist", std)
        except LookupError:
            return None
        return codelist_url(owner, codelist.name)

    def field_link(entity_ref: str, name: str) -> tuple[str, str] | None:
        try:
            owner, entity = repo.resolve(entity_ref, "entity", std)
        except LookupError:
            return None  # validate reports the x-entity that does not resolve
        f = entity.field(name)
        return (f"{std_url(owner)}#entity-{entity.name}", f"{owner.title} / {entity.title} / {f.title}") if f is not None else None

    intro = (
        f"本页由 [openapi.yaml](../files/openapi.yaml) 生成,列出 {std.title} {std.version} 的全部接口。"
        f"检查接口报文:`educat check-api 报文.json --standard {std.ref} --operation <operationId> --request|--response`。\n"
    )
    body = render_api(doc, here=here, codelist_url=codelist_link, field_link=field_link)
    return Page(here, "\n".join([front(f"{std.title} {std.version} 接口", wide=True), f"# {md(std.title)} {std.version}:接口\n", intro, body]))
