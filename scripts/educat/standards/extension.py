"""Standards that build on standards: a district's standard ``extends`` the city's.

An extension's folder holds only what it adds: entities with new fields, or with a parent's field
restated to tighten it; code lists with new codes; new entities and code lists. ``resolve`` makes
the whole — the parent's entities and code lists with the extension's merged in — and every
command and page uses that whole (``Standard.entities`` and ``codelists``), while
``own_entities`` and ``own_codelists`` keep what the extension wrote. Each resolved field and code
remembers the standard that defined it (``origin``).

``compatibility`` judges what the extension wrote against its parent: data valid under the
extension must be valid under the parent, so an extension may add optional fields (required ones
only on new entities), add codes to lists the parent marks ``extensible``, and tighten
constraints; it may not change a field's type, code list or rule, loosen a constraint, rename or
re-parent a code, or add a code to a closed list. A field or code is never removed: what an
extension does not restate, it inherits.
"""

from __future__ import annotations

import atexit
import copy
import shutil
from decimal import Decimal, InvalidOperation
from pathlib import Path

from educat.core.findings import Finding
from educat.core.model import LEVELS, Code, CodeList, Entity, FieldDef, Repo, Standard, parse_ref
from educat.core.paths import rel

RULE = "extension-error"
NOTE = "扩展标准只能新增选填字段、在上级标记为可扩充(extensible: true)的代码表中新增代码、收紧约束;要放宽或改动,请先修订上级标准"


def resolve(repo: Repo, problem) -> None:
    """Resolve every extension in place, parents first; ``problem(type, message, path, line,
    note)`` reports a parent that is missing or a chain that loops."""
    done: set[int] = set()

    def visit(std: Standard, seen: list[Standard]) -> None:
        if id(std) in done:
            return
        ref = std.meta.get("extends") if isinstance(std.meta, dict) else None
        if not ref:
            done.add(id(std))
            return
        meta_path = std.path / "standard.yaml"
        line = std.meta.line_of("extends") if hasattr(std.meta, "line_of") else None
        slug, version = parse_ref(str(ref))
        parent = repo.standard(slug, version) if version else None
        package = std.meta.get("extends_package")
        if parent is None and package:
            parent = _from_package(repo, std, str(ref), str(package), problem)
            if parent is False:
                done.add(id(std))
                return
        if parent is None:
            problem("dangling-reference", f"extends 指向的上级标准 {ref} 不存在", meta_path, line, "写成 标识@版本,且上级标准在本仓库的 standards/ 中(或随标准包一起提供)")
            done.add(id(std))
            return
        if any(s is parent for s in seen + [std]):
            problem("extension-error", f"extends 形成了循环:{' → '.join(s.ref for s in [*seen, std, parent])}", meta_path, line, "上级标准不能直接或间接扩展本标准")
            done.add(id(std))
            return
        visit(parent, [*seen, std])
        done.add(id(std))
        merge(std, parent)

    for std in repo.all_standards():
        visit(std, [])


_KEPT: list[Path] = []  # packages' folders, read for the life of the process (sources, packages)


def _from_package(repo: Repo, std: Standard, ref: str, package: str, problem):
    """The parent ``ref`` read from a standard package that another bureau's site published and
    that is kept in the repository (``extends_package``, relative to the version's folder): no
    network at build time. False when the package cannot be used (reported)."""
    from educat.core.paths import Refused, resolve as resolve_path
    from educat.standards.package import PackageError, load_package

    meta_path = std.path / "standard.yaml"
    line = std.meta.line_of("extends_package") if hasattr(std.meta, "line_of") else None
    path = resolve_path(std.path, package, within=repo.root, what="标准包")
    if isinstance(path, Refused):
        problem(path.type, path.message, meta_path, line, path.note)
        return False
    try:
        other, top, folder = load_package(str(path))
    except PackageError as exc:
        problem("package-error", str(exc), meta_path, line, "重新从上级标准的版本页下载标准包")
        return False
    _KEPT.append(folder)
    slug, version = parse_ref(ref)
    parent = other.standard(slug, version)
    if parent is None or top != ref:
        problem("dangling-reference", f"标准包 {package} 是 {top} 的标准包,不含 extends 写的 {ref}", meta_path, line, "extends 写标准包中的标准(标识@版本)")
        return False
    for s in other.all_standards():
        s.external = rel(path, repo.root)
    return parent


def _cleanup() -> None:
    for folder in _KEPT:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_cleanup)


def merge(std: Standard, parent: Standard) -> None:
    """``std``'s entities and code lists become the parent's with its own merged in."""
    std.parent = parent
    std.own_entities, std.own_codelists = dict(std.entities), dict(std.codelists)
    for f in (f for e in std.own_entities.values() for f in e.fields):
        f.origin = std.ref
    for code in (c for cl in std.own_codelists.values() for c in cl.codes.values()):
        code.origin = std.ref
    codelists = {}
    for name, base in parent.codelists.items():
        own = std.own_codelists.get(name)
        if own is None:
            codelists[name] = base
            continue
        merged = copy.copy(own)
        merged.codes = {code: _origin(c, parent) for code, c in base.codes.items()}
        merged.codes.update({code: c for code, c in own.codes.items() if code not in base.codes})
        merged.title, merged.source = own.title or base.title, own.source or base.source
        merged.parent_codelist = own.parent_codelist or base.parent_codelist
        codelists[name] = merged
    codelists.update({n: c for n, c in std.own_codelists.items() if n not in parent.codelists})
    entities = {}
    for name, base in parent.entities.items():
        own = std.own_entities.get(name)
        if own is None:
            entities[name] = base
            continue
        restated = {f.name: f for f in own.fields}
        fields = [restated.get(f.name) or _inherited(f, parent) for f in base.fields]
        fields += [f for f in own.fields if f.name not in {b.name for b in base.fields}]
        descriptor = {**base.descriptor, **{k: v for k, v in own.descriptor.items() if k != "fields"}, "fields": [f.descriptor for f in fields]}
        entities[name] = Entity(name, own.path, descriptor, fields)
    entities.update({n: e for n, e in std.own_entities.items() if n not in parent.entities})
    std.entities, std.codelists = entities, codelists


def _inherited(f: FieldDef, parent: Standard) -> FieldDef:
    return FieldDef(f.descriptor, f.line, f.origin or parent.ref)


def _origin(c: Code, parent: Standard) -> Code:
    return c if c.origin else Code(c.code, c.name, c.description, c.parent, c.row, parent.ref)


# -- compatibility ---------------------------------------------------------------------------------
def compatibility(std: Standard, root) -> list[Finding]:
    """What the extension wrote that its parent does not allow, each naming both files."""
    parent = std.parent
    if parent is None:
        return []
    found = []
    meta_path = rel(std.path / "standard.yaml", root)

    def where(path) -> str:  # a file of the parent: in the repository, or in its standard package
        return f"{parent.external} 中的 {rel(path, parent.path)}" if parent.external else rel(path, root)

    def breach(message: str, path, line=None, field: str = "", value=None) -> None:
        found.append(Finding(type=RULE, message=message, note=NOTE, path=rel(path, root), line=line, field=field, value=value))

    if std.level and parent.level and LEVELS.index(std.level) <= LEVELS.index(parent.level):
        found.append(Finding(type=RULE, severity="warning", message=f"级别为“{std.level}”,但上级标准 {parent.ref} 的级别是“{parent.level}”:扩展标准应由下一级发布", note="检查 level 和 extends", path=meta_path))
    for name, own in std.own_entities.items():
        base = parent.entities.get(name)
        if base is None:
            continue  # a new entity: anything goes
        theirs = where(base.path)
        fields = {f.name: f for f in base.fields}
        for f in own.fields:
            p = fields.get(f.name)
            if p is None:
                if f.required:
                    breach(f"实体 {name} 是上级标准 {parent.ref} 的实体({theirs}),扩展标准只能为它新增选填字段,不能新增必填字段 {f.name}", own.path, f.line, f.name)
                continue
            if p.descriptor.get("authority") and f.descriptor.get("authority") and p.descriptor["authority"] != f.descriptor["authority"]:
                found.append(Finding(type="authority-conflict", severity="warning", message=f"字段 {name}.{f.name} 的权威来源在上级标准 {parent.ref}({theirs})中是“{p.descriptor['authority']}”,本标准写“{f.descriptor['authority']}”:一数一源,同一数据项只能有一个权威来源", note="删去本标准的 authority(沿用上级),或与上级标准的发布单位商定后修订上级标准", path=rel(own.path, root), line=f.line, field=f.name))
            for message in field_breaches(p, f):
                breach(f"字段 {name}.{f.name}:{message}(上级标准 {parent.ref},{theirs}" + (f" 第 {p.line} 行" if p.line else "") + ")", own.path, f.line, f.name)
        key = own.descriptor.get("primaryKey")
        if key is not None and key != base.descriptor.get("primaryKey"):
            breach(f"实体 {name} 的主键在上级标准 {parent.ref}({theirs})中是 {base.descriptor.get('primaryKey')},扩展标准不能改为 {key}", own.path, None)
    declared = parent.meta.get("codelists") if isinstance(parent.meta.get("codelists"), dict) else {}
    for name, own in std.own_codelists.items():
        base = parent.codelists.get(name)
        if base is None:
            continue
        theirs = where(base.path)
        open_list = isinstance(declared.get(name), dict) and declared[name].get("extensible") is True
        for code, c in own.codes.items():
            b = base.codes.get(code)
            if b is None:
                if not open_list:
                    breach(f"代码表 {name} 在上级标准 {parent.ref} 中不可扩充,不能新增代码 {code}({c.name})", own.path, c.row, value=code)
            elif b.name != c.name:
                breach(f"代码 {code} 在上级标准 {parent.ref}({theirs} 第 {b.row} 行)中名为“{b.name}”,扩展标准不能改为“{c.name}”", own.path, c.row, value=code)
            elif b.parent != c.parent:
                breach(f"代码 {code} 在上级标准 {parent.ref}({theirs} 第 {b.row} 行)中的上级代码是 {b.parent or '无'},扩展标准不能改为 {c.parent or '无'}", own.path, c.row, value=code)
    return found


_LOWER = ("minimum", "minLength", "exclusiveMinimum")  # an extension may raise these
_UPPER = ("maximum", "maxLength", "exclusiveMaximum")  # and lower these


def field_breaches(p: FieldDef, f: FieldDef) -> list[str]:
    """Why ``f`` (an extension's restatement) is not at least as strict as ``p`` (the parent's)."""
    out = []
    if f.type != p.type:
        out.append(f"类型不能由 {p.type} 改为 {f.type}")
    if (f.descriptor.get("format") or "default") != (p.descriptor.get("format") or "default"):
        out.append(f"格式(format)不能由 {p.descriptor.get('format') or 'default'} 改为 {f.descriptor.get('format') or 'default'}")
    if str(f.codelist or "") != str(p.codelist or ""):
        out.append(f"代码表不能由 {p.codelist or '无'} 改为 {f.codelist or '无'}(要增加代码,请在同名代码表中新增)")
    if p.rule and f.rule != p.rule:
        out.append(f"校验规则 {p.rule} 不能改为 {f.rule or '无'}")
    pc, fc = p.constraints, f.constraints
    for key in ("required", "unique"):
        if pc.get(key) and not fc.get(key):
            out.append(f"上级规定{'必填' if key == 'required' else '唯一'},扩展标准不能取消")
    for key in _LOWER + _UPPER:
        if key not in pc:
            continue
        if key not in fc:
            out.append(f"上级规定 {key} = {pc[key]},扩展标准不能去掉")
            continue
        a, b = _bound(pc[key]), _bound(fc[key])
        if type(a) is not type(b):
            out.append(f"{key} 不能由 {pc[key]} 改为 {fc[key]}")
        elif (b < a) if key in _LOWER else (b > a):
            out.append(f"{key} 不能由 {pc[key]} 放宽为 {fc[key]}")
    if "pattern" in pc and fc.get("pattern") != pc["pattern"]:
        out.append(f"格式要求(pattern){pc['pattern']} 不能改动或去掉(无法证明新的格式更严)")
    if "enum" in pc:
        extra = [v for v in fc.get("enum", [None]) if v not in pc["enum"]] if "enum" in fc else ["(不限)"]
        if extra:
            out.append(f"取值范围只能缩小,不能加入 {'、'.join(map(str, extra))}")
    return out


def _bound(value) -> Decimal | str:
    """A bound as a number, or as text (an ISO date or year, which sorts as text)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
