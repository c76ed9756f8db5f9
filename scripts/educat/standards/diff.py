"""Differences between two versions of a standard, with breaking changes flagged.

A change is breaking when data that conformed to the old version may fail the new one:
a removed entity, field, code list or code; a changed type or code list; a field that
becomes required, unique or gets a rule; a tightened range or length; a changed pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from educat.core.findings import Finding, Result
from educat.core.model import Entity, FieldDef, Standard, level_word
from educat.core.paths import rel

_TIGHTER = {"minimum": 1, "minLength": 1, "maximum": -1, "maxLength": -1}
_CONSTRAINT_NAMES = {"required": "必填", "unique": "唯一", "pattern": "格式", "minimum": "最小值", "maximum": "最大值", "minLength": "最短长度", "maxLength": "最长长度", "enum": "取值范围"}


def change(kind: str, action: str, detail: str, breaking: bool, *, path: str = "", f: FieldDef | None = None, code: str | None = None) -> Finding:
    """One difference as a finding: type ``<kind>-<action>`` (kind: entity, field, constraint,
    codelist, code; action: added, removed, changed), a warning when it is breaking."""
    return Finding(
        type=f"{kind}-{action}",
        message=detail,
        severity="warning" if breaking else "info",
        path=path,
        field=f.name if f is not None else "",
        title=f.title if f is not None else "",
        value=code,
    )


def is_breaking(finding: Finding) -> bool:
    return finding.severity == "warning"


@dataclass
class DiffResult(Result):
    """What ``educat diff`` found between two versions of a standard."""

    old: Standard | None = None
    new: Standard | None = None

    command: ClassVar[str] = "diff"

    def extra_stats(self) -> dict:
        return {"changes": len(self.findings), "breaking": sum(map(is_breaking, self.findings))}

    def context(self) -> dict:
        if self.old.slug != self.new.slug:  # across levels: a city standard and the district's extension
            return {"standard": self.new.slug, "old": self.old.ref, "new": self.new.ref}
        return {"standard": self.new.slug, "old": self.old.version, "new": self.new.version}

    def headline(self) -> list[str]:
        if self.old.slug != self.new.slug:
            levels = "" if not (self.old.level and self.new.level) else f"({level_word(self.old.level)} → {level_word(self.new.level)})"
            return [f"{self.old.title} {self.old.version} → {self.new.title} {self.new.version}{levels}"]
        return [f"{self.new.title}:{self.old.version} → {self.new.version}"]

    def summary(self) -> list[str]:
        if not self.findings:
            return ["没有差异。"]
        breaking = sum(map(is_breaking, self.findings))
        return [f"共 {len(self.findings)} 处变化,其中 {breaking} 处不兼容(按旧版本合规的数据可能不再合规)。"]


def _where(std: Standard, path) -> str:
    """A file of a standard, relative to the repository (standards/<slug>/<version>/…)."""
    return rel(path, std.path.parent.parent.parent)


def _label(f: FieldDef) -> str:
    return f"{f.name}({f.title})"


def diff_fields(entity: str, old: FieldDef, new: FieldDef, where: str = "") -> list[Finding]:
    changes = []
    target = f"{entity}.{old.name}"
    if old.type != new.type:
        changes.append(change("field", "changed", f"字段 {target} 的类型由 {old.type} 改为 {new.type}", True, path=where, f=new))
    if (old.codelist or "") != (new.codelist or ""):
        changes.append(change("field", "changed", f"字段 {target} 的代码表由 {old.codelist or '无'} 改为 {new.codelist or '无'}", bool(new.codelist), path=where, f=new))
    if (old.rule or "") != (new.rule or ""):
        changes.append(change("field", "changed", f"字段 {target} 的校验规则由 {old.rule or '无'} 改为 {new.rule or '无'}", bool(new.rule), path=where, f=new))
    if old.sensitivity != new.sensitivity:
        changes.append(change("field", "changed", f"字段 {target} 的敏感级别由 {old.sensitivity} 改为 {new.sensitivity}", False, path=where, f=new))
    if old.title != new.title:
        changes.append(change("field", "changed", f"字段 {target} 的中文名由 “{old.title}” 改为 “{new.title}”", False, path=where, f=new))
    oc, nc = old.constraints, new.constraints
    for key in sorted(set(oc) | set(nc), key=lambda k: list(_CONSTRAINT_NAMES).index(k) if k in _CONSTRAINT_NAMES else 99):
        a, b = oc.get(key), nc.get(key)
        if a == b:
            continue
        name = _CONSTRAINT_NAMES.get(key, key)
        if key in ("required", "unique"):
            breaking = bool(b) and not a
            detail = f"字段 {target} {'改为' if b else '不再'}{name}"
        elif key in _TIGHTER:
            if a is None or b is None:
                breaking = b is not None
            else:
                breaking = (b - a) * _TIGHTER[key] > 0
            detail = f"字段 {target} 的{name}由 {a if a is not None else '无'} 改为 {b if b is not None else '无'}"
        elif key == "enum":
            removed = set(a or []) - set(b or []) if a else set()
            breaking = b is not None and (a is None or bool(removed))
            detail = f"字段 {target} 的{name}由 {a} 改为 {b}"
        else:
            breaking = b is not None
            detail = f"字段 {target} 的{name}由 {a if a is not None else '无'} 改为 {b if b is not None else '无'}"
        changes.append(change("constraint", "changed", detail, breaking, path=where, f=new))
    return changes


def diff_entities(old: Entity, new: Entity, old_where: str = "", new_where: str = "") -> list[Finding]:
    changes = []
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    for name, f in old_fields.items():
        if name not in new_fields:
            changes.append(change("field", "removed", f"删除字段 {old.name}.{_label(f)}", True, path=old_where, f=f))
    for name, f in new_fields.items():
        if name not in old_fields:
            changes.append(change("field", "added", f"新增{'必填' if f.required else '选填'}字段 {new.name}.{_label(f)}", f.required, path=new_where, f=f))
        else:
            changes.extend(diff_fields(new.name, old_fields[name], f, new_where))
    if old.descriptor.get("primaryKey") != new.descriptor.get("primaryKey"):
        changes.append(change("entity", "changed", f"实体 {new.name} 的主键由 {old.descriptor.get('primaryKey')} 改为 {new.descriptor.get('primaryKey')}", True, path=new_where))
    return changes


def diff_standards(old: Standard, new: Standard) -> list[Finding]:
    changes = []
    for name, entity in old.entities.items():
        if name not in new.entities:
            changes.append(change("entity", "removed", f"删除实体 {name}({entity.title})", True, path=_where(old, entity.path)))
    for name, entity in new.entities.items():
        if name not in old.entities:
            changes.append(change("entity", "added", f"新增实体 {name}({entity.title})", False, path=_where(new, entity.path)))
        else:
            changes.extend(diff_entities(old.entities[name], entity, _where(old, old.entities[name].path), _where(new, entity.path)))
    for name, codelist in old.codelists.items():
        if name not in new.codelists:
            changes.append(change("codelist", "removed", f"删除代码表 {name}({codelist.title})", True, path=_where(old, codelist.path)))
    for name, codelist in new.codelists.items():
        if name not in old.codelists:
            changes.append(change("codelist", "added", f"新增代码表 {name}({codelist.title})", False, path=_where(new, codelist.path)))
            continue
        before = old.codelists[name].codes
        for code, item in before.items():
            if code not in codelist.codes:
                changes.append(change("code", "removed", f"代码表 {name} 删除代码 {code}({item.name})", True, path=_where(new, codelist.path), code=code))
        for code, item in codelist.codes.items():
            if code not in before:
                changes.append(change("code", "added", f"代码表 {name} 新增代码 {code}({item.name})", False, path=_where(new, codelist.path), code=code))
            elif before[code].name != item.name:
                changes.append(change("code", "changed", f"代码表 {name} 的代码 {code} 名称由 “{before[code].name}” 改为 “{item.name}”", False, path=_where(new, codelist.path), code=code))
            elif before[code].parent != item.parent:
                changes.append(change("code", "changed", f"代码表 {name} 的代码 {code} 上级由 {before[code].parent or '无'} 改为 {item.parent or '无'}", False, path=_where(new, codelist.path), code=code))
    return changes


def diff_result(old: Standard, new: Standard) -> DiffResult:
    return DiffResult(diff_standards(old, new), old=old, new=new)
