#include "interchange/geojson_geometry.h"

#include <algorithm>
#include <cmath>

namespace pg::interchange {
namespace {

double Round7(double v) { return std::round(v * 1e7) / 1e7; }

// Twice the signed area in degrees²: positive when counterclockwise (x = lon, y = lat).
double SignedArea2(const std::vector<LatLon>& ring) {
  double sum = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    const LatLon& a = ring[i];
    const LatLon& b = ring[(i + 1) % ring.size()];
    sum += a.lon * b.lat - b.lon * a.lat;
  }
  return sum;
}

}  // namespace

nlohmann::json GeoJsonPosition(const LatLon& p) {
  return nlohmann::json::array({Round7(p.lon), Round7(p.lat)});
}

nlohmann::json GeoJsonPoint(const LatLon& p) {
  return {{"type", "Point"}, {"coordinates", GeoJsonPosition(p)}};
}

std::optional<nlohmann::json> GeoJsonPolygon(std::vector<LatLon> ring) {
  if (ring.size() > 1 && ring.front() == ring.back()) ring.pop_back();
  if (ring.size() < 3 || SignedArea2(ring) == 0) return std::nullopt;
  if (SignedArea2(ring) < 0) std::reverse(ring.begin(), ring.end());
  nlohmann::json coords = nlohmann::json::array();
  for (const LatLon& p : ring) coords.push_back(GeoJsonPosition(p));
  coords.push_back(GeoJsonPosition(ring.front()));
  return nlohmann::json{{"type", "Polygon"}, {"coordinates", nlohmann::json::array({coords})}};
}

}  // namespace pg::interchange
