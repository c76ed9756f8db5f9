"""Catalog records: batch validation against the resource-metadata standard, and the 精品 rubric.

``check_records`` is what ``validate`` runs on each catalog file and what ``import`` runs on a
curator's spreadsheet: one Frictionless pass over the batch, plus unknown keys and the rubric.
Row numbers count a header, so the first record is row 2, like in the spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator

from educat.core import metaschemas
from educat.core.model import Entity, Repo, Standard
from educat.core.paths import Refused, present, resolve
from educat.core.model import has_html
from educat.datasets.privacy import personal_data
from educat.core.findings import Finding
from educat.tables.frictionless_check import validate_table
from educat.core.yamlio import LineDict, YamlError, load_yaml

RUBRIC_FILE = Path("catalog") / "rubric.yaml"
# Length limits of record texts (characters): a 10 MB title would make a 40 MB page.
TEXT_LIMIT = 2000
TEXT_LIMITS = {"title": 200, "url": 2000, "description": 2000}


@dataclass
class Rubric:
    """The published criteria every 精品 record must meet (catalog/rubric.yaml)."""

    title: str = "精品资源评选标准"
    review_max_age_months: int = 24
    excluded_licenses: list[str] = field(default_factory=lambda: ["copyright"])
    required_access: str = "free"
    introduction: str = ""
    criteria: list[str] = field(default_factory=list)


def read_rubric(root: Path) -> tuple[LineDict | None, list[tuple[str, int | None]]]:
    """catalog/rubric.yaml as read (None when absent or unreadable), and why it could not be read."""
    path = Path(root) / RUBRIC_FILE
    if not present(path):
        return None, []
    found = resolve(Path(root), RUBRIC_FILE.as_posix(), what="精品标准文件")
    if isinstance(found, Refused):
        return None, [(found.message, None)]
    try:
        data = load_yaml(path)
    except YamlError as exc:
        return None, [(exc.message, exc.line)]
    if not isinstance(data, LineDict):
        return None, [("文件顶层应为键值映射", 1)]
    return data, []


def load_rubric(root: Path) -> tuple[Rubric, list[tuple[str, int | None]]]:
    """The rubric, and any problems reading it as (message, line). A file that does not match
    its metaschema (``validate`` lists why, with lines) gives the default rubric, never a crash."""
    data, problems = read_rubric(root)
    if data is None or not Draft202012Validator(metaschemas.RUBRIC).is_valid(data):
        return Rubric(), problems
    defaults = Rubric()
    rubric = Rubric(
        title=data.get("title", defaults.title),
        review_max_age_months=data.get("review_max_age_months", defaults.review_max_age_months),
        excluded_licenses=list(data.get("excluded_licenses", defaults.excluded_licenses)),
        required_access=data.get("required_access", defaults.required_access),
        introduction=data.get("introduction", ""),
        criteria=list(data.get("criteria", [])),
    )
    return rubric, problems


def catalog_entity(repo: Repo) -> tuple[Standard | None, Entity | None]:
    std = repo.catalog_standard
    return std, (std.entities.get("resource") if std else None)


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)


def rubric_problems(data: dict, row: int, rubric: Rubric, today: dt.date, fields: set[str]) -> list[Finding]:
    """Why a record flagged 精品 does not meet the rubric (empty when it does or is not 精品)."""
    if data.get("featured") is not True:
        return []
    problems = []
    for key, label in (("featured_reason", "入选理由"), ("reviewer", "审核人"), ("review_date", "审核日期")):
        if not data.get(key):
            problems.append(Finding(row=row, field=key, type="rubric-error", message=f"精品资源缺少{label}({key})", note="精品资源必须写明入选理由、署名的审核人和审核日期"))
    if data.get("license") in rubric.excluded_licenses:
        problems.append(Finding(row=row, field="license", type="rubric-error", message=f"精品资源的许可 “{data.get('license')}” 不是清晰的开放或免费使用许可", note="改为开放许可(如 CC BY)或“免费使用”,否则取消精品标记"))
    if "access" in fields and data.get("access") != rubric.required_access:
        problems.append(Finding(row=row, field="access", type="rubric-error", message=f"精品资源必须免费且无需登录(access: {rubric.required_access}),实际为 “{data.get('access') or '未填写'}”", note="确认资源可免登录访问后填写 access,否则取消精品标记"))
    reviewed = data.get("review_date")
    if reviewed:
        try:
            date = dt.date.fromisoformat(str(reviewed))
        except ValueError:
            date = None  # the type error is reported by the table check
        if date is not None and months_between(date, today) >= rubric.review_max_age_months:
            problems.append(Finding(row=row, field="review_date", type="rubric-error", message=f"精品资源的审核日期 {reviewed} 已超过 {rubric.review_max_age_months} 个月", note="重新审核并更新 review_date,或取消精品标记"))
    return problems


def check_records(repo: Repo, records: list[dict], rubric: Rubric, today: dt.date | None = None) -> list[Finding]:
    """Validate a batch of records (dicts keyed by field name); row = index + 2."""
    std, entity = catalog_entity(repo)
    if entity is None:
        return [Finding(row=None, field="", type="dangling-reference", message="课程资源目录需要标准 resource-metadata 的实体 resource", note="添加 standards/resource-metadata/<版本>/entities/resource.yaml")]
    today = today or dt.date.today()
    names = [f.name for f in entity.fields]
    allowed = set(names)
    problems = []
    for index, data in enumerate(records):
        row = index + 2
        for key, value in data.items():
            if key not in allowed:
                problems.append(Finding(row=row, field=str(key), type="unknown-field", message=f"未知字段 “{key}”", note=f"检查拼写;资源元数据字段:{'、'.join(names)}"))
            elif key != "url" and any(has_html(v) for v in (value if isinstance(value, list) else [value])):
                problems.append(Finding(row=row, field=str(key), type="html-error", message="含有 HTML 标记或 javascript: 地址", note="资源元数据是纯文本:删除尖括号标记"))
            else:
                for kind, label, masked in personal_data(" ".join(map(str, value)) if isinstance(value, list) else value) if key != "url" else []:
                    problems.append(Finding(row=row, field=str(key), type="privacy-error", message=f"有疑似{label} “{masked}”:资源目录会公开发布", note="删除或脱敏;资源目录只写资源本身的信息"))
                limit = TEXT_LIMITS.get(key, TEXT_LIMIT)
                longest = max((len(str(v)) for v in (value if isinstance(value, list) else [value])), default=0)
                if longest > limit:
                    problems.append(Finding(row=row, field=str(key), type="length-error", message=f"文字有 {longest} 个字符,超过上限 {limit}", note="缩短文字;详细内容放在资源自己的页面上"))
        problems.extend(rubric_problems(data, row, rubric, today, allowed))
    rows = [{name: data.get(name) for name in names} for data in records]
    table_problems, _ = validate_table(entity.fields, repo.field_codelists(entity.fields, std), rows=rows)
    # ids must be unique across the whole catalog; the caller checks that, not per batch
    problems.extend(p for p in table_problems if not (p.type == "unique-error" and p.field == "id"))
    return sorted(problems, key=lambda p: (p.row or 0, names.index(p.field) if p.field in allowed else -1, p.type))
