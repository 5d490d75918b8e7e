// The lmtask page: plain JS, no build step, no CDN.
"use strict";
const $ = (id) => document.getElementById(id);

function headers(json) {
  const h = json ? { "Content-Type": "application/json" } : {};
  const key = sessionStorage.getItem("lmtask-key");
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function status(msg, isError) {
  $("status").textContent = msg || "";
  $("status").className = isError ? "error" : "";
}

async function api(path, body) {
  const init = body === undefined ? { headers: headers(false) }
    : { method: "POST", headers: headers(true), body: JSON.stringify(body) };
  const r = await fetch(path, init);
  if (r.status === 401) {
    $("key-box").hidden = false;
    throw new Error("this server needs an API key: type it at the top right");
  }
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(`${r.status}: ${detail}`);
  }
  return r;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.assign(e, attrs || {});
  if (text !== undefined) e.textContent = text;
  return e;
}

// -- tabs ---------------------------------------------------------------------------
document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === b));
  document.querySelectorAll(".panel").forEach((p) => { p.hidden = p.id !== b.dataset.tab; });
  if (b.dataset.tab === "reports") loadReports();
}));

$("api-key").addEventListener("change", () => {
  sessionStorage.setItem("lmtask-key", $("api-key").value);
  loadModels();
});

// -- classify -----------------------------------------------------------------------
let models = [];
async function loadModels() {
  try {
    models = (await (await api("/v1/models")).json()).data;
    const sel = $("model");
    sel.replaceChildren(...models.map((m) => el("option", { value: m.name }, m.name)));
    showLabels();
    const loading = models.filter((m) => !m.loaded).map((m) => m.name);
    status(loading.length ? `loading: ${loading.join(", ")}` : "");
    if (loading.length) setTimeout(loadModels, 2000);
  } catch (e) { status(e.message, true); }
}
function showLabels() {
  const m = models.find((x) => x.name === $("model").value);
  $("model-labels").textContent = m ? `${m.method || ""} · ${m.labels.join(", ")}` : "";
}
$("model").addEventListener("change", showLabels);

function drawBars(scores, top) {
  const rows = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  $("bars").replaceChildren(...rows.map(([label, p]) => {
    const row = el("div", { className: "bar-row" });
    const track = el("div", { className: "bar-track" });
    const bar = el("div", { className: "bar" + (label === top ? " top" : "") });
    bar.style.width = (100 * p).toFixed(1) + "%";
    track.append(bar);
    row.append(el("span", {}, label), track, el("span", {}, p.toFixed(3)));
    return row;
  }));
}

$("classify-btn").addEventListener("click", async () => {
  const text = $("text").value;
  if (!text.trim()) { status("type a text first", true); return; }
  $("classify-btn").disabled = true;
  status("classifying...");
  try {
    const r = await (await api("/v1/classify", { model: $("model").value, input: text })).json();
    const d = r.data[0];
    $("result").hidden = false;
    $("result-label").textContent = d.label === null ? "unknown" : d.label;
    $("result-conf").textContent = d.label === null ? "(below the confidence threshold)"
      : `p = ${d.scores[d.label].toFixed(3)}`;
    drawBars(d.scores, d.label);
    $("result-warn").textContent = (r.warnings || []).join(" ");
    status("");
  } catch (e) { status(e.message, true); }
  $("classify-btn").disabled = false;
});

// -- file ---------------------------------------------------------------------------
function csvPreview(text, limit) {
  // a preview only: the download is the server's CSV as written
  const lines = text.split(/\r?\n/).filter((l) => l).slice(0, limit + 1);
  const t = el("table");
  lines.forEach((line, i) => {
    const tr = el("tr");
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).slice(0, -1)
      .map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"'));
    cells.forEach((c) => tr.append(el(i ? "td" : "th", {}, c.length > 80 ? c.slice(0, 77) + "..." : c)));
    t.append(tr);
  });
  return t;
}

$("table-btn").addEventListener("click", async () => {
  const f = $("table-file").files[0];
  if (!f) { status("choose a CSV or JSONL file first", true); return; }
  $("table-btn").disabled = true;
  status(`classifying ${f.name}...`);
  try {
    const body = { model: $("model").value, content: await f.text(),
      format: /\.(jsonl|ndjson)$/i.test(f.name) ? "jsonl" : /\.tsv$/i.test(f.name) ? "tsv" : "csv" };
    if ($("table-column").value.trim()) body.text_column = $("table-column").value.trim();
    const res = await api("/v1/classify/table", body);
    const text = await res.text();
    const link = $("table-download");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    link.hidden = false;
    $("table-preview").replaceChildren(csvPreview(text, 10));
    status(`${res.headers.get("X-Lmtask-Rows")} rows classified`);  // a text may span lines
  } catch (e) { status(e.message, true); }
  $("table-btn").disabled = false;
});

// -- generate (streamed) ------------------------------------------------------------
const FIELDS = { translate: "target_language", answer: "question" };
$("gen-task").addEventListener("change", () => {
  const name = FIELDS[$("gen-task").value];
  $("gen-field-box").hidden = !name;
  $("gen-field-name").textContent = name || "";
});

$("gen-btn").addEventListener("click", async () => {
  const task = $("gen-task").value;
  const body = { task, input: $("gen-text").value, stream: true, fields: {} };
  if (FIELDS[task] && $("gen-field").value) body.fields[FIELDS[task]] = $("gen-field").value;
  $("gen-btn").disabled = true;
  $("gen-out").textContent = "";
  status("generating...");
  try {
    const r = await api("/v1/generate", body);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const ev = JSON.parse(buf.slice(0, cut).replace(/^data: /, ""));
        buf = buf.slice(cut + 2);
        if (ev.text) $("gen-out").textContent += ev.text;
        if (ev.done) $("gen-out").textContent = ev.output;
        if (ev.error) throw new Error(ev.error);
      }
    }
    status("");
  } catch (e) { status(e.message, true); }
  $("gen-btn").disabled = false;
});

// -- reports ------------------------------------------------------------------------
function markdown(md) {
  // headings, tables and paragraphs: what eval/compare reports hold
  const out = el("div");
  let table = null;
  for (const line of md.split("\n")) {
    if (/^\|/.test(line)) {
      if (/^\|[\s:|-]+\|$/.test(line)) continue;
      const cells = line.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      if (!table) { table = el("table"); out.append(table); }
      const tr = el("tr");
      cells.forEach((c) => tr.append(el(table.rows.length ? "td" : "th", {}, c.replace(/\*\*/g, ""))));
      table.append(tr);
      continue;
    }
    table = null;
    const h = line.match(/^(#{1,4}) (.*)/);
    if (h) out.append(el("h" + (h[1].length + 1), {}, h[2]));
    else if (line.trim()) out.append(el("p", {}, line.replace(/\*\*|`/g, "")));
  }
  return out;
}

async function showReport(rep) {
  const view = $("report-view");
  view.replaceChildren(el("h2", {}, rep.path || "(top folder)"));
  const base = "/reports/" + (rep.path ? rep.path + "/" : "");
  for (const name of rep.files.filter((n) => n.endsWith(".md"))) {
    view.append(markdown(await (await api(base + name)).text()));
  }
  for (const name of rep.files.filter((n) => n.endsWith(".png"))) {
    const blob = await (await api(base + name)).blob();
    view.append(el("img", { src: URL.createObjectURL(blob), alt: name, title: name }));
  }
}

async function loadReports() {
  try {
    const reps = (await (await api("/v1/reports")).json()).data;
    $("report-list").replaceChildren(...reps.map((rep) => {
      const li = el("li");
      const a = el("a", { href: "#" }, rep.path || "(top folder)");
      a.addEventListener("click", (ev) => { ev.preventDefault(); showReport(rep).catch((e) => status(e.message, true)); });
      li.append(a);
      return li;
    }));
    if (!reps.length) status("no eval/compare reports in the served folder");
  } catch (e) { status(e.message, true); }
}

loadModels();
