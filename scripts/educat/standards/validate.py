"""Checks of the standards: metadata, code lists, entities and their fields, examples, interface documents."""

from __future__ import annotations

import re
from pathlib import Path

from educat.core import metaschemas
from educat.core.model import Entity, FieldDef, Standard, has_html
from educat.core.paths import Refused, resolve
from educat.tables.sql_rules import SUPPORTED, parse_python, supported_constraints
from educat.core.yamlio import LineDict, YamlError
from educat.standards.extension import compatibility
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.spec import validate_openapi
from educat.tables.frictionless_check import validate_table
from educat.tables.identifiers import RULES, backtracking_risk


class StandardChecks:
    """Mixed into ``educat.validate.Validator`` on ``core.validator.ValidatorBase`` (``add``, ``check_meta``,
    ``repo``, ``report``). Entities whose definition is unusable go into ``bad_entities``: their
    examples, dataset resources and catalog records are not judged against them."""

    # -- standards -------------------------------------------------------------------------
    def standard(self, std: Standard) -> None:
        meta_path = std.path / "standard.yaml"
        self.check_meta(std.meta, metaschemas.STANDARD, meta_path)
        for key, actual in (("slug", std.slug), ("version", std.version)):
            value = std.meta.get(key)
            if value is not None and str(value) != actual:
                self.add(
                    "mismatch-error",
                    f"{key} 为 “{value}”,但目录名是 “{actual}”",
                    meta_path,
                    std.meta.line_of(key),
                    note="目录结构是 standards/<slug>/<版本>/,两者必须一致",
                )
        declared = std.meta.get("codelists") if isinstance(std.meta.get("codelists"), dict) else {}
        # an extension declares and is judged on what it wrote; what it inherits was checked in its parent
        own_codelists = std.own_codelists if std.parent is not None else std.codelists
        for name, codelist in own_codelists.items():
            if name not in declared:
                self.add("missing-field", f"代码表 {name}.csv 没有在 standard.yaml 的 codelists 中登记", meta_path, std.meta.line_of("codelists"), note=f"添加 codelists.{name}.title")
            parents, where = codelist.codes, "本代码表"
            if codelist.parent_codelist:
                owner = std.codelists.get(codelist.parent_codelist)
                if owner is None:
                    self.add("dangling-reference", f"代码表 {name} 的 parent_codelist “{codelist.parent_codelist}” 不存在", meta_path, declared[name].line_of("parent_codelist"), note=f"可用代码表:{'、'.join(std.codelists)}")
                    continue
                parents, where = owner.codes, f"代码表 {owner.name}"
            for code in codelist.codes.values():
                if has_html(code.name) or has_html(code.description):
                    self.add("html-error", f"代码 “{code.code}” 的名称或说明含有 HTML 标记", codelist.path, code.row, row=code.row, field="name", note="代码表是纯文本:删除尖括号标记")
                if code.parent and code.parent not in parents:
                    self.add("dangling-reference", f"上级代码 “{code.parent}” 不存在", codelist.path, code.row, row=code.row, field="parent", note=f"parent 必须是{where}中的代码")
        for name in declared:
            if name not in own_codelists:
                self.add("dangling-reference", f"登记了代码表 “{name}”,但没有 codelists/{name}.csv", meta_path, declared.line_of(name) if isinstance(declared, LineDict) else None, note="添加该 CSV 或删除登记")
        if not std.entities:
            self.add("missing-file", "标准没有任何实体(entities/*.yaml)", std.path / "entities")
        for name, entity in std.entities.items():
            if std.parent is None or name in std.own_entities:
                self.entity(entity, std)
        for finding in compatibility(std, self.repo.root):
            self.report.add(finding)
        if std.examples_doc is not None:
            self.check_meta(std.examples_doc, metaschemas.EXAMPLES, std.path / "examples" / "examples.yaml")
        for example in std.examples:
            self.example(example, std)
        if std.openapi:
            self.openapi(std)

    def entity(self, entity: Entity, std: Standard) -> None:
        data = entity.descriptor
        if not self.check_meta(data, metaschemas.ENTITY, entity.path):
            self.bad_entities.add(id(entity))
            return
        if data.get("name") != entity.name:
            self.add("mismatch-error", f"name 为 “{data.get('name')}”,但文件名是 {entity.name}.yaml", entity.path, data.line_of("name"), note="两者必须一致")
        seen = set()
        for f in entity.fields:
            if f.name in seen:
                self.add("unique-error", f"字段名 “{f.name}” 重复", entity.path, f.line, field=f.name)
            seen.add(f.name)
            if not self.field_refs(f, std, entity.path):
                self.bad_entities.add(id(entity))
        keys = data.get("primaryKey")
        for key in [keys] if isinstance(keys, str) else keys or []:
            if key not in seen:
                self.add("dangling-reference", f"主键字段 “{key}” 不存在", entity.path, data.line_of("primaryKey"))

    def field_refs(self, f: FieldDef, std: Standard, path: Path) -> bool:  # noqa: C901 - one check per key
        """Check a field's code list, rule and pattern; False when one cannot be used."""
        d = f.descriptor
        ok = True
        if f.codelist:
            try:
                self.repo.resolve(str(f.codelist), "codelist", std)
            except LookupError as exc:
                ok = False
                if not self.repo.is_broken(str(f.codelist)):
                    self.add("dangling-reference", f"字段 {f.name} 引用的代码表无法解析:{exc}", path, d.line_of("codelist"), field=f.name, note="写成 代码表名(本标准),或 标准@版本/代码表名")
        if f.rule and f.rule not in RULES:
            ok = False
            self.add("dangling-reference", f"字段 {f.name} 的校验规则 “{f.rule}” 不存在", path, d.line_of("rule"), field=f.name, note=f"可用规则:{'、'.join(RULES)}")
        unsupported = sorted(set(f.constraints) - {"unique"} - set(supported_constraints(f.type)))
        if unsupported:  # Frictionless would silently ignore them: a rule nobody checks
            ok = False
            self.add("schema-error", f"字段 {f.name} 的类型 {f.type} 不支持约束 {'、'.join(unsupported)}", path, d.line_of("constraints"), field=f.name, note=f"{f.type} 类型可用的约束:{'、'.join(supported_constraints(f.type))}、unique;删除这些约束或改用合适的类型")
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if key in f.constraints and key in supported_constraints(f.type) and f.type in SUPPORTED and parse_python(f, f.constraints[key]) is None:
                ok = False
                self.add("schema-error", f"字段 {f.name} 的 {key} “{f.constraints[key]}” 不是 {f.type} 类型的值", path, d.line_of("constraints"), field=f.name, note="写成该类型的值,如整数 10、日期 2024-01-01")
        pattern = f.constraints.get("pattern")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                ok = False
                self.add("pattern-error", f"字段 {f.name} 的正则表达式无效:{exc}", path, d.line_of("constraints"), field=f.name)
            else:
                risk = backtracking_risk(pattern)
                if risk:
                    ok = False
                    self.add("pattern-error", f"字段 {f.name} 的正则表达式 {pattern} 不安全:{risk}", path, d.line_of("constraints"), field=f.name, note="改写成不嵌套重复的形式,如 ^a+$ 代替 ^(a+)+$")
        return ok

    def example(self, example, std: Standard) -> None:
        path = example.path.parent / example.file
        entity = std.entities.get(example.entity)
        if entity is None:
            self.add("dangling-reference", f"样例 {example.file} 引用的实体 “{example.entity}” 不存在", example.path, example.line, note=f"可用实体:{'、'.join(std.entities)}")
            return
        path = resolve(example.path.parent, example.file, within=std.path, what="样例文件")
        if isinstance(path, Refused):
            self.add(path.type, path.message, example.path, example.line, note=path.note)
            return
        if id(entity) in self.bad_entities:
            return  # the entity's own problems are reported; its examples cannot be judged
        problems, _ = validate_table(entity.fields, self.repo.field_codelists(entity.fields, std), path=path, primary_key=entity.descriptor.get("primaryKey"))
        actual = {p.key for p in problems}
        if example.expected is None:
            for p in problems:
                self.add("example-error", f"合规样例出现了错误:[{p.type}] {p.message}", path, p.row, row=p.row, field=p.field or "", note="改正样例数据,或把它登记为不合规样例并声明错误")
            return
        expected = set(example.expected)
        for key in sorted(expected - actual, key=str):
            self.add("example-error", f"声明的错误没有出现:第 {key[0]} 行 字段 {key[1] or '-'} [{key[2]}]", example.path, example.line, note="样例数据或 errors 声明有误")
        for p in problems:
            if p.key not in expected:
                self.add("example-error", f"出现了未声明的错误:[{p.type}] {p.message}", path, p.row, row=p.row, field=p.field or "", note="在 examples.yaml 中声明该错误,或改正样例")

    def openapi(self, std: Standard) -> None:
        try:
            doc = load_openapi(std.openapi)
        except YamlError as exc:
            self.add("yaml-error", exc.message, std.openapi, exc.line)
            return
        self.report.extend(validate_openapi(doc, std.openapi, self.root, lambda ref: self.repo.resolve(ref, "codelist", std),
                                            lambda ref: self.repo.resolve(ref, "entity", std)))
