// A Leaflet map of the city with no tile layer: the streets are drawn from our own road graph
// (GET /api/v1/roads), so the map works offline. Lat/lon markers on the default Web Mercator CRS.
import L from "leaflet";
import { facilities, roads, roadsIn } from "./data.js";
import { t } from "./i18n.js";

export function cityMap(el, options = {}) {
  const map = L.map(el, {
    zoomControl: true,
    attributionControl: false,
    preferCanvas: false,
    keyboard: true,
    zoomSnap: 0.25,
    minZoom: 10,
    maxZoom: 19,
  });
  map.setView([0, 0], 2);
  const renderer = L.canvas({ padding: 0.5 });
  // Leaflet 1.9 can still redraw a canvas renderer after map.remove() (the end of a zoom
  // animation arriving late): its context is gone then ("reading 'save'"); there is nothing to draw.
  for (const name of ["_redraw", "_update"]) {
    const original = renderer[name];
    renderer[name] = function guarded(...args) { return this._ctx ? original.apply(this, args) : undefined; };
  }
  // A page left before its data arrived has removed the map: drawing on it then would reach a
  // canvas renderer without a context (Leaflet's "reading 'save'").
  let removed = false;
  map.on("unload", () => { removed = true; });
  const ready = Promise.all([roads(), facilities()]).then(([r, fs]) => {
    if (removed) return map;
    let bounds = null;
    const toLines = (rs) => rs.map((flat) => {
      const pts = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pts.push([flat[i + 1], flat[i]]);
      return pts;
    });
    const style = { renderer, color: "#4b5a6e", weight: 2, opacity: 0.9, interactive: false, className: "pg-roads" };
    if (r && r.roads && r.roads.length) {
      let layer = L.polyline(toLines(r.roads), style).addTo(map);
      const [w, s, e, n] = r.bbox;
      bounds = L.latLngBounds([s, w], [n, e]);
      el.dataset.roads = String(r.roads.length);
      if (r.truncated) {
        // A large city: the streets of the view only, reloaded when the view moves.
        let seq = 0;
        map.on("moveend", async () => {
          const mine = ++seq;
          const part = await roadsIn(map.getBounds().pad(0.2));
          if (!part || mine !== seq || removed || !map.getContainer().isConnected) return;
          map.removeLayer(layer);
          layer = L.polyline(toLines(part.roads), style).addTo(map);
          el.dataset.roads = String(part.roads.length);
        });
      }
    } else {
      el.dataset.roads = "0";
      const note = L.control({ position: "bottomleft" });
      note.onAdd = () => {
        const d = L.DomUtil.create("div", "map-note");
        d.textContent = t("map.no_roads");
        return d;
      };
      note.addTo(map);
    }
    if (fs.length) {
      const fb = L.latLngBounds(fs.map((f) => [f.location.lat, f.location.lon]));
      bounds = bounds ? bounds.extend(fb) : fb;
    }
    if (bounds) map.fitBounds(bounds.pad(0.02), { animate: false });
    if (options.tileUrl) L.tileLayer(options.tileUrl, { maxZoom: 19 }).addTo(map);
    return map;
  });
  return { map, ready };
}

// The optional tile server for deployments that have one: ?tiles=https://host/{z}/{x}/{y}.png or
// localStorage "pg.tiles". Off by default (offline).
export function tileUrl() {
  const q = new URLSearchParams(location.search).get("tiles");
  return q || localStorage.getItem("pg.tiles") || null;
}
