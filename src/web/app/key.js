// The key a person enters to see what only the traffic centre or an admin may (the rejected
// input, the audit log): asked for once per browser session (sessionStorage), sent as a Bearer
// token, forgotten on request. One key serves every page that needs one.
import { h } from "./util.js";

const KEY_ITEM = "pg.operator_key";

export function storedKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

// The Authorization header for the stored key; none without one.
export function authHeaders() {
  const key = storedKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

// The form asking for the key: `ids` names the form and its input (the tests find them),
// `text` its labels ({needed, label, submit, refused}); `refused` says the last key was wrong.
export function keyForm(ids, text, refused, onKey) {
  const input = h("input", { type: "password", id: ids.input, autocomplete: "off", required: true,
                             "aria-label": text.label });
  return h("form", { id: ids.form, class: "key-needed",
                     onsubmit: (e) => { e.preventDefault(); sessionStorage.setItem(KEY_ITEM, input.value.trim()); onKey(); } },
    h("p", {}, text.needed),
    refused ? h("p", { class: "error", role: "alert" }, text.refused) : null,
    h("label", {}, text.label, " ", input), " ",
    h("button", { type: "submit" }, text.submit));
}
