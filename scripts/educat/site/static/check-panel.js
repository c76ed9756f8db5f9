// “检查我的文件”:在读者的浏览器中运行 educat check。
// 文件只在本机读取:Pyodide 运行 educat 自己的检查代码(读表、对表头、生成 SQL、写中文说明),
// DuckDB-WASM 运行同样的 SQL。引擎只在第一次选择文件时从本站加载,不向任何其他地址发请求。
// 经典脚本(不是 ES 模块):从文件夹(file://)打开时也会运行,好说明为什么不能检查。
(() => {
  const panels = document.querySelectorAll(".educat-check");
  const LIMIT = 1000; // 页面上最多列出的错误;统计总是覆盖整个文件
  let engine = null; // 加载中或已加载的引擎(所有面板共用一个)
  let uploads = 0;
  let queue = Promise.resolve(); // checks run one after another

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = url;
      tag.onload = resolve;
      tag.onerror = () => reject(new Error("无法加载 " + url));
      document.head.appendChild(tag);
    });
  }

  function plain(value) {
    // Arrow 的值转成普通 JavaScript 值(列表、BigInt)
    if (value === null || value === undefined) return null;
    if (typeof value === "bigint") return Number(value);
    if (typeof value === "object" && typeof value[Symbol.iterator] === "function" && typeof value !== "string") {
      return Array.from(value, plain);
    }
    return value;
  }

  function rowsOf(table) {
    const columns = table.schema.fields.map((_, i) => table.getChildAt(i));
    const rows = [];
    for (let r = 0; r < table.numRows; r++) rows.push(columns.map((c) => plain(c.get(r))));
    return rows;
  }

  async function loadEngine(base, say) {
    say("正在加载检查引擎(只在第一次检查时下载)……", 5);
    await loadScript(new URL("duckdb/arrow.js", base).href);
    const duckdb = await import(new URL("duckdb/duckdb-browser.mjs", base).href);
    const worker = new Worker(new URL("duckdb/duckdb-browser-eh.worker.js", base).href);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(new URL("duckdb/duckdb-eh.wasm", base).href);
    await db.open({ query: { castBigIntToDouble: true, castDecimalToDouble: true } });
    const conn = await db.connect();
    // DuckDB-WASM would download extensions (JSON …) from the internet on first use: never
    await conn.query("SET autoinstall_known_extensions = false");
    await conn.query("SET autoload_known_extensions = false");
    say("正在加载检查程序……", 25);
    const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", base).href);
    const py = await loadPyodide({ indexURL: new URL("pyodide/", base).href });
    const zip = await (await fetch(new URL("educat-py.zip", base).href)).arrayBuffer();
    py.unpackArchive(zip, "zip", { extractDir: "/educat-py" });
    py.runPython("import sys; sys.path.insert(0, '/educat-py')");
    const check = py.pyimport("educat.tables.browser_check");
    return { db, conn, py, check };
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    return td;
  }

  function csvOf(findings) {
    const head = ["行", "单元格", "字段", "中文名", "类型", "级别", "值", "说明", "修改方法"];
    const quote = (v) => {
      const s = v === null || v === undefined ? "" : String(v);
      return /[",\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
    };
    const lines = [head, ...findings.map((f) => [f.row, f.cell, f.field, f.title, f.type, f.severity, f.value, f.message, f.note])];
    return "\ufeff" + lines.map((l) => l.map(quote).join(",")).join("\r\n") + "\r\n";
  }

  function download(name, text, type) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = name;
    a.textContent = name;
    return a;
  }

  function show(panel, report, fileName, seconds) {
    const out = panel.querySelector(".educat-check-result");
    out.replaceChildren();
    const stats = report.stats;
    const head = document.createElement("p");
    head.className = "educat-check-verdict";
    head.textContent = report.valid
      ? `通过:${fileName}(${stats.rows} 行数据)没有发现错误。`
      : `不通过:${fileName}(${stats.rows} 行数据)共 ${stats.errors} 个错误。`;
    if (stats.warnings) head.textContent += ` ${stats.warnings} 个警告。`;
    head.textContent += `(用时 ${seconds.toFixed(1)} 秒)`;
    out.append(head);
    const types = Object.entries(stats.types || {});
    if (types.length) {
      const table = document.createElement("table");
      table.className = "educat-check-counts";
      table.createCaption().textContent = "按规则统计";
      const header = table.createTHead().insertRow();
      for (const h of ["规则", "个数"]) header.append(Object.assign(document.createElement("th"), { textContent: h }));
      const body = table.createTBody();
      for (const [kind, n] of types) {
        const row = body.insertRow();
        row.append(cell(kind), cell(n));
      }
      out.append(table);
    }
    if (report.findings.length) {
      if (stats.truncated) {
        const more = document.createElement("p");
        more.textContent = `下面只列出前 ${LIMIT} 个;统计覆盖整个文件。`;
        out.append(more);
      }
      const table = document.createElement("table");
      table.className = "educat-check-findings";
      table.createCaption().textContent = "逐条结果";
      const header = table.createTHead().insertRow();
      for (const h of ["行", "单元格", "字段", "值", "级别", "类型", "说明", "修改方法"]) {
        header.append(Object.assign(document.createElement("th"), { textContent: h, scope: "col" }));
      }
      const body = table.createTBody();
      const levels = { error: "错误", warning: "警告", info: "提示" };
      for (const f of report.findings) {
        const row = body.insertRow();
        const field = f.field ? (f.title && f.title !== f.field ? `${f.field}(${f.title})` : f.field) : "";
        row.append(cell(f.row), cell(f.cell), cell(field), cell(f.value), cell(levels[f.severity] || f.severity), cell(f.type), cell(f.message), cell(f.note));
      }
      out.append(table);
    }
    const links = document.createElement("p");
    const stem = fileName.replace(/\.[^.]*$/, "");
    links.append("下载结果:", download(`${stem}-检查结果.csv`, csvOf(report.findings), "text/csv;charset=utf-8"), " · ",
      download(`${stem}-检查结果.json`, JSON.stringify(report, null, 2), "application/json"));
    out.append(links);
  }

  async function run(panel, file) {
    const status = panel.querySelector(".educat-check-status");
    const bar = panel.querySelector(".educat-check-progress");
    const say = (text, percent) => {
      status.textContent = text;
      bar.hidden = false;
      bar.value = percent;
      bar.textContent = percent + "%";
    };
    const started = performance.now();
    panel.querySelector(".educat-check-result").replaceChildren();
    panel.dataset.state = "running";
    try {
      const base = new URL(panel.dataset.engine, location.href);
      engine = engine || loadEngine(base, say);
      const { db, conn, py, check } = await engine;
      say(`正在读取 ${file.name}……`, 40);
      const bundle = await (await fetch(new URL(panel.dataset.bundle, location.href).href)).text();
      const name = file.name.replace(/[\\/]/g, "_") || "upload.csv";
      py.FS.mkdirTree("/upload");
      const path = "/upload/" + name;
      py.FS.writeFile(path, new Uint8Array(await file.arrayBuffer()));
      const registered = [];
      const register = async (source) => {
        const alias = `educat-${++uploads}.csv`;
        await db.registerFileBuffer(alias, py.FS.readFile(source));
        registered.push(alias);
        return alias;
      };
      const query = async (sql) => rowsOf(await conn.query(sql));
      const progress = (stage) => say({ read: `正在读取 ${file.name}……`, check: "正在检查(规则与命令行 educat check 相同)……" }[stage] || stage, stage === "check" ? 60 : 45);
      let report;
      try {
        const result = await check.check_page(path, bundle, query, register, LIMIT, progress);
        report = result.toJs({ dict_converter: Object.fromEntries });
        result.destroy();
      } finally {
        // nothing of the file stays in the page's memory, whatever happened
        if (py.FS.analyzePath(path).exists) py.FS.unlink(path);
        for (const alias of registered) await db.dropFile(alias);
      }
      say("检查完成。", 100);
      show(panel, report, file.name, (performance.now() - started) / 1000);
      panel.educatReport = report; // the report as educat check --format json gives it (for tests and scripts)
      panel.dataset.state = report.valid ? "valid" : "invalid";
    } catch (error) {
      console.error(error);
      const lines = String(error && error.message ? error.message : error).trim().split("\n");
      const text = lines.filter((l) => /^\w*(Error|Exception)\b/.test(l)).pop() || lines.pop();
      status.textContent = "无法在浏览器中检查(" + text + ")。请改用命令行 educat check。";
      bar.hidden = true;
      panel.dataset.state = "failed";
    }
  }

  for (const panel of panels) {
    const input = panel.querySelector("input[type=file]");
    if (location.protocol === "file:") {
      // 从文件夹直接打开时,浏览器不允许加载 WebAssembly 工作线程
      panel.querySelector(".educat-check-status").textContent = "从文件夹直接打开本站时无法在浏览器中检查;请通过网址访问(例如 educat serve),或使用命令行 educat check。";
      input.disabled = true;
      continue;
    }
    input.addEventListener("change", () => {
      if (!input.files.length) return;
      const file = input.files[0];
      input.value = ""; // the same file, edited, can be chosen again
      queue = queue.then(() => run(panel, file)); // one check at a time: they share the engine
    });
    panel.addEventListener("dragover", (event) => event.preventDefault());
    panel.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer.files.length) {
        const file = event.dataTransfer.files[0];
        queue = queue.then(() => run(panel, file));
      }
    });
  }
})();
