// The city's own settings at an OSM import: its name and time zone, given, kept or found in the
// data — never silently defaulted.
//
// A city's time zone decides every local time parkguide shows (the weekly report's heat maps,
// "today", the holiday calendar), so an import must not guess it. DecideCitySettings takes, in
// order: what the operator gives (--city-name, --time-zone); what the database already holds; what
// the OSM file says — the `timezone` tag of the smallest boundary around each car park (the
// zone most of them lie in wins), and for the name the smallest administrative boundary that holds
// at least kCityShareOfPlaces of them. When none of these answers, it refuses, naming the flag to
// give.
//
//   CitySettingsRequest request{.stored = registry.city, .name = flags.city_name};
//   PG_ASSIGN_OR_RETURN(CitySettings settings,
//                       DecideCitySettings(extract.boundaries, places, request));
//   if (settings.changed) data.city = settings.city;
//
// Thread-safety: plain functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "model/city_model.h"
#include "osm/parking_extract.h"

namespace pg::registry {

// The share of the city's places an administrative boundary must hold to name the city: a
// district holding half the car parks does not.
inline constexpr double kCityShareOfPlaces = 0.8;

struct CitySettingsRequest {
  std::optional<model::City> stored;     // what the database holds, if anything
  std::optional<std::string> name;       // --city-name (both languages)
  std::optional<std::string> time_zone;  // --time-zone (IANA)
};

struct CitySettings {
  model::City city;
  std::string name_source;  // "given", "kept", "OSM r2220322 (admin_level 8, 97 % of 120 places)"
  std::string zone_source;
  bool changed = false;  // whether the database's city is to be written
};

// Decides the city's settings for an import whose facilities and chargers lie at `places` (the
// header bbox centre when there are none). Errors: kFailedPrecondition when a new city's name or
// time zone is neither given nor found in the data (the message names the flag);
// kInvalidArgument for a given time zone that is not an IANA name.
Result<CitySettings> DecideCitySettings(std::span<const osm::BoundaryArea> boundaries,
                                        std::span<const LatLon> places,
                                        const CitySettingsRequest& request);

// A name as --city-name and `parkguide city --name` take it: "许昌市|Xuchang" names both languages
// (zh|en); a name without '|' is the name in both.
model::LocalizedName NameFromFlag(const std::string& text);

// A city id from its name: lower-case ASCII letters and digits, other runs as '-'; "city" when
// nothing is left (a name in Chinese only).
std::string CityIdFromName(std::string_view name);

}  // namespace pg::registry
