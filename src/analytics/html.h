// The pieces of parkguide's self-contained HTML documents (no external assets: inline CSS and
// SVG), shared by the weekly report (analytics/report.h) and the simulation report
// (simulation/report.h) so they look and read alike: a writer that speaks zh or en from a word
// table, escaping, the occupancy colour scale, the map projection and the print style.
//
//   html::Writer w("en", MyWords());
//   w.out() << "<h2>" << w.T("title") << "</h2>" << html::Esc(name);
//
// Thread-safety: a Writer is used by one thread; the functions are pure.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/geo.h"

namespace pg::analytics::html {

// Key → {zh, en}. Every key a document asks for must be there (a missing one is a programming
// error: Writer::T throws std::out_of_range).
using Words = std::map<std::string_view, std::pair<std::string_view, std::string_view>>;

class Writer {
 public:
  // `lang` is "zh" or "en" (anything but "zh" is English). REQUIRES: `words` outlives the writer.
  Writer(std::string_view lang, const Words& words) : zh_(lang == "zh"), words_(words) {}
  std::string_view Lang() const { return zh_ ? "zh" : "en"; }
  std::string_view T(std::string_view key) const {
    const auto& w = words_.at(key);
    return zh_ ? w.first : w.second;
  }
  bool zh() const { return zh_; }
  std::ostringstream& out() { return out_; }

 private:
  bool zh_;
  const Words& words_;
  std::ostringstream out_;
};

// `s` with &, <, > and " escaped for text and attribute values.
std::string Esc(std::string_view s);

// Yellow → orange → red as a share (0..1, clamped) rises; grey for none.
std::string HeatColour(const std::optional<double>& v);

// 0,0 is where an entry without a location sits; it is left off maps.
inline bool Located(LatLon q) { return q.lat != 0 || q.lon != 0; }

// Equirectangular projection of points into a width × height box with a margin (a city is
// small enough); points at 0,0 are ignored when fitting.
struct Projection {
  double lat0 = 0, lat1 = 0, lon0 = 0, lon1 = 0, k = 1;
  int width = 0, height = 0;
  int margin = 20;
  static Projection Fit(const std::vector<LatLon>& pts, int width, int height, int margin = 20);
  // SVG x, y of `q`.
  std::pair<double, double> operator()(LatLon q) const;
};

// The documents' CSS: A4 print layout, header, cards, tables, figures, notes, footer.
std::string_view Style();

// "<!DOCTYPE html>…<body>": the head of a document titled `title` (escaped here) in w's language.
void BeginDocument(Writer& w, std::string_view title);

}  // namespace pg::analytics::html
