// Keys (admins): the people's role keys and the data sources' keys — listed (never a key or a
// hash), made (the key shown once, here only), and revoked at once (docs/api/roles.md). Every
// change is confirmed in the page and audited by the server. A revocation has no undo: the key
// is forgotten; a new one is made instead.
import { get } from "../api.js";
import { confirmButton, notice } from "../actions.js";
import { t } from "../i18n.js";
import { authHeaders, may, onSession, send } from "../key.js";
import { errorBox, fill, fmtTime, h } from "../util.js";

const ROLES = ["operator", "traffic_centre", "admin", "controller"];
const KINDS = ["operator_system", "sensor_gateway", "charger", "manual"];

// The key just made, shown once with what to do with it.
function issuedBox(what, key) {
  return h("div", { id: "key-once", class: "card key-once", role: "status" },
    h("p", {}, t("keys.once", { what })),
    h("code", { id: "key-once-value", class: "mono" }, key));
}

function roleKeysTable(items, reload) {
  const names = [...new Set(items.map((k) => k.name))];
  return h("table", { class: "table small", id: "role-keys" },
    h("thead", {}, h("tr", {}, ["keys.name", "keys.role", "keys.facilities", "keys.created", "keys.state", ""]
      .map((c) => h("th", { scope: "col" }, c ? t(c) : "")))),
    h("tbody", {}, names.map((name) => {
      const k = items.find((x) => x.name === name && x.state === "current") || items.find((x) => x.name === name);
      return h("tr", { "data-key": name },
        h("td", { "data-name": "" }, name), h("td", {}, t(`role.${k.role}`)),
        h("td", { "data-name": "" }, (k.facilities || []).join(", ") || "—"),
        h("td", {}, fmtTime(k.created, true)), h("td", {}, t(`keys.gen_${k.state}`)),
        h("td", {}, confirmButton(t("keys.revoke"), t("keys.revoke_q", { name }), async () => {
          await send("DELETE", `/api/v1/keys/${encodeURIComponent(name)}`);
          notice(t("keys.revoked", { name }));
          reload();
        }, { id: `revoke-key-${name}`, danger: true })));
    })));
}

function sourcesTable(items, reload) {
  return h("table", { class: "table small", id: "source-keys" },
    h("thead", {}, h("tr", {}, ["keys.source", "keys.kind", "keys.scope", "keys.interval", "keys.created", "keys.state", ""]
      .map((c) => h("th", { scope: "col" }, c ? t(c) : "")))),
    h("tbody", {}, items.map((s) => h("tr", { "data-source": s.id, "data-key-state": s.key },
      h("td", { "data-name": "" }, s.id), h("td", {}, s.kind), h("td", { "data-name": "" }, s.scope),
      h("td", { class: "num" }, `${s.interval_s} s`), h("td", {}, s.created ? fmtTime(s.created, true) : "—"),
      h("td", {}, t(`keys.key_${s.key}`)),
      h("td", {}, s.key === "active" ? confirmButton(t("keys.revoke"), t("keys.revoke_source_q", { name: s.id }), async () => {
        await send("DELETE", `/api/v1/sources/${encodeURIComponent(s.id)}/key`);
        notice(t("keys.revoked", { name: s.id }));
        reload();
      }, { id: `revoke-source-${s.id}`, danger: true }) : null)))));
}

function input(id, label, attrs = {}) {
  const el = h("input", { id, type: "text", "aria-label": label, ...attrs });
  return [el, h("label", {}, label, " ", el)];
}

function newRoleKeyForm(reload, shown) {
  const [name, nameLabel] = input("new-key-name", t("keys.name"), { maxlength: 64, required: true });
  const role = h("select", { id: "new-key-role", "aria-label": t("keys.role") },
    ROLES.map((r) => h("option", { value: r }, t(`role.${r}`))));
  const [facilities, facilitiesLabel] = input("new-key-facilities", t("keys.facilities"), { placeholder: "F1,F2" });
  const make = confirmButton(t("keys.make"), t("keys.make_q"), async () => {
    const body = { name: name.value.trim(), role: role.value };
    const list = facilities.value.split(",").map((x) => x.trim()).filter(Boolean);
    if (list.length) body.facilities = list;
    const made = await send("POST", "/api/v1/keys", body);
    reload();
    shown(issuedBox(made.name, made.key));
  }, { id: "new-key" });
  return h("div", { class: "act-row" }, nameLabel, h("label", {}, t("keys.role"), " ", role), facilitiesLabel, make);
}

function newSourceForm(reload, shown) {
  const [id, idLabel] = input("new-source-id", t("keys.source"), { maxlength: 64, required: true });
  const kind = h("select", { id: "new-source-kind", "aria-label": t("keys.kind") }, KINDS.map((k) => h("option", { value: k }, k)));
  const [scope, scopeLabel] = input("new-source-scope", t("keys.scope"), { placeholder: "facility:F1,bay:B2 | all" });
  const [interval, intervalLabel] = input("new-source-interval", t("keys.interval"), { type: "number", min: 1, value: 300 });
  const make = confirmButton(t("keys.make_source"), t("keys.make_q"), async () => {
    const made = await send("POST", "/api/v1/sources", { id: id.value.trim(), kind: kind.value,
                                                          scope: scope.value.trim(), interval_s: Number(interval.value) });
    reload();
    shown(issuedBox(made.id, made.key));
  }, { id: "new-source" });
  return h("div", { class: "act-row" }, idLabel, h("label", {}, t("keys.kind"), " ", kind), scopeLabel, intervalLabel, make);
}

export function render(container) {
  const once = h("div", {});
  const lists = h("div", {}, t("loading"));
  const forms = h("div", {});
  container.append(h("section", { class: "page", id: "keys-page" }, h("h1", {}, t("keys.title")),
    h("p", { class: "muted" }, t("keys.about")), once, forms, lists));
  let alive = true;
  const shown = (box) => once.replaceChildren(box);
  async function load() {
    if (!may("keys")) {
      fill(lists, h("p", { class: "muted" }, t("keys.sign_in")));
      forms.replaceChildren();
      return;
    }
    try {
      const [keys, sources] = await Promise.all([get("/api/v1/keys", authHeaders()), get("/api/v1/sources", authHeaders())]);
      if (!alive) return;
      fill(lists, h("h2", {}, t("keys.role_keys")), roleKeysTable(keys.items, load),
        h("h2", {}, t("keys.sources")), sourcesTable(sources.items, load));
      lists.dataset.ready = "1";
    } catch (e) {
      fill(lists, errorBox(e));
    }
  }
  const renderForms = () => {
    forms.replaceChildren(...(may("keys") ? [h("h2", {}, t("keys.new")), newRoleKeyForm(load, shown),
                                            newSourceForm(load, shown)] : []));
  };
  const off = onSession(() => { renderForms(); load(); });
  renderForms();
  load();
  return () => { alive = false; off(); };
}
