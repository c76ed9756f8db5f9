"""Check rules for the identifiers the standards use, written once.

Each rule is a function ``value -> str | None`` that returns a plain-Chinese explanation
of what is wrong, or None when the value is fine. ``RULES`` maps the rule name used in
entity files (``rule: uscc``) to the rule and the text that explains it on the site.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# GB/T 2260 province-level prefixes (provinces, autonomous regions, municipalities, HK/MO/TW).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str | None:
    value = str(value)
    if len(value) != 18:
        return f"统一社会信用代码应为 18 位,实际 {len(value)} 位"
    bad = [ch for ch in value if ch not in USCC_CHARSET]
    if bad:
        return f"含有不允许的字符 “{bad[0]}”:只能用数字和除 I、O、Z、S、V 以外的大写字母"
    if not value[2:8].isdigit():
        return "第 3–8 位应为 6 位行政区划代码(GB/T 2260)"
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return f"校验码错误:按 GB 32100 计算第 18 位应为 “{expected}”,实际为 “{value[17]}”。请核对前 17 位是否抄错"
    return None


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check digit for the first 17 digits of a resident ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def is_valid_id_card(value: str) -> bool:
    return check_id_card(value) is None


def check_id_card(value: str) -> str | None:
    value = str(value).upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "居民身份证号应为 18 位:前 17 位数字,第 18 位为数字或 X"
    try:
        _dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return f"第 7–14 位出生日期 “{value[6:14]}” 不是有效日期"
    expected = id_check_digit(value[:17])
    if value[17] != expected:
        return f"校验码错误:按 GB 11643 计算第 18 位应为 “{expected}”,实际为 “{value[17]}”"
    return None


def check_division(value: str) -> str | None:
    value = str(value)
    if not re.fullmatch(r"[0-9]{6}", value):
        return "行政区划代码应为 6 位数字(GB/T 2260)"
    if value[:2] not in PROVINCE_PREFIXES:
        return f"前两位 “{value[:2]}” 不是 GB/T 2260 的省级代码"
    return None


def check_school_code(value: str) -> str | None:
    value = str(value)
    if not re.fullmatch(r"[0-9]{10}", value):
        return "学校标识码应为 10 位数字"
    return None


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    error_type: str
    check: Callable[[str], str | None]
    explanation: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "uscc",
            "统一社会信用代码",
            "uscc-error",
            check_uscc,
            "18 位,字符取自 0-9 与除 I、O、Z、S、V 外的大写字母;第 1 位登记管理部门码,第 2 位机构类别码,"
            "第 3–8 位行政区划码,第 9–17 位主体标识码,第 18 位校验码 = (31 − Σ(字符值×权重) mod 31) mod 31,"
            "权重依次为 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28(GB 32100-2015)。",
        ),
        Rule(
            "id-card",
            "居民身份证号",
            "id-card-error",
            check_id_card,
            "18 位:6 位地址码、8 位出生日期、3 位顺序码、1 位校验码;校验码由前 17 位按权重 "
            "7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 求和后模 11,映射到 10X98765432(GB 11643-1999)。"
            "属于敏感个人信息,不得出现在公开数据集中。",
        ),
        Rule(
            "division",
            "行政区划代码",
            "division-error",
            check_division,
            "6 位数字,前 2 位为省级代码,中间 2 位为地级,后 2 位为县级(GB/T 2260)。",
        ),
        Rule(
            "school-code",
            "学校标识码",
            "school-code-error",
            check_school_code,
            "10 位数字(示例规则:本仓库只校验长度与字符,不校验内部结构)。",
        ),
    )
}


# -- patterns that backtrack ---------------------------------------------------------------------
def backtracking_risk(pattern: str) -> str | None:
    """Why an entity ``pattern`` could make Python's backtracking ``re`` run for exponential
    time, or None. Refused: a repeated group that itself holds an unbounded repeat (``(a+)+``,
    ``(\\w+\\s?)*``), and a repeated alternation whose branches can begin alike (``(a|a)*``,
    ``(ab|a)+``). The Frictionless path and ``validate`` use ``re``; DuckDB's RE2 is linear."""
    import re._parser as sre  # the standard library's own parser of the pattern

    try:
        tree = sre.parse(pattern)
    except re.error:
        return None  # reported as an invalid pattern
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))

    def unbounded(av) -> bool:
        return av[1] == sre.MAXREPEAT or av[1] > 16

    def first(items):
        return repr(items[0]) if items else ""

    def walk(items, inside: bool) -> str | None:
        for op, av in items:
            if op in repeats:
                if unbounded(av) and inside:
                    return "重复的分组里又有不限次数的重复(如 (a+)+),会灾难性回溯"
                found = walk(av[2], inside or unbounded(av))
            elif op == sre.SUBPATTERN:
                found = walk(av[3], inside)
            elif op == sre.BRANCH:
                starts = [first(branch) for branch in av[1]]
                if inside and len(set(starts)) < len(starts):
                    return "重复的分组里有开头相同(或可为空)的多个选择(如 (a|ab)*),会灾难性回溯"
                found = next((r for branch in av[1] if (r := walk(branch, inside))), None)
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                found = walk(av[1], inside)
            else:
                found = None
            if found:
                return found
        return None

    return walk(list(tree), False)
