"""Validate a loaded repository: metadata, data, cross-references and examples."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from jsonschema import Draft202012Validator

from educat.core import metaschemas
from educat.catalog.records import RUBRIC_FILE, catalog_entity, check_records, load_rubric
from educat.tables.identifiers import RULES
from educat.core.loader import load_repo
from educat.core.model import Dataset, Entity, FieldDef, Repo, Standard
from educat.core.findings import Problem, Report
from educat.core.model import has_html
from educat.core.paths import is_inside, rel
from educat.tables.messages import CellProblem
from educat.tables.frictionless_check import validate_table
from educat.datasets.privacy import scan_cells, small_cells
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.spec import validate_openapi
from educat.core.yamlio import LineDict, LineList, YamlError

OPEN_PUBLICLY = ("无条件开放", "有条件开放")


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


class Validator:
    def __init__(self, repo: Repo, today: dt.date | None = None):
        self.repo = repo
        self.today = today or dt.date.today()
        self.root = repo.root
        self.report = Report()
        self._validators: dict[int, Draft202012Validator] = {}
        self.bad_entities: set[int] = set()

    # -- helpers ---------------------------------------------------------------------------
    def add(self, type_, message, path: Path, line=None, note="", **kw) -> None:
        self.report.add(Problem(type_, message, rel(path, self.root), line, note=note, **kw))

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

    def check_meta(self, data, schema: dict, path: Path) -> bool:
        """JSON-Schema check of an authored YAML file; problems carry the key's line."""
        self._root_doc = data
        self.html_in(data, path)
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
            elif error.validator == "type":
                self.add("type-error", f"{prefix}的类型不对(应为 {error.validator_value})", path, _line_for(data, parts), note="检查是否缺了引号或写成了列表/映射")
            else:
                self.add("schema-error", f"{prefix}{error.message}", path, _line_for(data, parts), note="按内容格式说明修改")
        return ok

    def cell_problems(self, problems: list[CellProblem], path: Path, line_of=None, severity: str = "error") -> None:
        for p in problems:
            line = line_of(p) if line_of else p.row
            self.add(p.type, p.message, path, line, note=p.note, row=None if line_of else p.row, field=p.field or None, severity=severity)

    # -- whole repository ------------------------------------------------------------------
    def run(self) -> Report:
        for std in self.repo.all_standards():
            self.standard(std)
        for ds in self.repo.datasets.values():
            self.dataset(ds)
        self.catalog()
        self.collections()
        records = self.repo.records
        self.report.tallies.update(
            standards=len(self.repo.standards),
            versions=len(self.repo.all_standards()),
            entities=sum(len(s.entities) for s in self.repo.all_standards()),
            codelists=sum(len(s.codelists) for s in self.repo.all_standards()),
            datasets=len(self.repo.datasets),
            resources=len(records),
            featured=sum(1 for r in records if r.data.get("featured") is True),
        )
        return self.report

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
        for name, codelist in std.codelists.items():
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
            if name not in std.codelists:
                self.add("dangling-reference", f"登记了代码表 “{name}”,但没有 codelists/{name}.csv", meta_path, declared.line_of(name) if isinstance(declared, LineDict) else None, note="添加该 CSV 或删除登记")
        if not std.entities:
            self.add("missing-file", "标准没有任何实体(entities/*.yaml)", std.path / "entities")
        for entity in std.entities.values():
            self.entity(entity, std)
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

    def field_refs(self, f: FieldDef, std: Standard, path: Path) -> bool:
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
        pattern = f.constraints.get("pattern")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                ok = False
                self.add("pattern-error", f"字段 {f.name} 的正则表达式无效:{exc}", path, d.line_of("constraints"), field=f.name)
        return ok

    def example(self, example, std: Standard) -> None:
        path = example.path.parent / example.file
        entity = std.entities.get(example.entity)
        if entity is None:
            self.add("dangling-reference", f"样例 {example.file} 引用的实体 “{example.entity}” 不存在", example.path, example.line, note=f"可用实体:{'、'.join(std.entities)}")
            return
        if not path.is_file():
            self.add("missing-file", f"样例文件 {example.file} 不存在", example.path, example.line)
            return
        if id(entity) in self.bad_entities:
            return  # the entity's own problems are reported; its examples cannot be judged
        problems, _ = validate_table(entity.fields, self.repo.field_codelists(entity.fields, std), path=path, primary_key=entity.descriptor.get("primaryKey"))
        actual = {p.key for p in problems}
        if example.expected is None:
            for p in problems:
                self.add("example-error", f"合规样例出现了错误:[{p.type}] {p.message}", path, p.row, row=p.row, field=p.field or None, note="改正样例数据,或把它登记为不合规样例并声明错误")
            return
        expected = set(example.expected)
        for key in sorted(expected - actual, key=str):
            self.add("example-error", f"声明的错误没有出现:第 {key[0]} 行 字段 {key[1] or '-'} [{key[2]}]", example.path, example.line, note="样例数据或 errors 声明有误")
        for p in problems:
            if p.key not in expected:
                self.add("example-error", f"出现了未声明的错误:[{p.type}] {p.message}", path, p.row, row=p.row, field=p.field or None, note="在 examples.yaml 中声明该错误,或改正样例")

    def openapi(self, std: Standard) -> None:
        try:
            doc = load_openapi(std.openapi)
        except YamlError as exc:
            self.add("yaml-error", exc.message, std.openapi, exc.line)
            return
        self.report.extend(validate_openapi(doc, std.openapi, self.root, lambda ref: self.repo.resolve(ref, "codelist", std)))

    # -- datasets --------------------------------------------------------------------------
    def dataset(self, ds: Dataset) -> None:
        meta_path = ds.path / "datapackage.yaml"
        if not self.check_meta(ds.meta, metaschemas.DATAPACKAGE, meta_path):
            return
        if ds.meta.get("name") != ds.slug:
            self.add("mismatch-error", f"name 为 “{ds.meta.get('name')}”,但目录名是 “{ds.slug}”", meta_path, ds.meta.line_of("name"), note="两者必须一致")
        public = ds.catalog.get("open_type") in OPEN_PUBLICLY
        names = set()
        for res in ds.resources:
            if res.name in names:
                self.add("unique-error", f"资源名 “{res.name}” 重复", meta_path, res.line)
            names.add(res.name)
            self.dataset_resource(ds, res, meta_path, public)

    def dataset_resource(self, ds: Dataset, res, meta_path: Path, public: bool) -> None:
        schema = res.descriptor["schema"]
        ref = schema["entity"]
        try:
            res.standard, res.entity = self.repo.resolve(ref, "entity")
        except LookupError as exc:
            if self.repo.is_broken(ref):
                return  # the standard itself could not be read; that is reported
            self.add("dangling-reference", f"资源 {res.name} 的 entity 无法解析:{exc}", meta_path, schema.line_of("entity"), note="写成 标准@版本/实体名,例如 edu-basic-data@1.0.0/school")
            return
        res.entity_ref = ref
        if id(res.entity) in self.bad_entities:
            return
        fields = []
        items = schema.get("fields") or [f.name for f in res.entity.fields]
        lines = getattr(schema.get("fields"), "item_lines", [schema.line_of("entity")] * len(items))
        for item, line in zip(items, lines):
            if isinstance(item, str):
                f = res.entity.field(item)
                if f is None:
                    self.add("dangling-reference", f"实体 {ref} 中没有字段 “{item}”", meta_path, line, field=item, note=f"可用字段:{'、'.join(x.name for x in res.entity.fields)}")
                    continue
                fields.append(f)
            else:
                local = FieldDef(item, line)
                if res.entity.field(local.name):
                    self.add("unique-error", f"本地字段 “{local.name}” 与实体字段同名", meta_path, line, field=local.name, note="直接写字段名引用实体字段,不要复制其定义")
                self.field_refs(local, res.standard, meta_path)
                fields.append(local)
        res.fields = fields
        for f in fields:
            if public and f.sensitivity == "敏感个人信息":
                self.add("privacy-error", f"公开数据集包含敏感个人信息字段 {f.name}({f.title})", meta_path, res.line, field=f.name, note="删除该字段,或改为汇总/脱敏后的字段;开放属性为不予开放的数据集才可保留")
        path = self.safe_path(ds, res, meta_path)
        if path is None:
            return
        codelists = self.repo.field_codelists(fields, res.standard)
        problems, stats = validate_table(fields, codelists, path=path, primary_key=schema.get("primaryKey"))
        self.cell_problems(problems, path)
        if not problems and not stats["rows"]:
            self.add("no-data", "数据文件只有表头,没有数据行", path, 1, row=1, note="补上数据,或从 datapackage.yaml 中删除该资源")
        if public and not any(p.type in ("encoding-error", "source-error") for p in problems):
            self.cell_problems(scan_cells(path, fields), path)
            self.cell_problems(small_cells(path, fields), path, severity="warning")
        self.report.tallies["dataset_rows"] = self.report.tallies.get("dataset_rows", 0) + stats["rows"]

    def safe_path(self, ds: Dataset, res, meta_path: Path) -> Path | None:
        raw = str(res.path)
        line = res.descriptor.line_of("path")
        if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw) or ".." in Path(raw).parts or "://" in raw:
            self.add("path-error", f"资源路径 “{raw}” 不安全:不能是绝对路径、URL 或包含 ..", meta_path, line, note="把数据文件放进数据集目录,写相对路径如 data/x.csv")
            return None
        path = ds.path / raw
        if not is_inside(path, ds.path):
            self.add("path-error", f"资源路径 “{raw}” 指向数据集目录之外(符号链接?)", meta_path, line, note="把真实文件复制进数据集目录")
            return None
        if not path.is_file():
            self.add("missing-file", f"资源文件 {raw} 不存在", meta_path, line)
            return None
        return path

    # -- collections -----------------------------------------------------------------------
    def collections(self) -> None:
        ids = {r.id for r in self.repo.records}
        for collection in self.repo.collections.values():
            meta = collection.meta
            if not self.check_meta(meta, metaschemas.COLLECTION, collection.path):
                continue
            items = meta["items"]
            for item, line in zip(items, items.item_lines):
                if str(item) not in ids:
                    self.add("dangling-reference", f"专题 {collection.slug} 列出的资源 “{item}” 不在课程资源目录中", collection.path, line, note="检查 id 拼写,或先把该资源加入 catalog/resources/")

    # -- catalog ---------------------------------------------------------------------------
    def catalog(self) -> None:
        rubric, rubric_problems = load_rubric(self.root)
        for message, line in rubric_problems:
            self.add("schema-error", message, self.root / RUBRIC_FILE, line, note="见 docs/content-model.md 的精品标准一节")
        records = self.repo.records
        if not records:
            return
        std, entity = catalog_entity(self.repo)
        if entity is not None and id(entity) in self.bad_entities:
            return
        by_file: dict[Path, list] = {}
        for record in records:
            by_file.setdefault(record.path, []).append(record)
        first_id: dict[str, str] = {}
        for path, batch in by_file.items():
            for record in batch:
                rid = record.id
                if rid in first_id:
                    self.add("unique-error", f"资源 id “{rid}” 重复(已在 {first_id[rid]} 使用)", path, record.line_of("id"), field="id", note="每条记录的 id 在整个目录中必须唯一")
                else:
                    first_id[rid] = f"{path.name}:{record.line}"

            def line_of(p: CellProblem, batch=batch):
                index = (p.row or 2) - 2
                return batch[index].line_of(p.field) if 0 <= index < len(batch) else None

            self.cell_problems(check_records(self.repo, [r.data for r in batch], rubric, self.today), path, line_of)


def validate_repo(root: Path, today: dt.date | None = None) -> tuple[Repo, Report]:
    """Load and validate a content repository. ``today`` dates the 精品 review-age rule."""
    repo, load_problems = load_repo(Path(root))
    report = Validator(repo, today).run()
    report.problems[:0] = load_problems
    return repo, report
