// Plans (诱导预案): scheduled changes of what the signs show for car parks — hold spaces back for
// an event, show FULL or CLOSED, or a text — read from the sign rules (GET /api/v1/sign-rules)
// and changed by the traffic centre (PUT, the whole rules: the server validates and audits
// them). Adding or removing a plan is confirmed in the page and can be undone (the rules as they
// were are put back).
import { get } from "../api.js";
import { confirmButton, notice } from "../actions.js";
import { nameOf, t } from "../i18n.js";
import { may, onSession, send } from "../key.js";
import { errorBox, fill, h } from "../util.js";

const ACTIONS = ["reserve", "full", "closed", "text"];

function what(p) {
  if (p.action === "reserve") return t("plans.reserve_n", { n: p.reserve });
  if (p.action === "text") return `${t("plans.action_text")}: ${nameOf(p.text)}`;
  return t(`plans.action_${p.action}`);
}

// Puts `next` as the sign rules; the notice offers to put `before` back.
async function putRules(next, before, done, reload) {
  await send("PUT", "/api/v1/sign-rules", next);
  reload();
  notice(done, {
    undo: async () => {
      await send("PUT", "/api/v1/sign-rules", before);
      reload();
      notice(t("plans.undone"));
    },
  });
}

function plansTable(rules, reload) {
  const plans = rules.plans || [];
  if (!plans.length) return h("p", { class: "muted" }, t("plans.none"));
  const editable = may("sign.override");
  return h("table", { class: "table small", id: "plans-table" },
    h("thead", {}, h("tr", {}, ["plans.id", "plans.name", "plans.facilities", "plans.days", "plans.window", "plans.dates",
                               "plans.action", ""].map((c) => h("th", { scope: "col" }, c ? t(c) : "")))),
    h("tbody", {}, plans.map((p, i) => h("tr", { "data-plan": p.id },
      h("td", { "data-name": "" }, p.id), h("td", { "data-name": "" }, nameOf(p.name) || "—"),
      h("td", { "data-name": "" }, (p.facilities || []).join(", ")), h("td", { "data-name": "" }, p.days || t("plans.every_day")),
      h("td", { class: "mono" }, p.window || "—"),
      h("td", { class: "mono" }, p.from_date || p.to_date ? `${p.from_date || "…"} – ${p.to_date || "…"}` : "—"),
      h("td", {}, what(p)),
      h("td", {}, editable ? confirmButton(t("plans.remove"), t("plans.remove_q", { id: p.id }), async () => {
        const next = { ...rules, plans: plans.filter((_, j) => j !== i) };
        await putRules(next, rules, t("plans.removed", { id: p.id }), reload);
      }, { id: `remove-plan-${p.id}`, danger: true }) : null)))));
}

function field(id, label, attrs = {}) {
  const el = h("input", { id, type: "text", "aria-label": label, ...attrs });
  return [el, h("label", {}, label, " ", el)];
}

function newPlanForm(getRules, reload) {
  const [id, idL] = field("plan-id", t("plans.id"), { maxlength: 64, required: true });
  const [zh, zhL] = field("plan-name-zh", t("ovr.zh"), { maxlength: 40 });
  const [en, enL] = field("plan-name-en", t("ovr.en"), { maxlength: 40 });
  const [facilities, facilitiesL] = field("plan-facilities", t("plans.facilities"), { placeholder: "F1,F2", required: true });
  const [days, daysL] = field("plan-days", t("plans.days"), { placeholder: "Mo-Fr / Fr,Sa" });
  const [window_, windowL] = field("plan-window", t("plans.window"), { placeholder: "18:00-23:30" });
  const [from, fromL] = field("plan-from", t("plans.from"), { type: "date" });
  const [to, toL] = field("plan-to", t("plans.to"), { type: "date" });
  const action = h("select", { id: "plan-action", "aria-label": t("plans.action") },
    ACTIONS.map((a) => h("option", { value: a }, t(`plans.action_${a}`))));
  const [reserve, reserveL] = field("plan-reserve", t("plans.reserve"), { type: "number", min: 1, value: 50 });
  const [textZh, textZhL] = field("plan-text-zh", `${t("plans.action_text")} (${t("ovr.zh")})`, { maxlength: 40 });
  const [textEn, textEnL] = field("plan-text-en", `${t("plans.action_text")} (${t("ovr.en")})`, { maxlength: 40 });
  const add = confirmButton(t("plans.add"), t("plans.add_q"), async () => {
    const plan = { id: id.value.trim(), facilities: facilities.value.split(",").map((x) => x.trim()).filter(Boolean),
                   action: action.value };
    if (zh.value.trim() || en.value.trim()) plan.name = { zh: zh.value.trim(), en: en.value.trim() };
    if (days.value.trim()) plan.days = days.value.trim();
    if (window_.value.trim()) plan.window = window_.value.trim();
    if (from.value) plan.from_date = from.value;
    if (to.value) plan.to_date = to.value;
    if (plan.action === "reserve") plan.reserve = Number(reserve.value);
    if (plan.action === "text") plan.text = { zh: textZh.value.trim() || textEn.value.trim(), en: textEn.value.trim() || textZh.value.trim() };
    const rules = getRules();
    await putRules({ ...rules, plans: [...(rules.plans || []), plan] }, rules, t("plans.added", { id: plan.id }), reload);
  }, { id: "plan-add" });
  return h("div", { class: "card actions", id: "plan-form" }, h("h2", {}, t("plans.new")),
    h("div", { class: "act-row" }, idL, zhL, enL, facilitiesL),
    h("div", { class: "act-row" }, daysL, windowL, fromL, toL),
    h("div", { class: "act-row" }, h("label", {}, t("plans.action"), " ", action), reserveL, textZhL, textEnL),
    h("div", { class: "act-row" }, add));
}

export function render(container) {
  const list = h("div", {}, t("loading"));
  const form = h("div", {});
  container.append(h("section", { class: "page", id: "plans-page" }, h("h1", {}, t("plans.title")),
    h("p", { class: "muted" }, t("plans.about")), form, list));
  let alive = true;
  let rules = {};
  async function load() {
    try {
      rules = await get("/api/v1/sign-rules");
      if (!alive) return;
      fill(list, plansTable(rules, load));
      list.dataset.ready = "1";
    } catch (e) {
      fill(list, errorBox(e));
    }
  }
  const renderForm = () => form.replaceChildren(may("sign.override") ? newPlanForm(() => rules, load)
                                                                   : h("p", { class: "muted small" }, t("plans.sign_in")));
  const off = onSession(() => { renderForm(); load(); });
  renderForm();
  load();
  return () => { alive = false; off(); };
}
