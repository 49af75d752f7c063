// One facility: live count and state, 7 days of history and today's forecast with its
// uncertainty band on one chart, tariff, opening hours, entrances, its sources and their health,
// and the signs that show it.
import uPlot from "uplot";
import { get, getAll, live } from "../api.js";
import { city, districtName, signsCached } from "../data.js";
import { nameOf, t } from "../i18n.js";
import { cityClock, cityTimeZone, errorBox, fill, fmtAgo, fmtTime, h, pct, stateBadge } from "../util.js";
import { boardElement } from "./signs.js";
import { actionsPanel } from "./facility_actions.js";

const DAY_S = 86400;

// Forecast horizons (minutes) from now to the end of the city's today, at least two hours.
export function horizonsToday(now = new Date()) {
  const clock = cityClock(now);
  const left = Math.max(120, 1440 - (clock.hour * 60 + clock.minute));
  const hs = new Set([5, 15, 30, 60, 90, 120]);
  for (let m = 180; m <= Math.min(left, 1440); m += 60) hs.add(m);
  if (left <= 1440) hs.add(Math.max(5, left));
  return [...hs].sort((a, b) => a - b);
}

// The forecasts for the rest of today: the first horizon alone first — a facility without a
// forecast costs one refused request, not one per horizon.
async function forecastsToday(id, now) {
  const [first, ...rest] = horizonsToday(now);
  const one = (m) => get(`/api/v1/facilities/${encodeURIComponent(id)}/forecast?horizon=${m}`);
  const head = await one(first).catch(() => null);
  if (!head) return [];
  return [head, ...(await Promise.all(rest.map((m) => one(m).catch(() => null))))];
}

function scopeCovers(scope, facility, bayIds) {
  if (!scope) return false;
  if (scope === "all") return true;
  return scope.split(",").some((part) => {
    const i = part.indexOf(":");
    const kind = part.slice(0, i);
    const v = part.slice(i + 1);
    return (kind === "facility" && v === facility.id) || (kind === "bay" && bayIds.has(v)) ||
           (kind === "operator" && v === facility.operator);
  });
}

function liveBlock(f, lv) {
  const classes = lv && lv.classes ? Object.entries(lv.classes) : [];
  return h("div", { class: "live-block", id: "facility-live", "data-state": lv ? lv.state : "unknown" },
    h("div", { class: "big-count" },
      h("span", { class: "num", id: "facility-free" }, lv && lv.free !== null && lv.free !== undefined ? lv.free : "--"),
      h("span", { class: "muted" }, ` / ${lv ? lv.capacity : "?"} ${t("free")}`)),
    stateBadge(lv),
    h("div", { class: "muted" }, `${t("updated")}: ${lv && lv.updated ? `${fmtTime(lv.updated)} (${fmtAgo(lv.updated)})` : "—"}`),
    classes.length ? h("table", { class: "table small" },
      h("thead", {}, h("tr", {}, h("th", {}, t("fac.classes")), h("th", { class: "num" }, t("free")), h("th", { class: "num" }, t("capacity")))),
      h("tbody", {}, classes.map(([k, v]) => h("tr", {}, h("td", {}, t(`class.${k}`)),
        h("td", { class: "num" }, v.free ?? "--"), h("td", { class: "num" }, v.capacity))))) : null);
}

function tariffBlock(f) {
  const tf = f.tariff;
  if (!tf) return h("p", { class: "muted" }, f.fee === false ? "¥0" : t("fac.no_tariff"));
  return h("div", {},
    tf.free_minutes ? h("p", {}, t("fac.free_minutes", { n: tf.free_minutes })) : null,
    h("ul", {}, (tf.bands || []).map((b) => h("li", {}, `${b.from}–${b.to}: ¥${b.price_per_hour} ${t("fac.per_hour")}`))),
    tf.daily_cap !== null && tf.daily_cap !== undefined ? h("p", {}, t("fac.daily_cap", { n: tf.daily_cap })) : null);
}

// The chart: history mean with its min–max band, the forecast with its 10–90% band, a line at now.
function drawChart(el, hist, fc, capacity) {
  const xs = new Set();
  const H = new Map();
  const F = new Map();
  for (const p of hist) {
    const x = Math.round(new Date(p[0]).getTime() / 1000);
    xs.add(x);
    H.set(x, p);
  }
  for (const p of fc) {
    const x = Math.round(new Date(p.time).getTime() / 1000);
    xs.add(x);
    F.set(x, p);
  }
  const x = [...xs].sort((a, b) => a - b);
  const col = (m, f) => x.map((v) => (m.has(v) ? f(m.get(v)) : null));
  const data = [
    x,
    col(H, (p) => p[2]),
    col(H, (p) => p[1]),
    col(H, (p) => p[3]),
    col(F, (p) => p.expected_occupied),
    col(F, (p) => (p.interval ? p.interval.low * capacity : p.expected_occupied)),
    col(F, (p) => (p.interval ? p.interval.high * capacity : p.expected_occupied)),
  ];
  const now = Date.now() / 1000;
  const xRange = [Math.min(x[0] ?? now, now - 3600), Math.max(x[x.length - 1] ?? now, now + 3600)];
  const width = Math.max(320, el.clientWidth || 900);
  const opts = {
    width,
    height: Math.round(Math.min(420, Math.max(260, width * 0.33))),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), cityTimeZone()),
    // The data's own span, now included, at least an hour either side of now: a facility with
    // minutes of history gets a two-hour axis, not uPlot's padding of a lone point.
    scales: { x: { time: true, range: () => xRange },
              y: { range: [0, Math.max(1, capacity)] } },
    axes: [
      // 24-hour clock in the city's zone, the date at midnight: the same in both languages.
      { stroke: "#c9d1d9", grid: { stroke: "#2a3442" }, values: (u, splits) => splits.map((v) => {
        const c = cityClock(new Date(v * 1000));
        const hh = String(c.hour).padStart(2, "0");
        const mm = String(c.minute).padStart(2, "0");
        return hh === "00" && mm === "00" ? `${c.month}/${c.day}` : `${hh}:${mm}`;
      }) },
      { stroke: "#c9d1d9", grid: { stroke: "#2a3442" }, label: t("occupied"), size: 60 },
    ],
    series: [
      { label: t("signs.time"), value: (u, v) => (v === null || v === undefined ? "--" : fmtTime(new Date(v * 1000), true)) },
      { label: t("fac.history"), stroke: "#56B4E9", width: 1.5, spanGaps: false },
      { label: t("fac.range"), stroke: "rgba(86,180,233,0.25)", width: 0.5 },
      { label: "", stroke: "rgba(86,180,233,0.25)", width: 0.5, show: true },
      { label: t("fac.forecast"), stroke: "#E69F00", width: 2.5, dash: [8, 4], spanGaps: true },
      { label: t("fac.band"), stroke: "rgba(230,159,0,0.4)", width: 0.5, spanGaps: true },
      { label: "", stroke: "rgba(230,159,0,0.4)", width: 0.5, spanGaps: true },
    ],
    bands: [
      { series: [3, 2], fill: "rgba(86,180,233,0.18)" },
      { series: [6, 5], fill: "rgba(230,159,0,0.28)" },
    ],
    legend: { show: true },
    hooks: {
      // The axis as drawn, for the browser tests.
      setScale: [(u, key) => {
        if (key === "x") el.dataset.xSpan = String(Math.round(u.scales.x.max - u.scales.x.min));
      }],
      draw: [(u) => {
        const cx = u.valToPos(now, "x", true);
        const { ctx } = u;
        ctx.save();
        ctx.strokeStyle = "#f0f6fc";
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(cx, u.bbox.top);
        ctx.lineTo(cx, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = "#f0f6fc";
        ctx.font = `${Math.round(12 * devicePixelRatio)}px sans-serif`;
        ctx.fillText(t("fac.now"), cx + 4, u.bbox.top + 14 * devicePixelRatio);
        ctx.restore();
      }],
    },
  };
  el.replaceChildren();
  const plot = new uPlot(opts, data, el);
  el.dataset.historyPoints = String(hist.length);
  el.dataset.forecastPoints = String(fc.length);
  return plot;
}

export function render(container, params) {
  const id = params[0];
  const body = h("div", {}, t("loading"));
  container.append(h("section", { class: "page facility-page" },
    h("p", {}, h("a", { href: "#/facilities" }, "← ", t("fac.list"))), body));
  let alive = true;
  let plot = null;
  let off = () => {};
  let actions = null;

  (async () => {
    try {
      const [f] = await Promise.all([get(`/api/v1/facilities/${encodeURIComponent(id)}`), city().catch(() => null)]);
      const now = new Date();
      const from = new Date(now.getTime() - 7 * DAY_S * 1000);
      const [hist, fcs, health, signs, bays] = await Promise.all([
        get(`/api/v1/facilities/${encodeURIComponent(id)}/history?from=${encodeURIComponent(from.toISOString())}&step=15m`)
          .catch(() => ({ points: [] })),
        forecastsToday(id, now),
        get("/api/v1/sources/health").catch(() => ({ sources: [] })),
        signsCached().catch(() => []),
        f.kind === "on_street" ? getAll(`/api/v1/bays?facility=${encodeURIComponent(id)}`).catch(() => []) : [],
      ]);
      if (!alive) return;
      const fc = [];
      const seen = new Set();
      let method = "";
      for (const r of fcs) {
        if (!r) continue;
        method = method || r.method;
        for (const p of r.forecasts || []) {
          if (seen.has(p.time)) continue;
          seen.add(p.time);
          fc.push(p);
        }
      }
      fc.sort((a, b) => new Date(a.time) - new Date(b.time));
      const capacity = f.live.capacity || (f.capacity && f.capacity.total) || 0;
      const bayIds = new Set(bays.map((b) => b.id));
      const sources = (health.sources || []).filter((s) => scopeCovers(s.scope, f, bayIds));
      const showing = signs.filter((s) => (s.lines || []).some((l) => (l.facilities || []).includes(f.id)));
      const chartEl = h("div", { class: "chart", id: "facility-chart", role: "img", "aria-label": t("fac.chart") });
      const lv = live.facilities.get(f.id) || f.live;
      const liveSlot = h("div", {}, liveBlock(f, lv));
      actions = actionsPanel(f, lv ? lv.state : "unknown", (next) => liveSlot.replaceChildren(liveBlock(f, next)));
      const near = fc.filter((p) => p.horizon <= 120);
      fill(body, 
        h("h1", {}, nameOf(f.name), " ", h("span", { class: "muted small" }, f.id)),
        h("p", { class: "muted" }, t(`kind.${f.kind}`), f.district ? ` · ${districtName(f.district)}` : "",
          f.operator ? h("span", { "data-name": "" }, ` · ${f.operator}`) : null),
        h("div", { class: "top-row" },
          h("div", { class: "card" }, h("h2", {}, t("fac.live")), liveSlot, actions.element),
          h("div", { class: "card" }, h("h2", {}, t("fac.chart")),
            hist.points.length ? null : h("p", { class: "muted" }, t("fac.no_history")), chartEl)),
        h("div", { class: "cols" },
          h("div", { class: "card" }, h("h2", {}, t("fac.forecast_table")),
            h("table", { class: "table small", id: "forecast-table" },
              h("thead", {}, h("tr", {}, [t("fac.horizon"), t("fac.expected_free"), t("fac.p_free")].map((x) => h("th", {}, x)))),
              h("tbody", {}, near.map((p) => h("tr", {}, h("td", {}, `+${p.horizon} ${t("min")}`),
                h("td", { class: "num" }, Math.round(p.expected_free)), h("td", { class: "num" }, pct(p.p_free)))))),
            h("p", { class: "muted" }, `${t("fac.method")}: ${method || "—"}`)),
          h("div", { class: "card" }, h("h2", {}, t("fac.tariff")), tariffBlock(f),
            h("h2", {}, t("fac.hours")), h("p", { class: "mono" }, f.opening_hours || "24/7"),
            f.max_height_m ? h("p", {}, `${t("fac.max_height")}: ${f.max_height_m} m`) : null)),
        h("div", { class: "cols" },
          h("div", { class: "card" }, h("h2", {}, t("fac.entrances")),
            h("ul", {}, (f.entrances || []).map((e) => h("li", {}, `${e.id || "—"} · ${t(`entrance.${e.kind}`)} · ${e.lat.toFixed(5)}, ${e.lon.toFixed(5)}`))),
            (f.chargers || []).length ? h("p", {}, `${t("fac.chargers")}: ${f.chargers.join(", ")}`) : null),
          h("div", { class: "card" }, h("h2", {}, t("fac.sources")),
            sources.length ? h("table", { class: "table small", id: "facility-sources" },
              h("thead", {}, h("tr", {}, [t("health.source"), t("health.status"), t("health.last_seen"), t("health.rate")].map((x) => h("th", {}, x)))),
              h("tbody", {}, sources.map((s) => h("tr", {}, h("td", {}, s.id),
                h("td", {}, h("span", { class: `badge src-${s.status}` }, t(`src.${s.status}`))),
                h("td", {}, fmtAgo(s.last_received)), h("td", { class: "num" }, s.rate_per_minute?.toFixed?.(1) ?? "—")))))
              : h("p", { class: "muted" }, t("none")))),
        h("div", { class: "card" }, h("h2", {}, t("fac.signs")),
          showing.length ? h("div", { class: "sign-grid" }, showing.map((s) => h("div", {},
            h("a", { href: `#/signs/${encodeURIComponent(s.id)}` }, nameOf(s.name)), boardElement(s, { compact: true }))))
            : h("p", { class: "muted" }, t("none"))));
      requestAnimationFrame(() => {
        if (!alive) return;
        plot = drawChart(chartEl, hist.points, fc, capacity);
        body.dataset.ready = "1";
      });
      off = live.on((type, data) => {
        if ((type === "facility" || type === "zone") && data.facility === f.id) {
          liveSlot.replaceChildren(liveBlock(f, data.live));
          actions.setState(data.live);
        }
      });
    } catch (e) {
      fill(body, errorBox(e));
    }
  })();

  const onResize = () => { if (plot) plot.setSize({ width: plot.root.parentElement.clientWidth, height: plot.height }); };
  window.addEventListener("resize", onResize);
  return () => {
    alive = false;
    off();
    if (actions) actions.close();
    window.removeEventListener("resize", onResize);
    if (plot) plot.destroy();
  };
}
