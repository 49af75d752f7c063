// Charging sites: connector availability (live), faults, build-out state and utilisation today.
import { get, live } from "../api.js";
import { chargers, districtName } from "../data.js";
import { nameOf, t } from "../i18n.js";
import { errorBox, fill, fmtAgo, h, pct } from "../util.js";
import { chargerSites, siteLive } from "./map.js";

const STATUS_CLASS = { Available: "ok", Charging: "busy", Preparing: "busy", SuspendedEV: "busy",
                       SuspendedEVSE: "busy", Finishing: "busy", Reserved: "busy", Unavailable: "off",
                       Faulted: "fault" };

function midnight() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

// Utilisation today from the site's hourly rollups: busy connector-time over known time.
async function utilisationToday(site) {
  try {
    const r = await get(`/api/v1/charger-sites/${encodeURIComponent(site)}/history?from=${encodeURIComponent(midnight().toISOString())}&step=1h`);
    let busy = 0, cap = 0;
    for (const p of r.points || []) {
      const [, , mean, , capacity, coverage] = p;
      busy += mean * coverage;
      cap += capacity * coverage;
    }
    return cap > 0 ? busy / cap : null;
  } catch {
    return null;
  }
}

export function render(container) {
  const body = h("div", {}, t("loading"));
  container.append(h("section", { class: "page" }, h("h1", {}, t("chg.title")), body));
  let alive = true;
  let sites = [];
  const util = new Map();
  let pending = false;

  function connectorChips(site) {
    return site.chargers.map((c) => {
      const lv = live.chargers.get(c.id);
      return h("div", { class: "charger" },
        h("span", { class: "muted small" }, c.id,
          c.lifecycle && c.lifecycle !== "in_service" ? ` (${t(`life.${c.lifecycle}`)})` : ""), " ",
        c.connectors.map((con) => {
          const st = lv && lv.connectors && lv.connectors[String(con.id)] ? lv.connectors[String(con.id)].status : null;
          return h("span", { class: `chip chip-${st ? STATUS_CLASS[st] || "busy" : "unknown"}`, "data-status": st || "unknown",
                             title: `${con.type} ${con.power_kw} kW` },
            `${con.type} ${con.power_kw}kW · ${st ? t(`cs.${st}`) : t("chg.no_data")}`);
        }));
    });
  }

  function paint() {
    const faults = [];
    for (const s of sites) {
      siteLive(s);
      for (const c of s.chargers) {
        const lv = live.chargers.get(c.id);
        for (const [id, con] of Object.entries((lv && lv.connectors) || {})) {
          if (con.status === "Faulted") faults.push({ site: s, charger: c, connector: id, updated: con.updated });
        }
      }
    }
    fill(body, 
      h("p", { class: "muted" }, t("chg.sites", { n: sites.length })),
      h("table", { class: "table", id: "charger-table" },
        h("thead", {}, h("tr", {}, ["chg.site", "district", "chg.lifecycle", "chg.available", "chg.charging", "chg.faulted",
                                    "chg.util_today", "chg.connectors"].map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, sites.map((s) => h("tr", { "data-site": s.site },
          h("td", {}, h("strong", {}, nameOf(s.name)), h("div", { class: "muted small" }, s.site)),
          h("td", {}, districtName(s.district)),
          h("td", {}, [...new Set(s.chargers.map((c) => c.lifecycle))].map((l) => t(`life.${l}`)).join(", ")),
          h("td", { class: "num" }, s.known ? `${s.available} / ${s.known}` : "--"),
          h("td", { class: "num" }, s.known ? s.charging : "--"),
          h("td", { class: `num ${s.faulted ? "warn" : ""}` }, s.known ? s.faulted : "--"),
          h("td", { class: "num" }, util.has(s.site) ? pct(util.get(s.site)) : "…"),
          h("td", {}, connectorChips(s)))))),
      h("h2", {}, t("chg.faults")),
      faults.length ? h("ul", { id: "charger-faults" }, faults.map((f) => h("li", {},
        `${nameOf(f.site.name)} · ${f.charger.id} #${f.connector} · ${fmtAgo(f.updated)}`)))
        : h("p", { class: "muted" }, t("chg.no_faults")));
    body.dataset.ready = "1";
  }

  chargers().then(async (cs) => {
    if (!alive) return;
    sites = chargerSites(cs).sort((a, b) => nameOf(a.name).localeCompare(nameOf(b.name)));
    paint();
    const values = await Promise.all(sites.map((s) => utilisationToday(s.site)));
    if (!alive) return;
    sites.forEach((s, i) => util.set(s.site, values[i]));
    paint();
  }).catch((e) => fill(body, errorBox(e)));

  const off = live.on((type) => {
    if (type === "charger" && !pending) {
      pending = true;
      setTimeout(() => { pending = false; if (alive) paint(); }, 500);
    }
  });
  return () => { alive = false; off(); };
}
