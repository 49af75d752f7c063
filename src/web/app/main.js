// The dashboard's shell: header, language switch, live-feed status, and a hash router over the
// pages. Each page's render(container, params) returns a cleanup function.
import "leaflet/dist/leaflet.css";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { live } from "./api.js";
import { city as loadCity } from "./data.js";
import { applyStatic, keysOf, lang, onLang, setLang, t, nameOf } from "./i18n.js";
import { fmtTime, h } from "./util.js";
import { onSession, session, signIn, signOut, storedKey } from "./key.js";
import * as mapPage from "./pages/map.js";
import * as facilityPage from "./pages/facility.js";
import * as facilitiesPage from "./pages/facilities.js";
import * as signsPage from "./pages/signs.js";
import * as chargersPage from "./pages/chargers.js";
import * as healthPage from "./pages/health.js";
import * as guidancePage from "./pages/guidance.js";
import * as reportsPage from "./pages/reports.js";
import * as auditPage from "./pages/audit.js";
import * as keysPage from "./pages/keys.js";
import * as plansPage from "./pages/plans.js";

const routes = [
  [/^\/?$/, mapPage, "map"],
  [/^\/map$/, mapPage, "map"],
  [/^\/facilities$/, facilitiesPage, "facilities"],
  [/^\/facility\/(.+)$/, facilityPage, "facilities"],
  [/^\/signs$/, signsPage, "signs"],
  [/^\/signs\/(.+)$/, signsPage, "signs"],
  [/^\/chargers$/, chargersPage, "chargers"],
  [/^\/health$/, healthPage, "health"],
  [/^\/guidance$/, guidancePage, "guidance"],
  [/^\/reports$/, reportsPage, "reports"],
  [/^\/audit$/, auditPage, "audit"],
  [/^\/plans$/, plansPage, "plans"],
  [/^\/keys$/, keysPage, "keys"],
];

const main = document.getElementById("main");
let cleanup = null;
let city = null;

function route() {
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  let match = null;
  for (const [re, page, nav] of routes) {
    const m = path.match(re);
    if (m) {
      match = { page, nav, params: m.slice(1) };
      break;
    }
  }
  if (!match) match = { page: mapPage, nav: "map", params: [] };
  if (cleanup) cleanup();
  cleanup = null;
  document.getElementById("notice")?.remove();  // a notice belongs to the page it was given on
  main.replaceChildren();
  main.dataset.page = match.nav;
  document.body.dataset.page = match.nav;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.page === match.nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  try {
    cleanup = match.page.render(main, match.params) || null;
  } catch (e) {
    console.error(e);
    main.append(h("div", { class: "error", role: "alert" }, String(e)));
  }
}

function renderHeader() {
  applyStatic();
  document.getElementById("lang").textContent = t("other_lang");
  document.getElementById("lang").setAttribute("lang", lang() === "zh" ? "en" : "zh-CN");
  if (city) {
    document.getElementById("city-name").textContent = nameOf(city.name);
    const badge = document.getElementById("demo-badge");
    badge.hidden = !city.demo;
    badge.textContent = t("demo");
    document.title = `${nameOf(city.name)} · parkguide`;
  }
  renderLiveStatus();
  renderSession();
}

function renderLiveStatus() {
  const el = document.getElementById("live-status");
  el.textContent = live.connected ? t("live.on") : live.source ? t("live.off") : t("live.connecting");
  el.className = `live ${live.connected ? "on" : "off"}`;
}

// The operator's sign-in in the header: a role key, checked by the server; who it is shown once
// signed in. Pages offer their actions to a key that may use them (docs/dashboard.md).
function renderSession(refused = false, open = false) {
  const el = document.getElementById("session");
  const s = session();
  if (s) {
    el.replaceChildren(
      h("span", { id: "session-who", class: "who", "data-role": s.role }, `${s.name} · ${t(`role.${s.role}`)}`), " ",
      h("button", { type: "button", id: "sign-out", onclick: () => signOut() }, t("session.sign_out")));
    return;
  }
  const toggle = h("button", { type: "button", id: "sign-in", "aria-expanded": String(open),
                               onclick: () => renderSession(false, !open) }, t("session.sign_in"));
  if (!open) {
    el.replaceChildren(toggle);
    return;
  }
  const input = h("input", { type: "password", id: "sign-in-key", autocomplete: "off", required: true,
                             "aria-label": t("session.key") });
  const form = h("form", { id: "sign-in-form", class: "sign-in", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await signIn(input.value.trim());
    } catch {
      renderSession(true, true);
    }
  } },
    h("label", {}, t("session.key"), " ", input), " ",
    h("button", { type: "submit" }, t("session.go")),
    refused ? h("span", { class: "error", role: "alert" }, t("session.refused")) : null);
  el.replaceChildren(toggle, form);
  input.focus();
}

function tick() {
  document.getElementById("clock").textContent = fmtTime(new Date());
}

document.getElementById("lang").addEventListener("click", () => setLang(lang() === "zh" ? "en" : "zh"));
onLang(() => {
  renderHeader();
  route(); // every page re-renders in the new language
});
live.on((type) => {
  if (type === "connection") renderLiveStatus();
});
window.addEventListener("hashchange", route);
onSession(() => renderSession());
// A key given on a page that asks for one (the audit log) is a sign-in too.
if (storedKey() && !session()) signIn(storedKey()).catch(() => {});

// For the browser tests: both tables' keys.
window.__pg = { keys: { zh: keysOf("zh"), en: keysOf("en") } };
setLang(lang());
live.start();
renderHeader();
// The first page waits for the city (a second at most): its times are the city's.
Promise.race([loadCity().then((c) => {
  city = c;
  renderHeader();
}), new Promise((resolve) => setTimeout(resolve, 1000))]).catch(() => {}).finally(() => {
  route();
  tick();
  setInterval(tick, 1000);
});
