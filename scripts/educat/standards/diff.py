"""Differences between two versions of a standard, with breaking changes flagged.

A change is breaking when data that conformed to the old version may fail the new one:
a removed entity, field, code list or code; a changed type or code list; a field that
becomes required, unique or gets a rule; a tightened range or length; a changed pattern.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from educat.core.model import Entity, FieldDef, Standard

_TIGHTER = {"minimum": 1, "minLength": 1, "maximum": -1, "maxLength": -1}
_CONSTRAINT_NAMES = {"required": "必填", "unique": "唯一", "pattern": "格式", "minimum": "最小值", "maximum": "最大值", "minLength": "最短长度", "maxLength": "最长长度", "enum": "取值范围"}


@dataclass(frozen=True)
class Change:
    kind: str  # entity | field | constraint | codelist | code
    action: str  # added | removed | changed
    target: str  # e.g. "student.gender" or "codelist gender: 9"
    detail: str
    breaking: bool

    def to_dict(self) -> dict:
        return asdict(self)

    def render(self) -> str:
        mark = "[不兼容] " if self.breaking else ""
        return f"{mark}{self.detail}"


def _label(f: FieldDef) -> str:
    return f"{f.name}({f.title})"


def diff_fields(entity: str, old: FieldDef, new: FieldDef) -> list[Change]:
    changes = []
    target = f"{entity}.{old.name}"
    if old.type != new.type:
        changes.append(Change("field", "changed", target, f"字段 {target} 的类型由 {old.type} 改为 {new.type}", True))
    if (old.codelist or "") != (new.codelist or ""):
        changes.append(Change("field", "changed", target, f"字段 {target} 的代码表由 {old.codelist or '无'} 改为 {new.codelist or '无'}", bool(new.codelist)))
    if (old.rule or "") != (new.rule or ""):
        changes.append(Change("field", "changed", target, f"字段 {target} 的校验规则由 {old.rule or '无'} 改为 {new.rule or '无'}", bool(new.rule)))
    if old.sensitivity != new.sensitivity:
        changes.append(Change("field", "changed", target, f"字段 {target} 的敏感级别由 {old.sensitivity} 改为 {new.sensitivity}", False))
    if old.title != new.title:
        changes.append(Change("field", "changed", target, f"字段 {target} 的中文名由 “{old.title}” 改为 “{new.title}”", False))
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
        changes.append(Change("constraint", "changed", target, detail, breaking))
    return changes


def diff_entities(old: Entity, new: Entity) -> list[Change]:
    changes = []
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    for name, f in old_fields.items():
        if name not in new_fields:
            changes.append(Change("field", "removed", f"{old.name}.{name}", f"删除字段 {old.name}.{_label(f)}", True))
    for name, f in new_fields.items():
        if name not in old_fields:
            changes.append(Change("field", "added", f"{new.name}.{name}", f"新增{'必填' if f.required else '选填'}字段 {new.name}.{_label(f)}", f.required))
        else:
            changes.extend(diff_fields(new.name, old_fields[name], f))
    if old.descriptor.get("primaryKey") != new.descriptor.get("primaryKey"):
        changes.append(Change("entity", "changed", new.name, f"实体 {new.name} 的主键由 {old.descriptor.get('primaryKey')} 改为 {new.descriptor.get('primaryKey')}", True))
    return changes


def diff_standards(old: Standard, new: Standard) -> list[Change]:
    changes = []
    for name, entity in old.entities.items():
        if name not in new.entities:
            changes.append(Change("entity", "removed", name, f"删除实体 {name}({entity.title})", True))
    for name, entity in new.entities.items():
        if name not in old.entities:
            changes.append(Change("entity", "added", name, f"新增实体 {name}({entity.title})", False))
        else:
            changes.extend(diff_entities(old.entities[name], entity))
    for name, codelist in old.codelists.items():
        if name not in new.codelists:
            changes.append(Change("codelist", "removed", name, f"删除代码表 {name}({codelist.title})", True))
    for name, codelist in new.codelists.items():
        if name not in old.codelists:
            changes.append(Change("codelist", "added", name, f"新增代码表 {name}({codelist.title})", False))
            continue
        before = old.codelists[name].codes
        for code, item in before.items():
            if code not in codelist.codes:
                changes.append(Change("code", "removed", f"{name}:{code}", f"代码表 {name} 删除代码 {code}({item.name})", True))
        for code, item in codelist.codes.items():
            if code not in before:
                changes.append(Change("code", "added", f"{name}:{code}", f"代码表 {name} 新增代码 {code}({item.name})", False))
            elif before[code].name != item.name:
                changes.append(Change("code", "changed", f"{name}:{code}", f"代码表 {name} 的代码 {code} 名称由 “{before[code].name}” 改为 “{item.name}”", False))
            elif before[code].parent != item.parent:
                changes.append(Change("code", "changed", f"{name}:{code}", f"代码表 {name} 的代码 {code} 上级由 {before[code].parent or '无'} 改为 {item.parent or '无'}", False))
    return changes


def render_text(old: Standard, new: Standard, changes: list[Change]) -> str:
    lines = [f"{new.title}:{old.version} → {new.version}"]
    if not changes:
        lines.append("没有差异。")
        return "\n".join(lines)
    for change in changes:
        lines.append(f"  {'-' if change.action == 'removed' else '+' if change.action == 'added' else '~'} {change.render()}")
    breaking = sum(1 for c in changes if c.breaking)
    lines.append(f"共 {len(changes)} 处变化,其中 {breaking} 处不兼容(按旧版本合规的数据可能不再合规)。")
    return "\n".join(lines)
