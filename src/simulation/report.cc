#include "simulation/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace pg::simulation {
namespace {

using nlohmann::json;

json EstimateJson(const Estimate& e) {
  json j;
  j["value"] = e.value;
  j["ci95"] = e.ci95 ? json::array({e.ci95->first, e.ci95->second}) : json(nullptr);
  return j;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The report's words, by key, in zh and en.
const std::map<std::string, std::pair<const char*, const char*>>& Words() {
  static const std::map<std::string, std::pair<const char*, const char*>> kWords = {
      {"title", {"停车诱导仿真", "Parking guidance simulation"}},
      {"policy", {"策略", "Policy"}},
      {"none", {"无诱导", "none"}},
      {"signs", {"诱导屏", "signs"}},
      {"guidance", {"parkguide 诱导", "guidance"}},
      {"mean_search", {"平均寻位时间", "Mean search"}},
      {"p90_search", {"寻位时间 P90", "P90 search"}},
      {"cruise", {"巡游距离", "Cruising"}},
      {"walk", {"步行距离", "Walking"}},
      {"full", {"到达即满", "Full on arrival"}},
      {"late", {"20 分钟未停", "Not parked in 20 min"}},
      {"occupancy", {"实际占用率", "Realised occupancy"}},
      {"cdf", {"寻位时间累积分布", "Search time, cumulative"}},
      {"hist", {"寻位时间分布（每分钟）", "Search time distribution (per minute)"}},
      {"map",
       {"巡游热力（寻位时驶过的路段）",
        "Where cruising happens (segments driven while searching)"}},
      {"minutes", {"分钟", "minutes"}},
      {"share", {"已停比例", "share parked"}},
      {"ci",
       {"括号内为各随机种子间的 95% 置信区间。", "Brackets: 95% confidence interval over seeds."}},
      {"model",
       {"模型、参数与局限：docs/simulation.md。",
        "Model, parameters and limits: docs/simulation.md."}},
      {"drivers", {"驾驶人", "drivers"}},
      {"seeds", {"随机种子", "seeds"}},
      {"per_driver", {"每位驾驶人每种子米数", "metres per driver and seed"}},
  };
  return kWords;
}

struct Writer {
  bool zh = true;
  std::string T(const std::string& key) const {
    auto it = Words().find(key);
    if (it == Words().end()) return key;
    return zh ? it->second.first : it->second.second;
  }
};

const char* Colour(size_t i) {
  static const char* kColours[] = {"#c0392b", "#d68910", "#1e8449", "#2471a3", "#7d3c98"};
  return kColours[i % 5];
}

std::string Cell(const Estimate& e, double scale, int decimals, const char* unit) {
  std::string s = fmt::format("{:.{}f}{}", e.value * scale, decimals, unit);
  if (e.ci95) {
    s += fmt::format(" <small>[{:.{}f}, {:.{}f}]</small>", e.ci95->first * scale, decimals,
                     e.ci95->second * scale, decimals);
  }
  return s;
}

void Table(std::ostringstream& o, const Writer& w, const std::vector<PolicyMetrics>& ps) {
  o << "<table><tr><th>" << w.T("policy") << "</th><th>" << w.T("mean_search") << "</th><th>"
    << w.T("p90_search") << "</th><th>" << w.T("cruise") << "</th><th>" << w.T("walk")
    << "</th><th>" << w.T("full") << "</th><th>" << w.T("late") << "</th><th>" << w.T("occupancy")
    << "</th></tr>";
  for (const auto& p : ps) {
    o << "<tr><td>" << w.T(std::string(Name(p.policy))) << "</td><td>"
      << Cell(p.mean_search_s, 1, 0, " s") << "</td><td>" << Cell(p.p90_search_s, 1, 0, " s")
      << "</td><td>" << Cell(p.cruise_m, 1, 0, " m") << "</td><td>" << Cell(p.walk_m, 1, 0, " m")
      << "</td><td>" << Cell(p.full_on_arrival, 100, 1, "%") << "</td><td>"
      << Cell(p.not_parked_20min, 100, 1, "%") << "</td><td>"
      << fmt::format("{:.1f}%", p.occupancy_mean * 100) << "</td></tr>";
  }
  o << "</table><p><small>" << w.T("ci") << "</small></p>";
}

// Cumulative share parked by minute of search, one line per policy.
void Cdf(std::ostringstream& o, const Writer& w, const std::vector<PolicyMetrics>& ps) {
  constexpr double kW = 640, kH = 300, kL = 50, kB = 40, kMax = 45;
  o << "<h2>" << w.T("cdf") << "</h2>"
    << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">", kW, kH);
  auto x = [&](double min) { return kL + (kW - kL - 10) * min / kMax; };
  auto y = [&](double share) { return kH - kB - (kH - kB - 10) * share; };
  for (int m = 0; m <= 45; m += 5) {
    o << fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>",
        x(m), y(0), y(1), kH - kB + 15, m);
  }
  for (int s = 0; s <= 4; ++s) {
    o << fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}%</text>", kL - 5,
        y(s / 4.0) + 4, s * 25);
  }
  o << fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">{}</text>", kW / 2,
      kH - 5, w.T("minutes"));
  for (size_t i = 0; i < ps.size(); ++i) {
    std::vector<double> v = ps[i].search_s;
    std::sort(v.begin(), v.end());
    std::string path;
    for (int step = 0; step <= 270; ++step) {
      const double min = step / 6.0;
      const auto parked = std::upper_bound(v.begin(), v.end(), min * 60) - v.begin();
      const double share = v.empty() ? 0 : static_cast<double>(parked) / v.size();
      path += fmt::format("{}{:.1f},{:.1f} ", step == 0 ? "M" : "L", x(min), y(share));
    }
    o << fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", path,
                     Colour(i));
    o << fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" fill=\"{}\">{}</text>",
                     kW - 150, 30 + 16.0 * i, Colour(i),
                     Escape(w.T(std::string(Name(ps[i].policy)))));
  }
  o << "</svg>";
}

// Per policy, the share of searching drivers by whole minute of search (0–45).
void Histograms(std::ostringstream& o, const Writer& w, const std::vector<PolicyMetrics>& ps) {
  constexpr int kBins = 46;
  constexpr double kW = 320, kH = 160;
  o << "<h2>" << w.T("hist") << "</h2><div class=\"row\">";
  for (size_t i = 0; i < ps.size(); ++i) {
    std::vector<double> bins(kBins, 0);
    for (double s : ps[i].search_s) bins[std::min(kBins - 1, static_cast<int>(s / 60))] += 1;
    const double n = std::max<double>(1, ps[i].search_s.size());
    const double top = std::max(0.05, *std::max_element(bins.begin(), bins.end()) / n);
    o << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">", kW,
                     kH)
      << fmt::format("<text x=\"5\" y=\"14\" font-size=\"12\" fill=\"{}\">{}</text>", Colour(i),
                     Escape(w.T(std::string(Name(ps[i].policy)))));
    const double bw = (kW - 10) / kBins;
    for (int b = 0; b < kBins; ++b) {
      const double h = (kH - 40) * (bins[b] / n) / top;
      o << fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
          5 + b * bw, kH - 20 - h, bw * 0.9, h, Colour(i));
    }
    o << fmt::format(
        "<text x=\"5\" y=\"{}\" font-size=\"10\">0</text><text x=\"{:.0f}\" y=\"{}\" "
        "font-size=\"10\" text-anchor=\"end\">45+ {}</text>",
        kH - 5, kW - 5, kH - 5, w.T("minutes"));
    o << "</svg>";
  }
  o << "</div>";
}

// Per policy, the car segments driven while searching, coloured and widened by metres per
// driver and seed (one scale for every policy), over the grey streets around them.
void Maps(std::ostringstream& o, const Writer& w, const std::vector<PolicyMetrics>& ps,
          const routing::RoadNetwork& network) {
  const auto& g = network.View(graph::Mode::kCar);
  BoundingBox box;
  double top = 0;
  for (const auto& p : ps) {
    const double norm = std::max(1.0, p.drivers_per_seed * p.seeds);
    for (size_t s = 0; s < p.cruise_m_by_segment.size(); ++s) {
      if (p.cruise_m_by_segment[s] <= 0) continue;
      top = std::max(top, p.cruise_m_by_segment[s] / norm);
      for (const auto& pt : g.SegmentPoints(static_cast<uint32_t>(s))) box.Extend(pt.ToLatLon());
    }
  }
  if (box.empty() || top <= 0) return;
  const double pad = 0.003;
  box.min_lat -= pad, box.max_lat += pad, box.min_lon -= pad, box.max_lon += pad;
  const double kx = std::cos((box.min_lat + box.max_lat) / 2 * 3.14159265358979 / 180);
  const double width_deg = (box.max_lon - box.min_lon) * kx;
  const double height_deg = box.max_lat - box.min_lat;
  constexpr double kSize = 420;
  const double scale = kSize / std::max(width_deg, height_deg);
  const double W = width_deg * scale, H = height_deg * scale;
  auto polyline = [&](uint32_t s) {
    std::string pts;
    for (const auto& pt : g.SegmentPoints(s)) {
      const LatLon ll = pt.ToLatLon();
      pts += fmt::format("{:.1f},{:.1f} ", (ll.lon - box.min_lon) * kx * scale,
                         (box.max_lat - ll.lat) * scale);
    }
    return pts;
  };
  std::vector<uint32_t> inside;
  for (uint32_t s = 0; s < g.segment_count(); ++s) {
    const LatLon a = g.SegmentPoints(s).front().ToLatLon();
    if (box.Contains(a)) inside.push_back(s);
  }
  o << "<h2>" << w.T("map") << "</h2><div class=\"row\">";
  for (size_t i = 0; i < ps.size(); ++i) {
    const double norm = std::max(1.0, ps[i].drivers_per_seed * ps[i].seeds);
    o << fmt::format(
        "<div><p style=\"color:{}\">{}</p><svg xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"{:.0f}\" height=\"{:.0f}\" style=\"background:#fafafa\">",
        Colour(i), Escape(w.T(std::string(Name(ps[i].policy)))), W, H);
    for (uint32_t s : inside) {
      o << "<polyline points=\"" << polyline(s)
        << "\" fill=\"none\" stroke=\"#ccc\" stroke-width=\"0.7\"/>";
    }
    for (uint32_t s : inside) {
      if (s >= ps[i].cruise_m_by_segment.size() || ps[i].cruise_m_by_segment[s] <= 0) continue;
      const double v = std::sqrt(ps[i].cruise_m_by_segment[s] / norm / top);  // 0..1
      const int green = static_cast<int>(200 * (1 - v));
      o << fmt::format(
          "<polyline points=\"{}\" fill=\"none\" stroke=\"rgb(220,{},30)\" "
          "stroke-width=\"{:.1f}\" stroke-linecap=\"round\"/>",
          polyline(s), green, 1 + 4 * v);
    }
    o << "</svg></div>";
  }
  o << fmt::format("</div><p><small>{}: max {:.1f}</small></p>", w.T("per_driver"), top);
}

}  // namespace

std::string RenderJson(const ReportContext& context, const std::vector<PolicyMetrics>& ps) {
  json out = json::array();
  for (const auto& p : ps) {
    json j;
    j["policy"] = std::string(Name(p.policy));
    j["mean_search_s"] = EstimateJson(p.mean_search_s);
    j["p90_search_s"] = EstimateJson(p.p90_search_s);
    j["cruise_m"] = EstimateJson(p.cruise_m);
    j["walk_m"] = EstimateJson(p.walk_m);
    j["full_on_arrival"] = EstimateJson(p.full_on_arrival);
    j["not_parked_20min"] = EstimateJson(p.not_parked_20min);
    j["seeds"] = context.seeds;
    j["drivers"] = context.drivers;
    j["searched_share"] = p.searched_share;
    j["occupancy_requested"] = json::array({context.occupancy_low, context.occupancy_high});
    j["occupancy_mean"] = p.occupancy_mean;
    j["full_time_share"] = p.full_time_share;
    j["guidance_queries_per_driver"] = p.guidance_queries_per_driver;
    j["switches_per_driver"] = p.switches_per_driver;
    j["facilities"] = p.facilities;
    j["facilities_fed"] = p.facilities_fed;
    j["signs"] = p.signs;
    j["signs_generated"] = p.signs_generated;
    j["wall_s"] = p.wall_s;
    out.push_back(std::move(j));
  }
  return out.dump(2);
}

std::string RenderTable(const std::vector<PolicyMetrics>& ps) {
  auto cell = [](const Estimate& e, double scale, int decimals) {
    std::string s = fmt::format("{:.{}f}", e.value * scale, decimals);
    if (e.ci95) {
      s += fmt::format(" [{:.{}f},{:.{}f}]", e.ci95->first * scale, decimals,
                       e.ci95->second * scale, decimals);
    }
    return s;
  };
  std::string out = fmt::format("{:<9} {:>20} {:>20} {:>18} {:>16} {:>18} {:>18} {:>6} {:>7}\n",
                                "policy", "mean_search_s", "p90_search_s", "cruise_m", "walk_m",
                                "full_on_arrival_%", "not_parked_20min_%", "occ_%", "wall_s");
  for (const auto& p : ps) {
    out +=
        fmt::format("{:<9} {:>20} {:>20} {:>18} {:>16} {:>18} {:>18} {:>6.1f} {:>7.1f}\n",
                    Name(p.policy), cell(p.mean_search_s, 1, 0), cell(p.p90_search_s, 1, 0),
                    cell(p.cruise_m, 1, 0), cell(p.walk_m, 1, 0), cell(p.full_on_arrival, 100, 1),
                    cell(p.not_parked_20min, 100, 1), p.occupancy_mean * 100, p.wall_s);
  }
  return out;
}

}  // namespace pg::simulation

namespace pg::simulation {

std::string RenderHtml(const ReportContext& c, const std::vector<PolicyMetrics>& ps,
                       const routing::RoadNetwork& network) {
  Writer w;
  w.zh = c.lang != "en";
  std::ostringstream o;
  o << "<!DOCTYPE html><html lang=\"" << (w.zh ? "zh-CN" : "en")
    << "\"><head><meta charset=\"utf-8\">"
    << "<title>" << w.T("title") << " — " << Escape(c.city) << "</title><style>"
    << "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    << "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px "
       "8px;text-align:right}"
    << "th:first-child,td:first-child{text-align:left}.row{display:flex;flex-wrap:wrap;gap:12px}"
    << "small{color:#666}</style></head><body>";
  o << "<h1>" << w.T("title") << " — " << Escape(c.city) << "</h1>";
  std::string seeds;
  for (uint64_t s : c.seeds) seeds += (seeds.empty() ? "" : ",") + std::to_string(s);
  o << fmt::format("<p>{} {} · {} {} · {:.0f}–{:.0f}% · {} {:.1f} h · {}</p>", c.drivers,
                   w.T("drivers"), w.T("seeds"), seeds, c.occupancy_low * 100,
                   c.occupancy_high * 100, Escape(c.date), c.window_hours, Escape(c.db_path));
  o << "<p><small><code>" << Escape(c.command) << "</code><br>" << w.T("model") << "</small></p>";
  Table(o, w, ps);
  Cdf(o, w, ps);
  Histograms(o, w, ps);
  Maps(o, w, ps, network);
  o << "</body></html>\n";
  return o.str();
}

}  // namespace pg::simulation
