// NearbyDriveTable on the demo city (4 × 4 km, wider than the tables built here): every pair of
// places that can be candidates of one query — both within the covered walk of a destination —
// is in the table with the exact drive time, pairs at the edge of the walk included; a table
// built for a shorter walk misses some (so these tests catch a radius too small); and the table
// stays local.
#include "guidance/nearby_drive_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "graph/entrance_snaps.h"
#include "routing/route_query.h"
#include "tests/support/guidance_city.h"

namespace pg::guidance {
namespace {

using routing::Mode;
using routing::SnappedPoint;
using testing::DemoCityForGuidance;

// The demo city's facilities as Guide prepares them: car points at vehicle entrances (the
// facility's point when none), foot points at every entrance.
struct DemoPoints {
  std::vector<SnappedPoint> car_snaps, foot_snaps;
  std::vector<uint32_t> foot_place;  // by foot point
  std::vector<NearbyDriveTable::PlacePoints> places;
};

const DemoPoints& Points() {
  static const DemoPoints* points = [] {
    auto* out = new DemoPoints;
    const routing::RoadNetwork& net = *DemoCityForGuidance().network;
    for (const model::Facility& f : DemoCityForGuidance().registry.facilities) {
      NearbyDriveTable::PlacePoints p;
      std::vector<LatLon> car_at, foot_at;
      for (const auto& e : f.entrances) {
        if (e.kind == model::EntranceKind::kVehicle) car_at.push_back(e.location);
        foot_at.push_back(e.location);
      }
      if (car_at.empty()) car_at.push_back(f.location);
      if (foot_at.empty()) foot_at.push_back(f.location);
      for (const LatLon& at : car_at) {
        if (auto s = net.Snap(Mode::kCar, at, graph::kEntranceSnapRadiusM); s.ok()) {
          p.car_points.push_back(static_cast<uint32_t>(out->car_snaps.size()));
          out->car_snaps.push_back(*s);
        }
      }
      for (const LatLon& at : foot_at) {
        if (auto s = net.Snap(Mode::kFoot, at, graph::kEntranceSnapRadiusM); s.ok()) {
          out->foot_place.push_back(static_cast<uint32_t>(out->places.size()));
          out->foot_snaps.push_back(*s);
          p.foot_points.push_back(s->location);
        }
      }
      out->places.push_back(std::move(p));
    }
    return out;
  }();
  return *points;
}

NearbyDriveTable TableFor(double covered_walk_m) {
  return NearbyDriveTable::Build(*DemoCityForGuidance().network, Points().car_snaps,
                                 Points().places, covered_walk_m);
}

// The places a query to `dest` with `max_walk_m` can rank (their quickest foot point within the
// walk, as Guide's filter), with their walks in metres.
std::map<uint32_t, double> Candidates(const SnappedPoint& dest, double max_walk_m) {
  const DemoPoints& pts = Points();
  routing::RouteQuery foot(*DemoCityForGuidance().network, Mode::kFoot);
  std::vector<routing::RouteCost> walks;
  foot.OneToMany(dest, pts.foot_snaps, walks);
  std::vector<routing::RouteCost> best(pts.places.size());
  for (size_t f = 0; f < walks.size(); ++f) {
    if (walks[f].travel_time_ms < best[pts.foot_place[f]].travel_time_ms) {
      best[pts.foot_place[f]] = walks[f];
    }
  }
  std::map<uint32_t, double> out;
  for (uint32_t p = 0; p < best.size(); ++p) {
    const double walk_m = best[p].distance_dm / 10.0;
    if (!best[p].reachable() || walk_m > max_walk_m || pts.places[p].car_points.empty()) continue;
    out[p] = walk_m;
  }
  return out;
}

std::vector<uint32_t> Places(const std::map<uint32_t, double>& candidates) {
  std::vector<uint32_t> out;
  out.reserve(candidates.size());
  for (const auto& [place, walk_m] : candidates) out.push_back(place);
  return out;
}

// Pairs of `candidates` the table lacks; each pair it has must carry the exact drive time.
int MissingPairs(const NearbyDriveTable& table, const std::vector<uint32_t>& candidates) {
  const DemoPoints& pts = Points();
  routing::RouteQuery car(*DemoCityForGuidance().network, Mode::kCar);
  int missing = 0;
  for (uint32_t a : candidates) {
    for (uint32_t b : candidates) {
      if (a == b) continue;
      for (uint32_t e : pts.places[a].car_points) {
        const std::optional<uint32_t> ms = table.Find(e, b);
        if (!ms) {
          ++missing;
          continue;
        }
        uint32_t expected = routing::kUnreachable;
        for (uint32_t c : pts.places[b].car_points) {
          expected =
              std::min(expected, car.Cost(pts.car_snaps[e], pts.car_snaps[c]).travel_time_ms);
        }
        EXPECT_EQ(*ms, expected) << "car point " << e << " to place " << b;
      }
    }
  }
  return missing;
}

SnappedPoint RandomDestination(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> m(0, 4000);
  for (;;) {
    auto s = DemoCityForGuidance().network->Snap(
        Mode::kFoot, testing::Offset({34.017, 113.828}, m(rng), m(rng)), 500);
    if (s.ok()) return *s;
  }
}

TEST(WalkReachM, NoWalkEndsFartherAsTheCrowFlies) {
  std::mt19937_64 rng(3);
  routing::RouteQuery foot(*DemoCityForGuidance().network, Mode::kFoot);
  std::vector<routing::RouteCost> walks;
  for (int i = 0; i < 50; ++i) {
    const SnappedPoint dest = RandomDestination(rng);
    foot.OneToMany(dest, Points().foot_snaps, walks);
    for (size_t f = 0; f < walks.size(); ++f) {
      if (!walks[f].reachable()) continue;
      EXPECT_LE(HaversineMeters(dest.location, Points().foot_snaps[f].location),
                WalkReachM(walks[f].distance_dm / 10.0));
    }
  }
}

TEST(NearbyDriveTable, HoldsEveryPairOfCandidatesOfAQueryWithinItsWalkAndStaysLocal) {
  constexpr double kWalkM = 400;
  const NearbyDriveTable table = TableFor(kWalkM);
  std::mt19937_64 rng(11);
  int pairs = 0;
  for (int i = 0; i < 300; ++i) {
    const std::vector<uint32_t> candidates = Places(Candidates(RandomDestination(rng), kWalkM));
    pairs += static_cast<int>(candidates.size() * (candidates.size() - 1));
    EXPECT_EQ(MissingPairs(table, candidates), 0) << "query " << i;
  }
  EXPECT_GT(pairs, 100) << "too few pairs to say anything";
  // The city is ten times the walk across: most pairs are not needed, and not kept.
  const size_t dense = Points().car_snaps.size() * Points().places.size();
  EXPECT_LT(table.entries(), dense / 2) << "entries of " << dense;
}

// For pairs of places, the destination half-way between their foot points: both walk about the
// same, the longer walk is the query's max_walk — the pair at the edge of it.
TEST(NearbyDriveTable, HoldsThePairsAtTheEdgeOfTheWalkAndATableForAShorterWalkDoesNot) {
  const DemoPoints& pts = Points();
  const routing::RoadNetwork& net = *DemoCityForGuidance().network;
  const NearbyDriveTable wide = TableFor(1000), narrow = TableFor(500);
  int edge_pairs = 0, missed_by_narrow = 0;
  for (uint32_t a = 0; a < pts.places.size(); ++a) {
    for (uint32_t b = a + 1; b < pts.places.size(); ++b) {
      if (pts.places[a].foot_points.empty() || pts.places[b].foot_points.empty()) continue;
      const LatLon x = pts.places[a].foot_points.front(), y = pts.places[b].foot_points.front();
      auto dest = net.Snap(Mode::kFoot, {(x.lat + y.lat) / 2, (x.lon + y.lon) / 2}, 500);
      if (!dest.ok()) continue;
      const std::map<uint32_t, double> walks = Candidates(*dest, 1000);
      if (!walks.contains(a) || !walks.contains(b)) continue;
      const double longest = std::max(walks.at(a), walks.at(b));
      if (longest <= 800) continue;
      ++edge_pairs;
      const std::vector<uint32_t> pair = {a, b};
      EXPECT_EQ(MissingPairs(wide, pair), 0) << a << " and " << b << ", walk " << longest;
      if (MissingPairs(narrow, pair) > 0) ++missed_by_narrow;
    }
  }
  EXPECT_GT(edge_pairs, 5) << "too few pairs at the edge to say anything";
  EXPECT_GT(missed_by_narrow, 0) << "a table for a shorter walk should miss some of them";
}

TEST(NearbyDriveTable, AFarPairIsReportedBeyondTheTableNeverGivenATime) {
  const NearbyDriveTable table = TableFor(100);
  const DemoPoints& pts = Points();
  int beyond = 0;
  for (uint32_t e = 0; e < pts.car_snaps.size(); ++e) {
    for (uint32_t b = 0; b < pts.places.size(); ++b) {
      if (!table.Find(e, b)) ++beyond;
    }
  }
  EXPECT_GT(beyond, 0);
  EXPECT_FALSE(table.Find(static_cast<uint32_t>(pts.car_snaps.size()), 0)) << "no such row";
}

}  // namespace
}  // namespace pg::guidance
