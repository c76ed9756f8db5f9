"""Read the content folders into typed models, collecting load problems as data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from educat.core.findings import Finding
from educat.core.model import (
    EXAMPLE_FILE,
    SEMVER,
    Code,
    CodeList,
    Collection,
    Dataset,
    DatasetResource,
    Entity,
    Example,
    FieldDef,
    Record,
    Repo,
    Standard,
    is_public_name,
)
from educat.core.paths import Refused, present, rel, resolve
from educat.core.yamlio import ItemCache, LineDict, LineList, YamlError, load_yaml, read_text

CODELIST_COLUMNS = ["code", "name", "description", "parent"]


class Loader:
    """Loads a content repository. ``problems`` collects everything that could not be read."""

    def __init__(self, root: Path, items: ItemCache | None = None):
        self.root = Path(root)
        self.findings: list[Finding] = []
        self.broken: set[str] = set()
        self.items = items  # the preview's: record files parsed item by item, unchanged items remembered

    # -- helpers ---------------------------------------------------------------------------
    def problem(self, type_, message, path, line=None, note="", **kw) -> None:
        self.findings.append(Finding(type=type_, message=message, path=rel(path, self.root), line=line, note=note, **kw))

    def named(self, name: str, path: Path, what: str, line=None) -> bool:
        """True when ``name`` may become part of a published path; otherwise a finding, and the
        item is left out (so it can never overwrite another page)."""
        if is_public_name(name):
            return True
        self.problem(
            "name-error",
            f"{what} “{name}” 不能用作网址:只能用小写字母、数字、- 和 _,以字母或数字开头,不超过 64 个字符",
            path,
            line,
            note="改名后重新提交;它会成为网站地址和下载文件名的一部分",
        )
        return False

    def readable(self, path: Path) -> bool:
        """A content file may be opened: inside the repository and a regular file (a pipe
        would block the build forever, a device never ends)."""
        found = resolve(path.parent, path.name, within=self.root)
        if isinstance(found, Refused):
            self.problem(found.type, found.message, path, note=found.note)
            return False
        return True

    def yaml(self, path: Path, expect=dict, items: ItemCache | None = None):
        if not self.readable(path):
            return None
        try:
            data = items.parse(read_text(path), path) if items is not None else load_yaml(path)
        except YamlError as exc:
            self.problem("yaml-error", exc.message, path, exc.line)
            return None
        except OSError as exc:
            self.problem("file-error", f"无法读取文件:{exc.strerror}", path)
            return None
        kind = LineDict if expect is dict else LineList
        if not isinstance(data, kind):
            want = "键值映射(mapping)" if expect is dict else "列表(每项以 - 开头)"
            self.problem("yaml-error", f"文件顶层应为{want}", path, 1)
            return None
        return data

    # -- whole repository ------------------------------------------------------------------
    def load(self, standards_only: bool = False) -> Repo:
        repo = Repo(self.root)
        self.broken = repo.broken
        for std in self.load_standards():
            repo.standards.setdefault(std.slug, {})[std.version] = std
        from educat.standards.extension import resolve  # a district's standard extends the city's

        resolve(repo, self.problem)
        if standards_only:  # enough for check, check-api, template, diff
            return repo
        for ds in self.load_datasets():
            repo.datasets[ds.slug] = ds
        repo.records = self.load_records()
        for path in sorted((self.root / "catalog" / "collections").glob("*.yaml")):
            if not self.named(path.stem, path, "专题文件名"):
                continue
            meta = self.yaml(path)
            if meta is not None:
                repo.collections[path.stem] = Collection(path.stem, path, meta)
        return repo

    # -- standards -------------------------------------------------------------------------
    def load_standards(self) -> list[Standard]:
        base = self.root / "standards"
        result = []
        if not base.is_dir():
            return result
        for slug_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            if not self.named(slug_dir.name, slug_dir, "标准目录名"):
                continue
            for version_dir in sorted(p for p in slug_dir.iterdir() if p.is_dir()):
                if not SEMVER.fullmatch(version_dir.name):
                    self.problem("name-error", f"版本目录名 “{version_dir.name}” 不是语义化版本号(如 1.0.0)", version_dir, note="把目录改名为 主版本.次版本.修订号")
                    continue
                std = self.load_standard(version_dir)
                if std is not None:
                    result.append(std)
        return result

    def load_standard(self, folder: Path) -> Standard | None:
        meta_path = folder / "standard.yaml"
        if not meta_path.is_file():
            self.problem(
                "missing-file",
                "标准版本目录缺少 standard.yaml",
                folder,
                note="每个 standards/<slug>/<版本>/ 目录都需要 standard.yaml",
            )
            return None
        meta = self.yaml(meta_path)
        if meta is None:
            self.broken.update({folder.parent.name, f"{folder.parent.name}@{folder.name}"})
            return None
        std = Standard(slug=folder.parent.name, version=folder.name, path=folder, meta=meta)
        entity_dir = folder / "entities"
        if entity_dir.is_dir():
            for path in sorted(entity_dir.glob("*.yaml")):
                if not self.named(path.stem, path, "实体文件名"):
                    continue
                entity = self.load_entity(path)
                if entity is not None:
                    std.entities[entity.name] = entity
        codelist_meta = meta.get("codelists") if isinstance(meta.get("codelists"), dict) else {}
        codelist_dir = folder / "codelists"
        if codelist_dir.is_dir():
            for path in sorted(codelist_dir.glob("*.csv")):
                if not self.named(path.stem, path, "代码表文件名"):
                    continue
                info = codelist_meta.get(path.stem) if isinstance(codelist_meta.get(path.stem), dict) else {}
                std.codelists[path.stem] = self.load_codelist(path, info)
        examples = folder / "examples" / "examples.yaml"
        if present(examples):
            std.examples, std.examples_doc = self.load_examples(examples)
        openapi = folder / "openapi.yaml"
        if present(openapi) and self.readable(openapi):
            std.openapi = openapi
        return std

    def load_entity(self, path: Path) -> Entity | None:
        data = self.yaml(path)
        if data is None:
            return None
        fields = []
        raw_fields = data.get("fields")
        if isinstance(raw_fields, LineList):
            for item, line in zip(raw_fields, raw_fields.item_lines):
                if isinstance(item, dict):
                    fields.append(FieldDef(item, line))
        return Entity(name=path.stem, path=path, descriptor=data, fields=fields)

    def load_codelist(self, path: Path, info: dict) -> CodeList:
        codelist = CodeList(
            name=path.stem,
            path=path,
            title=str(info.get("title", "")),
            source=str(info.get("source", "")),
            description=str(info.get("description", "")),
            parent_codelist=str(info.get("parent_codelist", "")),
        )
        if not self.readable(path):
            return codelist
        try:
            text = read_text(path)
        except YamlError as exc:
            self.problem("encoding-error", exc.message, path, exc.line)
            return codelist
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            self.problem("missing-label", "代码表为空:第一行应为表头 code,name,description,parent", path, 1)
            return codelist
        if header not in (CODELIST_COLUMNS, CODELIST_COLUMNS[:3]):
            self.problem(
                "incorrect-label",
                f"代码表表头为 {','.join(header)}",
                path,
                1,
                row=1,
                note="表头必须是 code,name,description 或 code,name,description,parent",
            )
            return codelist
        for cells in reader:
            row = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                self.problem(
                    "extra-cell" if len(cells) > len(header) else "missing-cell",
                    f"此行有 {len(cells)} 列,表头有 {len(header)} 列",
                    path,
                    row,
                    row=row,
                    note="检查是否有多余的逗号;含逗号的文字要用双引号括起来",
                )
                continue
            values = dict(zip(header, cells))
            code = values["code"].strip()
            if not code or not values["name"].strip():
                self.problem("constraint-error", "代码和名称不能为空", path, row, row=row, field="code" if not code else "name")
                continue
            if code in codelist.codes:
                self.problem(
                    "unique-error",
                    f"代码 “{code}” 重复(第 {codelist.codes[code].row} 行已有)",
                    path,
                    row,
                    row=row,
                    field="code",
                )
                continue
            codelist.codes[code] = Code(code, values["name"].strip(), values["description"].strip(), values.get("parent", "").strip(), row)
        return codelist

    def load_examples(self, path: Path) -> tuple[list[Example], list | None]:
        """The examples, and the file's data for the metaschema check (``validate``)."""
        data = self.yaml(path, expect=list)
        if data is None:
            return [], None
        result = []
        for item, line in zip(data, data.item_lines):
            if not isinstance(item, dict):
                self.problem("yaml-error", "每个样例应是一个映射(file/entity/…)", path, line)
                continue
            expected = None
            if "errors" in item:
                expected = []
                errors = item.get("errors")
                for err in errors if isinstance(errors, list) else []:  # other types: the metaschema says so
                    if isinstance(err, dict):  # a value of the wrong type matches nothing; the metaschema says why
                        row, name, kind = err.get("row"), err.get("field") or "", err.get("type", "")
                        expected.append((row if isinstance(row, int) else None, name if isinstance(name, str) else "", kind if isinstance(kind, str) else ""))
            elif item.get("valid") is not True:
                self.problem(
                    "example-error",
                    f"样例 {item.get('file')} 既没有 valid: true 也没有声明 errors",
                    path,
                    line,
                    note="合规样例写 valid: true;不合规样例在 errors 中列出每个应报的错误",
                )
                continue
            file = str(item.get("file", ""))
            if not EXAMPLE_FILE.fullmatch(file) or ".." in file:
                self.problem("name-error", f"样例文件名 “{file}” 无效:只能写 examples/ 目录中的文件名,不能带路径", path, line, note="把样例文件放进 examples/,这里只写文件名")
                continue
            result.append(
                Example(
                    file=file,
                    entity=str(item.get("entity", "")),
                    path=path,
                    line=line,
                    description=str(item.get("description", "")),
                    expected=expected,
                )
            )
        return result, data

    # -- datasets --------------------------------------------------------------------------
    def load_datasets(self) -> list[Dataset]:
        base = self.root / "datasets"
        result = []
        if not base.is_dir():
            return result
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            if not self.named(folder.name, folder, "数据集目录名"):
                continue
            path = folder / "datapackage.yaml"
            if not path.is_file():
                self.problem("missing-file", "数据集目录缺少 datapackage.yaml", folder)
                continue
            meta = self.yaml(path)
            if meta is None:
                continue
            ds = Dataset(slug=folder.name, path=folder, meta=meta)
            resources = meta.get("resources")
            if isinstance(resources, LineList):
                for item, line in zip(resources, resources.item_lines):
                    if isinstance(item, dict) and self.named(str(item.get("name", "")), path, "资源名", line):
                        ds.resources.append(DatasetResource(str(item.get("name", "")), item, line))
            result.append(ds)
        return result

    # -- catalog ---------------------------------------------------------------------------
    def load_records(self) -> list[Record]:
        records = []
        for path in self.record_files():
            records.extend(self.record_file(path))
        return records

    def record_files(self) -> list[Path]:
        """The catalog's record files, in the order their records are listed."""
        base = self.root / "catalog" / "resources"
        return sorted(base.glob("*.yaml")) if base.is_dir() else []

    def record_file(self, path: Path) -> list[Record]:
        data = self.yaml(path, expect=list, items=self.items)
        if data is None:
            return []
        records = []
        for item, line in zip(data, data.item_lines):
            if not isinstance(item, dict):
                self.problem("yaml-error", "每条资源记录应是一个映射(id/title/…)", path, line)
                continue
            if not self.named(str(item.get("id", "")), path, "资源标识 id", item.key_lines.get("id", line) if hasattr(item, "key_lines") else line):
                continue
            records.append(Record(item, path, line))
        return records


def load_repo(root: Path, standards_only: bool = False, items: ItemCache | None = None) -> tuple[Repo, list[Finding]]:
    loader = Loader(root, items)
    repo = loader.load(standards_only)
    return repo, loader.findings
