"""The split full-text index behind /find/ (site/findindex.py): terms, postings, file layout."""

from __future__ import annotations

import json

from educat.site.findindex import CHUNK, INLINE_MAX, PREFIX_TERMS, TERM_FILE_MAX, Doc, build_index, decode_ids, encode_ids, term_file, terms_of


def test_terms_are_words_and_their_parts_without_function_words():
    terms = terms_of("勾股定理的证明(PEP 版)")
    assert {"勾股定理", "定理", "证明", "pep"} <= terms  # a partial word (勾股) is found by prefix in the browser
    assert "的" not in terms and "版" in terms
    assert all(" " not in t and "(" not in t for t in terms)


def _ids(text):
    return decode_ids(text)


def test_document_lists_round_trip_and_dense_lists_are_bitmaps():
    import random

    rng = random.Random(6)
    for _ in range(300):
        ids = sorted(rng.sample(range(4000), rng.randint(0, 4000)))
        assert decode_ids(encode_ids(ids)) == ids
    every = list(range(100_000))
    assert encode_ids(every).startswith("~") and len(encode_ids(every)) <= 100_000 // 6 + 2
    assert encode_ids([0, 1, 31, 32, 1000]) == "01U1" + "eU"  # gaps 0 1 30 1, then 968 = 8 + 30 * 32: "e" (32 + 8, more follows), "U" (30)


def test_large_term_files_are_split_by_the_next_character(tmp_path):
    numbers = [Doc(f"课{n}", f"r/{n}/", "", "", False, " ".join(f"{n}{k:05d}" for k in range(2000))) for n in range(1, 10)]
    build_index(numbers, tmp_path)
    idx = tmp_path / "find" / "idx"
    meta = json.loads((idx / "meta.json").read_text(encoding="utf-8"))
    assert "课" not in meta["split"] and "1" in meta["split"] and "10" in meta["split"]
    found = {}
    for path in (idx / "t").glob("*.json"):
        terms = json.loads(path.read_text(encoding="utf-8"))
        assert path.stat().st_size <= TERM_FILE_MAX
        for term in terms:
            if term == "":  # a split prefix's most frequent longer terms, for partial words
                assert path.name.endswith("-.json") and 0 < len(terms[""]) <= PREFIX_TERMS
                continue
            assert term not in found
            found[term] = path.name
    assert found["100001"] in {term_file("100001"[:k]) for k in range(2, 7)} and found["1"] == term_file("1", exact=True) and found["课"] == term_file("课")
    assert len([t for t in found if t.startswith("1")]) == 2000 + 1
    top = json.loads((idx / "t" / term_file("1", exact=True)).read_text(encoding="utf-8"))[""]
    assert len(top) == PREFIX_TERMS and all(t.startswith("1") and len(t) > 1 for t in top)


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
    assert _ids(title_ids) == [i for i in range(len(docs)) if i % 2] and _ids(text_ids) == []
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
    assert entry == [1, "", "0"]  # df 1, no title hit, body hit in document 0
