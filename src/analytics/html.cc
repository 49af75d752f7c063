#include "analytics/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace pg::analytics::html {

std::string Esc(std::string_view s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&':
        r += "&amp;";
        break;
      case '<':
        r += "&lt;";
        break;
      case '>':
        r += "&gt;";
        break;
      case '"':
        r += "&quot;";
        break;
      default:
        r += c;
    }
  }
  return r;
}

std::string HeatColour(const std::optional<double>& v) {
  if (!v) return "#e5e5e5";
  struct Stop {
    double at;
    int r, g, b;
  };
  static constexpr Stop kStops[] = {{0.0, 255, 255, 204},
                                    {0.4, 254, 217, 118},
                                    {0.6, 253, 141, 60},
                                    {0.8, 227, 26, 28},
                                    {1.0, 128, 0, 38}};
  double x = std::clamp(*v, 0.0, 1.0);
  for (size_t i = 1; i < std::size(kStops); ++i) {
    if (x <= kStops[i].at) {
      const Stop& a = kStops[i - 1];
      const Stop& b = kStops[i];
      double f = (x - a.at) / (b.at - a.at);
      return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(a.r + f * (b.r - a.r)),
                         static_cast<int>(a.g + f * (b.g - a.g)),
                         static_cast<int>(a.b + f * (b.b - a.b)));
    }
  }
  return "#800026";
}

Projection Projection::Fit(const std::vector<LatLon>& pts, int width, int height, int margin) {
  Projection p;
  p.margin = margin;
  p.width = width;
  p.height = height;
  if (pts.empty()) return p;
  bool first = true;
  for (const auto& q : pts) {
    if (!Located(q)) continue;
    if (first) {
      p.lat0 = p.lat1 = q.lat;
      p.lon0 = p.lon1 = q.lon;
      first = false;
    }
    p.lat0 = std::min(p.lat0, q.lat);
    p.lat1 = std::max(p.lat1, q.lat);
    p.lon0 = std::min(p.lon0, q.lon);
    p.lon1 = std::max(p.lon1, q.lon);
  }
  double kx = std::cos((p.lat0 + p.lat1) / 2 * M_PI / 180);
  double w = std::max((p.lon1 - p.lon0) * kx, 1e-6), h = std::max(p.lat1 - p.lat0, 1e-6);
  p.k = std::min((width - 2 * margin) / w, (height - 2 * margin) / h);
  return p;
}

std::pair<double, double> Projection::operator()(LatLon q) const {
  double kx = std::cos((lat0 + lat1) / 2 * M_PI / 180);
  return {margin + (q.lon - lon0) * kx * k, height - margin - (q.lat - lat0) * k};
}

std::string_view Style() {
  static constexpr std::string_view kStyle = R"css(
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei",
  "DejaVu Sans", sans-serif; color: #1d2a36; margin: 0 auto; max-width: 190mm; font-size: 12px; }
header { border-bottom: 3px solid #c0392b; margin-bottom: 10px; padding-bottom: 6px; }
header h1 { margin: 0; font-size: 24px; }
header .meta { color: #555; margin-top: 4px; }
h2 { font-size: 16px; border-left: 4px solid #2c7fb8; padding-left: 6px; margin: 16px 0 8px; }
h3 { font-size: 13px; margin: 10px 0 4px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
.card { border: 1px solid #d8dee4; border-radius: 6px; padding: 8px; background: #fafbfc; }
.card .label { color: #555; font-size: 11px; }
.card .value { font-size: 22px; font-weight: bold; margin: 2px 0; }
.card .prev { color: #666; font-size: 10px; }
.up { color: #c0392b; } .down { color: #1a7f37; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid #e3e7eb; padding: 3px 5px; text-align: left; }
th { background: #eef2f5; font-weight: 600; font-size: 11px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.raise { color: #c0392b; font-weight: bold; } td.lower { color: #1a7f37; font-weight: bold; }
.multiples { display: flex; flex-wrap: wrap; gap: 6px; }
figure { margin: 0; } figcaption { font-size: 11px; color: #333; }
.legend span { display: inline-block; padding: 1px 4px; font-size: 9px; margin-right: 1px; }
.note { color: #555; font-size: 11px; }
.map { border: 1px solid #d8dee4; }
section.break { break-before: auto; break-inside: avoid-page; }
section { break-inside: avoid-page; }
footer { margin-top: 16px; color: #777; font-size: 10px; border-top: 1px solid #ddd; padding-top: 4px; }
)css";
  return kStyle;
}

void BeginDocument(Writer& w, std::string_view title) {
  w.out() << "<!DOCTYPE html><html lang=\"" << (w.zh() ? "zh-CN" : "en")
          << "\"><head><meta charset=\"utf-8\"><title>" << Esc(title) << "</title><style>"
          << Style() << "</style></head><body>";
}

}  // namespace pg::analytics::html
