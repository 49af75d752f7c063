#include "model/model_crs.h"

namespace pg::model {
namespace {

void MapRing(std::vector<LatLon>& ring, const PointMap& map) {
  for (LatLon& p : ring) p = map(p);
}

}  // namespace

void MapPoints(City& city, const PointMap& map) {
  if (!city.bbox.empty()) {
    BoundingBox box;
    for (double lat : {city.bbox.min_lat, city.bbox.max_lat}) {
      for (double lon : {city.bbox.min_lon, city.bbox.max_lon}) box.Extend(map(LatLon{lat, lon}));
    }
    city.bbox = box;
  }
  for (District& d : city.districts) MapPoints(d, map);
}

void MapPoints(District& district, const PointMap& map) { MapRing(district.outline, map); }

void MapPoints(Facility& facility, const PointMap& map) {
  facility.location = map(facility.location);
  MapRing(facility.outline, map);
  for (Entrance& e : facility.entrances) e.location = map(e.location);
}

void MapPoints(Bay& bay, const PointMap& map) { bay.location = map(bay.location); }

void MapPoints(Charger& charger, const PointMap& map) { charger.location = map(charger.location); }

void MapPoints(Sign& sign, const PointMap& map) { sign.location = map(sign.location); }

}  // namespace pg::model
