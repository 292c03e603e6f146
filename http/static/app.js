// epiloop pages: the live stream, the charts and the countdowns. Loaded
// with defer; no inline script anywhere (CSP). Pages read fine without it.
(function () {
  "use strict";
  var body = document.body;

  // On a phone the sections are one row that scrolls sideways: bring the
  // current one into it (the row only; the page stays at its top).
  var nav = document.querySelector(".nav");
  var cur = nav && nav.querySelector('a[aria-current="page"]');
  if (cur && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = cur.offsetLeft - nav.offsetLeft - (nav.clientWidth - cur.offsetWidth) / 2;
  }
  // The event kinds to listen to: the server renders them from the
  // domain's one list.
  var kinds = (body.getAttribute("data-live-kinds") || "").split(" ").filter(Boolean);

  // Server time minus client time, so countdowns follow the server clock.
  var skew = 0;
  var now0 = Date.parse(body.getAttribute("data-now") || "");
  if (!isNaN(now0)) { skew = now0 - Date.now(); }

  // Live: any event the user may see triggers "epiloop-change" on the
  // body; live sections refresh themselves with htmx (hx-trigger).
  function live() {
    var url = body.getAttribute("data-live");
    if (!url || !window.EventSource) { return; }
    var badge = document.getElementById("live");
    var timer = null;
    var es = new EventSource(url);
    function changed(ev) {
      var lead = body.getAttribute("data-lead");
      if (lead && ev && ev.data) {
        try {
          if (String(JSON.parse(ev.data).lead_id) === lead) {
            var note = document.getElementById("lead-changed");
            if (note) { note.hidden = false; }
          }
        } catch (e) { /* ignore */ }
      }
      if (timer) { return; }
      timer = setTimeout(function () {
        timer = null;
        if (window.htmx) { window.htmx.trigger(body, "epiloop-change"); }
      }, 250);
    }
    kinds.forEach(function (k) { es.addEventListener(k, changed); });
    es.onmessage = changed;
    es.onopen = function () {
      if (badge) { badge.textContent = badge.getAttribute("data-t-on"); badge.className = "live on"; }
      body.setAttribute("data-live-state", "open");
    };
    es.onerror = function () {
      if (badge) { badge.textContent = badge.getAttribute("data-t-off"); badge.className = "live off"; }
      body.setAttribute("data-live-state", "error");
    };
    window.addEventListener("pagehide", function () { es.close(); });
  }

  // Charts: drawn from the JSON the live section carries, redrawn after
  // each refresh.
  var charts = {};
  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    if (!charts[id] || charts[id].getDom() !== el) {
      if (charts[id]) { charts[id].dispose(); }
      charts[id] = window.echarts.init(el, null, { renderer: "canvas" });
    }
    return charts[id];
  }
  function drawCharts() {
    var src = document.getElementById("dash-data");
    if (!src) { return; }
    var d;
    try { d = JSON.parse(src.getAttribute("data-chart")); } catch (e) { return; }
    var tip = { trigger: "axis", renderMode: "richText" };
    var f = chart("chart-funnel");
    if (f) {
      f.setOption({
        animation: false,
        tooltip: tip,
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: d.funnelLabels },
        series: [{ type: "bar", name: d.names.funnel, data: d.funnelValues, label: { show: true, position: "right" },
          itemStyle: { color: "#0b5cad" } }]
      });
    }
    var s = chart("chart-series");
    if (s) {
      s.setOption({
        animation: false,
        tooltip: tip,
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.hours },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { type: "bar", name: d.names.received, data: d.received, itemStyle: { color: "#5b8def" } },
          { type: "line", name: d.names.closed, data: d.closed, itemStyle: { color: "#1b7a3a" } },
          { type: "line", name: d.names.escalated, data: d.escalated, itemStyle: { color: "#c62828" } }
        ]
      });
    }
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  // Countdowns: "{d} left" / "{d} overdue", every 20 seconds.
  function fmt(min) {
    if (min >= 60) {
      return body.getAttribute("data-t-hm").replace("{h}", Math.floor(min / 60)).replace("{m}", min % 60);
    }
    return body.getAttribute("data-t-m").replace("{m}", min);
  }
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(due)) { return; }
      var over = now > due;
      var min = Math.floor(Math.abs(due - now) / 60000);
      var t = body.getAttribute(over ? "data-t-over" : "data-t-left");
      el.textContent = t.replace("{d}", fmt(min));
      el.classList.toggle("bad", over);
    });
  }

  // Picks survive a live refresh: the boxes marked data-keep-checked (the
  // unroutable queue's leads for the bulk form) are checked again after
  // their section is swapped, by value.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var t = ev.detail && ev.detail.target;
    if (!t || !t.querySelectorAll) { return; }
    var boxes = t.querySelectorAll("input[data-keep-checked]");
    if (!boxes.length) { return; }
    kept = {};
    boxes.forEach(function (el) { if (el.checked) { kept[el.name + "=" + el.value] = true; } });
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!kept) { return; }
    document.querySelectorAll("input[data-keep-checked]").forEach(function (el) {
      if (kept[el.name + "=" + el.value]) { el.checked = true; }
    });
    kept = null;
  });

  document.addEventListener("htmx:load", function () { drawCharts(); tick(); });
  live();
  drawCharts();
  setInterval(tick, 20000);
})();
