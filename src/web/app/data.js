// Registry data the pages share, fetched once per page load (the registry changes rarely); live
// figures come from the stream (api.js live) on top.
import { get, getAll, live } from "./api.js";
import { nameOf } from "./i18n.js";
import { setCityZone } from "./util.js";

let cityP, facilitiesP, chargersP, signsP, roadsP;

let districtNames = new Map();

export function city() {
  return (cityP ??= get("/api/v1/city").then((c) => {
    setCityZone(c.time_zone);
    districtNames = new Map((c.districts || []).map((d) => [d.id, d.name]));
    return c;
  }));
}

// A district's name in the current language (its id until the city has loaded).
export function districtName(id) {
  const n = districtNames.get(id);
  return n ? nameOf(n) || id : id || "";
}

// Facilities with their live part as listed; the stream keeps live.facilities newer.
export function facilities() {
  return (facilitiesP ??= Promise.all([getAll("/api/v1/facilities"), city().catch(() => null)]).then(([items]) => {
    for (const f of items) if (!live.facilities.has(f.id)) live.facilities.set(f.id, f.live);
    return items;
  }));
}

export function chargers() {
  return (chargersP ??= Promise.all([getAll("/api/v1/chargers"), city().catch(() => null)]).then(([items]) => {
    for (const c of items) {
      if (!live.chargers.has(c.id)) {
        live.chargers.set(c.id, { charger: c.id, site: c.site, connectors: c.live.connectors,
                                  available: c.live.available });
      }
    }
    return items;
  }));
}

// Signs with content: always fresh (their content changes as counts change).
export function signs() {
  return getAll("/api/v1/signs");
}

export function signsCached() {
  return (signsP ??= signs());
}

// The whole network when it is small enough to draw at once (null when the city has no graph);
// `truncated` tells the map to load by viewport instead (roadsIn).
export const ROADS_AT_ONCE = 60000;
export function roads() {
  return (roadsP ??= get(`/api/v1/roads?limit=${ROADS_AT_ONCE}`).catch(() => null));
}

export function roadsIn(bounds) {
  const b = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(5));
  return get(`/api/v1/roads?limit=${ROADS_AT_ONCE}&bbox=${b.join(",")}`).catch(() => null);
}

export function liveOf(facility) {
  return live.facilities.get(facility.id) || facility.live;
}
