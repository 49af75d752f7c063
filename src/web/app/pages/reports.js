// Reports: the weekly reports (周报) the server has written (Monday 06:00 city time by default),
// newest week first, each week's languages and formats side by side, opened from the server.
import { get } from "../api.js";
import { t } from "../i18n.js";
import { errorBox, fill, fmtTime, h } from "../util.js";

// [{week, district, files: [...]}], newest week first; a week's files in a fixed order so the
// table does not reshuffle between loads.
export function groupByWeek(reports) {
  const weeks = new Map();
  for (const r of reports) {
    const key = `${r.week}|${r.district || ""}`;
    if (!weeks.has(key)) weeks.set(key, { week: r.week, district: r.district, files: [] });
    weeks.get(key).files.push(r);
  }
  const order = (r) => `${r.lang === "zh" ? 0 : 1}${r.format === "html" ? 0 : 1}`;
  for (const w of weeks.values()) w.files.sort((a, b) => order(a).localeCompare(order(b)));
  return [...weeks.values()].sort((a, b) => b.week.localeCompare(a.week) ||
                                            (a.district || "").localeCompare(b.district || ""));
}

function size(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export function render(container) {
  const body = h("div", {}, t("loading"));
  container.append(h("section", { class: "page" }, h("h1", {}, t("reports.title")),
    h("p", { class: "muted" }, t("reports.schedule")), body));
  let alive = true;
  let timer = null;
  async function load() {
    try {
      const list = await get("/api/v1/reports");
      if (!alive) return;
      const weeks = groupByWeek(list.reports || []);
      fill(body, weeks.length
        ? h("table", { class: "table", id: "report-table" },
            h("thead", {}, h("tr", {}, ["reports.week", "reports.district", "reports.files", "reports.written"]
              .map((c) => h("th", { scope: "col" }, t(c))))),
            h("tbody", {}, weeks.map((w) => h("tr", { "data-week": w.week },
              h("td", {}, h("strong", {}, w.week)),
              h("td", {}, w.district ? h("span", { "data-name": "" }, w.district) : t("reports.city")),
              h("td", {}, h("div", { class: "report-links" }, w.files.map((f) => h("a", {
                href: f.url, target: "_blank", rel: "noopener", class: "report-link",
                "data-file": f.file,
              }, `${t(f.lang === "zh" ? "reports.zh" : "reports.en")} ${f.format.toUpperCase()} (${size(f.size_bytes)})`)))),
              h("td", {}, fmtTime(w.files[0].modified, true))))))
        : h("p", { class: "muted", id: "no-reports" }, t("reports.none")));
      body.dataset.ready = "1";
    } catch (e) {
      fill(body, errorBox(e));
    }
    if (alive) timer = setTimeout(load, 60000);
  }
  load();
  return () => { alive = false; clearTimeout(timer); };
}
