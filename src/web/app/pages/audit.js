// Audit log: who changed what, when and from where — every change made through the API or the
// command line, newest first (docs/api/roles.md). GET /api/v1/audit needs a traffic centre or
// admin key, asked for here once per browser session (key.js); an actor filter narrows it.
import { ApiError, get } from "../api.js";
import { t } from "../i18n.js";
import { authHeaders, forgetKey, keyForm, storedKey } from "../key.js";
import { errorBox, fill, fmtTime, h } from "../util.js";

// {items} with the key; {needKey, refused} when the server wants one (refused: it was wrong).
async function loadAudit(actor) {
  const query = new URLSearchParams({ limit: "200" });
  if (actor) query.set("actor", actor);
  try {
    return await get(`/api/v1/audit?${query}`, authHeaders());
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return { needKey: true, refused: !!storedKey() };
    throw e;
  }
}

// A JSON value as short text for a cell; the whole of it in the cell's title.
function brief(value) {
  if (value === null || value === undefined) return "—";
  const text = JSON.stringify(value);
  return h("code", { class: "payload", title: text }, text.length > 160 ? `${text.slice(0, 160)}…` : text);
}

function auditTable(items) {
  if (!items.length) return h("p", { class: "muted" }, t("audit.none"));
  const cols = ["audit.time", "audit.actor", "audit.remote", "audit.action", "audit.target",
                "audit.outcome", "audit.before", "audit.after"];
  return h("table", { class: "table small", id: "audit-table" },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c))))),
    h("tbody", {}, items.map((e) => h("tr", { "data-action": e.action, "data-actor": e.actor },
      h("td", {}, fmtTime(e.time, true)),
      h("td", {}, h("strong", { "data-name": "" }, e.actor), h("div", { class: "muted small", "data-name": "" }, e.role)),
      h("td", { "data-name": "" }, e.remote),
      h("td", {}, h("code", {}, e.action)),
      h("td", { "data-name": "" }, e.target),
      h("td", { class: /^[45]/.test(e.outcome) ? "warn" : "" }, e.outcome),
      h("td", {}, brief(e.before)), h("td", {}, brief(e.after))))));
}

export function render(container) {
  const body = h("div", {}, t("loading"));
  const actor = h("input", { type: "search", id: "audit-actor", autocomplete: "off" });
  const filter = h("form", { class: "page-head", onsubmit: (e) => { e.preventDefault(); load(); } },
    h("label", {}, t("audit.actor_filter"), " ", actor), " ",
    h("button", { type: "submit" }, t("audit.apply")));
  container.append(h("section", { class: "page" }, h("h1", {}, t("audit.title")),
    h("p", { class: "muted" }, t("audit.about")), filter, body));
  let alive = true;
  async function load() {
    let audit;
    try {
      audit = await loadAudit(actor.value.trim());
    } catch (e) {
      audit = { error: e };
    }
    if (!alive) return;
    const forget = h("button", { type: "button", class: "link", id: "audit-key-forget",
                                 onclick: () => { forgetKey(); load(); } }, t("health.key_forget"));
    fill(body,
      audit.error ? errorBox(audit.error)
        : audit.needKey ? keyForm({ form: "audit-key-needed", input: "audit-key" },
                                  { needed: t("audit.key_needed"), label: t("health.key_label"),
                                    submit: t("health.key_submit"), refused: t("health.key_refused") },
                                  audit.refused, load)
        : [auditTable(audit.items || []), forget]);
    body.dataset.ready = "1";
  }
  load();
  return () => { alive = false; };
}
