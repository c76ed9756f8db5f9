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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from educat.catalog.records import catalog_entity, check_records, load_rubric
from educat.tables.check import Finding, match_header
from educat.core.paths import write_atomic
from educat.core.loader import load_repo
from educat.core.model import SLUG, CodeList, FieldDef, Record
from educat.tables.readers import ENCODING_NAMES, ReadError, Table, read_table
from educat.core.paths import rel
from educat.core.yamlio import LineList, YamlError, parse_yaml, read_text

RESOURCES_DIR = Path("catalog") / "resources"
# Titles are near-identical when their difflib ratio reaches TITLE_RATIO and they differ only by
# added or dropped characters ("有理数的加法" / "有理数的加法运算"). A replaced character in a short
# title is another lesson ("有理数的加法" / "有理数的减法" scores 0.91), so a title with a
# replacement must reach REPLACED_RATIO.
TITLE_RATIO = 0.9
REPLACED_RATIO = 0.95
TRUE_WORDS = ("true", "是")
FALSE_WORDS = ("false", "否")
LIST_SEPARATORS = re.compile(r"[、,,;;\n]")
CODE_AND_NAME = (
    re.compile(r"^(?P<code>\S+?)\s*[==::]\s*(?P<name>.+)$"),  # 代码=名称, as the template's prompt shows
    re.compile(r"^(?P<code>\S+?)\s*[((](?P<name>.+)[))]$"),  # 代码(名称)
    re.compile(r"^(?P<code>\S+)\s+(?P<name>.+)$"),  # 代码 名称
)
DATE_FORMS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
SAMPLE_SUFFIX = re.compile(r"\s*\(示例\)\s*$")  # after NFKC, (示例) is (示例)

class CatalogImportError(Exception):
    """The import cannot start: a bad collection name, or no resource entity to import into."""


@dataclass(frozen=True)
class ImportProblem(Finding):
    """A problem that refuses the import: a spreadsheet row (header = its own row), a field,
    and for duplicates and existing ids the catalog record involved (``id`` and ``file:line``)."""

    existing: str = ""

    def to_dict(self) -> dict:
        data = super().to_dict()
        if self.existing:
            data["existing"] = self.existing
        return data


@dataclass
class ImportResult:
    """The plan of an import and whether it was written.

    ``added``, ``updated`` and ``unchanged`` are the plan even when ``problems`` refused it, so
    a curator sees what the file would do once fixed; ``written`` says whether files changed.
    """

    path: Path
    target: Path
    root: Path
    dry_run: bool = False
    table: Table | None = None
    added: list[str] = field(default_factory=list)
    updated: list[tuple[str, dict[str, tuple]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # files written, or that would be
    written: bool = False

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return len(self.table.rows) if self.table else 0

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "written": self.written,
            "dry_run": self.dry_run,
            "file": str(self.path),
            "target": rel(self.target, self.root),
            "rows": self.rows,
            "added": list(self.added),
            "updated": [{"id": rid, "changes": {k: {"old": old, "new": new} for k, (old, new) in changes.items()}} for rid, changes in self.updated],
            "unchanged": list(self.unchanged),
            "files": [rel(p, self.root) for p in self.files],
            "problems": [p.to_dict() for p in self.problems],
        }

    def render(self) -> str:
        name = self.path.name
        lines = []
        if self.table is not None:
            kind = self.table.format.upper()
            if self.table.format == "csv":
                kind += f",{ENCODING_NAMES.get(self.table.encoding, self.table.encoding)}"
            if self.table.sheet:
                kind += f",工作表 “{self.table.sheet}”"
            lines.append(f"导入 {name}({kind},{self.rows} 行数据)到 {rel(self.target, self.root)}")
        for p in self.problems:
            where = f"{name}:{p.row}" if p.row else name
            what = f" 字段 {p.field}({p.title})" if p.field and p.title and p.title != p.field else (f" 字段 {p.field}" if p.field else "")
            lines.append(f"{where}{what}: [{p.type}] {p.message}")
            if p.note:
                lines.append(f"    → {p.note}")
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
        if self.problems:
            lines.append(f"导入被拒绝:{len(self.problems)} 个问题,未写入任何文件。请改正表格后重新导入。")
        elif self.dry_run:
            lines.append("试运行:以上是导入计划,未写入任何文件。" + (f"实际导入将写入 {files}。" if files else "没有需要写入的变化。"))
        elif self.written:
            lines.append(f"已写入 {files}。")
        else:
            lines.append("没有需要写入的变化,未写入任何文件。")
        return "\n".join(lines)


def _shown(value) -> str:
    if value is None:
        return "(空)"
    if isinstance(value, (list, dict, bool)):
        return json.dumps(value, ensure_ascii=False)
    return f"“{value}”"


# -- cells to values ----------------------------------------------------------------------------
def _name_key(text: str) -> str:
    """A code-list name as compared: NFKC (full/half width), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def code_value(text: str, codelist: CodeList) -> str:
    """The code for ``code``, ``代码 名称``/``代码=名称``/``代码(名称)`` or the 名称 alone.

    A text that is none of these, or a name shared by several codes, comes back unchanged so
    that the code-list check reports it.
    """
    codes = codelist.codes
    if text in codes:
        return text
    by_name: dict[str, list[str]] = {}
    for code in codes.values():
        by_name.setdefault(_name_key(code.name), []).append(code.code)
    named = by_name.get(_name_key(text), [])
    if len(named) == 1:
        return named[0]
    if named:
        return text  # ambiguous name
    for pattern in CODE_AND_NAME:
        match = pattern.match(text)
        if match and match["code"] in codes and _name_key(match["name"]) == _name_key(codes[match["code"]].name):
            return match["code"]
    lowered = [c for c in codes if c.lower() == text.lower()]
    return lowered[0] if len(lowered) == 1 else text


def _split_list(text: str, codelist: CodeList | None) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            items = None  # e.g. YAML-style [g7, g8]: read the inside as a separated list
        if isinstance(items, list):
            return [json.dumps(i, ensure_ascii=False) if isinstance(i, (list, dict)) else str(i).strip() for i in items if i is not None and str(i).strip()]
        text = text[1:-1]
    parts = [p.strip().strip("\"'“”‘’").strip() for p in LIST_SEPARATORS.split(text)]
    parts = [p for p in parts if p]
    if codelist is None:
        # Punctuation separates when present, so a keyword may contain a space; else spaces do.
        return parts if LIST_SEPARATORS.search(text) else text.split()
    items = []
    for part in parts:
        code = code_value(part, codelist)
        if code in codelist.codes or not any(ch.isspace() for ch in part):
            items.append(code)
        else:
            items.extend(code_value(word, codelist) for word in part.split())
    return items


def _date_value(text: str) -> str:
    match = DATE_FORMS.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return text
    return text


def _bool_value(text: str, f: FieldDef):
    word = text.strip().lower()
    trues = {*TRUE_WORDS, *(str(v).lower() for v in f.descriptor.get("trueValues") or [])}
    falses = {*FALSE_WORDS, *(str(v).lower() for v in f.descriptor.get("falseValues") or [])}
    if word in trues:
        return True
    if word in falses:
        return False
    return text  # the table check reports it as a type error


def _number_value(text: str, type_: str):
    try:
        return int(text) if type_ in ("integer", "year") else (int(text) if re.fullmatch(r"-?\d+", text) else float(text))
    except ValueError:
        return text


def cell_value(raw, f: FieldDef, codelist: CodeList | None):
    """A spreadsheet cell as the value a record holds in YAML; None for an empty cell.

    JSON and NDJSON files (also read by ``read_table``) give lists and booleans as such.
    """
    if isinstance(raw, list) and f.type == "array":
        items = [str(i).strip() for i in raw if i is not None and str(i).strip()]
        return [code_value(i, codelist) if codelist is not None else i for i in items] or None
    if isinstance(raw, bool) and f.type == "boolean":
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if f.type == "array":
        items = _split_list(text, codelist)
        return items or None
    if f.type == "boolean":
        return _bool_value(text, f)
    if f.type == "date":
        return _date_value(text)
    if f.type in ("integer", "number", "year"):
        return _number_value(text, f.type)
    if codelist is not None:
        return code_value(text, codelist)
    return text


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


# -- YAML output --------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _represent_str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_date(dumper, value: dt.date):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dt.date, _represent_date)


def _plain(value):
    """LineDict/LineList and tuples as plain dicts and lists, for dumping and comparing."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def dump_record(record: dict, fields: list[FieldDef]) -> str:
    """One record as a YAML list item: entity field order, flow lists, unquoted ISO dates."""
    order = [f.name for f in fields]
    types = {f.name: f.type for f in fields}
    data = {}
    for key in sorted(record, key=lambda k: order.index(k) if k in order else len(order)):
        value = _plain(record[key])
        if types.get(key) == "date" and isinstance(value, str):
            try:
                if dt.date.fromisoformat(value).isoformat() == value:
                    value = dt.date.fromisoformat(value)  # written unquoted; the loader reads it back as text
            except ValueError:
                pass
        data[key] = value
    return yaml.dump([data], Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1 << 16)


def _join_blocks(head: str, blocks: list[str]) -> str:
    text = head
    for block in blocks:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
    return text


def render_file(text: str | None, replace: dict[int, dict], append: list[dict], fields: list[FieldDef]) -> str:
    """The new text of a catalog file: items at the given indexes replaced, records appended.

    Other lines stay byte-identical. Falls back to re-dumping every record (keeping the
    leading comments) when the spliced text does not parse back to exactly the intended list.
    """
    items = parse_yaml(text) if text and text.strip() else LineList()
    if items is None:
        items = LineList()
    if not isinstance(items, LineList):
        raise YamlError("文件顶层应为列表(每项以 - 开头)", 1)
    expected = [_plain(replace.get(i, item)) for i, item in enumerate(items)] + [_plain(r) for r in append]
    spliced = _splice(text or "", items, replace, append, fields)
    if spliced is not None and _plain(parse_yaml(spliced)) == expected:
        return spliced
    lines = (text or "").splitlines(keepends=True)
    first = items.item_lines[0] - 1 if items else len(lines)
    head = "".join(line for line in lines[:first] if not line.strip() or line.lstrip().startswith("#"))
    redumped = head + _join_blocks("", [dump_record(r, fields) for r in expected])
    if _plain(parse_yaml(redumped)) != expected:
        raise RuntimeError("重新生成的 YAML 与预期记录不一致")  # a bug in dump_record, not a user error
    return redumped


def _splice(text: str, items: LineList, replace: dict[int, dict], append: list[dict], fields: list[FieldDef]) -> str | None:
    lines = text.splitlines(keepends=True)
    starts = [line - 1 for line in items.item_lines]
    if any(not lines[s].lstrip().startswith("- ") for s in starts):
        return None  # e.g. "-" alone on a line or a flow list: re-dump instead
    for index in sorted(replace, reverse=True):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # blank lines and comments before the next record are not this record's
        lines[start:end] = dump_record(replace[index], fields).splitlines(keepends=True)
    return _join_blocks("".join(lines), [dump_record(r, fields) for r in append])


# -- the import ---------------------------------------------------------------------------------
def import_file(root: Path, path: Path, collection: str, *, update: bool = False, dry_run: bool = False, today: dt.date | None = None) -> ImportResult:
    """Import a spreadsheet of resources into ``catalog/resources/<collection>.yaml``.

    Raises CatalogImportError when the import cannot start; everything wrong with the file
    itself is in ``problems`` and refuses the whole import.
    """
    root = Path(root)
    if not SLUG.fullmatch(collection or ""):
        raise CatalogImportError(f"资源文件名 “{collection}” 无效:catalog/resources/<名称>.yaml 的名称只能用小写字母、数字和连字符,以字母或数字开头,如 junior 或 2026-spring")
    target = root / RESOURCES_DIR / f"{collection}.yaml"
    result = ImportResult(Path(path), target, root, dry_run=dry_run)
    repo, load_problems = load_repo(root)
    std, entity = catalog_entity(repo)
    if entity is None:
        raise CatalogImportError("内容仓库中没有标准 resource-metadata 的实体 resource,无法导入课程资源")
    fields = entity.fields
    titles = {f.name: f.title for f in fields}
    codelists = repo.field_codelists(fields, std)
    problems: list[ImportProblem] = []

    def problem(row, name, type_, message, note="", existing=""):
        problems.append(ImportProblem(row, name, type_, message, note, title=titles.get(name, ""), existing=existing))

    resources = (root / RESOURCES_DIR).as_posix() + "/"
    for p in load_problems:
        if (root / p.path).as_posix().startswith(resources):
            where = f"{p.path}:{p.line}" if p.line else p.path
            problem(None, "", "file-error", f"目录文件 {where} 无法读取:{p.message}", "先修复该文件(educat validate 会列出问题),再导入")

    try:
        table = read_table(Path(path))
    except ReadError as exc:
        problem(exc.row, "", "file-error", exc.message, exc.note)
        result.problems = problems
        return result
    result.table = table

    columns, header_findings = match_header(table.header, fields)
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
            value = cell_value(cells[index] if index < len(cells) else None, f, codelists.get(f.name))
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
            problem(row, "id", "exists", f"资源标识 “{rid}” 已存在({where[rid]}),表中这一行与它不同", "确认要修改这条记录时加 --update;新资源请换一个资源标识", existing=f"{rid} ({where[rid]})")

    # A missing required column matters for new records only (an update keeps the old
    # values); it is reported once on the header instead of once per row.
    missing = {f.field for f in header_findings if f.type == "missing-label"}
    adds = any(kind in ("add", "") for kind in kinds)
    for f in header_findings:
        if f.type != "missing-label" or adds:
            problems.append(ImportProblem(table.header_row, f.field, f.type, f.message, f.note, title=f.title, value=f.value))
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
        problems.append(ImportProblem(row, p.field, p.type, p.message, p.note, title=titles.get(p.field, ""), value=value))

    _check_duplicates(finals, kinds, table.row_numbers, existing, where, problem)
    result.problems = sorted(problems, key=lambda p: (p.row or 0, _field_order(p.field, fields), p.type))

    # The plan.
    replace: dict[Path, dict[str, dict]] = {}
    append: list[dict] = []
    for record, kind in zip(finals, kinds):
        rid = record.get("id")
        if kind == "add":
            result.added.append(rid)
            append.append(record)
        elif kind == "update":
            old = existing[rid]
            result.updated.append((rid, _changes(_plain(old.data), record, fields)))
            replace.setdefault(old.path, {})[rid] = record
        elif kind == "unchanged":
            result.unchanged.append(rid)
    if append:
        replace.setdefault(target, {})
    result.files = sorted(replace, key=lambda p: rel(p, root))
    if result.problems or not result.files:
        return result

    texts = {}
    for file_path in result.files:
        text = read_text(file_path) if file_path.is_file() else None
        items = parse_yaml(text) if text and text.strip() else None
        by_id = {str(item.get("id")): i for i, item in reversed(list(enumerate(items or []))) if isinstance(item, dict)}
        texts[file_path] = render_file(text, {by_id[rid]: rec for rid, rec in replace[file_path].items()}, append if file_path == target else [], fields)
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
                problem(row, "url", "duplicate", f"访问地址与已有资源 “{hit}”({where[hit]})相同", "同一资源不要重复收录;若是要修改那条记录,请用它的资源标识并加 --update", existing=f"{hit} ({where[hit]})")
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
            problem(row, "title", "duplicate", f"题名与同学科、同年级的已有资源 “{hit}”({where[hit]})的题名 “{old_title}” 几乎相同", "确认不是同一资源;若是要修改那条记录,请用它的资源标识并加 --update", existing=f"{hit} ({where[hit]})")
            continue
        n = next((n for data, n in earlier if near(data)), None)
        if n is not None:
            problem(row, "title", "duplicate", f"题名与表中第 {n} 行(同学科、同年级)几乎相同", "同一资源只保留一行")
