// The city as GeoJSON layers (RFC 7946) with their live properties, for GIS tools: one
// FeatureCollection per layer, one geometry type per layer where the model allows, flat
// properties (a GIS table has columns, not objects), WGS-84 longitude/latitude only.
//
//   json fc = interchange::GeoJsonLayerCollection(input, GeoJsonLayer::kFacilities);
//
// Layers: facilities (car parks: every kind but on_street; Point), zones (on-street zones:
// Polygon where the outline is known, else Point), bays (Point), chargers (Point), signs (Point).
// Properties are documented per layer in docs/interchange.md.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "interchange/export_input.h"

namespace pg::interchange {

enum class GeoJsonLayer { kFacilities, kZones, kBays, kChargers, kSigns };

std::optional<GeoJsonLayer> ParseGeoJsonLayer(std::string_view name);
std::string_view Name(GeoJsonLayer layer);
// "facilities, zones, bays, chargers, signs": for error messages.
std::string_view GeoJsonLayerNames();

nlohmann::json GeoJsonLayerCollection(const ExportInput& in, GeoJsonLayer layer);

}  // namespace pg::interchange
