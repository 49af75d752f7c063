#include "analytics/report.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "analytics/html.h"
#include "analytics/report_words.h"
#include "model/vocabulary.h"

namespace pg::analytics {
namespace {

using html::Esc;
using html::HeatColour;
using html::Located;
using html::Projection;
using html::Writer;

std::string Pct(const std::optional<double>& v, const Writer& w) {
  return v ? fmt::format("{:.1f}%", *v * 100) : std::string(w.T("no_data"));
}
std::string Num(double v, int digits = 1) { return fmt::format("{:.{}f}", v, digits); }
std::string OptNum(const std::optional<double>& v, const Writer& w, int digits = 1) {
  return v ? Num(*v, digits) : std::string(w.T("no_data"));
}
std::string Cny(int64_t fen) { return fmt::format("¥{:.2f}", static_cast<double>(fen) / 100); }

// Change against the previous week, in percentage points for shares.
std::string DeltaPts(const std::optional<double>& now, const std::optional<double>& prev) {
  if (!now || !prev) return "";
  double d = (*now - *prev) * 100;
  return fmt::format("<span class=\"{}\">{}{:.1f} pt</span>", d > 0 ? "up" : "down",
                     d >= 0 ? "+" : "−", std::abs(d));
}
std::string Delta(double now, double prev, int digits = 1) {
  double d = now - prev;
  return fmt::format("<span class=\"{}\">{}{:.{}f}</span>", d > 0 ? "up" : "down",
                     d >= 0 ? "+" : "−", std::abs(d), digits);
}

std::string DistrictName(const WeekFigures& f, const std::string& id, const Writer& w,
                         bool scope = false) {
  if (id.empty()) return std::string(w.T(scope ? "city_wide" : "no_district"));
  if (auto it = f.district_names.find(id); it != f.district_names.end()) {
    std::string n = it->second.In(w.zh() ? "zh" : "en");
    if (!n.empty()) return n;
  }
  for (const auto& p : f.pressure) {
    if (p.district == id) {
      std::string n = p.name.In(w.zh() ? "zh" : "en");
      if (!n.empty()) return n;
    }
  }
  return id;
}

void HeatMapSvg(Writer& w, const HeatMap& h, int cell) {
  const int left = 22, top = 14;
  int width = left + 24 * cell + 4, height = top + 7 * cell + 4;
  auto& o = w.out();
  o << fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "class=\"heat\">",
      width, height, width, height);
  std::string_view days = w.T("days");
  for (int d = 0; d < 7; ++d) {
    std::string label =
        w.zh() ? std::string(days.substr(static_cast<size_t>(d) * 3, 3)) : std::string(1, days[d]);
    o << fmt::format("<text x=\"2\" y=\"{}\" font-size=\"{}\">{}</text>", top + d * cell + cell - 2,
                     std::min(cell, 11), label);
    for (int hr = 0; hr < 24; ++hr) {
      const auto& v = h.share[d][hr];
      o << fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
          left + hr * cell, top + d * cell, cell - 1, cell - 1, HeatColour(v),
          v ? fmt::format("{:02}:00 {:.0f}%", hr, *v * 100) : std::string("–"));
    }
  }
  for (int hr = 0; hr < 24; hr += 3) {
    o << fmt::format("<text x=\"{}\" y=\"10\" font-size=\"9\">{}</text>", left + hr * cell, hr);
  }
  o << "</svg>";
}

struct ReportParts {
  const WeekFigures& now;
  const WeekFigures& prev;
};

void Kpis(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  const auto &a = p.now.kpis, &b = p.prev.kpis;
  o << "<section><h2>" << w.T("kpis") << "</h2><div class=\"cards\">";
  auto card = [&](std::string_view label, const std::string& value, const std::string& prev,
                  const std::string& delta) {
    o << fmt::format(
        "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div>"
        "<div class=\"prev\">{}: {} {}</div></div>",
        label, value, w.T("previous"), prev, delta);
  };
  card(w.T("mean_occ"), Pct(a.mean_occupancy, w), Pct(b.mean_occupancy, w),
       DeltaPts(a.mean_occupancy, b.mean_occupancy));
  card(w.T("peak_occ"), Pct(a.peak_occupancy, w), Pct(b.peak_occupancy, w),
       DeltaPts(a.peak_occupancy, b.peak_occupancy));
  card(w.T("sat_hours"), Num(a.saturated_hours), Num(b.saturated_hours),
       Delta(a.saturated_hours, b.saturated_hours));
  card(w.T("unknown"), Pct(a.unknown_share, w), Pct(b.unknown_share, w),
       DeltaPts(a.unknown_share, b.unknown_share));
  auto q = [&](const std::optional<int64_t>& v) {
    return v ? fmt::format("{}", *v) : std::string(w.T("not_recorded"));
  };
  card(w.T("queries"), q(a.guidance_queries), q(b.guidance_queries),
       a.guidance_queries && b.guidance_queries ? Delta(static_cast<double>(*a.guidance_queries),
                                                        static_cast<double>(*b.guidance_queries), 0)
                                                : "");
  card(w.T("ev_util_kpi"), Pct(a.ev_utilisation, w), Pct(b.ev_utilisation, w),
       DeltaPts(a.ev_utilisation, b.ev_utilisation));
  card(w.T("ev_avail_kpi"), Pct(a.ev_availability, w), Pct(b.ev_availability, w),
       DeltaPts(a.ev_availability, b.ev_availability));
  auto in_service = [&](const OccupancyKpis& k) {
    return k.chargers_in_service_target
               ? fmt::format("{} / {}", k.chargers_in_service, *k.chargers_in_service_target)
               : fmt::format("{}", k.chargers_in_service);
  };
  card(w.T("ev_in_service"), in_service(a), in_service(b),
       Delta(a.chargers_in_service, b.chargers_in_service, 0));
  const auto &s = p.now.on_street, &t = p.prev.on_street;
  card(w.T("overstays"), fmt::format("{}", s.overstays), fmt::format("{}", t.overstays),
       Delta(static_cast<double>(s.overstays), static_cast<double>(t.overstays), 0));
  o << "</div></section>";
}

void HeatMaps(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section><h2>" << w.T("heatmap") << "</h2>";
  bool first = true;
  // District maps only when there are several: one district's map is the city's.
  size_t shown = p.now.heat_maps.size() > 2 ? p.now.heat_maps.size() : 1;
  o << "<div class=\"multiples\">";
  for (size_t i = 0; i < shown; ++i) {
    const HeatMap& h = p.now.heat_maps[i];
    o << "<figure><figcaption>"
      << Esc(i == 0 ? DistrictName(p.now, p.now.district, w, /*scope=*/true)
                    : DistrictName(p.now, h.district, w))
      << "</figcaption>";
    HeatMapSvg(w, h, first ? 26 : 11);
    o << "</figure>";
    if (first) o << "</div><div class=\"multiples small\">";
    first = false;
  }
  o << "</div><div class=\"legend\">";
  for (int i = 0; i <= 10; ++i) {
    o << fmt::format("<span style=\"background:{}\">{}%</span>", HeatColour(i / 10.0), i * 10);
  }
  o << fmt::format("<span style=\"background:#e5e5e5\">{}</span></div></section>", w.T("no_data"));
}

void FacilityTable(Writer& w, const ReportParts& p, const std::vector<std::string>& ids,
                   std::string_view title) {
  auto& o = w.out();
  o << "<h3>" << title << "</h3><table><tr><th>" << w.T("facility") << "</th><th>"
    << w.T("district") << "</th><th>" << w.T("capacity") << "</th><th>" << w.T("mean")
    << "</th><th>" << w.T("peak") << "</th><th>" << w.T("sat_hours") << "</th><th>"
    << w.T("previous") << "</th></tr>";
  for (const auto& id : ids) {
    const FacilityFigures* f = p.now.Facility(id);
    if (!f) continue;
    const FacilityFigures* g = p.prev.Facility(id);
    std::string name = f->name.In(w.zh() ? "zh" : "en");
    o << fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        Esc(name.empty() ? id : name), Esc(DistrictName(p.now, f->district, w)), f->capacity,
        Pct(f->mean_occupancy, w), Pct(f->peak_occupancy, w), Num(f->saturated_hours),
        g ? Pct(g->mean_occupancy, w) : std::string(w.T("no_data")));
  }
  o << "</table>";
}

void Facilities(Writer& w, const ReportParts& p) {
  w.out() << "<section class=\"break\">";
  FacilityTable(w, p, p.now.most_saturated, w.T("saturated"));
  FacilityTable(w, p, p.now.most_underused, w.T("underused"));
  w.out() << "</section>";
}

void Pricing(Writer& w, const ReportParts& p, const PricingOptions& po) {
  auto& o = w.out();
  o << "<section><h2>" << w.T("pricing") << "</h2><p class=\"note\">"
    << fmt::format(fmt::runtime(w.T("pricing_note")), fmt::format("{:.0f}%", po.band_low * 100),
                   fmt::format("{:.0f}%", po.band_high * 100), Cny(po.step_fen), Cny(po.step_fen),
                   Cny(po.min_fen), Cny(po.max_fen))
    << "</p>";
  std::vector<const FacilityFigures*> rows;
  for (const auto& f : p.now.facilities) {
    if (f.suggested_fen_per_hour) rows.push_back(&f);
  }
  if (!rows.empty()) {
    o << "<table><tr><th>" << w.T("facility") << "</th><th>" << w.T("mean")
      << fmt::format(" ({:02}–{:02})", po.from_hour, po.to_hour) << "</th><th>" << w.T("price_now")
      << "</th><th>" << w.T("price_new") << "</th><th>" << w.T("action") << "</th></tr>";
  }
  // Changes first, the furthest from the band first.
  auto distance = [&](const FacilityFigures* f) {
    double m = *f->pricing_occupancy;
    return m > po.band_high ? m - po.band_high : (m < po.band_low ? po.band_low - m : 0.0);
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](auto* a, auto* b) { return distance(a) > distance(b); });
  int shown = 0;
  for (const auto* f : rows) {
    if (++shown > 20) break;
    std::string name = f->name.In(w.zh() ? "zh" : "en");
    o << fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"{}\">{}</td></tr>",
        Esc(name.empty() ? f->id : name), Pct(f->pricing_occupancy, w), Cny(*f->price_fen_per_hour),
        Cny(*f->suggested_fen_per_hour), f->pricing_action, w.T(f->pricing_action));
  }
  int no_tariff = 0;
  for (const auto& f : p.now.facilities) no_tariff += f.pricing_action == "no_tariff";
  if (!rows.empty()) o << "</table>";
  if (no_tariff > 0) {
    o << fmt::format("<p class=\"note\">{}: {}</p>", w.T("no_tariff_count"), no_tariff);
  }
  o << "</section>";
}

void Pressure(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section class=\"break\"><h2>" << w.T("pressure") << "</h2>";
  std::vector<LatLon> pts;
  int64_t max_cap = 1;
  for (const auto& d : p.now.pressure) {
    pts.push_back(d.centre);
    max_cap = std::max(max_cap, d.capacity);
  }
  if (std::count_if(pts.begin(), pts.end(), Located) > 1) {
    auto proj = Projection::Fit(pts, 640, 300, 48);
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"300\" "
         "viewBox=\"0 0 640 300\" class=\"map\"><rect width=\"640\" height=\"300\" "
         "fill=\"#f4f6f8\"/>";
    for (const auto& d : p.now.pressure) {
      if (!Located(d.centre)) continue;
      auto [x, y] = proj(d.centre);
      double r = 6 + 24 * std::sqrt(static_cast<double>(d.capacity) / static_cast<double>(max_cap));
      o << fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.85\" "
          "stroke=\"#333\"/><text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" "
          "text-anchor=\"middle\">{} {}</text>",
          x, y, r, HeatColour(d.mean_occupancy), x, y + r + 11,
          Esc(DistrictName(p.now, d.district, w)), Pct(d.mean_occupancy, w));
    }
    o << "</svg>";
  }
  o << "<table><tr><th>" << w.T("district") << "</th><th>" << w.T("capacity") << "</th><th>"
    << w.T("mean") << "</th><th>" << w.T("peak") << "</th><th>" << w.T("sat_hours") << "</th><th>"
    << w.T("previous") << "</th></tr>";
  for (const auto& d : p.now.pressure) {
    std::optional<double> prev;
    for (const auto& q : p.prev.pressure) {
      if (q.district == d.district) prev = q.mean_occupancy;
    }
    o << fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{} {}</td></tr>",
        Esc(DistrictName(p.now, d.district, w)), d.capacity, Pct(d.mean_occupancy, w),
        Pct(d.peak_occupancy, w), Num(d.saturated_hours), Pct(prev, w),
        DeltaPts(d.mean_occupancy, prev));
  }
  o << "</table></section>";
}

void OnStreetSection(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  const auto &s = p.now.on_street, &t = p.prev.on_street;
  o << "<section class=\"break\"><h2>" << w.T("onstreet") << "</h2>";
  o << "<table><tr><th></th><th>" << w.T("week") << "</th><th>" << w.T("previous") << "</th></tr>";
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("bays"), s.bays_reporting, t.bays_reporting);
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("sessions"), s.sessions, t.sessions);
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("turnover"), OptNum(s.turnover_per_bay_day, w, 2),
                   OptNum(t.turnover_per_bay_day, w, 2));
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("dwell"), OptNum(s.mean_dwell_minutes, w), OptNum(t.mean_dwell_minutes, w));
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table>",
                   w.T("overstays"), s.overstays, t.overstays);
  if (!s.points.empty()) {
    std::vector<LatLon> pts;
    int64_t most = 1;
    for (const auto& q : s.points) {
      pts.push_back(q.location);
      most = std::max(most, q.overstays);
    }
    auto proj = Projection::Fit(pts, 640, 340);
    o << "<h3>" << w.T("overstay_map") << "</h3>"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"340\" "
         "viewBox=\"0 0 640 340\" class=\"map\"><rect width=\"640\" height=\"340\" "
         "fill=\"#f4f6f8\"/>";
    for (const auto& q : s.points) {
      if (!Located(q.location)) continue;
      auto [x, y] = proj(q.location);
      double r = 1.5 + 5 * std::sqrt(static_cast<double>(q.overstays) / static_cast<double>(most));
      o << fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"#c0392b\" fill-opacity=\"0.55\">"
          "<title>{} × {}</title></circle>",
          x, y, r, Esc(q.bay), q.overstays);
    }
    o << "</svg>";
  }
  if (!s.zones.empty()) {
    o << "<table><tr><th>" << w.T("zone") << "</th><th>" << w.T("bays") << "</th><th>"
      << w.T("sessions") << "</th><th>" << w.T("dwell") << "</th><th>" << w.T("overstays")
      << "</th></tr>";
    int n = 0;
    for (const auto& z : s.zones) {
      if (++n > 12) break;
      std::string name = z.name.In(w.zh() ? "zh" : "en");
      o << fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td></tr>",
          Esc(name.empty() ? z.zone : name), z.bays, z.sessions, OptNum(z.mean_dwell_minutes, w),
          z.overstays);
    }
    o << "</table>";
  }
  o << "</section>";
}

void Ev(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section class=\"break\"><h2>" << w.T("ev") << "</h2>";
  o << "<table><tr><th>" << w.T("district") << "</th><th>" << w.T("sites") << "</th><th>"
    << w.T("connectors") << "</th><th>" << w.T("utilisation") << "</th><th>" << w.T("availability")
    << "</th><th>" << w.T("fault_hours") << "</th><th>" << w.T("mttr") << "</th><th>"
    << w.T("previous") << " " << w.T("utilisation") << "</th></tr>";
  for (const auto& d : p.now.ev_districts) {
    std::optional<double> prev;
    for (const auto& q : p.prev.ev_districts) {
      if (q.district == d.district) prev = q.utilisation;
    }
    o << fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{} {}</td></tr>",
        Esc(DistrictName(p.now, d.district, w)), d.sites, d.connectors, Pct(d.utilisation, w),
        Pct(d.availability, w),
        d.status_recorded ? Num(d.fault_hours) : std::string(w.T("not_recorded")),
        d.status_recorded ? OptNum(d.mean_hours_to_restore, w) : std::string(w.T("not_recorded")),
        Pct(prev, w), DeltaPts(d.utilisation, prev));
  }
  o << "</table>";
  std::vector<const EvSite*> sites;
  for (const auto& s : p.now.ev_sites) {
    if (s.utilisation) sites.push_back(&s);
  }
  std::stable_sort(sites.begin(), sites.end(),
                   [](auto* a, auto* b) { return *a->utilisation > *b->utilisation; });
  if (!sites.empty()) {
    o << "<h3>" << w.T("top_sites") << "</h3><svg xmlns=\"http://www.w3.org/2000/svg\" "
      << fmt::format("width=\"640\" height=\"{}\">", 18 * std::min<size_t>(sites.size(), 12) + 4);
    for (size_t i = 0; i < sites.size() && i < 12; ++i) {
      const EvSite& s = *sites[i];
      double bar = 330 * *s.utilisation;
      std::string name = s.name.In(w.zh() ? "zh" : "en");
      o << fmt::format(
          "<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text><rect x=\"170\" y=\"{}\" "
          "width=\"{:.1f}\" height=\"13\" fill=\"#2c7fb8\"/><text x=\"{:.1f}\" y=\"{}\" "
          "font-size=\"11\">{} · {} {}</text>",
          18 * i + 13, Esc(name.empty() ? s.site : name), 18 * i + 3, bar, 175 + bar, 18 * i + 13,
          Pct(s.utilisation, w), s.connectors, w.T("connectors"));
    }
    o << "</svg>";
  }
  // The sites that spent longest out of order, where status history exists.
  std::vector<const EvSite*> faulty;
  for (const auto& s : p.now.ev_sites) {
    if (s.status_recorded && s.fault_hours > 0) faulty.push_back(&s);
  }
  std::stable_sort(faulty.begin(), faulty.end(),
                   [](auto* a, auto* b) { return a->fault_hours > b->fault_hours; });
  if (!faulty.empty()) {
    o << "<h3>" << w.T("faulty_sites") << "</h3><table><tr><th>" << w.T("site") << "</th><th>"
      << w.T("district") << "</th><th>" << w.T("fault_hours") << "</th><th>" << w.T("restored")
      << "</th><th>" << w.T("mttr") << "</th><th>" << w.T("availability") << "</th></tr>";
    for (size_t i = 0; i < faulty.size() && i < 10; ++i) {
      const EvSite& s = *faulty[i];
      std::string name = s.name.In(w.Lang());
      o << fmt::format(
          "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
          "class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
          Esc(name.empty() ? s.site : name), Esc(DistrictName(p.now, s.district, w)),
          Num(s.fault_hours), s.faults_restored, OptNum(s.mean_hours_to_restore, w),
          Pct(s.availability, w));
    }
    o << "</table>";
  }
  o << "</section>";
}

void BuildOut(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section><h2>" << w.T("buildout") << "</h2>";
  // Districts with chargers in the programme or a target; others have nothing to show.
  std::vector<BuildOutDistrict> rows;
  for (const auto& b : p.now.build_out) {
    if (b.planned + b.under_construction + b.in_service + b.retired > 0 || b.target.in_service ||
        b.target.total) {
      rows.push_back(b);
    }
  }
  int most = 1;
  for (const auto& b : rows) {
    most = std::max({most, b.planned + b.under_construction + b.in_service,
                     b.target.total.value_or(0), b.target.in_service.value_or(0)});
  }
  if (!rows.empty()) {
    o << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"{}\">",
                     22 * rows.size() + 20);
    double k = 440.0 / most;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& b = rows[i];
      double y = 22.0 * static_cast<double>(i);
      double x = 140;
      o << fmt::format("<text x=\"0\" y=\"{:.0f}\" font-size=\"11\">{}</text>", y + 13,
                       Esc(DistrictName(p.now, b.district, w)));
      const std::pair<int, const char*> parts[] = {
          {b.in_service, "#1a9850"}, {b.under_construction, "#fdae61"}, {b.planned, "#abd9e9"}};
      for (const auto& [n, colour] : parts) {
        o << fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"15\" fill=\"{}\"/>", x,
            y + 2, n * k, colour);
        x += n * k;
      }
      if (b.target.in_service) {
        double tx = 140 + *b.target.in_service * k;
        o << fmt::format(
            "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.0f}\" y2=\"{:.0f}\" stroke=\"#000\" "
            "stroke-width=\"2\"/>",
            tx, tx, y, y + 19);
      }
    }
    double ly = 22.0 * static_cast<double>(rows.size()) + 12;
    o << fmt::format(
        "<rect x=\"140\" y=\"{0:.0f}\" width=\"10\" height=\"10\" fill=\"#1a9850\"/><text "
        "x=\"154\" y=\"{1:.0f}\" font-size=\"10\">{2}</text><rect x=\"260\" y=\"{0:.0f}\" "
        "width=\"10\" height=\"10\" fill=\"#fdae61\"/><text x=\"274\" y=\"{1:.0f}\" "
        "font-size=\"10\">{3}</text><rect x=\"400\" y=\"{0:.0f}\" width=\"10\" height=\"10\" "
        "fill=\"#abd9e9\"/><text x=\"414\" y=\"{1:.0f}\" font-size=\"10\">{4}</text>",
        ly - 9, ly, w.T("in_service"), w.T("construction"), w.T("planned"));
    o << "</svg>";
  }
  o << "<table><tr><th>" << w.T("district") << "</th><th>" << w.T("planned") << "</th><th>"
    << w.T("construction") << "</th><th>" << w.T("in_service") << "</th><th>" << w.T("target")
    << "</th></tr>";
  auto opt = [](const std::optional<int>& v) { return v ? fmt::format("{}", *v) : "–"; };
  for (const auto& b : rows) {
    o << fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{} / {}</td></tr>",
        Esc(DistrictName(p.now, b.district, w)), b.planned, b.under_construction, b.in_service,
        opt(b.target.in_service), opt(b.target.total));
  }
  o << "</table><h3>" << w.T("changes") << "</h3>";
  if (p.now.build_out_changes.empty()) {
    o << "<p class=\"note\">" << w.T("no_changes") << "</p>";
  } else {
    o << "<ul>";
    for (const auto& c : p.now.build_out_changes) {
      std::string_view to = c.to == model::Lifecycle::kPlanned             ? w.T("planned")
                            : c.to == model::Lifecycle::kUnderConstruction ? w.T("construction")
                            : c.to == model::Lifecycle::kInService         ? w.T("in_service")
                                                                           : "retired";
      o << fmt::format("<li>{} · {} · {} → {}</li>", c.date, Esc(c.district), Esc(c.charger), to);
    }
    o << "</ul>";
  }
  o << "</section>";
}

// A count the week has, or "not recorded".
std::string CountOrNotRecorded(const std::optional<int64_t>& v, Writer& w) {
  return v ? fmt::format("{}", *v) : std::string(w.T("not_recorded"));
}

// Each source's uptime, silences and counters, with its uptime the week before.
void SourceTable(Writer& w, const DataQuality& q, const DataQuality& r) {
  auto& o = w.out();
  if (q.sources.empty()) return;
  o << "<table><tr><th>" << w.T("source") << "</th><th>" << w.T("uptime") << "</th><th>"
    << w.T("silent") << "</th><th>" << w.T("hours") << "</th><th>" << w.T("anomalies_col")
    << "</th><th>" << w.T("corrections_col") << "</th><th>" << w.T("previous") << " "
    << w.T("uptime") << "</th></tr>";
  for (const auto& s : q.sources) {
    std::optional<double> prev;
    for (const auto& t : r.sources) {
      if (t.source == s.source) prev = t.uptime;
    }
    o << fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        Esc(s.source), Pct(s.uptime, w), s.silent_periods, Num(s.silent_hours),
        CountOrNotRecorded(s.anomalies, w), CountOrNotRecorded(s.corrections, w), Pct(prev, w));
  }
  o << "</table>";
}

// Silences, dead letters, anomalies and corrections of the week and the week before.
void QualityTotals(Writer& w, const DataQuality& q, const DataQuality& r) {
  auto& o = w.out();
  o << "<table>";
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{} ({} {})</td><td class=\"n\">{}</td></tr>",
                   w.T("silent"), q.facility_silent_periods, Num(q.facility_silent_hours),
                   w.T("hours"), r.facility_silent_periods);
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("dead_letters"), q.dead_letters, r.dead_letters);
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("anomalies"), CountOrNotRecorded(q.anomalies, w),
                   CountOrNotRecorded(r.anomalies, w));
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table>",
                   w.T("corrections"), CountOrNotRecorded(q.corrections, w),
                   CountOrNotRecorded(r.corrections, w));
}

// The name of facility `id` in the report's language; the id for a charging site or no name.
std::string NameOrId(const WeekFigures& week, const std::string& id, bool charger_site, Writer& w) {
  const FacilityFigures* f = charger_site ? nullptr : week.Facility(id);
  std::string name = f ? f->name.In(w.Lang()) : std::string();
  return name.empty() ? id : name;
}

// The first 12 frozen counts, and the facilities with the longest silences; nothing for none.
void FrozenAndGaps(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  const auto& q = p.now.quality;
  if (!q.frozen.empty()) {
    o << "<h3>" << w.T("frozen") << "</h3><table><tr><th>" << w.T("facility") << " / "
      << w.T("site") << "</th><th>" << w.T("frozen_hours") << "</th><th>" << w.T("stuck_at")
      << "</th></tr>";
    size_t n = 0;
    for (const auto& f : q.frozen) {
      if (++n > 12) break;
      o << fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.0f} / {}</td></tr>",
          Esc(NameOrId(p.now, f.id, f.charger_site, w)), Num(f.frozen_hours), f.value, f.capacity);
    }
    o << "</table>";
  }
  if (!q.worst_facilities.empty()) {
    o << "<h3>" << w.T("worst_gaps") << "</h3><table><tr><th>" << w.T("facility") << "</th><th>"
      << w.T("unknown") << "</th><th>" << w.T("silent") << "</th><th>" << w.T("hours")
      << "</th></tr>";
    for (const auto& g : q.worst_facilities) {
      o << fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
          "class=\"n\">{}</td></tr>",
          Esc(NameOrId(p.now, g.id, false, w)), Pct(g.unknown_share, w), g.silent_periods,
          Num(g.silent_hours));
    }
    o << "</table>";
  }
}

// The signs' uptime, offline hours, overrides and contents against the week before.
void SignsTable(Writer& w, const SignFigures& s, const SignFigures& t) {
  auto& o = w.out();
  o << "<h3>" << w.T("signs") << "</h3>";
  if (s.signs == 0) {
    o << "<p class=\"note\">" << w.T("no_signs") << "</p>";
    return;
  }
  o << "<table><tr><th></th><th>" << w.T("week") << "</th><th>" << w.T("previous") << "</th></tr>";
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("sign_uptime"), Pct(s.uptime, w), Pct(t.uptime, w));
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("offline_hours"), Num(s.offline_hours), Num(t.offline_hours));
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                   w.T("overrides"), s.overrides, t.overrides);
  o << fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table>",
                   w.T("contents"), s.contents_published, t.contents_published);
}

// The data quality section, with the signs'.
void Quality(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section class=\"break\"><h2>" << w.T("quality") << "</h2>";
  SourceTable(w, p.now.quality, p.prev.quality);
  QualityTotals(w, p.now.quality, p.prev.quality);
  FrozenAndGaps(w, p);
  SignsTable(w, p.now.signs, p.prev.signs);
  o << "</section>";
}

void Forecast(Writer& w, const ReportParts& p) {
  auto& o = w.out();
  o << "<section><h2>" << w.T("forecast") << "</h2>";
  if (p.now.forecast.horizons.empty()) {
    o << "<p class=\"note\">" << w.T("no_data") << ": " << Esc(p.now.forecast.note) << "</p>";
  } else {
    o << "<table><tr><th>" << w.T("horizon") << "</th><th>" << w.T("model") << "</th><th>"
      << w.T("persistence") << "</th><th>" << w.T("pairs") << "</th><th>" << w.T("previous") << " ("
      << w.T("model") << ")</th></tr>";
    for (const auto& h : p.now.forecast.horizons) {
      std::string prev = "–";
      for (const auto& g : p.prev.forecast.horizons) {
        if (g.minutes == h.minutes) prev = fmt::format("{:.1f}%", g.mae_model * 100);
      }
      o << fmt::format(
          "<tr><td>{} {}</td><td class=\"n\">{:.1f}%</td><td class=\"n\">{:.1f}%</td><td "
          "class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
          h.minutes, w.T("minutes"), h.mae_model * 100, h.mae_persistence * 100, h.pairs, prev);
    }
    o << "</table>";
  }
  o << "</section>";
}

}  // namespace

std::string RenderReportHtml(const WeekFigures& week, const WeekFigures& previous,
                             std::string_view lang, Timestamp generated) {
  Writer w(lang, ReportWords());
  ReportParts p{week, previous};
  auto zone = LookupTimeZone(week.time_zone);
  auto local = [&](Timestamp t) {
    if (!zone.ok()) return FormatRfc3339Utc(t);
    LocalTime l = ToLocal(t, **zone);
    return fmt::format("{:04}-{:02}-{:02}", l.year, l.month, l.day);
  };
  auto& o = w.out();
  std::string city = week.city_name.In(w.zh() ? "zh" : "en");
  if (city.empty()) city = week.city_id;
  html::BeginDocument(w, fmt::format("{} · {} · {}", city, w.T("title"), week.week.Label()));
  o << "<header><h1>" << Esc(city) << " · " << w.T("title") << "</h1><div class=\"meta\">"
    << w.T("week") << " " << week.week.Label() << " (" << local(week.week.start) << " – "
    << local(week.week.end - std::chrono::hours(12)) << ") · " << w.T("scope") << ": "
    << Esc(DistrictName(week, week.district, w, /*scope=*/true)) << " · " << w.T("previous") << ": "
    << previous.week.Label() << "</div></header>";
  Kpis(w, p);
  HeatMaps(w, p);
  Facilities(w, p);
  Pricing(w, p, week.pricing);
  Pressure(w, p);
  OnStreetSection(w, p);
  Ev(w, p);
  BuildOut(w, p);
  Quality(w, p);
  Forecast(w, p);
  o << "<footer>" << w.T("generated") << ": "
    << (zone.ok() ? FormatRfc3339(std::chrono::floor<Seconds>(generated), **zone)
                  : FormatRfc3339Utc(std::chrono::floor<Seconds>(generated)))
    << " · " << w.T("method") << " · parkguide</footer></body></html>\n";
  return o.str();
}

}  // namespace pg::analytics
