"""The full-text index behind /find/: segmented with jieba at build time and split so that one
query downloads only what it needs, however large the catalog grows.

Layout under ``find/idx/`` (every file twice: JSON, and the same data as a script, see
``data_script``; find.js reads the scripts):

- ``meta.json``: the number of documents, the chunk size, the longest term and the first
  characters that start a term (the browser needs no dictionary of its own);
- ``t/<hex code of the first character>.json``: the terms starting with that character, each
  with its document frequency and, when it is rare, its postings inline; a file that would
  pass ``TERM_FILE_MAX`` is split by the next character (``t/31-30.json`` for terms starting
  with "10", ``t/31-.json`` for the term "1" itself and, under the key ``""``, the
  PREFIX_TERMS most frequent terms that begin with "1"), recursively; ``meta.json`` lists the
  split prefixes;
- ``p/<n>.json``: the postings of one frequent term (document frequency above ``INLINE_MAX``);
- ``d/<n>.json``: ``CHUNK`` documents (title, address, label, snippet, 精品).

Postings are two lists of document numbers: the documents whose title holds the term, and the
others. Each is a string: gaps in a 5-bit variable-length code over a 64-character alphabet,
or, when shorter, a bitmap (``~`` then 6 documents per character), so even a word found in
every document costs one bit per document. The browser splits a query the way the index was split (forward maximum
matching against the terms of its first character), intersects the postings, ranks by idf with
title matches counting double, and fetches only the document chunks of the results it shows.
One query therefore costs a few small files: no part of the index grows with the page count
except the postings of the words the user actually typed.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from educat.core import urls

CHUNK = 10
INLINE_MAX = 64
TERM_FILE_MAX = 32 * 1024
PREFIX_TERMS = 4  # a word typed in part stands for this many of the terms it begins (find.js too)
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # JSON-safe, 64
MAX_TERM = 12
INDEX_DIR = urls.FIND_INDEX.rstrip("/")
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


@functools.cache
def _jieba():
    """jieba, imported once and quiet (its dictionary loading chatters on stderr)."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


@functools.lru_cache(maxsize=100_000)
def terms_of(text: str) -> frozenset[str]:
    """The index terms of a text: jieba's search-mode words (a long word and its parts), lower
    case, letters, digits and CJK only. Remembered: the preview indexes the same texts again
    after each edit, and segmenting is most of the index's cost."""
    jieba = _jieba()
    found = set()
    for run in WORD.findall(text.lower()):
        for word in jieba.cut_for_search(run) if not run.isascii() else [run]:
            if word and word not in STOPWORDS and len(word) <= MAX_TERM and WORD.fullmatch(word):
                found.add(word)
    return frozenset(found)


def encode_ids(ids: list[int]) -> str:
    """Sorted document numbers as the shorter of a gap code and a bitmap (see the module doc)."""
    out = []
    for gap in (b - a for a, b in zip([0, *ids], ids)):
        while gap >= 32:
            out.append(DIGITS[32 + (gap & 31)])
            gap >>= 5
        out.append(DIGITS[gap])
    if ids and len(out) > ids[-1] // 6 + 1:
        cells = [0] * (ids[-1] // 6 + 1)
        for i in ids:
            cells[i // 6] |= 1 << (i % 6)
        return "~" + "".join(DIGITS[c] for c in cells)
    return "".join(out)


def decode_ids(text: str) -> list[int]:
    """The inverse of ``encode_ids`` (find.js has the same few lines)."""
    if text.startswith("~"):
        return [k * 6 + bit for k, ch in enumerate(text[1:]) for bit in range(6) if DIGITS.index(ch) >> bit & 1]
    ids, n, value, shift = [], 0, 0, 0
    for ch in text:
        digit = DIGITS.index(ch)
        if digit >= 32:
            value += (digit - 32) << shift
            shift += 5
        else:
            n += value + (digit << shift)
            ids.append(n)
            value = shift = 0
    return ids


def _compact(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def data_script(json_text: str) -> str:
    """The same JSON as a script that stores it under the script's own address. A page opened
    from a folder (``file://``) may not fetch a file beside it, but it may load it with a
    ``<script>`` element: find.js and catalog.js read their indexes this way, from a folder and
    from a web server alike. JSON is valid JavaScript (ES2019), so the data is written as is."""
    return f"(self.educatIndex=self.educatIndex||{{}})[document.currentScript.src]={json_text};\n"


def write_data(path: Path, text: str) -> None:
    """``path`` (a .json file) and its script twin (``data_script``) beside it as .js."""
    path.write_text(text, encoding="utf-8")
    path.with_suffix(".js").write_text(data_script(text), encoding="utf-8")


def term_file(prefix: str, exact: bool = False) -> str:
    """``t/`` file name of the terms that start with ``prefix`` (``exact``: the term equal to a
    prefix that was split)."""
    return "-".join(f"{ord(ch):x}" for ch in prefix) + ("-" if exact else "") + ".json"


def _terms(files: dict[str, str], prefix: str, entries: dict, split: dict[str, str]) -> None:
    """One file for the terms starting with ``prefix``; past TERM_FILE_MAX, one file per next
    character (recursively) and one for the term equal to the prefix."""
    text = _compact(entries)  # serialised once: measured, and kept when it fits
    if len(text.encode("utf-8")) <= TERM_FILE_MAX or all(len(t) <= len(prefix) for t in entries):
        files["t/" + term_file(prefix)] = text
        return
    groups: dict[str, dict] = {}
    for term, entry in entries.items():
        groups.setdefault(term[len(prefix) : len(prefix) + 1], {})[term] = entry
    exact = groups.pop("", {})
    # under the key "" (never a term): the most frequent longer terms, for a query that types
    # only this prefix (a word in part) without fetching every file below it
    longer = sorted((t for t in entries if len(t) > len(prefix)), key=lambda t: (-entries[t][0], t))[:PREFIX_TERMS]
    exact[""] = {t: entries[t] for t in longer}
    files["t/" + term_file(prefix, exact=True)] = _compact(exact)
    split[prefix] = "".join(sorted(groups))
    for following, group in sorted(groups.items()):
        _terms(files, prefix + following, group, split)


def index_files(docs: list[Doc]) -> tuple[dict[str, str], dict]:
    """The index as ``{path under find/idx/: JSON text}``, and counts for the build log and tests."""
    files: dict[str, str] = {}
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
        postings = [encode_ids(title_ids), encode_ids(text_ids)]
        if df <= INLINE_MAX:
            by_first[term[0]][term] = [df, *postings]
        else:
            files[f"p/{separate}.json"] = _compact(postings)
            by_first[term[0]][term] = [df, separate]
            separate += 1
    split: dict[str, str] = {}  # split prefix -> the next characters that have their own file
    for first, entries in sorted(by_first.items()):
        _terms(files, first, entries, split)
    for start in range(0, len(docs), CHUNK):
        files[f"d/{start // CHUNK}.json"] = _compact([[d.title, d.url, d.label, d.snippet, 1 if d.featured else 0] for d in docs[start : start + CHUNK]])
    longest = max((len(t) for t in list(in_title) + list(in_text)), default=1)
    files["meta.json"] = _compact({"docs": len(docs), "chunk": CHUNK, "longest": longest, "first": "".join(sorted(by_first)), "split": split})
    return files, {"docs": len(docs), "terms": sum(len(e) for e in by_first.values()), "separate": separate}


def build_index(docs: list[Doc], site_dir: Path, previous: dict[str, str] | None = None) -> dict:
    """Write the index into ``site_dir/find/idx``; returns counts for the build log and tests,
    and under ``files`` what was written. Given ``previous`` (the ``files`` of the last build
    into the same folder), only the files that changed are written and those gone are removed."""
    out = site_dir / INDEX_DIR
    files, counts = index_files(docs)
    if previous is None:
        shutil.rmtree(out, ignore_errors=True)
        for sub in ("t", "p", "d"):
            (out / sub).mkdir(parents=True)
        previous = {}
    written = 0
    for name, text in files.items():
        if previous.get(name) != text:
            write_data(out / name, text)
            written += 1
    for name in previous.keys() - files.keys():
        (out / name).unlink(missing_ok=True)
        (out / name).with_suffix(".js").unlink(missing_ok=True)
    return {**counts, "files": files, "written": written}


def snippet(text: str, size: int = 60) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= size else text[: size - 1] + "…"
