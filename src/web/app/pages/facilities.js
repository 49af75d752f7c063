// All facilities as a table (the keyboard- and screen-reader-friendly twin of the map), live.
import { live } from "../api.js";
import { districtName, facilities, liveOf } from "../data.js";
import { nameOf, t } from "../i18n.js";
import { errorBox, fmtTime, h, pct, stateBadge } from "../util.js";

export function render(container) {
  const tbody = h("tbody", {});
  let sortKey = sessionStorage.getItem("pg.fac.sort") || "name";
  const table = h("table", { class: "table", id: "facility-table" });
  const filter = h("input", { type: "search", id: "fac-filter", placeholder: t("map.search_placeholder"),
                              "aria-label": t("map.search"), oninput: () => paint() });
  container.append(h("section", { class: "page" },
    h("div", { class: "page-head" }, h("h1", {}, t("fac.list")), filter), table));
  let items = [];
  const cols = [
    ["name", t("name")], ["kind", t("kind")], ["district", t("district")], ["state", t("state")],
    ["free", t("free")], ["capacity", t("capacity")], ["occ", t("fac.occ")], ["updated", t("updated")],
  ];
  const value = (f, k) => {
    const lv = liveOf(f);
    switch (k) {
      case "name": return nameOf(f.name);
      case "kind": return t(`kind.${f.kind}`);
      case "district": return districtName(f.district);
      case "state": return lv.state;
      case "free": return lv.free ?? -1;
      case "capacity": return lv.capacity;
      case "occ": return lv.occupied !== null && lv.capacity ? lv.occupied / lv.capacity : -1;
      case "updated": return lv.updated || "";
      default: return "";
    }
  };
  table.append(h("thead", {}, h("tr", {}, cols.map(([k, label]) => h("th", { scope: "col", "aria-sort": sortKey === k ? "ascending" : null },
    h("button", { type: "button", class: "link", onclick: () => { sortKey = k; sessionStorage.setItem("pg.fac.sort", k); paint(); } }, label))))), tbody);
  function paint() {
    const q = filter.value.trim().toLowerCase();
    const rows = items.filter((f) => !q || [f.name.zh, f.name.en, f.id].some((s) => s && s.toLowerCase().includes(q)));
    rows.sort((a, b) => {
      const x = value(a, sortKey), y = value(b, sortKey);
      return typeof x === "number" ? y - x : String(x).localeCompare(String(y));
    });
    tbody.replaceChildren(...rows.map((f) => {
      const lv = liveOf(f);
      return h("tr", { "data-id": f.id },
        h("td", {}, h("a", { href: `#/facility/${encodeURIComponent(f.id)}` }, nameOf(f.name))),
        h("td", {}, t(`kind.${f.kind}`)), h("td", {}, districtName(f.district)),
        h("td", {}, stateBadge(lv)),
        h("td", { class: "num" }, lv.free ?? "--"), h("td", { class: "num" }, lv.capacity),
        h("td", { class: "num" }, lv.occupied !== null && lv.capacity ? pct(lv.occupied / lv.capacity) : "—"),
        h("td", {}, fmtTime(lv.updated)));
    }));
  }
  let pending = false;
  const off = live.on((type) => {
    if ((type === "facility" || type === "zone") && !pending) {
      pending = true;
      setTimeout(() => { pending = false; paint(); }, 500);
    }
  });
  facilities().then((fs) => { items = fs; paint(); table.dataset.ready = "1"; })
    .catch((e) => container.append(errorBox(e)));
  return off;
}
