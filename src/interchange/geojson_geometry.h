// GeoJSON geometries (RFC 7946) of the model's points and outlines, the one author for every
// format that carries GeoJSON: the GeoJSON layers and the NGSI-LD `location` GeoProperty.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/geo.h"

namespace pg::interchange {

// [longitude, latitude] to 7 decimals (about a centimetre: RFC 7946 §11.2).
nlohmann::json GeoJsonPosition(const LatLon& p);
nlohmann::json GeoJsonPoint(const LatLon& p);
// The outline as a Polygon whose exterior ring is closed and counterclockwise (§3.1.6); nullopt
// when it has fewer than three distinct points or no area.
std::optional<nlohmann::json> GeoJsonPolygon(std::vector<LatLon> ring);

}  // namespace pg::interchange
