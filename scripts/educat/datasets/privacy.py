"""The privacy gate for published datasets.

A public dataset must not carry personal information in its cells: resident ID numbers
(recognised by their GB 11643 check digit, so random 18-digit numbers do not trip it),
mainland mobile numbers and e-mail addresses. A field may declare that it publishes such
values on purpose (``allow_personal: [email]`` for an institution's contact address).
Counts of people below 5 can identify a person; they are reported as warnings.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
import unicodedata
from pathlib import Path

from educat.tables.identifiers import is_valid_id_card
from educat.core.model import FieldDef
from educat.core.findings import Finding

# Digits as people write them: with spaces or dashes between groups, and (after NFKC)
# full-width. A number glued to letters ("ID310113…") is still found: only digits bound it.
_SEP = r"[ \-\u2010-\u2015]?"
ID_CARD_18 = re.compile(r"(?<![0-9])[1-9](?:" + _SEP + r"[0-9]){16}" + _SEP + r"[0-9Xx](?![0-9])")
ID_CARD_15 = re.compile(r"(?<![0-9])[1-9](?:" + _SEP + r"[0-9]){14}(?![0-9Xx])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ \-]?)?\(?1[3-9][0-9]\)?(?:[ \-]?[0-9]){8}(?![0-9])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SMALL_CELL = 5


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text).upper()


def _old_id(number: str) -> bool:
    """A 15-digit ID (before 1999): a province prefix and a real date YYMMDD at 7–12."""
    from educat.tables.identifiers import PROVINCE_PREFIXES

    try:
        _dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return number[:2] in PROVINCE_PREFIXES


def find_id_cards(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    found = [d for m in ID_CARD_18.findall(text) if is_valid_id_card(d := _digits(m))]
    return found + [d for m in ID_CARD_15.findall(text) if _old_id(d := _digits(m))]


def find_mobiles(text: str) -> list[str]:
    return [_digits(m)[-11:] for m in MOBILE.findall(unicodedata.normalize("NFKC", text))]


# Domains reserved for examples (RFC 2606/6761): an address there belongs to nobody.
EXAMPLE_DOMAIN = re.compile(r"(^|\.)(example\.(com|org|net)|example|invalid|test|localhost)$", re.I)


def find_emails(text: str) -> list[str]:
    return [m for m in EMAIL.findall(unicodedata.normalize("NFKC", text)) if not EXAMPLE_DOMAIN.search(m.rsplit("@", 1)[-1])]


KINDS = {
    "id-card": ("居民身份证号", find_id_cards),
    "mobile": ("手机号码", find_mobiles),
    "email": ("电子邮箱地址", find_emails),
}


def personal_data(text) -> list[tuple[str, str, str]]:
    """(kind, label, masked value) of the personal data in a free text."""
    if not isinstance(text, str):
        return []
    return [(kind, label, _mask(found[0])) for kind, (label, find) in KINDS.items() if (found := find(text))]


def _mask(value: str) -> str:
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "***"


def scan_cells(path: Path, fields: list[FieldDef]) -> list[Finding]:
    """Personal information found in the cells of a published CSV, by row and field."""
    problems = []
    allowed = {f.name: set(f.descriptor.get("allow_personal") or []) for f in fields}
    skip_id = {f.name for f in fields if f.rule == "uscc"}  # an all-digit USCC is not a person
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            for name, value in row.items():
                if not value or name is None:
                    continue
                for kind, (label, find) in KINDS.items():
                    if kind in allowed.get(name, ()) or (kind == "id-card" and name in skip_id):
                        continue
                    found = find(value)
                    if found:
                        problems.append(
                            Finding(row=row_number, field=name, type="privacy-error", message=f"公开数据集中出现疑似{label} “{_mask(found[0])}”", note=f"删除或脱敏该值;若该字段按规定公开此类信息(如单位公务邮箱),在字段定义中写 allow_personal: [{kind}]")
                        )
    return problems


def small_cells(fields: list[FieldDef], path: Path) -> list[Finding]:
    """Counts of people between 1 and 4 in a statistics table (fields with statistic: count)."""
    counts = [f.name for f in fields if f.descriptor.get("statistic") == "count"]
    if not counts:
        return []
    problems = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            for name in counts:
                value = (row.get(name) or "").strip()
                if value.isdigit() and 0 < int(value) < SMALL_CELL:
                    problems.append(
                        Finding(row=row_number, field=name, type="small-cell", message=f"统计值 {value} 小于 {SMALL_CELL},可能据此识别出具体个人", note="合并类别、改为区间(如 <5)或不予公开该单元格;确认不会识别出个人时,在字段定义中用 small_counts 写明理由")
                    )
    return problems
