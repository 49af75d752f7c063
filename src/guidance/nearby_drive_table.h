// NearbyDriveTable: the driving times between a city's places that a guidance query can ask for —
// from each car point (a place's car entrance, snapped to the car graph) to every place near enough
// to be a candidate of the same query — and no others. One sparse row per car point, sorted by
// place: it grows with the city at a given density, where the dense entrances × places table it
// replaced grew with the square of the city (docs/benchmarks.md, "Cost curves").
//
// Which pairs (docs/guidance.md, "Drive times between candidates"). Every candidate of a query
// walks at most max_walk to the destination, and a walk of w metres on the foot graph starts no
// farther than WalkReachM(w) from the destination as the crow flies. So for two candidates a and b
// of a query whose max_walk is at most `covered_walk_m`, any car point e of a and c of b satisfy
//   crow(e, c) ≤ reach(a) + 2 · WalkReachM(covered_walk_m) + reach(b),
// where reach(p) is the farthest a car point of p lies from a foot point of p (the triangle
// inequality, through a's foot point, the destination and b's foot point). The row of e holds
// every place with a car point that near, with the drive to the quickest of all its car points.
// A pair beyond it is not in the table: Find says so (nullopt) and the caller computes it.
//
//   NearbyDriveTable table = NearbyDriveTable::Build(network, car_snaps, places, 1000);
//   if (std::optional<uint32_t> ms = table.Find(car_point, place)) …  // else: beyond the table
//
// Thread-safety: immutable after Build; Find may be called from any number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/geo.h"
#include "routing/road_network.h"

namespace pg::guidance {

// How far, as the crow flies, a walk of `walk_m` metres on the foot graph can end from where it
// starts. A walk's length is its path's, never shorter than the straight line but for the
// rounding of each segment's length to the decimetre (5 cm at most: 2% of a 2.5 m segment); the
// 50 m cover the partial segments at both ends and floating point.
double WalkReachM(double walk_m);

class NearbyDriveTable {
 public:
  // One place's points, as Guide prepared them.
  struct PlacePoints {
    std::vector<uint32_t> car_points;  // indices into the car snaps
    std::vector<LatLon> foot_points;   // where its foot points lie on the foot graph
  };

  NearbyDriveTable() = default;

  // One one-to-many search per car point (restricted PHAST) over the car points of the places
  // near it, gathered from a spatial grid: linear in the city at a given density. A place without
  // foot points can never be a candidate: it has no row and is in none.
  // REQUIRES: every car snap is on network's car graph; each car point belongs to one place.
  static NearbyDriveTable Build(const routing::RoadNetwork& network,
                                std::span<const routing::SnappedPoint> car_snaps,
                                std::span<const PlacePoints> places, double covered_walk_m);

  // The drive from car point `from` to the quickest car point of `place` in milliseconds
  // (routing::kUnreachable: no way); nullopt when the pair is beyond the table.
  std::optional<uint32_t> Find(uint32_t from, uint32_t place) const;

  // One cell of a row.
  struct Entry {
    uint32_t place = 0;
    uint32_t drive_ms = 0;
  };

  // The row of car point `from`, sorted by place: to read many places of one row in one pass.
  // Empty when there is no such car point.
  std::span<const Entry> RowOf(uint32_t from) const {
    if (from + 1 >= row_first_.size()) return {};
    return std::span<const Entry>(entries_).subspan(row_first_[from],
                                                    row_first_[from + 1] - row_first_[from]);
  }

  // Queries whose max_walk is at most this never ask for a pair beyond the table.
  double covered_walk_m() const { return covered_walk_m_; }
  size_t entries() const { return entries_.size(); }

 private:
  // Takes the rows (emptied) into row_first_ and entries_.
  void Flatten(std::vector<std::vector<Entry>>& rows);

  double covered_walk_m_ = 0;
  std::vector<uint32_t> row_first_;  // by car point, car points + 1 entries
  std::vector<Entry> entries_;       // each row sorted by place
};

}  // namespace pg::guidance
