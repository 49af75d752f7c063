// Geographic vocabulary: WGS 84 points, boxes, distances and polygon helpers.
//
// Distances are metres on a spherical Earth (radius 6,371,008.8 m): within 0.5% of the ellipsoid,
// far inside what snapping, walking distances and map filters need.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace pg {

struct LatLon {
  double lat = 0;
  double lon = 0;
  friend bool operator==(const LatLon&, const LatLon&) = default;
};

// Errors: kInvalidArgument when lat is outside [-90, 90] or lon outside [-180, 180] or NaN.
Status ValidateLatLon(const LatLon& p, std::string_view field);

// Parses "lat,lon" (as in ?dest=34.03,113.85). Errors: kInvalidArgument naming `field`.
Result<LatLon> ParseLatLon(std::string_view text, std::string_view field);

double HaversineMeters(const LatLon& a, const LatLon& b);

struct BoundingBox {
  double min_lat = 90, min_lon = 180, max_lat = -90, max_lon = -180;

  bool empty() const { return min_lat > max_lat; }
  bool Contains(const LatLon& p) const {
    return p.lat >= min_lat && p.lat <= max_lat && p.lon >= min_lon && p.lon <= max_lon;
  }
  void Extend(const LatLon& p);
  friend bool operator==(const BoundingBox&, const BoundingBox&) = default;
};

// Parses "min_lon,min_lat,max_lon,max_lat" (the GeoJSON / OGC order).
// Errors: kInvalidArgument naming `field` and what is wrong.
Result<BoundingBox> ParseBoundingBox(std::string_view text, std::string_view field);

// Area-weighted centroid of a simple closed ring (first point may or may not repeat at the end);
// the mean of the vertices when the ring is degenerate. REQUIRES: !ring.empty().
LatLon RingCentroid(std::span<const LatLon> ring);

// Even-odd rule point-in-ring test.
bool RingContains(std::span<const LatLon> ring, const LatLon& p);

// Distance in metres from p to the nearest point of the polyline (equirectangular projection
// around p: exact enough below a few kilometres). REQUIRES: !line.empty().
double DistanceToPolylineMeters(std::span<const LatLon> line, const LatLon& p);

}  // namespace pg
