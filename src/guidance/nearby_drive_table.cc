#include "guidance/nearby_drive_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "routing/route_query.h"

namespace pg::guidance {

using routing::SnappedPoint;

double WalkReachM(double walk_m) { return walk_m * 1.02 + 50; }

namespace {

// Planar metres around the points' south-west corner, only to put points into grid cells and to
// pick each cell's targets (with a margin); every distance that decides a pair is a haversine.
// Whatever the binning misses, the table leaves out and Find reports (never a wrong time).
class Grid {
 public:
  Grid(std::span<const SnappedPoint> points, double cell_m) : cell_m_(cell_m) {
    BoundingBox box;
    for (const SnappedPoint& p : points) box.Extend(p.location);
    origin_ = {box.min_lat, box.min_lon};
    constexpr double kMetresPerDegree = 6'371'008.8 * 3.14159265358979323846 / 180;
    m_per_lat_ = kMetresPerDegree;
    m_per_lon_ = kMetresPerDegree * std::cos((box.min_lat + box.max_lat) / 2 * kPiOver180);
    for (uint32_t i = 0; i < points.size(); ++i) cells_[CellOf(points[i].location)].push_back(i);
  }

  using Cell = std::pair<int, int>;
  const std::map<Cell, std::vector<uint32_t>>& cells() const { return cells_; }

  Cell CellOf(const LatLon& p) const {
    auto [x, y] = Metres(p);
    return {static_cast<int>(std::floor(x / cell_m_)), static_cast<int>(std::floor(y / cell_m_))};
  }

  // Calls visit(i) for every point within about `radius_m` of cell c (planar, 1% and 10 m
  // more than asked for: the projection's error over a city).
  template <typename Visit>
  void ForEachNear(const Cell& c, double radius_m, Visit&& visit) const {
    const double r = radius_m * 1.01 + 10;
    const int span = static_cast<int>(std::ceil(r / cell_m_));
    for (int x = c.first - span; x <= c.first + span; ++x) {
      for (int y = c.second - span; y <= c.second + span; ++y) {
        auto it = cells_.find({x, y});
        if (it == cells_.end() || GapM(c, it->first) > r) continue;
        for (uint32_t i : it->second) visit(i);
      }
    }
  }

 private:
  static constexpr double kPiOver180 = 3.14159265358979323846 / 180;

  std::pair<double, double> Metres(const LatLon& p) const {
    return {(p.lon - origin_.lon) * m_per_lon_, (p.lat - origin_.lat) * m_per_lat_};
  }
  // The shortest distance between two cells' squares.
  double GapM(const Cell& a, const Cell& b) const {
    const double dx = std::max(0, std::abs(a.first - b.first) - 1) * cell_m_;
    const double dy = std::max(0, std::abs(a.second - b.second) - 1) * cell_m_;
    return std::hypot(dx, dy);
  }

  double cell_m_;
  LatLon origin_;
  double m_per_lat_ = 0, m_per_lon_ = 0;
  std::map<Cell, std::vector<uint32_t>> cells_;
};

// What Build works from: each car point's place, each place's reach (-1: no foot point, never a
// candidate).
struct Points {
  std::vector<uint32_t> place_of;
  std::vector<double> reach_m;
  double max_reach_m = 0;
};

Points Index(std::span<const SnappedPoint> car_snaps,
             std::span<const NearbyDriveTable::PlacePoints> places) {
  Points out;
  out.place_of.assign(car_snaps.size(), 0);
  out.reach_m.assign(places.size(), -1);
  for (uint32_t p = 0; p < places.size(); ++p) {
    if (places[p].foot_points.empty()) continue;
    double reach = 0;
    for (uint32_t c : places[p].car_points) {
      out.place_of[c] = p;
      for (const LatLon& f : places[p].foot_points) {
        reach = std::max(reach, HaversineMeters(car_snaps[c].location, f));
      }
    }
    out.reach_m[p] = reach;
    out.max_reach_m = std::max(out.max_reach_m, reach);
  }
  return out;
}

// The places a row of a point of `cell` may hold (Points::reach_m ≥ 0, a car point within
// `radius_m`), in place order.
std::vector<uint32_t> PlacesNear(const Grid& grid, const Grid::Cell& cell, double radius_m,
                                 const Points& points) {
  std::vector<uint32_t> out;
  grid.ForEachNear(cell, radius_m, [&](uint32_t c) {
    if (points.reach_m[points.place_of[c]] >= 0) out.push_back(points.place_of[c]);
  });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Car point e's row: the places of `near` within the invariant's distance of e, with the drive to
// the quickest of all their car points — one one-to-many search (restricted PHAST: the targets
// change with every row) over their car points.
std::vector<NearbyDriveTable::Entry> Row(uint32_t e, std::span<const uint32_t> near,
                                         std::span<const SnappedPoint> car_snaps,
                                         std::span<const NearbyDriveTable::PlacePoints> places,
                                         const Points& points, double apart_m,
                                         routing::RouteQuery& query) {
  const LatLon& at = car_snaps[e].location;
  const double from_reach_m = points.reach_m[points.place_of[e]];
  std::vector<uint32_t> row_places;
  std::vector<SnappedPoint> targets;
  for (uint32_t place : near) {
    double crow_m = HUGE_VAL;
    for (uint32_t c : places[place].car_points) {
      crow_m = std::min(crow_m, HaversineMeters(at, car_snaps[c].location));
    }
    // The invariant of the header; 1 m for floating point.
    if (crow_m > from_reach_m + apart_m + points.reach_m[place] + 1) continue;
    row_places.push_back(place);
    for (uint32_t c : places[place].car_points) targets.push_back(car_snaps[c]);
  }
  std::vector<routing::RouteCost> costs;
  query.OneToMany(car_snaps[e], targets, costs, routing::RouteQuery::Method::kRphast);
  std::vector<NearbyDriveTable::Entry> row;
  size_t t = 0;
  for (uint32_t place : row_places) {
    uint32_t drive_ms = routing::kUnreachable;
    for (size_t k = 0; k < places[place].car_points.size(); ++k, ++t) {
      drive_ms = std::min(drive_ms, costs[t].travel_time_ms);
    }
    row.push_back({place, drive_ms});
  }
  return row;
}

}  // namespace

NearbyDriveTable NearbyDriveTable::Build(const routing::RoadNetwork& network,
                                         std::span<const SnappedPoint> car_snaps,
                                         std::span<const PlacePoints> places,
                                         double covered_walk_m) {
  NearbyDriveTable table;
  table.covered_walk_m_ = covered_walk_m;
  const Points points = Index(car_snaps, places);
  // Two candidates' foot points are at most this far apart.
  const double apart_m = 2 * WalkReachM(covered_walk_m);
  // Cells of half that: the places near a cell are gathered once for all its points.
  const Grid grid(car_snaps, std::max(apart_m / 2, 250.0));
  std::vector<std::vector<Entry>> rows(car_snaps.size());
  routing::RouteQuery query(network, routing::Mode::kCar);
  for (const auto& [cell, sources] : grid.cells()) {
    double cell_reach_m = 0;
    for (uint32_t e : sources) {
      cell_reach_m = std::max(cell_reach_m, points.reach_m[points.place_of[e]]);
    }
    const std::vector<uint32_t> near =
        PlacesNear(grid, cell, apart_m + cell_reach_m + points.max_reach_m, points);
    for (uint32_t e : sources) {
      if (points.reach_m[points.place_of[e]] < 0) continue;
      rows[e] = Row(e, near, car_snaps, places, points, apart_m, query);
    }
  }
  table.Flatten(rows);
  return table;
}

void NearbyDriveTable::Flatten(std::vector<std::vector<Entry>>& rows) {
  size_t total = 0;
  for (const auto& row : rows) total += row.size();
  entries_.reserve(total);
  row_first_.reserve(rows.size() + 1);
  row_first_.push_back(0);
  for (auto& row : rows) {
    entries_.insert(entries_.end(), row.begin(), row.end());
    row_first_.push_back(static_cast<uint32_t>(entries_.size()));
    std::vector<Entry>().swap(row);
  }
}

std::optional<uint32_t> NearbyDriveTable::Find(uint32_t from, uint32_t place) const {
  const std::span<const Entry> row = RowOf(from);
  const auto it = std::lower_bound(row.begin(), row.end(), place,
                                   [](const Entry& e, uint32_t p) { return e.place < p; });
  if (it == row.end() || it->place != place) return std::nullopt;
  return it->drive_ms;
}

}  // namespace pg::guidance
