// The course-resource browser: facets (学段 → 年级, 学科, 教材版本, 资源类型, 受众, 许可, 精品),
// keyword, sort and pages over the sharded index built by educat. Only the shards that the
// chosen 学段 and 学科 need are loaded, and no more than meta.browse_max records unless both are
// chosen: a broader choice asks for a 学段 and 学科 (keywords can go to the full-text search). The state lives in the URL, so a filtered list can be shared.
// All text is inserted with textContent: nothing from the index is parsed as HTML.
(function () {
  "use strict";
  var PAGE_SIZE = 20;
  var PARAMS = { stage: "stage", grades: "grade", subject: "subject", edition: "edition", resource_type: "type", audience: "audience", license: "license" };
  var FIELDS = Object.keys(PARAMS);

  var loadData = window.educatLoadData;  // offline.js: index files are read as scripts

  function setup() {
    var app = document.getElementById("catalog-app");
    if (!app) return;
    var metaUrl = new URL(app.getAttribute("data-index"), window.location.href);
    var statusEl = app.querySelector(".educat-status");
    var list = app.querySelector(".educat-results");
    var pager = app.querySelector(".educat-pager");
    var selects = {};
    Array.prototype.forEach.call(app.querySelectorAll("select[data-facet]"), function (s) { selects[s.getAttribute("data-facet")] = s; });
    var keyword = app.querySelector("input[data-facet=q]");
    var featured = app.querySelector("input[data-facet=featured]");
    var meta = null, col = {}, names = {}, records = [], loaded = {};
    var box = app.querySelector(".educat-filterbox");
    var chosenEl = app.querySelector(".educat-chosen");
    // the filters are folded on a phone, so that the results are on the first screen
    box.open = window.matchMedia("(min-width: 45em)").matches;
    var findLink = document.createElement("a");
    findLink.className = "educat-find-link educat-catalog-find";
    findLink.hidden = true;
    statusEl.parentNode.insertBefore(findLink, statusEl.nextSibling);
    var st = { q: "", featured: false, sort: "newest", page: 1 };

    function fromUrl() {
      var p = new URLSearchParams(window.location.search);
      FIELDS.forEach(function (f) { st[f] = p.get(PARAMS[f]) || ""; });
      st.q = p.get("q") || "";
      st.featured = p.get("featured") === "1";
      st.sort = p.get("sort") === "title" ? "title" : "newest";
      st.page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
    }
    function fromForm() {
      FIELDS.forEach(function (f) { st[f] = selects[f].value; });
      st.q = keyword.value.trim();
      st.featured = featured.checked;
      st.sort = selects.sort.value;
    }
    function toUrl() {
      var p = new URLSearchParams();
      FIELDS.forEach(function (f) { if (st[f]) p.set(PARAMS[f], st[f]); });
      if (st.q) p.set("q", st.q);
      if (st.featured) p.set("featured", "1");
      if (st.sort !== "newest") p.set("sort", st.sort);
      if (st.page > 1) p.set("page", String(st.page));
      var query = p.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    }
    function gradeFits(grade, stage) {
      // a grade belongs to its stage, and under 五四制 a grade may also appear one stage up
      return records.some(function (r) { return r[col.stage] === stage && values(r, "grades").indexOf(grade) >= 0; });
    }
    function values(rec, f) {
      var v = rec[col[f]];
      return Array.isArray(v) ? v : (v ? [v] : []);
    }
    function matches(rec, except) {
      for (var i = 0; i < FIELDS.length; i++) {
        var f = FIELDS[i];
        if (f !== except && st[f] && values(rec, f).indexOf(st[f]) < 0) return false;
      }
      if (st.featured && !rec[col.featured]) return false;
      if (st.q) {
        var hay = (rec[col.title] + " " + rec[col.keywords] + " " + rec[col.provider]).toLowerCase();
        var terms = st.q.toLowerCase().split(/\s+/);
        for (var j = 0; j < terms.length; j++) if (terms[j] && hay.indexOf(terms[j]) < 0) return false;
      }
      return true;
    }
    function wanted() {
      if (!chosen()) return [];
      return meta.shards.filter(function (s) {
        return (!st.stage || s.stage === st.stage) && (!st.subject || s.subjects.indexOf(st.subject) >= 0);
      });
    }
    function size(shards) { return shards.reduce(function (n, s) { return n + s.count; }, 0); }
    // a 学段 and a 学科 together are the finest split of the index, so they always load
    function tooBroad() { var n = size(wanted()); return n > meta.browse_max && !(st.stage && st.subject) ? n : 0; }
    function needed() { return tooBroad() ? [] : wanted(); }
    function load() {
      // a shard is claimed before its fetch starts, so quick successive changes never load it twice
      var todo = needed().filter(function (s) { return !loaded[s.file]; });
      todo.forEach(function (s) { loaded[s.file] = true; });
      return Promise.all(todo.map(function (s) {
        return loadData(new URL(s.file.replace(/\.json$/, ".js"), metaUrl)).then(function (rows) { records = records.concat(rows); }, function (e) { delete loaded[s.file]; throw e; });
      }));
    }
    function chosen() { return !!(st.q || st.featured || FIELDS.some(function (f) { return st[f]; })); }
    // every record that matches the filters other than f is loaded, so counting them is exact
    function complete(f) {
      if (!needed().length) return false;
      return meta.shards.every(function (s) {
        var relevant = (f === "stage" || !st.stage || s.stage === st.stage) && (f === "subject" || !st.subject || s.subjects.indexOf(st.subject) >= 0);
        return !relevant || loaded[s.file];
      });
    }
    // How many records each option of f would leave, given the other filters; null when that
    // is unknown without loading more than the limit (meta.json counts 学段 × 学科 only).
    function optionCounts(f, pool) {
      var counts = {};
      if (complete(f)) {
        pool.forEach(function (rec) { values(rec, f).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; }); });
        return counts;
      }
      var onlyStageSubject = !st.q && !st.featured && FIELDS.every(function (g) { return g === "stage" || g === "subject" || !st[g]; });
      if (!onlyStageSubject) return null;
      if (f === "stage") {
        Object.keys(meta.stage_subject).forEach(function (s) { counts[s] = st.subject ? meta.stage_subject[s][st.subject] || 0 : meta.counts.stage[s] || 0; });
        return counts;
      }
      if (f === "subject") return st.stage ? meta.stage_subject[st.stage] || {} : meta.counts.subject;
      return st.stage || st.subject ? null : meta.counts[f];
    }
    function fill(f, pool) {
      var s = selects[f];
      var counts = optionCounts(f, pool);
      var all = null;
      if (counts && complete(f)) all = pool.length;
      else if (counts) all = f === "stage" || f === "subject" ? Object.keys(counts).reduce(function (n, k) { return n + counts[k]; }, 0) : meta.total;
      while (s.options.length) s.remove(0);
      s.add(new Option(all === null ? "全部" : "全部(" + all + ")", ""));
      names[f].forEach(function (pair) {
        var code = pair[0];
        if (counts === null) {  // the options the whole catalog has, without counts
          if (meta.counts[f][code] || code === st[f]) s.add(new Option(pair[1], code));
          return;
        }
        var n = counts[code] || 0;
        if (n || code === st[f]) s.add(new Option(pair[1] + "(" + n + ")", code));
      });
      s.value = st[f];
    }
    function label(f, code) {
      var pair = names[f].filter(function (p) { return p[0] === code; })[0];
      return pair ? pair[1] : code;
    }
    function render() {
      var source = needed().length ? records : meta.newest;
      FIELDS.forEach(function (f) { fill(f, source.filter(function (r) { return matches(r, f); })); });
      keyword.value = st.q;
      featured.checked = st.featured;
      selects.sort.value = st.sort;
      var hits = source.filter(function (r) { return matches(r, null); });
      hits.sort(st.sort === "title"
        ? function (a, b) { return a[col.title].localeCompare(b[col.title], "zh"); }
        : function (a, b) { return a[col.published] < b[col.published] ? 1 : a[col.published] > b[col.published] ? -1 : (a[col.id] < b[col.id] ? -1 : 1); });
      var pages = Math.max(1, Math.ceil(hits.length / PAGE_SIZE));
      st.page = Math.min(st.page, pages);
      while (list.firstChild) list.removeChild(list.firstChild);
      hits.slice((st.page - 1) * PAGE_SIZE, st.page * PAGE_SIZE).forEach(function (rec) {
        var li = document.createElement("li");
        li.className = "educat-result";
        li.setAttribute("data-id", rec[col.id]);
        var link = document.createElement("a");
        link.href = "r/" + encodeURIComponent(rec[col.id]) + "/";
        link.textContent = rec[col.title];
        li.appendChild(link);
        if (rec[col.featured]) {
          var b = document.createElement("span");
          b.className = "educat-badge educat-featured";
          b.textContent = "精品";
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        }
        // type · grade (the 学段 when it has no grades) · subject · edition, then one line of description
        var info = document.createElement("div");
        info.className = "educat-result-info";
        info.textContent = ["resource_type", values(rec, "grades").length ? "grades" : "stage", "subject", "edition"].map(function (f) {
          return values(rec, f).map(function (v) { return label(f, v); }).join("、");
        }).filter(Boolean).join(" · ");
        li.appendChild(info);
        if (rec[col.description]) {
          var desc = document.createElement("p");
          desc.className = "educat-result-desc";
          desc.textContent = rec[col.description];
          li.appendChild(desc);
        }
        list.appendChild(li);
      });
      while (pager.firstChild) pager.removeChild(pager.firstChild);
      if (pages > 1) {
        var prev = document.createElement("button");
        prev.type = "button"; prev.textContent = "上一页"; prev.disabled = st.page <= 1;
        prev.addEventListener("click", function () { st.page -= 1; render(); });
        var next = document.createElement("button");
        next.type = "button"; next.textContent = "下一页"; next.disabled = st.page >= pages;
        next.addEventListener("click", function () { st.page += 1; render(); });
        var where = document.createElement("span");
        where.textContent = " 第 " + st.page + " / " + pages + " 页 ";
        pager.appendChild(prev); pager.appendChild(where); pager.appendChild(next);
      }
      var broad = tooBroad();
      if (!chosen()) {
        statusEl.textContent = "最新发布的 " + meta.newest.length + " 条资源(全部 " + meta.total + " 条)。选择学段、学科等条件或输入关键词,在全部资源中查找。";
      } else {
        var scope = broad ? "(所选范围有 " + broad + " 条资源,超过一次载入的上限 " + meta.browse_max + " 条:请再选择学段和学科;这里只在最新 " + meta.newest.length + " 条中筛选)" : "";
        statusEl.textContent = "共 " + hits.length + " 条符合条件" + scope;
      }
      var picked = FIELDS.filter(function (f) { return st[f]; }).map(function (f) { return label(f, st[f]); });
      if (st.featured) picked.push("精品");
      chosenEl.textContent = picked.length ? ":" + picked.join(" · ") : "";
      findLink.hidden = !(broad && st.q);
      findLink.href = new URL("../../find/?text=" + encodeURIComponent(st.q), metaUrl).href;
      findLink.textContent = "在全文搜索中查找“" + st.q + "”→";
      toUrl();
    }
    function refresh() {
      statusEl.textContent = "正在载入……";
      return load().then(render).catch(function (e) { statusEl.textContent = "索引载入失败:" + e.message; });
    }
    function changed() {
      fromForm();
      st.page = 1;
      refresh().then(function () {
        // the grade list depends on the stage: drop a grade the new stage does not have
        // (only when the stage's records are loaded: otherwise there is nothing to judge by)
        if (st.grades && st.stage && needed().length && !gradeFits(st.grades, st.stage)) { st.grades = ""; render(); }
      });
    }
    loadData(metaUrl).then(function (m) {
      meta = m;
      m.columns.forEach(function (c, i) { col[c] = i; });
      m.facets.forEach(function (f) { names[f.field] = f.names; });
      fromUrl();
      return refresh();
    }).catch(function (e) { statusEl.textContent = "索引载入失败:" + e.message; });

    FIELDS.concat(["sort"]).forEach(function (f) { selects[f].addEventListener("change", changed); });
    featured.addEventListener("change", changed);
    var timer = null;
    keyword.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(changed, 200); });
    app.querySelector("[data-action=reset]").addEventListener("click", function () {
      FIELDS.forEach(function (f) { st[f] = ""; });
      st.q = ""; st.featured = false; st.sort = "newest"; st.page = 1;
      refresh();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
