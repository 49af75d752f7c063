// The sign page's action for the traffic centre (issue 17): override what a sign shows — a text
// in both languages (or a blank board), for the whole sign or one line, always with an expiry —
// and clear the overrides. Confirmed in the page, audited by the server; setting one offers to
// undo it (clearing it again).
import { confirmButton, notice } from "../actions.js";
import { nameOf, t } from "../i18n.js";
import { may, onSession, send } from "../key.js";
import { fmtTime, h } from "../util.js";

const path = (id) => `/api/v1/signs/${encodeURIComponent(id)}/override`;

function clear(sign, reason) {
  return send("DELETE", `${path(sign.id)}?reason=${encodeURIComponent(reason)}`);
}

function overrideForm(sign, after) {
  const zh = h("input", { type: "text", id: "ovr-zh", maxlength: 40, "aria-label": t("ovr.zh") });
  const en = h("input", { type: "text", id: "ovr-en", maxlength: 40, "aria-label": t("ovr.en") });
  const blank = h("input", { type: "checkbox", id: "ovr-blank" });
  const line = h("select", { id: "ovr-line", "aria-label": t("ovr.line") },
    h("option", { value: "" }, t("ovr.whole_sign")),
    (sign.lines || []).map((l, i) => h("option", { value: String(i) }, `${i}: ${nameOf(l.label) || i}`)));
  const minutes = h("input", { type: "number", id: "ovr-minutes", min: 1, max: 1440, value: 30, required: true,
                               "aria-label": t("ovr.minutes") });
  const reason = h("input", { type: "text", id: "ovr-reason", maxlength: 200, required: true,
                              "aria-label": t("ovr.reason"), placeholder: t("ovr.reason_hint") });
  const name = nameOf(sign.name);
  const set = confirmButton(t("ovr.set"), t("ovr.set_q", { name }), async () => {
    if (!reason.value.trim()) throw new Error(t("ovr.reason_needed"));
    if (!blank.checked && !zh.value.trim() && !en.value.trim()) throw new Error(t("ovr.text_needed"));
    const body = { minutes: Number(minutes.value), reason: reason.value.trim() };
    if (line.value !== "") body.line = Number(line.value);
    if (blank.checked) body.blank = true;
    else body.text = { zh: zh.value.trim() || en.value.trim(), en: en.value.trim() || zh.value.trim() };
    const made = await send("POST", path(sign.id), body);
    after();
    notice(t("ovr.done", { name, until: made.expires ? fmtTime(made.expires, true) : "" }), {
      undo: async () => {
        await clear(sign, `undo: ${body.reason}`);
        after();
        notice(t("ovr.cleared", { name }));
      },
    });
  }, { id: "ovr-set" });
  return h("div", { class: "override-form" },
    h("div", { class: "act-row" }, h("label", {}, t("ovr.zh"), " ", zh), h("label", {}, t("ovr.en"), " ", en),
      h("label", {}, blank, " ", t("ovr.blank"))),
    h("div", { class: "act-row" }, h("label", {}, t("ovr.line"), " ", line),
      h("label", {}, t("ovr.minutes"), " ", minutes), h("label", {}, t("ovr.reason"), " ", reason)),
    h("div", { class: "act-row" }, set));
}

// The panel above a sign's page; `after` reloads the page's view of the sign. Shown only to a
// traffic centre key.
export function signActions(sign, after) {
  const panel = h("div", { id: "sign-actions", class: "card actions" });
  const render = () => {
    if (!may("sign.override")) {
      panel.replaceChildren(h("p", { class: "muted small" }, t("ovr.sign_in_hint")));
      return;
    }
    const name = nameOf(sign.name);
    panel.replaceChildren(h("h2", {}, t("ovr.title")), overrideForm(sign, after),
      h("div", { class: "act-row" }, confirmButton(t("ovr.clear"), t("ovr.clear_q", { name }), async () => {
        const r = await clear(sign, "cleared from the dashboard");
        after();
        notice(t("ovr.cleared_n", { name, n: r.ended }));
      }, { id: "ovr-clear", danger: true })));
  };
  const off = onSession(render);
  render();
  return { element: panel, close: off };
}
