// Entrance snaps: where every facility entrance (and every facility's own location) lands on the
// car and foot graphs, computed once at import so that guidance never snaps per request and the
// import can report entrances no road reaches.
//
//   EntranceSnapTable table = SnapEntrances(car, foot, registry, fingerprint, &stats);
//   PG_RETURN_IF_ERROR(store.PutSetting(kEntranceSnapsSetting, table.ToJson()));
//   … later: if (const EntranceSnap* e = table.Find(facility_id, "main"); e && e->car) …
//
// What is snapped: vehicle entrances for car and foot (people walk out through them too),
// pedestrian entrances for foot, and each facility's location (entrance id "") for both, the
// fall-back for facilities without mapped entrances. A snap farther than kEntranceSnapRadiusM is
// left out (nullopt) and counted.
//
// The table is tied to one graph (its fingerprint): a reader holding another graph ignores it and
// snaps afresh (cheap: microseconds per point).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "graph/road_graph.h"
#include "graph/segment_index.h"
#include "model/city_model.h"

namespace pg::graph {

inline constexpr double kEntranceSnapRadiusM = 250;

struct EntranceSnap {
  std::string facility_id;
  std::string entrance_id;  // "" for the facility's own location
  bool vehicle = true;      // a vehicle entrance or the location: snapped for cars too
  LatLon location;          // the coordinate snapped (re-snap when the registry moves it)
  std::optional<NearestSegment> car;
  std::optional<NearestSegment> foot;
};

struct EntranceSnapStats {
  int points = 0;  // entrances and facility locations
  int car_snapped = 0;
  int car_too_far = 0;  // vehicle points with no car road within kEntranceSnapRadiusM
  int foot_snapped = 0;
  int foot_too_far = 0;
  std::vector<std::string> too_far_examples;  // "F12 entrance main: car"
};

struct EntranceSnapTable {
  uint64_t graph_fingerprint = 0;
  std::vector<EntranceSnap> entries;  // by facility, in registry order

  // nullptr when there is no entry.
  const EntranceSnap* Find(std::string_view facility_id, std::string_view entrance_id) const;
  std::string ToJson() const;
  // Errors: kDataLoss when `json` is not a table written by ToJson.
  static Result<EntranceSnapTable> FromJson(std::string_view json);
};

EntranceSnapTable SnapEntrances(const ModeGraphView& car, const ModeGraphView& foot,
                                const model::RegistryData& registry, uint64_t graph_fingerprint,
                                EntranceSnapStats* stats);

}  // namespace pg::graph
