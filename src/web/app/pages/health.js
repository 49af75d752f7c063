// Data health: what /health says is wrong with the system itself (journal damage, storage faults,
// a lost broker) first, then every source with last seen, rates, anomalies and corrections —
// silent sources first — and the dead-letter list of rejected input.
import { ApiError, get, live } from "../api.js";
import { t } from "../i18n.js";
import { authHeaders, forgetKey, keyForm as askForKey, storedKey } from "../key.js";
import { errorBox, fill, fmtAgo, fmtTime, h } from "../util.js";

const ORDER = { silent: 0, never: 1, ok: 2 };

export function sortSources(sources) {
  return [...sources].sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) || a.id.localeCompare(b.id));
}

// The rejected input (dead letters) is the senders' data: GET /api/v1/ingest/errors needs a
// traffic centre or admin key, entered once per browser session (key.js).

// {items} with the key, {needKey, refused} when the server wants one (refused: it was wrong).
async function loadDeadLetters() {
  try {
    return await get("/api/v1/ingest/errors?limit=100", authHeaders());
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return { needKey: true, refused: !!storedKey() };
    throw e;
  }
}

function keyForm(refused, reload) {
  return askForKey({ form: "operator-key-needed", input: "operator-key" },
                   { needed: t("health.key_needed"), label: t("health.key_label"),
                     submit: t("health.key_submit"), refused: t("health.key_refused") }, refused, reload);
}

function deadLetterTable(dead) {
  return (dead.items || []).length
    ? h("table", { class: "table small", id: "dead-letters" },
        h("thead", {}, h("tr", {}, ["signs.time", "health.channel", "health.source", "health.reason", "health.payload"].map((c) => h("th", {}, t(c))))),
        h("tbody", {}, dead.items.map((d) => h("tr", {},
          h("td", {}, fmtTime(d.time, true)), h("td", {}, `${d.channel}${d.topic ? ` ${d.topic}` : ""}`),
          h("td", {}, d.source || "—"), h("td", {}, d.reason),
          h("td", {}, h("code", { class: "payload" }, String(d.payload).slice(0, 200)))))))
    : h("p", { class: "muted" }, t("health.no_dead"));
}

// A known problem's title in the page's language; the server's own message says the rest.
function problemTitle(p) {
  const key = `health.problem.${p.component}.${p.kind}`;
  const title = t(key);
  return title === key ? `${p.component} · ${p.kind}` : title;
}

// The system's problems from GET /health, or one line saying there are none.
function systemPart(health) {
  const problems = health.problems || [];
  if (!problems.length) {
    return h("p", { id: "system-status", "data-status": "ok", class: "muted" }, "✓ ", t("health.system_ok"));
  }
  return h("div", { id: "system-status", "data-status": "degraded", class: "error", role: "alert" },
    h("h2", {}, t("health.system_degraded")),
    h("ul", {}, problems.map((p) => h("li", { "data-component": p.component, "data-kind": p.kind },
      h("strong", {}, problemTitle(p)), p.since ? ` (${t("health.since")} ${fmtTime(p.since, true)})` : "",
      h("div", { class: "small" }, p.message),
      p.component === "journal" && p.kind !== "storage_fault"
        ? h("div", { class: "small" }, t("health.journal_ack"), " ",
            h("code", {}, `parkguide journal ack --db … --by NAME --incident ${p.detail?.id ?? ""}`))
        : null))));
}

export function render(container) {
  const system = h("div", { id: "system-part" });
  const top = h("div", {}, t("loading"));
  // Refreshed apart from the rest, so a key being typed is not wiped by the 5 s refresh.
  const deadPart = h("div", { id: "dead-letter-part" });
  const body = h("div", {}, system, top, deadPart);
  let showingKeyForm = false;
  container.append(h("section", { class: "page" }, h("h1", {}, t("health.title")), body));
  let alive = true;
  let timer = null;
  async function loadDead() {
    let dead;
    try {
      dead = await loadDeadLetters();
    } catch (e) {
      dead = { error: e };
    }
    if (!alive) return;
    if (dead.needKey && showingKeyForm && !dead.refused) return;  // the form stays as typed in
    showingKeyForm = !!dead.needKey;
    const forget = h("button", { type: "button", class: "link", id: "operator-key-forget",
                                 onclick: () => { forgetKey(); loadDead(); } }, t("health.key_forget"));
    fill(deadPart, h("h2", {}, t("health.dead_letters")),
         dead.error ? errorBox(dead.error)
           : dead.needKey ? keyForm(dead.refused, () => { showingKeyForm = false; loadDead(); })
           : [deadLetterTable(dead), forget]);
  }
  async function load() {
    try {
      const [health, status] = await Promise.all([get("/api/v1/sources/health"), get("/health"), loadDead()]);
      if (!alive) return;
      fill(system, systemPart(status));
      const sources = sortSources(health.sources || []);
      const cols = ["health.source", "health.status", "health.last_seen", "health.interval", "health.rate",
                    "health.accepted", "health.duplicate", "health.out_of_order", "health.unknown_target",
                    "health.anomalies", "health.corrections"];
      fill(top,
        h("h2", {}, t("health.sources")),
        h("table", { class: "table", id: "source-table" },
          h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c))))),
          h("tbody", {}, sources.map((s) => {
            const anomalies = (s.anomalies?.underflow || 0) + (s.anomalies?.overflow || 0);
            return h("tr", { "data-source": s.id, "data-status": s.status, class: `row-${s.status}` },
              h("td", {}, h("strong", {}, s.id), s.kind ? h("div", { class: "muted small", "data-name": "" }, `${s.kind} · ${s.scope || ""}`) : null),
              h("td", {}, h("span", { class: `badge src-${s.status}` }, t(`src.${s.status}`))),
              h("td", {}, fmtAgo(s.last_received), h("div", { class: "muted small" }, fmtTime(s.last_received, true))),
              h("td", { class: "num" }, s.expected_interval_s ? `${s.expected_interval_s} ${t("sec")}` : "—"),
              h("td", { class: "num" }, (s.rate_per_minute ?? 0).toFixed(1)),
              h("td", { class: "num" }, s.accepted), h("td", { class: "num" }, s.duplicate),
              h("td", { class: "num" }, s.out_of_order), h("td", { class: "num" }, s.unknown_target),
              h("td", { class: `num ${anomalies ? "warn" : ""}` }, anomalies ? `${anomalies} (↓${s.anomalies.underflow} ↑${s.anomalies.overflow})` : "0"),
              h("td", { class: "num" }, s.corrections ? `${s.corrections.count} / ${s.corrections.spaces}` : "0"));
          }))),
        (health.recent_corrections || []).length ? [
          h("h2", {}, t("health.recent_corrections")),
          h("table", { class: "table small" },
            h("thead", {}, h("tr", {}, ["signs.time", "fac.title", "health.source", "kind", "health.before", "health.after"].map((c) => h("th", {}, t(c))))),
            h("tbody", {}, health.recent_corrections.slice(0, 20).map((c) => h("tr", {},
              h("td", {}, fmtTime(c.time, true)), h("td", {}, h("a", { href: `#/facility/${encodeURIComponent(c.facility)}` }, c.facility)),
              h("td", {}, c.source), h("td", {}, c.kind), h("td", { class: "num" }, c.before), h("td", { class: "num" }, c.after)))))] : null);
      body.dataset.ready = "1";
    } catch (e) {
      fill(top, errorBox(e));
    }
    if (alive) timer = setTimeout(load, 5000);
  }
  load();
  const off = live.on((type) => { if (type === "source") { clearTimeout(timer); load(); } });
  return () => { alive = false; clearTimeout(timer); off(); };
}
