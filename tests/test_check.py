"""`educat check`: every encoding and format, golden reports, parity with Frictionless.

Golden reports live in tests/golden/check/; refresh them (after checking the change is
intended) with ``EDUCAT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_check.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from frictionless import Resource
from openpyxl import Workbook

from educat.tables.check import check_file
from educat.cli import cli
from educat.core.loader import load_repo
from educat.core.model import FieldDef
from educat.tables.frictionless_check import frictionless_schema

from .conftest import REPO

GOLDEN = Path(__file__).parent / "golden" / "check"
STANDARD = "edu-basic-data@1.0.0"
CUSTOM_TYPES = {"code-error", "uscc-error", "id-card-error", "division-error", "school-code-error"}


@pytest.fixture(scope="module")
def repo():
    return load_repo(REPO)[0]


def example_rows(name: str) -> list[list[str]]:
    path = REPO / "standards/edu-basic-data/1.0.0/examples" / name
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def titled(rows, repo):
    entity = repo.standard("edu-basic-data", "1.0.0").entities["student"]
    titles = {f.name: f.title for f in entity.fields}
    return [[titles[h] for h in rows[0]]] + rows[1:]


def csv_bytes(rows, encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def write_sample(tmp: Path, rows, fmt: str, repo) -> Path:
    if fmt == "utf8.csv":
        data = csv_bytes(rows, "utf-8")
    elif fmt == "bom.csv":
        data = csv_bytes(titled(rows, repo), "utf-8-sig")
    elif fmt == "gbk.csv":
        data = csv_bytes(titled(rows, repo), "gb18030")
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "数据"
        for row in titled(rows, repo):
            sheet.append(row)
        path = tmp / "sample.xlsx"
        book.save(path)
        return path
    elif fmt in ("json", "ndjson"):
        records = [dict(zip(rows[0], r)) for r in rows[1:]]
        for r in records:
            r["boarding"] = {"true": True, "false": False}.get(r.get("boarding"), r.get("boarding"))
            r["ethnicity"] = r["ethnicity"] or None
            r["id_card"] = r["id_card"] or None
        data = (json.dumps(records, ensure_ascii=False, indent=1) if fmt == "json" else "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode("utf-8")
    path = tmp / f"sample.{fmt.split('.')[-1]}"
    path.write_bytes(data)
    return path


FORMATS = ["utf8.csv", "bom.csv", "gbk.csv", "xlsx", "json", "ndjson"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_sample_checks_clean_in_every_format(tmp_path, repo, fmt):
    path = write_sample(tmp_path, example_rows("student-valid.csv"), fmt, repo)
    report = check_file(path, repo, STANDARD, "student")
    assert [f.to_dict() for f in report.findings if f.severity != "info"] == []
    infos = [f for f in report.findings if f.severity == "info"]
    assert [f.type for f in infos] in ([], ["header-matched"])  # a header of 中文名 is said, not silent
    assert report.rows == len(example_rows("student-valid.csv")) - 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_sample_matches_golden(tmp_path, repo, fmt):
    path = write_sample(tmp_path, example_rows("student-invalid.csv"), fmt, repo)
    report = check_file(path, repo, STANDARD, "student")
    data = report.to_dict()
    del data["context"]["file"]  # a temporary path
    actual = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    golden = GOLDEN / f"student-invalid.{fmt}.json"
    if os.environ.get("EDUCAT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["utf8.csv", "gbk.csv", "xlsx"])
def test_rows_are_those_the_user_sees(tmp_path, repo, fmt):
    """The example declares its errors with spreadsheet rows; check reports the same rows."""
    path = write_sample(tmp_path, example_rows("student-invalid.csv"), fmt, repo)
    report = check_file(path, repo, STANDARD, "student")
    declared = next(ex for ex in repo.standard("edu-basic-data", "1.0.0").examples if ex.file == "student-invalid.csv")
    assert sorted(f.key for f in report.findings if f.severity == "error") == sorted(declared.expected)


def test_text_report_golden(tmp_path, repo):
    path = write_sample(tmp_path, example_rows("student-invalid.csv"), "gbk.csv", repo)
    actual = check_file(path, repo, STANDARD, "student", limit=3).render() + "\n"
    golden = GOLDEN / "student-invalid.gbk.txt"
    if os.environ.get("EDUCAT_UPDATE_GOLDEN"):
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_parity_with_frictionless(tmp_path, repo):
    """On a corrupted sample, check finds what plain Frictionless finds, plus the custom checks."""
    rows = example_rows("student-valid.csv")
    header = rows[0]
    col = {name: header.index(name) for name in header}
    body = [list(r) for _ in range(4) for r in rows[1:]]
    corruptions = [
        (0, "gender", "7"), (1, "birth_date", "2015-13-01"), (2, "student_id", "12ab"), (3, "name", ""),
        (4, "ethnicity", "99"), (5, "id_card", "310113201504019950"), (6, "enrollment_date", "昨天"),
        (7, "gender", ""), (8, "boarding", "也许"), (9, "grade", "g13"), (10, "student_id", body[0][col["student_id"]]),
    ]
    for index, field, value in corruptions:
        body[index][col[field]] = value
    path = tmp_path / "corrupt.csv"
    path.write_bytes(csv_bytes([header] + body, "utf-8"))
    entity = repo.standard("edu-basic-data", "1.0.0").entities["student"]
    plain = Resource(path=path.name, basepath=str(tmp_path), schema=frictionless_schema(entity.fields, entity.descriptor.get("primaryKey"))).validate()
    expected = {(e.row_number, getattr(e, "field_name", ""), e.type) for e in plain.tasks[0].errors}
    assert len(expected) >= 7
    report = check_file(path, repo, STANDARD, "student")
    assert report.engine == "duckdb"
    assert report.rows == len(body)
    found = {f.key for f in report.findings}
    assert {k for k in found if k[2] not in CUSTOM_TYPES} == expected
    assert {k for k in found if k[2] in CUSTOM_TYPES} == {(2, "gender", "code-error"), (6, "ethnicity", "code-error"), (7, "id_card", "id-card-error"), (11, "grade", "code-error")}


def test_cli_check_exit_codes_limit_and_json(tmp_path, repo):
    path = write_sample(tmp_path, example_rows("student-invalid.csv"), "utf8.csv", repo)
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(path), "--root", str(REPO), "--standard", STANDARD, "--entity", "student", "--limit", "1"])
    assert result.exit_code == 1
    assert "…… 另有 4 个错误未列出(--limit 1),下面的统计包括全部错误。" in result.output
    assert "不通过:共 5 个错误。" in result.output
    data = json.loads(runner.invoke(cli, ["check", str(path), "--root", str(REPO), "--standard", STANDARD, "--entity", "student", "--format", "json", "--limit", "2"]).output)
    assert (data["stats"]["errors"], len(data["findings"]), data["stats"]["truncated"]) == (5, 2, True)
    valid = write_sample(tmp_path, example_rows("student-valid.csv"), "gbk.csv", repo)
    ok = runner.invoke(cli, ["check", str(valid), "--root", str(REPO), "--standard", "edu-basic-data", "--entity", "student"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.endswith("通过:没有发现错误。\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--standard", "nope", "--entity", "student"], "错误:找不到标准 “nope”;已有:"),
        (["--standard", "edu-basic-data@9.9.9", "--entity", "student"], "错误:标准 edu-basic-data 没有版本 9.9.9;已有:"),
        (["--standard", "edu-basic-data", "--entity", "pupil"], "错误:标准 edu-basic-data@"),
    ],
)
def test_cli_check_bad_target(tmp_path, args, message):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--root", str(REPO), *args])
    assert result.exit_code == 1
    assert result.output.startswith(message)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("junk.csv", bytes(range(128, 256)) * 10, (1, "file-error", "文件既不是 UTF-8 也不是 GB18030/GBK 文本,可能是二进制文件或已损坏")),
        ("empty.csv", b"", (1, "file-error", "文件为空,或第一行(表头)为空")),
        ("bad.json", b'[{"a": 1},', (1, "file-error", "JSON 格式错误(第 1 行第 11 列):这里应是一个值")),
        ("old.xls", b"\xd0\xcf\x11\xe0", (None, "file-error", "不支持旧版 Excel 格式 .xls")),
    ],
)
def test_unreadable_files_are_one_clear_finding(tmp_path, repo, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    report = check_file(path, repo, STANDARD, "student")
    assert [(f.row, f.type, f.message) for f in report.findings] == [expected]


def test_headers_unknown_duplicate_and_missing(tmp_path, repo):
    path = tmp_path / "h.csv"
    path.write_text("学生标识码,姓名,学生标识码,shoe_size\n202509990001,张三,202509990001,42\n", encoding="utf-8")
    report = check_file(path, repo, STANDARD, "student")
    kinds = [(f.row, f.field, f.type) for f in report.findings if f.row == 1]
    assert ("1", "", "extra-label") not in kinds
    assert (1, "", "extra-label") in kinds
    assert (1, "student_id", "duplicate-label") in kinds
    assert (1, "gender", "missing-label") in kinds
    matched = next(f for f in report.findings if f.type == "header-matched")
    assert matched.severity == "info" and "“学生标识码” → student_id(按中文名)" in matched.message


def test_optional_columns_missing_and_columns_reordered_are_said(tmp_path, repo):
    rows = example_rows("student-valid.csv")
    header = rows[0]
    optional = next(f.name for f in repo.standard("edu-basic-data", "1.0.0").entities["student"].fields if not f.required and f.name in header)
    keep = [i for i, name in enumerate(header) if name != optional][::-1]  # drop it, reverse the rest
    path = tmp_path / "r.csv"
    path.write_text("\n".join(",".join(r[i] for i in keep) for r in rows) + "\n", encoding="utf-8")
    report = check_file(path, repo, STANDARD, "student")
    assert report.valid
    assert [(f.type, f.severity, f.field) for f in report.findings if f.type == "missing-label"] == [("missing-label", "warning", optional)]
    assert "列的顺序与标准不同" in next(f.message for f in report.findings if f.type == "header-matched")


def fill_template(tmp_path, repo, rows) -> Path:
    from openpyxl import load_workbook

    from educat.standards.template import write_template

    std = repo.standard("edu-basic-data", "1.0.0")
    entity = std.entities["student"]
    path = write_template(entity, std, repo, tmp_path / "学生.xlsx")
    book = load_workbook(path)
    sheet = book["数据"]
    titles = [c.value for c in sheet[1]]
    by_title = {f.title: f.name for f in entity.fields}
    header = rows[0]
    for r, cells in enumerate(rows[1:], start=2):
        values = dict(zip(header, cells))
        for c, title in enumerate(titles, start=1):
            sheet.cell(row=r, column=c, value=values.get(by_title[title], ""))
    book.save(path)
    return path


def test_xlsx_from_the_template_checks_clean(tmp_path, repo):
    path = fill_template(tmp_path, repo, example_rows("student-valid.csv"))
    report = check_file(path, repo, STANDARD, "student")
    assert [f.to_dict() for f in report.findings if f.severity != "info"] == []
    infos = [f for f in report.findings if f.severity == "info"]
    assert [f.type for f in infos] in ([], ["header-matched"])  # a header of 中文名 is said, not silent
    assert (report.table.sheet, report.rows) == ("数据", len(example_rows("student-valid.csv")) - 1)


def test_xlsx_from_the_template_reports_excel_rows(tmp_path, repo):
    rows = example_rows("student-invalid.csv")
    path = fill_template(tmp_path, repo, rows)
    report = check_file(path, repo, STANDARD, "student")
    declared = next(ex for ex in repo.standard("edu-basic-data", "1.0.0").examples if ex.file == "student-invalid.csv")
    assert sorted(f.key for f in report.findings if f.severity == "error") == sorted(declared.expected)


@pytest.mark.parametrize(("extra", "engine"), [(",extra", "duckdb"), (",extra,more", "frictionless"), ("", "duckdb")])
def test_ragged_rows_are_reported_by_either_engine(tmp_path, repo, extra, engine):
    """One extra cell (often a trailing comma) or a short row is read by DuckDB (the row is padded
    with NULL, so a missing cell is told from an empty one); a longer row sends the file to Frictionless. Both report the same findings as Frictionless would."""
    rows = example_rows("student-valid.csv")
    lines = [",".join(r) for r in rows]
    lines[1] = lines[1] + extra if extra else ",".join(rows[1][:3])  # "" = a short row
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_file(path, repo, STANDARD, "student")
    assert report.engine == engine
    expected = {",extra": [(2, "extra-cell")], ",extra,more": [(2, "extra-cell")] * 2}.get(extra)
    if expected is None:  # the short row: a missing cell for every absent column, and required ones are empty
        assert {f.type for f in report.findings} >= {"missing-cell", "constraint-error"}
        assert {f.row for f in report.findings} == {2}
    else:
        assert [(f.row, f.type) for f in report.findings] == expected
    reference = check_file(path, repo, STANDARD, "student", engine="frictionless")
    assert sorted((f.row, f.field, f.type) for f in report.findings) == sorted((f.row, f.field, f.type) for f in reference.findings)


def test_listing_is_capped_but_counts_are_exact(tmp_path, repo):
    rows = example_rows("student-valid.csv")
    header, good = rows[0], rows[1]
    gender = header.index("gender")
    body = []
    for i in range(500):
        row = list(good)
        row[header.index("student_id")] = f"{202500000000 + i}"
        row[gender] = "7"
        body.append(row)
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes([header] + body, "utf-8"))
    report = check_file(path, repo, STANDARD, "student", limit=10)
    assert report.engine == "duckdb"
    assert len(report.findings) == 10 and report.error_count == 500
    assert report.counts == {"code-error": 500}
    assert [f.row for f in report.findings] == list(range(2, 12))


def test_printed_sql_finds_the_same_errors_on_a_plain_sql_table(repo):
    """The rules printed by --print-sql run as plain SQL over a table named src (another engine)."""
    import duckdb

    path = REPO / "standards/edu-basic-data/1.0.0/examples/student-invalid.csv"
    result = CliRunner().invoke(cli, ["check", str(path), "--root", str(REPO), "--standard", STANDARD, "--entity", "student", "--print-sql"])
    assert result.exit_code == 0
    con = duckdb.connect()
    con.execute(f"CREATE TABLE src AS SELECT *, ordinality + 1 AS __row FROM read_csv('{path}', all_varchar = true) WITH ORDINALITY")
    found = sorted((r[0], r[1], r[2]) for r in con.execute(result.output).fetchall())
    declared = next(ex for ex in repo.standard("edu-basic-data", "1.0.0").examples if ex.file == "student-invalid.csv")
    assert found == sorted(declared.expected)


def test_rows_stay_exact_in_a_file_read_in_parallel(tmp_path, repo):
    """A file of several DuckDB buffers (read by several threads): the rows of planted errors,
    cell errors and repeated keys alike, are the file's rows, and the capped listing is the
    first findings in file order."""
    rows = example_rows("student-valid.csv")
    header, good = rows[0], rows[1]
    sid, gender = header.index("student_id"), header.index("gender")
    count = 450_000  # about 45 MB, more than one 32 MB CSV buffer
    template = ",".join("{}" if i == sid else ("{}" if i == gender else good[i]) for i in range(len(header)))
    bad_gender = {3: "7", 150_001: "8", 449_999: "7"}  # file rows (header = 1)
    repeated = {300_000: 2}  # file row -> the file row whose student_id it repeats
    lines = [",".join(header)]
    for row in range(2, count + 2):
        key = 202500000000 + (repeated[row] if row in repeated else row)
        lines.append(template.format(key, bad_gender.get(row, good[gender])) if sid < gender else template.format(bad_gender.get(row, good[gender]), key))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 40_000_000
    report = check_file(path, repo, STANDARD, "student", limit=None)
    assert report.engine == "duckdb" and report.rows == count
    assert [(f.row, f.type) for f in report.findings] == sorted(
        [(r, "code-error") for r in bad_gender] + [(300_000, "unique-error"), (300_000, "primary-key")]
    )
    capped = check_file(path, repo, STANDARD, "student", limit=2)
    assert [(f.row, f.type) for f in capped.findings] == [(3, "code-error"), (150_001, "code-error")]
    assert capped.error_count == 5


def test_progress_fills_once_and_only_moves_forward(tmp_path, repo):
    path = write_sample(tmp_path, example_rows("student-invalid.csv"), "utf8.csv", repo)
    steps: list[float] = []
    report = check_file(path, repo, STANDARD, "student", progress=steps.append)
    assert report.engine == "duckdb" and not report.valid
    assert steps and all(s >= 0 for s in steps) and abs(sum(steps) - 100) < 1e-9


def test_damage_scan_finds_the_line_across_windows(tmp_path):
    """The scans map the file one window at a time; the lines they report are the file's, and
    a pattern cut by a window boundary is still found."""
    from educat.tables.scan import irregular_lines, scan_damage

    lines = [f'{i},"名称{i}",x' for i in range(3000)]  # about 50 KB: many 4 KB windows
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert scan_damage(path, "utf-8", window=4096) is None and irregular_lines(path, window=4096) is None
    lines[2500] = '2500,"名称2500,x'  # one quote left open: Frictionless reads the file, DuckDB is not trusted with it
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert irregular_lines(path, window=4096) == "文件中的双引号不成对"
    lines[2500] = "2500,名称\x002500,x"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    damage = scan_damage(path, "utf-8", window=4096)
    assert damage is not None and damage.row == 2501
    data = ("\n".join(f'{i},"名称{i}",x' for i in range(3000)) + "\n").encode()
    for at in range(4090, 4100):  # an empty line across the first window boundary
        cut = data.rindex(b"\n", 0, at) + 1
        path.write_bytes(data[:cut] + b"\n" + data[cut:])
        assert irregular_lines(path, window=4096) == "文件中有空行", at
    for ending in (b"\r", b"\r\n"):  # CR (old Mac) and CRLF endings are read by DuckDB; their empty lines are found
        ended = data.replace(b"\n", ending)
        path.write_bytes(ended)
        assert irregular_lines(path, window=4096) is None
        for at in range(4090, 4100):
            cut = ended.rindex(ending, 0, at) + len(ending)
            path.write_bytes(ended[:cut] + ending + ended[cut:])
            assert irregular_lines(path, window=4096) == "文件中有空行", (ending, at)




# -- the crash classes of the differential test (issue 13) ------------------------------------
def _found(report):
    return sorted((f.row, f.field, f.type) for f in report.findings)


def test_line_endings_cr_lf_and_crlf_give_the_same_findings(tmp_path, repo):
    rows = example_rows("student-invalid.csv")
    text = "\n".join(",".join(r) for r in rows) + "\n"
    results = []
    for name, ending in (("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.replace("\n", ending).encode("utf-8"))
        report = check_file(path, repo, STANDARD, "student")
        results.append(_found(report))
        assert report.rows == len(rows) - 1, name
    assert results[0] == results[1] == results[2] and results[0]


@pytest.mark.parametrize("stray", [b"\r", b"\n", b"\r\n"])
def test_mixed_line_endings_deep_in_a_big_file_send_it_to_frictionless(tmp_path, repo, stray):
    """One line ended differently 40 MB into a file (past DuckDB's first buffers, read in
    parallel): the line scan lets it through, so DuckDB must refuse it (the file then goes to
    Frictionless, which reads every ending as a line break). A small file shows the whole way."""
    from educat.tables.duckdb_engine import EngineUnsupported, run_checks

    ending = b"\n" if stray != b"\n" else b"\r\n"
    body = b"".join(b"%d,name %d" % (i, i) + ending for i in range(100_000))
    path = tmp_path / "mixed.csv"
    with path.open("wb") as out:
        out.write(b"id,name" + ending)
        for _ in range(40 << 20 // len(body)):
            out.write(body)
        out.write(body.replace(ending, stray, 1) + body)
    fields = {0: FieldDef({"name": "id", "type": "integer"}), 1: FieldDef({"name": "name", "type": "string"})}
    with pytest.raises(EngineUnsupported):
        run_checks(path, fields, 2, {})
    rows = example_rows("student-invalid.csv")
    small = tmp_path / "small.csv"
    lines = [",".join(r).encode("utf-8") for r in rows]
    small.write_bytes(ending.join(lines[:3]) + stray + ending.join(lines[3:]) + ending)
    report = check_file(small, repo, STANDARD, "student")
    assert report.engine == "frictionless" and report.rows == len(rows) - 1
    assert _found(report) == _found(check_file(small, repo, STANDARD, "student", engine="frictionless"))


def test_a_last_row_of_33_mb_is_checked_not_dropped(tmp_path, repo):
    rows = example_rows("student-valid.csv")
    path = tmp_path / "long.csv"
    last = list(rows[1])
    last[1] = "长" * (11 * 1024 * 1024)  # 33 MB of UTF-8 in the name cell
    path.write_text("\n".join(",".join(r) for r in rows) + "\n" + ",".join(last), encoding="utf-8")
    report = check_file(path, repo, STANDARD, "student")
    assert report.rows == len(rows)  # the long row counts
    assert (len(rows) + 1, "student_id", "unique-error") in _found(report)  # and is checked: its id repeats row 2


def test_a_quote_inside_an_unquoted_cell_is_read_as_frictionless_reads_it(tmp_path, repo):
    rows = example_rows("student-valid.csv")
    rows[1][1] = '12" pizza'
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    report = check_file(path, repo, STANDARD, "student")
    assert not [f for f in report.findings if f.type == "file-error"]
    assert _found(report) == _found(check_file(path, repo, STANDARD, "student", engine="frictionless"))


def test_xlsx_text_cells_are_not_trimmed(tmp_path, repo):
    rows = example_rows("student-valid.csv")
    book = Workbook()
    sheet = book.active
    sheet.append(rows[0])
    cells = list(rows[1])
    gender = rows[0].index("gender")
    cells[gender] = " " + cells[gender]  # " 1" is not the code "1"
    sheet.append(cells)
    path = tmp_path / "spaces.xlsx"
    book.save(path)
    report = check_file(path, repo, STANDARD, "student")
    assert (2, "gender", "code-error") in _found(report)


def test_a_file_in_two_encodings_is_one_located_finding_in_either_engine(tmp_path, repo):
    path = tmp_path / "mixed.csv"
    path.write_bytes("student_id,name\n202509990001,张三\n".encode("utf-8") + "202509990002,李四\n".encode("gb18030"))
    for engine in ("auto", "frictionless"):
        report = check_file(path, repo, STANDARD, "student", engine=engine)
        assert [(f.row, f.type) for f in report.findings] == [(3, "file-error")], engine


def test_both_engines_count_every_error_past_a_thousand(tmp_path, repo):
    """Frictionless stops at 1,000 errors unless told otherwise; check must count them all."""
    rows = example_rows("student-valid.csv")
    header, first = rows[0], rows[1]
    gender = header.index("gender")
    lines = [",".join(header)]
    for n in range(1200):
        cells = list(first)
        cells[0] = f"{202500000000 + n}"
        cells[gender] = "7"  # not a code of the gender list
        lines.append(",".join(cells))
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for engine in ("auto", "frictionless"):
        report = check_file(path, repo, STANDARD, "student", engine=engine)
        assert (report.rows, report.counts["code-error"], report.error_count) == (1200, 1200, 1200), engine


def test_the_sql_engines_constraint_table_is_frictionlesss():
    from educat.tables.sql_rules import SUPPORTED, supported_constraints

    assert {kind: set(names) for kind, names in SUPPORTED.items()} == {kind: set(supported_constraints(kind)) for kind in SUPPORTED}


def test_a_wide_file_is_checked_by_duckdb_with_the_findings_of_frictionless(tmp_path):
    """1,500 columns (integer, number and string in turn, every third required) with bad values,
    blanks, a short row and an extra cell: DuckDB checks it, as one list per rule set (three
    groups whatever the width), and finds what Frictionless finds, row for row."""
    from educat.dev.bench import wide_case
    from educat.tables.duckdb_engine import plan_rules

    root, data, _ = wide_case(tmp_path, 1500, 4)
    lines = data.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[0], cells[1], cells[3], cells[1497] = "", "1.5.0", " 7 ", "x"  # required, number, spaces, integer
    lines[2] = ",".join(cells)
    lines[3] = ",".join(lines[3].split(",")[:700])  # a short row
    lines[4] += ",extra"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wide = load_repo(root)[0]
    report = check_file(data, wide, "wide", "t", limit=None)
    assert report.engine == "duckdb"
    reference = check_file(data, wide, "wide", "t", engine="frictionless", limit=None)
    assert _found(report) == _found(reference)
    kinds = {f.type for f in report.findings}
    assert {"constraint-error", "type-error", "missing-cell", "extra-cell"} <= kinds
    assert sum(f.type == "missing-cell" for f in report.findings) == 800
    entity = wide.standard("wide", "1.0.0").entities["t"]
    columns = dict(enumerate(entity.fields))
    plan = plan_rules(columns, [f"c{i}" for i in range(1501)], {}, None)
    assert len(plan.groups) == 2  # required integers, numbers; strings without rules cost nothing


@pytest.mark.parametrize("kind", ["string", "any"])
def test_a_key_column_with_no_cell_rules_is_checked_by_duckdb(tmp_path, kind):
    """A unique column and a primary key with no other constraint have no cell rule to compute:
    the engine must still run (it once wrote an empty mask, DuckDB refused the SQL, and the file
    went to the slow path without a word)."""
    from educat.tables.duckdb_engine import run_checks

    path = tmp_path / "keys.csv"
    path.write_text("a,b\nx,1\nx,2\n,3\n", encoding="utf-8")
    fields = {0: FieldDef({"name": "a", "type": kind, "constraints": {"unique": True}}), 1: FieldDef({"name": "b", "type": kind})}
    result = run_checks(path, fields, 2, {}, primary_key=["b"])
    assert result.rows == 3
    assert [(row, name, kind) for row, name, kind, _, _ in result.findings] == [(3, "a", "unique-error")]
