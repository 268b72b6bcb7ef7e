// Draws the chart whose points the playground's server (or the published site's site.js)
// computed (#chart-data); clicking a point opens its result (a point's `href`, else the
// playground's /result/ page). Large scatters use WebGL to stay responsive. Run again, it
// redraws in place.
(function () {
  const title = (name, units) => units ? name + " (" + units + ")" : name;
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const el = document.getElementById("chart");
  if (window.Plotly && el.data) Plotly.purge(el);
  el.dataset.ready = "0";
  if (!window.Plotly || !data.points.length) {
    el.textContent = data.points.length ? "plotly.js is not available" : "No points for these filters.";
    el.dataset.points = "0"; el.dataset.ready = "1";
    return;
  }
  if (data.kind === "trend") {
    // One line through the best result of each round (the server sorted the rounds).
    const pts = data.points;
    Plotly.newPlot(el, [{ type: "scatter", mode: "lines+markers+text", x: pts.map(p => p.x), y: pts.map(p => p.y),
      customdata: pts.map(p => p.uid), text: pts.map(p => p.group), textposition: "top center",
      hovertext: pts.map(p => p.label), hovertemplate: "%{hovertext}<br>%{x}: %{y}<extra></extra>", marker: { size: 10 } }],
      { margin: { t: 20 }, xaxis: { title: { text: "round" }, type: "category", categoryorder: "array", categoryarray: pts.map(p => p.x) },
        yaxis: { title: { text: title("best " + data.y, data.y_units) }, rangemode: data.zero ? "tozero" : "normal" }, showlegend: false },
      { responsive: true, displaylogo: false }).then(function () { el.dataset.points = String(pts.length); el.dataset.ready = "1"; });
    wire();
    return;
  }
  const groups = new Map();
  for (const p of data.points) { if (!groups.has(p.group)) groups.set(p.group, []); groups.get(p.group).push(p); }
  const big = data.points.length > 2000;
  const type = data.kind === "bars" ? "bar" : (big ? "scattergl" : "scatter");
  const traces = [];
  for (const [group, pts] of groups) {
    traces.push({
      type: type, name: group || "(none)", x: pts.map(p => p.x), y: pts.map(p => p.y),
      customdata: pts.map(p => p.uid), text: pts.map(p => p.label),
      hovertemplate: "%{text}<br>%{x}<br>%{y}<extra>%{fullData.name}</extra>",
      mode: data.kind === "trend" ? "lines+markers" : "markers", marker: { size: 8 },
      textposition: data.kind === "bars" ? "none" : undefined,  // names on hover, not inside the bars
    });
  }
  if (data.mine && data.mine.length) {
    traces.push({ type: type, name: "my runs", x: data.mine.map(p => p.x), y: data.mine.map(p => p.y),
      customdata: data.mine.map(p => p.uid), text: data.mine.map(p => p.label), mode: "markers",
      marker: { size: 16, symbol: "star", color: "#d62728" }, hovertemplate: "%{text}<extra></extra>" });
  }
  if (data.front && data.front.length) {
    const on = new Set(data.front);
    const front = data.points.filter(p => on.has(p.uid)).sort((a, b) => a.x - b.x);
    traces.push({ type: type, name: "Pareto front", x: front.map(p => p.x), y: front.map(p => p.y),
      customdata: front.map(p => p.uid), text: front.map(p => p.label), mode: "lines+markers",
      marker: { size: 14, symbol: "circle-open", color: "#000" }, line: { dash: "dot", color: "#000" },
      hovertemplate: "%{text}<extra>Pareto front</extra>" });
  }
  const layout = { margin: { t: 20 }, xaxis: { title: { text: title(data.x, data.x_units) } },
    yaxis: { title: { text: title(data.y, data.y_units) }, rangemode: data.zero ? "tozero" : "normal" },
    legend: { orientation: window.innerWidth < 760 ? "h" : "v" }, hovermode: "closest" };
  if (data.kind === "bars") {
    // Bars in the order of their values (the server sorted them), whatever their colour group.
    // Long system names would take the chart's room: ticks are cut to 36 characters, and the
    // hover text has the whole name.
    const names = data.points.map(p => p.x);
    layout.xaxis = { title: { text: "" }, type: "category", categoryorder: "array", categoryarray: names,
      tickmode: "array", tickvals: names, ticktext: names.map(n => n.length > 36 ? n.slice(0, 35) + "…" : n),
      automargin: true, tickangle: -35 };
    layout.margin = { t: 20, b: 160 };
  }
  Plotly.newPlot(el, traces, layout, { responsive: true, displaylogo: false }).then(function () {
    el.dataset.points = String(data.points.length);
    el.dataset.ready = "1";
  });
  wire();

  function wire() {
    const links = new Map(data.points.concat(data.mine || []).map(p => [p.uid, p.href || "/result/" + encodeURIComponent(p.uid)]));
    el.on && el.on("plotly_click", function (ev) {
      const uid = ev.points && ev.points[0] && ev.points[0].customdata;
      if (uid && links.has(uid)) window.location.href = links.get(uid);
    });
    for (const fmt of ["png", "svg"]) {
      document.getElementById("save-" + fmt).onclick = function () {
        Plotly.downloadImage(el, { format: fmt, filename: "mlperf-chart", width: 1200, height: 700 });
      };
    }
  }
})();
