// The published site (mlperf-explorer publish): filters, ranks, sorts, pages, charts and
// compares the rounds' JSON in the browser, with every selection in the URL. The rules are
// the playground's: one ranked table per benchmark and scenario, best first by the metric's
// direction; the latest round, closed division and most-submitted benchmark by default;
// text filters match token by token, whatever the case. Text from results is only ever set
// as textContent, never as HTML.
(function () {
  "use strict";
  const PAGE = 200;
  const METRICS = { performance: "result", per_accelerator: "result_per_accelerator", per_watt: "perf_per_watt",
    per_core: "result_per_core", energy_per_sample: "energy_per_sample_j" };
  const COLUMNS = ["rank", "submitter", "system_name", "result", "power_result", "accelerator_model_name",
    "total_accelerators", "availability", "system"];
  let params = new URLSearchParams(window.location.search);
  const page = document.body.dataset.page;
  let index = null;
  let lowerUnits = [];
  let runs = null;  // data/runs.json, when the site was published --with-my-runs

  const el = (tag, text, attrs) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };
  const num = (v) => (v === null || v === undefined) ? "" : (typeof v === "number"
    ? (Math.abs(v) >= 1000 ? v.toLocaleString("en-US", { maximumFractionDigits: 0 })
      : Math.abs(v) >= 10 ? v.toFixed(2) : String(Number(v.toPrecision(4)))) : (typeof v === "boolean" ? (v ? "yes" : "no") : String(v)));
  const tokens = (text) => (text || "").toLowerCase().split(/[\s\-_/,]+/).filter(Boolean);
  const json = (url) => fetch(url).then((r) => { if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); });

  function rows(data) {
    return data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c, r[i]])));
  }

  function latest(family) {
    const rounds = index.rounds.filter((r) => r.family === family);
    return rounds.length ? rounds[rounds.length - 1].round : "";
  }

  function messages(list) {
    const box = document.getElementById("messages");
    if (!box) return;
    box.replaceChildren(...list.map((m) => el("li", m)));
    box.hidden = !list.length;
  }

  function countBy(items, key) {
    const out = new Map();
    for (const r of items) { const k = key(r); if (k) out.set(k, (out.get(k) || 0) + 1); }
    return out;
  }

  // ---- the selection: URL parameters resolved against one round's rows ----------------
  function select(all) {
    const notes = [];
    const s = { family: params.get("family") || "inference", round: params.get("round") || "",
      division: params.get("division") || "", model: params.get("model") || "", scenario: params.get("scenario") || "",
      metric: params.get("metric") || "performance", q: params.get("q") || "", submitter: params.get("submitter") || "",
      accelerator: params.get("accelerator") || "", sort: params.get("sort") || "", page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1) };
    if (!METRICS[s.metric]) { notes.push("unknown metric " + JSON.stringify(s.metric)); s.metric = "performance"; }
    const match = (name, value, values) => {
      if (!value || value.toLowerCase() === "all") return "";
      const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
      if (!found) notes.push("no " + name + " " + JSON.stringify(value) + " here; known: " + values.slice(0, 12).join(", "));
      return found || "";
    };
    s.division = match("division", s.division, [...countBy(all, (r) => r.division).keys()].sort());
    if (!params.get("division") && all.some((r) => r.division === "closed")) s.division = "closed";
    let scoped = all.filter((r) => !s.division || r.division === s.division);
    const names = [...new Set(scoped.flatMap((r) => [r.mlperf_model, r.model]).filter(Boolean))].sort();
    s.model = match("benchmark", s.model, names);
    if (!params.get("model")) {
      const counts = countBy(scoped, (r) => (r.mlperf_model || r.model) + "\u0000" + (r.scenario || ""));
      const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
      if (top) { [s.model, s.scenario] = top[0].split("\u0000"); }
    }
    scoped = scoped.filter((r) => !s.model || r.mlperf_model === s.model || r.model === s.model);
    if (params.get("scenario")) s.scenario = match("scenario", params.get("scenario"), [...countBy(scoped, (r) => r.scenario).keys()].sort());
    let chosen = scoped.filter((r) => !s.scenario || r.scenario === s.scenario);
    for (const [param, cols] of [["submitter", ["submitter"]], ["accelerator", ["accelerator_model_name"]],
      ["q", ["system_name", "submitter", "system", "model", "mlperf_model", "accelerator_model_name", "framework", "host_processor_model_name"]]]) {
      for (const t of tokens(s[param])) chosen = chosen.filter((r) => cols.some((c) => String(r[c] || "").toLowerCase().includes(t)));
    }
    return { s, notes, chosen };
  }

  function url(s, changes) {
    const p = new URLSearchParams();
    const all = Object.assign({}, s, changes || {});
    for (const k of ["family", "round", "division", "model", "scenario", "metric", "submitter", "accelerator", "q", "sort", "page"]) {
      let v = all[k];
      if (k === "metric" && v === "performance") v = "";
      if (k === "page" && String(v) === "1") v = "";
      if ((k === "division" || k === "model" || k === "scenario") && !v && params.get(k)) v = "all";
      if (v) p.set(k, v);
    }
    if (page === "charts") {  // the chart's own choices stay in its link
      for (const k of ["kind", "x", "y", "color", "top", "per_accelerator", "zero"]) if (params.get(k)) p.set(k, params.get(k));
    }
    return "?" + p.toString();
  }

  // ---- leaderboard ----------------------------------------------------------------------
  function ranked(group, metric, units) {
    const lower = up(metric, units) === false;  // the playground's direction table (records.FIELD_DIRECTION)
    const sorted = group.slice().sort((a, b) => {
      const x = a[metric], y = b[metric];
      if (x === null || x === undefined) return (y === null || y === undefined) ? (a.uid < b.uid ? -1 : 1) : 1;
      if (y === null || y === undefined) return -1;
      return (lower ? x - y : y - x) || (a.uid < b.uid ? -1 : 1);
    });
    sorted.forEach((r, i) => { r.rank = (r[metric] === null || r[metric] === undefined) ? null : i + 1; });
    return sorted;
  }

  function sortBy(list, sort) {
    if (!sort) return list;
    const col = sort.replace(/^-/, ""), desc = sort.startsWith("-");
    const present = list.filter((r) => r[col] !== null && r[col] !== undefined);
    const missing = list.filter((r) => r[col] === null || r[col] === undefined).sort((a, b) => (a.uid < b.uid ? -1 : 1));
    present.sort((a, b) => (a.uid < b.uid ? -1 : 1));
    present.sort((a, b) => { const x = a[col], y = b[col]; const c = x < y ? -1 : x > y ? 1 : 0; return desc ? -c : c; });
    return present.concat(missing);
  }

  function fillPicker(name, values, current, counts, withAll) {
    const sel = document.querySelector("#filters select[name=" + name + "]");
    if (!sel) return;
    const opts = [];
    if (withAll) opts.push(el("option", "all", { value: "all" }));
    for (const v of values) {
      const o = el("option", counts && counts.get(v) ? v + " (" + counts.get(v) + ")" : v, { value: v });
      if (v === current) o.selected = true;
      opts.push(o);
    }
    sel.replaceChildren(...opts);
  }

  function pickers(s, all) {
    fillPicker("family", [...new Set(index.rounds.map((r) => r.family))], s.family);
    fillPicker("round", index.rounds.filter((r) => r.family === s.family).map((r) => r.round).reverse(), s.round);
    fillPicker("division", [...countBy(all, (r) => r.division).keys()].sort(), s.division, null, true);
    const scoped = all.filter((r) => !s.division || r.division === s.division);
    const counts = countBy(scoped, (r) => r.mlperf_model || r.model);
    fillPicker("model", [...counts.keys()].sort(), s.model, counts, true);
    fillPicker("scenario", [...countBy(scoped, (r) => r.scenario).keys()].sort(), s.scenario, null, true);
    fillPicker("metric", Object.keys(METRICS), s.metric);
    for (const name of ["submitter", "accelerator", "q"]) {
      const input = document.querySelector("#filters input[name=" + name + "]");
      if (input) input.value = s[name];
    }
  }

  function download(id, filename, type, text) {  // a link that saves exactly these rows
    const a = document.getElementById(id);
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = filename;
  }

  function csv(columns, list) {
    const cell = (v) => { if (v === null || v === undefined) return ""; const t = String(v); return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t; };
    return [columns.join(",")].concat(list.map((r) => columns.map((c) => cell(r[c])).join(","))).join("\n") + "\n";
  }

  function leaderboard(all, s, notes, chosen) {
    const metric = METRICS[s.metric];
    const groups = new Map();
    for (const r of chosen) {
      if (metric !== "result" && (r[metric] === null || r[metric] === undefined)) continue;
      const key = [r.mlperf_model || r.model || "", r.scenario || "", r.result_units || ""].join("\u0000");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(r);
    }
    const boards = document.getElementById("boards");
    const tables = [];
    const shown = [];
    let largest = 0;
    [...groups.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).forEach(([key, group], n) => {
      const [model, scenario, units] = key.split("\u0000");
      const list = sortBy(ranked(group, metric, units), s.sort).slice((s.page - 1) * PAGE, s.page * PAGE);
      largest = Math.max(largest, group.length);
      const h = el("h2", model + (scenario ? " · " + scenario : ""), { class: "board-title" });
      h.append(" ", el("span", group.length + " results · " + units, { class: "meta" }));
      const table = el("table", null, { class: "leaderboard" });
      if (n === 0) table.id = "leaderboard";
      const head = el("tr");
      head.append(el("th"));
      for (const c of COLUMNS.concat(metric !== "result" ? [metric] : [])) {
        const a = el("a", c.replace(/_/g, " "), { href: url(s, { sort: s.sort === "-" + c ? c : "-" + c, page: 1 }), class: "sort", "data-column": c });
        const th = el("th"); th.append(a); head.append(th);
      }
      table.append(el("thead")); table.tHead.append(head);
      const body = el("tbody");
      for (const r of list) {
        const tr = el("tr");
        const box = el("input", null, { type: "checkbox", name: "uid", value: r.uid });
        const td0 = el("td"); td0.append(box); tr.append(td0);
        for (const c of COLUMNS.concat(metric !== "result" ? [metric] : [])) {
          const td = el("td", num(r[c]), typeof r[c] === "number" ? { class: "n" } : {});
          if (c === "system" && r.system) {
            td.textContent = "";
            td.append(el("a", r.system, { href: systemHref(r) }));
          }
          if (c === "system_name") {
            td.textContent = "";
            td.append(el("a", r.system_name || r.system, { href: resultHref(r.family, r) }));
          }
          tr.append(td);
        }
        body.append(tr);
        shown.push(Object.assign({ model: model, scenario: scenario }, r));
      }
      table.append(body);
      const wrap = el("div", null, { class: "scroll" }); wrap.append(table);
      tables.push(h, wrap);
    });
    boards.replaceChildren(...tables);
    if (!tables.length) boards.replaceChildren(el("p", "No results match these filters: widen them (all benchmarks, all scenarios) or pick another round.", { class: "none", id: "no-results" }));
    document.getElementById("total").textContent = String(chosen.length);
    const cols = ["rank"].concat(COLUMNS.slice(1), metric !== "result" ? [metric] : [], ["uid", "model", "scenario", "result_units"]);
    download("download-csv", "leaderboard.csv", "text/csv", csv(cols, shown));
    download("download-json", "leaderboard.json", "application/json", JSON.stringify(shown.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] === undefined ? null : r[c]]))), null, 1));
    document.getElementById("chart-these").href = "charts.html" + url(s, { sort: "", page: 1, metric: "performance" });
    const pager = document.getElementById("pager");
    pager.replaceChildren();
    if (s.page > 1) pager.append(el("a", "previous " + PAGE, { href: url(s, { page: s.page - 1 }), id: "prev-page" }), " ");
    if (s.page * PAGE < largest) pager.append(el("a", "next " + PAGE, { href: url(s, { page: s.page + 1 }), id: "next-page" }));
    document.getElementById("compare-selected").onclick = () => {
      const uids = [...document.querySelectorAll("input[name=uid]:checked")].map((b) => b.value).slice(0, 6);
      if (uids.length) window.location.href = "compare.html?" + uids.map((u) => "uid=" + encodeURIComponent(u)).join("&") + "&family=" + encodeURIComponent(s.family) + "&round=" + encodeURIComponent(s.round);
    };
  }

  // ---- charts -------------------------------------------------------------------------------
  // The playground's chart rules (web/pages.py `_chart`): a scatter with its Pareto front
  // within one benchmark, bars sorted best first, a trend through each round's best valid
  // result; never two units on one axis. Units and directions come from the index.
  const NUMERIC = ["result", "power_result", "perf_per_watt", "result_per_accelerator", "result_per_core",
    "energy_per_sample_j", "total_accelerators", "accuracy"];
  const TEXT = ["submitter", "division", "system_type", "accelerator_model_name", "host_processor_model_name",
    "framework", "availability", "model", "scenario"];
  const TREND_METRICS = ["result", "result_per_accelerator"];

  function pareto(points) {
    const front = []; let best = -Infinity;
    for (const p of points.slice().sort((a, b) => a.x - b.x || b.y - a.y)) { if (p.y > best) { front.push(p.uid); best = p.y; } }
    return front;
  }

  function up(column, units) {  // records.higher_is_better: true, false, or null (no direction)
    const way = (index.directions || {})[column];
    return way === "units" ? !lowerUnits.includes(units) : way === undefined ? null : way === "higher";
  }

  function unitsOf(rows, column) {  // web/pages.py `_units`
    const rules = index.units || { from: {}, suffix: {}, fixed: {} };
    const key = rules.from[column];
    if (!key) return rules.fixed[column] || "";
    const seen = new Set(rows.map((r) => r[key]).filter(Boolean));
    return seen.size === 1 ? [...seen][0] + (rules.suffix[column] || "") : "";
  }

  function oneUnit(rows, key, notes) {  // web/pages.py `_one_unit`
    const counts = new Map();
    for (const r of rows) counts.set(r[key] || "", (counts.get(r[key] || "") || 0) + 1);
    if (counts.size <= 1) return rows;
    const keep = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))[0][0];
    const others = [...counts.keys()].filter((u) => u !== keep).sort();
    const dropped = others.reduce((n, u) => n + counts.get(u), 0);
    notes.push(dropped + " point(s) in " + others.join(", ") + " left out: one axis shows one unit (" + keep + "); pick a benchmark and scenario");
    return rows.filter((r) => (r[key] || "") === keep);
  }

  const resultHref = (family, r) => "result.html?family=" + encodeURIComponent(family) + "&round=" + encodeURIComponent(r.round) + "&uid=" + encodeURIComponent(r.uid);
  const label = (r) => r.submitter + ": " + (r.system_name || r.system);
  const matchesText = (r, s) => [["submitter", ["submitter"]], ["accelerator", ["accelerator_model_name"]]].every(([param, cols]) =>
    tokens(s[param]).every((t) => cols.some((c) => String(r[c] || "").toLowerCase().includes(t))));

  function chartOptions(s, notes, chosen) {
    const pick = (name, allowed, fallback) => {
      const v = params.get(name);
      if (!v) return fallback;
      if (allowed.includes(v)) return v;
      notes.push("unknown " + name + " " + JSON.stringify(v) + "; known: " + allowed.join(", "));
      return fallback;
    };
    const top = parseInt(params.get("top") || "20", 10);
    if (params.get("top") && !(top >= 1)) notes.push("top must be a whole number");
    // x by default: power when these rows have it, else the accelerator count
    const x = pick("x", NUMERIC, "") || (chosen.some((r) => typeof r.power_result === "number") ? "power_result" : "total_accelerators");
    return { kind: pick("kind", ["scatter", "bars", "trend"], "scatter"), x: x, y: pick("y", NUMERIC, "result"),
      color: pick("color", TEXT, "submitter"), top: Math.min(200, top >= 1 ? top : 20),
      perAccelerator: params.get("per_accelerator") === "1", zero: params.get("zero") === "1" };
  }

  function chartData(o, s, notes, chosen, trendRows) {
    const point = (r, x, y) => ({ x: x, y: y, uid: r.uid, label: label(r), group: String(r[o.color] || ""), href: resultHref(s.family, r) });
    if (o.kind === "trend") {
      let metric = o.perAccelerator ? "result_per_accelerator" : o.y;
      if (!TREND_METRICS.includes(metric)) { notes.push("a trend draws result or result per accelerator, not " + metric); metric = "result"; }
      if (s.q) notes.push("search does not narrow a trend (benchmark, scenario, division, submitter and accelerator do)");
      const rows = oneUnit(trendRows.filter((r) => (!s.division || r.division === s.division) &&
        (!s.model || r.mlperf_model === s.model || r.model === s.model) && (!s.scenario || r.scenario === s.scenario) &&
        matchesText(r, s) && typeof r[metric] === "number"), "result_units", notes);
      const best = new Map();
      for (const r of rows) {
        const cur = best.get(r.round);
        const higher = up(metric, r.result_units) !== false;
        if (!cur || (higher ? r[metric] > cur[metric] : r[metric] < cur[metric])) best.set(r.round, r);
      }
      const order = index.rounds.filter((r) => r.family === s.family).map((r) => r.round);
      const points = order.filter((rnd) => best.has(rnd)).map((rnd) => point(best.get(rnd), rnd, best.get(rnd)[metric]));
      return { kind: "trend", x: "round", y: metric, color: o.color, points: points, front: [], mine: [], zero: o.zero,
        x_units: "", y_units: unitsOf(rows, metric), scope: (s.model || "every benchmark") + (s.scenario ? " · " + s.scenario : "") + " · every round" };
    }
    const scope = (s.model || "every benchmark") + (s.scenario ? " · " + s.scenario : "") + " · " + s.round;
    if (o.kind === "bars") {
      const y = o.y;
      const rows = oneUnit(chosen.filter((r) => typeof r[y] === "number"), "result_units", notes);
      const higher = !rows.length || up(y, rows[0].result_units) !== false;
      rows.sort((a, b) => higher ? b[y] - a[y] : a[y] - b[y]);
      const points = rows.slice(0, o.top).map((r) => Object.assign(point(r, label(r) + " (" + r.model + (r.scenario ? ", " + r.scenario : "") + ")", r[y]),
        { label: r.system_name || r.system }));
      return { kind: "bars", x: "system", y: y, color: o.color, points: points, front: [], mine: [], zero: o.zero,
        x_units: "", y_units: unitsOf(rows, y), scope: scope };
    }
    const x = o.x, y = o.y;
    let rows = chosen.filter((r) => typeof r[x] === "number" && typeof r[y] === "number");
    for (const [column, key] of [[x, "power_units"], [y, "power_units"], [x, "result_units"], [y, "result_units"]]) {
      if (index.units && index.units.from[column] === key) rows = oneUnit(rows, key, notes);
    }
    const points = rows.map((r) => point(r, r[x], r[y]));
    const benchmarks = new Set(rows.map((r) => (r.mlperf_model || r.model) + "/" + r.scenario));
    if (benchmarks.size > 1) notes.push(benchmarks.size + " benchmarks and scenarios on one chart: pick one to see its Pareto front");
    const mine = (runs ? runs.rows : []).filter((r) => typeof r[x] === "number" && typeof r[y] === "number" &&
      (!s.model || (r.mlperf_model || r.model) === s.model) && (!s.scenario || r.scenario === s.scenario))
      .map((r) => ({ x: r[x], y: r[y], uid: r.uid, label: "my run: " + r.system, group: "my runs", href: "runs.html" }));
    return { kind: "scatter", x: x, y: y, color: o.color, points: points, front: benchmarks.size === 1 ? pareto(points) : [], mine: mine,
      zero: o.zero, x_units: unitsOf(rows, x), y_units: unitsOf(rows, y), scope: scope };
  }

  let plotlyLoading = null;
  function withPlotly() {  // plotly.js (4.6 MB) loads after the page is usable, once
    if (window.Plotly) return Promise.resolve();
    if (!plotlyLoading) {
      plotlyLoading = new Promise((resolve) => {
        const tag = el("script", null, { src: "static/plotly.min.js" });
        tag.onload = resolve; tag.onerror = resolve;  // without it, charts.js says so
        document.body.append(tag);
      });
    }
    return plotlyLoading;
  }

  function chart(all, s, notes, chosen) {
    const o = chartOptions(s, notes, chosen);
    fillPicker("kind", ["scatter", "bars", "trend"], o.kind);
    fillPicker("x", NUMERIC, o.x);
    fillPicker("y", NUMERIC, o.y);
    fillPicker("color", TEXT, o.color);
    document.querySelector("#filters input[name=top]").value = String(o.top);
    document.querySelector("#filters input[name=per_accelerator]").checked = o.perAccelerator;
    document.querySelector("#filters input[name=zero]").checked = o.zero;
    const target = document.getElementById("chart");
    target.dataset.ready = "0";
    const trend = o.kind === "trend" ? json("data/" + encodeURIComponent(s.family) + "/trend.json").then(rows) : Promise.resolve([]);
    return trend.then((trendRows) => {
      const data = chartData(o, s, notes, chosen, trendRows);
      document.getElementById("chart-scope").textContent = data.scope;
      document.getElementById("point-count").textContent = String(data.points.length);
      document.getElementById("front-count").textContent = String(data.front.length);
      document.getElementById("front-note").hidden = !data.front.length;
      download("download-csv", "chart.csv", "text/csv", csv(["x", "y", "uid", "label", "group"], data.points));
      const old = document.getElementById("chart-data");
      if (old) old.remove();
      const holder = el("script", null, { type: "application/json", id: "chart-data" });
      holder.textContent = JSON.stringify(data);
      document.body.append(holder);
      return withPlotly().then(() => {
        const old = document.getElementById("chart-script");
        if (old) old.remove();
        document.body.append(el("script", null, { src: "static/charts.js", id: "chart-script" }));
      });
    });
  }

  // ---- compare --------------------------------------------------------------------------------
  function compare(all) {
    const uids = params.getAll("uid").slice(0, 6);
    const items = uids.map((u) => all.find((r) => r.uid === u)).filter(Boolean);
    if (items.length < 2) return;
    document.getElementById("compare-help").hidden = true;
    const table = document.getElementById("compare");
    const head = el("tr"); head.append(el("th"));
    for (const r of items) head.append(el("th", r.submitter + ": " + (r.system_name || r.system)));
    table.tHead.replaceChildren(head);
    const fields = ["round", "model", "scenario", "result_units", "result", "power_result", "perf_per_watt", "result_per_accelerator", "accuracy", "accelerator_model_name", "total_accelerators"];
    const body = [];
    for (const f of fields) {
      const tr = el("tr"); tr.append(el("th", f.replace(/_/g, " ")));
      const base = items[0][f];
      const higher = up(f, items[0].result_units);  // null: the field has no direction
      items.forEach((r, i) => {
        const td = el("td", num(r[f]), { class: "n" });
        if (i > 0 && higher !== null && typeof base === "number" && base && typeof r[f] === "number") {
          const rel = (r[f] - base) / base;
          const good = rel === 0 ? null : (rel > 0) === higher;
          td.append(" ", el("span", "(" + (rel >= 0 ? "+" : "") + (rel * 100).toFixed(1) + "%" + (good === null ? "" : good ? ", better" : ", worse") + ")",
            { class: "rel" + (good === null ? "" : good ? " better" : " worse") }));
        }
        tr.append(td);
      });
      body.push(tr);
    }
    table.tBodies[0].replaceChildren(...body);
  }

  // ---- one result ---------------------------------------------------------------------------
  function result(all) {
    const r = all.find((x) => x.uid === params.get("uid"));
    if (!r) { messages(["no result " + JSON.stringify(params.get("uid") || "") + " in this round"]); return; }
    document.getElementById("result-title").textContent = r.submitter + ": " + (r.system_name || r.system);
    const links = document.getElementById("result-links");
    links.append([r.family + " " + r.round, r.division, r.model, r.scenario].filter(Boolean).join(" · "));
    links.append(" · ", el("a", "system", { href: systemHref(r), id: "system-link" }));
    if (r.url && /^https?:\/\//.test(r.url)) links.append(" · ", el("a", "raw files", { href: r.url, rel: "noopener noreferrer", id: "raw-files" }));
    const body = document.querySelector("#fields tbody");
    body.replaceChildren(...Object.entries(r).filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => {
      const tr = el("tr"); tr.append(el("th", k), el("td", num(v))); return tr;
    }));
  }

  // ---- a system: its description and every published result, from its submitter's file ----
  function systemPage() {
    const family = params.get("family") || "inference", submitter = params.get("submitter") || "", system = params.get("system") || "";
    const slugs = (index.submitters || {})[family] || {};
    if (!Object.prototype.hasOwnProperty.call(slugs, submitter)) {
      messages(["no submitter " + JSON.stringify(submitter) + " in " + family + "; known: " + Object.keys(slugs).slice(0, 12).join(", ")]);
      return Promise.resolve();
    }
    return json("data/" + encodeURIComponent(family) + "/systems/" + encodeURIComponent(slugs[submitter]) + ".json").then((data) => {
      if (!Object.prototype.hasOwnProperty.call(data.systems, system)) {
        messages(["no system " + JSON.stringify(system) + " of " + submitter + "; known: " + Object.keys(data.systems).slice(0, 12).join(", ")]);
        return;
      }
      const sys = data.systems[system];
      document.getElementById("system-title").textContent = submitter + ": " + system;
      document.title = submitter + ": " + system + " · mlperf-explorer";
      const desc = Object.entries(sys.description || {}).filter(([, v]) => v !== null && v !== "");
      document.querySelector("#description tbody").replaceChildren(...desc.map(([k, v]) => {
        const tr = el("tr"); tr.append(el("th", k), el("td", typeof v === "object" ? JSON.stringify(v) : v)); return tr;
      }));
      const results = rows(sys);
      document.getElementById("system-count").textContent = String(results.length);
      document.querySelector("#system-results tbody").replaceChildren(...results.map((r) => {
        const tr = el("tr");
        const link = el("td"); link.append(el("a", r.mlperf_model || r.model, { href: resultHref(family, r) }));
        tr.append(el("td", r.round), link, el("td", r.scenario || ""), el("td", r.division), el("td", num(r.result), { class: "n" }),
          el("td", r.result_units), el("td", num(r.valid)), el("td", num(r.perf_per_watt), { class: "n" }));
        return tr;
      }));
    });
  }

  const systemHref = (r) => "system.html?family=" + encodeURIComponent(r.family) + "&submitter=" + encodeURIComponent(r.submitter || "") +
    "&system=" + encodeURIComponent(r.system || "");

  // ---- my runs: ranked as the playground ranks them (web/pages.py `my_runs`) ------------------
  function runsPage() {
    if (!runs || !runs.runs.length) { document.getElementById("runs-none").hidden = false; return; }
    const published = new Set(index.rounds.map((r) => r.family + "/" + r.round));
    const neighbour = (k, p) => {
      const td = el("td");
      if (!p) return td;
      const text = p.submitter + ": " + num(p.result);
      if (published.has(k.family + "/" + k.round)) td.append(el("a", text, { href: resultHref(k.family, Object.assign({ round: k.round }, p)) }));
      else td.textContent = text;
      return td;
    };
    document.querySelector("#runs tbody").replaceChildren(...runs.runs.map((item) => {
      const r = item.run, k = item.rank, tr = el("tr");
      tr.append(el("td", r.system), el("td", r.mlperf_model || r.benchmark || r.model), el("td", r.scenario || ""),
        el("td", num(r.result) + " " + (r.result_units || ""), { class: "n" }), el("td", num(r.valid)),
        el("td", k.error ? k.error : k.rank + " of " + k.of + " (" + k.round + " " + (k.division || "") + ")", { class: "rank" }),
        el("td", k.rank_same_accelerator ? k.rank_same_accelerator + " of " + k.of_same_accelerator : ""),
        neighbour(k, item.above), neighbour(k, item.below));
      return tr;
    }));
  }

  // ---- start ------------------------------------------------------------------------------------
  json("data/index.json").then((idx) => {
    index = idx; lowerUnits = idx.lower_is_better || [];
    if (page === "system") return systemPage();
    if (idx.runs && (page === "runs" || page === "charts")) return json("data/runs.json").then((r) => { runs = r; return idx; });
    return idx;
  }).then((idx) => {
    if (!idx) return;
    if (page === "runs") { runsPage(); return; }
    if (page === "index") {
      const body = document.querySelector("#rounds tbody");
      body.replaceChildren(...idx.rounds.slice().reverse().map((r) => {
        const tr = el("tr"); tr.append(el("td", r.family));
        const td = el("td"); td.append(el("a", r.round, { href: "leaderboard.html?family=" + encodeURIComponent(r.family) + "&round=" + encodeURIComponent(r.round) }));
        tr.append(td, el("td", r.results, { class: "n" }));
        return tr;
      }));
      return;
    }
    let family = params.get("family") || "inference";
    if (!idx.rounds.some((r) => r.family === family)) family = idx.rounds.length ? idx.rounds[0].family : family;
    let round = params.get("round") || latest(family);
    const known = idx.rounds.filter((r) => r.family === family).map((r) => r.round);
    const notes0 = [];
    if (!known.includes(round)) { notes0.push("no round " + JSON.stringify(round) + " here; known: " + known.join(", ")); round = latest(family); }
    return json("data/" + encodeURIComponent(family) + "/" + encodeURIComponent(round) + ".json").then((data) => {
      const all = rows(data);
      if (page === "compare") { compare(all); return; }
      if (page === "result") { result(all); return; }
      const render = (push) => {
        const { s, notes, chosen } = select(all);
        s.family = family; s.round = round;
        pickers(s, all);
        document.body.dataset.usable = "1";  // the controls answer (a chart may still be loading plotly.js)
        if (page === "leaderboard") leaderboard(all, s, notes, chosen);
        const drawn = page === "charts" ? chart(all, s, notes, chosen) : Promise.resolve();
        history[push ? "pushState" : "replaceState"](null, "", url(s));
        messages(notes0.concat(notes));
        return drawn.then(() => { messages(notes0.concat(notes)); document.body.dataset.rendered = String(Date.now()); });
      };
      render(false);
      const form = document.getElementById("filters");
      form.onsubmit = (ev) => {
        ev.preventDefault();
        const next = new URLSearchParams(new FormData(form));
        for (const [k, v] of [...next.entries()]) if (!v) next.delete(k);
        if (next.get("family") !== family || next.get("round") !== round) {
          window.location.search = next.toString();  // another round's data (or a new chart): load it
          return;
        }
        params = next;  // same round: redraw in place, the URL keeps the selection
        render(true);
      };
      window.onpopstate = () => { params = new URLSearchParams(window.location.search); render(false); };
    });
  }).catch((err) => { document.querySelector("main").append(el("p", "Could not load the data: " + err.message, { class: "error" })); });
})();
