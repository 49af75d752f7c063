// The city model's coordinates in the systems Chinese data uses (core/crs.h): parkguide keeps
// WGS-84; an entry read from a GCJ-02 or BD-09 survey file is brought in with ReadIn, and an
// answer is shown in what the request asked for with ShownIn. The one list of which fields of
// each object are coordinates (locations, entrances, outlines, the city's box and districts).
//
//   model::Facility shown = model::ShownIn(facility, crs);   // then model::ToJson(shown)
//   model::Bay inside = model::ReadIn(bay_from_file, Crs::kGcj02);
//
// Thread-safety: pure functions.
#pragma once

#include <functional>

#include "core/crs.h"
#include "model/city_model.h"

namespace pg::model {

using PointMap = std::function<LatLon(const LatLon&)>;

// Every coordinate of the object replaced by map(coordinate); a box by the box around its
// mapped corners.
void MapPoints(City& city, const PointMap& map);
void MapPoints(District& district, const PointMap& map);
void MapPoints(Facility& facility, const PointMap& map);
void MapPoints(Bay& bay, const PointMap& map);
void MapPoints(Charger& charger, const PointMap& map);
void MapPoints(Sign& sign, const PointMap& map);

// The WGS-84 object as shown in `crs`.
template <typename T>
T ShownIn(T object, Crs crs) {
  if (crs != Crs::kWgs84) MapPoints(object, [crs](const LatLon& p) { return FromWgs84(p, crs); });
  return object;
}

// The object given in `crs`, in WGS-84.
template <typename T>
T ReadIn(T object, Crs crs) {
  if (crs != Crs::kWgs84) MapPoints(object, [crs](const LatLon& p) { return ToWgs84(p, crs); });
  return object;
}

}  // namespace pg::model
