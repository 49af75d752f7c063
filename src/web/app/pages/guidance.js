// Guidance tester: click a destination (and an origin) on the map, ask GET /api/v1/guidance,
// and see the ranked answer with its explanations and routes drawn. Where guidance is not served
// (404 from an older server, 503 from one without a road graph) it says so and tries the plain
// car route from /api/v1/route instead.
import L from "leaflet";
import { ApiError, get } from "../api.js";
import { cityMap, tileUrl } from "../citymap.js";
import { facilities, liveOf } from "../data.js";
import { lang, nameOf, t } from "../i18n.js";
import { errorBox, fill, fmtDistance, fmtDuration, h, occupancyColor, pct } from "../util.js";

const ROUTE_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
const state = { dest: null, origin: null, vehicle: "car" };

// One result item of /api/v1/guidance (docs/guidance.md on the guidance branch):
//   {rank, facility | site, name, entrance: {id, lat, lon}, drive: {time_s, distance_m} | null,
//    walk: {time_s, distance_m}, availability: {source, p_free, ...}, price: {amount, ...},
//    score: {expected_cost_s, components, text}, route: GeoJSON Feature | null}
// Flat spellings (drive_time_s, p_free, price_fen, explanation…) are read too.
export function normaliseItem(item) {
  const num = (...vs) => vs.find((v) => typeof v === "number" && !Number.isNaN(v));
  const ms = (v) => (typeof v === "number" ? v / 1000 : undefined);
  const obj = (v) => (v && typeof v === "object" ? v : {});
  let route = item.route ?? item.geometry ?? null;
  if (route && route.type === "Feature") route = route.geometry;
  if (route && route.geometry) route = route.geometry;
  const fac = obj(item.facility);
  return {
    id: (typeof item.facility === "string" ? item.facility : fac.id) ?? item.site ?? item.id,
    name: item.name ?? fac.name ?? item.facility ?? item.site,
    rank: item.rank,
    drive_s: num(obj(item.drive).time_s, item.drive_time_s, ms(item.drive_time_ms)),
    drive_m: num(obj(item.drive).distance_m, item.drive_distance_m),
    walk_s: num(obj(item.walk).time_s, item.walk_time_s, ms(item.walk_time_ms)),
    walk_m: num(obj(item.walk).distance_m, item.walk_distance_m),
    p_free: num(obj(item.availability).p_free, item.p_free),
    source: obj(item.availability).source ?? null,
    price: num(obj(item.price).amount, typeof item.price === "number" ? item.price : undefined, item.price_yuan,
               typeof item.price_fen === "number" ? item.price_fen / 100 : undefined),
    explanation: obj(item.score).text ?? item.explanation ?? item.summary ?? "",
    entrance: item.entrance ?? null,
    location: item.location ?? fac.location ?? null,
    route,
  };
}

function parseLatLon(text) {
  const m = String(text).split(",").map((s) => Number(s.trim()));
  return m.length === 2 && m.every((v) => Number.isFinite(v)) ? { lat: m[0], lon: m[1] } : null;
}
const fmtLL = (p) => (p ? `${p.lat.toFixed(5)},${p.lon.toFixed(5)}` : "");

export function render(container) {
  let alive = true;
  const mapEl = h("div", { class: "map", id: "guide-map", role: "region", "aria-label": t("guide.title") });
  const destIn = h("input", { id: "g-dest", value: fmtLL(state.dest), placeholder: t("guide.latlon"), autocomplete: "off" });
  const originIn = h("input", { id: "g-origin", value: fmtLL(state.origin), placeholder: t("guide.latlon"), autocomplete: "off" });
  const out = h("div", { id: "guide-results", "aria-live": "polite" });
  let picking = state.dest ? "origin" : "dest";
  const pickBtns = {
    dest: h("button", { type: "button", id: "g-pick-dest", "aria-pressed": "false", onclick: () => setPicking("dest") }, t("guide.pick_dest")),
    origin: h("button", { type: "button", id: "g-pick-origin", "aria-pressed": "false", onclick: () => setPicking("origin") }, t("guide.pick_origin")),
  };
  const vehicleSel = h("select", { id: "g-vehicle", onchange: (e) => { state.vehicle = e.target.value; } },
    h("option", { value: "car", selected: state.vehicle === "car" }, t("guide.car")),
    h("option", { value: "ev", selected: state.vehicle === "ev" }, t("guide.ev")));
  const form = h("form", { class: "guide-form", onsubmit: (e) => { e.preventDefault(); readInputs(); ask(); } },
    h("p", { class: "muted" }, t("guide.help")),
    h("label", { class: "block", for: "g-dest" }, t("guide.dest")), destIn,
    h("label", { class: "block", for: "g-origin" }, t("guide.origin")), originIn,
    h("label", { class: "block", for: "g-vehicle" }, t("guide.vehicle")), vehicleSel,
    h("div", { class: "buttons" }, pickBtns.dest, pickBtns.origin),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: "g-run" }, t("guide.run")),
      h("button", { type: "button", id: "g-clear", onclick: () => { state.dest = state.origin = null; destIn.value = originIn.value = ""; setPicking("dest"); drawPins(); out.replaceChildren(); routes.clearLayers(); } }, t("guide.clear"))));
  container.append(h("div", { class: "map-page" },
    h("aside", { class: "side" }, h("h1", {}, t("guide.title")), form, out), mapEl));

  const { map, ready } = cityMap(mapEl, { tileUrl: tileUrl() });
  const pins = L.layerGroup().addTo(map);
  const routes = L.layerGroup().addTo(map);

  function setPicking(which) {
    picking = which;
    for (const [k, b] of Object.entries(pickBtns)) b.setAttribute("aria-pressed", String(k === which));
    mapEl.dataset.picking = which;
  }
  setPicking(picking);

  function readInputs() {
    state.dest = parseLatLon(destIn.value) || state.dest;
    state.origin = originIn.value.trim() ? parseLatLon(originIn.value) || state.origin : null;
    drawPins();
  }

  function drawPins() {
    pins.clearLayers();
    const pin = (p, cls, label) => L.marker([p.lat, p.lon], { icon: L.divIcon({ className: `pg-pin ${cls}`, html: label, iconSize: [30, 30] }),
                                                            keyboard: false, interactive: false }).addTo(pins);
    if (state.dest) pin(state.dest, "pin-dest", "★");
    if (state.origin) pin(state.origin, "pin-origin", "●");
  }

  map.on("click", (e) => {
    const p = { lat: e.latlng.lat, lon: e.latlng.lng };
    if (picking === "dest") {
      state.dest = p;
      destIn.value = fmtLL(p);
      setPicking("origin");
    } else {
      state.origin = p;
      originIn.value = fmtLL(p);
    }
    drawPins();
    if (state.dest) ask();
  });

  function drawLine(geometry, color, weight, rank) {
    if (!geometry || !geometry.coordinates) return null;
    const line = L.polyline(geometry.coordinates.map(([lon, lat]) => [lat, lon]),
                            { color, weight, opacity: 0.9, className: `pg-route rank-${rank}` });
    routes.addLayer(line);
    return line;
  }

  let seq = 0;
  async function ask() {
    if (!state.dest) {
      out.replaceChildren(h("p", { class: "warn" }, t("guide.need_dest")));
      return;
    }
    const mine = ++seq;
    out.replaceChildren(h("p", { class: "muted" }, t("loading")));
    routes.clearLayers();
    const q = new URLSearchParams({ dest: `${state.dest.lat},${state.dest.lon}`, explain: "1", limit: "5" });
    q.set("lang", lang());
    if (state.origin) q.set("origin", `${state.origin.lat},${state.origin.lon}`);
    if (state.vehicle === "ev") q.set("vehicle", "ev");
    try {
      const answer = await get(`/api/v1/guidance?${q}`);
      if (!alive || mine !== seq) return;
      showAnswer(answer);
    } catch (e) {
      if (!alive || mine !== seq) return;
      if (e instanceof ApiError && (e.status === 404 || e.status === 501 || e.status === 503) && !(e.problem && e.problem["invalid_params"])) {
        await showRouteOnly();
      } else {
        out.replaceChildren(errorBox(e));
      }
    }
  }

  function showAnswer(answer) {
    const items = (answer.results || answer.items || []).map(normaliseItem);
    out.dataset.mode = "guidance";
    if (!items.length) {
      out.replaceChildren(h("p", {}, t("guide.no_results")));
      return;
    }
    const bounds = [];
    items.forEach((it, i) => {
      const color = ROUTE_COLORS[i % ROUTE_COLORS.length];
      const line = drawLine(it.route, color, i === 0 ? 7 : 4, i + 1);
      if (line) bounds.push(line.getBounds());
      const at = it.entrance && it.entrance.lat !== undefined ? it.entrance : it.location;
      if (at) {
        routes.addLayer(L.marker([at.lat, at.lon], {
          icon: L.divIcon({ className: "pg-pin pin-rank", html: String(i + 1), iconSize: [26, 26] }),
          interactive: false, keyboard: false }));
      }
    });
    if (bounds.length) map.fitBounds(bounds.reduce((a, b) => a.extend(b)), { padding: [30, 30], animate: false });
    fill(out, h("h2", {}, t("guide.results")),
      h("ol", { class: "ranked", id: "guide-ranked" }, items.map((it, i) => h("li", { "data-id": it.id, style: { borderColor: ROUTE_COLORS[i % ROUTE_COLORS.length] } },
        h("div", {}, h("strong", {}, nameOf(it.name)), " ",
          h("a", { href: `#/facility/${encodeURIComponent(it.id)}` }, t("map.open_page"))),
        h("div", { class: "facts" },
          h("span", {}, `${t("guide.drive")} ${fmtDuration(it.drive_s)}`),
          h("span", {}, `${t("guide.walk")} ${fmtDuration(it.walk_s)}`),
          h("span", {}, `${t("guide.p_free")} ${pct(it.p_free)}`),
          h("span", {}, `${t("guide.price")} ${it.price !== undefined ? `¥${it.price}` : "—"}`)),
        it.source && it.source !== "live" ? h("div", { class: "warn small" }, t(`guide.source.${it.source}`)) : null,
        it.explanation ? h("div", { class: "why" }, `${t("guide.why")}: ${it.explanation}`) : null))),
      (answer.chargers || []).length ? [h("h2", {}, t("chg.title")),
        h("ol", { class: "ranked", id: "guide-chargers" }, answer.chargers.map(normaliseItem).map((it) => h("li", { "data-site": it.id },
          h("strong", {}, nameOf(it.name)),
          h("div", { class: "facts" }, h("span", {}, `${t("guide.drive")} ${fmtDuration(it.drive_s)}`),
            h("span", {}, `${t("guide.p_free")} ${pct(it.p_free)}`)),
          it.explanation ? h("div", { class: "why" }, it.explanation) : null)))] : null,
      (answer.excluded || []).length ? h("details", { class: "excluded" },
        h("summary", {}, `${t("guide.excluded")} (${answer.excluded.length})`),
        h("ul", {}, answer.excluded.map((e) => h("li", {}, h("strong", {}, nameOf(e.name) || e.facility), ": ", e.detail || e.reason)))) : null);
  }

  async function showRouteOnly() {
    out.dataset.mode = "route";
    const note = h("p", { class: "warn", id: "guide-unavailable", role: "status" }, t("guide.unavailable"));
    if (!state.origin) {
      out.replaceChildren(note, h("p", {}, t("guide.need_origin")));
      return;
    }
    try {
      const r = await get(`/api/v1/route?from=${state.origin.lat},${state.origin.lon}&to=${state.dest.lat},${state.dest.lon}&mode=car`);
      if (!alive) return;
      const line = drawLine(r.geometry, ROUTE_COLORS[0], 6, 1);
      if (line) map.fitBounds(line.getBounds(), { padding: [30, 30], animate: false });
      out.replaceChildren(note, h("h2", {}, t("guide.route_only")),
        h("dl", { class: "facts", id: "guide-route" },
          h("dt", {}, t("guide.time")), h("dd", {}, fmtDuration(r.time_s)),
          h("dt", {}, t("guide.distance")), h("dd", {}, fmtDistance(r.distance_m))));
    } catch (e) {
      out.replaceChildren(note, errorBox(e));
    }
  }

  ready.then(async () => {
    if (!alive) return;
    // The facilities, faint and not clickable, for orientation (clicks go to the map).
    const fs = await facilities();
    if (!alive) return;
    for (const f of fs) {
      L.circleMarker([f.location.lat, f.location.lon], { radius: 5, weight: 1, color: "#000",
        fillColor: occupancyColor(liveOf(f)), fillOpacity: 0.8, interactive: false }).addTo(map);
    }
    if (!alive) return;
    drawPins();
    mapEl.dataset.ready = "1";
    if (state.dest) ask();
  });
  return () => { alive = false; map.stop(); map.remove(); };
}
