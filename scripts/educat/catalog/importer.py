"""Import a curator's spreadsheet of course resources into ``catalog/resources/<collection>.yaml``.

The pipeline: ``readers.read_table`` (CSV in UTF-8/BOM/GB18030, XLSX sheet 数据) → headers
matched by field name or 中文名 (``check.match_header``) → each row converted to a record with
YAML types (booleans, lists, ISO dates, code names mapped back to codes) → one batch check
with ``catalog.check_records`` → duplicate and existing-id checks against the catalog →
a plan (added, updated with field-level changes, unchanged) → atomic writes.

The import is all or nothing: any problem refuses the whole file and nothing is written.
``dry_run`` computes exactly the same plan and writes nothing.

Files are written by splicing text: an updated record's lines are replaced, new records are
appended, so comments and the other records stay byte-identical. The result is parsed back
and compared with the intended records; if the splice cannot be proven right (an unusual
layout), the whole list is re-dumped, keeping the file's leading comment block.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from educat.catalog.import_cells import cell_value
from educat.catalog.record_files import plain as _plain
from educat.catalog.record_files import render_file
from educat.catalog.records import catalog_entity, check_records, load_rubric
from educat.core.cells import starts_formula
from educat.core.findings import Finding, Result
from educat.core.loader import load_repo
from educat.core.model import SLUG, FieldDef, Record
from educat.core.paths import rel, write_atomic
from educat.core.yamlio import parse_yaml, read_text
from educat.tables.check import match_header
from educat.tables.readers import ENCODING_NAMES, ReadError, Table, read_table

RESOURCES_DIR = Path("catalog") / "resources"
NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
# Titles are near-identical when their difflib ratio reaches TITLE_RATIO and they differ only by
# added or dropped characters ("有理数的加法" / "有理数的加法运算"). A replaced character in a short
# title is another lesson ("有理数的加法" / "有理数的减法" scores 0.91), so a title with a
# replacement must reach REPLACED_RATIO.
TITLE_RATIO = 0.9
REPLACED_RATIO = 0.95
SAMPLE_SUFFIX = re.compile(r"\s*\(示例\)\s*$")  # after NFKC, (示例) is (示例)

class CatalogImportError(Exception):
    """The import cannot start: a bad collection name, or no resource entity to import into."""


@dataclass
class ImportResult(Result):
    """The plan of an import and whether it was written.

    ``added``, ``updated`` and ``unchanged`` are the plan even when ``findings`` refused it, so
    a curator sees what the file would do once fixed; ``written`` says whether files changed.
    """

    path: Path | None = None
    target: Path | None = None
    root: Path | None = None
    dry_run: bool = False
    table: Table | None = None
    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, dict[str, tuple]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # files written, or that would be
    written: bool = False

    command: ClassVar[str] = "import"

    @property
    def rows(self) -> int:
        return len(self.table.rows) if self.table else 0

    def listed(self) -> list[Finding]:
        return [f if f.path else replace(f, path=self.path.name) for f in self.findings]

    def extra_stats(self) -> dict:
        return {"rows": self.rows, "added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged)}

    def context(self) -> dict:
        return {
            "file": str(self.path),
            "target": rel(self.target, self.root),
            "dry_run": self.dry_run,
            "written": self.written,
            "files": [rel(p, self.root) for p in self.files],
            "added": list(self.added),
            "updated": [{"id": rid, "changes": {k: {"old": old, "new": new} for k, (old, new) in changes.items()}} for rid, changes in self.updated],
            "unchanged": list(self.unchanged),
        }

    def headline(self) -> list[str]:
        if self.table is None:
            return []
        kind = self.table.format.upper()
        if self.table.format == "csv":
            kind += f",{ENCODING_NAMES.get(self.table.encoding, self.table.encoding)}"
        if self.table.sheet:
            kind += f",工作表 “{self.table.sheet}”"
        return [f"导入 {self.path.name}({kind},{self.rows} 行数据)到 {rel(self.target, self.root)}"]

    def summary(self) -> list[str]:
        lines = []
        plan = "" if self.written else "拟"  # a plan not (yet) carried out
        if self.added:
            lines.append(f"{plan}新增 {len(self.added)} 条:{'、'.join(self.added)}")
        if self.updated:
            lines.append(f"{plan}更新 {len(self.updated)} 条:")
            for rid, changes in self.updated:
                lines.append(f"  {rid}")
                for key, (old, new) in changes.items():
                    lines.append(f"    {key}: {_shown(old)} → {_shown(new)}")
        if self.unchanged:
            lines.append(f"未变化 {len(self.unchanged)} 条:{'、'.join(self.unchanged)}")
        files = "、".join(rel(p, self.root) for p in self.files)
        if self.findings:
            lines.append(f"导入被拒绝:{len(self.findings)} 个问题,未写入任何文件。请改正表格后重新导入。")
        elif self.dry_run:
            lines.append("试运行:以上是导入计划,未写入任何文件。" + (f"实际导入将写入 {files}。" if files else "没有需要写入的变化。"))
        elif self.written:
            lines.append(f"已写入 {files}。")
        else:
            lines.append("没有需要写入的变化,未写入任何文件。")
        return lines


def _shown(value) -> str:
    if value is None:
        return "(空)"
    if isinstance(value, (list, dict, bool)):
        return json.dumps(value, ensure_ascii=False)
    return f"“{value}”"


# -- duplicates ---------------------------------------------------------------------------------
def title_key(title: str) -> str:
    """A title as compared for near-duplicates: NFKC, no trailing (示例), no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", str(title)).strip()
    while SAMPLE_SUFFIX.search(text):
        text = SAMPLE_SUFFIX.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZ").lower()


def url_key(url) -> str | None:
    """A URL as compared for duplicates, or None for a site's home page.

    Host (any case) and path without a trailing slash and query; the scheme and fragment are
    ignored. A bare home page (``https://basic.smartedu.cn/``) names a platform, which many
    records legitimately share, so it is not a duplicate.
    """
    if not isinstance(url, str) or not url.strip():
        return None
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path and not parts.query:
        return None
    return f"{parts.netloc.lower()}{path}" + (f"?{parts.query}" if parts.query else "")


def _grades(record: dict) -> set:
    value = record.get("grades")
    return {str(v) for v in value} if isinstance(value, list) else ({str(value)} if value else set())


def _same_class(a: dict, b: dict) -> bool:
    """Same subject and overlapping grades (two records without grades overlap)."""
    if not a.get("subject") or a.get("subject") != b.get("subject"):
        return False
    ga, gb = _grades(a), _grades(b)
    return bool(ga & gb) if (ga or gb) else True


# -- the import ---------------------------------------------------------------------------------
def import_file(root: Path, path: Path, collection: str, *, update: bool = False, dry_run: bool = False, today: dt.date | None = None) -> ImportResult:
    """Import a spreadsheet of resources into ``catalog/resources/<collection>.yaml``.

    Raises CatalogImportError when the import cannot start; everything wrong with the file
    itself is in ``findings`` and refuses the whole import.
    """
    root = Path(root)
    if not SLUG.fullmatch(collection or ""):
        raise CatalogImportError(f"资源文件名 “{collection}” 无效:catalog/resources/<名称>.yaml 的名称只能用小写字母、数字和连字符,以字母或数字开头,如 junior 或 2026-spring")
    target = root / RESOURCES_DIR / f"{collection}.yaml"
    result = ImportResult(path=Path(path), target=target, root=root, dry_run=dry_run)
    repo, load_problems = load_repo(root)
    std, entity = catalog_entity(repo)
    if entity is None:
        raise CatalogImportError("内容仓库中没有标准 resource-metadata 的实体 resource,无法导入课程资源")
    fields = entity.fields
    titles = {f.name: f.title for f in fields}
    codelists = repo.field_codelists(fields, std)
    problems: list[Finding] = []

    def problem(row, name, type_, message, note="", related=""):
        problems.append(Finding(row=row, field=name, type=type_, message=message, note=note, title=titles.get(name, ""), related=related))

    resources = (root / RESOURCES_DIR).as_posix() + "/"
    for p in load_problems:
        if (root / p.path).as_posix().startswith(resources):
            where = f"{p.path}:{p.line}" if p.line else p.path
            problem(None, "", "file-error", f"目录文件 {where} 无法读取:{p.message}", "先修复该文件(educat validate 会列出问题),再导入")

    try:
        table = read_table(Path(path))
    except ReadError as exc:
        problem(exc.row, "", "file-error", exc.message, exc.note)
        result.findings = problems
        return result
    result.table = table

    columns, header_findings = match_header(table.header, fields, explain=False)
    present = {f.name for f in columns.values()}

    # Rows to records; an existing id takes the old values of the columns the sheet lacks.
    existing: dict[str, Record] = {}
    for record in repo.records:
        existing.setdefault(record.id, record)
    where = {rid: f"{rel(r.path, root)}:{r.line}" for rid, r in existing.items()}
    finals: list[dict] = []
    kinds: list[str] = []  # "add", "update", "unchanged", "exists", "" (no id)
    for cells, row in zip(table.rows, table.row_numbers):
        values = {}
        for index, f in columns.items():
            raw = cells[index] if index < len(cells) else None
            if starts_formula(raw) and not NUMBER.fullmatch(raw.strip()):
                problem(row, f.name, "formula-cell", f"单元格以 “{raw[:1].strip() or '空白字符'}” 开头,电子表格会把它当作公式:{raw[:40]}", "去掉开头的 =、+、-、@ 或制表符;确实以这些字符开头的文字,导出时会加上 ' 作为文本")
                continue
            value = cell_value(raw, f, codelists.get(f.name))
            if value is not None:
                values[f.name] = value
        extra = [c for i, c in enumerate(cells) if i >= len(table.header) and str(c).strip()]
        if extra:
            problem(row, "", "extra-cell", f"此行在表头之外还有 {len(extra)} 个非空单元格", "删除表头右侧多余的内容,或为它补上表头")
        rid = values.get("id")
        old = existing.get(rid) if isinstance(rid, str) else None
        if old is None:
            finals.append(values)
            kinds.append("add" if rid else "")
            continue
        merged = {}
        for f in fields:
            if f.name in present:
                if f.name in values:
                    merged[f.name] = values[f.name]
                elif f.name in old.data and old.data[f.name] in ([], ""):
                    merged[f.name] = _plain(old.data[f.name])  # an empty cell: keep the record's own way of saying "none"
            elif f.name in old.data:
                merged[f.name] = _plain(old.data[f.name])
        merged.update({k: _plain(v) for k, v in old.data.items() if k not in titles})  # unknown keys: validate reports them
        finals.append(merged)
        if merged == _plain(old.data):
            kinds.append("unchanged")
        elif update:
            kinds.append("update")
        else:
            kinds.append("exists")
            problem(row, "id", "exists", f"资源标识 “{rid}” 已存在({where[rid]}),表中这一行与它不同", "确认要修改这条记录时加 --update;新资源请换一个资源标识", related=f"{rid} ({where[rid]})")

    # A missing required column matters for new records only (an update keeps the old
    # values); it is reported once on the header instead of once per row.
    missing = {f.field for f in header_findings if f.type == "missing-label"}
    adds = any(kind in ("add", "") for kind in kinds)
    for f in header_findings:
        if f.type != "missing-label" or adds:
            problems.append(replace(f, row=table.header_row))
    first_row: dict[str, int] = {}
    for record, row in zip(finals, table.row_numbers):
        rid = record.get("id")
        if rid in first_row:
            problem(row, "id", "unique-error", f"资源标识 “{rid}” 与第 {first_row[rid]} 行重复", "每条资源只占一行;删除重复的行,或改正资源标识")
        elif rid:
            first_row[rid] = row

    rubric, _ = load_rubric(root)  # problems in rubric.yaml are validate's to report
    for p in check_records(repo, finals, rubric, today):
        index = (p.row or 0) - 2
        row = table.row_numbers[index] if 0 <= index < len(table.row_numbers) else p.row
        value = finals[index].get(p.field) if 0 <= index < len(finals) else None
        if p.type == "constraint-error" and p.field in missing and value is None:
            continue  # the empty required cell of a missing column: reported on the header
        problems.append(replace(p, row=row, title=titles.get(p.field, ""), value=value))

    _check_duplicates(finals, kinds, table.row_numbers, existing, where, problem)
    result.findings = sorted(problems, key=lambda p: (p.row or 0, _field_order(p.field, fields), p.type))

    # The plan.
    rewrites: dict[Path, dict[str, dict]] = {}
    append: list[dict] = []
    for record, kind in zip(finals, kinds):
        rid = record.get("id")
        if kind == "add":
            result.added.append(rid)
            append.append(record)
        elif kind == "update":
            old = existing[rid]
            result.updated.append((rid, _changes(_plain(old.data), record, fields)))
            rewrites.setdefault(old.path, {})[rid] = record
        elif kind == "unchanged":
            result.unchanged.append(rid)
    if append:
        rewrites.setdefault(target, {})
    result.files = sorted(rewrites, key=lambda p: rel(p, root))
    if result.findings or not result.files:
        return result

    texts = {}
    for file_path in result.files:
        text = read_text(file_path) if file_path.is_file() else None
        items = parse_yaml(text) if text and text.strip() else None
        by_id = {str(item.get("id")): i for i, item in reversed(list(enumerate(items or []))) if isinstance(item, dict)}
        texts[file_path] = render_file(text, {by_id[rid]: rec for rid, rec in rewrites[file_path].items()}, append if file_path == target else [], fields)
    if dry_run:
        return result
    target.parent.mkdir(parents=True, exist_ok=True)
    for file_path, text in texts.items():
        write_atomic(file_path, text.encode("utf-8"))
    result.written = True
    return result


def _field_order(name: str, fields: list[FieldDef]) -> int:
    return next((i for i, f in enumerate(fields) if f.name == name), -1)


def _changes(old: dict, new: dict, fields: list[FieldDef]) -> dict[str, tuple]:
    names = [f.name for f in fields] + [k for k in [*old, *new] if k not in {f.name for f in fields}]
    return {k: (old.get(k), new.get(k)) for k in dict.fromkeys(names) if old.get(k) != new.get(k)}


def _check_duplicates(finals, kinds, row_numbers, existing: dict[str, Record], where: dict[str, str], problem) -> None:
    """Same URL, or a near-identical title in the same subject and grades, as another record.

    Compared with the catalog records that stay (a record that a row updates is being
    replaced, not duplicated) and with earlier rows. Only what a row introduces is checked:
    an update is checked for the URL only if it changes the URL, and so on.
    """
    replaced = {r.get("id") for r, kind in zip(finals, kinds) if kind in ("update", "exists")}
    others = [(rec.data, rec.id) for rid, rec in existing.items() if rid not in replaced]
    seen: list[tuple[dict, int]] = []
    for record, kind, row in zip(finals, kinds, row_numbers):
        if kind == "unchanged":
            continue
        old = existing.get(record.get("id"))
        old_data = old.data if old is not None and kind in ("update", "exists") else {}
        earlier = [(data, n) for data, n in seen if not record.get("id") or data.get("id") != record.get("id")]
        seen.append((record, row))
        key = url_key(record.get("url"))
        if key and key != url_key(old_data.get("url")):
            hit = next((rid for data, rid in others if url_key(data.get("url")) == key), None)
            if hit is not None:
                problem(row, "url", "duplicate", f"访问地址与已有资源 “{hit}”({where[hit]})相同", "同一资源不要重复收录;若是要修改那条记录,请用它的资源标识并加 --update", related=f"{hit} ({where[hit]})")
            else:
                n = next((n for data, n in earlier if url_key(data.get("url")) == key), None)
                if n is not None:
                    problem(row, "url", "duplicate", f"访问地址与表中第 {n} 行相同", "同一资源只保留一行")
        title = record.get("title")
        changed = any(record.get(k) != old_data.get(k) for k in ("title", "subject", "grades"))
        if not title or not changed:
            continue
        mine = title_key(title)

        def near(data: dict) -> bool:
            if not data.get("title") or not _same_class(record, data):
                return False
            matcher = difflib.SequenceMatcher(None, mine, title_key(data["title"]))
            if not (matcher.real_quick_ratio() >= TITLE_RATIO and matcher.quick_ratio() >= TITLE_RATIO and matcher.ratio() >= TITLE_RATIO):
                return False
            replaced = any(op == "replace" for op, *_ in matcher.get_opcodes())
            return not replaced or matcher.ratio() >= REPLACED_RATIO

        hit = next((rid for data, rid in others if near(data)), None)
        if hit is not None:
            old_title = existing[hit].data.get("title")
            problem(row, "title", "duplicate", f"题名与同学科、同年级的已有资源 “{hit}”({where[hit]})的题名 “{old_title}” 几乎相同", "确认不是同一资源;若是要修改那条记录,请用它的资源标识并加 --update", related=f"{hit} ({where[hit]})")
            continue
        n = next((n for data, n in earlier if near(data)), None)
        if n is not None:
            problem(row, "title", "duplicate", f"题名与表中第 {n} 行(同学科、同年级)几乎相同", "同一资源只保留一行")
