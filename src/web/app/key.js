// The key a person enters to see what only the traffic centre or an admin may (the rejected
// input, the audit log): asked for once per browser session (sessionStorage), sent as a Bearer
// token, forgotten on request. One key serves every page that needs one.
import { ApiError, get } from "./api.js";
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
  sessionStorage.removeItem("pg.session");
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

// The operator's sign-in: a role key checked by GET /api/v1/session, kept (with who it is) for
// the browser session. Pages ask session() what the signed-in key may do and re-render on change.
const SESSION_ITEM = "pg.session";
const sessionListeners = new Set();

export function session() {
  try {
    return storedKey() ? JSON.parse(sessionStorage.getItem(SESSION_ITEM)) : null;
  } catch {
    return null;
  }
}

export function onSession(fn) {
  sessionListeners.add(fn);
  return () => sessionListeners.delete(fn);
}

function sessionChanged() {
  for (const fn of sessionListeners) fn(session());
}

// Checks `key` with the server; keeps it when it is a role key. Throws ApiError (401/403) if not.
export async function signIn(key) {
  const who = await get("/api/v1/session", { Authorization: `Bearer ${key}` });
  sessionStorage.setItem(KEY_ITEM, key);
  sessionStorage.setItem(SESSION_ITEM, JSON.stringify(who));
  sessionChanged();
  return who;
}

export function signOut() {
  forgetKey();
  sessionStorage.removeItem(SESSION_ITEM);
  sessionChanged();
}

// What the signed-in key may do (docs/api/roles.md); the server decides again on every call.
export function may(action, facilityId) {
  const s = session();
  if (!s) return false;
  const own = s.role === "operator" && (s.facilities || []).includes(facilityId);
  switch (action) {
    case "facility.status": return own || s.role === "traffic_centre";
    case "facility.count": return own;
    case "sign.override": return s.role === "traffic_centre";
    case "keys": return s.role === "admin";
    default: return false;
  }
}

// A write with the signed-in key: the JSON answer, or an ApiError with the server's problem.
export async function send(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: { Accept: "application/json", "Content-Type": "application/json", ...authHeaders() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = r.headers.get("content-type") || "";
  const answer = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, typeof answer === "object" ? answer : null);
  return answer;
}
