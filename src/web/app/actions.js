// Operator actions on the dashboard: every change is asked for, confirmed in the page (never a
// browser dialog), sent with the signed-in key, and answered by a notice that says what was done
// and, where it can be, offers to undo it. The server audits each call (docs/api/roles.md).
import { send } from "./key.js";
import { t } from "./i18n.js";
import { h } from "./util.js";

// A notice at the foot of the page: `text`, and an Undo button when `undo` is given. It stays
// until closed or replaced (an operator may look away); one at a time.
export function notice(text, { undo = null, error = false } = {}) {
  document.getElementById("notice")?.remove();
  const box = h("div", { id: "notice", class: `notice ${error ? "error" : ""}`, role: error ? "alert" : "status" },
    h("span", {}, text), " ",
    undo ? h("button", { type: "button", id: "notice-undo", onclick: async () => {
      box.remove();
      await undo();
    } }, t("act.undo")) : null, " ",
    h("button", { type: "button", class: "link", "aria-label": t("act.dismiss"), onclick: () => box.remove() }, "×"));
  document.body.append(box);
  return box;
}

// A button that asks before it acts: the first click shows `question` with Confirm and Cancel in
// place of the button; Confirm runs `act` (a promise). Failures are shown as an error notice.
export function confirmButton(label, question, act, { id = undefined, danger = false } = {}) {
  const slot = h("span", { class: "confirm-slot" });
  const ask = () => slot.replaceChildren(
    h("span", { class: "confirm-question" }, question, " "),
    h("button", { type: "button", id: id ? `${id}-confirm` : undefined, class: danger ? "danger" : "",
                  onclick: async () => {
                    slot.replaceChildren(h("span", { class: "muted" }, t("act.sending")));
                    try {
                      await act();
                    } catch (e) {
                      notice(`${t("act.failed")}: ${e.message}`, { error: true });
                    }
                    slot.replaceChildren(button);
                  } }, t("act.confirm")), " ",
    h("button", { type: "button", onclick: () => slot.replaceChildren(button) }, t("act.cancel")));
  const button = h("button", { type: "button", id, class: danger ? "danger" : "", onclick: ask }, label);
  slot.append(button);
  return slot;
}

// The writes the pages make (docs/api/roles.md). Each resolves with the server's answer.
export const write = {
  facilityStatus: (id, status) => send("POST", `/api/v1/facilities/${encodeURIComponent(id)}/status`, { status }),
  facilityCount: (id, free) => send("POST", `/api/v1/facilities/${encodeURIComponent(id)}/count`, { free }),
};
