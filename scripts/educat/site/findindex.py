"""The full-text index behind /find/: segmented with jieba at build time and split so that one
query downloads only what it needs, however large the catalog grows.

Layout under ``find/idx/`` (all JSON):

- ``meta.json``: the number of documents, the chunk size, the longest term and the first
  characters that start a term (the browser needs no dictionary of its own);
- ``t/<hex code of the first character>.json``: the terms starting with that character, each
  with its document frequency and, when it is rare, its postings inline;
- ``p/<n>.json``: the postings of one frequent term (document frequency above ``INLINE_MAX``);
- ``d/<n>.json``: ``CHUNK`` documents (title, address, label, snippet, 精品).

Postings are two gap-encoded lists of document numbers: the documents whose title holds the
term, and the others. The browser splits a query the way the index was split (forward maximum
matching against the terms of its first character), intersects the postings, ranks by idf with
title matches counting double, and fetches only the document chunks of the results it shows.
One query therefore costs a few small files: no part of the index grows with the page count
except the postings of the words the user actually typed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CHUNK = 20
INLINE_MAX = 64
MAX_TERM = 12
INDEX_DIR = "find/idx"
WORD = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")
# function words that would give every document a posting and never narrow a search
STOPWORDS = frozenset("的 了 和 与 及 或 是 在 为 对 等 中 把 被 让 一个 这 那 其 之 以 于 也 并 而 (示例) 示例".split())


@dataclass
class Doc:
    title: str
    url: str  # relative to the site root
    label: str  # e.g. 资源 · 初中 · 数学 · 微课
    snippet: str
    featured: bool
    text: str  # everything else that is searchable


def terms_of(text: str) -> set[str]:
    """The index terms of a text: jieba's search-mode words (a long word and its parts), lower
    case, letters, digits and CJK only."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    found = set()
    for run in WORD.findall(text.lower()):
        for word in jieba.cut_for_search(run) if not run.isascii() else [run]:
            if word and word not in STOPWORDS and len(word) <= MAX_TERM and WORD.fullmatch(word):
                found.add(word)
    return found


def _gaps(ids: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *ids], ids)]


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def build_index(docs: list[Doc], site_dir: Path) -> dict:
    """Write the index into ``site_dir/find/idx``; returns counts for the build log and tests."""
    out = site_dir / INDEX_DIR
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("t", "p", "d"):
        (out / sub).mkdir(parents=True)
    in_title: dict[str, list[int]] = defaultdict(list)
    in_text: dict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(docs):
        title_terms = terms_of(doc.title)
        for term in title_terms:
            in_title[term].append(number)
        for term in terms_of(f"{doc.label} {doc.snippet} {doc.text}") - title_terms:
            in_text[term].append(number)
    by_first: dict[str, dict] = defaultdict(dict)
    separate = 0
    for term in sorted(set(in_title) | set(in_text)):
        title_ids, text_ids = in_title.get(term, []), in_text.get(term, [])
        df = len(title_ids) + len(text_ids)
        postings = [_gaps(title_ids), _gaps(text_ids)]
        if df <= INLINE_MAX:
            by_first[term[0]][term] = [df, *postings]
        else:
            _dump(out / "p" / f"{separate}.json", postings)
            by_first[term[0]][term] = [df, separate]
            separate += 1
    for first, entries in by_first.items():
        _dump(out / "t" / f"{ord(first):x}.json", entries)
    for start in range(0, len(docs), CHUNK):
        _dump(out / "d" / f"{start // CHUNK}.json", [[d.title, d.url, d.label, d.snippet, 1 if d.featured else 0] for d in docs[start : start + CHUNK]])
    longest = max((len(t) for t in list(in_title) + list(in_text)), default=1)
    meta = {"docs": len(docs), "chunk": CHUNK, "longest": longest, "first": "".join(sorted(by_first))}
    _dump(out / "meta.json", meta)
    return {"docs": len(docs), "terms": sum(len(e) for e in by_first.values()), "separate": separate}


def snippet(text: str, size: int = 80) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= size else text[: size - 1] + "…"
