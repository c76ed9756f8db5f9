"""The corpus of hostile and broken input in tests/data/bad/.

Each case is a folder with ``case.json`` (the command, and what the error must say) and
``files/``, laid over a small valid repository. Special file suffixes: ``.sed`` edits a file
("old=>new"), ``.delete`` removes it, ``.symlink`` makes a link to the path it contains,
``.big`` writes a 10 MB cell, ``.xlsx.make`` builds a workbook (merged cells, a formula,
several sheets, an XML entity bomb or a truncated sheet part), ``.fifo`` makes a named pipe, ``.deepjson`` writes input.json nested as deep as
the number it contains. Every case must exit 1, name the file and place, print no traceback, and
leave the sources untouched (and no site when a build fails).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from educat.cli import cli

from .conftest import REPO

CORPUS = Path(__file__).parent / "data" / "bad"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.json").is_file())
STUDENT_HEADER = ["student_id", "name", "gender", "birth_date", "school_code", "grade", "status"]
STUDENT_ROW = ["202509990001", "甲", "1", "2015-01-01", "9310113001", "g5", "enrolled"]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 93  # 53 from the first round, 40 from the second attack (issue 12)


# XML that a workbook part may carry to attack the reader: entities that expand a billion times.
ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    + '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def rewrite_part(path: Path, part: str, change) -> None:
    """Rewrite one XML part of a saved workbook with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def make_xlsx(path: Path, kind: str) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(STUDENT_HEADER)
    sheet.append(STUDENT_ROW)
    if kind == "merged":
        sheet.merge_cells("A2:B2")
    elif kind == "formula":
        sheet["A2"] = "=1+1"
    elif kind == "sheets":
        book.create_sheet("说明").append(["填写说明"])
    book.save(path)
    if kind == "entities":
        rewrite_part(path, "xl/worksheets/sheet1.xml", lambda data: ENTITY_BOMB.encode())
    elif kind == "truncated":
        rewrite_part(path, "xl/worksheets/sheet1.xml", lambda data: data[: len(data) // 2])


def apply(case: Path, root: Path) -> Path | None:
    """Lay the case's files over the repository; return the input file for check/import."""
    target_input = None
    for source in sorted((case / "files").rglob("*")):
        if source.is_dir():
            continue
        rel = source.relative_to(case / "files").as_posix()
        if rel.endswith(".sed"):
            path = root / rel[: -len(".sed")]
            old, new = source.read_text(encoding="utf-8").split("=>")
            text = path.read_text(encoding="utf-8")
            assert old in text, (case.name, old)
            path.write_text(text.replace(old, new), encoding="utf-8")
        elif rel.endswith(".delete"):
            (root / rel[: -len(".delete")]).unlink()
        elif rel.endswith(".symlink"):
            path = root / rel[: -len(".symlink")]
            if path.exists() or path.is_symlink():
                path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source.read_text(encoding="utf-8").strip(), path)
        elif rel.endswith(".big"):
            target_input = root.parent / "input.csv"
            row = list(STUDENT_ROW)
            row[1] = "长" * (10 * 1024 * 1024 // 3)
            target_input.write_text(",".join(STUDENT_HEADER) + "\n" + ",".join(row) + "\n", encoding="utf-8")
        elif rel.endswith(".fifo"):
            path = root / rel[: -len(".fifo")]
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                path.unlink()
            os.mkfifo(path)
        elif rel.endswith(".deepjson"):
            depth = int(source.read_text(encoding="utf-8").strip())
            target_input = root.parent / "input.json"
            target_input.write_text("[" * depth + "]" * depth, encoding="utf-8")
        elif rel.endswith(".xlsx.make"):
            target_input = root.parent / "input.xlsx"
            make_xlsx(target_input, source.read_text(encoding="utf-8").strip())
        elif rel.startswith("input."):
            target_input = root.parent / rel
            target_input.write_bytes(source.read_bytes())
        else:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read_bytes())
    return target_input


def checksums(root: Path) -> dict[str, str]:
    result = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink() and "site" not in p.relative_to(root).parts[:1]:  # is_file is False for a pipe
            result[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return result


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, mini_repo):
    case = CORPUS / name
    spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
    expect = spec["expect"]
    input_file = apply(case, mini_repo)
    before = checksums(mini_repo)
    command = spec["command"]
    if command == "validate":
        args = ["validate", "--root", str(mini_repo), "--format", "json"]
    elif command == "check":
        args = ["check", str(input_file), "--root", str(REPO), "--standard", "edu-basic-data@1.0.0", "--entity", "student", "--format", "json"]
    elif command == "import":
        args = ["import", str(input_file), "--collection", "imported", "--root", str(mini_repo), "--format", "json"]
    else:
        args = ["build", "--root", str(mini_repo), "--out", str(mini_repo / "site")]
    result = CliRunner().invoke(cli, args + spec["args"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert checksums(mini_repo) == before
    if command == "build":
        assert not (mini_repo / "site").exists()
        assert f"{expect['path']}:" in result.output and f"[{expect['type']}]" in result.output
        return
    data = json.loads(result.stdout)
    if command == "validate":
        errors = [e for e in data["findings"] if e["severity"] == "error"]
        found = [e for e in errors if e["type"] == expect["type"] and e["path"] == expect["path"]]
        assert found, errors
        if expect.get("line"):
            assert all(isinstance(e.get("line"), int) for e in found), found
        if expect.get("field"):
            assert any(e.get("field") == expect["field"] for e in found), found
        assert all(e.get("message") and (e.get("note") or e["type"] in ("yaml-error", "dangling-reference")) for e in found)
    else:
        items = data["findings"]
        found = [f for f in items if f["type"] == expect["type"]]
        assert found, items
        if "row" in expect:
            assert any(f.get("row") == expect["row"] for f in found), found
        if "field" in expect:
            assert any(f.get("field") == expect["field"] for f in found), found
        if command == "import":
            assert not (mini_repo / "catalog/resources/imported.yaml").exists()
