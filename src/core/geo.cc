#include "core/geo.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

#include "core/strings.h"

namespace pg {
namespace {
constexpr double kEarthRadiusM = 6371008.8;
constexpr double kDegToRad = std::numbers::pi / 180.0;
}  // namespace

Status ValidateLatLon(const LatLon& p, std::string_view field) {
  if (!(p.lat >= -90 && p.lat <= 90)) {
    return InvalidArgument(fmt::format("latitude {} is outside [-90, 90]", p.lat), std::string(field));
  }
  if (!(p.lon >= -180 && p.lon <= 180)) {
    return InvalidArgument(fmt::format("longitude {} is outside [-180, 180]", p.lon),
                           std::string(field));
  }
  return Status::Ok();
}

Result<LatLon> ParseLatLon(std::string_view text, std::string_view field) {
  auto parts = SplitString(text, ',');
  if (parts.size() != 2) {
    return InvalidArgument(fmt::format("'{}' is not 'lat,lon'", text), std::string(field));
  }
  LatLon p;
  auto lat = ParseDouble(parts[0]);
  auto lon = ParseDouble(parts[1]);
  if (!lat || !lon) {
    return InvalidArgument(fmt::format("'{}' is not 'lat,lon' with decimal degrees", text),
                           std::string(field));
  }
  p.lat = *lat;
  p.lon = *lon;
  PG_RETURN_IF_ERROR(ValidateLatLon(p, field));
  return p;
}

double HaversineMeters(const LatLon& a, const LatLon& b) {
  double dlat = (b.lat - a.lat) * kDegToRad;
  double dlon = (b.lon - a.lon) * kDegToRad;
  double s = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * kDegToRad) * std::cos(b.lat * kDegToRad) * std::sin(dlon / 2) *
                 std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(s)));
}

void BoundingBox::Extend(const LatLon& p) {
  min_lat = std::min(min_lat, p.lat);
  max_lat = std::max(max_lat, p.lat);
  min_lon = std::min(min_lon, p.lon);
  max_lon = std::max(max_lon, p.lon);
}

Result<BoundingBox> ParseBoundingBox(std::string_view text, std::string_view field) {
  auto parts = SplitString(text, ',');
  if (parts.size() != 4) {
    return InvalidArgument(
        fmt::format("'{}' is not 'min_lon,min_lat,max_lon,max_lat' (4 numbers)", text),
        std::string(field));
  }
  double v[4];
  for (int i = 0; i < 4; ++i) {
    auto d = ParseDouble(parts[i]);
    if (!d) {
      return InvalidArgument(fmt::format("'{}' is not a number", parts[i]), std::string(field));
    }
    v[i] = *d;
  }
  BoundingBox box{v[1], v[0], v[3], v[2]};
  PG_RETURN_IF_ERROR(ValidateLatLon({box.min_lat, box.min_lon}, field));
  PG_RETURN_IF_ERROR(ValidateLatLon({box.max_lat, box.max_lon}, field));
  if (box.min_lat > box.max_lat || box.min_lon > box.max_lon) {
    return InvalidArgument("minimum exceeds maximum", std::string(field));
  }
  return box;
}

LatLon RingCentroid(std::span<const LatLon> ring) {
  PG_ASSERT(!ring.empty());
  // Work in a local planar frame around the first vertex to keep the shoelace formula precise.
  const LatLon origin = ring[0];
  const double kx = std::cos(origin.lat * kDegToRad);
  double area2 = 0, cx = 0, cy = 0;
  size_t n = ring.size();
  for (size_t i = 0; i < n; ++i) {
    const LatLon& a = ring[i];
    const LatLon& b = ring[(i + 1) % n];
    double ax = (a.lon - origin.lon) * kx, ay = a.lat - origin.lat;
    double bx = (b.lon - origin.lon) * kx, by = b.lat - origin.lat;
    double cross = ax * by - bx * ay;
    area2 += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (std::abs(area2) < 1e-18) {
    LatLon mean;
    for (const auto& p : ring) {
      mean.lat += p.lat;
      mean.lon += p.lon;
    }
    mean.lat /= static_cast<double>(n);
    mean.lon /= static_cast<double>(n);
    return mean;
  }
  cx /= 3 * area2;
  cy /= 3 * area2;
  return {origin.lat + cy, origin.lon + cx / kx};
}

bool RingContains(std::span<const LatLon> ring, const LatLon& p) {
  bool inside = false;
  size_t n = ring.size();
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    const LatLon& a = ring[i];
    const LatLon& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat) &&
        p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon) {
      inside = !inside;
    }
  }
  return inside;
}

double DistanceToPolylineMeters(std::span<const LatLon> line, const LatLon& p) {
  PG_ASSERT(!line.empty());
  const double ky = kEarthRadiusM * kDegToRad;
  const double kx = ky * std::cos(p.lat * kDegToRad);
  auto project = [&](const LatLon& q) {
    return std::pair<double, double>{(q.lon - p.lon) * kx, (q.lat - p.lat) * ky};
  };
  auto [x0, y0] = project(line[0]);
  double best = std::hypot(x0, y0);
  for (size_t i = 1; i < line.size(); ++i) {
    auto [ax, ay] = project(line[i - 1]);
    auto [bx, by] = project(line[i]);
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
    best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

}  // namespace pg
