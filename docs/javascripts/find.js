// Full-text search (/find/) over the split index that `educat build` writes to find/idx/.
// A query fetches meta.json, the term file of each character a word starts with, the postings
// of frequent words and the document chunks of the results shown: never the whole index.
// On every other page, the theme's search box gets a link that runs the same query here.
(function () {
  "use strict";

  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var RUNS = /[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+/g;
  var PAGE = 20;
  var MAX_QUERY = 100;  // characters; a longer query is cut (a shared link cannot make the page work for long)

  var loadData = window.educatLoadData;  // offline.js: index files are read as scripts

  // get("t/31.json") reads t/31.js: the index names its files by their JSON twins
  function loader(base) {
    var cache = {};
    return function (path) {
      if (!cache[path]) {
        cache[path] = loadData(new URL(path.replace(/\.json$/, ".js"), base));
        cache[path].catch(function () { delete cache[path]; });  // a failed file may be tried again
      }
      return cache[path];
    };
  }

  // Document numbers from findindex.encode_ids: "~" + a bitmap (6 documents per character),
  // or gaps in a 5-bit code (characters 32-63 carry low bits and continue, 0-31 end a gap).
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var VALUE = {};
  for (var k = 0; k < DIGITS.length; k++) VALUE[DIGITS.charAt(k)] = k;

  function ids(text) {
    var out = [], i, bit, v;
    if (text.charAt(0) === "~") {
      for (i = 1; i < text.length; i++) {
        v = VALUE[text.charAt(i)];
        for (bit = 0; bit < 6; bit++) if (v >> bit & 1) out.push((i - 1) * 6 + bit);
      }
      return out;
    }
    var n = 0, value = 0, shift = 0;
    for (i = 0; i < text.length; i++) {
      v = VALUE[text.charAt(i)];
      if (v >= 32) { value += (v - 32) * Math.pow(2, shift); shift += 5; }
      else { n += value + v * Math.pow(2, shift); out.push(n); value = 0; shift = 0; }
    }
    return out;
  }

  // Split the query the way the index was split: longest known term first, as jieba's
  // search mode indexed every long word together with its parts. A piece that is no term but
  // begins some terms (a word typed in part, e.g. 勾股 for 勾股定理) stands for up to
  // PREFIX_TERMS of them, the most frequent first. Each result item is [label, entries].
  var PREFIX_TERMS = 4;

  function segment(query, meta, get) {
    var runs = query.toLowerCase().match(RUNS) || [];
    var terms = [], missing = [];
    function hex(ch) { return ch.codePointAt(0).toString(16); }
    function has(prefix) { return Object.prototype.hasOwnProperty.call(meta.split, prefix); }
    // the t/ file that holds `word` (findindex.term_file), or null when no file can
    function fileFor(word) {
      if (meta.first.indexOf(word[0]) < 0) return null;
      var prefix = word[0];
      while (has(prefix)) {
        if (prefix.length === word.length) return Array.from(prefix).map(hex).join("-") + "-";
        var next = word[prefix.length];
        if (meta.split[prefix].indexOf(next) < 0) return null;
        prefix += next;
      }
      return Array.from(prefix).map(hex).join("-");
    }
    function dictOf(word) {
      var file = fileFor(word);
      return file === null ? Promise.resolve({}) : get("t/" + file + ".json");
    }
    function own(dict, key) { return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : null; }
    // the known term `word`, or the PREFIX_TERMS most frequent terms that begin with it (a
    // split prefix keeps them under "" in its own file)
    function known(word, allowPrefix) {
      return dictOf(word).then(function (dict) {
        if (word && own(dict, word)) return [dict[word]];
        if (!allowPrefix) return [];
        var pool = has(word) ? own(dict, "") || {} : dict;
        var longer = Object.keys(pool).filter(function (k) { return k.length > word.length && k.lastIndexOf(word, 0) === 0; });
        longer.sort(function (a, b) { return pool[b][0] - pool[a][0]; });
        return longer.slice(0, PREFIX_TERMS).map(function (k) { return pool[k]; });
      });
    }
    function longest(run, i) {
      // longest known term at run[i]; then the longest piece that begins known terms
      var len = Math.min(meta.longest, run.length - i);
      function exact() {
        // a prefix is shorter than the term it begins
        if (len < 1) { len = Math.min(meta.longest - 1, run.length - i); return prefixed(); }
        var word = run.substr(i, len);
        return known(word, false).then(function (entries) {
          if (entries.length) return [word, entries];
          len--;
          return exact();
        });
      }
      function prefixed() {
        if (len < 2) return null;
        var word = run.substr(i, len);
        return known(word, true).then(function (entries) {
          if (entries.length) return [word + "…", entries];
          len--;
          return prefixed();
        });
      }
      return exact();
    }
    var chain = Promise.resolve();
    runs.forEach(function (run) {
      chain = chain.then(function () {
        if (!CJK.test(run)) {
          return known(run, true).then(function (entries) {
            if (entries.length) terms.push([run, entries]); else missing.push(run);
          });
        }
        var i = 0;
        function step() {
          if (i >= run.length) return;
          return longest(run, i).then(function (found) {
            if (found) { terms.push(found); i += found[0].replace("…", "").length; }
            else { missing.push(run[i]); i++; }
            return step();
          });
        }
        return step();
      });
    });
    return chain.then(function () { return { terms: terms, missing: missing }; });
  }

  function postings(entry, get) {
    // [df, titleGaps, textGaps] inline, or [df, n] for p/<n>.json
    if (entry.length === 3) return Promise.resolve([entry[1], entry[2]]);
    return get("p/" + entry[1] + ".json");
  }

  // One query word (or prefix group): the documents with a title hit and those with any hit.
  function hitsOf(entries, get) {
    return Promise.all(entries.map(function (e) { return postings(e, get); })).then(function (lists) {
      var title = {}, any = {};
      lists.forEach(function (pair) {
        ids(pair[0]).forEach(function (d) { title[d] = true; any[d] = true; });
        ids(pair[1]).forEach(function (d) { any[d] = true; });
      });
      var df = entries.reduce(function (n, e) { return n + e[0]; }, 0);
      return { title: title, any: any, df: df };
    });
  }

  function rank(meta, groups) {
    var scores = {}, hits = {};
    groups.forEach(function (g) {
      var idf = Math.log(1 + meta.docs / Math.min(g.df, meta.docs));
      Object.keys(g.any).forEach(function (key) {
        var doc = Number(key);
        scores[doc] = (scores[doc] || 0) + idf * (g.title[key] ? 2 : 1);
        hits[doc] = (hits[doc] || 0) + 1;
      });
    });
    var all = Object.keys(scores).map(Number);
    var every = all.filter(function (d) { return hits[d] === groups.length; });
    var partial = every.length === 0 && groups.length > 1;
    var docs = partial ? all : every;
    docs.sort(function (a, b) { return scores[b] - scores[a] || a - b; });
    return { docs: docs, partial: partial };
  }

  function setupFind(form) {
    var base = new URL(form.getAttribute("data-index"), window.location.href);
    var root = new URL(form.getAttribute("data-root"), window.location.href);
    var get = loader(base);
    var input = form.querySelector("input");
    var status = document.getElementById("educat-find-status");
    var list = document.getElementById("educat-find-results");
    var more = document.getElementById("educat-find-more");
    var current = null, shown = 0, token = 0;

    function show(meta) {
      var slice = current.docs.slice(shown, shown + PAGE);
      var chunks = {};
      slice.forEach(function (d) { chunks[Math.floor(d / meta.chunk)] = true; });
      var mine = token;
      return Promise.all(Object.keys(chunks).map(function (c) {
        return get("d/" + c + ".json").then(function (rows) { return [Number(c), rows]; });
      })).then(function (loaded) {
        if (mine !== token) return;
        var rowsOf = {};
        loaded.forEach(function (pair) { rowsOf[pair[0]] = pair[1]; });
        slice.forEach(function (d) {
          var row = rowsOf[Math.floor(d / meta.chunk)][d % meta.chunk];
          var li = document.createElement("li");
          li.className = "educat-find-result";
          var link = document.createElement("a");
          link.href = new URL(row[1], root).href;
          link.textContent = row[0];
          li.appendChild(link);
          if (row[4]) {
            var star = document.createElement("span");
            star.className = "educat-badge educat-featured";
            star.textContent = "精品";
            li.appendChild(document.createTextNode(" "));
            li.appendChild(star);
          }
          var label = document.createElement("div");
          label.className = "educat-find-label";
          label.textContent = row[2];
          li.appendChild(label);
          if (row[3]) {
            var p = document.createElement("p");
            p.textContent = row[3];
            li.appendChild(p);
          }
          list.appendChild(li);
        });
        shown += slice.length;
        more.hidden = shown >= current.docs.length;
      });
    }

    function run(query) {
      token++;
      var mine = token;
      list.textContent = "";
      more.hidden = true;
      query = query.trim().slice(0, MAX_QUERY);
      if (!query) { status.textContent = ""; return Promise.resolve(); }
      status.textContent = "正在搜索……";
      return get("meta.json").then(function (meta) {
        return segment(query, meta, get).then(function (seg) {
          return Promise.all(seg.terms.map(function (t) { return hitsOf(t[1], get); })).then(function (groups) {
            if (mine !== token) return;
            current = groups.length ? rank(meta, groups) : { docs: [], partial: false };
            shown = 0;
            var words = seg.terms.map(function (t) { return t[0]; }).join(" / ");
            var text = current.docs.length ? "共 " + current.docs.length + " 条结果" : "没有找到结果";
            if (words) text += "(按词检索:" + words + ")";
            if (current.partial) text += ";没有同时包含全部词的页面,以下为包含部分词的结果";
            var absent = seg.missing.filter(function (w, k) { return seg.missing.indexOf(w) === k; });
            if (absent.length) text += ";索引中没有:" + absent.join("、");
            status.textContent = text + "。";
            if (current.docs.length) return show(meta);
          });
        });
      }).catch(function (err) {
        if (mine !== token) return;
        status.textContent = "搜索索引无法读取(" + err.message + "),请稍后重试或在课程资源页按条件浏览。";
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = new URL(window.location.href);
      if (input.value.trim()) url.searchParams.set("text", input.value.trim()); else url.searchParams.delete("text");
      window.history.replaceState(null, "", url);
      run(input.value);
    });
    more.addEventListener("click", function () {
      if (more.disabled || !current || shown >= current.docs.length) return;
      more.disabled = true;  // one page at a time: a second click waits for the first
      get("meta.json").then(show).then(function () { more.disabled = false; }, function () { more.disabled = false; });
    });
    var initial = new URLSearchParams(window.location.search).get("text");
    if (initial) { input.value = initial; run(initial); }
  }

  // The theme's search box: offer the same words on the full-text page, which also covers
  // every resource page (the theme's own index holds only the standards, datasets and docs
  // once the catalog is large).
  function setupHeaderLink() {
    var input = document.querySelector("input.md-search__input");
    var meta = document.querySelector(".md-search-result__meta");
    var config = document.getElementById("__config");
    if (!input || !meta || !config) return;
    var base = new URL(JSON.parse(config.textContent).base + "/", window.location.href);
    var link = document.createElement("a");
    link.className = "educat-find-link";
    meta.parentNode.insertBefore(link, meta.nextSibling);
    function update() {
      var q = input.value.trim();
      link.hidden = !q;
      link.href = new URL("find/?text=" + encodeURIComponent(q), base).href;
      link.textContent = "在全文搜索中查找“" + q + "”(含全部课程资源)→";
    }
    input.addEventListener("input", update);
    update();
  }

  function setup() {
    var form = document.getElementById("educat-find");
    if (form) setupFind(form);
    setupHeaderLink();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
