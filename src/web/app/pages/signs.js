// Signs: every guidance sign drawn as it looks on the street (an LED board: label, arrow, count
// or 满 FULL / 关闭 CLOSED / --), with its online/offline state; one sign's page adds what it
// showed over the last hours and its overrides.
import { signActions } from "./sign_actions.js";
import { get } from "../api.js";
import { facilities, signs } from "../data.js";
import { nameOf, t } from "../i18n.js";
import { errorBox, fill, fmtAgo, fmtTime, h } from "../util.js";

export const ARROWS = { none: "", left: "←", right: "→", straight: "↑", straight_left: "↖",
                        straight_right: "↗", u_turn: "↶" };

// The text a line's value shows, as the board shows it.
export function lineValue(line, bilingual) {
  if (line.kind === "count") return String(line.count ?? "");
  if (line.kind === "blank") return "";
  const zh = line.text ? line.text.zh : "";
  const en = line.text ? line.text.en : "";
  if (bilingual && en && en !== zh) return `${zh} ${en}`.trim();
  return zh || en || "";
}

// An LED board element for a sign with content ({lines: [...], ...}).
export function boardElement(sign, { compact = false, large = false, lines = null } = {}) {
  const content = lines || (sign.content ? sign.content.lines : []) || [];
  const health = sign.health ? sign.health.status : "unknown";
  const board = h("div", { class: `led-board level-${sign.level} ${compact ? "compact" : ""} ${large ? "large" : ""} ${health}`,
                           "data-sign": sign.id, role: "img",
                           "aria-label": `${nameOf(sign.name)}: ${content.map((l) => `${nameOf(l.label)} ${lineValue(l, true)}`).join("; ")}` },
    content.map((l, i) => h("div", { class: "led-line", "data-line": i, "data-kind": l.kind,
                                     "data-count": l.count ?? "" },
      h("span", { class: "led-label" },
        h("span", { class: "zh" }, l.label ? l.label.zh : ""),
        sign.bilingual && l.label && l.label.en ? h("span", { class: "en" }, l.label.en) : null),
      h("span", { class: "led-arrow", "data-arrow": l.arrow }, ARROWS[l.arrow] ?? l.arrow ?? ""),
      h("span", { class: `led-value led-${l.colour || "none"}` }, lineValue(l, sign.bilingual)))));
  if (health === "offline") board.append(h("div", { class: "led-offline" }, t("signs.offline")));
  return board;
}

function healthBadge(sign) {
  const status = sign.health ? sign.health.status : "unknown";
  return h("span", { class: `badge sign-${status}`, "data-health": status }, t(`signs.${status}`));
}

export function render(container, params) {
  if (params && params[0]) return renderOne(container, params[0]);
  let level = sessionStorage.getItem("pg.signs.level") || "";
  const grid = h("div", { class: "sign-grid", id: "sign-grid" }, t("loading"));
  const sel = h("select", { id: "sign-level", "aria-label": t("signs.filter_level"),
    onchange: (e) => { level = e.target.value; sessionStorage.setItem("pg.signs.level", level); paint(); } },
    h("option", { value: "" }, t("signs.all_levels")),
    [1, 2, 3].map((n) => h("option", { value: String(n), selected: level === String(n) }, t(`signs.level.${n}`))));
  container.append(h("section", { class: "page" },
    h("div", { class: "page-head" }, h("h1", {}, t("signs.title")),
      h("label", { for: "sign-level" }, t("signs.filter_level")), sel),
    grid));
  let items = [];
  function paint() {
    grid.replaceChildren(...items.filter((s) => !level || String(s.level) === level).map((s) =>
      h("article", { class: "sign-card", "data-sign-card": s.id },
        h("header", {}, h("h2", {}, nameOf(s.name)), " ",
          h("span", { class: "muted" }, `${s.id} · ${t(`signs.level.${s.level}`)}`), " ", healthBadge(s)),
        boardElement(s),
        h("footer", { class: "muted" },
          s.content && s.content.published ? `${t("signs.published")} ${fmtTime(s.content.published)} ` : "",
          s.content && s.content.change_pending ? h("span", { class: "warn" }, t("signs.pending")) : "",
          (s.overrides || []).length ? h("span", { class: "warn" }, ` · ${t("signs.overrides")}: ${s.overrides.length}`) : "",
          " ", h("a", { href: `#/signs/${encodeURIComponent(s.id)}` }, t("signs.details"))))));
  }
  let timer = null;
  let alive = true;
  async function load() {
    try {
      items = await signs();
      if (!alive) return;
      paint();
      grid.dataset.ready = "1";
    } catch (e) {
      grid.replaceChildren(errorBox(e));
    }
    if (alive) timer = setTimeout(load, 5000);
  }
  load();
  return () => { alive = false; clearTimeout(timer); };
}

function causeText(cause, names) {
  if (!cause || !cause.kind) return "";
  const base = t(`cause.${cause.kind}`);
  const facility = cause.facility ? nameOf(names.get(cause.facility)) || cause.facility : "";
  const extra = facility || cause.reason || cause.detail || cause.action || "";
  return extra ? `${base}: ${extra}` : base;
}

function renderOne(container, id) {
  const body = h("div", {}, t("loading"));
  // The actions sit outside the part reloaded every 5 s, so a form being filled in stays.
  const actionsSlot = h("div", {});
  container.append(h("section", { class: "page" },
    h("p", {}, h("a", { href: "#/signs" }, "← ", t("back"))), actionsSlot, body));
  let alive = true;
  let timer = null;
  let actions = null;
  const reload = () => {
    clearTimeout(timer);
    load();
  };
  async function load() {
    try {
      const to = new Date();
      const from = new Date(to.getTime() - 6 * 3600 * 1000);
      const [s, hist, fs] = await Promise.all([
        get(`/api/v1/signs/${encodeURIComponent(id)}`),
        get(`/api/v1/signs/${encodeURIComponent(id)}/history?from=${encodeURIComponent(from.toISOString())}&limit=500`)
          .catch(() => ({ items: [] })),
        facilities().catch(() => []),
      ]);
      const names = new Map(fs.map((f) => [f.id, f.name]));
      if (!alive) return;
      const items = [...(hist.items || [])].reverse(); // newest first
      const health = s.health || {};
      fill(body, 
        h("h1", {}, nameOf(s.name), " ", healthBadge(s)),
        h("p", { class: "muted" }, `${s.id} · ${t(`signs.level.${s.level}`)} · ${s.controller_id || ""}`,
          health.last_heartbeat ? ` · ♥ ${fmtAgo(health.last_heartbeat)}` : "",
          health.reason ? ` · ${health.reason}` : ""),
        boardElement(s, { large: true }),
        (health.controller_faults || []).length
          ? h("p", { class: "warn" }, `${t("signs.faults")}: ${health.controller_faults.join(", ")}`) : null,
        h("h2", {}, t("signs.overrides")),
        (s.overrides || []).length
          ? h("table", { class: "table" },
              h("thead", {}, h("tr", {}, [t("signs.shown"), t("signs.reason"), t("signs.by"), t("signs.expires"), t("state")]
                .map((x) => h("th", {}, x)))),
              h("tbody", {}, s.overrides.map((o) => h("tr", {},
                h("td", {}, o.kind === "blank" ? "—" : nameOf(o.text)), h("td", {}, o.reason || ""),
                h("td", {}, o.by || ""), h("td", {}, fmtTime(o.expires, true)),
                h("td", {}, o.ended ? t("signs.ended") : t("signs.active"))))))
          : h("p", { class: "muted" }, t("signs.no_overrides")),
        h("h2", {}, t("signs.history")),
        items.length
          ? h("table", { class: "table sign-history" },
              h("thead", {}, h("tr", {}, [t("signs.time"), t("signs.shown"), t("signs.cause"), t("signs.acked")]
                .map((x) => h("th", {}, x)))),
              h("tbody", {}, items.map((d) => h("tr", {},
                h("td", { class: "num" }, fmtTime(d.time)),
                h("td", {}, h("span", { class: "mini-board" }, (d.lines || []).map((l) =>
                  h("span", { class: `led-value led-${l.colour || "none"}` },
                    `${ARROWS[l.arrow] ?? ""}${lineValue(l, false) || "·"}`)))),
                h("td", {}, causeText(d.cause, names)),
                h("td", {}, d.acknowledged ? fmtTime(d.acknowledged) : "—")))))
          : h("p", { class: "muted" }, t("signs.no_history")));
      body.dataset.ready = "1";
      if (!actions) {
        actions = signActions(s, reload);
        actionsSlot.replaceChildren(actions.element);
      }
    } catch (e) {
      fill(body, errorBox(e));
    }
    if (alive) timer = setTimeout(load, 5000);
  }
  load();
  return () => {
    alive = false;
    clearTimeout(timer);
    if (actions) actions.close();
  };
}
