// Small DOM and formatting helpers shared by the pages.
import { lang, t } from "./i18n.js";

// h("a", {href: "#/x", class: "c"}, "text", child) — an element; attributes starting with "on"
// become listeners; null/false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// The colour-blind-safe occupancy scale (Okabe–Ito hues, ordered light-blue → vermillion, also
// ordered in lightness) with grey for unknown and near-black for closed. Shares are occupied /
// capacity.
export const scale = [
  { key: "legend.lt50", max: 0.5, color: "#0072B2" },
  { key: "legend.lt75", max: 0.75, color: "#56B4E9" },
  { key: "legend.lt90", max: 0.9, color: "#F0E442" },
  { key: "legend.lt100", max: 0.99999, color: "#E69F00" },
  { key: "legend.full", max: Infinity, color: "#D55E00" },
];
export const UNKNOWN_COLOR = "#8c8c8c";
export const CLOSED_COLOR = "#2b2b2b";

export function occupancyColor(live) {
  if (!live || live.state === "unknown" || live.free === null || live.free === undefined) {
    return live && live.state === "closed" ? CLOSED_COLOR : UNKNOWN_COLOR;
  }
  if (live.state === "closed") return CLOSED_COLOR;
  if (live.state === "full" || live.free <= 0) return scale[4].color;
  const share = live.capacity > 0 ? live.occupied / live.capacity : 1;
  return scale.find((s) => share < s.max || s.max === Infinity).color;
}

// Text that reads on the colour: dark on the light hues.
export function inkFor(color) {
  return ["#F0E442", "#56B4E9", "#E69F00", "#8c8c8c"].includes(color) ? "#111" : "#fff";
}

// The city's IANA time zone (/api/v1/city): every time the dashboard shows is the city's, with its
// offset, whatever the browser's own zone is.
let cityZone;
export function setCityZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    cityZone = zone;
  } catch {
    cityZone = undefined; // not a zone this browser knows: its own, with the offset shown
  }
}
export function cityTimeZone() {
  return cityZone;
}

export function fmtTime(iso, withDate = false) {
  if (!iso) return "—";
  const d = iso instanceof Date ? iso : new Date(iso);
  const opts = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
                 timeZone: cityZone, timeZoneName: "shortOffset" };
  if (withDate) Object.assign(opts, { month: "2-digit", day: "2-digit" });
  return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", opts);
}

// The wall-clock fields of `d` in the city's zone: { year, month (1–12), day, hour, minute }.
export function cityClock(d) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: cityZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric" }).formatToParts(d);
  const v = Object.fromEntries(parts.filter((p) => p.type !== "literal").map((p) => [p.type, Number(p.value)]));
  return { year: v.year, month: v.month, day: v.day, hour: v.hour, minute: v.minute };
}

export function fmtAgo(iso) {
  if (!iso) return t("health.never_seen");
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  let v;
  if (s < 90) v = `${s} ${t("sec")}`;
  else if (s < 5400) v = `${Math.round(s / 60)} ${t("min")}`;
  else v = `${(s / 3600).toFixed(1)} ${t("hours")}`;
  return t("health.ago", { n: v });
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 60) return `${Math.round(seconds)} ${t("sec")}`;
  return `${Math.round(seconds / 60)} ${t("min")}`;
}

export function fmtDistance(m) {
  if (m === null || m === undefined) return "—";
  return m < 1000 ? `${Math.round(m)} ${t("m")}` : `${(m / 1000).toFixed(1)} ${t("km")}`;
}

export function pct(x) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : `${Math.round(x * 100)}%`;
}

export function stateBadge(live) {
  const state = live ? live.state : "unknown";
  const color = occupancyColor(live);
  return h("span", { class: `badge state-${state}`, style: { background: color, color: inkFor(color) } },
    t(`state.${state}`));
}

export function errorBox(e) {
  return h("div", { class: "error", role: "alert" }, `${t("error")}: ${e.message || e}`);
}

// Replaces `el`'s children, skipping null/false and flattening arrays (replaceChildren itself
// would print "null").
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}
