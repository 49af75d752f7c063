// The facility page's operator actions (issue 17): close, mark full, reopen, correct the count —
// for a car-park operator's own facilities and, closing and reopening, for the traffic centre.
// Shown only to a signed-in key that may use them; each is confirmed, audited by the server,
// and undoable where that makes sense (a status goes back to what it was; a corrected count is
// replaced by the feed's next count, so it has no undo).
import { confirmButton, notice, write } from "../actions.js";
import { nameOf, t } from "../i18n.js";
import { may, onSession, session } from "../key.js";
import { h } from "../util.js";

function statusButtons(f, state, redraw) {
  const name = nameOf(f.name);
  // The undo restores the operator's word the server says this write replaced (not the state
  // shown, which counts and opening hours also decide).
  const set = async (status, done) => {
    const answer = await write.facilityStatus(f.id, status);
    redraw(answer.live);
    const undoTo = answer.previous_status;
    notice(t(done, { name }), {
      undo: undoTo && undoTo !== status && (async () => {
        const back = await write.facilityStatus(f.id, undoTo);
        redraw(back.live);
        notice(t("act.undone", { name }));
      }),
    });
  };
  if (state === "closed") {
    return [confirmButton(t("act.reopen"), t("act.reopen_q", { name }), () => set("open", "act.reopened"),
                          { id: "act-reopen" })];
  }
  return [
    confirmButton(t("act.close"), t("act.close_q", { name }), () => set("closed", "act.closed"),
                  { id: "act-close", danger: true }), " ",
    confirmButton(t("act.full"), t("act.full_q", { name }), () => set("full", "act.marked_full"),
                  { id: "act-full" }),
  ];
}

function countForm(f, redraw) {
  const input = h("input", { type: "number", min: 0, max: 100000, step: 1, id: "act-count-free", required: true,
                             "aria-label": t("act.count_label") });
  const go = confirmButton(t("act.count"), t("act.count_q", { name: nameOf(f.name) }), async () => {
    const free = Number(input.value);
    if (!Number.isInteger(free) || free < 0) throw new Error(t("act.count_bad"));
    const answer = await write.facilityCount(f.id, free);
    redraw(answer.live);
    notice(t("act.counted", { name: nameOf(f.name), n: free }));
  }, { id: "act-count" });
  return h("div", { class: "act-row" }, h("label", {}, t("act.count_label"), " ", input), " ", go,
    h("p", { class: "muted small" }, t("act.count_note")));
}

// The panel; `redraw(live)` shows the live object a write answered with. Re-renders itself when
// the sign-in changes and when setState gives a new live state.
export function actionsPanel(f, initialState, redraw) {
  const panel = h("div", { id: "facility-actions", class: "actions" });
  let state = initialState;
  const render = () => {
    const s = session();
    const status = may("facility.status", f.id);
    const count = may("facility.count", f.id);
    if (!s) {
      panel.replaceChildren(h("p", { class: "muted small" }, t("act.sign_in_hint")));
    } else if (!status && !count) {
      panel.replaceChildren(h("p", { class: "muted small" }, t("act.not_yours", { role: t(`role.${s.role}`) })));
    } else {
      const shown = (lv) => {
        setState(lv);
        redraw(lv);
      };
      panel.replaceChildren(...[
        h("h3", {}, t("act.title")),
        status ? h("div", { class: "act-row" }, statusButtons(f, state, shown)) : null,
        count ? countForm(f, shown) : null,
      ].filter(Boolean));
    }
  };
  const setState = (lv) => {
    const next = lv ? lv.state : state;
    if (next === state) return;
    state = next;
    render();
  };
  const off = onSession(render);
  render();
  return { element: panel, setState, close: off };
}
