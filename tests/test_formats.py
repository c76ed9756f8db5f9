"""The identifier rules: 统一社会信用代码 (GB 32100) and 居民身份证号 (GB 11643)."""

from __future__ import annotations

import random

import pytest

from educat.tables.identifiers import (
    ID_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
    check_division,
    check_id_card,
    check_school_code,
    check_uscc,
    uscc_check_char,
)


def test_published_id_card_example_is_valid():
    # The worked example printed in GB 11643-1999.
    assert check_id_card("11010519491231002X") is None
    assert check_id_card("110105194912310021") == "校验码错误:按 GB 11643 计算第 18 位应为 “X”,实际为 “1”"


def test_id_card_rejects_impossible_birth_date():
    body = "11010520230230001"
    digit = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]
    assert check_id_card(body + digit) == "第 7–14 位出生日期 “20230230” 不是有效日期"


def test_uscc_check_character_matches_the_formula():
    rng = random.Random(7)
    for _ in range(200):
        body = rng.choice("159") + rng.choice("123") + "310113" + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
        assert uscc_check_char(body) == USCC_CHARSET[(31 - total % 31) % 31]
        assert check_uscc(body + uscc_check_char(body)) is None


def test_uscc_detects_every_single_character_change():
    rng = random.Random(11)
    body = "12310113" + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    code = body + uscc_check_char(body)
    for position in range(8, 17):  # the organisation-code part
        for replacement in USCC_CHARSET:
            if replacement != code[position]:
                changed = code[:position] + replacement + code[position + 1 :]
                assert check_uscc(changed) is not None, changed


@pytest.mark.parametrize(
    "value, message",
    [
        ("1231011", "统一社会信用代码应为 18 位,实际 7 位"),
        ("12310113MB000000I1", "含有不允许的字符 “I”:只能用数字和除 I、O、Z、S、V 以外的大写字母"),
        ("1231X113MB00000012", "第 3–8 位应为 6 位行政区划代码(GB/T 2260)"),
    ],
)
def test_uscc_messages(value, message):
    assert check_uscc(value) == message


def test_division_and_school_code():
    assert check_division("310113") is None
    assert check_division("990000") == "前两位 “99” 不是 GB/T 2260 的省级代码"
    assert check_division("31011") == "行政区划代码应为 6 位数字(GB/T 2260)"
    assert check_school_code("3101130001") is None
    assert check_school_code("310113000A") == "学校标识码应为 10 位数字"


def _rule_samples(rng: random.Random) -> list[str]:
    """Valid identifiers of every kind, every single-character change of some, lower-case x,
    wrong lengths, signs, spaces and random text."""
    from educat.tables.identifiers import id_check_digit

    values = []
    for _ in range(300):
        year = rng.choice([rng.randint(1900, 2024)] * 8 + [0, 1, 9999])  # year 0 is no date in Python
        birth = f"{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
        first = f"{rng.choice(['11', '31', '61', '51'])}{rng.randint(0, 9999):04d}{birth}{rng.randint(0, 999):03d}"
        good = first + id_check_digit(first)
        values += [good, good.lower(), good[:-1], good + "0", " " + good[1:], "+" + good[1:], good[:5] + "_" + good[6:]]
        position = rng.randrange(18)
        values += [good[:position] + c + good[position + 1 :] for c in "0123456789Xx" if c != good[position]]
        u17 = "".join(rng.choice(USCC_CHARSET) for _ in range(2)) + f"{rng.randint(0, 999999):06d}" + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        values += [u17 + uscc_check_char(u17), u17 + rng.choice(USCC_CHARSET), f"{rng.randint(0, 999999):06d}", first[:6], f"{rng.randint(0, 9999999999):010d}"]
        values.append("".join(rng.choice("0123456789X -+abc") for _ in range(rng.choice([6, 10, 17, 18]))))
    return values


@pytest.mark.parametrize("rule", ["id-card", "uscc", "division", "school-code"])
def test_sql_rules_agree_with_the_python_rules(rule):
    """The check engine's SQL (sql_rules.py) and the Frictionless check (identifiers.py) accept exactly
    the same values."""
    import duckdb

    from educat.tables.sql_rules import _rule_sql, rule_helpers
    from educat.tables.identifiers import RULES

    values = _rule_samples(random.Random(11643))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    helpers = "".join(f", {expr} AS {name}" for name, expr in rule_helpers(rule, '"v"').items())
    rows = con.execute(f'SELECT v, coalesce({_rule_sql(rule, chr(34) + "v" + chr(34))}, false) FROM (SELECT *{helpers} FROM t)').fetchall()
    disagree = [(v, ok) for v, ok in rows if ok != (RULES[rule].check(v) is None)]
    assert disagree == []
    assert sum(ok for _, ok in rows) >= 300  # the sample holds valid values of this kind
