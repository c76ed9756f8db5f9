"""The split full-text index behind /find/ (site/findindex.py): terms, postings, file layout."""

from __future__ import annotations

import json

from educat.site.findindex import CHUNK, INLINE_MAX, Doc, build_index, terms_of


def test_terms_are_words_and_their_parts_without_function_words():
    terms = terms_of("勾股定理的证明(PEP 版)")
    assert {"勾股定理", "定理", "证明", "pep"} <= terms  # a partial word (勾股) is found by prefix in the browser
    assert "的" not in terms and "版" in terms
    assert all(" " not in t and "(" not in t for t in terms)


def _ids(gaps):
    out, n = [], 0
    for g in gaps:
        n += g
        out.append(n)
    return out


def test_postings_separate_title_hits_and_split_frequent_words(tmp_path):
    docs = [Doc(f"数学 第{i}课" if i % 2 else f"语文 第{i}课", f"catalog/r/{i}/", "课程资源", "", i == 3, "微课" if i % 3 == 0 else "") for i in range(INLINE_MAX * 3)]
    counts = build_index(docs, tmp_path)
    idx = tmp_path / "find" / "idx"
    meta = json.loads((idx / "meta.json").read_text(encoding="utf-8"))
    assert meta["docs"] == len(docs) == counts["docs"] and meta["chunk"] == CHUNK
    assert "数" in meta["first"] and "微" in meta["first"]
    math = json.loads((idx / "t" / f"{ord('数'):x}.json").read_text(encoding="utf-8"))["数学"]
    assert math[0] == len(docs) // 2  # document frequency
    assert len(math) == 2  # frequent: its postings live in their own file
    title_ids, text_ids = json.loads((idx / "p" / f"{math[1]}.json").read_text(encoding="utf-8"))
    assert _ids(title_ids) == [i for i in range(len(docs)) if i % 2] and text_ids == []
    weike = json.loads((idx / "t" / f"{ord('微'):x}.json").read_text(encoding="utf-8"))["微课"]
    assert weike[0] == len(docs) // 3 + (1 if len(docs) % 3 else 0)
    chunk = json.loads((idx / "d" / "0.json").read_text(encoding="utf-8"))
    assert len(chunk) == CHUNK and chunk[3] == ["数学 第3课", "catalog/r/3/", "课程资源", "", 1]


def test_rare_words_are_inline_and_rebuilds_start_clean(tmp_path):
    build_index([Doc("勾股定理", "a/", "", "", False, "")], tmp_path)
    stale = tmp_path / "find" / "idx" / "t" / "stale.json"
    stale.write_text("{}", encoding="utf-8")
    build_index([Doc("有理数", "b/", "", "", False, "勾股定理 应用")], tmp_path)
    assert not stale.exists()
    entry = json.loads((tmp_path / "find" / "idx" / "t" / f"{ord('勾'):x}.json").read_text(encoding="utf-8"))["勾股定理"]
    assert entry == [1, [], [0]]  # df 1, no title hit, body hit in document 0
