"""Property-based fuzzing: arbitrary bytes and structures give an error record, never a crash.

Each property runs FUZZ_EXAMPLES examples (derandomised, so CI is repeatable).
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from educat.catalog.records import Rubric, check_records
from educat.tables.check import check_file
from educat.core.loader import load_repo
from educat.tables.readers import ReadError, read_table
from educat.core.yamlio import YamlError, parse_yaml

from .conftest import REPO

FUZZ_EXAMPLES = 150
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
REPO_STANDARDS = load_repo(REPO, standards_only=True)[0]
REPO_FULL = load_repo(REPO)[0]

yaml_like = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["a:", " b", "- ", "&x ", "*x", "[", "]", "{", "}", ":", "'", '"', "\n", "\t", "!!python/object:os.system", "<<: *x", "? ", "%YAML 1.1\n", "---\n", "中文", "#", "0x1F", "~", "!!binary |"]), max_size=40).map("".join),
)


@FUZZ
@given(yaml_like)
def test_yaml_loader_never_crashes(text):
    try:
        parse_yaml(text)
    except YamlError as exc:
        assert exc.message


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["csv", "json", "ndjson", "xlsx"]))
def test_table_reader_never_crashes(tmp_path_factory, data, fmt):
    path = tmp_path_factory.mktemp("fuzz") / f"input.{fmt}"
    path.write_bytes(data)
    try:
        table = read_table(path)
        assert table.header is not None
    except ReadError as exc:
        assert exc.message


cells = st.one_of(st.text(max_size=20), st.sampled_from(["", "1", "0", "2015-02-30", "true", "g7", "310113", '"', ",", "\n", "\r", "\u0000", "中文", "9" * 40]))


@FUZZ
@given(st.lists(st.lists(cells, min_size=0, max_size=9), min_size=0, max_size=8), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), st.sampled_from(["auto", "frictionless"]))
def test_check_engine_never_crashes(tmp_path_factory, rows, encoding, engine):
    header = ["student_id", "name", "gender", "birth_date", "id_card", "school_code", "grade", "status"]
    buf = io.StringIO()
    csv.writer(buf).writerows([header] + rows)
    path = tmp_path_factory.mktemp("fuzz") / "input.csv"
    try:
        path.write_bytes(buf.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return
    report = check_file(path, REPO_STANDARDS, "edu-basic-data@1.0.0", "student", engine=engine)
    errors = [f for f in report.findings if f.severity == "error"]
    # every error is counted once; warnings (an optional column missing) and notes are not errors
    assert report.error_count == len(errors) or (report.totals is not None and report.error_count >= len(errors))
    assert report.valid == (not errors)
    for finding in report.findings:
        assert finding.type and finding.message


values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["id", "title", "stage", "grades", "subject", "url", "featured", "review_date", "published", "license", "access", "junk"]), values, max_size=12), max_size=5))
def test_record_validation_never_crashes(records):
    problems = check_records(REPO_FULL, records, Rubric())
    for p in problems:
        assert p.type and p.message
