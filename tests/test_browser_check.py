"""The browser's check (``tables/browser_check``, run in Pyodide with DuckDB-WASM on the standard
pages) against ``educat check``: the same files must give the same findings, messages and counts.

Here the browser's code runs in CPython with DuckDB's Python package standing in for
DuckDB-WASM (the same SQL engine, 1.4); tests/test_check_panel.py runs it in Chromium. A field
the SQL rules cannot read as Frictionless does (datetime, a string ``format``), and a list
field (DuckDB-WASM has no JSON extension), is checked for presence only in the browser, with a warning saying so: that gap, and nothing else, is
allowed (``_comparable``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from educat.core.loader import load_repo
from educat.core.model import Entity, FieldDef, Standard
from educat.tables.browser_check import bundle, check_upload
from educat.tables.check import check_entity, check_file, find_entity

from . import conformance
from .conftest import REPO
from .test_bad_inputs import CASES, CORPUS, apply

EXAMPLES = int(os.environ.get("BROWSER_CHECK_EXAMPLES", "60"))


@pytest.fixture(scope="module")
def repo():
    return load_repo(REPO, standards_only=True)[0]


def run_browser(path: Path, bundle_data: dict, limit=None) -> dict:
    """check_upload driven by DuckDB's Python package, as the page drives it with DuckDB-WASM."""
    con = duckdb.connect()

    async def query(sql):
        return con.execute(sql).fetchall()

    async def register(name):
        return name

    try:
        return asyncio.run(check_upload(str(path), json.dumps(bundle_data, ensure_ascii=False), query, register, limit))
    finally:
        con.close()


def _comparable(report: dict, partial: set[str], key: set[str]) -> tuple[list, dict]:
    """Findings and counts without what the browser leaves to the command line: the findings
    on fields checked in part (but their required findings) and its warnings about them."""

    def kept(f) -> bool:
        if f["type"] == "check-incomplete" or (f["type"] == "primary-key" and key & partial):
            return False
        return f["field"] not in partial or f["message"] == "必填字段为空"

    # in file order; two constraints broken by one cell may come in either order (Frictionless
    # and the SQL engine order them differently), so each cell's findings are compared as a set
    # (a repeated number is shown parsed by Frictionless, "0" for "-0", and as written by the
    # DuckDB engine: the command line's two engines differ there, so its value is left out)
    findings = sorted(((f["row"] or 0, f["cell"] or "", f["field"] or "", f["type"], f["severity"], *(("", "") if f["type"] == "unique-error" else (str(f["value"]), f["message"])), f["note"] or "") for f in report["findings"] if kept(f)))
    stats = report["stats"]
    # (stats["types"] is left out: the Frictionless path counts warnings there, the DuckDB engine errors only)
    return findings, {"valid": report["valid"] or bool(partial), "errors": stats["errors"] if not partial else None, "warnings": stats["warnings"] - sum(f["type"] == "check-incomplete" for f in report["findings"]), "rows": stats["rows"]}


def partial_fields(b: dict) -> set[str]:
    from educat.tables.sql_rules import supported

    # what SQL cannot read as Frictionless does, and lists (DuckDB-WASM has no JSON extension)
    return {d["name"] for d in b["fields"] if supported(FieldDef(d)) or d.get("type") == "array"}


def assert_same(path: Path, cli_report: dict, b: dict, limit=None):
    web = run_browser(path, b, limit)
    if any(f["type"] == "check-incomplete" and f["severity"] == "error" for f in web["findings"]):
        # cells SQL cannot judge exactly (a 30-digit integer): the command line read them with
        # Frictionless, the browser says it cannot and claims nothing
        assert cli_report["context"]["engine"] == "frictionless" and not web["valid"]
        return None
    partial = partial_fields(b)
    key = b["entity"]["descriptor"].get("primaryKey") or []
    key = {key} if isinstance(key, str) else set(key)
    assert _comparable(web, partial, key) == _comparable(cli_report, partial, key), (path.name, cli_report["context"]["engine"])
    return web


def example_files():
    for doc in sorted(REPO.glob("standards/*/*/examples/examples.yaml")):
        ref = f"{doc.parent.parent.parent.name}@{doc.parent.parent.name}"
        for item in yaml.safe_load(doc.read_text(encoding="utf-8")):
            yield pytest.param(doc.parent / item["file"], ref, item["entity"], id=f"{ref}-{item['file']}")


def variants(path: Path, out: Path) -> list[Path]:
    """The example as schools send it: CSV in UTF-8 with BOM and GB18030, XLSX, JSON, NDJSON."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    made = []
    bom = out / f"{path.stem}-bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    gbk = out / f"{path.stem}-gbk.csv"
    gbk.write_bytes(text.encode("gb18030"))
    book = Workbook()
    for row in rows:
        book.active.append(row)
    xlsx = out / f"{path.stem}.xlsx"
    book.save(xlsx)
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    js = out / f"{path.stem}.json"
    js.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    nd = out / f"{path.stem}.ndjson"
    nd.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    made += [bom, gbk, xlsx, js, nd]
    return made


@pytest.mark.parametrize(("path", "ref", "entity"), list(example_files()))
def test_every_example_in_every_format(repo, tmp_path, path, ref, entity):
    std, ent = find_entity(repo, ref, entity)
    b = bundle(repo, std, ent)
    for file in [path, *variants(path, tmp_path)]:
        assert_same(file, check_file(file, repo, ref, entity).to_dict(), b)
    # and with a listing limit (the counts still cover the whole file); with fields checked in
    # part the two listings differ by design (the browser lists other findings in their place)
    if not partial_fields(b):
        assert_same(path, check_file(path, repo, ref, entity, limit=2).to_dict(), b, limit=2)


@pytest.mark.parametrize("name", [c for c in CASES if json.loads((CORPUS / c / "case.json").read_text(encoding="utf-8"))["command"] == "check"])
def test_hostile_check_cases(repo, tmp_path, name):
    root = tmp_path / "repo"
    root.mkdir()
    path = apply(CORPUS / name, root)
    std, ent = find_entity(repo, "edu-basic-data@1.0.0", "student")
    cli_report = check_file(path, repo, "edu-basic-data@1.0.0", "student").to_dict()
    web = assert_same(path, cli_report, bundle(repo, std, ent))
    expect = json.loads((CORPUS / name / "case.json").read_text(encoding="utf-8"))["expect"]
    assert any(f["type"] == expect["type"] for f in web["findings"]), web["findings"]


def test_a_generated_table_in_csv_and_xlsx(tmp_path_factory):
    """Hypothesis draws a schema and a CSV full of hostile values (tests/conformance.py); the
    CSV, and the same rows as an XLSX of text cells, give the command line's findings."""
    seen = {"csv": 0, "xlsx": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        schema = data.draw(conformance.schemas())
        raw = data.draw(conformance.csv_bytes(schema))
        folder = tmp_path_factory.mktemp("web")
        path = folder / "t.csv"
        path.write_bytes(raw)
        fields = [FieldDef(dict(f, title=f["name"])) for f in schema["fields"]]
        descriptor = {"name": "t", "fields": [f.descriptor for f in fields], **{k: v for k, v in schema.items() if k != "fields"}}
        entity = Entity("t", folder / "t.yaml", descriptor, fields)
        std = Standard("conformance", "1.0.0", folder, {"title": "conformance"}, entities={"t": entity})
        repo = conformance._NoCodeLists(root=folder)
        b = bundle(repo, std, entity)
        foreign = conformance._foreign_digits(path, schema)  # full-width digits: a documented deviation from Frictionless
        cli_report = check_entity(path, repo, std, entity, limit=None).to_dict()
        if foreign and cli_report["context"]["engine"] == "frictionless":
            return  # the command line read this CSV with Frictionless, which takes １２ for 12
        seen["csv"] += assert_same(path, cli_report, b) is not None
        try:
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        except (UnicodeDecodeError, csv.Error):
            return
        if not rows or any(any(ch in cell for ch in "\r\x00") or cell.startswith("=") for row in rows for cell in row):
            return  # a workbook cannot hold these as text
        if foreign:
            return  # read by Frictionless from an XLSX, full-width digits are numbers (docs/engine.md)
        book = Workbook()
        for row in rows:
            book.active.append(row)
        xlsx = folder / "t.xlsx"
        book.save(xlsx)
        seen["xlsx"] += assert_same(xlsx, check_entity(xlsx, repo, std, entity, limit=None).to_dict(), b) is not None

    run()
    assert seen["csv"] >= EXAMPLES // 2 and seen["xlsx"] >= EXAMPLES // 4, seen  # the comparisons really ran


H = "student_id,name,gender,birth_date,ethnicity,id_card,school_code,grade,class_name,enrollment_date,status,boarding"
R = "202509990001,示例学生甲,1,2015-03-01,01,31011320150301991X,9310113001,g5,五年级(1)班,2021-09-01,enrolled,false"
RECORD = dict(zip(H.split(","), R.split(",")))
# Files a reviewer found to differ (each once did): empty cells past the last column, a blank row
# wider than the header, a 2 MB cell before the last row, the reader's null marker as a value,
# a JSON file with no records, and one whose records have no keys.
EDGE_FILES = {
    "trailing-empty-cells.csv": (H + "\n" + R + ",,\n").encode(),
    "blank-wide-row.csv": (H + "\n" + R + "\n\n" + "," * 13 + "\n").encode(),
    "long-cell.json": json.dumps([dict(RECORD, name="甲" * 1_000_000), RECORD], ensure_ascii=False).encode(),
    "long-cell.csv": (H + "\n" + R.replace("示例学生甲", "甲" * 1_000_000) + "\n" + R + "\n").encode(),
    "null-marker.json": json.dumps([dict(RECORD, name="\x01\x02")]).encode(),
    "no-records.json": b"[]",
    "empty-records.json": b"[{}]",
}


@pytest.mark.parametrize("name", sorted(EDGE_FILES))
def test_edge_files(repo, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(EDGE_FILES[name])
    std, ent = find_entity(repo, "edu-basic-data@1.0.0", "student")
    assert_same(path, check_file(path, repo, "edu-basic-data@1.0.0", "student").to_dict(), bundle(repo, std, ent))


def test_json_values_that_are_not_text(repo, tmp_path):
    """A JSON number in an integer field and true in a boolean field read as the command line
    reads them; a number in a text field (a type error for Frictionless) is not judged silently:
    the browser warns, naming the field and the value."""
    std, ent = find_entity(repo, "edu-basic-data@1.0.0", "student")
    b = bundle(repo, std, ent)
    same = tmp_path / "typed.json"
    same.write_text(json.dumps([dict(RECORD, boarding=True), dict(RECORD, student_id="202509990002", boarding=False)]), encoding="utf-8")
    assert_same(same, check_file(same, repo, "edu-basic-data@1.0.0", "student").to_dict(), b)
    other = tmp_path / "number-as-text.json"
    other.write_text(json.dumps([dict(RECORD, student_id=202509990001)]), encoding="utf-8")
    web = run_browser(other, b)
    [warning] = [f for f in web["findings"] if f["type"] == "check-incomplete"]
    assert warning["field"] == "student_id" and warning["severity"] == "warning" and "202509990001" in warning["message"]
    assert any(f.type == "type-error" and f.field == "student_id" for f in check_file(other, repo, "edu-basic-data@1.0.0", "student").errors)
