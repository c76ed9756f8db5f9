// Filters on the datasets index (主题, 提供方, 共享类型, 更新周期). The counts beside each
// option are recomputed from the other filters, so they always say how many datasets a
// choice would leave. The state lives in the URL query, so a filtered list can be shared.
(function () {
  "use strict";
  function setup() {
    var box = document.getElementById("dataset-filters");
    var tableBody = document.querySelector("#dataset-table tbody");
    if (!box || !tableBody) return;
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-filter]"));
    var rows = Array.prototype.slice.call(tableBody.querySelectorAll("tr"));
    var status = document.querySelector(".educat-filter-status");
    var key = function (s) { return s.getAttribute("data-filter"); };
    var attr = function (s) { return "data-" + key(s).replace(/_/g, "-"); };
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) { if (params.has(key(s))) s.value = params.get(key(s)); });

    function matches(row, except) {
      return selects.every(function (s) {
        return s === except || !s.value || row.getAttribute(attr(s)) === s.value;
      });
    }
    function update() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = matches(row, null);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      selects.forEach(function (s) {
        var pool = rows.filter(function (row) { return matches(row, s); });
        Array.prototype.forEach.call(s.options, function (option) {
          var n = option.value ? pool.filter(function (row) { return row.getAttribute(attr(s)) === option.value; }).length : pool.length;
          var label = option.value || "全部";
          option.textContent = label + "(" + n + ")";
        });
      });
      var query = new URLSearchParams();
      selects.forEach(function (s) { if (s.value) query.set(key(s), s.value); });
      var search = query.toString();
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
      if (status) status.textContent = "显示 " + shown + " / " + rows.length + " 个数据集";
    }
    selects.forEach(function (s) { s.addEventListener("change", update); });
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

// Accessibility: the theme wraps wide tables in scrollable boxes; make those reachable with the
// keyboard so they can be scrolled without a mouse.
(function () {
  "use strict";
  function focusable() {
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap:not([tabindex])"), function (el) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", "可滚动的表格");
    });
  }
  new MutationObserver(focusable).observe(document.documentElement, { childList: true, subtree: true });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusable);
  else focusable();
})();
