"""Checks of the datasets: Data Package metadata, resources against their entities, data, personal data."""

from __future__ import annotations

import json
from pathlib import Path

from educat.core import metaschemas
from educat.datasets.publish import NOT_OPEN, OPEN_ON_REQUEST, data_is_open
from educat.core.model import DATASET_FIELD_KEYS, Dataset, FieldDef
from educat.core.paths import Refused, resolve
from educat.core.yamlio import LineDict
from educat.datasets.privacy import scan_cells, small_cells
from educat.tables.frictionless_check import validate_table

OPEN_PUBLICLY = ("无条件开放", "有条件开放")
LOCAL_FIELD_KEYS = tuple(metaschemas.FIELD["required"])  # a dataset's own field is defined in full
_ABSENT = object()


def _show(value) -> str:
    """A value as an author writes it: true, 0, string, {"required": true}."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


class DatasetChecks:
    """Mixed into ``educat.validate.Validator`` on ``core.validator.ValidatorBase`` (``add``, ``check_meta``,
    ``cell_problems``, ``repo``, ``report``); a local field is checked like an entity field, with
    ``field_refs`` of ``standards.validate.StandardChecks``."""

    # -- datasets --------------------------------------------------------------------------
    def dataset(self, ds: Dataset) -> None:
        meta_path = ds.path / "datapackage.yaml"
        if not self.check_meta(ds.meta, metaschemas.DATAPACKAGE, meta_path):
            return
        if ds.meta.get("name") != ds.slug:
            self.add("mismatch-error", f"name 为 “{ds.meta.get('name')}”,但目录名是 “{ds.slug}”", meta_path, ds.meta.line_of("name"), note="两者必须一致")
        public = ds.catalog.get("open_type") in OPEN_PUBLICLY
        line = ds.catalog.line_of("open_type") if hasattr(ds.catalog, "line_of") else None
        if ds.catalog.get("open_type") == NOT_OPEN:
            self.add("not-published", "开放属性为不予开放:网站不发布这个数据集的任何内容(页面、数据、下载、检索都没有)", meta_path, line, severity="info")
        elif ds.catalog.get("open_type") == OPEN_ON_REQUEST:
            self.add("metadata-only", "开放属性为有条件开放:网站只发布元数据、公开字段的字典和申请方式,不发布数据", meta_path, line, severity="info")
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
        fields = self.resource_fields(res, meta_path)
        res.fields = fields
        names = {f.name for f in fields}
        for name in (schema.get("publish") or {}):
            if name not in names:
                self.add("dangling-reference", f"schema.publish 中的 “{name}” 不是资源 {res.name} 的字段", meta_path, schema.line_of("publish"), field=name, note=f"可用字段:{'、'.join(sorted(names))}")
            elif next(f for f in fields if f.name == name).sensitivity == "敏感个人信息":
                self.add("privacy-error", f"字段 {name} 是敏感个人信息,不能通过 schema.publish 公开", meta_path, schema.line_of("publish"), field=name, note="删除这一项;敏感个人信息只能在不予开放的数据集中")
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
            if data_is_open(ds):  # counts of 1–4 can single out people: an error unless the field says why not
                self.cell_problems(small_cells([f for f in fields if not f.descriptor.get("small_counts")], path), path)
        self.report.tallies["dataset_rows"] = self.report.tallies.get("dataset_rows", 0) + stats["rows"]

    # -- schema.fields ---------------------------------------------------------------------
    def resource_fields(self, res, meta_path: Path) -> list[FieldDef]:
        """The resource's fields, each an object so that Frictionless reads the package as written:
        ``{name: gender}`` takes the entity's field, anything else is the dataset's own. The old
        shorthand (a bare name, or no ``fields`` at all) is still read, with a warning."""
        schema, ref = res.descriptor["schema"], res.entity_ref
        available = f"可用字段:{'、'.join(x.name for x in res.entity.fields)}"
        items = schema.get("fields")
        if not items:
            items = [{"name": f.name} for f in res.entity.fields]
            lines = [schema.line_of("entity")] * len(items)
            written = "".join(f"\n      - {{name: {f.name}}}" for f in res.entity.fields)
            self.add("deprecated-form", f"资源 {res.name} 没有写 schema.fields(旧写法,默认使用实体 {ref} 的全部字段),Frictionless 不能读取", meta_path, schema.line, note=f"在 schema 中逐个列出字段:fields:{written}", severity="warning")
        else:
            lines = items.item_lines
        fields = []
        for item, line in zip(items, lines):
            if isinstance(item, str):
                self.add("deprecated-form", f"资源 {res.name} 的字段 “{item}” 只写了字段名(旧写法),Frictionless 不能读取", meta_path, line, field=item, note=f"改写成 - {{name: {item}}}(定义仍取自 {ref},不必重复)", severity="warning")
                item = {"name": item}
            f = res.entity.field(item["name"])
            if f is not None:
                fields.append(self.entity_field(res, f, item, line, meta_path))
                self.statistic_kind(res, fields[-1], item, line, meta_path)
            elif len(item) == 1:
                self.add("dangling-reference", f"实体 {ref} 中没有字段 “{item['name']}”", meta_path, line, field=item["name"], note=available)
            else:
                local = FieldDef(item, line)
                missing = [key for key in LOCAL_FIELD_KEYS if key not in item]
                if missing:
                    self.add("missing-field", f"资源 {res.name} 的字段 “{local.name}” 不在实体 {ref} 中,作为本数据集自己的字段缺少 {'、'.join(missing)}", meta_path, line, field=local.name, note=f"补上 {'、'.join(missing)};若要引用标准的字段,检查字段名的拼写({available})")
                self.field_refs(local, res.standard, meta_path)
                fields.append(local)
                self.statistic_kind(res, local, item, line, meta_path)
        return fields

    def statistic_kind(self, res, f: FieldDef, item: dict, line, meta_path: Path) -> None:
        """A count says whether it is a stock or a flow: the site adds up counts of different
        years only for a flow."""
        where = (lambda key: item.line_of(key) if isinstance(item, LineDict) and key in item else line)
        counted, kind = f.descriptor.get("statistic") == "count", f.descriptor.get("statistic_kind")
        if counted and kind is None:
            self.add("missing-field", f"资源 {res.name} 的字段 {f.name} 是计数(statistic: count),但没有写 statistic_kind,不知道不同年份的数能否相加", meta_path, where("statistic"), field=f.name,
                     note="在 statistic: count 旁写 statistic_kind: stock(时点数,某一时点的数,如在校学生数、专任教师数,不同年份不能相加)或 statistic_kind: flow(时期数,一段时期内发生的数,如当年招生数、当年新增装备数,可以跨年份相加)")
        elif kind is not None and not counted:
            self.add("missing-field", f"资源 {res.name} 的字段 {f.name} 写了 statistic_kind: {kind},但不是计数(没有 statistic: count)", meta_path, where("statistic_kind"), field=f.name,
                     note="这一列是人数等计数时补上 statistic: count,否则删去 statistic_kind")

    def entity_field(self, res, f: FieldDef, item: dict, line, meta_path: Path) -> FieldDef:
        """The entity's field ``f`` as the resource uses it. A key written beside the name must
        agree with the standard (it is there for Frictionless, e.g. ``type``); a dataset may add
        only facts about its own data (``statistic``, ``small_counts``, ``allow_personal``)."""
        added = {}
        for key, value in item.items():
            where = item.line_of(key) if isinstance(item, LineDict) else line
            if key == "name" or f.descriptor.get(key, _ABSENT) == value:
                continue
            if key in f.descriptor:
                self.add("mismatch-error", f"资源 {res.name} 的字段 {f.name} 写了 {key}: {_show(value)},但标准 {res.entity_ref} 中是 {key}: {_show(f.descriptor[key])}", meta_path, where, field=f.name, note=f"删去 {key}(字段定义以标准为准),或改为 {key}: {_show(f.descriptor[key])};这一列的定义确实不同时,换一个字段名,作为本数据集自己的字段写全定义")
            elif key in DATASET_FIELD_KEYS:
                added[key] = value
            else:
                self.add("mismatch-error", f"资源 {res.name} 的字段 {f.name} 写了 {key},但标准 {res.entity_ref} 中这个字段没有 {key}", meta_path, where, field=f.name, note=f"删去 {key}:引用标准的字段只能补充 {'、'.join(DATASET_FIELD_KEYS)};这一列的定义确实不同时,换一个字段名,作为本数据集自己的字段写全定义")
        return FieldDef({**f.descriptor, **added}, f.line) if added else f

    def safe_path(self, ds: Dataset, res, meta_path: Path) -> Path | None:
        path = resolve(ds.path, str(res.path), what="资源文件")
        if isinstance(path, Refused):
            self.add(path.type, path.message, meta_path, res.descriptor.line_of("path"), note=path.note)
            return None
        return path
