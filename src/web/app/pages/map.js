// Live map: every facility, on-street zone and charging site as a marker coloured by occupancy
// (colour-blind-safe scale, grey = unknown) and sized by capacity, signs as icons; filters and
// search; markers change as the stream reports, without a reload.
import L from "leaflet";
import { live } from "../api.js";
import { cityMap, tileUrl } from "../citymap.js";
import { chargers, districtName, facilities, liveOf, signsCached } from "../data.js";
import { nameOf, t } from "../i18n.js";
import { CLOSED_COLOR, UNKNOWN_COLOR, errorBox, h, inkFor, occupancyColor, scale } from "../util.js";
import { boardElement } from "./signs.js";

const KINDS = ["multi_storey", "underground", "surface", "on_street", "park_and_ride"];
const filters = { kinds: new Set(KINDS), district: "", ev: false, freeOnly: false, query: "",
                  layers: { facilities: true, chargers: true, signs: true } };

export function markerSize(capacity) {
  return Math.round(Math.min(64, 20 + 1.6 * Math.sqrt(Math.max(0, capacity || 0))));
}

function freeText(lv) {
  if (lv && lv.state === "closed") return "×";
  if (!lv || lv.state === "unknown" || lv.free === null || lv.free === undefined) return "--";
  return String(lv.free);
}

// Paints a facility marker's element from its live object.
export function paintFacilityMarker(el, lv) {
  if (!el) return;
  const color = occupancyColor(lv);
  el.style.background = color;
  el.style.color = inkFor(color);
  el.dataset.state = lv ? lv.state : "unknown";
  el.dataset.free = lv && lv.free !== null && lv.free !== undefined ? String(lv.free) : "";
  el.dataset.color = color;
  el.textContent = freeText(lv);
}

function siteColor(site) {
  if (site.known === 0) return UNKNOWN_COLOR;
  if (site.faulted === site.known) return CLOSED_COLOR;
  return occupancyColor({ state: site.available ? "open" : "full", free: site.available,
                          occupied: site.known - site.available, capacity: site.known });
}

export function chargerSites(list) {
  const sites = new Map();
  for (const c of list) {
    const key = c.site || c.id;
    if (!sites.has(key)) sites.set(key, { site: key, name: c.name, location: c.location, chargers: [],
                                          district: c.district, facility: c.facility });
    sites.get(key).chargers.push(c);
  }
  for (const s of sites.values()) siteLive(s);
  return [...sites.values()];
}

// Connector counts of a site from the live store.
export function siteLive(site) {
  let known = 0, available = 0, charging = 0, faulted = 0, unavailable = 0, total = 0;
  for (const c of site.chargers) {
    const lv = live.chargers.get(c.id);
    total += c.connectors.length;
    if (!lv) continue;
    for (const [id, con] of Object.entries(lv.connectors || {})) {
      if (id === "0") continue;
      known++;
      if (con.status === "Available") available++;
      else if (con.status === "Charging" || con.status === "SuspendedEV" || con.status === "SuspendedEVSE"
               || con.status === "Preparing" || con.status === "Finishing") charging++;
      else if (con.status === "Faulted") faulted++;
      else if (con.status === "Unavailable") unavailable++;
    }
  }
  Object.assign(site, { known, available, charging, faulted, unavailable, total });
  return site;
}

export function render(container) {
  let disposed = false;
  const mapEl = h("div", { class: "map", id: "live-map", role: "region", "aria-label": t("map.title") });
  const shown = h("p", { class: "muted", id: "shown-count", "aria-live": "polite" });
  const summary = h("div", { class: "kpis", id: "city-summary" });
  const results = h("ul", { class: "search-results", id: "search-results" });
  const districtSel = h("select", { id: "f-district", "aria-label": t("map.district") },
    h("option", { value: "" }, t("map.all_districts")));
  const side = h("aside", { class: "side", "aria-label": t("map.filters") },
    h("h1", {}, t("map.title")),
    summary,
    h("label", { class: "block", for: "f-search" }, t("map.search")),
    h("input", { id: "f-search", type: "search", placeholder: t("map.search_placeholder"),
                 value: filters.query, autocomplete: "off",
                 oninput: (e) => { filters.query = e.target.value; applyFilters(); },
                 onkeydown: (e) => { if (e.key === "Enter") results.querySelector("button")?.click(); } }),
    results,
    h("fieldset", {}, h("legend", {}, t("map.kind")),
      KINDS.map((k) => h("label", { class: "check" },
        h("input", { type: "checkbox", checked: filters.kinds.has(k), "data-kind": k,
                     onchange: (e) => { e.target.checked ? filters.kinds.add(k) : filters.kinds.delete(k); applyFilters(); } }),
        t(`kind.${k}`)))),
    h("label", { class: "block", for: "f-district" }, t("map.district")), districtSel,
    h("label", { class: "check" }, h("input", { type: "checkbox", id: "f-ev", checked: filters.ev,
      onchange: (e) => { filters.ev = e.target.checked; applyFilters(); } }), t("map.ev")),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: "f-free", checked: filters.freeOnly,
      onchange: (e) => { filters.freeOnly = e.target.checked; applyFilters(); } }), t("map.free_only")),
    h("fieldset", {}, h("legend", {}, t("map.layers")),
      ["facilities", "chargers", "signs"].map((k) => h("label", { class: "check" },
        h("input", { type: "checkbox", checked: filters.layers[k], "data-layer": k,
                     onchange: (e) => { filters.layers[k] = e.target.checked; applyLayers(); } }),
        t(`map.show_${k}`)))),
    shown,
    legend());
  // Wall-screen mode: the map alone (the side panel folds away); remembered per browser.
  const pageEl = h("div", { class: `map-page ${localStorage.getItem("pg.wall") === "1" ? "wall" : ""}` }, side, mapEl);
  const wallBtn = h("button", { type: "button", class: "wall-toggle", id: "wall-toggle",
    "aria-pressed": String(pageEl.classList.contains("wall")),
    onclick: () => {
      const on = pageEl.classList.toggle("wall");
      localStorage.setItem("pg.wall", on ? "1" : "0");
      wallBtn.setAttribute("aria-pressed", String(on));
      wallBtn.textContent = on ? t("map.show_panel") : t("map.wall");
      setTimeout(() => map.invalidateSize(), 50);
    } }, pageEl.classList.contains("wall") ? t("map.show_panel") : t("map.wall"));
  pageEl.append(wallBtn);
  container.append(pageEl);

  const { map, ready } = cityMap(mapEl, { tileUrl: tileUrl() });
  const layers = { facilities: L.layerGroup().addTo(map), chargers: L.layerGroup().addTo(map),
                   signs: L.layerGroup().addTo(map) };
  const markers = new Map(); // facility id -> {marker, facility}
  const siteMarkers = new Map(); // site -> {marker, site}
  let evFacilities = new Set();
  let all = [];

  function applyLayers() {
    for (const [k, layer] of Object.entries(layers)) {
      if (filters.layers[k] && !map.hasLayer(layer)) layer.addTo(map);
      if (!filters.layers[k] && map.hasLayer(layer)) map.removeLayer(layer);
    }
  }

  function visible(f) {
    if (!filters.kinds.has(f.kind)) return false;
    if (filters.district && f.district !== filters.district) return false;
    if (filters.ev && !evFacilities.has(f.id)) return false;
    if (filters.freeOnly) {
      const lv = liveOf(f);
      if (!lv || lv.state === "unknown" || lv.state === "closed" || !(lv.free > 0)) return false;
    }
    return true;
  }

  // City-wide figures for the wall screen: free spaces, full and unknown facilities.
  function paintSummary() {
    let free = 0, capacity = 0, full = 0, unknown = 0;
    for (const f of all) {
      const lv = liveOf(f);
      if (!lv || lv.state === "unknown") unknown++;
      else if (lv.state !== "closed") {
        free += lv.free || 0;
        capacity += lv.capacity || 0;
        if (lv.state === "full") full++;
      }
    }
    summary.replaceChildren(
      h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, free.toLocaleString()), h("span", { class: "kpi-label" }, `${t("free")} / ${capacity.toLocaleString()}`)),
      h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, full), h("span", { class: "kpi-label" }, t("state.full"))),
      h("div", { class: "kpi" }, h("span", { class: "kpi-value" }, unknown), h("span", { class: "kpi-label" }, t("state.unknown"))));
  }
  let summaryPending = false;
  function scheduleSummary() {
    if (summaryPending) return;
    summaryPending = true;
    setTimeout(() => { summaryPending = false; if (!disposed) paintSummary(); }, 1000);
  }

  function applyFilters() {
    paintSummary();
    let n = 0;
    for (const { marker, facility } of markers.values()) {
      const v = visible(facility);
      if (v) n++;
      if (v && !layers.facilities.hasLayer(marker)) layers.facilities.addLayer(marker);
      if (!v && layers.facilities.hasLayer(marker)) layers.facilities.removeLayer(marker);
    }
    shown.textContent = t("map.shown", { n, total: all.length });
    const q = filters.query.trim().toLowerCase();
    results.replaceChildren();
    if (q) {
      const found = all.filter((f) => [f.name.zh, f.name.en, f.id].some((s) => s && s.toLowerCase().includes(q)))
        .slice(0, 12);
      for (const f of found) {
        results.append(h("li", {}, h("button", { type: "button", class: "link",
          onclick: () => {
            const m = markers.get(f.id);
            map.setView([f.location.lat, f.location.lon], Math.max(map.getZoom(), 16));
            if (m) {
              if (!layers.facilities.hasLayer(m.marker)) layers.facilities.addLayer(m.marker);
              m.marker.openPopup();
            }
          } }, nameOf(f.name)), " ", h("a", { href: `#/facility/${encodeURIComponent(f.id)}` }, t("map.open_page"))));
      }
    }
  }

  function facilityPopup(f) {
    const lv = liveOf(f);
    return h("div", { class: "popup" },
      h("strong", {}, nameOf(f.name)), h("br"),
      `${t(`kind.${f.kind}`)} · ${districtName(f.district)}`, h("br"),
      `${t("free")}: ${freeText(lv)} / ${lv ? lv.capacity : "?"} · ${t(`state.${lv ? lv.state : "unknown"}`)}`, h("br"),
      h("a", { href: `#/facility/${encodeURIComponent(f.id)}` }, t("map.open_page")));
  }

  ready.then(async () => {
    if (disposed) return;
    const [fs, cs] = await Promise.all([facilities(), chargers()]);
    if (disposed) return;
    all = fs;
    evFacilities = new Set(fs.filter((f) => (f.capacity && f.capacity.ev > 0)).map((f) => f.id));
    for (const c of cs) if (c.facility) evFacilities.add(c.facility);
    const districts = [...new Set(fs.map((f) => f.district).filter(Boolean))].sort();
    for (const d of districts) districtSel.append(h("option", { value: d, selected: d === filters.district }, districtName(d)));
    districtSel.addEventListener("change", (e) => { filters.district = e.target.value; applyFilters(); });
    // Larger first, so small markers stay clickable on top.
    const ordered = [...fs].sort((a, b) => (b.live.capacity || 0) - (a.live.capacity || 0));
    for (const f of ordered) {
      const lv = liveOf(f);
      const size = markerSize(lv ? lv.capacity : 0);
      const icon = L.divIcon({ className: `pg-marker pg-marker-facility kind-${f.kind}`, html: "",
                               iconSize: [size, size] });
      const marker = L.marker([f.location.lat, f.location.lon], { icon, keyboard: true,
        title: nameOf(f.name), alt: nameOf(f.name), riseOnHover: true });
      marker.bindPopup(() => facilityPopup(f));
      marker.on("add", () => {
        const el = marker.getElement();
        el.dataset.id = f.id;
        el.setAttribute("aria-label", `${nameOf(f.name)}: ${freeText(liveOf(f))}`);
        paintFacilityMarker(el, liveOf(f));
      });
      markers.set(f.id, { marker, facility: f });
    }
    for (const site of chargerSites(cs)) {
      const size = 26;
      const icon = L.divIcon({ className: "pg-marker pg-marker-charger", html: "", iconSize: [size, size] });
      const marker = L.marker([site.location.lat, site.location.lon], { icon, keyboard: true,
        title: nameOf(site.name), alt: nameOf(site.name) });
      marker.bindPopup(() => {
        siteLive(site);
        return h("div", { class: "popup" }, h("strong", {}, "⚡ ", nameOf(site.name)), h("br"),
          `${t("chg.available")}: ${site.known ? site.available : "--"} / ${site.total}`,
          site.faulted ? ` · ${t("chg.faulted")}: ${site.faulted}` : "", h("br"),
          h("a", { href: "#/chargers" }, t("map.open_page")));
      });
      marker.on("add", () => paintSite(marker, site));
      siteMarkers.set(site.site, { marker, site });
      layers.chargers.addLayer(marker);
    }
    applyFilters();
    applyLayers();
    mapEl.dataset.ready = "1";
    signsCached().then((signs) => {
      if (disposed) return;
      for (const s of signs) {
        const online = s.health && s.health.status === "online";
        const icon = L.divIcon({ className: `pg-marker pg-marker-sign ${online ? "online" : "offline"}`,
                                 html: `<span>${s.level}</span>`, iconSize: [22, 22] });
        const marker = L.marker([s.location.lat, s.location.lon], { icon, keyboard: true,
          title: nameOf(s.name), alt: nameOf(s.name) });
        marker.bindPopup(() => h("div", { class: "popup" }, boardElement(s, { compact: true }),
          h("a", { href: `#/signs/${encodeURIComponent(s.id)}` }, t("map.open_page"))), { maxWidth: 420 });
        layers.signs.addLayer(marker);
      }
    }).catch(() => {});
  }).catch((e) => container.append(errorBox(e)));

  function paintSite(marker, site) {
    const el = marker.getElement();
    if (!el) return;
    siteLive(site);
    const color = siteColor(site);
    el.style.background = color;
    el.style.color = inkFor(color);
    el.dataset.site = site.site;
    el.textContent = site.known ? `⚡${site.available}` : "⚡--";
  }

  const off = live.on((type, data) => {
    if (type === "facility" || type === "zone") {
      const m = markers.get(data.facility);
      if (!m) return;
      const el = m.marker.getElement();
      const before = el ? el.dataset.free : null;
      paintFacilityMarker(el, data.live);
      if (el && before !== el.dataset.free) {
        // A short ring, so a change catches the eye on the wall screen.
        el.classList.remove("changed");
        void el.offsetWidth;
        el.classList.add("changed");
      }
      if (filters.freeOnly) applyFilters();
      else scheduleSummary();
    } else if (type === "charger") {
      const m = siteMarkers.get(data.site);
      if (m) paintSite(m.marker, m.site);
    }
  });

  return () => {
    disposed = true;
    off();
    map.stop();
    map.remove();
  };
}

function legend() {
  return h("div", { class: "legend", "aria-label": t("map.legend") },
    h("h2", {}, t("map.legend")),
    h("div", { class: "muted" }, t("map.occupancy")),
    scale.map((s) => h("div", { class: "legend-row" },
      h("span", { class: "swatch", style: { background: s.color } }), t(s.key))),
    h("div", { class: "legend-row" }, h("span", { class: "swatch", style: { background: CLOSED_COLOR } }), t("legend.closed")),
    h("div", { class: "legend-row" }, h("span", { class: "swatch", style: { background: UNKNOWN_COLOR } }), t("legend.unknown")),
    h("div", { class: "muted" }, t("map.size")));
}
