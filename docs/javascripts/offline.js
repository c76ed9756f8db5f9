// The site opened from a folder (file://), e.g. copied onto a USB stick for a training day in a
// school with no network. Chromium allows a page opened from a file to load <script> and
// <img> files beside it, but refuses fetch() and Web Workers, and a link to a folder
// ("standards/") shows the folder's listing instead of its index.html. The educat plugin loads
// this script in the <head> of every page, before the theme's own script; on http(s) it does
// nothing but define educatLoadData, with which catalog.js and find.js read their indexes.
(function () {
  "use strict";
  // Index files (catalog/index/, find/idx/) are scripts that store their data under their own
  // address (findindex.data_script); catalog.js and find.js read them with this, on http too.
  window.educatLoadData = function (url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url.href;
      script.onload = function () {
        var store = window.educatIndex || {}, key = script.src;
        script.remove();
        if (!Object.prototype.hasOwnProperty.call(store, key)) { reject(new Error("索引文件内容不对:" + key)); return; }
        var data = store[key];
        delete store[key];
        resolve(data);
      };
      script.onerror = function () { script.remove(); reject(new Error("无法读取 " + url.href)); };
      document.head.appendChild(script);
    });
  };
  if (window.location.protocol !== "file:") return;

  // 1. Links to folders get their index.html, also links that scripts add later (search
  //    results, catalog results, the full-text search link).
  function fix(link) {
    var href = link.getAttribute("href");
    if (!href || href.charAt(0) === "#") return;
    var url = new URL(href, document.baseURI);
    if (url.protocol !== "file:" || url.pathname.slice(-1) !== "/") return;
    url.pathname += "index.html";
    link.setAttribute("href", url.href);
  }
  function fixAll(root) {
    if (root.nodeType !== 1) return;
    if (root.tagName === "A") fix(root);
    Array.prototype.forEach.call(root.querySelectorAll("a[href]"), fix);
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      if (change.type === "attributes") fix(change.target);
      else Array.prototype.forEach.call(change.addedNodes, fixAll);
    });
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["href"] });
  // the page's own links: the observer sees them as the parser adds them; this catches any it missed
  document.addEventListener("DOMContentLoaded", function () { fixAll(document.documentElement); });

  // 2. The theme's search box runs its index (search/search_index.js, which the theme loads
  //    itself from a file:// page) in a Web Worker. A hidden frame running the same worker script
  //    stands in for it. The theme's worker script knows this stand-in by the name IFrameWorker:
  //    it then loads lunr's language files from beside its own <script>, with importScripts
  //    returning a promise it waits for.
  function loadScript(doc, src) {
    return new Promise(function (resolve, reject) {
      var script = doc.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("无法载入 " + src)); };
      doc.body.appendChild(script);
    });
  }

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      var worker = this;
      var frame = this.frame = document.createElement("iframe");
      frame.hidden = true;
      frame.setAttribute("aria-hidden", "true");
      frame.title = "站内搜索";
      document.body.appendChild(frame);
      var inner = frame.contentWindow;
      inner.postMessage = function (data) {
        // asynchronous, as a worker's messages are
        setTimeout(function () {
          var event = new MessageEvent("message", { data: data });
          worker.dispatchEvent(event);
          if (typeof worker.onmessage === "function") worker.onmessage(event);
        }, 0);
      };
      inner.importScripts = function () {
        var urls = Array.prototype.slice.call(arguments);
        return urls.reduce(function (done, src) {
          return done.then(function () { return loadScript(frame.contentDocument, src); });
        }, Promise.resolve());
      };
      this.ready = loadScript(frame.contentDocument, new URL(url, document.baseURI).href);
      this.ready.catch(function (error) {
        var event = new ErrorEvent("error", { message: error.message, error: error });
        worker.dispatchEvent(event);
        if (typeof worker.onerror === "function") worker.onerror(event);
      });
    }

    postMessage(data) {
      var frame = this.frame;
      this.ready.then(function () {
        var inner = frame.contentWindow;
        if (inner) inner.dispatchEvent(new inner.MessageEvent("message", { data: data }));
      }, function () {});
    }

    terminate() {
      this.frame.remove();
    }
  }
  window.IFrameWorker = IFrameWorker;
  window.Worker = IFrameWorker;
})();
